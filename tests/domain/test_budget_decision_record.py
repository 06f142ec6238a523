"""P3: every budget decision stores the rule set (id, version, content hash), the answers, the
points, the price table, each adjustment with its reason, the indicative figure, the panel outcome
and a plain-English explanation that regenerates identically."""

from __future__ import annotations

import pytest

from domain.application import CaseRecord
from domain.ras import recalculate
from policy.catalogue import RuleSetCatalogue
from tests.builders import ADULT, ADULT_ANSWERS, CARER_ANSWERS, MANAGER, PANEL, Scenario, plan_for
from tests.domain.story import budget_for, carer_plan, given, last, refused, when


def test_the_adults_budget_event_holds_the_whole_working(record: CaseRecord, catalogue: RuleSetCatalogue):
    s = Scenario()
    given(record, s.up_to_gate(), s.carers_assessed(), s.eligibility())

    assert when(record, s.budget()) == ["IndicativeBudgetCalculated"]

    calculation = budget_for(record, s.case_id, ADULT).calculation
    published = catalogue.get("northmoor-ras", "2026.1")
    assert (calculation.subject, calculation.person_id, calculation.method) == ("adult", ADULT, "points")
    assert (calculation.rule_set_id, calculation.rule_set_version, calculation.rule_set_hash) == (
        "northmoor-ras",
        "2026.1",
        published.content_hash,
    )
    assert calculation.rule_set_hash.startswith("sha256:")
    assert calculation.inputs == {
        "answers": ADULT_ANSWERS,
        "carer_support": [
            {
                "carer_id": "carer-1",
                "willing_to_continue_caring": True,
                "able_to_continue_caring": True,
                "support_level": "regular",
            }
        ],
    }
    assert {line.question_id: (line.answer_id, line.points) for line in calculation.points} == {
        "nutrition": ("some_help", 6),
        "personal_hygiene": ("full_help", 12),
        "toilet_needs": ("some_help", 8),
        "clothing": ("some_help", 4),
        "home_safety": ("with_difficulty", 3),
        "habitable_home": ("some_help", 4),
        "relationships": ("with_difficulty", 2),
        "work_education": ("achieves", 0),
        "community": ("some_help", 5),
        "caring_for_child": ("not_applicable", 0),
    }
    assert calculation.total_points == 44
    assert calculation.price_table["price_per_point_pence"] == 25_000
    assert calculation.price_table["carer_neutral"]["reduction_bp"]["regular"] == 2_500
    assert calculation.carer_neutral_pence == 1_100_000
    assert [(a.kind, a.carer_id, a.amount_pence) for a in calculation.adjustments] == [
        ("carer_neutral_reduction", "carer-1", -275_000),
        ("carer_break_reinflation", None, 55_000),
    ]
    assert "willing and able to give regular support" in calculation.adjustments[0].reason
    assert "25.00%" in calculation.adjustments[0].reason
    assert "20.00% of the £2,750.00" in calculation.adjustments[1].reason
    assert (calculation.indicative_pence, calculation.carer_break_pence) == (880_000, 55_000)
    assert "Indicative budget: £8,800.00 a year." in calculation.explanation
    assert published.content_hash in calculation.explanation


@pytest.mark.parametrize(
    ("willing", "able", "said"),
    [
        (False, True, "recorded as not willing to continue caring"),
        (True, False, "recorded as not able to continue caring"),
    ],
)
def test_a_carer_not_both_willing_and_able_reduces_nothing(record: CaseRecord, willing: bool, able: bool, said: str):
    s = Scenario()
    given(
        record,
        s.up_to_gate(),
        s.accept(),
        s.start_carer(),
        s.complete_carer(willing_to_continue_caring=willing, able_to_continue_caring=able, support_level="substantial"),
        s.eligibility(),
    )

    when(record, s.budget())

    calculation = budget_for(record, s.case_id, ADULT).calculation
    reduction, carer_break = calculation.adjustments
    assert (reduction.carer_id, reduction.amount_pence) == ("carer-1", 0)
    assert said in reduction.reason
    assert carer_break.amount_pence == 0
    assert calculation.indicative_pence == calculation.carer_neutral_pence == 1_100_000


def test_a_carer_who_declined_assessment_is_never_assumed_to_help(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_gate(), s.decline(), s.eligibility())

    when(record, s.budget())

    calculation = budget_for(record, s.case_id, ADULT).calculation
    assert calculation.inputs["carer_support"] == []
    assert calculation.indicative_pence == 1_100_000
    assert "No carer's support is recorded" in calculation.explanation


def test_the_carers_own_budget_event_holds_its_answers_points_and_impact(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_gate(), s.carers_assessed(), s.eligibility("carer-1"))

    when(record, s.budget("carer-1"))

    calculation = budget_for(record, s.case_id, "carer-1").calculation
    assert calculation.inputs == {"impact": "substantial", "answers": CARER_ANSWERS}
    assert (calculation.total_points, calculation.price_table, calculation.indicative_pence) == (
        21,
        {"price_per_point_pence": 2_500},
        52_500,
    )
    assert (calculation.cap_pence, calculation.exceeds_cap, calculation.adjustments) == (100_000, False, [])


def test_a_recorded_calculation_regenerates_identically_from_its_own_record(
    record: CaseRecord, catalogue: RuleSetCatalogue
):
    s = Scenario()
    given(record, s.up_to_planning())

    for person in (ADULT, "carer-1"):
        recorded = budget_for(record, s.case_id, person).calculation
        again = recalculate(recorded, catalogue.get(recorded.rule_set_id, recorded.rule_set_version))
        assert again.model_dump(mode="json") == recorded.model_dump(mode="json")
    assert list(record.verify_budget_calculations([s.case_id])) == [(s.case_id.hex, None), (s.case_id.hex, None)]


def test_the_sign_off_decision_records_the_outcome_amount_and_the_rule_set_it_rests_on(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_planning(), s.draft(), s.submit())

    when(record, s.sign_off(reasons="meets the eligible needs at the lowest cost"))

    decision = last(record, s.case_id, "SignOffDecisionRecorded")
    calculation = budget_for(record, s.case_id, ADULT).calculation
    assert (decision.person_id, decision.route.value, decision.outcome.value) == (ADULT, "delegated", "approved")
    assert (decision.approved_pence, decision.plan_annual_cost_pence, decision.panel_threshold_pence) == (
        1_196_000,
        1_196_000,
        1_500_000,
    )
    assert (decision.rule_set_id, decision.rule_set_hash, decision.indicative_pence) == (
        calculation.rule_set_id,
        calculation.rule_set_hash,
        880_000,
    )
    assert (decision.reasons, decision.actor, decision.plan_version) == (
        "meets the eligible needs at the lowest cost",
        MANAGER,
        1,
    )


def test_a_plan_above_the_panel_threshold_goes_to_the_panel_whose_decision_is_recorded(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_planning(), s.draft(plan=plan_for(ADULT, weekly_hours=15)), s.submit())

    error = refused(record, s.sign_off(), "panel_required")
    assert error.details == {
        "plan_cost_pence": 1_794_000,
        "panel_threshold_pence": 1_500_000,
        "amount_pence": 1_794_000,
        "limit_pence": 1_500_000,
    }
    refused(record, s.sign_off(route="panel", actor=MANAGER), "sign_off_needs_authority")

    when(
        record,
        s.sign_off(
            route="panel",
            actor=PANEL,
            outcome="approved_with_changes",
            # An approval with changes approves the changed plan, at what it costs: 13 h x £23 x 52.
            plan=plan_for(ADULT, weekly_hours=13),
            approved_pence=1_554_800,
            reasons="approved at 13 hours",
        ),
    )

    decision = last(record, s.case_id, "SignOffDecisionRecorded")
    assert (decision.route.value, decision.outcome.value, decision.approved_pence) == (
        "panel",
        "approved_with_changes",
        1_554_800,
    )


def test_a_deferred_panel_decision_is_recorded_with_no_amount_and_the_plan_can_come_back(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_planning(), s.draft("carer-1", plan=carer_plan()), s.submit("carer-1"))

    when(
        record,
        s.sign_off(
            "carer-1", route="panel", actor=PANEL, outcome="deferred", reasons="ask for the carer's work pattern"
        ),
    )

    decision = last(record, s.case_id, "SignOffDecisionRecorded")
    assert (decision.outcome.value, decision.approved_pence, decision.statement) == ("deferred", 0, None)
    refused(
        record,
        s.sign_off("carer-1", route="panel", actor=PANEL, outcome="declined", approved_pence=1, reasons="x"),
        "plan_not_submitted",
    )
    assert when(record, s.submit("carer-1")) == ["SupportPlanSubmitted"]


def test_a_plan_declined_at_panel_goes_back_to_support_planning_to_be_revised_and_resubmitted(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_planning(), s.draft("carer-1", plan=carer_plan()), s.submit("carer-1"))

    when(
        record,
        s.sign_off(
            "carer-1",
            route="panel",
            actor=PANEL,
            outcome="declined",
            reasons="a gym membership does not meet the need for a break from caring",
        ),
    )

    decision = last(record, s.case_id, "SignOffDecisionRecorded")
    assert (decision.outcome.value, decision.approved_pence, decision.statement) == ("declined", 0, None)
    carer = record.get_case(s.case_id).state.people["carer-1"]
    assert (carer.plan_status.value, carer.sign_off) == ("declined", None)
    assert record.get_case(s.case_id).state.stage.value == "support_planning"
    refused(record, s.submit("carer-1"), "plan_not_draft")
    assert when(record, s.revise("carer-1", plan=carer_plan(), reason="a week's respite instead")) == [
        "SupportPlanRevised"
    ]
    assert when(record, s.submit("carer-1")) == ["SupportPlanSubmitted"]
