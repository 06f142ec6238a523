"""Bad input is refused with the field named, and nothing reaches the store: malformed values at
the command's own boundary (pydantic), unknown people and records by the case (NotFound)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from domain import commands as c
from domain.application import CaseRecord
from domain.errors import InvalidInput, NotFound
from tests.builders import ADULT, ADULT_ANSWERS, CARER_ANSWERS, Scenario, plan_for
from tests.domain.story import adult_only_signed_off, given, refused, when

MALFORMED: dict[str, tuple[Callable[[Scenario], Any], tuple]] = {
    "negative contribution": (lambda s: s.finances(assessed_contribution_pence=-1), ("assessed_contribution_pence",)),
    "fractional pence": (lambda s: s.finances(assessed_contribution_pence=12.5), ("assessed_contribution_pence",)),
    "whole pounds as a float": (
        lambda s: s.finances(assessed_contribution_pence=1500.0),
        ("assessed_contribution_pence",),
    ),
    "pence as text": (lambda s: s.finances(assessed_contribution_pence="150000"), ("assessed_contribution_pence",)),
    "pence as a boolean": (lambda s: s.override_cap(approved_pence=True), ("approved_pence",)),
    "negative approved amount": (lambda s: s.sign_off(approved_pence=-100), ("approved_pence",)),
    "payment of nothing": (lambda s: s.schedule_payment(1, amount_pence=0), ("amount_pence",)),
    "negative unit cost in a plan line": (
        lambda s: s.draft(plan=plan_for(ADULT, unit_cost_pence=-2_300, management="council_managed")),
        ("plan", "lines", 0, "unit_cost_pence"),
    ),
    "sign-off outcome not in the list": (lambda s: s.sign_off(outcome="rubber_stamped"), ("outcome",)),
    "screening outcome not in the list": (lambda s: s.screen(outcome="maybe_later"), ("outcome",)),
    "closure reason not in the list": (lambda s: s.close(reason="bored"), ("reason",)),
    "review outcome not in the list": (lambda s: s.complete_review(outcome="fine"), ("outcome",)),
    "malformed date of birth": (lambda s: s.identify_carer(date_of_birth="1968-13-40"), ("date_of_birth",)),
    "date in words": (lambda s: s.schedule_payment(1, due_on="next tuesday"), ("due_on",)),
    "time without a zone": (lambda s: s.screen(effective_at="2026-01-05T09:00:00"), ("effective_at",)),
    "unknown field": (lambda s: s.finances(discount_pence=5_000), ("discount_pence",)),
    "capacity as text": (lambda s: s.complete_adult(has_capacity="yes"), ("has_capacity",)),
    "empty reasons": (lambda s: s.sign_off(reasons=""), ("reasons",)),
    "identifier with spaces": (lambda s: s.identify_carer("carer one"), ("carer_id",)),
}


@pytest.mark.parametrize("bad", MALFORMED)
def test_a_malformed_command_is_refused_naming_its_field_and_nothing_is_stored(record: CaseRecord, bad: str):
    s = Scenario()
    given(record, adult_only_signed_off(s))
    before = [e.originator_version for e in record.stored_events(s.case_id)]
    build, field = MALFORMED[bad]

    with pytest.raises(ValidationError) as caught:
        build(s)

    assert caught.value.errors()[0]["loc"] == field
    assert len(caught.value.errors()) == 1
    assert [e.originator_version for e in record.stored_events(s.case_id)] == before


def test_a_command_as_json_from_outside_is_held_to_the_same_rules():
    s = Scenario()
    good = s.finances()
    as_json = good.model_dump_json().replace(
        '"assessed_contribution_pence":150000', '"assessed_contribution_pence":12.5'
    )

    with pytest.raises(ValidationError) as caught:
        c.CompleteFinancialAssessment.model_validate_json(as_json)

    assert caught.value.errors()[0]["loc"] == ("assessed_contribution_pence",)


UNKNOWN_CARER = {
    "accept": lambda s: s.accept("carer-9"),
    "decline": lambda s: s.decline("carer-9"),
    "request": lambda s: s.request_carer_assessment("carer-9"),
    "start": lambda s: s.start_carer("carer-9"),
    "complete": lambda s: s.complete_carer("carer-9"),
}


@pytest.mark.parametrize("command", UNKNOWN_CARER)
def test_a_command_about_an_unknown_carer_is_refused_naming_the_carer_field(record: CaseRecord, command: str):
    s = Scenario()
    given(record, s.up_to_gate())

    error = refused(record, UNKNOWN_CARER[command](s), "unknown_carer")

    assert isinstance(error, NotFound)
    assert error.field == "carer_id"


def test_the_adult_is_not_a_carer(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_gate())

    error = refused(record, s.accept(ADULT), "unknown_carer")

    assert error.field == "carer_id"


def test_unknown_people_agreements_and_reviews_are_refused_naming_their_field(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s))

    assert refused(record, s.eligibility("someone-else"), "unknown_person").field == "person_id"
    review_of_stranger = s.schedule_review(person_ids=[ADULT, "someone-else"])
    assert refused(record, review_of_stranger, "unknown_person").field == "person_ids"
    assert refused(record, s.schedule_payment(1, agreement_id="dp-9"), "unknown_agreement").field == "agreement_id"
    assert refused(record, s.complete_review(review_id="rv-404"), "unknown_review").field == "review_id"


def test_a_ras_answer_the_rule_set_does_not_know_is_refused_when_the_assessment_is_recorded(record: CaseRecord):
    s = Scenario()
    given(record, s.referral(), s.screen(), s.start_adult())

    error = refused(
        record, s.complete_adult(ras_answers={**ADULT_ANSWERS, "nutrition": "a_little_help"}), "unknown_ras_answer"
    )

    assert isinstance(error, InvalidInput)
    assert error.field == "ras_answers.nutrition"


def test_a_missing_carer_ras_answer_is_refused_unless_caring_has_no_impact(record: CaseRecord):
    s = Scenario()
    given(record, s.referral(), s.identify_carer(), s.accept(), s.start_carer())
    partial = {k: v for k, v in CARER_ANSWERS.items() if k != "recreation"}

    error = refused(record, s.complete_carer(ras_answers=partial), "missing_ras_answer")
    assert error.field == "ras_answers.recreation"

    assert when(record, s.complete_carer(ras_answers=partial, wellbeing_impact="none")) == ["CarerAssessmentCompleted"]
