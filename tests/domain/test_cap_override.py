"""P2: an allocation above the council's cap is flagged, never silently cut; going on needs a
reasoned override (CSSG 10.27)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from domain.application import CaseRecord
from policy.catalogue import RuleSetCatalogue
from tests.builders import ADULT, MANAGER, PANEL, WORKER, Scenario
from tests.domain.story import budget_for, given, last, refused, state, when
from tests.rule_sets import TEST_COUNCILS

LOW_CAP_PENCE = 500_000  # £5,000 a year: below the £8,800.00 the northmoor RAS gives the default adult
INDICATIVE_PENCE = 880_000


@pytest.fixture
def catalogue(tmp_path: Path) -> RuleSetCatalogue:
    """Northmoor's published rule set with a low adult cap, published in a folder of its own."""
    published = (TEST_COUNCILS / "northmoor" / "ras-2026.1.toml").read_text()
    assert published.count("cap_pence = 2_000_000") == 1
    folder = tmp_path / "rule-sets" / "northmoor"
    folder.mkdir(parents=True)
    (folder / "ras-2026.1.toml").write_text(published.replace("cap_pence = 2_000_000", f"cap_pence = {LOW_CAP_PENCE}"))
    return RuleSetCatalogue(tmp_path / "rule-sets")


def test_an_indicative_budget_above_the_cap_is_flagged_and_not_cut(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_gate(), s.carers_assessed(), s.eligibility())

    when(record, s.budget())

    calculation = budget_for(record, s.case_id, ADULT).calculation
    assert (calculation.cap_pence, calculation.exceeds_cap, calculation.indicative_pence) == (
        LOW_CAP_PENCE,
        True,
        INDICATIVE_PENCE,
    )
    assert "£3,800.00 above the rule set's upper limit of £5,000.00" in calculation.explanation
    assert "The limit has not been applied" in calculation.explanation


def test_a_plan_on_a_capped_budget_is_not_submitted_without_a_reasoned_override(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_planning())
    assert when(record, s.draft()) == ["SupportPlanDrafted"]  # planning may start; going to sign-off may not

    error = refused(record, s.submit(), "cap_override_required")

    assert "CSSG 10.27" in error.message


def test_a_cap_override_without_reasons_is_refused_at_the_door():
    s = Scenario()

    with pytest.raises(ValidationError) as caught:
        s.override_cap(approved_pence=INDICATIVE_PENCE, reasons="")

    assert [e["loc"] for e in caught.value.errors()] == [("reasons",)]


def test_a_reasoned_override_is_recorded_and_the_plan_can_then_be_submitted(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_planning(), s.draft())

    assert when(
        record,
        s.override_cap(
            approved_pence=INDICATIVE_PENCE, reasons="two carers visits a day are the least that meets her needs"
        ),
    ) == ["BudgetCapOverridden"]

    override = last(record, s.case_id, "BudgetCapOverridden")
    assert (override.person_id, override.cap_pence, override.indicative_pence, override.approved_pence) == (
        ADULT,
        LOW_CAP_PENCE,
        INDICATIVE_PENCE,
        INDICATIVE_PENCE,
    )
    assert override.reasons == "two carers visits a day are the least that meets her needs"
    assert override.actor == MANAGER
    assert when(record, s.submit()) == ["SupportPlanSubmitted"]
    assert last(record, s.case_id, "SupportPlanSubmitted").budget_pence == INDICATIVE_PENCE


def test_recalculating_a_capped_budget_needs_a_fresh_override(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_planning(), s.draft(), s.override_cap(approved_pence=INDICATIVE_PENCE))

    given(record, s.budget())

    assert state(record, s.case_id).adult.cap_override_pence is None
    refused(record, s.submit(), "cap_override_required")


def test_a_budget_within_its_cap_has_nothing_to_override(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_planning())
    assert budget_for(record, s.case_id, "carer-1").calculation.exceeds_cap is False  # £525.00 under £1,000.00

    error = refused(record, s.override_cap("carer-1", approved_pence=60_000), "cap_not_exceeded")

    assert "within the cap" in error.message


def test_there_is_nothing_to_override_before_a_budget_is_calculated(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_gate(), s.decline(), s.eligibility())

    refused(record, s.override_cap(approved_pence=INDICATIVE_PENCE), "cap_not_exceeded")


def test_only_a_team_manager_or_the_panel_may_override_a_cap(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_planning(), s.draft())

    refused(record, s.override_cap(approved_pence=INDICATIVE_PENCE, actor=WORKER), "override_needs_authority")
    assert when(record, s.override_cap(approved_pence=INDICATIVE_PENCE, actor=PANEL)) == ["BudgetCapOverridden"]
