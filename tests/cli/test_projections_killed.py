"""`carecase projections rebuild` killed with SIGKILL part way, then restarted, ends with views
identical to a clean rebuild: each batch (view rows and positions) commits whole or not at all."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from domain.application import CaseRecord
from policy.catalogue import RuleSetCatalogue
from simulation.caseload import generate_caseload, load
from tests.cli.test_cli import ROOT, carecase
from tests.projections.story import TABLES
from tests.rule_sets import TEST_COUNCILS

pytestmark = [pytest.mark.cli, pytest.mark.sqlite]


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall() for table, order in TABLES.items()
        }


def lowest_position(path: Path) -> int:
    try:
        with sqlite3.connect(path, timeout=1) as conn:
            rows = conn.execute("SELECT MIN(position), COUNT(*) FROM projection_tracking").fetchone()
        return int(rows[0] or 0)
    except sqlite3.OperationalError:
        return 0


def test_a_rebuild_killed_part_way_and_restarted_ends_like_a_clean_rebuild(tmp_path: Path):
    store = tmp_path / "carecase.sqlite"
    record = CaseRecord(
        {"PERSISTENCE_MODULE": "eventstore.sqlite", "SQLITE_DBNAME": str(store)},
        rule_sets=RuleSetCatalogue(TEST_COUNCILS),
    )
    load(record, generate_caseload(40, seed=7))
    total = record.last_position()
    record.close()
    env = {"CARECASE_SQLITE_PATH": str(store)}

    assert carecase("projections", "rebuild", cwd=tmp_path, **env).returncode == 0
    clean = dump(store)
    assert len(clean["view_current_case"]) == 40

    environ = dict(os.environ, PYTHONPATH=str(ROOT), CARECASE_LOG_LEVEL="warning", **env)
    rebuild = subprocess.Popen(
        [sys.executable, "-m", "workers.cli", "projections", "rebuild", "--batch", "20"],
        cwd=tmp_path,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Wait until the reset has committed and at least one batch after it, then kill without warning.
    deadline = time.monotonic() + 60
    while not (0 < lowest_position(store) < total) and time.monotonic() < deadline:
        time.sleep(0.005)
    rebuild.send_signal(signal.SIGKILL)
    rebuild.wait()
    stopped_at = lowest_position(store)
    assert 0 < stopped_at < total, f"the kill missed the rebuild (position {stopped_at} of {total})"

    resumed = carecase("projections", "run", "--until-caught-up", cwd=tmp_path, **env)
    assert resumed.returncode == 0, resumed.stderr
    assert dump(store) == clean
