"""The finance interface (issue 14, decision 0043): the payment outbox as a feed finance reads and
acknowledges, the day's batch file, and the reconciliation of the ledger with the messages.

Every message is one event of a case that moves money or changes what finance pays: a payment,
a reissue, a suspension, a resumption, a stop, a recovery (``eventstore/outbox.py``). Finance reads
them in order (``GET /finance/instructions?after=<the last id it took>``), and acknowledges each
with its own reference for it (``POST /finance/instructions/{id}/ack``), once: again with the same
reference answers the first acknowledgement, with another is refused. Acknowledgements are a
hash-chained log beside the views (``api/access_log.py``), never written to the case record.

The messages carry ids and amounts only, no personal details: finance must pay every instruction,
whatever team holds the case or however it is restricted, so the feed is not a case read through
need to know; each read of it is in the access log with the cases it returned.
"""

# FastAPI reads these endpoints' annotations at run time; see api/commands.py.

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_serializer

from api.access_log import AccessLog, Acknowledgement
from api.auth import allow, backend
from api.backend import Backend
from api.keys import ApiUser
from api.queries import Limit, MinPosition, logged_list
from api.roles import FINANCE_ACKNOWLEDGERS, FINANCE_READERS
from domain.application import CaseRecord
from domain.errors import NotFound
from eventstore.finance_batch import batch_file, control_totals, messages_of_day
from eventstore.outbox import PaymentInstruction, every_instruction, instruction_of
from projections.current_case import case_versions
from projections.finance_reconciliation import Overdue, Reconciliation, overdue_acknowledgements, reconcile
from projections.ledger import entries_told_to_finance
from projections.store import ViewStore

router = APIRouter(prefix="/finance", tags=["finance"])
FinanceReader = Annotated[ApiUser, Depends(allow(FINANCE_READERS))]
FinanceOfficer = Annotated[ApiUser, Depends(allow(FINANCE_ACKNOWLEDGERS))]
App = Annotated[Backend, Depends(backend)]
InstructionId = Annotated[int, Path(ge=1, le=2**62, description="The message's instruction id")]
FinanceReference = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9 _./:-]*$",
        description="Finance's own reference for what it did with the message (its payment or journal id)",
    ),
]


class FinanceMessage(PaymentInstruction):
    """One message of the feed, with finance's acknowledgement of it once there is one. The case id
    is written as everywhere else in the API: 32 hex digits."""

    acknowledgement: Acknowledgement | None = None

    @field_serializer("case_id")
    def _case_id_hex(self, case_id: uuid.UUID) -> str:
        return case_id.hex


class FinanceFeed(BaseModel):
    items: list[FinanceMessage]
    next_after: int = Field(description="Pass as `after` to read on; the same value when there is nothing newer")


class Acknowledge(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"finance_reference": "AP-2026-004417"}]})
    finance_reference: FinanceReference


class Acknowledged(BaseModel):
    acknowledgement: Acknowledgement
    duplicate: bool = Field(description="True when the message had been acknowledged already under this reference")


def with_acknowledgements(app: Backend, messages: list[PaymentInstruction]) -> list[FinanceMessage]:
    acks = app.log.acknowledgements([m.instruction_id for m in messages])
    return [FinanceMessage(**m.model_dump(), acknowledgement=acks.get(m.instruction_id)) for m in messages]


@router.get("/instructions", response_model=FinanceFeed, summary="The payment outbox's messages after a position")
async def feed(
    user: FinanceReader,
    request: Request,
    app: App,
    after: Annotated[
        int, Query(ge=0, le=2**62, description="The last instruction id already read (0: from the first)")
    ] = 0,
    limit: Limit = 200,
) -> FinanceFeed:
    messages = await asyncio.to_thread(app.record.payment_instructions, after_id=after, limit=limit)
    items = with_acknowledgements(app, messages)
    logged_list(app, user, request, "finance instructions", [m.case_id.hex for m in messages])
    return FinanceFeed(items=items, next_after=messages[-1].instruction_id if messages else after)


@router.post(
    "/instructions/{instruction_id}/ack",
    response_model=Acknowledged,
    summary="Acknowledge a message with finance's own reference for it (once)",
)
async def acknowledge(user: FinanceOfficer, instruction_id: InstructionId, body: Acknowledge, app: App) -> Acknowledged:
    message = await asyncio.to_thread(instruction_of, app.record, instruction_id)
    if message is None:
        raise NotFound(
            f"no instruction {instruction_id} in the payment outbox", code="unknown_instruction", field="instruction_id"
        )
    ack, new = app.log.acknowledge(
        user_id=user.user_id,
        role=user.role.value,
        instruction_id=instruction_id,
        case_id=message.case_id.hex,
        finance_reference=body.finance_reference,
    )
    return Acknowledged(acknowledgement=ack, duplicate=not new)


BatchDate = Annotated[date, Query(alias="date", description="The council's business day (Europe/London), YYYY-MM-DD")]


@router.get(
    "/batch",
    summary="The day's messages as finance's batch file: CSV with a header and control totals",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
async def batch(user: FinanceReader, request: Request, app: App, day: BatchDate) -> Response:
    messages = messages_of_day(await asyncio.to_thread(every_instruction, app.record), day)
    logged_list(app, user, request, f"finance batch {day.isoformat()}", [m.case_id.hex for m in messages])
    totals = control_totals(messages)
    return Response(
        batch_file(messages, day=day, council_code=app.council.council_code),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="finance-batch-{day.isoformat()}.csv"',
            "X-Control-Count": str(totals.count),
            "X-Control-Sum-Pence": str(totals.sum_pence),
        },
    )


def reconciliation(
    record: CaseRecord,
    views: ViewStore,
    log: AccessLog,
    *,
    messages_since: datetime | None,
    acknowledgement_hours: int,
    now: datetime,
    case_id: uuid.UUID | None = None,
) -> Reconciliation:
    """The ledger against the messages, of one case or every case (``projections/finance_reconciliation.py``):
    for the API and ``carecase finance reconcile`` alike."""
    messages = every_instruction(record)
    if case_id is not None:
        messages = [m for m in messages if m.case_id == case_id]
    with views.read() as cursor:
        entries = entries_told_to_finance(cursor, case_id.hex if case_id else None)
        versions = case_versions(cursor, case_id.hex if case_id else None)
    return reconcile(
        entries=entries,
        messages=messages,
        view_versions=versions,
        acknowledged=log.acknowledgements([m.instruction_id for m in messages]),
        missing_events=record.orphaned_instructions(case_id, instructions=messages),
        messages_since=messages_since,
        now=now,
        acknowledge_within=timedelta(hours=acknowledgement_hours),
        case_id=case_id.hex if case_id else None,
    )


class Unacknowledged(BaseModel):
    now: datetime
    acknowledgement_hours: int = Field(description="The council's time for finance to acknowledge a message")
    count: int
    items: list[Overdue]


def unacknowledged(record: CaseRecord, log: AccessLog, *, acknowledgement_hours: int, now: datetime) -> Unacknowledged:
    """Messages finance has not acknowledged within the council's time, oldest first (ids only)."""
    within = timedelta(hours=acknowledgement_hours)
    messages = [m for m in every_instruction(record) if now - m.issued_at > within]
    late = overdue_acknowledgements(messages, log.acknowledgements([m.instruction_id for m in messages]), now, within)
    return Unacknowledged(now=now, acknowledgement_hours=acknowledgement_hours, count=len(late), items=late)


@router.get(
    "/reconciliation",
    response_model=Reconciliation,
    summary="The ledger compared with the messages finance was sent, per case; every difference named",
)
async def reconciliation_report(
    user: FinanceReader,
    request: Request,
    app: App,
    case_id: uuid.UUID | None = None,
    min_position: MinPosition = None,
) -> Reconciliation:
    await app.wait_for_position(min_position)
    if case_id is not None:
        app.require_case(case_id)
    report = await asyncio.to_thread(
        reconciliation,
        app.record,
        app.views,
        app.log,
        messages_since=app.finance_messages_since,
        acknowledgement_hours=app.service_levels.finance_acknowledgement_hours,
        now=datetime.now(UTC),
        case_id=case_id,
    )
    logged_list(app, user, request, "finance reconciliation", sorted({d.case_id for d in report.differences}))
    return report
