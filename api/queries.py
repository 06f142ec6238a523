"""What the council's front end reads: the current case, worklists, the ledger, the carers register.

Queries read the views only. A caller that has just sent a command passes the ``position`` it got
back as ``min_position`` and the answer waits (briefly) until every view has applied it, so it
sees its own write. Each answer's ``position`` is the one its rows were read at: the position and
the rows come from one snapshot of the views (``Backend.snapshot``). Every read of a case is
written to the access log.
"""

# FastAPI reads these endpoints' annotations at run time; see api/commands.py.

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from api.auth import allow, backend
from api.backend import Backend
from api.keys import ApiUser
from api.roles import CASE_READERS, FIGURE_READERS, WORKLIST_READERS
from domain.errors import NotFound
from domain.vocabulary import Stage
from projections.carers_register import REGISTER, register_figures
from projections.current_case import CASE, PERSON
from projections.ledger import ENTRY, LEDGER
from projections.store import ViewCursor
from projections.worklists import WORKLIST

# The largest notification id or case version either store can hold (a signed 64-bit integer):
# a larger number names nothing that can exist, and would overflow SQLite before it was refused.
LARGEST_ID = 2**63 - 1

MinPosition = Annotated[
    int | None, Query(ge=0, le=LARGEST_ID, description="Wait until the views have applied this position")
]
Limit = Annotated[int, Query(ge=1, le=1000)]
Team = Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]

router = APIRouter()


class Page(BaseModel):
    position: int = Field(description="The position every view had reached when this was read")
    items: list[dict[str, Any]]


class CaseView(BaseModel):
    position: int
    quarantined: bool = Field(
        description="True while the views hold this case's events back (an event no view "
        "could apply, decision 0013): the case is shown as it stood before it"
    )
    case: dict[str, Any]
    people: list[dict[str, Any]]
    work: list[dict[str, Any]]
    ledger: dict[str, Any] | None


def _case_row(cursor: ViewCursor, case_id: uuid.UUID) -> dict[str, Any]:
    rows = cursor.execute(f"SELECT * FROM {CASE} WHERE case_id = ?", (case_id.hex,)).dicts()
    if not rows:
        raise NotFound(f"no case {case_id.hex} in the views", code="unknown_case", field="case_id")
    row = rows[0]
    row["flags"] = json.loads(row["flags"])
    return row


def logged_read(app: Backend, user: ApiUser, request: Request, case_id: uuid.UUID, what: str) -> None:
    app.log.case_read(user_id=user.user_id, role=user.role.value, case_id=case_id.hex, what=what, path=request.url.path)


@router.get("/cases/{case_id}", response_model=CaseView, tags=["cases"], summary="The case as it stands now")
async def get_case(
    case_id: uuid.UUID,
    request: Request,
    user: Annotated[ApiUser, Depends(allow(CASE_READERS))],
    app: Annotated[Backend, Depends(backend)],
    min_position: MinPosition = None,
) -> CaseView:
    await app.wait_for_position(min_position)
    with app.snapshot() as (position, cursor):
        case = _case_row(cursor, case_id)
        people = cursor.execute(
            f"SELECT * FROM {PERSON} WHERE case_id = ? ORDER BY kind, person_id", (case_id.hex,)
        ).dicts()
        work = cursor.execute(
            f"SELECT kind, role, person_id, detail FROM {WORKLIST} WHERE case_id = ? ORDER BY item_id", (case_id.hex,)
        ).dicts()
        ledger = cursor.execute(f"SELECT * FROM {LEDGER} WHERE case_id = ?", (case_id.hex,)).dicts()
        quarantined = bool(app.views.quarantine_of(cursor, case_id.hex))
    logged_read(app, user, request, case_id, "case")
    return CaseView(
        position=position,
        quarantined=quarantined,
        case=case,
        people=people,
        work=work,
        ledger=ledger[0] if ledger else None,
    )


@router.get("/cases", response_model=Page, tags=["cases"], summary="Open cases by team, stage or worker")
async def list_cases(
    user: Annotated[ApiUser, Depends(allow(WORKLIST_READERS))],
    app: Annotated[Backend, Depends(backend)],
    team: Team = None,
    stage: Stage | None = None,
    worker_id: Team = None,
    include_closed: bool = False,
    limit: Limit = 100,
    min_position: MinPosition = None,
) -> Page:
    await app.wait_for_position(min_position)
    where, params = ([] if include_closed else ["closed = 0"]), []
    for column, value in (("team", team), ("stage", stage.value if stage else None), ("worker_id", worker_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = (
        f"SELECT case_id, team, worker_id, adult_name, stage, stage_entered_at, stage_due_at, flags, closed "
        f"FROM {CASE}" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY stage_entered_at LIMIT ?"
    )
    with app.snapshot() as (position, cursor):
        rows = cursor.execute(sql, (*params, limit)).dicts()
    for row in rows:
        row["flags"] = json.loads(row["flags"])
    return Page(position=position, items=rows)


def _worklist(app: Backend, column: str, value: str, role: str | None, limit: int) -> Page:
    sql = (
        f"SELECT case_id, kind, role, person_id, detail, team, worker_id, stage, stage_due_at, adult_name "
        f"FROM {WORKLIST} WHERE {column} = ?"
    )
    params: list[Any] = [value]
    if role is not None:
        sql += " AND role = ?"
        params.append(role)
    with app.snapshot() as (position, cursor):
        rows = cursor.execute(sql + " ORDER BY stage_due_at, case_id, item_id LIMIT ?", (*params, limit)).dicts()
    return Page(position=position, items=rows)


@router.get(
    "/worklists/mine",
    response_model=Page,
    tags=["worklists"],
    summary="The caller's own list: work for their role on the cases allocated to them",
)
async def my_worklist(
    user: Annotated[ApiUser, Depends(allow(WORKLIST_READERS))],
    app: Annotated[Backend, Depends(backend)],
    limit: Limit = 200,
    min_position: MinPosition = None,
) -> Page:
    await app.wait_for_position(min_position)
    return _worklist(app, "worker_id", user.user_id, user.role.value, limit)


@router.get("/worklists/workers/{worker_id}", response_model=Page, tags=["worklists"])
async def worker_worklist(
    worker_id: str,
    user: Annotated[ApiUser, Depends(allow(WORKLIST_READERS))],
    app: Annotated[Backend, Depends(backend)],
    limit: Limit = 200,
    min_position: MinPosition = None,
) -> Page:
    await app.wait_for_position(min_position)
    return _worklist(app, "worker_id", worker_id, None, limit)


@router.get(
    "/worklists/teams/{team}",
    response_model=Page,
    tags=["worklists"],
    summary="Everything waiting on a team's cases; `role` narrows it (e.g. team_manager)",
)
async def team_worklist(
    team: str,
    user: Annotated[ApiUser, Depends(allow(WORKLIST_READERS))],
    app: Annotated[Backend, Depends(backend)],
    role: str | None = None,
    limit: Limit = 200,
    min_position: MinPosition = None,
) -> Page:
    await app.wait_for_position(min_position)
    return _worklist(app, "team", team, role, limit)


@router.get("/worklists/stages/{stage}", response_model=Page, tags=["worklists"])
async def stage_worklist(
    stage: Stage,
    user: Annotated[ApiUser, Depends(allow(WORKLIST_READERS))],
    app: Annotated[Backend, Depends(backend)],
    limit: Limit = 200,
    min_position: MinPosition = None,
) -> Page:
    await app.wait_for_position(min_position)
    return _worklist(app, "stage", stage.value, None, limit)


@router.get("/cases/{case_id}/ledger", tags=["money"], summary="Allocated, committed, paid, underspent, recovered")
async def case_ledger(
    case_id: uuid.UUID,
    request: Request,
    user: Annotated[ApiUser, Depends(allow(CASE_READERS))],
    app: Annotated[Backend, Depends(backend)],
    min_position: MinPosition = None,
) -> dict[str, Any]:
    await app.wait_for_position(min_position)
    with app.snapshot() as (position, cursor):
        _case_row(cursor, case_id)
        ledger = cursor.execute(f"SELECT * FROM {LEDGER} WHERE case_id = ?", (case_id.hex,)).dicts()
        entries = cursor.execute(
            f"SELECT * FROM {ENTRY} WHERE case_id = ? ORDER BY version, seq", (case_id.hex,)
        ).dicts()
    logged_read(app, user, request, case_id, "ledger")
    return {"position": position, "ledger": ledger[0] if ledger else None, "entries": entries}


@router.get("/cases/{case_id}/timeline", tags=["cases"], summary="Every event with its actor, role and reasons")
async def case_timeline(
    case_id: uuid.UUID,
    request: Request,
    user: Annotated[ApiUser, Depends(allow(CASE_READERS))],
    app: Annotated[Backend, Depends(backend)],
    min_position: MinPosition = None,
) -> Page:
    await app.wait_for_position(min_position)
    with app.snapshot() as (position, cursor):
        _case_row(cursor, case_id)
        rows = cursor.execute(
            "SELECT version, recorded_at, effective_at, event, actor, role, command_id, summary "
            "FROM view_audit_timeline WHERE case_id = ? ORDER BY version",
            (case_id.hex,),
        ).dicts()
    logged_read(app, user, request, case_id, "timeline")
    return Page(position=position, items=rows)


@router.get(
    "/carers-register/figures",
    tags=["carers"],
    summary="Carers identified, told of their right, offered, declined, assessed, eligible, supported",
)
async def carers_figures(
    user: Annotated[ApiUser, Depends(allow(FIGURE_READERS))],
    app: Annotated[Backend, Depends(backend)],
    team: Team = None,
    min_position: MinPosition = None,
) -> dict[str, Any]:
    await app.wait_for_position(min_position)
    with app.snapshot() as (position, cursor):
        figures = register_figures(cursor, council_code=app.council.council_code, team=team)
    return {"position": position, "council_code": app.council.council_code, "team": team, "figures": figures}


@router.get("/carers-register", response_model=Page, tags=["carers"], summary="One row per carer (ids, no names)")
async def carers_register(
    user: Annotated[ApiUser, Depends(allow(FIGURE_READERS))],
    app: Annotated[Backend, Depends(backend)],
    team: Team = None,
    limit: Limit = 200,
    min_position: MinPosition = None,
) -> Page:
    await app.wait_for_position(min_position)
    sql, params = f"SELECT * FROM {REGISTER}", []
    if team is not None:
        sql += " WHERE team = ?"
        params.append(team)
    with app.snapshot() as (position, cursor):
        rows = cursor.execute(sql + " ORDER BY case_id, carer_id LIMIT ?", (*params, limit)).dicts()
    return Page(position=position, items=rows)
