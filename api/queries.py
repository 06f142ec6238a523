"""What the council's front end reads: the current case, worklists, the ledger, the carers register,
the person index.

Each view owns its read queries and answers with typed rows (the functions at the end of each
``projections`` module); these endpoints parse the request, call them and wrap their rows with the
position, naming no table or column. A caller that has just sent a command passes the ``position`` it got
back as ``min_position`` and the answer waits (briefly) until every view has applied it, so it
sees its own write. Each answer's ``position`` is the one its rows were read at: the position and
the rows come from one snapshot of the views (``Backend.snapshot``). Every read of a case is
written to the access log, and so is every list read, with the ids of the cases it returned.

Need to know (``api/need_to_know.py``): a case is opened only through ``case_reader``, which
answers 404 for a case outside the caller's reach as for one that does not exist; lists show
only the cases within the caller's reach. ``GET /people`` ("is this person known to us?") lists
a person's cases within reach and only counts the others (decision 0031).
"""

# FastAPI reads these endpoints' annotations at run time; see api/commands.py.

import asyncio
import uuid
from datetime import date
from typing import Annotated, Generic, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from api.auth import allow, backend
from api.backend import Backend
from api.keys import ApiUser
from api.need_to_know import LARGEST_ID, MinPosition, OpenedCase, case_reader, reach_for
from api.roles import CASE_READERS, FIGURE_READERS, PEOPLE_SEARCHERS, WORKLIST_READERS
from domain.errors import InvalidInput, NotFound
from domain.person_index import normalised_name
from domain.person_record import PersonRecord
from domain.timeline import TimelineEntry
from domain.values import NhsNumber
from domain.vocabulary import Stage
from projections.audit_timeline import timeline_of
from projections.carers_register import (
    CarerRow,
    MonthFigures,
    RegisterFigures,
    carers,
    ended_by_reason,
    register_figures,
    register_figures_by_month,
)
from projections.current_case import CasePerson, CaseSummary, CurrentCase, cases, current_case, people_on
from projections.ledger import LedgerEntry, LedgerPart, LedgerRow, entries_of, ledger_of, parts_of
from projections.people import PersonFound, council_person_ids, earlier_cases_of, people_found
from projections.store import ViewCursor
from projections.worklists import CaseWork, Owner, WorklistItem, accounts_to_close, work_on, worklist

__all__ = ["LARGEST_ID", "Limit", "MinPosition", "Team", "router"]

Limit = Annotated[int, Query(ge=1, le=1000)]
Team = Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]

router = APIRouter()


Item = TypeVar("Item", bound=BaseModel)


class Page(BaseModel, Generic[Item]):
    position: int = Field(description="The position every view had reached when this was read")
    items: list[Item]


class CaseView(BaseModel):
    position: int
    quarantined: bool = Field(
        description="True while the views hold this case's events back (an event no view "
        "could apply, decision 0013): the case is shown as it stood before it"
    )
    case: CurrentCase
    people: list[CasePerson]
    work: list[CaseWork]
    ledger: LedgerRow | None
    earlier_cases: list[str] = Field(
        default=[], description="The adult's earlier (closed) cases this referral was linked to, oldest first"
    )


class CaseLedger(BaseModel):
    position: int
    ledger: LedgerRow | None
    entries: list[LedgerEntry]
    # How each person's approved budget is held, part by part; the parts add up to it.
    parts: list[LedgerPart] = []


class CarersFigures(BaseModel):
    position: int
    council_code: str
    team: str | None
    figures: RegisterFigures
    ended_by_reason: dict[str, int] = Field(default_factory=dict, description="carers whose involvement ended, by why")


# A case opened for reading (need to know; answers 404 outside it). Its min_position is waited for.
CaseToRead = Annotated[OpenedCase, Depends(case_reader(CASE_READERS))]


def _case_row(cursor: ViewCursor, case_id: uuid.UUID) -> CurrentCase:
    case = current_case(cursor, case_id.hex)
    if case is None:
        raise NotFound(f"no case {case_id.hex}", code="unknown_case", field="case_id")
    return case


def logged_list(app: Backend, user: ApiUser, request: Request, what: str, case_ids: list[str]) -> None:
    app.log.list_read(user_id=user.user_id, role=user.role.value, what=what, path=request.url.path, case_ids=case_ids)


@router.get("/cases/{case_id}", response_model=CaseView, tags=["cases"], summary="The case as it stands now")
async def get_case(opened: CaseToRead, request: Request, app: Annotated[Backend, Depends(backend)]) -> CaseView:
    case_id = opened.case_id
    with app.snapshot() as (position, cursor):
        case = _case_row(cursor, case_id)
        people = people_on(cursor, case_id.hex)
        work = work_on(cursor, case_id.hex)
        money = ledger_of(cursor, case_id.hex)
        quarantined = bool(app.views.quarantine_of(cursor, case_id.hex))
        earlier = earlier_cases_of(cursor, case_id.hex)
    opened.logged(app, request, "case")
    return CaseView(
        position=position,
        quarantined=quarantined,
        case=case,
        people=people,
        work=work,
        ledger=money,
        earlier_cases=earlier,
    )


@router.get("/cases", response_model=Page[CaseSummary], tags=["cases"], summary="Open cases by team, stage or worker")
async def list_cases(
    request: Request,
    user: Annotated[ApiUser, Depends(allow(WORKLIST_READERS))],
    app: Annotated[Backend, Depends(backend)],
    team: Team = None,
    stage: Stage | None = None,
    worker_id: Team = None,
    include_closed: bool = False,
    limit: Limit = 100,
    min_position: MinPosition = None,
) -> Page[CaseSummary]:
    await app.wait_for_position(min_position)
    with app.snapshot() as (position, cursor):
        rows = cases(
            cursor,
            team=team,
            stage=stage,
            worker_id=worker_id,
            include_closed=include_closed,
            reach=reach_for(user),
            limit=limit,
        )
    logged_list(app, user, request, "cases", [row.case_id for row in rows])
    return Page[CaseSummary](position=position, items=rows)


def _worklist(
    app: Backend, user: ApiUser, request: Request, by: Owner, value: str, role: str | None, limit: int
) -> Page[WorklistItem]:
    with app.snapshot() as (position, cursor):
        rows = worklist(cursor, by, value, role=role, reach=reach_for(user), limit=limit)
    logged_list(app, user, request, f"worklist {by}", [row.case_id for row in rows])
    return Page[WorklistItem](position=position, items=rows)


@router.get(
    "/worklists/mine",
    response_model=Page[WorklistItem],
    tags=["worklists"],
    summary="The caller's own list: work for their role on the cases allocated to them",
)
async def my_worklist(
    request: Request,
    user: Annotated[ApiUser, Depends(allow(WORKLIST_READERS))],
    app: Annotated[Backend, Depends(backend)],
    limit: Limit = 200,
    min_position: MinPosition = None,
) -> Page[WorklistItem]:
    await app.wait_for_position(min_position)
    return _worklist(app, user, request, "worker_id", user.user_id, user.role.value, limit)


@router.get("/worklists/workers/{worker_id}", response_model=Page[WorklistItem], tags=["worklists"])
async def worker_worklist(
    worker_id: str,
    request: Request,
    user: Annotated[ApiUser, Depends(allow(WORKLIST_READERS))],
    app: Annotated[Backend, Depends(backend)],
    limit: Limit = 200,
    min_position: MinPosition = None,
) -> Page[WorklistItem]:
    await app.wait_for_position(min_position)
    return _worklist(app, user, request, "worker_id", worker_id, None, limit)


@router.get(
    "/worklists/teams/{team}",
    response_model=Page[WorklistItem],
    tags=["worklists"],
    summary="Everything waiting on a team's cases; `role` narrows it (e.g. team_manager)",
)
async def team_worklist(
    team: str,
    request: Request,
    user: Annotated[ApiUser, Depends(allow(WORKLIST_READERS))],
    app: Annotated[Backend, Depends(backend)],
    role: str | None = None,
    limit: Limit = 200,
    min_position: MinPosition = None,
) -> Page[WorklistItem]:
    await app.wait_for_position(min_position)
    return _worklist(app, user, request, "team", team, role, limit)


@router.get("/worklists/stages/{stage}", response_model=Page[WorklistItem], tags=["worklists"])
async def stage_worklist(
    stage: Stage,
    request: Request,
    user: Annotated[ApiUser, Depends(allow(WORKLIST_READERS))],
    app: Annotated[Backend, Depends(backend)],
    limit: Limit = 200,
    min_position: MinPosition = None,
) -> Page[WorklistItem]:
    await app.wait_for_position(min_position)
    return _worklist(app, user, request, "stage", stage.value, None, limit)


@router.get(
    "/worklists/accounts-to-close",
    response_model=Page[WorklistItem],
    tags=["worklists", "money"],
    summary="Finance: people whose involvement ended with money still to reconcile (closed cases too)",
)
async def accounts_to_close_worklist(
    request: Request,
    user: Annotated[ApiUser, Depends(allow(WORKLIST_READERS))],
    app: Annotated[Backend, Depends(backend)],
    team: Team = None,
    limit: Limit = 200,
    min_position: MinPosition = None,
) -> Page[WorklistItem]:
    """A final payment due, an overpayment to recover or a balance held: each ended agreement whose
    account finance has not closed, oldest stage deadline first, within the caller's reach."""
    await app.wait_for_position(min_position)
    with app.snapshot() as (position, cursor):
        rows = accounts_to_close(cursor, team=team, reach=reach_for(user), limit=limit)
    logged_list(app, user, request, "worklist accounts to close", [row.case_id for row in rows])
    return Page[WorklistItem](position=position, items=rows)


PersonId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]


@router.get(
    "/cases/{case_id}/people/{person_id}/export",
    response_model=PersonRecord,
    tags=["cases"],
    summary="One person's record for them or the council they move to: their facts, each with its version",
)
async def person_export(
    opened: CaseToRead, person_id: PersonId, request: Request, app: Annotated[Backend, Depends(backend)]
) -> PersonRecord:
    """The facts about one person the case's events hold (assessment, eligibility, budget, plan,
    payments, reviews, ending, move), nobody else's, with the chain hash of the last event included.
    Giving it to someone is recorded on the case with ``record-person-record-given``."""
    exported = await asyncio.to_thread(app.record.person_record, opened.case_id, person_id)
    opened.logged(app, request, f"person export {person_id}")
    return exported


@router.get("/cases/{case_id}/ledger", tags=["money"], summary="Allocated, committed, paid, underspent, recovered")
async def case_ledger(opened: CaseToRead, request: Request, app: Annotated[Backend, Depends(backend)]) -> CaseLedger:
    case_id = opened.case_id
    with app.snapshot() as (position, cursor):
        _case_row(cursor, case_id)
        money = ledger_of(cursor, case_id.hex)
        entries = entries_of(cursor, case_id.hex)
        parts = parts_of(cursor, case_id.hex)
    opened.logged(app, request, "ledger")
    return CaseLedger(position=position, ledger=money, entries=entries, parts=parts)


@router.get(
    "/cases/{case_id}/timeline",
    response_model=Page[TimelineEntry],
    tags=["cases"],
    summary="Every event with its actor, role and reasons",
)
async def case_timeline(
    opened: CaseToRead, request: Request, app: Annotated[Backend, Depends(backend)]
) -> Page[TimelineEntry]:
    case_id = opened.case_id
    with app.snapshot() as (position, cursor):
        _case_row(cursor, case_id)
        rows = timeline_of(cursor, case_id.hex)
    opened.logged(app, request, "timeline")
    return Page[TimelineEntry](position=position, items=rows)


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
) -> CarersFigures:
    await app.wait_for_position(min_position)
    with app.snapshot() as (position, cursor):
        figures = register_figures(cursor, council_code=app.council.council_code, team=team)
        ended = ended_by_reason(cursor, council_code=app.council.council_code, team=team)
    return CarersFigures(
        position=position, council_code=app.council.council_code, team=team, figures=figures, ended_by_reason=ended
    )


class CarersFilters(BaseModel):
    """The carers register figures' filter with the rule its query parameter has, for a caller that
    reads it from elsewhere (the console's form)."""

    team: Team = None


class CarersFiguresByMonth(BaseModel):
    position: int
    council_code: str
    team: str | None
    months: list[MonthFigures] = Field(
        description="By the month each carer was identified (UTC), oldest first: the same figures, "
        "for the carers identified in that month, as they stand now"
    )


@router.get(
    "/carers-register/figures/by-month",
    tags=["carers"],
    summary="The same figures for the carers identified in each month, as they stand now",
)
async def carers_figures_by_month(
    user: Annotated[ApiUser, Depends(allow(FIGURE_READERS))],
    app: Annotated[Backend, Depends(backend)],
    team: Team = None,
    min_position: MinPosition = None,
) -> CarersFiguresByMonth:
    await app.wait_for_position(min_position)
    with app.snapshot() as (position, cursor):
        months = register_figures_by_month(cursor, council_code=app.council.council_code, team=team)
    return CarersFiguresByMonth(position=position, council_code=app.council.council_code, team=team, months=months)


@router.get(
    "/carers-register", response_model=Page[CarerRow], tags=["carers"], summary="One row per carer (ids, no names)"
)
async def carers_register(
    user: Annotated[ApiUser, Depends(allow(FIGURE_READERS))],
    app: Annotated[Backend, Depends(backend)],
    team: Team = None,
    council_person_id: Annotated[
        str | None, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
    ] = None,
    limit: Limit = 200,
    min_position: MinPosition = None,
) -> Page[CarerRow]:
    await app.wait_for_position(min_position)
    with app.snapshot() as (position, cursor):
        rows = carers(cursor, team=team, council_person_id=council_person_id, limit=limit)
    return Page[CarerRow](position=position, items=rows)


class PeopleAnswer(BaseModel):
    position: int
    people: list[PersonFound] = Field(
        description="Each person found who is on a case the caller may see: their council person id, "
        "those cases, and how many of their other cases the caller may not see"
    )
    other_cases_not_shown: int = Field(
        description="How many cases there are of people found who are on no case the caller may see "
        "(they are not listed): ask the team that holds them"
    )


CouncilPersonId = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$",
        description="The council person id (ASC-CLD LA_Person_Unique_Identifier)",
    ),
]
_NHS_NUMBER: TypeAdapter[str] = TypeAdapter(NhsNumber)


def _person_query(
    nhs_number: str | None, name: str | None, date_of_birth: date | None
) -> tuple[str | None, str | None]:
    """The NHS number checked (its check digit) and the name normalised; 422 naming the field."""
    if nhs_number is not None:
        try:
            nhs_number = _NHS_NUMBER.validate_python(nhs_number)
        except ValidationError as error:
            first = error.errors()[0]
            raise InvalidInput(f"nhs_number: {first['msg']}", code=first["type"], field="nhs_number") from None
    if name is not None and not normalised_name(name):
        raise InvalidInput("name: must say something", code="blank_text", field="name")
    if (name is None) != (date_of_birth is None):
        missing = "date_of_birth" if date_of_birth is None else "name"
        raise InvalidInput(
            f"{missing}: a person is found by name only with their date of birth (and the other way round)",
            code="name_needs_date_of_birth",
            field=missing,
        )
    return nhs_number, name


@router.get(
    "/people",
    response_model=PeopleAnswer,
    tags=["people"],
    summary="Is this person known to us? By council person id, NHS number, or name and date of birth",
)
async def find_people(
    request: Request,
    user: Annotated[ApiUser, Depends(allow(PEOPLE_SEARCHERS))],
    app: Annotated[Backend, Depends(backend)],
    council_person_id: CouncilPersonId = None,
    nhs_number: Annotated[str | None, Query(description="10 digits, no spaces")] = None,
    name: Annotated[
        str | None, Query(min_length=1, max_length=200, description="matched case-insensitively, spaces collapsed")
    ] = None,
    date_of_birth: date | None = None,
    min_position: MinPosition = None,
) -> PeopleAnswer:
    nhs_number, name = _person_query(nhs_number, name, date_of_birth)
    if council_person_id is None and nhs_number is None and name is None:
        raise InvalidInput(
            "council_person_id: give a council person id, an NHS number, or a name with a date of birth",
            code="person_query_empty",
            field="council_person_id",
        )
    await app.wait_for_position(min_position)
    with app.snapshot() as (position, cursor):
        ids = council_person_ids(
            cursor, council_person_id=council_person_id, nhs_number=nhs_number, name=name, date_of_birth=date_of_birth
        )
        found = people_found(cursor, ids, reach_for(user))
    logged_list(app, user, request, "people", [case.case_id for person in found.people for case in person.cases])
    return PeopleAnswer(position=position, people=found.people, other_cases_not_shown=found.other_cases_not_shown)
