"""Prevention, discretion and advocacy (issue 19, item 6).

Advice given is an event and a fitting outcome for ineligibility and closure (s.13(5) asks for it
in writing); needs that are not eligible can be met at the council's discretion (s.19(1)) and then
go through planning and sign-off like any plan; an independent advocate is judged needed per
stage (s.67) and that stage's step waits for one."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.application import CaseRecord
from domain.case.prevention import meets_the_written_advice_duty
from domain.case.work import work_items
from domain.commands import GiveInformationAndAdvice
from domain.vocabulary import AdviceFormat, AdviceTopic, AdvocacyStage
from tests.builders import ADULT, Scenario
from tests.domain.story import adult_only_signed_off, given, last, refused, state, when
from tests.domain.test_eligibility_on_the_case import ONE_OUTCOME_ONLY


def not_eligible(s: Scenario) -> list:
    """The adult assessed and found not eligible; the only carer declined."""
    return [
        s.referral(),
        s.screen(),
        s.identify_carer(),
        s.decline(),
        s.start_adult(),
        s.complete_adult(findings=ONE_OUTCOME_ONLY),
        s.eligibility(),
    ]


# Information and advice -------------------------------------------------------------------------


def test_an_ineligible_adult_receives_recorded_written_advice_and_the_case_closes_with_that_outcome(
    record: CaseRecord,
):
    s = Scenario()
    given(record, not_eligible(s))

    error = refused(record, s.close(reason="information_and_advice_only"), "written_advice_not_given")
    assert error.details == {"people": [ADULT]}

    assert when(record, s.advice(format="easy_read")) == ["InformationAndAdviceGiven"]
    advice = last(record, s.case_id, "InformationAndAdviceGiven")
    assert (advice.given_by, advice.format, advice.meets_the_written_advice_duty) == (
        "sw-ayesha",
        AdviceFormat.EASY_READ,
        True,
    )
    assert [t.value for t in advice.topics] == ["meeting_or_reducing_needs", "prevention"]

    assert when(record, s.close(reason="information_and_advice_only"))[-1] == "CaseClosed"
    assert state(record, s.case_id).closure_reason == "information_and_advice_only"


def test_verbal_advice_or_advice_without_prevention_does_not_meet_the_written_advice_duty(record: CaseRecord):
    s = Scenario()
    given(record, not_eligible(s), s.advice(format="verbal"), s.advice(topics=["housing", "benefits_and_money"]))

    assert [a.meets_the_written_advice_duty for a in state(record, s.case_id).adult.advice_given] == [False, False]
    refused(record, s.close(reason="no_longer_eligible"), "written_advice_not_given")
    # Other endings do not wait on it: the person died, or moved away.
    assert when(record, s.close(reason="moved_away"))[-1] == "CaseClosed"


@pytest.mark.parametrize(
    ("topics", "format", "meets"),
    [
        (["prevention", "meeting_or_reducing_needs"], "written", True),
        (["prevention", "meeting_or_reducing_needs", "housing"], "verbal_and_written", True),
        (["prevention", "meeting_or_reducing_needs"], "verbal", False),
        (["prevention"], "written", False),
        (["meeting_or_reducing_needs"], "easy_read", False),
    ],
)
def test_the_written_advice_duty_needs_writing_and_both_kinds_of_advice(topics: list[str], format: str, meets: bool):
    assert meets_the_written_advice_duty([AdviceTopic(t) for t in topics], AdviceFormat(format)) is meets


def test_advice_names_at_least_one_topic_and_a_known_format():
    s = Scenario()
    with pytest.raises(ValidationError) as no_topic:
        GiveInformationAndAdvice.model_validate(s.advice().model_dump() | {"topics": []})
    assert no_topic.value.errors()[0]["loc"] == ("topics",)
    with pytest.raises(ValidationError) as bad_format:
        GiveInformationAndAdvice.model_validate(s.advice().model_dump() | {"format": "telepathy"})
    assert bad_format.value.errors()[0]["loc"] == ("format",)


# Discretion ------------------------------------------------------------------------------------


def test_needs_that_are_not_eligible_met_at_discretion_go_through_planning_and_sign_off(record: CaseRecord):
    s = Scenario()
    given(record, not_eligible(s))
    refused(record, s.budget(), "not_eligible")

    assert when(record, s.discretion()) == ["NeedsToBeMetAtDiscretion"]
    decided = state(record, s.case_id).adult.met_at_discretion
    assert decided is not None and decided.decided_by == "tm-morgan"

    given(record, s.budget(), s.finances(), s.draft(), s.submit())
    assert when(record, s.sign_off()) == ["SignOffDecisionRecorded"]
    assert state(record, s.case_id).adult.plan_status == "approved"
    # A case whose needs are met at discretion needs no s.13(5) advice before it closes.
    assert when(record, s.close(reason="no_longer_eligible"))[-1] == "CaseClosed"


def test_discretion_is_only_for_needs_that_are_not_eligible_and_is_decided_once(record: CaseRecord):
    eligible = Scenario()
    given(record, adult_only_signed_off(eligible))
    refused(record, eligible.discretion(), "needs_already_eligible")

    s = Scenario()
    given(record, not_eligible(s)[:-1])
    refused(record, s.discretion(), "eligibility_not_determined")
    given(record, s.eligibility(), s.discretion())
    refused(record, s.discretion(), "already_met_at_discretion")


# Independent advocacy ----------------------------------------------------------------------------


def test_an_assessment_waits_for_the_advocate_a_person_needs(record: CaseRecord):
    s = Scenario()
    given(record, s.referral(), s.screen(), s.identify_carer(), s.decline(), s.start_adult())

    assert when(record, s.advocacy()) == ["AdvocacyNeedJudged"]
    judged = state(record, s.case_id).adult.advocacy[AdvocacyStage.ASSESSMENT]
    assert (judged.advocate_needed, judged.judged_by) == (True, "sw-ayesha")

    error = refused(record, s.complete_adult(), "independent_advocate_needed")
    assert error.details == {"stage": "assessment"}

    assert when(record, s.advocate()) == ["AdvocateInvolved"]
    assert when(record, s.complete_adult()) == ["NeedsAssessmentCompleted"]


def test_no_advocate_is_needed_where_an_appropriate_individual_can_support_or_there_is_no_difficulty(
    record: CaseRecord,
):
    s = Scenario()
    given(
        record,
        s.referral(),
        s.screen(),
        s.identify_carer(),
        s.decline(),
        s.start_adult(),
        s.advocacy(appropriate_individual="carer-1"),
    )
    assert state(record, s.case_id).adult.advocacy[AdvocacyStage.ASSESSMENT].advocate_needed is False
    assert when(record, s.complete_adult()) == ["NeedsAssessmentCompleted"]

    other = Scenario()
    given(record, other.referral(), other.screen(), other.start_adult())
    when(record, other.advocacy(substantial_difficulty=False, appropriate_individual="carer-1"))
    judged = state(record, other.case_id).adult.advocacy[AdvocacyStage.ASSESSMENT]
    assert (judged.advocate_needed, judged.appropriate_individual) == (False, None)


def test_plan_submission_and_review_wait_for_their_own_stages_advocate(record: CaseRecord):
    s = Scenario()
    steps = adult_only_signed_off(s)
    given(record, steps[:-2], s.advocacy(stage="planning"))
    refused(record, s.submit(), "independent_advocate_needed")
    given(record, s.advocate(stage="planning"), s.submit(), s.sign_off(), s.schedule_review())

    given(record, s.advocacy(stage="review"))
    refused(record, s.complete_review(), "independent_advocate_needed")
    given(record, s.advocate(stage="review"))
    assert "ReviewCompleted" in when(record, s.complete_review())


def test_the_worklist_asks_for_the_written_advice_and_the_advocate_until_they_are_recorded(record: CaseRecord):
    s = Scenario()
    given(record, not_eligible(s))
    kinds = [(i.kind, i.person_id, i.ref) for i in work_items(state(record, s.case_id))]
    assert ("written_advice", ADULT, None) in kinds

    given(record, s.advice(), s.advocacy(stage="review"))
    kinds = [(i.kind, i.person_id, i.ref) for i in work_items(state(record, s.case_id))]
    assert ("written_advice", ADULT, None) not in kinds
    assert ("arrange_advocate", ADULT, "review") in kinds

    given(record, s.advocate(stage="review"))
    assert "arrange_advocate" not in [i.kind for i in work_items(state(record, s.case_id))]
