"""The process: what the council's process does of its own accord as facts are recorded on a case.

Two pure functions, so the policy reads top to bottom and is tested without Temporal:
``react`` (one recorded event and the case as it stands in, intents out) and ``overdue`` (the
case and the time in, the overdue flags to record out). The case workflow carries the intents out
(docs/decisions/0016): it starts and signals the payments workflows, and records the commands,
as the system actor, through the same dry-run and activity as any command a person sends.

- A direct payment agreement gets its payments, and its own first review within 182 days of its
  start (the service levels' ``direct_payment_first_review_days``).
- Payments are suspended, resumed, varied and stopped as the agreement is; all stop when the case
  closes. An ending's final payment is paid once.
- Once every plan in hand is decided after an approval, one coordinated first review for everyone
  with an approved plan, 8 weeks out (``first_review_weeks``).
- After each planned review the next annual one (``review_interval_days``), and one cycle of the
  case's care is over. A review that closes plans schedules none, unless others on the case carry on.
- An unplanned review for some people prompts a linked review for the others with approved plans.
- A stage or a scheduled review past its service level is flagged overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from domain.case.aggregate import Case
from domain.case.base import CaseEvent
from domain.case.state import CaseState, PlanStatus
from domain.commands import CaseCommand, IssueFinalPayment, RecordStageOverdue, RequestReview, ScheduleReview
from domain.payment_schedule import ScheduleSegment
from domain.service_levels import Deadline, ServiceLevels
from domain.vocabulary import Frequency, PaymentRecipient, ReviewKind, ReviewOutcome, ReviewReason, SignOffOutcome

PLANNED = (ReviewKind.PLANNED_FIRST, ReviewKind.PLANNED_ANNUAL)
APPROVED = (SignOffOutcome.APPROVED, SignOffOutcome.APPROVED_WITH_CHANGES)
# A plan still in these states is not decided: the family's first review waits for it.
UNDECIDED = (PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.DEFERRED)


# What the process asks for ----------------------------------------------------------------------


@dataclass(frozen=True)
class StartPayments:
    """Pay an agreement's schedule, slot by slot, from ``first_slot`` (the slots before it were due
    when a back-dated agreement was made: one catch-up payment that a finance officer confirms pays
    them, never a burst of slots)."""

    agreement_id: str
    frequency: Frequency
    amount_per_payment_pence: int
    start_date: date
    first_slot: int = 1


@dataclass(frozen=True)
class SuspendPayments:
    agreement_id: str


@dataclass(frozen=True)
class ResumePayments:
    agreement_id: str


@dataclass(frozen=True)
class StopPayments:
    """The agreement ended or the case closed: no further payments under it."""

    agreement_id: str


@dataclass(frozen=True)
class VaryPayments:
    """The agreement was varied: pay by ``schedule`` (the whole schedule, segment by segment) from
    here on. Slots before the variation's first slot keep their terms, so none is paid twice or
    skipped whatever slot the payments have reached."""

    agreement_id: str
    schedule: tuple[ScheduleSegment, ...]


@dataclass(frozen=True)
class Record:
    """A command the process issues itself. The caller names it and records it as the system
    actor; the case record may still refuse it (the case moved on), and the command that led here
    stands."""

    command: type[CaseCommand]
    fields: dict[str, Any]


@dataclass(frozen=True)
class CycleEnded:
    """A planned review was completed: one cycle of the case's care is over (the workflow hands on
    to a fresh run at this natural point)."""


Intent = StartPayments | SuspendPayments | ResumePayments | StopPayments | VaryPayments | Record | CycleEnded
PaymentsChange = SuspendPayments | ResumePayments | StopPayments | VaryPayments


@dataclass(frozen=True)
class Situation:
    """What the process weighs besides the event."""

    case: CaseState  # the case as it stands, the event already applied
    service_levels: ServiceLevels
    today: date  # the process's clock, not the store's: due dates run on it
    payments: tuple[str, ...] = ()  # the agreements whose payments have been started
    reviews_scheduled: int = 0  # reviews the process has asked for so far: numbers the next one


@dataclass(frozen=True)
class Reaction:
    intents: tuple[Intent, ...] = ()
    reviews_scheduled: int = 0  # the count after this reaction (each review it asks for adds one)


# The reactions ----------------------------------------------------------------------------------


def react(event: CaseEvent, situation: Situation) -> Reaction:
    """What the process does when ``event`` has been recorded."""
    match event:
        case Case.DirectPaymentAgreementMade() if event.agreement_id not in situation.payments:
            return _agreement_made(event, situation)
        case Case.DirectPaymentsSuspended() if event.agreement_id in situation.payments:
            return Reaction((SuspendPayments(event.agreement_id),), situation.reviews_scheduled)
        case Case.DirectPaymentsResumed() if event.agreement_id in situation.payments:
            return Reaction((ResumePayments(event.agreement_id),), situation.reviews_scheduled)
        case Case.DirectPaymentAgreementVaried() if event.agreement_id in situation.payments:
            return Reaction((VaryPayments(event.agreement_id, tuple(event.schedule)),), situation.reviews_scheduled)
        case Case.DirectPaymentAgreementEnded() if event.agreement_id in situation.payments:
            return Reaction((StopPayments(event.agreement_id),), situation.reviews_scheduled)
        case Case.CaseClosed():
            return Reaction(tuple(StopPayments(a) for a in situation.payments), situation.reviews_scheduled)
        case Case.SignOffDecisionRecorded() if event.outcome in APPROVED:
            return _plans_decided(situation)
        case Case.ReviewRequested() if event.reason != ReviewReason.LINKED_PERSON_CHANGED:
            return _linked_review(event, situation)
        case Case.ReviewCompleted() if event.outcome != ReviewOutcome.CLOSE and not situation.case.closed:
            return _review_completed(event, situation)
        case Case.ReviewCompleted() if reviewed_people(situation.case) and not situation.case.closed:
            # A review that closed some people's plans: the others on the case carry on, reviewed.
            return _review_completed(event, situation)
        case Case.FinalSettlementWorkedOut() if event.final_payment_pence > 0:
            # The final payment an ending worked out is paid once (the record refuses it again).
            return Reaction(
                (Record(IssueFinalPayment, {"agreement_id": event.agreement_id}),), situation.reviews_scheduled
            )
    return Reaction(reviews_scheduled=situation.reviews_scheduled)


def _agreement_made(event: Case.DirectPaymentAgreementMade, situation: Situation) -> Reaction:
    start = StartPayments(
        agreement_id=event.agreement_id,
        frequency=event.frequency,
        amount_per_payment_pence=event.amount_per_payment_pence,
        start_date=event.start_date,
        first_slot=event.arrears_slots + 1,
    )
    # An individual service fund is held by its provider and commissioned by the council: it is not
    # a direct payment, so it has no direct payment's own first review (the plan's reviews cover it).
    if event.recipient == PaymentRecipient.ISF_PROVIDER or has_open_review(
        situation.case, ReviewKind.DIRECT_PAYMENT_FIRST
    ):
        return Reaction((start,), situation.reviews_scheduled)
    due = event.start_date + timedelta(days=situation.service_levels.direct_payment_first_review_days)
    return _with_review(situation, ReviewKind.DIRECT_PAYMENT_FIRST, due, start)


def _plans_decided(situation: Situation) -> Reaction:
    """One coordinated first review for the family: asked for once every plan in hand is decided."""
    undecided = any(p.plan_status in UNDECIDED for p in situation.case.people.values())
    if undecided or has_open_review(situation.case, *PLANNED):
        return Reaction(reviews_scheduled=situation.reviews_scheduled)
    due = situation.today + timedelta(weeks=situation.service_levels.first_review_weeks)
    return _with_review(situation, ReviewKind.PLANNED_FIRST, due)


def _review_completed(event: Case.ReviewCompleted, situation: Situation) -> Reaction:
    ended: tuple[Intent, ...] = (CycleEnded(),) if situation.case.reviews[event.review_id].kind in PLANNED else ()
    if has_open_review(situation.case, *PLANNED):
        return Reaction(ended, situation.reviews_scheduled)
    due = situation.today + timedelta(days=situation.service_levels.review_interval_days)
    return _with_review(situation, ReviewKind.PLANNED_ANNUAL, due, *ended)


def _linked_review(event: Case.ReviewRequested, situation: Situation) -> Reaction:
    """A change for some people prompts a look at the others whose plans were agreed with theirs."""
    others = [p for p in reviewed_people(situation.case) if p not in event.person_ids]
    if not others:
        return Reaction(reviews_scheduled=situation.reviews_scheduled)
    number = situation.reviews_scheduled + 1
    request = Record(
        RequestReview,
        {
            "review_id": f"linked-{number}",
            "person_ids": others,
            "reason": ReviewReason.LINKED_PERSON_CHANGED,
            "due_on": event.due_on,
            "details": f"linked to review {event.review_id}",
        },
    )
    return Reaction((request,), number)


def _with_review(situation: Situation, kind: ReviewKind, due_on: date, *before: Intent) -> Reaction:
    number = situation.reviews_scheduled + 1
    review = Record(
        ScheduleReview,
        {
            "review_id": f"{kind.value}-{number}",
            "person_ids": reviewed_people(situation.case),
            "kind": kind,
            "due_on": due_on,
        },
    )
    return Reaction((*before, review), number)


def reviewed_people(case: CaseState) -> list[str]:
    """Everyone a planned review looks at: each person with an approved plan."""
    return [p.person_id for p in case.people.values() if p.plan_status == PlanStatus.APPROVED]


def has_open_review(case: CaseState, *kinds: ReviewKind) -> bool:
    return any(r.status == "scheduled" and r.kind in kinds for r in case.reviews.values())


# Service levels ---------------------------------------------------------------------------------


def _open_deadlines(case: CaseState | None, service_levels: ServiceLevels) -> list[Deadline]:
    """What falls due on a case and is not yet flagged overdue: its stage, and each open review."""
    return [] if case is None else [d for d in service_levels.deadlines(case) if not d.flagged]


def next_deadline(case: CaseState | None, service_levels: ServiceLevels) -> datetime | None:
    return min((d.due_at for d in _open_deadlines(case, service_levels)), default=None)


def overdue(case: CaseState | None, service_levels: ServiceLevels, now: datetime) -> list[Record]:
    """The overdue flags to record: one for every open deadline that has passed."""
    return [
        Record(RecordStageOverdue, {"stage": d.what, "due_at": d.due_at})
        for d in _open_deadlines(case, service_levels)
        if d.due_at <= now
    ]
