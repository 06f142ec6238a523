"""What a careless or hostile client sent, refused at the door: each with the field and the rule
named, and nothing appended to the record (so nothing downstream can choke on it later).

Each of these was accepted before the bounds were put in the types (domain.values, domain.money)
and in the case record's clock checks (``CaseCommand.admit``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from api.backend import Backend
from tests.builders import ADULT, Scenario, plan_for
from tests.reliability.driving import FOUR_WEEKLY, Caller, body_of, to_sign_off

pytestmark = pytest.mark.api


@pytest.fixture
def caller(http: httpx.AsyncClient, tokens: tuple[Any, dict[str, str]], backend: Backend) -> Caller:
    return Caller(http, tokens[1], backend)


def today() -> date:
    return datetime.now(UTC).date()


async def signed_off(caller: Caller) -> Scenario:
    story = Scenario()
    await to_sign_off(caller, story)
    return story


def agreement_body(story: Scenario, **changes: Any) -> dict[str, Any]:
    body = body_of(story.agreement(start_date=today().isoformat(), amount_per_payment_pence=FOUR_WEEKLY))
    return {**body, **changes}


# Money ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [2**63, 10**30, 10_000_000_001])
async def test_an_amount_beyond_what_any_store_holds_is_refused_naming_the_field(caller: Caller, amount: int):
    story = await signed_off(caller)
    problem = await caller.refused(
        story.agreement(),
        agreement_body(story, amount_per_payment_pence=amount),
        status=422,
        field="amount_per_payment_pence",
        rule="less_than_equal",
    )
    assert problem["code"] == "invalid_input"


async def test_an_amount_above_the_councils_maximum_is_refused_with_both_figures(caller: Caller):
    story = await signed_off(caller)
    problem = await caller.refused(
        story.agreement(),
        agreement_body(story, amount_per_payment_pence=100_000_001),
        status=422,
        code="amount_above_council_maximum",
        field="amount_per_payment_pence",
    )
    assert problem["details"] == {"amount_pence": 100_000_001, "maximum_pence": 100_000_000}


async def test_an_amount_deep_inside_a_plan_is_held_to_the_council_maximum_too(caller: Caller):
    story = Scenario()
    await caller.do(*story.up_to_planning(carers=("carer-1",)))
    plan = plan_for(ADULT, weekly_hours=7)
    plan["lines"][0]["unit_cost_pence"] = 500_000_000
    await caller.refused(
        story.draft(),
        {"person_id": ADULT, "plan": plan},
        status=422,
        code="amount_above_council_maximum",
        field="plan.lines.0.unit_cost_pence",
    )


async def test_funding_shares_of_a_jointly_funded_line_that_do_not_make_its_cost_are_refused_naming_the_field(
    caller: Caller,
):
    story = Scenario()
    await caller.do(*story.up_to_planning(carers=("carer-1",)))
    plan = plan_for(ADULT, weekly_hours=7)  # 7 hours at £23.00: £161.00 a week
    plan["lines"][0]["funding"] = [
        {"funder": "council", "pence_per_period": 8_050},
        {"funder": "nhs", "pence_per_period": 8_000},
    ]
    problem = await caller.refused(
        story.draft(), {"person_id": ADULT, "plan": plan}, status=422, field="plan.lines.0.funding"
    )
    assert "must sum to the line's cost" in problem["detail"]


async def test_an_agreement_must_pay_what_was_signed_off(caller: Caller):
    """9,200,000 pence weekly was once accepted against a plan of 92,000 four-weekly."""
    story = await signed_off(caller)
    problem = await caller.refused(
        story.agreement(),
        agreement_body(story, amount_per_payment_pence=9_200_000, frequency="weekly"),
        status=409,
        code="agreement_does_not_match_signed_off_plan",
        field="amount_per_payment_pence",
    )
    assert problem["details"]["agreed_pence"] == 9_200_000 and problem["details"]["agreed_frequency"] == "weekly"
    assert problem["details"]["signed_off_pence"] == FOUR_WEEKLY
    assert problem["details"]["signed_off_frequency"] == "four_weekly"
    assert "£92,000.00" in problem["message"] and "£644.00" in problem["message"]


async def test_the_same_yearly_total_at_another_frequency_needs_the_councils_tolerance(caller: Caller):
    """£644 four-weekly is £8,372 a year; £161 weekly is the same £8,372: same total, another rhythm.
    With no tolerance the yearly totals must agree exactly, and they do."""
    story = await signed_off(caller)
    weekly = FOUR_WEEKLY // 4
    result = await caller.do(
        story.agreement(start_date=today().isoformat(), amount_per_payment_pence=weekly, frequency="weekly")
    )
    assert result["events"][0]["type"] == "DirectPaymentAgreementMade"
    other = await signed_off(caller)
    await caller.refused(
        other.agreement(),
        agreement_body(other, amount_per_payment_pence=weekly + 1, frequency="weekly"),
        status=409,
        code="agreement_does_not_match_signed_off_plan",
    )


# Dates ----------------------------------------------------------------------------------------


async def test_a_far_future_start_is_refused_before_it_can_wedge_the_workflow(caller: Caller, backend: Backend):
    """9999-12-31 was recorded; adding the 182-day review overflowed and every later command failed."""
    story = await signed_off(caller)
    await caller.refused(
        story.agreement(),
        agreement_body(story, start_date="9999-12-31"),
        status=422,
        field="start_date",
        rule="date_out_of_range",
    )
    two_years = (today() + timedelta(days=731)).isoformat()
    await caller.refused(
        story.agreement(),
        agreement_body(story, start_date=two_years),
        status=422,
        code="agreement_start_out_of_window",
        field="start_date",
    )
    # The case still answers: the next command goes through.
    await caller.do(story.agreement(start_date=today().isoformat(), amount_per_payment_pence=FOUR_WEEKLY))


@pytest.mark.parametrize(
    ("born", "rule_or_code"),
    [
        ("0001-01-01", "date_out_of_range"),
        ("1899-12-31", "date_out_of_range"),
        ("9999-12-31", "date_out_of_range"),
    ],
)
async def test_an_impossible_date_of_birth_is_refused(caller: Caller, born: str, rule_or_code: str):
    story = Scenario()
    body = {**body_of(story.referral()), "adult_date_of_birth": born}
    await caller.refused(story.referral(), body, status=422, field="adult_date_of_birth", rule=rule_or_code)


async def test_a_date_of_birth_in_the_future_is_refused(caller: Caller):
    story = Scenario()
    tomorrow = (today() + timedelta(days=1)).isoformat()
    await caller.refused(
        story.referral(),
        {**body_of(story.referral()), "adult_date_of_birth": tomorrow},
        status=422,
        code="date_in_the_future",
        field="adult_date_of_birth",
    )
    await caller.do(story.referral(), story.screen())
    await caller.refused(
        story.identify_carer(),
        {**body_of(story.identify_carer()), "date_of_birth": tomorrow},
        status=422,
        code="date_in_the_future",
        field="date_of_birth",
    )


async def test_effective_at_in_the_future_or_before_the_case_is_refused(caller: Caller):
    story = Scenario()
    await caller.do(story.referral())
    screen = body_of(story.screen())
    await caller.refused(
        story.screen(),
        {**screen, "effective_at": "9999-12-31T00:00:00Z"},
        status=422,
        field="effective_at",
        rule="date_out_of_range",
    )
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    await caller.refused(
        story.screen(),
        {**screen, "effective_at": tomorrow},
        status=422,
        code="effective_at_in_the_future",
        field="effective_at",
    )
    await caller.refused(
        story.screen(),
        {**screen, "effective_at": "2001-01-01T00:00:00Z"},
        status=422,
        code="effective_at_before_case_began",
        field="effective_at",
    )
    await caller.refused(
        story.screen(),
        {**screen, "effective_at": "2026-01-01T00:00:00"},
        status=422,
        field="effective_at",
        rule="timezone_aware",
    )


async def test_no_review_is_scheduled_before_there_is_a_plan_to_review(caller: Caller):
    story = Scenario()
    await caller.do(*story.up_to_gate(carers=("carer-1",)))
    await caller.refused(
        story.schedule_review(),
        {**body_of(story.schedule_review()), "kind": "planned_annual"},
        status=409,
        code="review_needs_a_plan",
        field="person_ids",
    )


# Text -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("blank", ["   ", "\n\t  \r\n", "\u00a0\u2003"])
async def test_blank_text_is_not_a_reason_for_a_cap_override(caller: Caller, blank: str):
    story = Scenario()
    await caller.do(*story.up_to_gate(carers=()), story.eligibility(), story.budget())
    await caller.refused(
        story.override_cap(),
        {**body_of(story.override_cap()), "reasons": blank},
        status=422,
        field="reasons",
        rule="blank_text",
    )


async def test_blank_text_is_not_a_recorded_necessity_for_paying_a_household_relative(caller: Caller):
    story = Scenario()
    await caller.do(*story.up_to_planning(carers=("carer-1",)))
    plan = plan_for(ADULT, weekly_hours=7)
    plan["lines"][0].update(provider="close_relative_same_household", necessity_reason="   ")
    await caller.refused(
        story.draft(),
        {"person_id": ADULT, "plan": plan},
        status=422,
        field="plan.lines.0.necessity_reason",
        rule="blank_text",
    )


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b"])
async def test_control_characters_are_refused(caller: Caller, character: str):
    story = Scenario()
    body = {**body_of(story.referral()), "reason": f"discharge{character}after a fall"}
    await caller.refused(story.referral(), body, status=422, field="reason", rule="control_character")


async def test_a_name_is_one_line(caller: Caller):
    story = Scenario()
    body = {**body_of(story.referral()), "adult_name": "Margaret\nOduya"}
    await caller.refused(story.referral(), body, status=422, field="adult_name", rule="line_break")


async def test_text_is_kept_as_sent_but_trimmed(caller: Caller, backend: Backend):
    story = Scenario()
    body = {**body_of(story.referral()), "reason": "  discharge after a fall  \n"}
    response = await caller.post(story.referral(), body)
    assert response.status_code == 201, response.text
    assert backend.record.get_case(caller.case_id(story)).state.referral_reason == "discharge after a fall"


# Sizes ----------------------------------------------------------------------------------------


async def test_a_long_string_is_refused_naming_its_limit(caller: Caller):
    story = Scenario()
    await caller.refused(
        story.referral(),
        {**body_of(story.referral()), "reason": "x" * 600_000},
        status=422,
        field="reason",
        rule="string_too_long",
    )


@pytest.mark.parametrize("size", [1_500_000, 10_000_000])
async def test_a_body_over_the_limit_is_refused_with_413_before_it_is_parsed(caller: Caller, size: int):
    story = Scenario()
    problem = await caller.refused(
        story.referral(), {**body_of(story.referral()), "reason": "x" * size}, status=413, code="body_too_large"
    )
    assert problem["status"] == 413 and problem["details"]["max_body_bytes"] == 1_048_576


async def test_twenty_thousand_plan_lines_never_reach_the_workflow(caller: Caller):
    story = Scenario()
    await caller.do(*story.up_to_planning(carers=("carer-1",)))
    plan = plan_for(ADULT, weekly_hours=7)
    plan["lines"] = plan["lines"] * 20_000
    await caller.refused(story.draft(), {"person_id": ADULT, "plan": plan}, status=413, code="body_too_large")
    plan["lines"] = plan["lines"][:201]
    await caller.refused(
        story.draft(), {"person_id": ADULT, "plan": plan}, status=422, field="plan.lines", rule="too_long"
    )


async def test_a_chunked_body_without_a_length_is_held_to_the_limit_too(caller: Caller):
    async def chunks():
        yield b'{"reason": "'
        for _ in range(40):
            yield b"x" * 65_536
        yield b'"}'

    before = caller.events_in_store()
    response = await caller.http.post(
        "/cases", content=chunks(), headers={**caller.key("social_worker"), "Content-Type": "application/json"}
    )
    assert response.status_code == 413 and response.json()["code"] == "body_too_large"
    assert caller.events_in_store() == before
