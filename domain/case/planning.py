"""Support planning and sign-off (steps 9-10; rules G1, P1, P3, D1 spending rules).

Every planning command passes the gate first: no plan is drafted, revised, submitted or signed off
for anyone while the adult's or any carer's assessment is outstanding. A carer identified late
closes the gate again: drafts stay as they are and sign-off waits.
"""

from __future__ import annotations

from domain.budget_statement import PersonalBudgetStatement
from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.decisions import budget_statement_for, current_budget_pence
from domain.case.rules import (
    APPROVING_OUTCOMES,
    adult_budget_must_reflect_carers_recorded_support,
    approved_plan_is_revised_only_after_a_review,
    assessments_must_be_complete_before_planning,
    budget_must_be_calculated,
    capped_budget_needs_reasoned_override,
    case_must_be_open,
    financial_assessment_must_be_complete,
    must_be_eligible,
    only_an_approval_states_an_amount,
    panel_must_decide_above_threshold,
    person_must_exist,
    plan_must_be_a_draft,
    plan_must_be_submitted,
    plan_must_exist,
    plan_must_keep_spending_rules,
    plan_must_not_already_be_drafted,
    sign_off_needs_the_authority_of_its_route,
)
from domain.case.state import PlanStatus, SignOff
from domain.planning import SpendingRules, SupportPlan
from domain.vocabulary import SignOffOutcome, SignOffRoute


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
        """A support plan was revised, with the reason."""

        person_id: str
        plan: SupportPlan
        plan_version: int
        annual_cost_pence: int
        reason: str

        def apply(self, case: Recording) -> None:
            person = case.state.people[self.person_id]
            person.plan = self.plan
            person.plan_version = self.plan_version
            person.plan_status = PlanStatus.DRAFT
            person.sign_off = None
            case.state.budget_management[self.person_id] = self.plan.management

    class SupportPlanSubmitted(CaseEvent):
        """A support plan was submitted for sign-off."""

        person_id: str
        plan_version: int
        annual_cost_pence: int
        budget_pence: int

        def apply(self, case: Recording) -> None:
            case.state.people[self.person_id].plan_status = PlanStatus.SUBMITTED

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

    def draft_support_plan(
        self, ctx: CommandContext, *, person_id: str, plan: SupportPlan, spending_rules: SpendingRules
    ) -> None:
        case_must_be_open(self.state)
        assessments_must_be_complete_before_planning(self.state)
        person = person_must_exist(self.state, person_id)
        must_be_eligible(person)
        budget_must_be_calculated(person)
        plan_must_not_already_be_drafted(person)
        plan_must_keep_spending_rules(plan, person, spending_rules)
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
        plan_must_keep_spending_rules(plan, person, spending_rules)
        self._record(
            ctx,
            self.SupportPlanRevised,
            person_id=person_id,
            plan=plan,
            plan_version=person.plan_version + 1,
            annual_cost_pence=plan.annual_cost_pence,
            reason=reason,
        )

    def submit_support_plan(self, ctx: CommandContext, *, person_id: str) -> None:
        case_must_be_open(self.state)
        assessments_must_be_complete_before_planning(self.state)
        person = person_must_exist(self.state, person_id)
        plan_must_exist(person)
        plan_must_be_a_draft(person)
        adult_budget_must_reflect_carers_recorded_support(self.state, person)
        capped_budget_needs_reasoned_override(person)
        financial_assessment_must_be_complete(person)
        assert person.plan is not None
        self._record(
            ctx,
            self.SupportPlanSubmitted,
            person_id=person_id,
            plan_version=person.plan_version,
            annual_cost_pence=person.plan.annual_cost_pence,
            budget_pence=current_budget_pence(person),
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
    ) -> None:
        case_must_be_open(self.state)
        assessments_must_be_complete_before_planning(self.state)
        person = person_must_exist(self.state, person_id)
        plan_must_be_submitted(person)
        adult_budget_must_reflect_carers_recorded_support(self.state, person)
        sign_off_needs_the_authority_of_its_route(ctx.actor, route)
        assert person.plan is not None and person.budget is not None
        cost = person.plan.annual_cost_pence
        panel_must_decide_above_threshold(cost, panel_threshold_pence, route)
        only_an_approval_states_an_amount(outcome, approved_pence)
        if approved_pence is None and outcome in APPROVING_OUTCOMES:
            approved_pence = cost  # a plain approval approves what the plan costs
        statement = budget_statement_for(person, approved_pence) if approved_pence is not None else None
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
        )
