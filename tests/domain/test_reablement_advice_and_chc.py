"""Reablement after screening, advice recorded at screening, and the NHS continuing healthcare
boundary with jointly funded plan lines (issue 19, items 3, 5 and 6; decision 0032).

Reablement is free for up to six weeks: no financial assessment and a statement charging the
person nothing; its planned end is a service-level deadline; it ends with an outcome, and ongoing
needs open the assessments on the same case. A jointly funded line names who pays which share;
the council's share is what the statement, the sign-off and the direct payment count."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from domain import commands as c
from domain.application import CaseRecord
from domain.case import process
from domain.case.work import work_items
from domain.service_levels import ServiceLevels
from tests.builders import ADULT, MANAGER, WORKER, Scenario, plan_for
from tests.domain.story import adult_only_signed_off, given, last, refused, stage, state, when

REABLEMENT_COST = 252_000  # six weeks at £420.00 a week
HALF_A_WEEK = 11_500  # of 10 hours at £23.00: the council's share, the NHS paying the other half


def screened_to_reablement(s: Scenario) -> list[c.CaseCommand]:
    """Referred on discharge from hospital and screened to reablement first."""
    return [s.referral(), s.screen(outcome="reablement", reasons="home from hospital after a fall; reablement first")]


# Reablement -------------------------------------------------------------------------------------


def test_a_hospital_discharge_screened_to_reablement_is_free_and_with_ongoing_needs_goes_to_assessment(
    record: CaseRecord,
):
    s = Scenario()
    given(record, screened_to_reablement(s))
    assert stage(record, s.case_id) == "reablement"
    # The assessments wait for reablement's outcome.
    refused(record, s.start_adult(), "referral_not_screened_for_assessment")

    assert when(record, s.reablement()) == ["ReablementStarted"]
    started = last(record, s.case_id, "ReablementStarted")
    assert (started.starts_on.isoformat(), started.planned_end_on.isoformat()) == ("2026-01-05", "2026-02-16")
    statement = started.statement
    assert (statement.cost_pence, statement.adult_contribution_pence, statement.council_amount_pence) == (
        REABLEMENT_COST,
        0,
        REABLEMENT_COST,
    )
    assert "free of charge" in statement.explanation and "£0.00" in statement.explanation
    items = {item.kind for item in work_items(state(record, s.case_id))}
    assert "end_reablement" in items and "financial_assessment" not in items and "adult_assessment" not in items

    assert when(record, s.end_reablement(outcome="ongoing_needs")) == ["ReablementEnded"]
    assert stage(record, s.case_id) == "assessment"
    assert when(record, s.start_adult()) == ["NeedsAssessmentStarted"]
    # One referral: the assessments opened on the same case.
    assert [type(e).__name__ for e in record.stored_events(s.case_id)].count("ReferralReceived") == 1
    refused(record, s.end_reablement(), "reablement_already_ended")


@pytest.mark.parametrize(("outcome", "closed_as"), [("needs_met", "needs_met"), ("declined", "declined")])
def test_reablement_that_meets_the_needs_or_is_declined_closes_the_case(record: CaseRecord, outcome, closed_as):
    s = Scenario()
    given(record, screened_to_reablement(s), s.reablement())

    events = when(record, s.end_reablement(outcome=outcome, notes="managing at home alone again"))

    assert events[0] == "ReablementEnded" and events[-1] == "CaseClosed"
    assert state(record, s.case_id).closure_reason == closed_as


def test_a_carer_waiting_for_their_assessment_carries_on_when_reablement_meets_the_adults_needs(
    record: CaseRecord,
):
    s = Scenario()
    given(record, screened_to_reablement(s), s.identify_carer(), s.accept(), s.reablement())

    assert when(record, s.end_reablement(outcome="needs_met")) == ["ReablementEnded", "InvolvementEnded"]

    after = state(record, s.case_id)
    assert not after.closed and after.adult.involvement_end_reason == "needs_met"
    assert stage(record, s.case_id) == "assessment"
    assert when(record, s.start_carer()) == ["CarerAssessmentStarted"]


def test_reablement_lasts_six_weeks_unless_a_team_manager_agrees_more_with_a_reason(record: CaseRecord):
    s = Scenario()
    given(record, screened_to_reablement(s))

    longer = refused(record, s.reablement(planned_end_on="2026-02-17"), "reablement_longer_than_six_weeks")
    assert (longer.field, longer.details) == ("planned_end_on", {"six_weeks_end": "2026-02-16", "planned_days": 43})
    reason = "still building strength after a second fall; two more weeks expected to restore independence"
    refused(
        record,
        s.reablement(planned_end_on="2026-03-02", extension_reason=reason),
        "reablement_extension_needs_a_team_manager",
    )
    too_long = refused(
        record, s.reablement(planned_end_on="2026-03-31", extension_reason=reason, actor=MANAGER), "reablement_too_long"
    )
    assert too_long.details == {"latest": "2026-03-30"}
    assert refused(record, s.reablement(planned_end_on="2026-01-04"), "reablement_ends_before_it_starts").field == (
        "planned_end_on"
    )
    refused(record, s.reablement(extension_reason=reason), "reablement_extension_not_needed")

    assert when(record, s.reablement(planned_end_on="2026-03-02", extension_reason=reason, actor=MANAGER)) == [
        "ReablementStarted"
    ]
    reablement = state(record, s.case_id).adult.reablement
    assert reablement is not None and reablement.extension_agreed_by == "tm-morgan"
    assert reablement.statement.adult_contribution_pence == 0
    refused(record, s.reablement(), "reablement_already_started")

    proceeding = Scenario()
    given(record, proceeding.referral(), proceeding.screen())
    refused(record, proceeding.reablement(), "referral_not_screened_for_reablement")


def test_reablement_past_its_planned_end_is_a_deadline_flagged_overdue_until_it_ends(record: CaseRecord):
    s = Scenario()
    given(record, screened_to_reablement(s), s.reablement())
    levels = ServiceLevels()

    found = [d for d in levels.deadlines(state(record, s.case_id)) if d.what == f"reablement:{ADULT}"]
    assert [(d.due_at.isoformat(), d.flagged) for d in found] == [("2026-02-17T00:00:00+00:00", False)]
    flags = process.overdue(state(record, s.case_id), levels, datetime(2026, 2, 17, 9, 0, tzinfo=UTC))
    assert f"reablement:{ADULT}" in {flag.fields["stage"] for flag in flags}
    assert when(record, s.overdue(stage=f"reablement:{ADULT}", due_at="2026-02-17T00:00:00Z")) == ["StageOverdue"]
    assert f"reablement:{ADULT}" in state(record, s.case_id).overdue

    given(record, s.end_reablement())
    after = state(record, s.case_id)
    assert f"reablement:{ADULT}" not in after.overdue
    assert f"reablement:{ADULT}" not in {d.what for d in levels.deadlines(after)}
    refused(record, s.overdue(stage=f"reablement:{ADULT}", due_at="2026-02-17T00:00:00Z"), "stage_moved_on")


# Advice at screening ----------------------------------------------------------------------------


def test_a_referral_screened_to_information_and_advice_has_its_advice_recorded_and_closes(record: CaseRecord):
    s = Scenario()
    given(record, s.referral(route="self", reason="asking about day centres"))

    missing = refused(
        record, s.screen(outcome="information_and_advice", reasons="signposted"), "advice_not_recorded_at_screening"
    )
    assert missing.field == "advice"

    assert when(record, s.signpost()) == ["InformationAndAdviceGiven", "ReferralScreened", "CaseClosed"]
    closed = state(record, s.case_id)
    [advice] = closed.adult.advice_given
    assert (advice.given_by, advice.format.value, [t.value for t in advice.topics]) == (
        "sw-ayesha",
        "verbal_and_written",
        ["prevention", "universal_and_community_services"],
    )
    assert (closed.stage.value, closed.closure_reason) == ("closed", "information_and_advice_only")

    # Advice given first, with its own command, is on record already: the screening needs no more.
    earlier = Scenario()
    given(record, earlier.referral(), earlier.advice(given_on="2026-01-05"))
    assert when(record, earlier.screen(outcome="information_and_advice", reasons="signposted")) == [
        "ReferralScreened",
        "CaseClosed",
    ]


# Jointly funded lines and NHS continuing healthcare ---------------------------------------------


def jointly_funded_plan(**overrides: Any) -> dict[str, Any]:
    """The adult's personal assistant, half paid by the NHS (a joint package): the council's
    direct payment pays its half, four-weekly."""
    plan = plan_for(ADULT)
    line = plan["lines"][0]
    line["funding"] = [
        {"funder": "council", "pence_per_period": HALF_A_WEEK},
        {"funder": "nhs", "pence_per_period": HALF_A_WEEK},
    ]
    plan["direct_payment_pence"] = HALF_A_WEEK * 4
    plan.update(overrides)
    return plan


def budgeted(s: Scenario) -> list[c.CaseCommand]:
    """The adult assessed, eligible, budgeted and means-tested; the only carer declined."""
    return adult_only_signed_off(s)[:-3]


def test_a_jointly_funded_lines_council_share_is_what_the_statement_shows_and_the_direct_payment_pays(
    record: CaseRecord,
):
    s = Scenario()
    given(record, budgeted(s), s.refer_chc(), s.chc_decision(outcome="joint_package"))

    given(record, s.draft(plan=jointly_funded_plan()))
    assert last(record, s.case_id, "SupportPlanDrafted").annual_cost_pence == HALF_A_WEEK * 52
    plan = state(record, s.case_id).adult.plan
    assert plan is not None and plan.whole_annual_cost_pence == 2 * HALF_A_WEEK * 52

    given(record, s.submit(), s.sign_off())
    decided = last(record, s.case_id, "SignOffDecisionRecorded")
    assert decided.approved_pence == HALF_A_WEEK * 52 == decided.statement.cost_pence
    assert decided.statement.cost_pence == decided.statement.adult_contribution_pence + (
        decided.statement.council_amount_pence
    )

    given(
        record,
        s.agreement(amount_per_payment_pence=HALF_A_WEEK * 4),
        s.schedule_payment(1, amount_pence=HALF_A_WEEK * 4),
    )
    assert when(record, s.issue_payment(1)) == ["PaymentIssued"]
    assert last(record, s.case_id, "PaymentIssued").amount_pence == HALF_A_WEEK * 4


def test_funding_shares_that_do_not_sum_to_the_line_are_refused_naming_the_field():
    s = Scenario()
    short = jointly_funded_plan()
    short["lines"][0]["funding"][1]["pence_per_period"] = HALF_A_WEEK - 1
    with pytest.raises(ValidationError) as caught:
        s.draft(plan=short)
    [error] = caught.value.errors()
    assert error["loc"] == ("plan", "lines", 0, "funding")
    assert "must sum to the line's cost" in error["msg"]

    twice = jointly_funded_plan()
    twice["lines"][0]["funding"][1]["funder"] = "council"
    with pytest.raises(ValidationError) as named_twice:
        s.draft(plan=twice)
    assert named_twice.value.errors()[0]["loc"] == ("plan", "lines", 0, "funding")

    # The council's direct payment pays its own share, never the NHS's too.
    with pytest.raises(ValidationError) as paying_it_all:
        s.draft(plan=jointly_funded_plan(direct_payment_pence=2 * HALF_A_WEEK * 4))
    assert "pays the council's share" in str(paying_it_all.value)


def test_a_council_funded_plan_for_someone_eligible_for_nhs_continuing_healthcare_is_refused(record: CaseRecord):
    s = Scenario()
    given(record, budgeted(s))
    refused(record, s.chc_decision(), "no_continuing_healthcare_referral_pending")

    assert when(record, s.refer_chc()) == ["ReferredForContinuingHealthcare"]
    refused(record, s.refer_chc(), "continuing_healthcare_referral_pending")
    late = refused(record, s.chc_decision(decided_on="2026-01-12"), "continuing_healthcare_dates_out_of_order")
    assert late.field == "decided_on"
    assert when(record, s.chc_decision(outcome="eligible")) == ["ContinuingHealthcareDecided"]

    error = refused(record, s.draft(), "fully_funded_by_the_nhs")
    assert error.field == "plan.lines"
    # A plan whose lines the NHS pays in full costs the council nothing, and may be recorded.
    nhs_pays = plan_for(ADULT, management="council_managed")
    nhs_pays["lines"][0]["funding"] = [{"funder": "nhs", "pence_per_period": 2 * HALF_A_WEEK}]
    assert when(record, s.draft(plan=nhs_pays)) == ["SupportPlanDrafted"]
    assert last(record, s.case_id, "SupportPlanDrafted").annual_cost_pence == 0


def test_a_plan_drafted_before_the_nhs_found_the_person_eligible_is_not_approved(record: CaseRecord):
    s = Scenario()
    given(record, budgeted(s), s.refer_chc(), s.draft(), s.submit(), s.chc_decision(outcome="eligible"))

    refused(record, s.sign_off(), "fully_funded_by_the_nhs")
    assert when(record, s.sign_off(outcome="declined", reasons="the NHS funds her care now")) == [
        "SignOffDecisionRecorded"
    ]


def test_an_approved_council_plan_is_a_work_item_once_the_nhs_funds_the_persons_care(record: CaseRecord):
    s = Scenario()
    given(record, budgeted(s), s.draft(), s.submit(), s.sign_off(), s.refer_chc(actor=WORKER))
    assert "continuing_healthcare_plan" not in {i.kind for i in work_items(state(record, s.case_id))}

    given(record, s.chc_decision(outcome="eligible"))

    assert "continuing_healthcare_plan" in {i.kind for i in work_items(state(record, s.case_id))}
