"""Commands that say who holds a case and raise it with a manager."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.commands.base import CaseCommand, Identifier, Reason, Services

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext


class AllocateCase(CaseCommand):
    worker_id: Identifier
    team: Identifier | None = None
    reason: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.allocate_case(ctx, worker_id=self.worker_id, team=self.team, reason=self.reason)


class EscalateCase(CaseCommand):
    reason: Reason
    escalated_to: Identifier | None = None

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.escalate_case(ctx, reason=self.reason, escalated_to=self.escalated_to)


class ResolveEscalation(CaseCommand):
    outcome: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.resolve_escalation(ctx, outcome=self.outcome)
