"""A candidate rule set priced over a seeded caseload: the same rule set changes nothing, a price
per point 10% higher gives exactly the figures worked out here from each case's recorded answers,
and nothing is appended to the store or written to a view."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest

from domain.application import CaseRecord
from domain.errors import InvalidInput
from domain.need_to_know import Reach
from domain.policy_simulation import simulate_case
from domain.ras import parse_rule_set
from policy.simulation import csv_rows, lines, prepare
from projections.catalogue import all_views
from projections.runner import ProjectionRunner
from projections.store import ViewStore, view_store_from_env
from simulation.caseload import generate_caseload, load
from tests.clock import SteppingClock
from tests.rule_sets import TEST_COUNCILS

ON = date(2026, 6, 1)
CURRENT = (TEST_COUNCILS / "northmoor" / "ras-2026.1.toml").read_text(encoding="utf-8")
# Northmoor's RAS, as the files say (read here, not from the code): the adult's price per point,
# the carer-neutral reductions and give-back, and the carer's price per point.
ADULT_PRICE, CARER_PRICE = 25_000, 2_500
REDUCTION_BP = {"none": 0, "occasional": 1_000, "regular": 2_500, "substantial": 4_000}
MAX_REDUCTION_BP, BREAK_BP = 5_000, 2_000
ADULT_CAP = 2_000_000


def ten_percent_dearer() -> str:
    assert (
        f"price_per_point_pence = {ADULT_PRICE:_}" in CURRENT and f"price_per_point_pence = {CARER_PRICE:_}" in CURRENT
    )
    return (
        CURRENT.replace('version = "2026.1"', 'version = "2026.2"')
        .replace(f"price_per_point_pence = {ADULT_PRICE:_}", f"price_per_point_pence = {ADULT_PRICE * 11 // 10}")
        .replace(f"price_per_point_pence = {CARER_PRICE:_}", f"price_per_point_pence = {CARER_PRICE * 11 // 10}")
    )


def half_up(amount: int, basis_points: int) -> int:
    return (amount * basis_points + 5_000) // 10_000


def expected_adult(calculation: Any, price: int) -> int:
    neutral = calculation.total_points * price
    inputs = calculation.inputs
    counted = [c for c in inputs["carer_support"] if c["willing_to_continue_caring"] and c["able_to_continue_caring"]]
    reduction = half_up(neutral, min(MAX_REDUCTION_BP, sum(REDUCTION_BP[c["support_level"]] for c in counted)))
    return neutral - reduction + half_up(reduction, BREAK_BP)


def expected_carer(calculation: Any, price: int) -> int:
    return 0 if calculation.inputs["impact"] == "none" else calculation.total_points * price


@pytest.fixture
def caseload(
    record: CaseRecord, clock: SteppingClock, store_env: dict[str, str]
) -> Iterator[tuple[CaseRecord, ViewStore]]:
    clock.now = datetime(2026, 6, 1, tzinfo=UTC)
    load(record, generate_caseload(40, seed=13))
    views = view_store_from_env(store_env)
    ProjectionRunner(record, views, all_views()).run_until_caught_up()
    try:
        yield record, views
    finally:
        views.close()


def simulate(record: CaseRecord, views: ViewStore, content: str) -> list[dict[str, Any]]:
    simulation = prepare(
        record, views, content.encode(), reach=Reach(every_case=True), scope={"every_open_case": True}, on=ON
    )
    return list(lines(record, simulation))


def view_rows(views: ViewStore) -> int:
    with views.read() as cursor:
        return sum(
            cursor.execute(f"SELECT COUNT(*) FROM {table}").fetchall()[0][0]
            for table in ("view_current_case", "view_current_case_person")
        )


def test_the_rule_set_in_force_changes_nothing_and_ten_percent_dearer_gives_the_figures_worked_out(caseload):
    record, views = caseload
    position, rows = record.last_position(), view_rows(views)

    same = simulate(record, views, CURRENT)
    header, cases, totals = same[0], same[1:-1], same[-1]
    assert header["candidate"] == header["baseline"]
    assert len(cases) >= 10  # the seeded caseload has priced open cases
    for case in cases:
        assert case["difference_pence"] == case["council_difference_pence"] == 0
        assert all(p["difference_pence"] == 0 and p["old_pence"] == p["new_pence"] for p in case["people"])
        assert case["newly_over_cap"] == [] and case["not_priced"] == []
    assert (totals["up"], totals["down"], totals["unchanged"]) == (0, 0, len(cases))
    assert totals["annual_cost_to_council"]["change_pence"] == 0

    dearer = simulate(record, views, ten_percent_dearer())
    assert dearer[0]["candidate"]["version"] == "2026.2"
    priced = {case["case_id"]: case for case in dearer[1:-1]}
    assert set(priced) == {case["case_id"] for case in cases}
    total_change = total_cost_change = up = 0
    names: list[str] = []
    over_cap = []
    for case_id, case in priced.items():
        state = record.get_case(UUID(case_id)).state
        names += [p.name for p in state.people.values()]
        case_change = 0
        for person in case["people"]:
            recorded = state.people[person["person_id"]].budget
            if person["kind"] == "adult":
                old, new = expected_adult(recorded, ADULT_PRICE), expected_adult(recorded, ADULT_PRICE * 11 // 10)
            else:
                old, new = expected_carer(recorded, CARER_PRICE), expected_carer(recorded, CARER_PRICE * 11 // 10)
            assert (person["old_pence"], person["new_pence"], person["difference_pence"]) == (old, new, new - old)
            assisted = state.people[person["person_id"]].assessed_contribution_pence or 0
            if person["kind"] == "carer":
                assisted = 0
            assert person["new_council_pence"] == new - min(assisted, new)
            assert person["old_council_pence"] == old - min(assisted, old)
            total_cost_change += person["new_council_pence"] - person["old_council_pence"]
            case_change += new - old
            if person["kind"] == "adult" and new > ADULT_CAP >= old:
                over_cap.append(case_id)
        assert case["difference_pence"] == case_change
        total_change += case_change
        up += case_change > 0
    totals = dearer[-1]
    assert totals["difference_pence"] == total_change > 0
    assert totals["up"] == up and totals["down"] == 0 and totals["up"] + totals["unchanged"] == len(priced)
    assert totals["annual_cost_to_council"]["change_pence"] == total_cost_change
    assert totals["newly_over_cap"]["case_ids"] == sorted(set(over_cap), key=list(priced).index)
    assert sum(g["cases"] for g in totals["by"]["team"].values()) == len(priced)
    assert sum(g["difference_pence"] for g in totals["by"]["budget_band"].values()) == total_change

    csv_text = "".join(csv_rows(iter(dearer)))
    assert csv_text.count("\nperson,") == sum(len(c["people"]) for c in priced.values())
    as_json = json.dumps(dearer)
    assert names and not [name for name in names if name in csv_text or name in as_json]  # ids, never names

    lower_cap = CURRENT.replace('version = "2026.1"', 'version = "2026.3"').replace(
        f"cap_pence = {ADULT_CAP:_}", "cap_pence = 900_000"
    )
    assert "cap_pence = 900_000" in lower_cap
    capped = simulate(record, views, lower_cap)
    newly_over = [
        case["case_id"]
        for case in dearer[1:-1]
        for person in case["people"]
        if person["kind"] == "adult" and 900_000 < person["old_pence"] <= ADULT_CAP
    ]
    assert newly_over and capped[-1]["newly_over_cap"] == {"cases": len(newly_over), "case_ids": newly_over}
    assert capped[-1]["difference_pence"] == 0

    # A case priced with an earlier version than the one in force: old is the version in force.
    in_force = parse_rule_set(ten_percent_dearer().encode())
    priced_adult = next(c for c in cases if any(p["kind"] == "adult" for p in c["people"]))
    state = record.get_case(UUID(priced_adult["case_id"])).state
    again = simulate_case(state, baseline=in_force, candidate=in_force)
    assert again is not None and again.difference_pence == 0
    adult = next(p for p in again.people if p.kind == "adult")
    assert adult.priced_with_version == "2026.1"
    assert adult.old_pence == expected_adult(state.adult.budget, ADULT_PRICE * 11 // 10) == adult.new_pence

    # A candidate that no longer asks a recorded question prices nobody it asked, and says why.
    renamed = parse_rule_set(CURRENT.replace('id = "community"', 'id = "community_access"').encode())
    unpriced = simulate_case(state, baseline=parse_rule_set(CURRENT.encode()), candidate=renamed)
    assert unpriced is not None and "adult" not in {p.kind for p in unpriced.people}
    assert [(n.person_id, n.code, n.field) for n in unpriced.not_priced if n.kind == "adult"] == [
        (adult.person_id, "unknown_ras_question", "answers.community")
    ]

    assert record.last_position() == position  # nothing appended to the store
    assert view_rows(views) == rows


def test_a_candidate_that_is_not_a_rule_set_is_refused_naming_the_field(caseload):
    record, views = caseload
    broken = CURRENT.replace("price_per_point_pence = 25_000", "price_per_point_pence = 25.5")
    with pytest.raises(InvalidInput) as refused:
        simulate(record, views, broken)
    assert refused.value.field is not None and "price_per_point" in refused.value.field
