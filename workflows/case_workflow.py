"""CaseWorkflow: one long-lived workflow per case that decides what may happen next.

Commands arrive as Updates named after the command (``DraftSupportPlan`` …). The workflow keeps a
mirror of the case (``workflows.case_mirror``) and each update's validator dry-runs the command
against a copy of it. So anything the case record would refuse (above all support planning while
an assessment is outstanding) is refused *before* the update is accepted: nothing reaches workflow
history or the event store. An accepted update runs the ``record_command`` activity, with a
command id derived from the update's id, and the case record checks every rule again. The activity
runs local to the workflow task, so an update is one workflow task (decision 0049); a write that
keeps failing moves to a regular activity, which operations see retrying and can reset.

The workflow also keeps the process moving: what the process does when a fact is recorded, and
when a service level passes, is decided by ``domain.case.process``; this class carries it out —
commands recorded as the system actor, payments children started and told of changes
(``workflows.payments_children``) — and keeps the search attributes operations use to find stuck
cases (``workflows.search_attributes``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from temporalio import workflow
from temporalio.common import RawValue, RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

    from domain.case import process
    from domain.case.base import CaseEvent
    from domain.case.flags import case_flags
    from domain.case.process import (
        CycleEnded,
        Intent,
        Record,
        ResumePayments,
        Situation,
        StartPayments,
        StopPayments,
        SuspendPayments,
        VaryPayments,
    )
    from domain.case.rules import outstanding_assessments
    from domain.commands import COMMANDS, CaseCommand, CouncilSettings
    from domain.errors import DomainError, InvalidInput
    from domain.people import SYSTEM_ACTOR
    from domain.ras import RuleSet
    from domain.service_levels import ServiceLevels
    from workflows.activities import CaseActivities, refusal
    from workflows.case_mirror import CaseMirror, from_before_snapshots
    from workflows.messages import CatchUpInput, RecordCommandInput, RecordedCommand, StoredEventData
    from workflows.payments import PaymentsParent
    from workflows.payments_children import start_payments, tell_payments
    from workflows.search_attributes import CaseSearchAttributes, stage_due_at

# A command touches one case in one transaction: seconds at most. A worker that dies mid-activity
# is noticed when this runs out, and the activity is retried (appending nothing twice).
ACTIVITY_TIMEOUT = timedelta(seconds=10)
# Infrastructure faults retry for ever with backoff (ops see them as retrying activities); a rule
# of the case record refusing is raised non-retryable by the activity and ends the attempt at once.
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
VALIDATION_COMMAND_ID = "validation-dry-run"
# Stage clocks run from when a step took effect, not when it was recorded (decision 0035). A history
# recorded before that keeps the recorded clock on replay, so its timers and flags come out as they did.
STAGE_CLOCK_TOOK_EFFECT = "stage-clock-took-effect"
# One workflow task per command (decision 0049): the command is recorded by a local activity, its
# command id is derived from the update's id (or, for the process's own commands, from what it
# records and where), and the deadline's timer is kept across waits while the deadline stands.
# Histories recorded before keep their regular activities, random command ids and timer per wait.
ONE_TASK_PER_COMMAND = "one-task-per-command"
# A local write is tried this often, close together, inside the workflow task; a write still failing
# after that is a fault operations must see, so it goes on as a regular activity (ACTIVITY_RETRY).
LOCAL_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), backoff_coefficient=2.0, maximum_attempts=3)


def case_workflow_id(case_id: UUID | str) -> str:
    """The workflow id is derived from the case id, so every caller finds the same workflow."""
    return f"case-{UUID(str(case_id)).hex}"


class CaseWorkflowInput(BaseModel):
    """All the workflow's state, so continue-as-new hands it on whole."""

    model_config = ConfigDict(extra="forbid")

    case_id: str
    council: CouncilSettings = Field(default_factory=CouncilSettings)
    service_levels: ServiceLevels = Field(default_factory=ServiceLevels)
    # The case as the store snapshots it (workflows.case_mirror).
    mirror: StoredEventData | None = None
    # The digests of the commands the case has recorded, by id (the mirror's; None from a run that
    # handed them on inside the mirror's state).
    mirror_commands: dict[str, str] | None = None
    rule_set: dict[str, Any] | None = None
    # The day the workflow fetched its rule set: the dry-run trusts it only up to that day (0034).
    rule_set_known_on: date | None = None
    payment_workflows: list[str] = Field(default_factory=list)
    reviews_scheduled: int = 0
    continued: int = 0
    # Keeps replay of a case that lives for years short; a completed planned review also hands on.
    continue_after_history_events: int = Field(default=5_000, ge=50)

    @field_validator("mirror", mode="before")
    @classmethod
    def _snapshot_of_an_older_run(cls, value: Any) -> Any:
        if isinstance(value, dict) and "topic" not in value:
            return from_before_snapshots(value)
        return value


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


def parse_command(name: str, payload: dict[str, Any]) -> CaseCommand:
    """The command an update names, from its fields; a field out of bounds is refused naming it."""
    command_class = COMMANDS.get(name)
    if command_class is None:
        raise InvalidInput(f"{name!r} is not a command of the case record", code="unknown_command", field="command")
    try:
        return command_class.model_validate(payload)
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


@workflow.defn
class CaseWorkflow(PaymentsParent):
    @workflow.init
    def __init__(self, state: CaseWorkflowInput) -> None:
        self.state = state
        self.mirror = CaseMirror(state.case_id, state.mirror, state.mirror_commands)
        self.lock = asyncio.Lock()
        self.wake = False
        self.catch_up_wanted = False
        self.search_attributes = CaseSearchAttributes()
        # The service levels this run keeps to: the input's, on the stage clock its history began with.
        self.service_levels = state.service_levels
        self.rule_set = RuleSet.model_validate(state.rule_set) if state.rule_set else None
        self.review_cycle_ended = False
        # The highest notification id recorded since the current update took the lock (see command).
        self.recorded_through = 0
        # The timer for the next deadline, kept across waits while that deadline stands (0049).
        self.deadline_timer: asyncio.Task[None] | None = None
        self.deadline_timer_for: datetime | None = None

    # The process -------------------------------------------------------------------------------

    @workflow.run
    async def run(self, state: CaseWorkflowInput) -> CaseSummary:
        if not workflow.patched(STAGE_CLOCK_TOOK_EFFECT):
            self.service_levels = self.state.service_levels.model_copy(update={"stage_clock": "recorded"})
        if self.state.rule_set is None:
            self.state.rule_set = await workflow.execute_activity_method(
                CaseActivities.current_rule_set,
                self.state.council.ras_rule_set_id,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
            self.rule_set = RuleSet.model_validate(self.state.rule_set)
            self.state.rule_set_known_on = workflow.now().date()
        self._refresh_search_attributes()
        while not self._finished():
            if self._one_task_per_command():
                await self._wait_for_news_or_the_deadline()
            else:
                deadline = process.next_deadline(self.mirror.state, self.service_levels)
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
                for flag in process.overdue(self.mirror.state, self.service_levels, workflow.now()):
                    await self._system(flag)
            if self._should_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                self._hand_on_state()
                workflow.continue_as_new(self.state)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.summary()

    def _one_task_per_command(self) -> bool:
        """Whether this run records commands locally, one workflow task each (decision 0049). The
        SDK remembers the answer, so its marker is written once, where this is first asked (the
        first command's handler or the main loop's first wait, whichever the first task runs first)."""
        return workflow.patched(ONE_TASK_PER_COMMAND)

    async def _wait_for_news_or_the_deadline(self) -> None:
        """Wait until an update, a signal or a catch-up wakes the loop, or the next deadline passes.

        A wait with a timeout starts a timer and cancels it when something else wakes it first: two
        history events for every command. The deadline's timer is kept instead while the deadline
        stands, and replaced only when it moves (a new stage, new service levels) or has fired."""
        deadline = process.next_deadline(self.mirror.state, self.service_levels)
        timer = self.deadline_timer
        if timer is not None and (deadline != self.deadline_timer_for or timer.done()):
            timer.cancel()
            timer = self.deadline_timer = None
        if deadline is not None and timer is None:
            remaining = (deadline - workflow.now()).total_seconds()
            if remaining <= 0:
                return  # due now: the loop records the flag
            timer = self.deadline_timer = asyncio.create_task(asyncio.sleep(remaining))
            self.deadline_timer_for = deadline
        await workflow.wait_condition(lambda: self.wake or self.catch_up_wanted or (timer is not None and timer.done()))

    def _finished(self) -> bool:
        """The case is closed and no money is left to settle: after an ending (decision 0027) the
        workflow runs on while an ended agreement's account is open, so the monitoring returns,
        recoveries and final payment that follow a closure still come through it. A case closed
        before endings were recorded has no such account, so its history ends where it did."""
        if not self.mirror.closed:
            return False
        state = self.mirror.state
        return state is None or not any(a.settled and not a.account_closed for a in state.agreements.values())

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        return (
            self.review_cycle_ended
            or info.is_continue_as_new_suggested()
            or info.get_current_history_length() > self.state.continue_after_history_events
        )

    def _hand_on_state(self) -> None:
        self.state.mirror = self.mirror.freeze()
        self.state.mirror_commands = dict(self.mirror.commands)
        # The next run fetches the rule set in force on its own first day (decision 0034).
        self.state.rule_set = None
        self.state.rule_set_known_on = None
        self.state.continued += 1

    # Commands as updates ------------------------------------------------------------------------

    @workflow.update(dynamic=True)
    async def command(self, name: str, args: Sequence[RawValue]) -> CommandAccepted:
        try:
            payload = self._payload(args)
        except DomainError as error:  # never a bare exception here: that would fail the workflow task
            raise refusal(error) from None
        # A caller's idempotency key arrives as the command id; otherwise the workflow names the
        # command, with an id stable across replays and unique per update.
        if "command_id" not in payload:
            payload["command_id"] = self._command_id_of_update()
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
            stage=self.mirror.state.stage.value if self.mirror.state else "",
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
            raise refusal(error) from None

    def _command_id_of_update(self) -> str:
        """A command recorded by a local activity is in history only once its workflow task
        completes; a task lost after the write (a worker killed) runs again from history and the
        server delivers the update again, under its own id. So the command id is derived from the
        update's id: the record answers the second attempt with the first's outcome (decision 0049)."""
        update = workflow.current_update_info()
        if update is None or not self._one_task_per_command():
            return str(workflow.uuid4())
        return str(uuid5(NAMESPACE_URL, f"{workflow.info().workflow_id}/update/{update.id}"))

    def _command_id_of_process(self, name: str, fields: dict[str, Any]) -> str:
        """The process's own command, named by what it records and the case version it was decided
        at: a workflow task run again after a lost local write decides it again under the same id."""
        if not self._one_task_per_command():
            return str(workflow.uuid4())
        what = json.dumps(fields, sort_keys=True, default=str)
        return str(uuid5(NAMESPACE_URL, f"{workflow.info().workflow_id}/process/{self.mirror.version}/{name}/{what}"))

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
        command = parse_command(name, payload)
        self.mirror.dry_run(command, workflow.now(), self.state.council, self.rule_set, self.state.rule_set_known_on)

    async def _record(self, name: str, payload: dict[str, Any]) -> RecordedCommand:
        request = RecordCommandInput(command_name=name, command=payload, since_version=self.mirror.version)
        try:
            recorded = await self._write(request)
        except FailureError as error:
            cause = _refused(error)
            if cause is not None:
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

    async def _write(self, request: RecordCommandInput) -> RecordedCommand:
        """Record the command: in this workflow task, by a local activity, and if that keeps failing
        on a fault, by a regular activity that retries for ever where operations see it (0049)."""
        if self._one_task_per_command():
            try:
                return await workflow.execute_local_activity_method(
                    CaseActivities.record_command,
                    request,
                    # All its attempts within one activity's time: a write stuck longer is seen.
                    schedule_to_close_timeout=ACTIVITY_TIMEOUT,
                    start_to_close_timeout=ACTIVITY_TIMEOUT,
                    retry_policy=LOCAL_RETRY,
                )
            except FailureError as error:  # the SDK raises a local activity's own failure, unwrapped
                if _refused(error) is not None:
                    raise
                workflow.logger.warning(
                    "recording %s locally failed %s times; retrying as an activity",
                    request.command_name,
                    LOCAL_RETRY.maximum_attempts,
                )
        return await workflow.execute_activity_method(
            CaseActivities.record_command,
            request,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )

    async def _system(self, record: Record) -> None:
        """A command the process itself issues (overdue flags, review scheduling)."""
        name = record.command.type_name()
        payload = {
            "case_id": self.state.case_id,
            "command_id": self._command_id_of_process(name, record.fields),
            "actor": SYSTEM_ACTOR.model_dump(mode="json"),
            **record.fields,
        }
        try:
            self._dry_run(name, payload)
            await self._record(name, payload)
        except (DomainError, ApplicationError) as refused:
            # The case moved on since the process decided (another writer got there first):
            # nothing to record, and the command that led here stands.
            workflow.logger.info("process command %s not recorded: %s", name, refused)

    # Keeping the mirror -------------------------------------------------------------------------

    async def _catch_up(self) -> None:
        events = await workflow.execute_activity_method(
            CaseActivities.catch_up,
            CatchUpInput(case_id=self.state.case_id, since_version=self.mirror.version),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
        await self._apply(events)

    async def _apply(self, events: list[StoredEventData]) -> None:
        applied = self.mirror.apply(events)
        for event in applied:
            await self._react(event)
        if applied:
            self._refresh_search_attributes()
            self.wake = True

    async def _react(self, event: CaseEvent) -> None:
        """Carry out what the process does when ``event`` is recorded, in the order it asks."""
        assert self.mirror.state is not None
        reaction = process.react(
            event,
            Situation(
                case=self.mirror.state,
                service_levels=self.service_levels,
                # Due dates run on the process's clock, which is the workflow's, not the store's.
                today=workflow.now().date(),
                payments=tuple(self.state.payment_workflows),
                reviews_scheduled=self.state.reviews_scheduled,
            ),
        )
        self.state.reviews_scheduled = reaction.reviews_scheduled
        for intent in reaction.intents:
            await self._carry_out(intent)

    async def _carry_out(self, intent: Intent) -> None:
        parent_id = case_workflow_id(self.state.case_id)
        match intent:
            case StartPayments():
                self.state.payment_workflows.append(intent.agreement_id)
                await start_payments(parent_id, self.state.case_id, intent)
            case SuspendPayments() | ResumePayments() | StopPayments() | VaryPayments():
                await tell_payments(parent_id, intent)
            case Record():
                await self._system(intent)
            case CycleEnded():
                self.review_cycle_ended = True  # a natural point to hand on to a fresh run

    # A change of the council's service levels ----------------------------------------------------

    @workflow.signal
    def adopt_service_levels(self, levels: ServiceLevels) -> None:
        """The council's service levels changed (decision 0035): from now on this case's clocks are
        timed by them, from the same starts; its due times, timer and search attributes follow at
        once, and continue-as-new hands them on. A deadline already flagged overdue stays flagged."""
        self.state.service_levels = levels
        self.service_levels = levels.model_copy(update={"stage_clock": self.service_levels.stage_clock})
        self._refresh_search_attributes()
        self.wake = True

    # What operations see -----------------------------------------------------------------------

    def _refresh_search_attributes(self) -> None:
        if self.mirror.state is not None:
            self.search_attributes.refresh(self.mirror.state, self.service_levels)

    @workflow.query
    def summary(self) -> CaseSummary:
        state = self.mirror.state
        return CaseSummary(
            case_id=self.state.case_id,
            version=self.mirror.version,
            stage=state.stage.value if state else None,
            stage_entered_at=state.stage_entered_at if state else None,
            stage_due_at=stage_due_at(state, self.service_levels) if state else None,
            flags=case_flags(state) if state else [],
            outstanding=outstanding_assessments(state) if state else [],
            payment_workflows=list(self.state.payment_workflows),
            continued=self.state.continued,
        )


def _refused(error: FailureError) -> ApplicationError | None:
    """The case record's refusal (a rule, raised non-retryable: final, never retried), whether it
    came from a regular activity (wrapped in an ActivityError) or a local one (as it was raised)."""
    cause = error.cause if isinstance(error, ActivityError) else error
    return cause if isinstance(cause, ApplicationError) and cause.non_retryable else None
