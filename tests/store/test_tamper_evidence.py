"""Tampering with stored history is detected, and only the cases tampered with are named.

Story: three cases are recorded in an SQLite file; someone edits the bytes of one stored event in
one case (or deletes or reorders events in another). ``carecase audit verify`` names exactly those.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from domain.application import CaseRecord
from policy.catalogue import RuleSetCatalogue
from tests.builders import Scenario
from tests.clock import SteppingClock
from tests.rule_sets import TEST_COUNCILS


def _three_cases(db: Path) -> list[Scenario]:
    app = CaseRecord(
        {"PERSISTENCE_MODULE": "eventstore.sqlite", "SQLITE_DBNAME": str(db)},
        rule_sets=RuleSetCatalogue(TEST_COUNCILS),
        clock=SteppingClock(),
    )
    stories = [Scenario() for _ in range(3)]
    for story in stories:
        for command in story.up_to_gate():
            app.handle(command)
    app.close()
    return stories


def _verify(db: Path) -> subprocess.CompletedProcess[str]:
    # The checkpoint log beside the store: none is taken here, so the chains alone are checked.
    env = dict(
        os.environ,
        CARECASE_SQLITE_PATH=str(db),
        CARECASE_CHECKPOINT_DIR=str(db.parent / "checkpoints"),
        CARECASE_LOG_LEVEL="warning",
    )
    return subprocess.run(
        [sys.executable, "-m", "workers.cli", "audit", "verify", "--json"],
        env=env,
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
        timeout=120,
    )


def _named(result: subprocess.CompletedProcess[str]) -> set[str]:
    return {case["case_id"] for case in json.loads(result.stdout)["broken"]}


@pytest.mark.sqlite
@pytest.mark.cli
def test_an_untouched_store_verifies(tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite"
    _three_cases(db)
    result = _verify(db)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "cases_checked": 3,
        "policy_streams_checked": 0,  # nothing published in this store (decision 0034)
        "broken": [],
        "checkpoint": None,
        "checkpoint_problems": [],
        "against_checkpoint": [],
        "orphaned_instructions": [],
    }


@pytest.mark.sqlite
@pytest.mark.cli
def test_one_altered_byte_names_that_case_and_no_other(tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite"
    stories = _three_cases(db)
    victim = stories[1].case_id.hex
    with sqlite3.connect(db) as conn:
        (state,) = conn.execute(
            "SELECT state FROM stored_events WHERE originator_id=? AND originator_version=2", (victim,)
        ).fetchone()
        altered = state.replace(b"needs appear to be ongoing", b"needs appear to be ongoinG")
        assert altered != state
        conn.execute(
            "UPDATE stored_events SET state=? WHERE originator_id=? AND originator_version=2", (altered, victim)
        )
    result = _verify(db)
    assert result.returncode == 1
    assert _named(result) == {victim}


@pytest.mark.sqlite
@pytest.mark.cli
def test_removed_and_reordered_events_are_named(tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite"
    stories = _three_cases(db)
    removed, reordered = stories[0].case_id.hex, stories[2].case_id.hex
    with sqlite3.connect(db) as conn:
        last = conn.execute(
            "SELECT MAX(originator_version) FROM stored_events WHERE originator_id=?", (removed,)
        ).fetchone()[0]
        conn.execute("DELETE FROM stored_events WHERE originator_id=? AND originator_version=?", (removed, last))
        rows = dict(
            conn.execute(
                "SELECT originator_version, state FROM stored_events"
                " WHERE originator_id=? AND originator_version IN (3,4)",
                (reordered,),
            ).fetchall()
        )
        for version, other in ((3, 4), (4, 3)):
            conn.execute(
                "UPDATE stored_events SET state=? WHERE originator_id=? AND originator_version=?",
                (rows[other], reordered, version),
            )
    result = _verify(db)
    assert result.returncode == 1
    assert _named(result) == {removed, reordered}
    problems = {case["case_id"]: case["problems"] for case in json.loads(result.stdout)["broken"]}
    assert any("removed" in p["problem"] for p in problems[removed])


def test_verify_for_one_case_on_either_store(record: CaseRecord) -> None:
    story = Scenario()
    for command in story.up_to_gate():
        record.handle(command)
    report = record.verify_chain(story.case_id)
    assert report.intact and report.events == len(record.stored_events(story.case_id))
