"""Decisions on a person's needs and money: eligibility, the RAS figure, the financial assessment,
and challenges to the amount (steps 6-8 and 10; rules E1, E2, P1, P2, P3, X1).

Every decision is computed in the command from what the record already holds, and the event
carries the whole result — inputs, rule set, figures and plain-English reasons — so an auditor can
re-run it and get the same answer.
"""

from __future__ import annotations

from domain.budget_statement import PersonalBudgetStatement, carer_budget_statement, personal_budget_statement
from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.rules import (
    adult_carer_rules_exclude_young_carers,
    approver_must_hold_delegated_authority,
    assessment_must_be_completed,
    assessments_must_be_complete_before_planning,
    budget_must_be_calculated,
    budget_must_exceed_cap_to_override,
    budget_must_not_already_be_challenged,
    cap_override_needs_funding_authority,
    carers_are_not_charged,
    case_must_be_open,
    challenge_id_must_be_new,
    challenge_must_be_open,
    decision_must_be_within_delegation,
    needs_must_be_eligible_or_met_at_discretion,
    only_an_upheld_challenge_revises_the_amount,
    person_must_exist,
    recorded_carer_support,
)
from domain.case.state import Challenge, Person
from domain.delegation import DelegatedAuthority, SchemeOfDelegation
from domain.eligibility import EligibilityDetermination, determine_adult_eligibility, determine_carer_eligibility
from domain.ras import BudgetCalculation, RuleSet, calculate_adult_budget, calculate_carer_budget
from domain.vocabulary import ChallengeOutcome


def current_budget_pence(person: Person) -> int:
    """The figure that now stands for this person: approved, else revised on challenge, else the
    reasoned cap override, else the indicative figure. The indicative figure already includes any
    carer-break re-inflation line (it is the carer-neutral figure plus every adjustment), so the
    carer-break amount is not added a second time."""
    if person.sign_off is not None:
        return person.sign_off.approved_pence
    # A reassessment supersedes decisions built on the old assessment, a challenge's revision included.
    since = person.assessment_completed_at
    revised = [
        c.revised_pence
        for c in person.challenges
        if c.resolved and c.revised_pence is not None and (since is None or c.raised_at > since)
    ]
    if revised:
        return revised[-1]
    if person.cap_override_pence is not None:
        return person.cap_override_pence
    if person.budget is None:
        return 0
    return person.budget.indicative_pence


def budget_statement_for(person: Person, cost_pence: int) -> PersonalBudgetStatement:
    if person.kind == "carer":
        return carer_budget_statement(cost_pence=cost_pence)
    return personal_budget_statement(
        cost_pence=cost_pence, assessed_contribution_pence=person.assessed_contribution_pence or 0
    )


class DecisionSteps(Recording):
    class EligibilityDetermined(CaseEvent):
        """Eligibility of the adult (reg 2) or a carer (reg 3) was determined, with written reasons."""

        person_id: str
        determination: EligibilityDetermination
        practitioner_notes: str
        personal_fields = ("practitioner_notes",)

        def apply(self, case: Recording) -> None:
            person = case.state.people[self.person_id]
            person.eligibility = self.determination
            person.budget = None
            person.cap_override_pence = None

    class IndicativeBudgetCalculated(CaseEvent):
        """The RAS worked out an indicative budget, with rule set, inputs, points, adjustments and explanation."""

        person_id: str
        calculation: BudgetCalculation

        def apply(self, case: Recording) -> None:
            person = case.state.people[self.person_id]
            person.budget = self.calculation
            person.cap_override_pence = None

    class BudgetCapOverridden(CaseEvent):
        """A capped budget was overridden with reasons so eligible needs are met (CSSG 10.27)."""

        person_id: str
        cap_pence: int
        indicative_pence: int
        approved_pence: int
        reasons: str

        def apply(self, case: Recording) -> None:
            case.state.people[self.person_id].cap_override_pence = self.approved_pence

    class FinancialAssessmentCompleted(CaseEvent):
        """The means test was completed and the s.26 personal budget statement worked out."""

        person_id: str
        assessed_contribution_pence: int
        statement: PersonalBudgetStatement
        notes: str
        personal_fields = ("notes",)

        def apply(self, case: Recording) -> None:
            person = case.state.people[self.person_id]
            person.assessed_contribution_pence = self.assessed_contribution_pence
            person.statement = self.statement

    class BudgetChallenged(CaseEvent):
        """The person challenged the amount of their budget."""

        person_id: str
        challenge_id: str
        grounds: str
        personal_fields = ("grounds",)
        amount_challenged_pence: int

        def apply(self, case: Recording) -> None:
            case.state.people[self.person_id].challenges.append(
                Challenge(challenge_id=self.challenge_id, grounds=self.grounds, raised_at=self.timestamp)
            )

    class ChallengeResolved(CaseEvent):
        """A challenge to the amount was resolved with reasons, perhaps revising it."""

        person_id: str
        challenge_id: str
        outcome: ChallengeOutcome
        revised_pence: int | None
        reasons: str
        statement: PersonalBudgetStatement | None
        # A revision approves a new figure: the resolver's authority under the scheme of delegation,
        # the scheme's version, and the figure that stood before.
        authority: DelegatedAuthority | None = None
        delegation_scheme_version: str | None = None
        previous_pence: int | None = None

        def apply(self, case: Recording) -> None:
            person = case.state.people[self.person_id]
            for challenge in person.challenges:
                if challenge.challenge_id == self.challenge_id:
                    challenge.resolved = True
                    challenge.outcome = self.outcome.value
                    challenge.revised_pence = self.revised_pence
                    challenge.reasons = self.reasons
            if self.revised_pence is not None and person.sign_off is not None:
                person.sign_off.approved_pence = self.revised_pence
                person.last_approved_pence = self.revised_pence
            if self.statement is not None:
                person.statement = self.statement

    def determine_eligibility(self, ctx: CommandContext, *, person_id: str, practitioner_notes: str) -> None:
        case_must_be_open(self.state)
        person = person_must_exist(self.state, person_id)
        if person.kind == "carer":
            # Checked first: a young carer's assessment never completes, so the later check could not say why.
            adult_carer_rules_exclude_young_carers(person)
        assessment_must_be_completed(person)
        if person.kind == "adult":
            assert person.adult_findings is not None
            # E1 is carer-blind: determine_adult_eligibility reads the findings as if no carer helped.
            determination = determine_adult_eligibility(person.adult_findings)
        else:
            assert person.carer_findings is not None
            determination = determine_carer_eligibility(person.carer_findings)
        self._record(
            ctx,
            self.EligibilityDetermined,
            person_id=person_id,
            determination=determination,
            practitioner_notes=practitioner_notes,
        )

    def calculate_indicative_budget(self, ctx: CommandContext, *, person_id: str, rule_set: RuleSet) -> None:
        case_must_be_open(self.state)
        person = person_must_exist(self.state, person_id)
        if person.kind == "carer":
            adult_carer_rules_exclude_young_carers(person)
        needs_must_be_eligible_or_met_at_discretion(person)
        if person.kind == "adult":
            # The carer-neutral adjustment comes only from carers' recorded assessments, so every
            # carer's assessment must be finished before the adult's figure can be worked out.
            assessments_must_be_complete_before_planning(self.state)
            support = recorded_carer_support(self.state)
            calculation = calculate_adult_budget(
                rule_set, person_id=person_id, answers=person.ras_answers, carer_support=support
            )
        else:
            assert person.wellbeing_impact is not None
            calculation = calculate_carer_budget(
                rule_set, person_id=person_id, impact=person.wellbeing_impact, answers=person.ras_answers
            )
        self._record(ctx, self.IndicativeBudgetCalculated, person_id=person_id, calculation=calculation)

    def override_budget_cap(self, ctx: CommandContext, *, person_id: str, approved_pence: int, reasons: str) -> None:
        """P2: never silently capped: the override states the figure and why it meets eligible needs."""
        case_must_be_open(self.state)
        cap_override_needs_funding_authority(ctx.actor)
        person = person_must_exist(self.state, person_id)
        budget_must_exceed_cap_to_override(person)
        assert person.budget is not None and person.budget.cap_pence is not None
        self._record(
            ctx,
            self.BudgetCapOverridden,
            person_id=person_id,
            cap_pence=person.budget.cap_pence,
            indicative_pence=person.budget.indicative_pence,
            approved_pence=approved_pence,
            reasons=reasons,
        )

    def complete_financial_assessment(
        self,
        ctx: CommandContext,
        *,
        person_id: str,
        assessed_contribution_pence: int,
        notes: str,
        carers_charged_for_own_support: bool = False,
    ) -> None:
        """The adult's means test; a carer's of the carer's own budget only where the council charges
        carers for their own support (the care given to the adult is in the adult's budget, never the
        carer's)."""
        case_must_be_open(self.state)
        person = person_must_exist(self.state, person_id)
        carers_are_not_charged(person, carers_charged_for_own_support)
        budget_must_be_calculated(person)
        statement = personal_budget_statement(
            cost_pence=current_budget_pence(person), assessed_contribution_pence=assessed_contribution_pence
        )
        self._record(
            ctx,
            self.FinancialAssessmentCompleted,
            person_id=person_id,
            assessed_contribution_pence=assessed_contribution_pence,
            statement=statement,
            notes=notes,
        )

    def challenge_budget(self, ctx: CommandContext, *, person_id: str, challenge_id: str, grounds: str) -> None:
        case_must_be_open(self.state)
        person = person_must_exist(self.state, person_id)
        budget_must_be_calculated(person)
        budget_must_not_already_be_challenged(person)
        challenge_id_must_be_new(person, challenge_id)
        self._record(
            ctx,
            self.BudgetChallenged,
            person_id=person_id,
            challenge_id=challenge_id,
            grounds=grounds,
            amount_challenged_pence=current_budget_pence(person),
        )

    def resolve_challenge(
        self,
        ctx: CommandContext,
        *,
        person_id: str,
        challenge_id: str,
        outcome: ChallengeOutcome,
        revised_pence: int | None,
        reasons: str,
        scheme: SchemeOfDelegation | None = None,
    ) -> None:
        """X1: the challenge is resolved with reasons; an upheld one may revise the amount, within
        the resolver's delegated limit (the revised figure is an amount approved)."""
        case_must_be_open(self.state)
        person = person_must_exist(self.state, person_id)
        challenge_must_be_open(person, challenge_id)
        only_an_upheld_challenge_revises_the_amount(outcome, revised_pence)
        authority: DelegatedAuthority | None = None
        if scheme is not None and revised_pence is not None:
            route = approver_must_hold_delegated_authority(scheme, ctx.actor).route
            authority = decision_must_be_within_delegation(
                scheme, route, revised_pence, what="a budget revised on challenge", field="revised_pence"
            )
        statement = budget_statement_for(person, revised_pence) if revised_pence is not None else None
        self._record(
            ctx,
            self.ChallengeResolved,
            person_id=person_id,
            challenge_id=challenge_id,
            outcome=outcome,
            revised_pence=revised_pence,
            reasons=reasons,
            statement=statement,
            authority=authority,
            delegation_scheme_version=None if scheme is None else scheme.version,
            previous_pence=current_budget_pence(person),
        )
