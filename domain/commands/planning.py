"""Commands of support planning and sign-off."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import field_validator

from domain.commands.base import CaseCommand, Identifier, Reason, Services
from domain.money import Pence
from domain.planning import SupportPlan
from domain.vocabulary import SignOffOutcome, SignOffRoute

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext


def held_as_the_council_requires(plan: SupportPlan) -> SupportPlan:
    """A plan drafted or revised now names who holds its budget, and a mix splits into its parts
    (``SupportPlan.check_holding``; a plan recorded before is read as it was)."""
    return plan.check_holding()


class DraftSupportPlan(CaseCommand):
    person_id: Identifier
    plan: SupportPlan

    _holding = field_validator("plan")(held_as_the_council_requires)

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.draft_support_plan(
            ctx, person_id=self.person_id, plan=self.plan, spending_rules=services.council.spending_rules
        )


class ReviseSupportPlan(CaseCommand):
    person_id: Identifier
    plan: SupportPlan
    reason: Reason

    _holding = field_validator("plan")(held_as_the_council_requires)

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.revise_support_plan(
            ctx,
            person_id=self.person_id,
            plan=self.plan,
            reason=self.reason,
            spending_rules=services.council.spending_rules,
        )


class SubmitSupportPlan(CaseCommand):
    person_id: Identifier
    # Required when the plan's cost is outside the council's tolerance of the indicative budget.
    variance_reason: Reason | None = None

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.submit_support_plan(
            ctx,
            person_id=self.person_id,
            variance_reason=self.variance_reason,
            variance_tolerance_basis_points=services.council.variance_tolerance_basis_points,
        )


class RecordSignOffDecision(CaseCommand):
    person_id: Identifier
    route: SignOffRoute
    outcome: SignOffOutcome
    approved_pence: Pence | None = None
    reasons: Reason
    # The changed plan an approval with changes approves (recorded as a revision with the decision).
    plan: SupportPlan | None = None

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.record_sign_off_decision(
            ctx,
            person_id=self.person_id,
            route=self.route,
            outcome=self.outcome,
            approved_pence=self.approved_pence,
            reasons=self.reasons,
            panel_threshold_pence=services.council.panel_threshold_pence,
            scheme=services.council.scheme_of_delegation(),
            changed_plan=self.plan,
            spending_rules=services.council.spending_rules,
        )
