"""Commands of a young carer's transition to adult carer rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.commands.base import CaseCommand, Identifier, Notes, Reason, Services
from domain.eligibility import CarerNeedsFindings

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext


class StartTransitionAssessment(CaseCommand):
    """A young carer likely to need support once 18, for whom assessing now is of significant benefit (s.63)."""

    carer_id: Identifier
    reason: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.start_transition_assessment(ctx, carer_id=self.carer_id, reason=self.reason)


class CompleteTransitionAssessment(CaseCommand):
    """What support the young carer is likely to need at 18."""

    carer_id: Identifier
    findings: CarerNeedsFindings
    summary: Notes = ""

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.complete_transition_assessment(ctx, carer_id=self.carer_id, findings=self.findings, summary=self.summary)


class ApplyAdultCarerRules(CaseCommand):
    """A young carer has turned 18: the adult carer rules apply to them on this case, no new referral."""

    carer_id: Identifier

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.apply_adult_carer_rules(ctx, carer_id=self.carer_id)
