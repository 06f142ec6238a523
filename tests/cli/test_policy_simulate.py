"""``carecase policy simulate``: a candidate rule set priced over the open cases from the command
line, as JSON or CSV, progress on standard error, the store and the views left as they were."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from config.bootstrap import build_case_record
from config.settings import Settings
from projections.catalogue import all_views
from projections.runner import ProjectionRunner
from projections.store import view_store_from_env
from simulation.caseload import generate_caseload, load
from tests.cli.test_cli import carecase
from tests.rule_sets import TEST_COUNCILS

pytestmark = [pytest.mark.cli, pytest.mark.sqlite]


def counts(store: Path) -> dict[str, int]:
    """How many rows every table of the store holds: the events, the views and everything else."""
    with sqlite3.connect(store) as conn:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {table: int(conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]) for table in tables}


def test_the_command_line_prices_the_open_cases_and_writes_nothing(tmp_path: Path):
    store = tmp_path / "store.sqlite"
    env = {"CARECASE_SQLITE_PATH": str(store), "CARECASE_POLICY_FOLDER": str(TEST_COUNCILS)}
    record = build_case_record(Settings.from_environment(env))
    record.observers = []  # no log line per command loaded
    try:
        load(record, generate_caseload(20, seed=13))
        views = view_store_from_env(Settings.from_environment(env).store_env())
        ProjectionRunner(record, views, all_views()).run_until_caught_up()
        views.close()
    finally:
        record.close()
    before = counts(store)
    assert before["stored_events"] and before["view_current_case"]
    current = (TEST_COUNCILS / "northmoor" / "ras-2026.1.toml").read_text(encoding="utf-8")
    candidate = tmp_path / "candidate.toml"
    candidate.write_text(current.replace("price_per_point_pence = 25_000", "price_per_point_pence = 27_500"))

    as_json = carecase("policy", "simulate", "--rule-set", str(candidate), cwd=tmp_path, **env)
    assert as_json.returncode == 0, as_json.stderr
    document = json.loads(as_json.stdout)
    assert document["simulation"]["scope"] == {"every_open_case": True}
    assert document["cases"] and document["totals"]["cases"] == len(document["cases"])
    assert document["totals"]["difference_pence"] == sum(c["difference_pence"] for c in document["cases"]) > 0
    assert f"simulated {document['simulation']['open_cases']}/{document['simulation']['open_cases']}" in as_json.stderr

    out = tmp_path / "simulation.csv"
    as_csv = carecase(
        "policy", "simulate", "--rule-set", str(candidate), "--format", "csv", "--out", str(out), cwd=tmp_path, **env
    )
    assert as_csv.returncode == 0 and as_csv.stdout == "", as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8").partition("\n")[2])))
    people = [r for r in rows if r["record"] == "person"]
    assert len(people) == sum(len(c["people"]) for c in document["cases"])
    assert sum(int(r["difference_pence"]) for r in people) == document["totals"]["difference_pence"]

    broken = tmp_path / "broken.toml"
    broken.write_text(current.replace("price_per_point_pence = 25_000", 'price_per_point_pence = "a lot"'))
    refused = carecase("policy", "simulate", "--rule-set", str(broken), cwd=tmp_path, **env)
    assert refused.returncode == 2 and "price_per_point_pence" in json.loads(refused.stderr)["field"]
    assert counts(store) == before
