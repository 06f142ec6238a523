"""Support planning and sign-off (steps 9-10; rules G1, P1, P3, D1 spending rules).

Every planning command passes the gate first: no plan is drafted, revised, submitted or signed off
for anyone while the adult's or any carer's assessment is outstanding. A carer identified late
closes the gate again: drafts stay as they are and sign-off waits.
"""

from __future__ import annotations

from datetime import datetime

from domain.budget_statement import PersonalBudgetStatement, PlanVariance, plan_variance
from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.decisions import budget_statement_for, current_budget_pence
from domain.case.interim import REPLACED_BY_THE_PLAN, InterimSteps
from domain.case.rules import (
    APPROVING_OUTCOMES,
    adult_budget_must_reflect_carers_recorded_support,
    aligned_people,
    aligned_plans_must_be_on_the_case,
    approval_approves_the_plans_cost,
    approved_plan_is_revised_only_after_a_review,
    assessments_must_be_complete_before_planning,
    budget_must_be_calculated,
    capped_budget_needs_reasoned_override,
    case_must_be_open,
    changes_must_change_the_plan,
    council_must_not_fund_what_the_nhs_meets,
    decision_must_be_within_delegation,
    fast_track_needs_its_conditions,
    financial_assessment_must_be_complete,
    independent_advocate_must_be_involved,
    needs_must_be_eligible_or_met_at_discretion,
    only_an_approval_states_an_amount,
    panel_must_decide_above_threshold,
    person_must_exist,
    plan_must_be_a_draft,
    plan_must_be_submitted,
    plan_must_exist,
    plan_must_keep_spending_rules,
    plan_must_not_already_be_drafted,
    reduction_needs_reassessment_and_the_gate,
    replacement_care_must_be_in_both_plans,
    sign_off_needs_the_authority_of_its_route,
    variance_outside_tolerance_needs_a_reason,
)
from domain.case.state import Person, PlanStatus, SignOff
from domain.delegation import DelegatedAuthority, SchemeOfDelegation
from domain.money import format_pounds
from domain.planning import SpendingRules, SupportPlan
from domain.vocabulary import AdvocacyStage, SignOffOutcome, SignOffRoute


class PlanningSteps(Recording):
    class SupportPlanDrafted(CaseEvent):
        """A support plan for the adult or a carer was drafted."""

        person_id: str
        plan: SupportPlan
        plan_version: int
        annual_cost_pence: int

        def apply(self, case: Recording) -> None:
            person = case.state.people[self.person_id]
            person.plan = self.plan
            person.plan_version = self.plan_version
            person.plan_status = PlanStatus.DRAFT
            case.state.budget_management[self.person_id] = self.plan.management

    class SupportPlanRevised(CaseEvent):
        """A support plan was revised, with the reason; a cut names the reassessment that justified it."""

        person_id: str
        plan: SupportPlan
        plan_version: int
        annual_cost_pence: int
        reason: str
        # The figure last signed off, and for a cut the reassessment that justified it and why.
        previous_approved_pence: int | None = None
        reassessment_completed_at: datetime | None = None
        reduction_justified_by: str | None = None

        def apply(self, case: Recording) -> None:
            person = case.state.people[self.person_id]
            person.plan = self.plan
            person.plan_version = self.plan_version
            person.plan_status = PlanStatus.DRAFT
            person.sign_off = None
            case.state.budget_management[self.person_id] = self.plan.management
            # The other aligned plans are to be looked at again, except one this revision answers.
            answered = set(person.aligned_changes_to_review)
            person.aligned_changes_to_review = []
            for other_id in aligned_people(case.state, self.person_id):
                waiting = case.state.people[other_id].aligned_changes_to_review
                if other_id not in answered and self.person_id not in waiting:
                    waiting.append(self.person_id)

    class SupportPlanSubmitted(CaseEvent):
        """A support plan was submitted for sign-off."""

        person_id: str
        plan_version: int
        annual_cost_pence: int
        budget_pence: int
        variance: PlanVariance | None = None  # from the indicative budget, with the reason when outside tolerance

        def apply(self, case: Recording) -> None:
            person = case.state.people[self.person_id]
            person.plan_status = PlanStatus.SUBMITTED
            person.variance = self.variance
            person.aligned_changes_to_review = []  # submitted as it stands, the aligned change seen

    class SignOffDecisionRecorded(CaseEvent):
        """The funding panel or a team manager decided on a plan, with reasons and the approved amount."""

        person_id: str
        plan_version: int
        route: SignOffRoute
        outcome: SignOffOutcome
        approved_pence: int
        reasons: str
        panel_threshold_pence: int
        plan_annual_cost_pence: int
        rule_set_id: str
        rule_set_hash: str
        indicative_pence: int
        statement: PersonalBudgetStatement | None
        # The approver's authority under the scheme of delegation (role, route, limit), the scheme's
        # version, the plan's variance, and for a cut the figure before it and the reassessment.
        authority: DelegatedAuthority | None = None
        delegation_scheme_version: str | None = None
        variance: PlanVariance | None = None
        previous_approved_pence: int | None = None
        reassessment_completed_at: datetime | None = None

        def apply(self, case: Recording) -> None:
            person = case.state.people[self.person_id]
            approved = self.outcome in APPROVING_OUTCOMES
            person.plan_status = {
                SignOffOutcome.APPROVED: PlanStatus.APPROVED,
                SignOffOutcome.APPROVED_WITH_CHANGES: PlanStatus.APPROVED,
                SignOffOutcome.DEFERRED: PlanStatus.DEFERRED,
                SignOffOutcome.DECLINED: PlanStatus.DECLINED,
            }[self.outcome]
            if approved:
                person.sign_off = SignOff(
                    route=self.route,
                    outcome=self.outcome,
                    approved_pence=self.approved_pence,
                    reasons=self.reasons,
                    decided_at=self.timestamp,
                )
                person.statement = self.statement
                person.last_approved_pence = self.approved_pence
                person.last_signed_off_at = self.timestamp

    def draft_support_plan(
        self, ctx: CommandContext, *, person_id: str, plan: SupportPlan, spending_rules: SpendingRules
    ) -> None:
        case_must_be_open(self.state)
        assessments_must_be_complete_before_planning(self.state)
        person = person_must_exist(self.state, person_id)
        needs_must_be_eligible_or_met_at_discretion(person)
        budget_must_be_calculated(person)
        plan_must_not_already_be_drafted(person)
        council_must_not_fund_what_the_nhs_meets(person, plan)
        plan_must_keep_spending_rules(plan, person, spending_rules)
        aligned_plans_must_be_on_the_case(self.state, person, plan)
        fast_track_needs_its_conditions(self.state, person, plan)
        self._record(
            ctx,
            self.SupportPlanDrafted,
            person_id=person_id,
            plan=plan,
            plan_version=1,
            annual_cost_pence=plan.annual_cost_pence,
        )

    def revise_support_plan(
        self, ctx: CommandContext, *, person_id: str, plan: SupportPlan, reason: str, spending_rules: SpendingRules
    ) -> None:
        case_must_be_open(self.state)
        assessments_must_be_complete_before_planning(self.state)
        person = person_must_exist(self.state, person_id)
        plan_must_exist(person)
        approved_plan_is_revised_only_after_a_review(self.state, person)
        council_must_not_fund_what_the_nhs_meets(person, plan)
        plan_must_keep_spending_rules(plan, person, spending_rules)
        aligned_plans_must_be_on_the_case(self.state, person, plan)
        fast_track_needs_its_conditions(self.state, person, plan)
        reassessed_at = reduction_needs_reassessment_and_the_gate(person, plan.annual_cost_pence)
        self._record_revision(ctx, person, plan, reason, reassessed_at)

    def _record_revision(
        self, ctx: CommandContext, person: Person, plan: SupportPlan, reason: str, reassessed_at: datetime | None
    ) -> None:
        justified = None
        if reassessed_at is not None and person.last_approved_pence is not None:
            justified = (
                f"the budget signed off at {format_pounds(person.last_approved_pence)} a year is cut to "
                f"{format_pounds(plan.annual_cost_pence)} after the reassessment completed on "
                f"{reassessed_at.date().isoformat()}, with eligibility and the budget worked out again"
            )
        self._record(
            ctx,
            self.SupportPlanRevised,
            person_id=person.person_id,
            plan=plan,
            plan_version=person.plan_version + 1,
            annual_cost_pence=plan.annual_cost_pence,
            reason=reason,
            previous_approved_pence=person.last_approved_pence,
            reassessment_completed_at=reassessed_at,
            reduction_justified_by=justified,
        )

    def submit_support_plan(
        self,
        ctx: CommandContext,
        *,
        person_id: str,
        variance_reason: str | None = None,
        variance_tolerance_basis_points: int = 0,
    ) -> None:
        case_must_be_open(self.state)
        assessments_must_be_complete_before_planning(self.state)
        person = person_must_exist(self.state, person_id)
        plan_must_exist(person)
        plan_must_be_a_draft(person)
        adult_budget_must_reflect_carers_recorded_support(self.state, person)
        capped_budget_needs_reasoned_override(person)
        financial_assessment_must_be_complete(person)
        replacement_care_must_be_in_both_plans(self.state, person)
        independent_advocate_must_be_involved(person, AdvocacyStage.PLANNING)
        assert person.plan is not None
        fast_track_needs_its_conditions(self.state, person, person.plan)
        budget = current_budget_pence(person)
        variance = plan_variance(
            budget_pence=budget,
            plan_cost_pence=person.plan.annual_cost_pence,
            tolerance_basis_points=variance_tolerance_basis_points,
            reason=variance_reason,
        )
        variance_outside_tolerance_needs_a_reason(variance)
        self._record(
            ctx,
            self.SupportPlanSubmitted,
            person_id=person_id,
            plan_version=person.plan_version,
            annual_cost_pence=person.plan.annual_cost_pence,
            budget_pence=budget,
            variance=variance,
        )

    def record_sign_off_decision(
        self,
        ctx: CommandContext,
        *,
        person_id: str,
        route: SignOffRoute,
        outcome: SignOffOutcome,
        approved_pence: int | None,
        reasons: str,
        panel_threshold_pence: int,
        scheme: SchemeOfDelegation | None = None,
        changed_plan: SupportPlan | None = None,
        spending_rules: SpendingRules | None = None,
    ) -> None:
        """The approver decides within the scheme of delegation: the plan's cost and the amount
        approved are each within the route's limit. An approval with changes carries the changed
        plan, recorded as a revision just before the decision, and approves what it costs."""
        case_must_be_open(self.state)
        assessments_must_be_complete_before_planning(self.state)
        person = person_must_exist(self.state, person_id)
        plan_must_be_submitted(person)
        adult_budget_must_reflect_carers_recorded_support(self.state, person)
        sign_off_needs_the_authority_of_its_route(ctx.actor, route)
        assert person.plan is not None and person.budget is not None
        changes_must_change_the_plan(outcome, changed_plan, person.plan)
        plan = changed_plan or person.plan
        if changed_plan is not None:
            plan_must_keep_spending_rules(changed_plan, person, spending_rules or SpendingRules())
            aligned_plans_must_be_on_the_case(self.state, person, changed_plan)
        if outcome in APPROVING_OUTCOMES:
            # A plan drafted before the NHS decided is not approved once the NHS funds the care.
            council_must_not_fund_what_the_nhs_meets(person, plan)
        cost = plan.annual_cost_pence
        panel_must_decide_above_threshold(cost, panel_threshold_pence, route)
        only_an_approval_states_an_amount(outcome, approved_pence)
        approval_approves_the_plans_cost(outcome, approved_pence, cost)
        if approved_pence is None and outcome in APPROVING_OUTCOMES:
            approved_pence = cost  # a plain approval approves what the plan costs
        authority: DelegatedAuthority | None = None
        if scheme is not None:
            authority = decision_must_be_within_delegation(
                scheme, route, max(cost, approved_pence or 0), what="a plan approved", field="approved_pence"
            )
        reassessed_at = None
        if outcome in APPROVING_OUTCOMES:
            reassessed_at = reduction_needs_reassessment_and_the_gate(person, cost)
        previous = person.last_approved_pence
        if changed_plan is not None:
            self._record_revision(ctx, person, changed_plan, f"changed at sign-off: {reasons}", reassessed_at)
        statement = budget_statement_for(person, approved_pence) if approved_pence is not None else None
        variance = plan_variance(
            budget_pence=current_budget_pence(person),
            plan_cost_pence=cost,
            tolerance_basis_points=person.variance.tolerance_basis_points if person.variance else 0,
            reason=person.variance.reason if person.variance else None,
        )
        self._record(
            ctx,
            self.SignOffDecisionRecorded,
            person_id=person_id,
            plan_version=person.plan_version,
            route=route,
            outcome=outcome,
            approved_pence=approved_pence or 0,
            reasons=reasons,
            panel_threshold_pence=panel_threshold_pence,
            plan_annual_cost_pence=cost,
            rule_set_id=person.budget.rule_set_id,
            rule_set_hash=person.budget.rule_set_hash,
            indicative_pence=person.budget.indicative_pence,
            statement=statement,
            authority=authority,
            delegation_scheme_version=None if scheme is None else scheme.version,
            variance=variance,
            previous_approved_pence=previous,
            reassessment_completed_at=reassessed_at,
        )
        if outcome in APPROVING_OUTCOMES:
            # The full plan takes over from any support put in place before it.
            today = (ctx.effective_at or self._now(ctx)).date()
            for interim in [i for i in person.interim_support.values() if i.active]:
                self._record(
                    ctx,
                    InterimSteps.InterimSupportEnded,
                    person_id=person_id,
                    interim_id=interim.interim_id,
                    ended_on=today,
                    reason=REPLACED_BY_THE_PLAN,
                )
