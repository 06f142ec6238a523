"""Commands of the NHS continuing healthcare boundary: the referral, and the NHS's decision."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from domain.commands.base import CaseCommand, Identifier, Notes, Reason, Services
from domain.values import CaseDate
from domain.vocabulary import ContinuingHealthcareOutcome

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext


class ReferForContinuingHealthcare(CaseCommand):
    """The checklist suggests a primary health need: the person is referred for a full NHS
    continuing healthcare assessment, and the outcome is pending."""

    person_id: Identifier
    checklist_on: CaseDate
    referred_on: CaseDate
    notes: Notes = ""

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.refer_for_continuing_healthcare(
            ctx,
            person_id=self.person_id,
            checklist_on=self.checklist_on,
            referred_on=self.referred_on,
            notes=self.notes,
        )


class RecordContinuingHealthcareDecision(CaseCommand):
    """The NHS decided: eligible (it funds the whole package), not eligible, or a joint package."""

    person_id: Identifier
    outcome: Literal["eligible", "not_eligible", "joint_package"]
    decided_on: CaseDate
    reasons: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.record_continuing_healthcare_decision(
            ctx,
            person_id=self.person_id,
            outcome=ContinuingHealthcareOutcome(self.outcome),
            decided_on=self.decided_on,
            reasons=self.reasons,
        )
