"""E1/E2: eligibility is determined on the case with written reasons (s.13); the adult's is
carer-blind; a person who is not eligible gets written advice, not a plan."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.application import CaseRecord
from tests.builders import ADULT, ADULT_FINDINGS, CARER_FINDINGS, Scenario
from tests.domain.story import carer_plan, given, last, refused, stage, state, when

ONE_OUTCOME_ONLY = {
    "needs_arise_from_impairment_or_illness": True,
    "unable_to_achieve": {"nutrition": ["needs_assistance"]},
    "significant_impact_on_wellbeing": True,
}
TWO_OUTCOMES = {
    "needs_arise_from_impairment_or_illness": True,
    "unable_to_achieve": {"nutrition": ["needs_assistance"], "personal_hygiene": ["takes_significantly_longer"]},
    "significant_impact_on_wellbeing": True,
}
CARER_COPING = {
    "needs_arise_from_providing_necessary_care": True,
    "health_deteriorating_or_at_risk": False,
    "unable_to_achieve": {},
    "significant_impact_on_wellbeing": False,
}


def test_the_adults_eligibility_is_recorded_with_its_three_conditions_and_written_reasons(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_gate())

    assert when(record, s.eligibility(practitioner_notes="discussed with Margaret and her son")) == [
        "EligibilityDetermined"
    ]

    event = last(record, s.case_id, "EligibilityDetermined")
    decided = event.determination
    assert (event.person_id, event.practitioner_notes) == (ADULT, "discussed with Margaret and her son")
    assert (decided.person_kind, decided.eligible, decided.prevention_advice_required) == ("adult", True, False)
    assert decided.regulation.endswith("regulation 2")
    assert [(c.name, c.met) for c in decided.conditions] == [
        ("needs_arise_from_impairment_or_illness", True),
        ("unable_to_achieve_two_or_more_outcomes", True),
        ("significant_impact_on_wellbeing", True),
    ]
    assert decided.outcomes_unable_to_achieve == ["nutrition", "personal_hygiene", "toilet_needs", "using_home_safely"]
    assert "unable to achieve 4 of the 10 specified outcomes" in decided.reasons
    assert "as if no carer were helping" in decided.reasons


def test_the_carers_eligibility_is_recorded_under_regulation_3(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_gate(), s.carers_assessed())

    assert when(record, s.eligibility("carer-1")) == ["EligibilityDetermined"]

    decided = last(record, s.case_id, "EligibilityDetermined").determination
    assert (decided.person_kind, decided.eligible) == ("carer", True)
    assert decided.regulation.endswith("regulation 3")
    assert decided.outcomes_unable_to_achieve == ["recreation", "relationships"]
    assert [c.met for c in decided.conditions] == [True, True, True]


def test_the_adult_is_eligible_even_though_the_carer_helps_with_every_outcome_they_cannot_achieve(
    record: CaseRecord,
):
    s = Scenario()
    findings = {**TWO_OUTCOMES, "carer_currently_helps_with": ["nutrition", "personal_hygiene"]}
    given(
        record,
        s.referral(),
        s.screen(),
        s.identify_carer(),
        s.decline(),
        s.start_adult(),
        s.complete_adult(findings=findings),
    )

    when(record, s.eligibility())

    decided = last(record, s.case_id, "EligibilityDetermined").determination
    assert decided.eligible is True
    assert decided.outcomes_unable_to_achieve == ["nutrition", "personal_hygiene"]


def test_reassessing_the_adult_with_different_carer_help_gives_the_same_determination(record: CaseRecord):
    s = Scenario()
    given(
        record,
        s.referral(),
        s.screen(),
        s.identify_carer(),
        s.decline(),
        s.start_adult(),
        s.complete_adult(findings={**ADULT_FINDINGS, "carer_currently_helps_with": []}),
        s.eligibility(),
    )
    without_carer = last(record, s.case_id, "EligibilityDetermined").determination

    helped_with_everything = ["nutrition", "personal_hygiene", "toilet_needs", "using_home_safely"]
    given(
        record,
        s.request_adult(reason="review_reduction"),
        s.start_adult(),
        s.complete_adult(findings={**ADULT_FINDINGS, "carer_currently_helps_with": helped_with_everything}),
    )
    when(record, s.eligibility())

    with_carer = last(record, s.case_id, "EligibilityDetermined").determination
    assert with_carer.model_dump() == without_carer.model_dump()
    assert len([e for e in record.stored_events(s.case_id) if type(e).__name__ == "EligibilityDetermined"]) == 2


def test_an_adult_unable_to_achieve_only_one_outcome_is_not_eligible_and_gets_advice_not_a_plan(record: CaseRecord):
    s = Scenario()
    given(
        record,
        s.referral(),
        s.screen(),
        s.identify_carer(),
        s.decline(),
        s.start_adult(),
        s.complete_adult(findings=ONE_OUTCOME_ONLY),
    )

    when(record, s.eligibility())

    decided = last(record, s.case_id, "EligibilityDetermined").determination
    assert (decided.eligible, decided.prevention_advice_required) == (False, True)
    assert [c.met for c in decided.conditions] == [True, False, True]
    assert "do not meet the eligibility criteria" in decided.reasons
    assert "section 13(5)" in decided.reasons
    assert stage(record, s.case_id) == "eligibility"
    refused(record, s.budget(), "not_eligible")
    refused(record, s.draft(), "not_eligible")


def test_a_carer_coping_without_risk_or_impact_is_not_eligible_and_gets_no_budget(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_gate(), s.accept(), s.start_carer(), s.complete_carer(findings=CARER_COPING))

    when(record, s.eligibility("carer-1"))

    decided = last(record, s.case_id, "EligibilityDetermined").determination
    assert (decided.eligible, decided.prevention_advice_required) == (False, True)
    assert [c.met for c in decided.conditions] == [True, False, False]
    refused(record, s.budget("carer-1"), "not_eligible")


def test_a_carer_is_supported_in_their_own_right_when_the_adult_is_not_eligible(record: CaseRecord):
    s = Scenario()
    given(
        record,
        s.referral(),
        s.screen(),
        s.identify_carer(),
        s.start_adult(),
        s.complete_adult(findings=ONE_OUTCOME_ONLY),
        s.carers_assessed(),
        s.eligibility(),
        s.eligibility("carer-1"),
        s.budget("carer-1"),
    )

    assert when(record, s.draft("carer-1", plan=carer_plan())) == ["SupportPlanDrafted"]
    assert when(record, s.submit("carer-1")) == ["SupportPlanSubmitted"]


def test_eligibility_waits_for_the_assessment_to_be_completed(record: CaseRecord):
    s = Scenario()
    given(record, s.referral(), s.screen(), s.identify_carer(), s.start_adult())

    refused(record, s.eligibility(), "assessment_not_completed")
    refused(record, s.eligibility("carer-1"), "assessment_not_completed")


def test_a_carer_cannot_rely_on_the_takes_significantly_longer_limb(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_gate(), s.accept(), s.start_carer())
    longer = {**CARER_FINDINGS, "unable_to_achieve": {"recreation": ["takes_significantly_longer"]}}

    with pytest.raises(ValidationError) as caught:
        s.complete_carer(findings=longer)

    assert caught.value.errors()[0]["loc"][:3] == ("findings", "unable_to_achieve", "recreation")
    assert "regulation 3(3)" in str(caught.value)
    assert state(record, s.case_id).people["carer-1"].assessment.value == "in_progress"
