"""A3: a combined (joint) assessment of the adult and a carer needs consent recorded for each person."""

from __future__ import annotations

import pytest

from domain.application import CaseRecord
from tests.builders import ADULT, Scenario
from tests.domain.story import given, last, refused, state, when


def combined(s: Scenario):
    return s.start_adult(method="combined", combined_with_carer_id="carer-1")


@pytest.mark.parametrize(
    ("consents", "missing"),
    [
        ([], [ADULT, "carer-1"]),
        ([ADULT], ["carer-1"]),
        (["carer-1"], [ADULT]),
    ],
    ids=["nobody", "adult only", "carer only"],
)
def test_a_combined_assessment_is_refused_until_each_person_has_consented(
    record: CaseRecord, consents: list[str], missing: list[str]
):
    s = Scenario()
    given(record, s.referral(), s.screen(), s.identify_carer(), [s.consent(p) for p in consents])

    error = refused(record, combined(s), "combined_assessment_consent_missing")

    assert error.details == {"missing_consent": missing}
    assert all(person in error.message for person in missing)


def test_each_persons_consent_is_its_own_recorded_fact(record: CaseRecord):
    s = Scenario()
    given(record, s.referral(), s.screen(), s.identify_carer())

    assert when(record, s.consent(ADULT)) == ["CombinedAssessmentConsentRecorded"]
    assert when(record, s.consent("carer-1")) == ["CombinedAssessmentConsentRecorded"]

    assert last(record, s.case_id, "CombinedAssessmentConsentRecorded").person_id == "carer-1"
    people = state(record, s.case_id).people
    assert (people[ADULT].combined_consent, people["carer-1"].combined_consent) == (True, True)


def test_a_combined_assessment_goes_ahead_once_both_consents_are_recorded(record: CaseRecord):
    s = Scenario()
    given(record, s.referral(), s.screen(), s.identify_carer(), s.consent(ADULT), s.consent("carer-1"))

    assert when(record, combined(s)) == ["NeedsAssessmentStarted"]

    started = last(record, s.case_id, "NeedsAssessmentStarted")
    assert (started.method.value, started.combined_with_carer_id) == ("combined", "carer-1")


def test_a_consent_recorded_as_refused_still_blocks_the_combined_assessment(record: CaseRecord):
    s = Scenario()
    given(record, s.referral(), s.screen(), s.identify_carer(), s.consent(ADULT), s.consent("carer-1", consented=False))

    error = refused(record, combined(s), "combined_assessment_consent_missing")

    assert error.details == {"missing_consent": ["carer-1"]}


def test_a_consent_later_withdrawn_blocks_the_combined_assessment_again(record: CaseRecord):
    s = Scenario()
    given(
        record,
        s.referral(),
        s.screen(),
        s.identify_carer(),
        s.consent(ADULT),
        s.consent("carer-1"),
        s.consent(ADULT, consented=False),
    )

    error = refused(record, combined(s), "combined_assessment_consent_missing")

    assert error.details == {"missing_consent": [ADULT]}
    # A separate assessment needs no one's consent to combine.
    assert when(record, s.start_adult(method="face_to_face")) == ["NeedsAssessmentStarted"]


def test_the_carers_side_of_a_combined_assessment_needs_the_same_two_consents(record: CaseRecord):
    s = Scenario()
    given(record, s.referral(), s.screen(), s.identify_carer(), s.accept(), s.consent("carer-1"))

    error = refused(record, s.start_carer(method="combined"), "combined_assessment_consent_missing")
    assert error.details == {"missing_consent": [ADULT]}

    given(record, s.consent(ADULT))
    assert when(record, s.start_carer(method="combined")) == ["CarerAssessmentStarted"]


def test_a_combined_assessment_names_the_carer_it_is_combined_with(record: CaseRecord):
    s = Scenario()
    given(record, s.referral(), s.screen(), s.identify_carer(), s.consent(ADULT), s.consent("carer-1"))

    error = refused(record, s.start_adult(method="combined"), "combined_assessment_needs_carer")
    assert error.field == "combined_with_carer_id"
    error = refused(
        record,
        s.start_adult(method="face_to_face", combined_with_carer_id="carer-1"),
        "carer_named_for_single_assessment",
    )
    assert error.field == "combined_with_carer_id"
