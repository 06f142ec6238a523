"""Who holds a case: allocation to a worker (and team), and escalation to a manager.

A case arrives unallocated, on its team's list. Allocating it names the worker who holds it;
reallocating moves it between workers or teams, with a reason, so an auditor can see who held a
case when each decision was made. Escalation is how operations (or a worker) raise a stuck case
with a team manager; it stays raised until it is resolved or the case is reallocated.
"""

from __future__ import annotations

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.rules import case_must_be_open, escalation_must_be_raised
from domain.case.state import Escalation


class AllocationSteps(Recording):
    class CaseAllocated(CaseEvent):
        """The case was allocated (or reallocated) to a named worker in a team, with a reason."""

        worker_id: str
        team: str
        previous_worker_id: str | None
        previous_team: str
        reason: str

        def apply(self, case: Recording) -> None:
            case.state.worker_id = self.worker_id
            case.state.team = self.team
            case.state.escalation = None

    class CaseEscalated(CaseEvent):
        """The case was escalated to a team manager, with the reason it needs one."""

        reason: str
        escalated_to: str | None

        def apply(self, case: Recording) -> None:
            case.state.escalation = Escalation(
                reason=self.reason,
                escalated_to=self.escalated_to,
                raised_by=self.actor.user_id,
                raised_at=self.timestamp,
            )

    class EscalationResolved(CaseEvent):
        """The manager dealt with the escalation and said what was done."""

        outcome: str

        def apply(self, case: Recording) -> None:
            case.state.escalation = None

    def allocate_case(self, ctx: CommandContext, *, worker_id: str, team: str | None, reason: str) -> None:
        case_must_be_open(self.state)
        self._record(
            ctx,
            self.CaseAllocated,
            worker_id=worker_id,
            team=team or self.state.team,
            previous_worker_id=self.state.worker_id,
            previous_team=self.state.team,
            reason=reason,
        )

    def escalate_case(self, ctx: CommandContext, *, reason: str, escalated_to: str | None) -> None:
        case_must_be_open(self.state)
        self._record(ctx, self.CaseEscalated, reason=reason, escalated_to=escalated_to)

    def resolve_escalation(self, ctx: CommandContext, *, outcome: str) -> None:
        case_must_be_open(self.state)
        escalation_must_be_raised(self.state)
        self._record(ctx, self.EscalationResolved, outcome=outcome)
