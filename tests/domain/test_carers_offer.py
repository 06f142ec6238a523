"""A1: the appearance of need triggers a carer's assessment offer; a decline is recorded; a later
request reopens it. A carer under 18 is referred to children's services instead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.application import CaseRecord
from tests.builders import ADULT, Scenario
from tests.clock import SteppingClock
from tests.domain.story import given, last, refused, stage, state, when

YOUNG = "young-1"
YOUNG_BORN = "2010-06-01"  # 15 on the test clock's first day, 5 January 2026


def test_identifying_a_carer_records_the_carer_and_the_offer_of_an_assessment_in_one_command(record: CaseRecord):
    s = Scenario()
    given(record, s.referral(), s.screen())

    identify = s.identify_carer()
    assert when(record, identify) == ["CarerIdentified", "CarerAssessmentOffered"]

    offered = last(record, s.case_id, "CarerAssessmentOffered")
    assert (offered.carer_id, offered.told_of_right, offered.command_id) == ("carer-1", True, identify.command_id)
    carer = state(record, s.case_id).people["carer-1"]
    assert (carer.kind, carer.young_carer, carer.assessment.value) == ("carer", False, "offered")


def test_a_carers_decline_is_recorded_and_finishes_their_part_of_the_gate(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_gate())
    assert stage(record, s.case_id) == "assessment"

    assert when(record, s.decline(reason="managing fine for now")) == ["CarerAssessmentDeclined"]

    assert last(record, s.case_id, "CarerAssessmentDeclined").reason == "managing fine for now"
    assert state(record, s.case_id).people["carer-1"].assessment.value == "declined"
    assert stage(record, s.case_id) == "eligibility"


def test_a_later_request_reopens_a_declined_assessment_and_closes_the_planning_gate_again(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_gate(), s.decline(), s.eligibility(), s.budget(), s.finances())
    assert stage(record, s.case_id) == "support_planning"

    assert when(record, s.request_carer_assessment(reason="caring has got harder")) == ["CarerAssessmentRequested"]

    carer = state(record, s.case_id).people["carer-1"]
    assert (carer.assessment.value, carer.assessment_requests) == ("requested", 1)
    assert stage(record, s.case_id) == "assessment"
    error = refused(record, s.draft(), "assessments_outstanding")
    assert error.details["outstanding"] == [{"person_id": "carer-1", "kind": "carer", "assessment": "requested"}]
    # The request is itself the way back in: the assessment starts without a fresh offer.
    assert when(record, s.start_carer()) == ["CarerAssessmentStarted"]


@pytest.mark.parametrize("status", ["offered", "accepted"])
def test_a_request_without_a_prior_decline_is_refused(record: CaseRecord, status: str):
    s = Scenario()
    given(record, s.up_to_gate())
    if status == "accepted":
        given(record, s.accept())

    refused(record, s.request_carer_assessment(), "carer_assessment_not_declined")


def test_a_carer_under_18_is_referred_to_childrens_services_and_not_offered_an_adult_carers_assessment(
    record: CaseRecord,
):
    s = Scenario()
    given(record, s.referral(), s.screen())

    assert when(
        record, s.identify_carer(YOUNG, name="Sam Oduya", date_of_birth=YOUNG_BORN, relationship_to_adult="grandson")
    ) == [
        "CarerIdentified",
        "YoungCarerReferredToChildrensServices",
    ]

    referral = last(record, s.case_id, "YoungCarerReferredToChildrensServices")
    assert (referral.carer_id, referral.age) == (YOUNG, 15)
    young = state(record, s.case_id).people[YOUNG]
    assert (young.young_carer, young.assessment.value) == (True, "not_started")


def test_a_carer_whose_18th_birthday_is_the_day_they_are_identified_is_offered_an_adult_carers_assessment(
    record: CaseRecord,
    clock: SteppingClock,
):
    s = Scenario()
    given(record, s.referral(), s.screen())

    # Recorded later the same day: a fact takes effect no later than it is recorded.
    on_the_day = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
    clock.now = on_the_day + timedelta(hours=6)
    assert when(record, s.identify_carer(date_of_birth="2008-03-14", effective_at=on_the_day)) == [
        "CarerIdentified",
        "CarerAssessmentOffered",
    ]
    assert when(record, s.identify_carer("carer-2", date_of_birth="2008-03-15", effective_at=on_the_day)) == [
        "CarerIdentified",
        "YoungCarerReferredToChildrensServices",
    ]


def test_a_young_carer_does_not_hold_the_adults_planning_gate(record: CaseRecord):
    s = Scenario()
    given(
        record,
        s.referral(),
        s.screen(),
        s.identify_carer(YOUNG, date_of_birth=YOUNG_BORN),
        s.start_adult(),
        s.complete_adult(),
    )
    assert stage(record, s.case_id) == "eligibility"

    given(record, s.eligibility(), s.budget(), s.finances())
    assert when(record, s.draft()) == ["SupportPlanDrafted"]
    assert state(record, s.case_id).people[YOUNG].assessment.value == "not_started"


ADULT_CARER_COMMANDS = {
    "accept": lambda s: s.accept(YOUNG),
    "decline": lambda s: s.decline(YOUNG),
    "request": lambda s: s.request_carer_assessment(YOUNG),
    "start": lambda s: s.start_carer(YOUNG),
    "complete": lambda s: s.complete_carer(YOUNG),
    "carer eligibility": lambda s: s.eligibility(YOUNG),
    "combined consent": lambda s: s.consent(YOUNG),
    "combined adult assessment": lambda s: s.start_adult(method="combined", combined_with_carer_id=YOUNG),
}


@pytest.mark.parametrize("command", ADULT_CARER_COMMANDS)
def test_adult_carer_commands_on_a_young_carer_are_refused(record: CaseRecord, command: str):
    s = Scenario()
    given(record, s.referral(), s.screen(), s.identify_carer(YOUNG, date_of_birth=YOUNG_BORN), s.consent(ADULT))

    error = refused(record, ADULT_CARER_COMMANDS[command](s), "young_carer_referred_to_childrens_services")
    assert YOUNG in error.message
