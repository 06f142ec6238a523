"""Safeguarding facts (issue 19, item 4; Care Act 2014 s.42): a concern, the decision on an
enquiry, its outcome; an open concern bars a fast track, puts a review on the case, and where it
names the person managing a direct payment the worklist offers its suspension."""

from __future__ import annotations

from domain.application import CaseRecord
from domain.case.work import work_items
from simulation.scenario import plan_for
from tests.builders import ADULT, Scenario
from tests.domain.story import adult_only_signed_off, given, last, refused, state, when


def fast_track_plan():
    return plan_for(ADULT) | {"kind": "fast_track"}


def ready_to_plan(s: Scenario) -> list:
    return adult_only_signed_off(s)[:-3]  # up to the financial assessment; no plan drafted yet


def test_an_open_safeguarding_concern_refuses_a_fast_track_plan_until_it_closes(record: CaseRecord):
    s = Scenario()
    given(record, ready_to_plan(s), s.concern())

    error = refused(record, s.draft(plan=fast_track_plan()), "fast_track_barred_by_safeguarding")
    assert error.details == {"concerns": ["sg-1"]}
    assert when(record, s.draft()) == ["SupportPlanDrafted"]  # a full plan is not barred

    given(record, s.section_42(), s.enquiry_outcome())
    assert not state(record, s.case_id).safeguarding["sg-1"].open
    submitted = Scenario()
    given(record, ready_to_plan(submitted), submitted.concern(), submitted.section_42(), submitted.enquiry_outcome())
    assert when(record, submitted.draft(plan=fast_track_plan())) == ["SupportPlanDrafted"]


def test_a_concern_decided_to_need_no_enquiry_closes_and_an_outcome_needs_an_enquiry(record: CaseRecord):
    s = Scenario()
    given(record, ready_to_plan(s), s.concern())
    refused(record, s.enquiry_outcome(), "no_section_42_enquiry")

    assert when(record, s.section_42(enquiry_needed=False, reasons="no cause to suspect abuse")) == ["Section42Decided"]
    concern = state(record, s.case_id).safeguarding["sg-1"]
    assert (concern.open, concern.enquiry_needed) == (False, False)
    refused(record, s.section_42(), "safeguarding_concern_closed")
    refused(record, s.concern(), "safeguarding_concern_id_taken")
    refused(record, s.section_42(concern_id="sg-9"), "unknown_safeguarding_concern")
    assert when(record, s.draft(plan=fast_track_plan())) == ["SupportPlanDrafted"]


def test_fast_track_needs_clear_wishes(record: CaseRecord):
    s = Scenario()
    given(record, ready_to_plan(s), s.advocacy(stage="planning"))
    refused(record, s.draft(plan=fast_track_plan()), "fast_track_needs_clear_wishes")

    lacking = Scenario()
    given(
        record,
        ready_to_plan(lacking),
        lacking.capacity(decision="care_and_support_arrangements", has_capacity=False),
    )
    refused(record, lacking.draft(plan=fast_track_plan()), "fast_track_needs_clear_wishes")


def test_a_concern_naming_the_nominee_managing_a_payment_puts_a_review_on_the_case_and_offers_suspension(
    record: CaseRecord,
):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.nominee(), s.agreement(recipient="nominee", recipient_id="rep-1"))

    assert when(record, s.concern(about_representative_id="rep-1")) == ["SafeguardingConcernRaised", "ReviewRequested"]
    review = last(record, s.case_id, "ReviewRequested")
    assert (review.review_id, review.reason.value, review.due_on.isoformat()) == (
        "safeguarding-sg-1",
        "safeguarding",
        "2026-02-03",
    )
    offered = [i for i in work_items(state(record, s.case_id)) if i.kind == "consider_suspension"]
    assert [(i.person_id, i.ref) for i in offered] == [(ADULT, "dp-1")]
    assert "sg-1" in offered[0].detail

    given(record, s.suspend(reason="safeguarding concern sg-1: suspected financial abuse by the nominee"))
    assert "consider_suspension" not in [i.kind for i in work_items(state(record, s.case_id))]


def test_a_concern_must_name_a_representative_on_the_case(record: CaseRecord):
    s = Scenario()
    given(record, ready_to_plan(s))
    refused(record, s.concern(about_representative_id="rep-9"), "unknown_representative")
    refused(record, s.concern(person_id="carer-9"), "unknown_person")


def test_a_concern_raised_after_a_fast_track_plan_was_drafted_stops_its_submission(record: CaseRecord):
    s = Scenario()
    given(record, ready_to_plan(s), s.draft(plan=fast_track_plan()), s.concern())
    refused(record, s.submit(), "fast_track_barred_by_safeguarding")
