"""Aligned plans that really align: ``aligned_with`` names a plan on the case; replacement care (a
carer's break) is in both the adult's and the carer's plan, with the adult's agreement; revising one
of two aligned plans puts a work item on the other."""

from __future__ import annotations

from typing import Any

from domain.application import CaseRecord
from domain.case.work import work_items
from tests.builders import ADULT, Scenario, plan_for
from tests.domain.story import carer_plan, given, refused, state, when

BREAK = {
    "need": "a break from caring",
    "what": "sitting service, one afternoon a week",
    "category": "replacement_care_break",
    "provider": "agency",
    "provider_name": "Northmoor Sitters",
    "frequency": "weekly",
    "units_per_period": 4,
    "unit_cost_pence": 2_000,
    "held_as": "direct_payment",
}


def adult_plan(with_break: bool, **overrides: Any) -> dict[str, Any]:
    plan = plan_for(ADULT, **overrides)
    if with_break:
        plan["lines"].append(BREAK)
    return plan


def carers_plan(agreed: bool = True, **overrides: Any) -> dict[str, Any]:
    plan = carer_plan(aligned_with=[ADULT])
    plan["lines"].append({**BREAK, "cared_for_person_agreed": agreed})
    plan.update(overrides)
    return plan


def aligned_items(record: CaseRecord, s: Scenario) -> list[tuple[str | None, str | None]]:
    return [(i.person_id, i.ref) for i in work_items(state(record, s.case_id)) if i.kind == "aligned_plan_revised"]


def test_aligned_with_must_name_another_plan_on_the_case(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_planning())

    error = refused(record, s.draft("carer-1", plan=carer_plan(aligned_with=[ADULT])), "aligned_plan_not_found")
    assert (error.field, error.details) == ("plan.aligned_with", {"plans": []})
    given(record, s.draft(plan=adult_plan(False)))
    refused(record, s.draft("carer-1", plan=carer_plan(aligned_with=["nobody"])), "aligned_plan_not_found")
    refused(record, s.draft("carer-1", plan=carer_plan(aligned_with=["carer-1"])), "aligned_plan_not_found")

    assert when(record, s.draft("carer-1", plan=carer_plan(aligned_with=[ADULT]))) == ["SupportPlanDrafted"]


def test_replacement_care_is_in_both_plans_with_the_adults_agreement(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_planning(), s.draft(plan=adult_plan(False)), s.draft("carer-1", plan=carers_plan(False)))

    refused(record, s.submit("carer-1"), "replacement_care_needs_the_adults_agreement")
    given(record, s.revise("carer-1", plan=carers_plan(True), reason="the adult agreed to the sitter"))
    error = refused(record, s.submit("carer-1"), "replacement_care_not_in_both_plans")
    assert error.details == {"aligned_with": [ADULT]}

    given(record, s.revise(plan=adult_plan(True), reason="the carer's break is care for her"))
    assert when(record, s.submit("carer-1")) == ["SupportPlanSubmitted"]
    assert when(record, s.submit()) == ["SupportPlanSubmitted"]


def test_the_adults_plan_with_replacement_care_needs_it_in_the_aligned_carers_plan_too(record: CaseRecord):
    s = Scenario()
    given(
        record,
        s.up_to_planning(),
        s.draft("carer-1", plan=carer_plan()),
        s.draft(plan=adult_plan(True, aligned_with=["carer-1"])),
    )

    error = refused(record, s.submit(), "replacement_care_not_in_both_plans")
    assert error.details == {"aligned_with": ["carer-1"]}


def test_a_carers_plan_not_aligned_with_an_adults_carries_replacement_care_with_the_adults_agreement(
    record: CaseRecord,
):
    s = Scenario()
    plan = carer_plan()
    plan["lines"].append({**BREAK, "cared_for_person_agreed": False})
    given(record, s.up_to_planning(), s.draft("carer-1", plan=plan))

    refused(record, s.submit("carer-1"), "replacement_care_needs_the_adults_agreement")
    plan["lines"][-1]["cared_for_person_agreed"] = True
    given(record, s.revise("carer-1", plan=plan, reason="the adult agreed to the sitter"))
    assert when(record, s.submit("carer-1")) == ["SupportPlanSubmitted"]


def test_revising_one_of_two_aligned_plans_puts_a_work_item_on_the_other(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_planning(), s.draft(plan=adult_plan(True)), s.draft("carer-1", plan=carers_plan()))
    assert aligned_items(record, s) == []

    given(record, s.revise(plan=adult_plan(True, weekly_hours=11), reason="an extra hour in the mornings"))
    assert aligned_items(record, s) == [("carer-1", ADULT)]
    item = next(i for i in work_items(state(record, s.case_id)) if i.kind == "aligned_plan_revised")
    assert (item.role.value, item.item_id) == ("social_worker", f"aligned_plan_revised:carer-1:{ADULT}")

    # The carer's plan revised in answer: the item is done, and the answer does not bounce back.
    given(record, s.revise("carer-1", plan=carers_plan(), reason="checked against the adult's new plan"))
    assert aligned_items(record, s) == []

    # A revision of the carer's plan on its own account is the adult's to look at; submitting it clears it.
    given(record, s.revise("carer-1", plan=carers_plan(contingency="a second sitter"), reason="new contingency"))
    assert aligned_items(record, s) == [(ADULT, "carer-1")]
    given(record, s.submit())
    assert aligned_items(record, s) == []
