"""What operations staff use: what is overdue or stuck, counts by stage, the cases the views hold
in quarantine, and four actions — retry a failing activity, escalate, reassign, release a
quarantined case — each recorded (escalate and reassign on the case itself, all in the ops log).

Nothing here shows a person's name or details: ids, stages, teams, times and counts only.
"""

# FastAPI reads these endpoints' annotations at run time; see api/commands.py.

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from api.auth import allow, backend
from api.backend import Backend
from api.commands import CommandResult, IdempotencyKey, run_command
from api.finance import Unacknowledged, unacknowledged
from api.keys import ApiUser
from api.queries import Limit, MinPosition, Team
from api.roles import OPERATIONS, UNACKNOWLEDGED_WATCHERS
from domain.commands.base import Identifier, Reason
from domain.errors import NotFound, RuleViolation
from domain.vocabulary import Stage
from projections.catalogue import all_views
from projections.current_case import open_cases_by_stage
from projections.overdue import PassedDeadline, deadlines_passed, deadlines_passed_by_stage
from projections.runner import NotQuarantined, ProjectionRunner, Release, StillFailing
from projections.worklists import accounts_to_close_count
from workflows.case_workflow import case_workflow_id
from workflows.operations import retry_activities, workflow_problems

router = APIRouter(prefix="/ops", tags=["operations"])
Ops = Annotated[ApiUser, Depends(allow(OPERATIONS))]
App = Annotated[Backend, Depends(backend)]
OverdueByDays = Annotated[int, Query(ge=0, le=3650)]


class StuckFilters(BaseModel):
    """The overdue list's filters with the rules /ops/stuck's query parameters have, for a caller
    that reads them from elsewhere (the console's form)."""

    stage: Stage | None = None
    team: Team = None
    overdue_by_days: OverdueByDays = 0


class Retry(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "database back after maintenance"}]}
    )
    reason: Reason


class Escalate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "assessment 12 days overdue, worker on leave", "escalated_to": "tm-morgan"}]
        },
    )
    reason: Reason
    escalated_to: Identifier | None = None


class ReleaseCase(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"reason": "amounts above the ceiling are now refused at the command; this one was corrected"}]
        },
    )
    reason: Reason


class Reassign(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"worker_id": "sw-ben", "team": "east-locality", "reason": "worker on long-term leave"}]
        },
    )
    worker_id: Identifier
    team: Identifier | None = None
    reason: Reason


class Stuck(BaseModel):
    position: int
    now: str
    items: list[PassedDeadline]


class StageCounts(BaseModel):
    open: int
    # Deadlines passed, not distinct cases: a count that stays a cheap index scan at a national scale.
    overdue: int = Field(
        description="Deadlines passed in the stage: a case late with its stage and a review counts twice"
    )


class Counts(BaseModel):
    position: int
    by_stage: dict[str, StageCounts]
    accounts_to_close: int = Field(
        default=0,
        description="Ended agreements whose account finance has not closed, on open and closed cases "
        "(the list: /worklists/accounts-to-close)",
    )


@router.get("/stuck", summary="Deadlines passed: stage or review, entered, due, overdue by (ids only)")
async def stuck(
    user: Ops,
    app: App,
    stage: Stage | None = None,
    team: Team = None,
    overdue_by_days: OverdueByDays = 0,
    limit: Limit = 200,
    min_position: MinPosition = None,
) -> Stuck:
    await app.wait_for_position(min_position)
    now = datetime.now(UTC)
    with app.snapshot() as (position, cursor):
        rows = deadlines_passed(
            cursor, now, stage=stage.value if stage else None, team=team, overdue_by_days=overdue_by_days, limit=limit
        )
    return Stuck(position=position, now=now.isoformat(), items=rows)


@router.get("/counts", summary="Open cases, and deadlines passed, by stage")
async def counts(user: Ops, app: App, team: Team = None, min_position: MinPosition = None) -> Counts:
    await app.wait_for_position(min_position)
    now = datetime.now(UTC)
    with app.snapshot() as (position, cursor):
        open_cases = open_cases_by_stage(cursor, team)
        late = deadlines_passed_by_stage(cursor, now, team)
        accounts = accounts_to_close_count(cursor, team)
    return Counts(
        position=position,
        accounts_to_close=accounts,
        by_stage={stage: StageCounts(open=n, overdue=late.get(stage, 0)) for stage, n in sorted(open_cases.items())},
    )


@router.get(
    "/finance-unacknowledged",
    response_model=Unacknowledged,
    summary="Payment outbox messages finance has not acknowledged in the council's time (ids only)",
)
async def finance_unacknowledged(
    user: Annotated[ApiUser, Depends(allow(UNACKNOWLEDGED_WATCHERS))], app: App
) -> Unacknowledged:
    return await asyncio.to_thread(
        unacknowledged,
        app.record,
        app.log,
        acknowledgement_hours=app.service_levels.finance_acknowledgement_hours,
        now=datetime.now(UTC),
    )


@router.get("/workflow-problems", summary="Activities retrying and workflow tasks failing, read from Temporal")
async def problems(
    user: Ops,
    app: App,
    team: Team = None,
    stage: Stage | None = None,
    scan: Annotated[int, Query(ge=1, le=10_000)] = 500,
) -> dict[str, Any]:
    narrow = []
    if team is not None:
        narrow.append(f"Team = '{team}'")
    if stage is not None:
        narrow.append(f"CaseStage = '{stage.value}'")
    return await workflow_problems(app.temporal, " AND ".join(narrow) or None, scan)


@router.post("/cases/{case_id}/retry", summary="Retry now every failing activity of the case's workflows")
async def retry(case_id: uuid.UUID, body: Retry, user: Ops, app: App) -> dict[str, Any]:
    app.require_case(case_id)
    root = case_workflow_id(case_id)
    ids = [root] + [
        w.id
        async for w in app.temporal.list_workflows(
            f"WorkflowType = 'PaymentsWorkflow' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH '{root}/'"
        )
    ]
    found = await retry_activities(app.temporal, ids)
    # An activity whose own next attempt completed before the reset reached it is reported, not an error.
    outcome = {
        "reset": [a for a in found if a["result"] == "reset"],
        "finished_meanwhile": [a for a in found if a["result"] == "finished_meanwhile"],
    }
    app.log.ops_action(
        user_id=user.user_id,
        role=user.role.value,
        action="retry",
        case_id=case_id.hex,
        reason=body.reason,
        outcome=outcome,
    )
    return {"case_id": case_id.hex, **outcome}


async def _recorded_action(
    app: Backend,
    user: ApiUser,
    case_id: uuid.UUID,
    action: str,
    command: str,
    body: Escalate | Reassign,
    key: str | None,
    **outcome: Any,
) -> CommandResult:
    """An operations action that is a command on the case, also written to the ops log. The case
    must be in this council's record: its workflow is found by the case id alone (decision 0040)."""
    await asyncio.to_thread(app.require_case, case_id)
    result = await run_command(app, user, case_id, command, body.model_dump(exclude_none=True), key)
    app.log.ops_action(
        user_id=user.user_id,
        role=user.role.value,
        action=action,
        case_id=case_id.hex,
        reason=body.reason,
        outcome={"versions": [e.version for e in result.events], **outcome},
    )
    return result


@router.post(
    "/cases/{case_id}/escalate",
    response_model=CommandResult,
    summary="Escalate a stuck case to a team manager (recorded on the case)",
)
async def escalate(
    case_id: uuid.UUID, body: Escalate, user: Ops, app: App, idempotency_key: IdempotencyKey = None
) -> CommandResult:
    return await _recorded_action(app, user, case_id, "escalate", "EscalateCase", body, idempotency_key)


@router.post(
    "/cases/{case_id}/reassign",
    response_model=CommandResult,
    summary="Reallocate a case to another worker or team (recorded on the case)",
)
async def reassign(
    case_id: uuid.UUID, body: Reassign, user: Ops, app: App, idempotency_key: IdempotencyKey = None
) -> CommandResult:
    return await _recorded_action(
        app, user, case_id, "reassign", "AllocateCase", body, idempotency_key, worker_id=body.worker_id
    )


@router.get(
    "/quarantine",
    summary="Cases the views hold back: the event that failed, where and why, and what waits behind it (ids only)",
)
async def quarantine(user: Ops, app: App, limit: Limit = 200) -> dict[str, Any]:
    cases, items = await asyncio.to_thread(
        lambda: (app.views.quarantined_case_count(), app.views.quarantine_summary(limit))
    )
    return {"quarantined_cases": cases, "items": items}


def _release(app: Backend, case_id: uuid.UUID, released_by: str) -> Release:
    # The same views as the runner's (catalogue, service levels, panel threshold), over the API's
    # own view store; the tracking lock serialises the release with the runner, wherever it runs.
    views = all_views(app.service_levels, app.council)
    return ProjectionRunner(app.record, app.views, views).release(case_id, released_by=released_by)


@router.post(
    "/quarantine/{case_id}/release",
    summary="Re-apply a quarantined case to every view once its cause is fixed (recorded in the ops log)",
)
async def release(case_id: uuid.UUID, body: ReleaseCase, user: Ops, app: App) -> dict[str, Any]:
    try:
        released = await asyncio.to_thread(_release, app, case_id, user.user_id)
    except NotQuarantined:
        raise NotFound(f"case {case_id.hex} is not quarantined", code="not_quarantined", field="case_id") from None
    except StillFailing as still:
        outcome: dict[str, Any] = {
            "released": False,
            "notification_id": still.notification_id,
            "projection": still.projection,
            "error_class": still.error_class,
        }
        app.log.ops_action(
            user_id=user.user_id,
            role=user.role.value,
            action="release",
            case_id=case_id.hex,
            reason=body.reason,
            outcome=outcome,
        )
        raise RuleViolation(
            f"case {case_id.hex} still fails: {still.error_class}: {still.error_message}; it stays quarantined",
            code="still_failing",
            details=outcome,
        ) from None
    outcome = {"released": True, "notifications": released.notifications, "views": released.views}
    app.log.ops_action(
        user_id=user.user_id,
        role=user.role.value,
        action="release",
        case_id=case_id.hex,
        reason=body.reason,
        outcome=outcome,
    )
    return {"case_id": case_id.hex, **outcome}
