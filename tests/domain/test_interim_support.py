"""Support before the full process, safely (issue 19, item 3): urgent interim support (s.19(3))
and temporary short-term support before the assessments finish, within delegated authority, with a
review by date that is a service-level deadline; the gate still holds for the full plan."""

from __future__ import annotations

from datetime import UTC, datetime

from api.examples import interim_line
from domain.application import CaseRecord
from domain.case import process
from domain.service_levels import ServiceLevels
from tests.builders import ADULT, WORKER, Scenario
from tests.domain.story import adult_only_signed_off, given, last, refused, state, when


def discharged_and_awaiting_assessment(s: Scenario) -> list:
    """Referred on discharge, screened; the adult's assessment started and a carer not yet answered."""
    return [s.referral(), s.screen(), s.identify_carer(), s.start_adult()]


def test_urgent_interim_support_is_arranged_before_the_assessments_finish_and_the_gate_still_holds(
    record: CaseRecord,
):
    s = Scenario()
    given(record, discharged_and_awaiting_assessment(s))

    assert when(record, s.interim()) == ["InterimSupportArranged"]
    arranged = last(record, s.case_id, "InterimSupportArranged")
    # 12 visits a week at £23.00: £276.00 a week, £14,352.00 a year, within a team manager's £15,000.
    assert (arranged.annual_cost_pence, arranged.starts_on.isoformat(), arranged.review_by.isoformat()) == (
        1_435_200,
        "2026-01-05",
        "2026-02-02",
    )
    assert (arranged.authority.role.value, arranged.authority.route.value) == ("team_manager", "delegated")

    # The full plan still waits for every assessment.
    refused(record, s.draft(), "assessments_outstanding")


def test_interim_support_beyond_the_arrangers_delegated_limit_is_refused_naming_the_limit(record: CaseRecord):
    s = Scenario()
    given(record, discharged_and_awaiting_assessment(s))
    costly = interim_line("2026-01-05") | {"units_per_period": 70}  # 70 hours a week: £83,720 a year

    error = refused(record, s.interim(lines=[costly]), "beyond_delegated_authority")
    assert error.details["amount_pence"] == 8_372_000
    assert (error.details["role"], error.details["limit_pence"]) == ("team_manager", 1_500_000)
    assert "interim support of £83,720.00 a year" in error.message

    refused(record, s.interim(actor=WORKER), "no_delegated_authority")


def test_interim_support_is_commissioned_from_a_start_and_reviewed_within_six_weeks(record: CaseRecord):
    s = Scenario()
    given(record, discharged_and_awaiting_assessment(s))
    paid_directly = interim_line("2026-01-05") | {"held_as": "direct_payment"}
    no_start = {k: v for k, v in interim_line("2026-01-05").items() if k != "starts_on"}

    assert refused(record, s.interim(lines=[paid_directly]), "interim_line_not_commissioned").field == "lines.0"
    refused(record, s.interim(lines=[no_start]), "interim_line_not_commissioned")
    refused(record, s.interim(review_by="2026-01-04"), "interim_review_before_start")
    too_late = refused(record, s.interim(review_by="2026-02-17"), "interim_review_too_late")
    assert too_late.details == {"latest": "2026-02-16", "within_days": 42}


def test_interim_support_past_its_review_by_date_is_a_deadline_and_is_flagged_overdue(record: CaseRecord):
    s = Scenario()
    given(record, discharged_and_awaiting_assessment(s), s.interim())
    levels = ServiceLevels()
    case = state(record, s.case_id)

    interim = [d for d in levels.deadlines(case) if d.what == "interim:interim-1"]
    # Overdue once the review by day is over: from midnight at its end.
    assert [(d.due_at.isoformat(), d.flagged) for d in interim] == [("2026-02-03T00:00:00+00:00", False)]

    flags = process.overdue(case, levels, datetime(2026, 2, 3, 9, 0, tzinfo=UTC))
    assert {"interim:interim-1"} <= {flag.fields["stage"] for flag in flags}


def test_the_signed_off_plan_replaces_interim_support_and_an_early_end_is_recorded(record: CaseRecord):
    s = Scenario()
    steps = adult_only_signed_off(s)
    given(record, steps[:4], s.interim(), steps[4:-1])

    assert when(record, s.sign_off()) == ["SignOffDecisionRecorded", "InterimSupportEnded"]
    ended = last(record, s.case_id, "InterimSupportEnded")
    assert ended.reason == "replaced by the signed-off plan"
    assert not state(record, s.case_id).adult.interim_support["interim-1"].active
    assert "interim:interim-1" not in {d.what for d in ServiceLevels().deadlines(state(record, s.case_id))}

    early = Scenario()
    given(record, discharged_and_awaiting_assessment(early), early.interim())
    assert when(record, early.end_interim()) == ["InterimSupportEnded"]
    refused(record, early.end_interim(), "interim_support_already_ended")
    refused(record, early.end_interim(interim_id="interim-9"), "unknown_interim_support")
    assert state(record, early.case_id).people[ADULT].interim_support["interim-1"].end_reason == (
        "recovered well; no longer needs the visits"
    )


def test_interim_support_ends_with_the_persons_involvement(record: CaseRecord):
    s = Scenario()
    given(record, discharged_and_awaiting_assessment(s), s.interim())

    events = when(record, s.end_involvement(reason="moved_to_residential_care", ended_on="2026-01-05"))

    assert events == ["InvolvementEnded", "InterimSupportEnded"]
    ended = last(record, s.case_id, "InterimSupportEnded")
    assert (ended.ended_on.isoformat(), ended.reason) == ("2026-01-05", "involvement ended: moved_to_residential_care")
