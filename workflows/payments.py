"""PaymentsWorkflow: one per direct payment agreement, paying each schedule slot when it falls due.

The case workflow starts it as a child when a ``DirectPaymentAgreementMade`` is recorded, with
``parent_close_policy=ABANDON`` (the default would end it when the case workflow continues as new)
and the id ``payments_workflow_id(case workflow id, agreement id)``. The case workflow tells it of
the record's changes by signal: ``suspend``, ``resume``, ``stop`` (agreement ended, case closed).

For each slot in turn it waits until 09:00 UTC on the slot's due date (``domain.payment_schedule``),
then runs the ``issue_scheduled_payment`` activity, which schedules and issues that one slot with
command ids derived from the slot: however often the activity is retried or this workflow replayed,
the case record issues the slot at most once, and the store writes one payment instruction to the
outbox in the same transaction (docs/payments-outbox.md).

Suspension: no payment is made while payments are suspended, and a slot that fell due during a
suspension is skipped for good when payments resume — the council does not pay for the suspended
period. Nothing is recorded on the case for a skipped slot; the workflow lists it in
``skipped_slots``. A slot that fell due *before* the suspension began and was not yet paid (the
workflow was catching up) is still paid after resumption.

Variation: a ``vary`` signal hands over the agreement's whole schedule as varied, segment by
segment (``domain.payment_schedule``). Slot numbers run on across a variation and a slot before the
variation's first slot keeps its due date and amount, so the slot being waited for simply falls
due when (and for what) the new schedule says: nothing already paid is paid again, nothing skipped.

Workflow code only: ``workflow.now()`` for time, no I/O, all state in one model (``PaymentsInput``)
so continue-as-new hands it on whole.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel, ConfigDict, Field

    from domain.payment_schedule import ScheduleSegment, schedule_last_slot, segment_amount, segment_due_at
    from domain.vocabulary import Frequency
    from workflows.activities import CaseActivities
    from workflows.case_mirror import CaseMirror
    from workflows.messages import IssuedPayment, IssueScheduledPaymentInput

PAYMENTS_WORKFLOW = "PaymentsWorkflow"
ISSUE_TIMEOUT = timedelta(seconds=30)
# Infrastructure faults (the database away) retry for ever with backoff, visible to operations as a
# retrying activity; a rule of the case record refusing arrives as a non-retryable ApplicationError
# whose type is the domain error code, and ends the attempt at once.
ISSUE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_interval=timedelta(minutes=5)
)
SLOTS_PER_RUN = 24

SUSPENDED_REFUSAL = "payments_suspended"
# The record holds a variation this workflow has not been told of yet: the slot is decided again
# once the variation's signal has come.
OFF_SCHEDULE_REFUSAL = "payment_off_the_varied_schedule"
# The agreement ended or the case closed between the activity's own check and its command.
STOPPED_REFUSALS = ("payments_stopped", "case_closed")
AGREEMENT_STOPPED = "agreement_stopped"


def payments_workflow_id(parent_workflow_id: str, agreement_id: str) -> str:
    return f"{parent_workflow_id}/payments/{agreement_id}"


class SuspensionWindow(BaseModel):
    """Payments were suspended from ``start`` until ``end`` (when they resumed)."""

    model_config = ConfigDict(extra="forbid")

    start: datetime
    end: datetime


class PaymentsInput(BaseModel):
    """The workflow's whole state: its input, what ``schedule`` answers, and what continue-as-new
    hands on."""

    model_config = ConfigDict(extra="forbid")

    case_id: str
    agreement_id: str
    frequency: Frequency
    amount_per_payment_pence: int = Field(gt=0)
    start_date: date
    next_slot: int = Field(default=1, ge=1)
    suspended: bool = False
    stopped: bool = False
    parent_workflow_id: str | None = None
    issued_slots: list[int] = Field(default_factory=list)
    # Slots that fell due while payments were suspended: never paid, nothing recorded for them.
    skipped_slots: list[int] = Field(default_factory=list)
    # When the current suspension began (None while not suspended, or if not known yet).
    suspended_since: datetime | None = None
    # Suspensions that have ended and may still cover a slot not yet reached (pruned as slots pass).
    suspensions: list[SuspensionWindow] = Field(default_factory=list)
    # The schedule as varied (empty until a variation: then the whole schedule, the terms above its
    # first segment), and how many variations have arrived (a wait for a slot wakes on a new one).
    schedule: list[ScheduleSegment] = Field(default_factory=list)
    variations: int = 0

    def segments(self) -> list[ScheduleSegment]:
        return self.schedule or [
            ScheduleSegment(
                first_slot=1,
                start_date=self.start_date,
                frequency=self.frequency,
                amount_per_payment_pence=self.amount_per_payment_pence,
            )
        ]


class PaymentsParent:
    """The parent side of the payments children: a workflow that mirrors a case and starts them.
    Their signal is declared here, beside the sender, so that it can be named without importing
    the parent (which imports this module to start them). ``CaseWorkflow`` is the one parent."""

    mirror: CaseMirror
    catch_up_wanted: bool

    @workflow.signal
    def payment_recorded(self, versions: list[int]) -> None:
        """A payments workflow recorded events at these versions of the case: bring the mirror up
        to date when they are past it."""
        if versions and max(versions) > self.mirror.version:
            self.catch_up_wanted = True


@workflow.defn(name=PAYMENTS_WORKFLOW)
class PaymentsWorkflow:
    @workflow.init
    def __init__(self, state: PaymentsInput) -> None:
        # Set before run() so signals delivered with the first task already find the state.
        self.state = state

    @workflow.run
    async def run(self, state: PaymentsInput) -> PaymentsInput:
        s = self.state
        if s.suspended and s.suspended_since is None:
            s.suspended_since = workflow.now()
        slots_this_run = 0
        while not s.stopped and not self._schedule_complete():
            if slots_this_run >= SLOTS_PER_RUN or workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(s)
            slot = s.next_slot
            due = segment_due_at(s.segments(), slot)
            payable = await self._wait_until_payable(slot, due)
            if payable is None:
                continue  # the schedule was varied meanwhile: when this slot falls due, decided again
            if not payable:
                break  # stopped
            if self._fell_due_while_suspended(due):
                workflow.logger.info("slot %s fell due while payments were suspended: not paid", slot)
                s.skipped_slots.append(slot)
                s.next_slot += 1
                slots_this_run += 1
                continue
            outcome = await self._issue(slot, due)
            if outcome is None:
                continue  # refused as suspended: wait for resumption, then decide this slot again
            if not outcome.issued:
                if outcome.reason == AGREEMENT_STOPPED:
                    s.stopped = True
                    break
                raise ApplicationError(
                    f"slot {slot} was neither issued nor refused: {outcome.reason}",
                    type="unexpected_payment_outcome",
                    non_retryable=True,
                )
            s.issued_slots.append(slot)
            s.next_slot += 1
            slots_this_run += 1
            if outcome.versions:
                await self._tell_parent(outcome.versions)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return s

    # Signals and query ---------------------------------------------------------------------------

    @workflow.signal
    def suspend(self) -> None:
        """Payments under the agreement were suspended on the case record."""
        if self.state.suspended or self.state.stopped:
            return
        self.state.suspended = True
        self.state.suspended_since = workflow.now()

    @workflow.signal
    def resume(self) -> None:
        """Suspended payments were resumed on the case record."""
        if self.state.suspended:
            self._end_suspension(workflow.now())

    @workflow.signal
    def vary(self, schedule: list[ScheduleSegment]) -> None:
        """The agreement was varied on the case record: pay by this schedule from here on."""
        if self.state.stopped:
            return
        self.state.schedule = list(schedule)
        self.state.variations += 1

    @workflow.signal
    def stop(self) -> None:
        """The agreement ended or the case closed: no further payments."""
        self.state.stopped = True

    @workflow.query
    def schedule(self) -> PaymentsInput:
        return self.state

    # Steps ---------------------------------------------------------------------------------------

    def _schedule_complete(self) -> bool:
        last = schedule_last_slot(self.state.segments())
        return last is not None and self.state.next_slot > last

    async def _wait_until_payable(self, slot: int, due: datetime) -> bool | None:
        """Wait until ``due`` with payments not suspended; False if stopped meanwhile, None if the
        schedule was varied meanwhile (the slot's due time is to be read again)."""
        s = self.state
        seen = s.variations
        while not s.stopped:
            if s.variations != seen:
                return None
            if s.suspended:
                await workflow.wait_condition(lambda: s.stopped or not s.suspended or s.variations != seen)
                continue
            remaining = due - workflow.now()
            if remaining <= timedelta(0):
                return True
            try:
                await workflow.wait_condition(
                    lambda: s.stopped or s.suspended or s.variations != seen,
                    timeout=remaining,
                    timeout_summary=f"slot {slot} due",
                )
            except TimeoutError:
                pass  # due now; the loop checks once more that nothing changed in the same instant
        return False

    def _fell_due_while_suspended(self, due: datetime) -> bool:
        # Slots only move forward: a window that ended by this slot's due time covers no later slot.
        self.state.suspensions = [w for w in self.state.suspensions if w.end > due]
        return any(w.start <= due < w.end for w in self.state.suspensions)

    def _end_suspension(self, at: datetime) -> None:
        s = self.state
        since = s.suspended_since or at
        if since < at:
            s.suspensions.append(SuspensionWindow(start=since, end=at))
        s.suspended, s.suspended_since = False, None

    async def _issue(self, slot: int, due: datetime) -> IssuedPayment | None:
        """Issue one slot; None if the record refused because payments are suspended, or because the
        agreement was varied and the signal saying so is still on its way (then once it has come)."""
        s = self.state
        seen = s.variations
        try:
            return await workflow.execute_activity_method(
                CaseActivities.issue_scheduled_payment,
                IssueScheduledPaymentInput(
                    case_id=s.case_id,
                    agreement_id=s.agreement_id,
                    slot=slot,
                    due_on=due.date(),
                    amount_pence=segment_amount(s.segments(), slot),
                ),
                start_to_close_timeout=ISSUE_TIMEOUT,
                retry_policy=ISSUE_RETRY,
                summary=f"issue slot {slot}",
            )
        except ActivityError as error:
            code = error.cause.type if isinstance(error.cause, ApplicationError) else None
            if code in STOPPED_REFUSALS:
                return IssuedPayment(slot=slot, issued=False, reason=AGREEMENT_STOPPED)
            if code == OFF_SCHEDULE_REFUSAL:
                workflow.logger.info("slot %s refused: the agreement was varied; waiting for the new schedule", slot)
                await workflow.wait_condition(lambda: s.stopped or s.variations != seen)
                return None
            if code != SUSPENDED_REFUSAL:
                raise
            # The record is suspended but our signal has not come (yet). Treat the suspension as
            # having begun no later than this slot's due time, so the slot counts as falling due
            # during it and is skipped on resumption, as the signal would have made it.
            workflow.logger.info("slot %s refused: payments are suspended on the case record", slot)
            if not s.suspended:
                s.suspended = True
                s.suspended_since = min(workflow.now(), due)
            return None

    async def _tell_parent(self, versions: list[int]) -> None:
        """Let the case workflow bring its mirror of the case up to date with what we recorded."""
        if self.state.parent_workflow_id is None:
            return
        try:
            await workflow.get_external_workflow_handle(self.state.parent_workflow_id).signal(
                PaymentsParent.payment_recorded, versions
            )
        except FailureError:
            # The case workflow has closed (or is between runs and gone): the record itself is
            # complete, and the case workflow catches up from the store when it next runs.
            workflow.logger.info("case workflow %s not told of versions %s", self.state.parent_workflow_id, versions)
