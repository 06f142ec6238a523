"""B6: a candidate rule set simulated over 10,000 open cases (issue 13, item 4; decision 0039).

The open cases are real: generated cases loaded through the case record, the open ones then
copied under new case ids (their stored events, with the case id inside each event's state
rewritten, and their current-case view row), so the store holds as many open cases as asked while
the filling takes seconds rather than the hours building them command by command would. The
simulation reads them exactly as the product does (``policy.simulation``: the view for the ids,
the store a batch at a time, folded with no personal value opened) and writes its JSON document
to memory. In the same run, two baselines: the same batched read and fold with no pricing (what
the reading costs), and loading the cases one at a time through the library's repository
(``repository.get`` per case, the round trip per case the batched read avoids), on a sample.
"""

from __future__ import annotations

import io
import os
import random
import sqlite3
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from bench.measure import own_cpu_seconds
from domain.application import CaseRecord
from domain.need_to_know import Reach
from policy import simulation
from projections.catalogue import all_views
from projections.current_case import CASE, CASE_COLUMNS
from projections.runner import ProjectionRunner
from projections.store import view_store_from_env
from simulation.caseload import generate_caseload, load
from simulation.rule_sets import caseload_councils

EVENTS = "stored_events"


def fill(record: CaseRecord, env: dict[str, str], templates: int, open_cases: int, seed: int = 20261202) -> int:
    """Load ``templates`` generated cases, then copy the open ones until ``open_cases`` are open."""
    load(record, generate_caseload(templates, seed))
    views = view_store_from_env(env)
    try:
        ProjectionRunner(record, views, all_views()).run_until_caught_up()
    finally:
        views.close()
    conn = sqlite3.connect(env["SQLITE_DBNAME"])
    try:
        open_ids = [row[0] for row in conn.execute(f"SELECT case_id FROM {CASE} WHERE closed = 0")]
        rows = {
            case_id: conn.execute(
                f"SELECT originator_version, topic, state FROM {EVENTS} WHERE originator_id = ?", (case_id,)
            ).fetchall()
            for case_id in open_ids
        }
        others = ", ".join(c for c in CASE_COLUMNS if c != "case_id")
        rng = random.Random(seed)
        count = len(open_ids)
        while count < open_cases:
            conn.execute("BEGIN")
            for _ in range(min(500, open_cases - count)):
                template = rng.choice(open_ids)
                new = uuid.uuid4().hex
                old, fresh = template.encode(), new.encode()
                conn.executemany(
                    f"INSERT INTO {EVENTS} (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
                    [
                        (new, version, topic, bytes(state).replace(old, fresh))
                        for version, topic, state in rows[template]
                    ],
                )
                conn.execute(
                    f"INSERT INTO {CASE} (case_id, {others}) SELECT ?, {others} FROM {CASE} WHERE case_id = ?",
                    (new, template),
                )
                count += 1
            conn.execute("COMMIT")
        return count
    finally:
        conn.close()


def candidate_text() -> bytes:
    """Northmoor's rule set with the price per point 10% higher: every priced case changes."""
    text = (caseload_councils() / "northmoor" / "ras-2026.1.toml").read_text(encoding="utf-8")
    return (
        text.replace('version = "2026.1"', 'version = "2026.2"')
        .replace("price_per_point_pence = 25_000", "price_per_point_pence = 27_500")
        .encode()
    )


def run(record: CaseRecord, env: dict[str, str], templates: int, open_cases: int, sample: int) -> dict[str, Any]:
    began = time.perf_counter()
    filled = fill(record, env, templates, open_cases)
    fill_seconds = time.perf_counter() - began
    events = sqlite3.connect(env["SQLITE_DBNAME"]).execute(f"SELECT COUNT(*) FROM {EVENTS}").fetchone()[0]
    views = view_store_from_env(env)
    fresh = CaseRecord(env, rule_sets=record.services.rule_sets)
    try:
        on = datetime.now(UTC).date()
        cpu = own_cpu_seconds()
        began = time.perf_counter()
        prepared = simulation.prepare(
            fresh, views, candidate_text(), reach=Reach(every_case=True), scope={"every_open_case": True}, on=on
        )
        out = io.StringIO()
        for chunk in simulation.json_document(simulation.lines(fresh, prepared)):
            out.write(chunk)
        simulated = time.perf_counter() - began
        simulated_cpu = own_cpu_seconds() - cpu
        document_bytes = len(out.getvalue().encode())
        totals_at = out.getvalue().rindex('"totals": ')
        totals = out.getvalue()[totals_at : totals_at + 200]

        ids = [uuid.UUID(c) for c in prepared.case_ids]
        cpu = own_cpu_seconds()
        began = time.perf_counter()
        folded = sum(1 for _ in fresh.cases_for_figures(ids))
        read_only = time.perf_counter() - began
        read_only_cpu = own_cpu_seconds() - cpu

        picked = random.Random(1).sample(ids, min(sample, len(ids)))
        cpu = own_cpu_seconds()
        began = time.perf_counter()
        for case_id in picked:
            fresh.repository.get(case_id)
        one_by_one = (time.perf_counter() - began) / len(picked)
        one_by_one_cpu = (own_cpu_seconds() - cpu) / len(picked)
    finally:
        fresh.close()
        views.close()
    return {
        "open_cases": filled,
        "store_events": int(events),
        "fill_seconds": round(fill_seconds, 1),
        "simulation_seconds": round(simulated, 2),
        "simulation_cpu_seconds": round(simulated_cpu, 2),
        "cases_per_second": round(filled / simulated, 1),
        "document_mib": round(document_bytes / 2**20, 1),
        "totals_start": totals,
        "read_and_fold_seconds": round(read_only, 2),
        "read_and_fold_cpu_seconds": round(read_only_cpu, 2),
        "read_and_fold_cases": folded,
        "pricing_share_of_cpu": round(1 - read_only_cpu / simulated_cpu, 3),
        "repository_get_ms_per_case": round(one_by_one * 1000, 3),
        "repository_get_cpu_ms_per_case": round(one_by_one_cpu * 1000, 3),
        "repository_get_sample": len(picked),
        "repository_get_extrapolated_seconds": round(one_by_one * filled, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
