"""G1: no support planning, for the adult or any carer, until the adult's assessment is completed
(or refused) and every identified carer's assessment is completed or declined. A carer identified
later closes the gate again: drafts stay, but nothing is submitted or signed off until that carer
is assessed or declines."""

from __future__ import annotations

import pytest

from domain.application import CaseRecord
from tests.builders import ADULT, Scenario
from tests.domain.story import budget_for, carer_plan, given, refused, stage, state, when

PLANNING_COMMANDS = ["draft", "revise", "submit", "sign_off"]


def outstanding(record: CaseRecord, command) -> list[dict[str, str]]:
    return refused(record, command, "assessments_outstanding").details["outstanding"]


@pytest.mark.parametrize("carer_status", ["offered", "accepted", "in_progress"])
def test_no_plan_is_drafted_for_the_adult_while_a_carers_assessment_is_outstanding(
    record: CaseRecord, carer_status: str
):
    s = Scenario()
    given(record, s.up_to_gate(), s.eligibility())
    given(record, {"offered": [], "accepted": [s.accept()], "in_progress": [s.accept(), s.start_carer()]}[carer_status])

    assert outstanding(record, s.draft()) == [{"person_id": "carer-1", "kind": "carer", "assessment": carer_status}]
    # The adult's carer-neutral figure leans on the carer's recorded assessment, so it waits too.
    assert outstanding(record, s.budget()) == [{"person_id": "carer-1", "kind": "carer", "assessment": carer_status}]


@pytest.mark.parametrize("command", PLANNING_COMMANDS)
def test_no_planning_step_is_taken_for_the_carer_while_the_adults_assessment_is_in_progress(
    record: CaseRecord, command: str
):
    s = Scenario()
    given(
        record,
        s.referral(),
        s.screen(),
        s.identify_carer(),
        s.start_adult(),
        s.carers_assessed(),
        s.eligibility("carer-1"),
        s.budget("carer-1"),
    )

    planning_step = {
        "draft": s.draft("carer-1", plan=carer_plan()),
        "revise": s.revise("carer-1", plan=carer_plan()),
        "submit": s.submit("carer-1"),
        "sign_off": s.sign_off("carer-1"),
    }[command]
    assert outstanding(record, planning_step) == [{"person_id": ADULT, "kind": "adult", "assessment": "in_progress"}]


def test_the_gate_names_everyone_still_outstanding(record: CaseRecord):
    s = Scenario()
    given(
        record,
        s.referral(),
        s.screen(),
        s.identify_carer(),
        s.identify_carer("carer-2", name="Grace Oduya"),
        s.accept("carer-2"),
        s.start_adult(),
    )

    assert outstanding(record, s.draft()) == [
        {"person_id": ADULT, "kind": "adult", "assessment": "in_progress"},
        {"person_id": "carer-1", "kind": "carer", "assessment": "offered"},
        {"person_id": "carer-2", "kind": "carer", "assessment": "accepted"},
    ]


def test_planning_opens_when_the_last_carers_assessment_is_completed(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_gate(), s.accept(), s.start_carer())
    refused(record, s.draft(), "assessments_outstanding")

    given(
        record,
        s.complete_carer(),
        s.eligibility(),
        s.eligibility("carer-1"),
        s.budget(),
        s.budget("carer-1"),
        s.finances(),
    )

    assert when(record, s.draft()) == ["SupportPlanDrafted"]
    assert when(record, s.draft("carer-1", plan=carer_plan())) == ["SupportPlanDrafted"]


def test_planning_opens_when_the_last_carer_declines(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_gate(), s.eligibility())
    refused(record, s.draft(), "assessments_outstanding")

    given(record, s.decline(), s.budget(), s.finances())

    assert when(record, s.draft()) == ["SupportPlanDrafted"]


@pytest.mark.parametrize("command", PLANNING_COMMANDS)
def test_a_carer_identified_during_planning_holds_every_planning_step_until_they_decline(
    record: CaseRecord, command: str
):
    s = Scenario()
    given(record, s.up_to_planning(), s.draft())
    if command == "sign_off":
        given(record, s.submit())
    planning_step = {
        "draft": s.draft("carer-1", plan=carer_plan()),
        "revise": s.revise(),
        "submit": s.submit(),
        "sign_off": s.sign_off(),
    }[command]

    given(
        record,
        s.identify_carer("carer-2", name="Grace Oduya", relationship_to_adult="daughter", lives_with_adult=False),
    )

    assert stage(record, s.case_id) == "assessment"
    assert outstanding(record, planning_step) == [{"person_id": "carer-2", "kind": "carer", "assessment": "offered"}]
    given(record, s.decline("carer-2"))
    # A refusal records nothing, so the very same command goes through once the gate opens.
    assert len(when(record, planning_step)) == 1


def test_a_late_carer_leaves_drafts_in_place_and_sign_off_waits_for_their_assessment(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_planning(), s.draft(), s.draft("carer-1", plan=carer_plan()), s.submit())

    given(record, s.identify_carer("carer-2", name="Grace Oduya", lives_with_adult=False))

    people = state(record, s.case_id).people
    assert (people[ADULT].plan_status.value, people[ADULT].plan_version) == ("submitted", 1)
    assert (people["carer-1"].plan_status.value, people["carer-1"].plan is not None) == ("draft", True)
    refused(record, s.sign_off(), "assessments_outstanding")
    refused(record, s.submit("carer-1"), "assessments_outstanding")

    given(record, s.accept("carer-2"), s.start_carer("carer-2"))
    refused(record, s.sign_off(), "assessments_outstanding")
    given(record, s.complete_carer("carer-2", support_level="occasional"))

    # Carer-neutral: the adult's figure must now count what Grace is willing and able to do.
    refused(record, s.sign_off(), "budget_out_of_date")
    given(record, s.budget())
    assert {a.carer_id for a in budget_for(record, s.case_id, ADULT).calculation.adjustments if a.carer_id} == {
        "carer-1",
        "carer-2",
    }
    assert when(record, s.sign_off()) == ["SignOffDecisionRecorded"]
    assert when(record, s.submit("carer-1")) == ["SupportPlanSubmitted"]


def test_with_two_carers_one_declining_and_one_assessed_planning_opens_for_the_adult_and_the_assessed_carer(
    record: CaseRecord,
):
    s = Scenario()
    given(record, s.up_to_gate(carers=("carer-1", "carer-2")), s.carers_assessed(carers=("carer-1",)))
    assert outstanding(record, s.draft()) == [{"person_id": "carer-2", "kind": "carer", "assessment": "offered"}]

    given(
        record,
        s.decline("carer-2"),
        s.eligibility(),
        s.eligibility("carer-1"),
        s.budget(),
        s.budget("carer-1"),
        s.finances(),
    )

    assert when(record, s.draft()) == ["SupportPlanDrafted"]
    assert when(record, s.draft("carer-1", plan=carer_plan())) == ["SupportPlanDrafted"]
    adult_budget = budget_for(record, s.case_id, ADULT)
    # Only the carer who was assessed counts towards the carer-neutral adjustment.
    assert [c["carer_id"] for c in adult_budget.calculation.inputs["carer_support"]] == ["carer-1"]
    refused(record, s.eligibility("carer-2"), "assessment_not_completed")
