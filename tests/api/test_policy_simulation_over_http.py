"""POST /policy/simulations over HTTP: an admin's covers every open case, a team manager's only
their teams' cases, a social worker is refused, a broken candidate is one problem naming the field,
the answer streams as NDJSON or CSV with the totals last, and nothing is recorded but the read."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from uuid import UUID

import httpx

from api.backend import Backend
from domain.application import CaseRecord
from projections.runner import ProjectionRunner
from simulation.caseload import generate_caseload, load
from tests.api.conftest import CASEWORK_TEAMS
from tests.rule_sets import TEST_COUNCILS

CURRENT = (TEST_COUNCILS / "northmoor" / "ras-2026.1.toml").read_text(encoding="utf-8")
DEARER = CURRENT.replace('version = "2026.1"', 'version = "2026.2"').replace(
    "price_per_point_pence = 25_000", "price_per_point_pence = 27_500"
)


async def caseload_in_the_views(record: CaseRecord, runner: ProjectionRunner) -> None:
    await asyncio.to_thread(load, record, generate_caseload(40, seed=13))
    while min(runner.positions().values(), default=0) < record.last_position():
        await asyncio.sleep(0.05)


async def simulate(http: httpx.AsyncClient, key: str, content: str, **params: str) -> httpx.Response:
    return await http.post(
        "/policy/simulations", json={"content": content}, params=params, headers={"Authorization": f"Bearer {key}"}
    )


async def test_a_simulation_streams_each_case_and_the_totals_and_records_nothing_but_the_read(
    http: httpx.AsyncClient, tokens, backend: Backend, case_record: CaseRecord, views_running: ProjectionRunner
):
    keys = tokens[1]
    await caseload_in_the_views(case_record, views_running)
    position = case_record.last_position()
    open_cases = {
        case_id.hex: case_record.get_case(case_id).state
        for case_id in case_record.case_ids()
        if not case_record.get_case(case_id).state.closed
    }

    admin = await simulate(http, keys["admin"], DEARER)
    assert admin.status_code == 200 and admin.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in admin.text.splitlines()]
    header, cases, totals = lines[0], lines[1:-1], lines[-1]
    assert (header["record"], totals["record"]) == ("simulation", "totals")
    assert header["scope"] == {"every_open_case": True} and header["open_cases"] == len(open_cases)
    assert header["candidate"]["version"] == "2026.2" and header["baseline"]["version"] == "2026.1"
    assert cases and {c["case_id"] for c in cases} <= set(open_cases)
    for case in cases:  # 10% on the price per point: every adult's figure, before and after, in step
        adult = next(p for p in case["people"] if p["kind"] == "adult")
        recorded = open_cases[case["case_id"]].adult.budget
        assert adult["old_pence"] == recorded.indicative_pence
        assert adult["new_pence"] * 10 == adult["old_pence"] * 11 or any(a.amount_pence for a in recorded.adjustments)
    assert totals["cases"] == len(cases) and totals["up"] == len(cases)
    names = [p.name for state in open_cases.values() for p in state.people.values()]
    assert not [name for name in names if name in admin.text]

    manager = await simulate(http, keys["team_manager"], DEARER, format="csv")
    assert manager.status_code == 200 and manager.headers["content-type"].startswith("text/csv")
    comment, _, body = manager.text.partition("\n")
    assert comment.startswith("# policy simulation of northmoor-ras 2026.2")
    rows = list(csv.DictReader(io.StringIO(body)))
    people = [r for r in rows if r["record"] == "person"]
    theirs = {c["case_id"] for c in cases if c["team"] in CASEWORK_TEAMS}
    assert theirs and {r["case_id"] for r in people} == theirs
    assert {r["team"] for r in people} <= set(CASEWORK_TEAMS)
    everything = next(r for r in rows if r["record"] == "total" and r["team"] == "all")
    assert int(everything["cases"]) == len(theirs)
    assert int(everything["difference_pence"]) == sum(int(r["difference_pence"]) for r in people)

    refused = await simulate(http, keys["social_worker"], DEARER)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    broken = await simulate(
        http, keys["admin"], CURRENT.replace("price_per_point_pence = 25_000", "price_per_point_pence = -1")
    )
    assert broken.status_code == 422 and broken.headers["content-type"] == "application/problem+json"
    assert "price_per_point_pence" in broken.json()["field"]

    assert case_record.last_position() == position  # no event
    reads = backend.log.reads(case_id=None, user_id=None, limit=10)
    simulated = [r for r in reads if r["what"] == "policy_simulation"]
    assert [r["user_id"] for r in simulated] == ["team-manager-1", "admin-1"]
    assert set(simulated[1]["case_ids"]) == set(open_cases)
    assert {UUID(c) for c in simulated[0]["case_ids"]} >= {UUID(c) for c in theirs}
