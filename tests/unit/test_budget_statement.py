"""Stories of the personal budget statement (s.26, rule P1): three amounts that always add up."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.budget_statement import PersonalBudgetStatement, carer_budget_statement, personal_budget_statement
from domain.errors import InvalidInput

pytestmark = pytest.mark.unit


class TestAdultStatement:
    def test_the_council_pays_the_cost_less_the_assessed_contribution(self):
        statement = personal_budget_statement(cost_pence=900_000, assessed_contribution_pence=234_567)

        assert statement.cost_pence == 900_000
        assert statement.adult_contribution_pence == 234_567
        assert statement.council_amount_pence == 665_433
        assert statement.explanation == (
            "The cost of meeting the eligible needs is £9,000.00. The financial assessment found the "
            "person should contribute £2,345.67, so the council pays the remaining £6,654.33."
        )

    def test_a_person_never_pays_more_than_the_cost(self):
        statement = personal_budget_statement(cost_pence=300_000, assessed_contribution_pence=500_000)

        assert statement.adult_contribution_pence == 300_000
        assert statement.council_amount_pence == 0
        assert "could contribute £5,000.00" in statement.explanation
        assert "never pays more than the cost" in statement.explanation
        assert "they pay £3,000.00 and the council pays £0.00" in statement.explanation

    def test_a_person_assessed_to_pay_nothing_has_the_whole_cost_met(self):
        statement = personal_budget_statement(cost_pence=1_125_000, assessed_contribution_pence=0)

        assert (statement.adult_contribution_pence, statement.council_amount_pence) == (0, 1_125_000)

    @pytest.mark.parametrize(
        ("cost", "contribution", "code", "field"),
        [
            (900_000.0, 0, "not_whole_pence", "cost_pence"),
            (900_000, 12.5, "not_whole_pence", "assessed_contribution_pence"),
            (True, 0, "not_whole_pence", "cost_pence"),
            ("900000", 0, "not_whole_pence", "cost_pence"),
            (-1, 0, "negative_amount", "cost_pence"),
            (900_000, -100, "negative_amount", "assessed_contribution_pence"),
        ],
    )
    def test_floats_and_negative_amounts_are_refused_by_name(self, cost, contribution, code, field):
        with pytest.raises(InvalidInput) as raised:
            personal_budget_statement(cost_pence=cost, assessed_contribution_pence=contribution)

        assert (raised.value.code, raised.value.field) == (code, field)


class TestCarerStatement:
    def test_a_carer_contributes_nothing(self):
        statement = carer_budget_statement(cost_pence=27_500)

        assert (statement.cost_pence, statement.adult_contribution_pence, statement.council_amount_pence) == (
            27_500,
            0,
            27_500,
        )
        assert "the carer contributes £0.00 and the council pays the full £275.00" in statement.explanation

    @pytest.mark.parametrize(("cost", "code"), [(275.0, "not_whole_pence"), (-27_500, "negative_amount")])
    def test_floats_and_negative_amounts_are_refused_by_name(self, cost, code):
        with pytest.raises(InvalidInput) as raised:
            carer_budget_statement(cost_pence=cost)

        assert (raised.value.code, raised.value.field) == (code, "cost_pence")


def test_a_statement_that_does_not_add_up_cannot_exist():
    with pytest.raises(ValidationError):
        PersonalBudgetStatement(
            cost_pence=100, adult_contribution_pence=30, council_amount_pence=80, explanation="wrong"
        )


def test_a_statement_is_frozen():
    statement = carer_budget_statement(cost_pence=100)

    with pytest.raises(ValidationError):
        statement.council_amount_pence = 0


pence = st.integers(min_value=0, max_value=10**10)


@given(cost=pence, assessed=pence)
def test_the_three_amounts_always_add_up_and_none_is_negative(cost, assessed):
    statement = personal_budget_statement(cost_pence=cost, assessed_contribution_pence=assessed)

    assert statement.council_amount_pence + statement.adult_contribution_pence == statement.cost_pence == cost
    assert statement.council_amount_pence >= 0
    assert statement.adult_contribution_pence == min(cost, assessed)


@given(cost=pence)
def test_a_carers_statement_always_adds_up_with_nothing_to_pay(cost):
    statement = carer_budget_statement(cost_pence=cost)

    assert (statement.adult_contribution_pence, statement.council_amount_pence) == (0, cost)
