"""CaseWorkflow: one long-lived workflow per case that decides what may happen next.

Commands arrive as Updates named after the command (``DraftSupportPlan`` …). The workflow keeps a
mirror of the case — the same ``Case`` aggregate, rebuilt from the events its activities return —
and each update's validator dry-runs the command against a copy of that mirror. So anything the
case record would refuse (above all support planning while an assessment is outstanding) is
refused *before* the update is accepted: nothing reaches workflow history or the event store. An
accepted update runs the ``record_command`` activity, with a command id from ``workflow.uuid4()``,
and the case record checks every rule again.

The workflow also keeps the process moving: service-level timers flag overdue stages, reviews are
scheduled after sign-off and after each review, each direct payment agreement gets a payments
child workflow, and search attributes let operations find stuck cases.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from temporalio import workflow
from temporalio.common import RawValue, RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from eventsourcing.utils import get_topic
    from pydantic import BaseModel, ConfigDict, Field, ValidationError

    from domain.case.aggregate import Case, CaseSnapshot, copy_of
    from domain.case.flags import case_flags
    from domain.case.rules import outstanding_assessments
    from domain.case.state import PlanStatus
    from domain.commands import COMMANDS, CouncilSettings, Services
    from domain.errors import DomainError, InvalidInput, NotFound, RuleViolation
    from domain.people import SYSTEM_ACTOR
    from domain.ras import RuleSet
    from domain.service_levels import ServiceLevels
    from domain.vocabulary import ReviewKind, ReviewOutcome, ReviewReason
    from eventstore.mapper import event_from_state
    from workflows.messages import CatchUpInput, RecordCommandInput, RecordedCommand, StoredEventData
    from workflows.search_attributes import (
        CARERS_OUTSTANDING,
        CASE_FLAGS,
        CASE_STAGE,
        STAGE_DUE_AT,
        STAGE_ENTERED_AT,
        TEAM,
    )

# A command touches one case in one transaction: seconds at most. A worker that dies mid-activity
# is noticed when this runs out, and the activity is retried (appending nothing twice).
ACTIVITY_TIMEOUT = timedelta(seconds=10)
# Infrastructure faults retry for ever with backoff (ops see them as retrying activities); a rule
# of the case record refusing is raised non-retryable by the activity and ends the attempt at once.
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
VALIDATION_COMMAND_ID = "validation-dry-run"


def case_workflow_id(case_id: UUID | str) -> str:
    """The workflow id is derived from the case id, so every caller finds the same workflow."""
    return f"case-{UUID(str(case_id)).hex}"


class CaseWorkflowInput(BaseModel):
    """All the workflow's state, so continue-as-new hands it on whole."""

    model_config = ConfigDict(extra="forbid")

    case_id: str
    council: CouncilSettings = Field(default_factory=CouncilSettings)
    service_levels: ServiceLevels = Field(default_factory=ServiceLevels)
    mirror: dict[str, Any] | None = None
    rule_set: dict[str, Any] | None = None
    payment_workflows: list[str] = Field(default_factory=list)
    reviews_scheduled: int = 0
    continued: int = 0
    # Keeps replay of a case that lives for years short; a completed planned review also hands on.
    continue_after_history_events: int = Field(default=5_000, ge=50)


class CommandAccepted(BaseModel):
    model_config = ConfigDict(frozen=True)

    command_id: str
    command_name: str
    duplicate: bool
    event_types: list[str]
    versions: list[int]
    notification_ids: list[int]
    stage: str
    # The highest notification id the update recorded: the command's own events and whatever the
    # process recorded because of them before answering (the review scheduled at sign-off, say).
    # A caller reading after it sees all of that; 0 when the update recorded nothing (a repeat),
    # and 0 from a worker older than this field.
    position: int = 0


class CaseSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    version: int
    stage: str | None
    stage_entered_at: datetime | None
    stage_due_at: datetime | None
    flags: list[str]
    outstanding: list[dict[str, Any]]
    payment_workflows: list[str]
    continued: int


class RuleSetNotLoaded(Exception):
    """The dry-run reached a step that needs the rule set before the workflow has fetched it."""


class _MirroredRuleSets:
    """The rule set the workflow fetched by activity, for dry-runs; the activity's own catalogue
    stays the authority when the command is recorded."""

    def __init__(self, rule_set: RuleSet | None) -> None:
        self.rule_set = rule_set

    def current(self, rule_set_id: str) -> RuleSet:
        if self.rule_set is None or self.rule_set.id != rule_set_id:
            raise RuleSetNotLoaded(rule_set_id)
        return self.rule_set

    def get(self, rule_set_id: str, version: str) -> RuleSet:
        return self.current(rule_set_id)


def freeze(case: Case) -> dict[str, Any]:
    return {"version": case.version, **CaseSnapshot.take(case).state}


def thaw(case_id: str, frozen: dict[str, Any]) -> Case:
    snapshot = CaseSnapshot(  # type: ignore[call-arg]
        originator_id=UUID(case_id),
        originator_version=frozen["version"],
        timestamp=datetime.fromisoformat(frozen["modified_on"]),
        topic=get_topic(Case),
        state={k: v for k, v in frozen.items() if k != "version"},
    )
    return snapshot.mutate(None)


def as_application_error(error: DomainError) -> ApplicationError:
    """A refusal as Temporal carries it: the stable code as the error type, the body as details."""
    return ApplicationError(
        error.message, {**error.as_dict(), "kind": type(error).__name__}, type=error.code, non_retryable=True
    )


@workflow.defn
class CaseWorkflow:
    @workflow.init
    def __init__(self, state: CaseWorkflowInput) -> None:
        self.state = state
        self.case: Case | None = thaw(state.case_id, state.mirror) if state.mirror else None
        self.lock = asyncio.Lock()
        self.wake = False
        self.catch_up_wanted = False
        self.upserted: dict[str, Any] = {}
        self.stage_due_at: datetime | None = None
        self.rule_set = RuleSet.model_validate(state.rule_set) if state.rule_set else None
        self.review_cycle_ended = False
        # The highest notification id recorded since the current update took the lock (see command).
        self.recorded_through = 0

    # The process -------------------------------------------------------------------------------

    @workflow.run
    async def run(self, state: CaseWorkflowInput) -> CaseSummary:
        if self.state.rule_set is None:
            self.state.rule_set = await workflow.execute_activity(
                "current_rule_set",
                self.state.council.ras_rule_set_id,
                result_type=dict,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
            self.rule_set = RuleSet.model_validate(self.state.rule_set)
        self._refresh_search_attributes()
        while not self._closed():
            deadline = self._next_deadline()
            timeout = None if deadline is None else max(deadline - workflow.now(), timedelta(0))
            try:
                await workflow.wait_condition(lambda: self.wake or self.catch_up_wanted, timeout=timeout)
            except TimeoutError:
                pass
            self.wake = False
            async with self.lock:
                if self.catch_up_wanted:
                    self.catch_up_wanted = False
                    await self._catch_up()
                await self._flag_what_is_overdue()
            if self._should_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                self._hand_on_state()
                workflow.continue_as_new(self.state)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.summary()

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        return (
            self.review_cycle_ended
            or info.is_continue_as_new_suggested()
            or info.get_current_history_length() > self.state.continue_after_history_events
        )

    def _hand_on_state(self) -> None:
        self.state.mirror = freeze(self.case) if self.case is not None else None
        self.state.continued += 1

    # Commands as updates ------------------------------------------------------------------------

    @workflow.update(dynamic=True)
    async def command(self, name: str, args: Sequence[RawValue]) -> CommandAccepted:
        try:
            payload = self._payload(args)
        except DomainError as error:  # never a bare exception here: that would fail the workflow task
            raise as_application_error(error) from None
        # A caller's idempotency key arrives as the command id; otherwise the workflow names the
        # command, with an id stable across replays and unique per update.
        if "command_id" not in payload:
            payload["command_id"] = str(workflow.uuid4())
        # Commands wait until the workflow has the council's rule set, so every dry-run is complete.
        await workflow.wait_condition(lambda: self.rule_set is not None)
        async with self.lock:
            # The validator has dry-run this command; if another update moved the case on since,
            # the record's own checks refuse it in the activity, with the same code, and the
            # mirror catches up (see _record). Dry-running again here would cost a copy of the
            # case for a race that the record already settles.
            self.recorded_through = 0
            recorded = await self._record(name, payload)
            position = self.recorded_through
        return CommandAccepted(
            command_id=recorded.command_id,
            command_name=name,
            duplicate=recorded.duplicate,
            event_types=recorded.event_types,
            versions=recorded.versions,
            notification_ids=recorded.notification_ids,
            stage=self._stage() or "",
            position=position,
        )

    @command.validator
    def validate_command(self, name: str, args: Sequence[RawValue]) -> None:
        """Reads state and never changes it: a refusal here leaves no trace in history."""
        try:
            payload = self._payload(args)
            payload.setdefault("command_id", VALIDATION_COMMAND_ID)
            self._dry_run(name, payload)
        except DomainError as error:
            raise as_application_error(error) from None

    def _payload(self, args: Sequence[RawValue]) -> dict[str, Any]:
        if len(args) != 1:
            raise InvalidInput("send the command's fields as one JSON object", code="invalid_update_arguments")
        payload = workflow.payload_converter().from_payload(args[0].payload, dict)
        if not isinstance(payload, dict):
            raise InvalidInput("send the command's fields as one JSON object", code="invalid_update_arguments")
        payload = dict(payload)
        payload["case_id"] = self.state.case_id
        return payload

    def _dry_run(self, name: str, payload: dict[str, Any]) -> None:
        command_class = COMMANDS.get(name)
        if command_class is None:
            raise InvalidInput(f"{name!r} is not a command of the case record", code="unknown_command", field="command")
        try:
            command = command_class.model_validate({**payload, "command_id": payload["command_id"]})
        except ValidationError as error:
            first = error.errors()[0]
            raise InvalidInput(
                f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}",
                code="invalid_input",
                field=".".join(str(p) for p in first["loc"]),
                details={
                    "errors": [
                        {"field": ".".join(str(p) for p in e["loc"]), "rule": e["type"], "message": e["msg"]}
                        for e in error.errors()
                    ]
                },
            ) from None
        ctx = command.context(workflow.now())
        services = Services(council=self.state.council, rule_sets=_MirroredRuleSets(self.rule_set))
        try:
            seen = self.case.state.processed_commands.get(command.command_id) if self.case is not None else None
            if seen is not None:
                # A repeat of a recorded command: the record answers it with the first outcome, and
                # the same id with different content is refused here as it would be there.
                if seen.digest != command.digest():
                    raise RuleViolation(
                        f"command id {command.command_id!r} was used for a different command",
                        code="command_id_reused",
                        field="command_id",
                    )
                return
            command.admit(ctx, self.case.state.case_began_at if self.case is not None else None, self.state.council)
            if command.creates_case:
                if self.case is not None:
                    raise RuleViolation(
                        f"case {self.state.case_id} already exists", code="case_already_exists", field="case_id"
                    )
                command.create(ctx, services)  # type: ignore[attr-defined]
                return
            if self.case is None:
                raise NotFound(f"no case {self.state.case_id}", code="unknown_case", field="case_id")
            command.execute(copy_of(self.case), ctx, services)
        except RuleSetNotLoaded:
            pass  # every rule before the calculation passed; the activity's catalogue decides the rest

    async def _record(self, name: str, payload: dict[str, Any]) -> RecordedCommand:
        try:
            recorded: RecordedCommand = await workflow.execute_activity(
                "record_command",
                RecordCommandInput(command_name=name, command=payload, since_version=self._version()),
                result_type=RecordedCommand,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
        except ActivityError as error:
            cause = error.cause
            if isinstance(cause, ApplicationError) and cause.non_retryable:
                # The case record refused what the mirror allowed (another writer got there first):
                # catch up so the next validation sees what it saw, and pass the refusal on.
                await self._catch_up()
                raise ApplicationError(cause.message, *cause.details, type=cause.type, non_retryable=True) from None
            raise
        # Only counting: no command comes of it, so replaying older histories is unchanged. Every
        # recording happens under the lock, so this counts the current update's alone, follow-on
        # recordings (which come back through here from _apply) included.
        self.recorded_through = max([self.recorded_through, *recorded.notification_ids])
        await self._apply(recorded.events_since)
        return recorded

    async def _system(self, name: str, fields: dict[str, Any]) -> None:
        """A command the process itself issues (overdue flags, review scheduling)."""
        payload = {
            "case_id": self.state.case_id,
            "command_id": str(workflow.uuid4()),
            "actor": SYSTEM_ACTOR.model_dump(mode="json"),
            **fields,
        }
        try:
            self._dry_run(name, payload)
            await self._record(name, payload)
        except (DomainError, ApplicationError) as refusal:
            # The case moved on since the process decided (another writer got there first):
            # nothing to record, and the command that led here stands.
            workflow.logger.info("process command %s not recorded: %s", name, refusal)

    # Keeping the mirror -------------------------------------------------------------------------

    async def _catch_up(self) -> None:
        events: list[StoredEventData] = await workflow.execute_activity(
            "catch_up",
            CatchUpInput(case_id=self.state.case_id, since_version=self._version()),
            result_type=list[StoredEventData],
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        await self._apply(events)

    async def _apply(self, events: list[StoredEventData]) -> None:
        applied = []
        for data in sorted(events, key=lambda e: e.version):
            if data.version <= self._version():
                continue  # already in the mirror (a repeat, or a catch-up that overlapped)
            event = event_from_state(data.topic, UUID(self.state.case_id), data.version, data.state)
            self.case = event.mutate(self.case)
            applied.append(event)
        for event in applied:
            await self._follow(event)
        if applied:
            self._refresh_search_attributes()
            self.wake = True

    async def _follow(self, event: Any) -> None:
        """What the process does when certain facts are recorded."""
        kind = type(event).__name__
        if kind == "DirectPaymentAgreementMade":
            await self._start_payments(event)
        elif kind in ("DirectPaymentsSuspended", "DirectPaymentsResumed", "DirectPaymentAgreementEnded"):
            signal = {
                "DirectPaymentsSuspended": "suspend",
                "DirectPaymentsResumed": "resume",
                "DirectPaymentAgreementEnded": "stop",
            }[kind]
            await self._signal_payments(event.agreement_id, signal)
        elif kind == "CaseClosed":
            for agreement_id in list(self.state.payment_workflows):
                await self._signal_payments(agreement_id, "stop")
        elif kind == "SignOffDecisionRecorded" and event.outcome.value.startswith("approved"):
            # Due dates run on the process's clock, which is the workflow's, not the store's.
            await self._schedule_first_review(workflow.now().date())
        elif kind == "ReviewRequested":
            await self._coordinate_review(event)
        elif kind == "ReviewCompleted":
            await self._schedule_next_review(event)

    # Payments children -------------------------------------------------------------------------

    def _payments_id(self, agreement_id: str) -> str:
        return f"{case_workflow_id(self.state.case_id)}/payments/{agreement_id}"

    async def _start_payments(self, event: Any) -> None:
        if event.agreement_id in self.state.payment_workflows:
            return
        self.state.payment_workflows.append(event.agreement_id)
        await workflow.start_child_workflow(
            "PaymentsWorkflow",
            {
                "case_id": self.state.case_id,
                "agreement_id": event.agreement_id,
                "frequency": event.frequency.value,
                "amount_per_payment_pence": event.amount_per_payment_pence,
                "start_date": event.start_date.isoformat(),
                "parent_workflow_id": workflow.info().workflow_id,
                # Slots already due when a back-dated agreement was made are paid as one catch-up
                # payment that a finance officer confirms, never as a burst of slots.
                **({"next_slot": event.arrears_slots + 1} if event.arrears_slots else {}),
            },
            id=self._payments_id(event.agreement_id),
            # Abandon, so the payments carry on when this workflow continues as new.
            parent_close_policy=ParentClosePolicy.ABANDON,
        )
        await self._schedule_direct_payment_review(event.start_date)

    async def _signal_payments(self, agreement_id: str, signal: str) -> None:
        if agreement_id not in self.state.payment_workflows:
            return
        try:
            await workflow.get_external_workflow_handle(self._payments_id(agreement_id)).signal(signal)
        except ApplicationError:
            pass  # the payments workflow has already finished: nothing left to tell it

    @workflow.signal
    def payment_recorded(self, versions: list[int]) -> None:
        """A payments workflow recorded events on this case: bring the mirror up to date."""
        if versions and max(versions) > self._version():
            self.catch_up_wanted = True

    # Reviews -----------------------------------------------------------------------------------

    def _reviewed_people(self) -> list[str]:
        assert self.case is not None
        return [p.person_id for p in self.case.state.people.values() if p.plan_status == PlanStatus.APPROVED]

    def _has_open(self, *kinds: ReviewKind) -> bool:
        assert self.case is not None
        return any(r.status == "scheduled" and r.kind in kinds for r in self.case.state.reviews.values())

    async def _schedule(self, kind: ReviewKind, due_on: date) -> None:
        self.state.reviews_scheduled += 1
        await self._system(
            "ScheduleReview",
            {
                "review_id": f"{kind.value}-{self.state.reviews_scheduled}",
                "person_ids": self._reviewed_people(),
                "kind": kind.value,
                "due_on": due_on.isoformat(),
            },
        )

    async def _schedule_first_review(self, signed_off: date) -> None:
        """One coordinated review for the family: scheduled once every plan in hand is decided."""
        assert self.case is not None
        undecided = (PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.DEFERRED)
        if any(p.plan_status in undecided for p in self.case.state.people.values()):
            return
        if not self._has_open(ReviewKind.PLANNED_FIRST, ReviewKind.PLANNED_ANNUAL):
            await self._schedule(
                ReviewKind.PLANNED_FIRST, signed_off + timedelta(weeks=self.state.service_levels.first_review_weeks)
            )

    async def _schedule_direct_payment_review(self, start: date) -> None:
        if not self._has_open(ReviewKind.DIRECT_PAYMENT_FIRST):
            await self._schedule(
                ReviewKind.DIRECT_PAYMENT_FIRST,
                start + timedelta(days=self.state.service_levels.direct_payment_first_review_days),
            )

    async def _schedule_next_review(self, event: Any) -> None:
        if event.outcome == ReviewOutcome.CLOSE or self._closed():
            return
        assert self.case is not None
        if self.case.state.reviews[event.review_id].kind in (ReviewKind.PLANNED_FIRST, ReviewKind.PLANNED_ANNUAL):
            self.review_cycle_ended = True  # a natural point to hand on to a fresh run
        if not self._has_open(ReviewKind.PLANNED_FIRST, ReviewKind.PLANNED_ANNUAL):
            await self._schedule(
                ReviewKind.PLANNED_ANNUAL,
                workflow.now().date() + timedelta(days=self.state.service_levels.review_interval_days),
            )

    async def _coordinate_review(self, event: Any) -> None:
        """A change for one person prompts a look at the others whose plans were agreed with it."""
        if event.reason == ReviewReason.LINKED_PERSON_CHANGED:
            return
        others = [p for p in self._reviewed_people() if p not in event.person_ids]
        if others:
            self.state.reviews_scheduled += 1
            await self._system(
                "RequestReview",
                {
                    "review_id": f"linked-{self.state.reviews_scheduled}",
                    "person_ids": others,
                    "reason": ReviewReason.LINKED_PERSON_CHANGED.value,
                    "due_on": event.due_on.isoformat(),
                    "details": f"linked to review {event.review_id}",
                },
            )

    # Service levels ----------------------------------------------------------------------------

    def _deadlines(self) -> list[tuple[str, datetime]]:
        """What falls due and is not yet flagged: the stage, and each open review."""
        if self.case is None:
            return []
        return [(d.what, d.due_at) for d in self.state.service_levels.deadlines(self.case.state) if not d.flagged]

    def _next_deadline(self) -> datetime | None:
        deadlines = [when for _, when in self._deadlines()]
        return min(deadlines) if deadlines else None

    async def _flag_what_is_overdue(self) -> None:
        now = workflow.now()
        for stage, due_at in self._deadlines():
            if due_at <= now:
                await self._system("RecordStageOverdue", {"stage": stage, "due_at": due_at.isoformat()})

    # What operations see -----------------------------------------------------------------------

    def _flags(self) -> list[str]:
        return case_flags(self.case.state) if self.case is not None else []

    def _refresh_search_attributes(self) -> None:
        if self.case is None:
            return
        state = self.case.state
        due = self.state.service_levels.due_at(state.stage, state.stage_entered_at) if not state.closed else None
        self.stage_due_at = due
        wanted: dict[str, Any] = {
            CASE_STAGE.name: state.stage.value,
            STAGE_ENTERED_AT.name: state.stage_entered_at,
            STAGE_DUE_AT.name: due,
            TEAM.name: state.team,
            CARERS_OUTSTANDING.name: sum(1 for w in outstanding_assessments(state) if w["kind"] == "carer"),
            CASE_FLAGS.name: self._flags(),
        }
        if wanted == self.upserted:
            return
        updates = [
            CASE_STAGE.value_set(wanted[CASE_STAGE.name]),
            STAGE_ENTERED_AT.value_set(wanted[STAGE_ENTERED_AT.name]),
            STAGE_DUE_AT.value_set(due) if due is not None else STAGE_DUE_AT.value_unset(),
            TEAM.value_set(wanted[TEAM.name]),
            CARERS_OUTSTANDING.value_set(wanted[CARERS_OUTSTANDING.name]),
            CASE_FLAGS.value_set(wanted[CASE_FLAGS.name]),
        ]
        workflow.upsert_search_attributes(updates)
        self.upserted = wanted

    @workflow.query
    def summary(self) -> CaseSummary:
        state = self.case.state if self.case is not None else None
        return CaseSummary(
            case_id=self.state.case_id,
            version=self._version(),
            stage=state.stage.value if state else None,
            stage_entered_at=state.stage_entered_at if state else None,
            stage_due_at=self.stage_due_at,
            flags=self._flags(),
            outstanding=outstanding_assessments(state) if state else [],
            payment_workflows=list(self.state.payment_workflows),
            continued=self.state.continued,
        )

    # Small helpers -----------------------------------------------------------------------------

    def _version(self) -> int:
        return self.case.version if self.case is not None else 0

    def _stage(self) -> str | None:
        return self.case.state.stage.value if self.case is not None else None

    def _closed(self) -> bool:
        return self.case is not None and self.case.state.closed
