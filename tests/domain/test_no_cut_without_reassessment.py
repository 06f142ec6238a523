"""No cut without reassessment: a revision that lowers a person's budget is refused unless the
person was reassessed after the last sign-off and the gate is passed again; the decision replay and
the timeline say which reassessment justified it.

The issue's case: after a review deciding ``revise_plan``, the plan was revised from £11,960.00 to
£2,392.00 a year (2 hours a week) while the needs assessment stayed as it was.
"""

from __future__ import annotations

from domain.application import CaseRecord
from domain.decision_audit import explain
from domain.timeline import timeline_entry
from tests.builders import ADULT, Scenario, plan_for
from tests.domain.story import adult_only_signed_off, given, last, refused, state, when

CUT = plan_for(ADULT, weekly_hours=2)  # £2,392.00 a year


def reviewed(s: Scenario) -> list[object]:
    return [*adult_only_signed_off(s), s.schedule_review(), s.complete_review(outcome="revise_plan")]


def test_a_cut_after_a_review_without_reassessment_is_refused(record: CaseRecord):
    s = Scenario()
    given(record, reviewed(s))
    signed_off_at = state(record, s.case_id).adult.last_signed_off_at

    error = refused(record, s.revise(plan=CUT, reason="fewer hours"), "reduction_needs_reassessment")

    assert error.details == {
        "approved_pence": 1_196_000,
        "revised_pence": 239_200,
        "signed_off_at": signed_off_at.isoformat(),
    }
    assert "review_reduction" in error.message


def test_an_increase_within_delegation_needs_no_reassessment(record: CaseRecord):
    s = Scenario()
    given(record, reviewed(s))

    assert when(record, s.revise(plan=plan_for(ADULT, weekly_hours=12))) == ["SupportPlanRevised"]
    revision = last(record, s.case_id, "SupportPlanRevised")
    assert (revision.previous_approved_pence, revision.reassessment_completed_at, revision.reduction_justified_by) == (
        1_196_000,
        None,
        None,
    )


def test_a_cut_is_accepted_after_a_reassessment_and_the_gate_and_the_replay_says_why(record: CaseRecord):
    s = Scenario()
    given(
        record,
        reviewed(s),
        s.request_adult(reason="review_reduction", notes="the review proposes fewer hours"),
        s.start_adult(),
        s.complete_adult(),
    )
    reassessed_at = state(record, s.case_id).adult.assessment_completed_at

    # Reassessed, but eligibility and the budget are not yet worked out again: the gate is not passed.
    refused(record, s.revise(plan=CUT, reason="fewer hours"), "reduction_needs_the_gate_again")
    given(record, s.eligibility(), s.budget())

    assert when(record, s.revise(plan=CUT, reason="fewer hours")) == ["SupportPlanRevised"]
    revision = last(record, s.case_id, "SupportPlanRevised")
    why = (
        "the budget signed off at £11,960.00 a year is cut to £2,392.00 after the reassessment completed on "
        f"{reassessed_at.date().isoformat()}, with eligibility and the budget worked out again"
    )
    assert (revision.previous_approved_pence, revision.reassessment_completed_at, revision.reduction_justified_by) == (
        1_196_000,
        reassessed_at,
        why,
    )
    assert f"reduction justified by: {why}" in timeline_entry(revision).summary

    given(record, s.finances(), s.submit())
    assert when(record, s.sign_off()) == ["SignOffDecisionRecorded"]
    decision = last(record, s.case_id, "SignOffDecisionRecorded")
    assert (decision.approved_pence, decision.previous_approved_pence, decision.reassessment_completed_at) == (
        239_200,
        1_196_000,
        reassessed_at,
    )
    assert (
        "This reduces the budget signed off before from £11,960.00 to £2,392.00 a year, following the reassessment "
        f"completed on {reassessed_at.date().isoformat()}."
    ) in explain(decision).plain_english
    check = record.verify_decision(s.case_id, decision.originator_version)
    assert (check.verified, check.problems) == (True, [])


def test_a_cut_waits_for_every_carers_assessment_as_the_first_plan_did(record: CaseRecord):
    s = Scenario()
    given(
        record,
        reviewed(s),
        s.request_adult(reason="review_reduction"),
        s.start_adult(),
        s.complete_adult(),
        s.eligibility(),
        s.budget(),
        s.identify_carer("carer-2"),
    )

    error = refused(record, s.revise(plan=CUT, reason="fewer hours"), "assessments_outstanding")
    assert error.details == {"outstanding": [{"person_id": "carer-2", "kind": "carer", "assessment": "offered"}]}


def test_a_cut_by_an_approval_with_changes_needs_the_reassessment_too(record: CaseRecord):
    s = Scenario()
    given(record, reviewed(s), s.revise(plan=plan_for(ADULT, weekly_hours=11)), s.submit())

    refused(
        record,
        s.sign_off(outcome="approved_with_changes", plan=CUT, approved_pence=239_200),
        "reduction_needs_reassessment",
    )
