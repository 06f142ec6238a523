"""Figures that agree, or a recorded reason why not: a plan's variance from the indicative budget
at submission and in the sign-off's explanation; an approval with changes is a changed plan.

With no carer, the adult's indicative budget in the story is £11,000.00 a year; the council's
tolerance is 10%. The issue's plan: 40 hours a week at £23.00, £47,840.00 a year.
"""

from __future__ import annotations

from domain.application import CaseRecord
from domain.decision_audit import explain
from domain.timeline import timeline_entry
from tests.builders import ADULT, PANEL, Scenario, plan_for
from tests.domain.story import given, last, refused, state, when

INDICATIVE = 1_100_000
REASON = "two carers at every visit after the fall: the assessment's moving and handling needs"


def drafted(s: Scenario, **plan: object) -> list[object]:
    return [*s.up_to_planning(carers=()), s.draft(plan=plan_for(ADULT, **plan))]


def test_a_plan_outside_the_tolerance_is_not_submitted_without_a_reason(record: CaseRecord):
    s = Scenario()
    given(record, drafted(s, weekly_hours=40))

    error = refused(record, s.submit(variance_reason=None), "variance_reason_required")

    assert error.details == {
        "budget_pence": INDICATIVE,
        "plan_cost_pence": 4_784_000,
        "amount_pence": 3_684_000,
        "basis_points": 33_491,
        "direction": "over",
        "tolerance_basis_points": 1_000,
        "outside_tolerance": True,
    }
    assert error.message == (
        "The plan costs £47,840.00 a year, £36,840.00 (334.91%) over the indicative budget of £11,000.00, outside "
        "the council's tolerance of 10.00%. Submit it with a reason for the variance."
    )


def test_the_variance_and_its_reason_are_carried_to_the_sign_off_and_its_explanation(record: CaseRecord):
    s = Scenario()
    given(record, drafted(s, weekly_hours=40))

    assert when(record, s.submit(variance_reason=REASON)) == ["SupportPlanSubmitted"]
    submitted = last(record, s.case_id, "SupportPlanSubmitted")
    assert (submitted.variance.amount_pence, submitted.variance.basis_points, submitted.variance.direction) == (
        3_684_000,
        33_491,
        "over",
    )
    assert submitted.variance.reason == REASON

    when(record, s.sign_off(route="panel", actor=PANEL))
    decision = last(record, s.case_id, "SignOffDecisionRecorded")
    assert decision.variance == submitted.variance
    explained = explain(decision)
    assert (
        "The plan costs £47,840.00 a year, £36,840.00 (334.91%) over the indicative budget of £11,000.00, outside the "
        f"council's tolerance of 10.00%. The reason recorded for the variance: {REASON}"
    ) in explained.plain_english
    assert explained.breakdown["variance"]["reason"] == REASON
    summary = timeline_entry(decision).summary
    assert "within a panel member's panel limit of £100,000.00" in summary
    assert "variance: The plan costs £47,840.00 a year, £36,840.00 (334.91%) over" in summary and REASON in summary
    assert record.verify_decision(s.case_id, decision.originator_version).verified


def test_a_plan_within_the_tolerance_needs_no_reason(record: CaseRecord):
    s = Scenario()
    given(record, drafted(s))  # £11,960.00 a year

    assert when(record, s.submit(variance_reason=None)) == ["SupportPlanSubmitted"]

    variance = last(record, s.case_id, "SupportPlanSubmitted").variance
    assert (variance.amount_pence, variance.basis_points, variance.direction, variance.outside_tolerance) == (
        96_000,
        873,
        "over",
        False,
    )


# approved_with_changes -------------------------------------------------------------------------


def test_an_approval_with_changes_at_one_pound_on_an_unchanged_plan_is_refused(record: CaseRecord):
    """The issue's case: `approved_with_changes` at £1 passed with the plan unchanged."""
    s = Scenario()
    given(record, drafted(s), s.submit())

    refused(record, s.sign_off(outcome="approved_with_changes", approved_pence=100), "changed_plan_required")
    refused(
        record,
        s.sign_off(outcome="approved_with_changes", approved_pence=100, plan=plan_for(ADULT)),
        "plan_not_changed",
    )
    error = refused(
        record,
        s.sign_off(outcome="approved_with_changes", approved_pence=100, plan=plan_for(ADULT, weekly_hours=9)),
        "approved_amount_not_the_plans_cost",
    )
    assert error.details == {"approved_pence": 100, "plan_cost_pence": 1_076_400}
    refused(record, s.sign_off(plan=plan_for(ADULT, weekly_hours=9)), "plan_change_without_approval_with_changes")


def test_an_approval_with_changes_records_the_revision_and_approves_what_the_changed_plan_costs(record: CaseRecord):
    s = Scenario()
    given(record, drafted(s), s.submit())
    changed = plan_for(ADULT, weekly_hours=9)

    events = when(
        record,
        s.sign_off(outcome="approved_with_changes", approved_pence=1_076_400, plan=changed, reasons="nine hours"),
    )

    assert events == ["SupportPlanRevised", "SignOffDecisionRecorded"]
    revision = last(record, s.case_id, "SupportPlanRevised")
    decision = last(record, s.case_id, "SignOffDecisionRecorded")
    assert (revision.plan_version, revision.annual_cost_pence, revision.reason) == (
        2,
        1_076_400,
        "changed at sign-off: nine hours",
    )
    assert (decision.plan_version, decision.approved_pence, decision.plan_annual_cost_pence) == (
        2,
        1_076_400,
        1_076_400,
    )
    adult = state(record, s.case_id).adult
    assert (adult.plan_status.value, adult.plan.annual_cost_pence, adult.sign_off.approved_pence) == (
        "approved",
        1_076_400,
        1_076_400,
    )
    # The s.26 statement is the approved figure, less the £1,500.00 the financial assessment found.
    assert (adult.statement.cost_pence, adult.statement.adult_contribution_pence) == (1_076_400, 150_000)
    check = record.verify_decision(s.case_id, decision.originator_version)
    assert (check.verified, check.problems) == (True, [])


def test_a_panel_approval_with_changes_still_keeps_the_spending_rules(record: CaseRecord):
    s = Scenario()
    given(record, drafted(s), s.submit())
    bad = plan_for(ADULT, weekly_hours=9)
    bad["lines"][0]["category"] = "alcohol"

    refused(
        record,
        s.sign_off(route="panel", actor=PANEL, outcome="approved_with_changes", plan=bad, approved_pence=1_076_400),
        "spending_rule_breached",
    )
