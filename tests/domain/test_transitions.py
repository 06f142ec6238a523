"""A young carer's transition to adult carer rules (issue 19, item 5; Care Act 2014 s.63-64).

Identified at 17, a young carer is referred to children's services and does not hold the adult's
gate; a transition assessment can be carried out before 18; at 18 the adult carer rules apply on
the same case, with no new referral, and their carer's assessment is offered and accepted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.application import CaseRecord
from domain.case.stage import current_stage
from tests.builders import Scenario
from tests.clock import SteppingClock
from tests.domain.story import given, last, refused, state, when

YOUNG = "young-1"
BORN = "2008-06-01"  # 17 on the test clock's first day, 5 January 2026; 18 on 1 June 2026


def identified_at_17(s: Scenario) -> list:
    return [s.referral(), s.screen(), s.identify_carer(YOUNG, name="Sam Oduya", date_of_birth=BORN)]


def test_a_young_carer_identified_at_17_is_assessed_for_transition_and_at_18_accepts_a_carers_assessment(
    record: CaseRecord, clock: SteppingClock
):
    s = Scenario()
    given(record, identified_at_17(s))
    refused(record, s.accept(YOUNG), "young_carer_referred_to_childrens_services")

    assert when(record, s.start_transition(YOUNG)) == ["TransitionAssessmentStarted"]
    assert when(record, s.complete_transition(YOUNG)) == ["TransitionAssessmentCompleted"]
    young = state(record, s.case_id).people[YOUNG]
    assert young.transition_assessment is not None and young.transition_assessment.findings is not None
    assert young.transition_assessment.started_on.isoformat() == "2026-01-05"

    error = refused(record, s.adult_carer_rules(YOUNG), "carer_not_yet_eighteen")
    assert error.details == {"eighteen_on": "2026-06-01"}

    clock.now = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    assert when(record, s.adult_carer_rules(YOUNG)) == ["AdultCarerRulesApplied", "CarerAssessmentOffered"]
    assert last(record, s.case_id, "CarerAssessmentOffered").told_of_right is True

    assert when(record, s.accept(YOUNG)) == ["CarerAssessmentAccepted"]
    carer = state(record, s.case_id).people[YOUNG]
    assert (carer.young_carer, carer.adult_carer_rules_from.isoformat(), carer.assessment.value) == (
        False,
        "2026-06-01",
        "accepted",
    )
    assert when(record, s.start_carer(YOUNG)) == ["CarerAssessmentStarted"]


def test_once_adult_carer_rules_apply_the_carer_counts_at_the_planning_gate(record: CaseRecord, clock: SteppingClock):
    s = Scenario()
    given(record, identified_at_17(s), s.start_adult(), s.complete_adult())
    assert current_stage(state(record, s.case_id)).value == "eligibility"  # the young carer does not hold it

    clock.now = datetime(2026, 6, 2, 9, 0, tzinfo=UTC)
    given(record, s.adult_carer_rules(YOUNG))
    assert current_stage(state(record, s.case_id)).value == "assessment"  # the carer's answer is awaited
    given(record, s.decline(YOUNG))
    assert current_stage(state(record, s.case_id)).value == "eligibility"


def test_transition_steps_are_for_young_carers_once_each(record: CaseRecord, clock: SteppingClock):
    s = Scenario()
    given(record, s.referral(), s.screen(), s.identify_carer())
    refused(record, s.start_transition(), "not_a_young_carer")
    refused(record, s.adult_carer_rules(), "not_a_young_carer")

    given(record, s.identify_carer(YOUNG, date_of_birth=BORN))
    refused(record, s.complete_transition(YOUNG), "transition_assessment_not_started")
    given(record, s.start_transition(YOUNG))
    refused(record, s.start_transition(YOUNG), "transition_assessment_already_started")
    given(record, s.complete_transition(YOUNG))
    refused(record, s.complete_transition(YOUNG), "transition_assessment_already_completed")

    clock.now += timedelta(days=366)
    given(record, s.adult_carer_rules(YOUNG))
    refused(record, s.adult_carer_rules(YOUNG), "not_a_young_carer")


def test_a_young_carer_born_on_29_february_reaches_18_on_1_march(record: CaseRecord, clock: SteppingClock):
    s = Scenario()
    given(record, s.referral(), s.screen(), s.identify_carer(YOUNG, date_of_birth="2008-02-29"))
    clock.now = datetime(2026, 2, 28, 12, 0, tzinfo=UTC)
    assert refused(record, s.adult_carer_rules(YOUNG), "carer_not_yet_eighteen").details == {
        "eighteen_on": "2026-03-01"
    }
    clock.now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert when(record, s.adult_carer_rules(YOUNG))[0] == "AdultCarerRulesApplied"
