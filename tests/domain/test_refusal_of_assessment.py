"""A2: an adult's refusal of assessment ends the duty to assess them, except where they lack
capacity and it is in their best interests, or they are at risk of abuse or neglect (s.11(2)); the
duty returns when they later ask or circumstances change. The carer's process continues regardless."""

from __future__ import annotations

import pytest

from domain.application import CaseRecord
from tests.builders import ADULT, Scenario
from tests.domain.story import CARER_BUDGET_PENCE, carer_plan, given, last, refused, stage, state, when

EXCEPTIONS = ["lacks_capacity_best_interests", "at_risk_of_abuse_or_neglect"]


def test_a_refusal_without_an_exception_ends_the_duty_to_assess_the_adult(record: CaseRecord):
    s = Scenario()
    given(record, s.referral(), s.screen(), s.identify_carer())

    assert when(record, s.refuse_adult(reason="does not want the council involved")) == ["NeedsAssessmentRefused"]

    refusal = last(record, s.case_id, "NeedsAssessmentRefused")
    assert (refusal.duty_ends, refusal.exceptions) == (True, [])
    assert state(record, s.case_id).adult.assessment.value == "refused"
    # Only the carer now holds the gate: the adult's part is finished.
    error = refused(record, s.draft("carer-1"), "assessments_outstanding")
    assert error.details["outstanding"] == [{"person_id": "carer-1", "kind": "carer", "assessment": "offered"}]


def test_the_carers_assessment_eligibility_and_plan_go_ahead_while_the_adult_has_refused(record: CaseRecord):
    s = Scenario()
    given(record, s.referral(), s.screen(), s.identify_carer(), s.refuse_adult())

    for command, recorded in [
        (s.accept(), ["CarerAssessmentAccepted"]),
        (s.start_carer(), ["CarerAssessmentStarted"]),
        (s.complete_carer(), ["CarerAssessmentCompleted"]),
        (s.eligibility("carer-1"), ["EligibilityDetermined"]),
        (s.budget("carer-1"), ["IndicativeBudgetCalculated"]),
        (s.draft("carer-1", plan=carer_plan()), ["SupportPlanDrafted"]),
        (s.submit("carer-1"), ["SupportPlanSubmitted"]),
        (s.sign_off("carer-1"), ["SignOffDecisionRecorded"]),
    ]:
        assert when(record, command) == recorded

    assert last(record, s.case_id, "SignOffDecisionRecorded").approved_pence == CARER_BUDGET_PENCE
    case = state(record, s.case_id)
    assert (case.adult.assessment.value, case.people["carer-1"].plan_status.value) == ("refused", "approved")
    assert stage(record, s.case_id) == "payment_setup"
    # Nothing is decided for the adult who refused.
    refused(record, s.eligibility(ADULT), "assessment_not_completed")


@pytest.mark.parametrize("exception", EXCEPTIONS)
def test_a_refusal_does_not_end_the_duty_when_an_exception_of_section_11_applies(record: CaseRecord, exception: str):
    s = Scenario()
    given(record, s.referral(), s.screen(), s.identify_carer(), s.decline())

    assert when(record, s.refuse_adult(exceptions=[exception])) == ["NeedsAssessmentRefused"]

    refusal = last(record, s.case_id, "NeedsAssessmentRefused")
    assert (refusal.duty_ends, refusal.exceptions) == (False, [exception])
    error = refused(record, s.draft(), "assessments_outstanding")
    assert error.details["outstanding"] == [{"person_id": ADULT, "kind": "adult", "assessment": "not_started"}]
    assert stage(record, s.case_id) == "assessment"
    # The duty stands, so the assessment goes ahead; there is nothing to "reopen".
    refused(record, s.request_adult(), "assessment_not_refused")
    assert when(record, s.start_adult()) == ["NeedsAssessmentStarted"]


def test_both_exceptions_are_recorded_once_each_in_the_order_of_the_act(record: CaseRecord):
    s = Scenario()
    given(record, s.referral(), s.screen())

    when(record, s.refuse_adult(exceptions=list(reversed(EXCEPTIONS)) + [EXCEPTIONS[0]]))

    assert last(record, s.case_id, "NeedsAssessmentRefused").exceptions == EXCEPTIONS
    assert state(record, s.case_id).adult.refusal_exceptions == EXCEPTIONS


@pytest.mark.parametrize("reason", ["adult_asked", "circumstances_changed"])
def test_an_adult_who_refused_and_later_asks_is_assessed_again_and_the_gate_closes_meanwhile(
    record: CaseRecord, reason: str
):
    s = Scenario()
    given(
        record,
        s.referral(),
        s.screen(),
        s.identify_carer(),
        s.refuse_adult(),
        s.carers_assessed(),
        s.eligibility("carer-1"),
        s.budget("carer-1"),
        s.draft("carer-1", plan=carer_plan()),
    )

    assert when(record, s.request_adult(reason=reason)) == ["NeedsAssessmentRequested"]

    assert last(record, s.case_id, "NeedsAssessmentRequested").reason == reason
    adult = state(record, s.case_id).adult
    assert (adult.assessment.value, adult.assessment_requests) == ("requested", 1)
    error = refused(record, s.submit("carer-1"), "assessments_outstanding")
    assert error.details["outstanding"] == [{"person_id": ADULT, "kind": "adult", "assessment": "requested"}]

    given(record, s.start_adult(), s.complete_adult())
    assert when(record, s.submit("carer-1")) == ["SupportPlanSubmitted"]


def test_a_refusal_after_the_assessment_is_completed_is_refused(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_gate())

    refused(record, s.refuse_adult(), "assessment_already_finished")


def test_a_second_refusal_is_refused_once_the_duty_has_ended(record: CaseRecord):
    s = Scenario()
    given(record, s.referral(), s.screen(), s.refuse_adult())

    refused(record, s.refuse_adult(reason="still does not want it"), "assessment_already_finished")
