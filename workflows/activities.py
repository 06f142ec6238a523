"""Activities: thin adapters over the case record, one per use case.

The case record is synchronous, so these run in the worker's thread pool. A rule of the domain
refusing the command is final (non-retryable, with its stable code); anything else — the database
away, a lock timeout — is an infrastructure fault that Temporal retries.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any
from uuid import UUID

from temporalio import activity
from temporalio.exceptions import ApplicationError

from config.tracing import span
from domain.application import CaseRecord
from domain.commands import COMMANDS
from domain.errors import DomainError
from domain.people import Actor, Role
from eventstore.mapper import CanonicalMapper
from workflows.messages import (
    CatchUpInput,
    IssuedPayment,
    IssueScheduledPaymentInput,
    RecordCommandInput,
    RecordedCommand,
    StoredEventData,
)

PAYMENTS_ACTOR = Actor(user_id="carecase-payments", role=Role.SYSTEM)


def refusal(error: DomainError) -> ApplicationError:
    """A rule of the case record refused: final, with its stable code (never retried)."""
    return ApplicationError(
        error.message, {**error.as_dict(), "kind": type(error).__name__}, type=error.code, non_retryable=True
    )


class CaseActivities:
    def __init__(self, record: CaseRecord) -> None:
        self.record = record

    def _events_since(self, case_id: UUID, since_version: int) -> list[StoredEventData]:
        mapper = self.record.mapper
        assert isinstance(mapper, CanonicalMapper)
        return [
            StoredEventData(topic=s.topic, version=s.originator_version, state=mapper.decode_state(s))
            for s in self.record.stored_records(case_id, after_version=since_version)
        ]

    def _handle(self, command_name: str, payload: dict[str, Any]) -> Any:
        try:
            command = COMMANDS[command_name].model_validate(payload)
            return self.record.handle(command)
        except DomainError as error:
            raise refusal(error) from None

    @activity.defn(name="record_command")
    def record_command(self, request: RecordCommandInput) -> RecordedCommand:
        case_id = str(request.command.get("case_id", ""))
        with span("store write", **{"carecase.command": request.command_name, "carecase.case_id": case_id}):
            outcome = self._handle(request.command_name, request.command)
        return RecordedCommand(
            command_id=outcome.command_id,
            duplicate=outcome.duplicate,
            event_types=[e.type for e in outcome.events],
            versions=[e.version for e in outcome.events],
            notification_ids=[e.notification_id for e in outcome.events if e.notification_id is not None],
            events_since=self._events_since(outcome.case_id, request.since_version),
        )

    @activity.defn(name="catch_up")
    def catch_up(self, request: CatchUpInput) -> list[StoredEventData]:
        return self._events_since(UUID(request.case_id), request.since_version)

    @activity.defn(name="current_rule_set")
    def current_rule_set(self, rule_set_id: str) -> dict[str, Any]:
        """The council's RAS rule set in force today, so the workflow's validators can dry-run commands."""
        try:
            today = self.record.clock().astimezone(UTC).date()
            return self.record.services.rule_sets.current(rule_set_id, on=today).model_dump(mode="json")
        except DomainError as error:
            raise refusal(error) from None

    @activity.defn(name="issue_scheduled_payment")
    def issue_scheduled_payment(self, request: IssueScheduledPaymentInput) -> IssuedPayment:
        base = {"case_id": request.case_id, "actor": PAYMENTS_ACTOR.model_dump(mode="json")}
        prefix = f"{request.agreement_id}:slot-{request.slot}"
        versions: list[int] = []
        try:
            case = self.record.get_case(UUID(request.case_id))
            agreement = case.state.agreements.get(request.agreement_id)
            if agreement is None or agreement.status == "stopped" or case.state.closed:
                return IssuedPayment(slot=request.slot, issued=False, reason="agreement_stopped")
            if request.slot not in agreement.slots:
                scheduled = self.record.handle(
                    COMMANDS["SchedulePayment"].model_validate(
                        {
                            **base,
                            "command_id": f"{prefix}:schedule",
                            "agreement_id": request.agreement_id,
                            "slot": request.slot,
                            "due_on": request.due_on.isoformat(),
                            "amount_pence": request.amount_pence,
                        }
                    )
                )
                versions += [e.version for e in scheduled.events]
            issued = self.record.handle(
                COMMANDS["IssuePayment"].model_validate(
                    {
                        **base,
                        "command_id": f"{prefix}:issue",
                        "agreement_id": request.agreement_id,
                        "slot": request.slot,
                        "payment_reference": f"{request.agreement_id}-{request.slot:05d}",
                    }
                )
            )
            versions += [e.version for e in issued.events]
        except DomainError as error:
            if error.code in ("payment_already_issued",):
                return IssuedPayment(slot=request.slot, issued=True, reason=error.code, versions=versions)
            raise refusal(error) from None
        return IssuedPayment(slot=request.slot, issued=True, versions=versions)
