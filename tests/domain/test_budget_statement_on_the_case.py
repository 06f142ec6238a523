"""P1: the personal budget statement (s.26) has its three amounts and they add up: the council pays
the cost less the adult's contribution, never a negative amount. Carers are not charged."""

from __future__ import annotations

import pytest

from domain.application import CaseRecord
from domain.commands import CouncilSettings
from tests.builders import ADULT, Scenario
from tests.domain.story import CARER_BUDGET_PENCE, budget_for, carer_plan, given, last, refused, state, when

INDICATIVE_PENCE = 880_000  # 44 points x £250.00, less 25% for a willing and able carer, plus a fifth back for breaks
ADULT_PLAN_PENCE = 1_196_000  # 10 hours a week x £23.00 x 52 weeks


def assessed_and_budgeted(s: Scenario):
    return [
        s.up_to_gate(),
        s.carers_assessed(),
        s.eligibility(),
        s.eligibility("carer-1"),
        s.budget(),
        s.budget("carer-1"),
    ]


def test_the_financial_assessment_states_cost_contribution_and_council_amount_that_add_up(record: CaseRecord):
    s = Scenario()
    given(record, assessed_and_budgeted(s))

    assert when(record, s.finances(assessed_contribution_pence=150_000)) == ["FinancialAssessmentCompleted"]

    event = last(record, s.case_id, "FinancialAssessmentCompleted")
    statement = event.statement
    assert budget_for(record, s.case_id, ADULT).calculation.indicative_pence == INDICATIVE_PENCE
    # The cost is the indicative figure itself: its carer-break line is already inside it.
    assert (statement.cost_pence, statement.adult_contribution_pence, statement.council_amount_pence) == (
        INDICATIVE_PENCE,
        150_000,
        INDICATIVE_PENCE - 150_000,
    )
    assert statement.adult_contribution_pence + statement.council_amount_pence == statement.cost_pence
    assert "£8,800.00" in statement.explanation and "£7,300.00" in statement.explanation
    assert state(record, s.case_id).adult.statement == statement


def test_a_contribution_assessed_above_the_cost_is_limited_to_the_cost(record: CaseRecord):
    s = Scenario()
    given(record, assessed_and_budgeted(s))

    when(record, s.finances(assessed_contribution_pence=1_000_000))

    event = last(record, s.case_id, "FinancialAssessmentCompleted")
    assert event.assessed_contribution_pence == 1_000_000  # what the means test found is kept as found
    assert (
        event.statement.cost_pence,
        event.statement.adult_contribution_pence,
        event.statement.council_amount_pence,
    ) == (INDICATIVE_PENCE, INDICATIVE_PENCE, 0)
    assert "never pays more than the cost" in event.statement.explanation


def test_an_adult_assessed_to_pay_nothing_has_the_whole_cost_met_by_the_council(record: CaseRecord):
    s = Scenario()
    given(record, assessed_and_budgeted(s))

    when(record, s.finances(assessed_contribution_pence=0))

    statement = last(record, s.case_id, "FinancialAssessmentCompleted").statement
    assert (statement.adult_contribution_pence, statement.council_amount_pence) == (0, INDICATIVE_PENCE)


def test_a_carer_is_not_financially_assessed(record: CaseRecord):
    s = Scenario()
    given(record, assessed_and_budgeted(s))

    error = refused(record, s.finances("carer-1", assessed_contribution_pence=10_000), "carers_not_charged")

    assert error.field == "person_id"


class TestACouncilThatChargesCarersForTheirOwnSupport:
    @pytest.fixture
    def council(self) -> CouncilSettings:
        return CouncilSettings(carers_charged_for_own_support=True)

    def test_the_carers_own_budget_is_financially_assessed(self, record: CaseRecord):
        s = Scenario()
        given(record, assessed_and_budgeted(s))

        assert when(record, s.finances("carer-1", assessed_contribution_pence=10_000)) == [
            "FinancialAssessmentCompleted"
        ]

        statement = last(record, s.case_id, "FinancialAssessmentCompleted").statement
        # The carer's own support, not the care the carer gives the adult (that is in the adult's budget).
        assert (statement.cost_pence, statement.adult_contribution_pence) == (CARER_BUDGET_PENCE, 10_000)
        assert state(record, s.case_id).adult.statement is None  # the adult's means test is still to do


def test_the_financial_assessment_waits_for_an_indicative_budget(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_gate(), s.decline(), s.eligibility())

    refused(record, s.finances(), "budget_not_calculated")


def test_the_adults_plan_is_not_submitted_before_the_financial_assessment_but_the_carers_is(record: CaseRecord):
    s = Scenario()
    given(record, assessed_and_budgeted(s), s.draft(), s.draft("carer-1", plan=carer_plan()))

    refused(record, s.submit(), "financial_assessment_outstanding")
    assert when(record, s.submit("carer-1")) == ["SupportPlanSubmitted"]


def test_the_sign_off_restates_the_adults_budget_for_the_approved_amount(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_planning(), s.draft(), s.submit())

    when(record, s.sign_off())

    decision = last(record, s.case_id, "SignOffDecisionRecorded")
    assert decision.approved_pence == ADULT_PLAN_PENCE
    assert (
        decision.statement.cost_pence,
        decision.statement.adult_contribution_pence,
        decision.statement.council_amount_pence,
    ) == (ADULT_PLAN_PENCE, 150_000, ADULT_PLAN_PENCE - 150_000)
    assert state(record, s.case_id).adult.statement == decision.statement


def test_the_carers_sign_off_statement_charges_the_carer_nothing(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_planning(), s.draft("carer-1", plan=carer_plan()), s.submit("carer-1"))

    when(record, s.sign_off("carer-1"))

    statement = last(record, s.case_id, "SignOffDecisionRecorded").statement
    assert (statement.cost_pence, statement.adult_contribution_pence, statement.council_amount_pence) == (
        CARER_BUDGET_PENCE,
        0,
        CARER_BUDGET_PENCE,
    )
    assert "Carers are not charged" in statement.explanation
