"""Commands that decide eligibility and money: the RAS figure, cap overrides, the financial
assessment and challenges."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.commands.base import CaseCommand, Identifier, Notes, Reason, Services
from domain.money import Pence
from domain.vocabulary import ChallengeOutcome

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext


class DetermineEligibility(CaseCommand):
    person_id: Identifier
    practitioner_notes: Notes = ""

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.determine_eligibility(ctx, person_id=self.person_id, practitioner_notes=self.practitioner_notes)


class CalculateIndicativeBudget(CaseCommand):
    person_id: Identifier

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        # The rule set in force on the day the calculation takes effect: a recalculation after a
        # reassessment, a review or a challenge uses the version in force then, and each
        # calculation records the version and hash it used (decision 0034).
        rule_set = services.rule_sets.current(services.council.ras_rule_set_id, on=ctx.effective_on)
        case.calculate_indicative_budget(ctx, person_id=self.person_id, rule_set=rule_set)


class OverrideBudgetCap(CaseCommand):
    person_id: Identifier
    approved_pence: Pence
    reasons: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.override_budget_cap(
            ctx, person_id=self.person_id, approved_pence=self.approved_pence, reasons=self.reasons
        )


class CompleteFinancialAssessment(CaseCommand):
    person_id: Identifier
    assessed_contribution_pence: Pence
    notes: Notes = ""

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.complete_financial_assessment(
            ctx,
            person_id=self.person_id,
            assessed_contribution_pence=self.assessed_contribution_pence,
            notes=self.notes,
            carers_charged_for_own_support=services.council.carers_charged_for_own_support,
        )


class ChallengeBudget(CaseCommand):
    person_id: Identifier
    challenge_id: Identifier
    grounds: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.challenge_budget(ctx, person_id=self.person_id, challenge_id=self.challenge_id, grounds=self.grounds)


class ResolveChallenge(CaseCommand):
    person_id: Identifier
    challenge_id: Identifier
    outcome: ChallengeOutcome
    revised_pence: Pence | None = None
    reasons: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.resolve_challenge(
            ctx,
            person_id=self.person_id,
            challenge_id=self.challenge_id,
            outcome=self.outcome,
            revised_pence=self.revised_pence,
            reasons=self.reasons,
            scheme=services.council.scheme_of_delegation(),
        )
