"""``carecase retention run``, run as the council would run it each day.

Story: a closed case about a person with a distinctive name, and an open case about another, are
recorded by a process that logs every command to a file, and the views are built. With a
retention period of 0 days, the run erases the closed case: its people's names are then in no
table of the store (events, keys, views, outbox), nowhere in the file's bytes after compaction,
nor in the log; the chain and the budget decision still verify and the views say "erased". The
open case keeps its data.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import pytest

from domain.application import CaseRecord
from policy.catalogue import RuleSetCatalogue
from tests.store.test_crypto_shredding import SECRETS, budget_version

ROOT = Path(__file__).parents[2]
pytestmark = [pytest.mark.cli, pytest.mark.sqlite]
OPEN_NAME = "Ottoline Vexbridge"

# Records the two cases through the product's own wiring (a case record that logs every command).
RECORD_CASES = f"""
import json
from config.bootstrap import build_case_record
from tests.builders import Scenario
from tests.store.test_crypto_shredding import distinctive_case

record = build_case_record()
closed, still_open = Scenario(), Scenario()
for command in distinctive_case(closed):
    record.handle(command)
for command in (still_open.referral(adult_name={OPEN_NAME!r}), still_open.screen()):
    record.handle(command)
print(json.dumps({{"closed": closed.case_id.hex, "open": still_open.case_id.hex}}))
"""


def carecase(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )


def every_value(db: Path) -> dict[str, list[bytes]]:
    """Every value of every table of the SQLite file, as bytes, by table."""
    found: dict[str, list[bytes]] = {}
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            found[table] = [
                value if isinstance(value, bytes) else str(value).encode()
                for row in conn.execute(f'SELECT * FROM "{table}"')
                for value in row
            ]
    return found


def tables_holding(db: Path, secret: bytes) -> list[str]:
    return sorted(table for table, values in every_value(db).items() if any(secret in v for v in values))


def file_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


def test_a_retention_run_shreds_a_closed_case_and_leaves_an_open_one(tmp_path: Path) -> None:
    db = tmp_path / "store.sqlite"
    log = tmp_path / "carecase.log"
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        CARECASE_SQLITE_PATH=str(db),
        CARECASE_LOG_FILE=str(log),
        CARECASE_LOG_LEVEL="info",
        CARECASE_RETENTION_DAYS="0",
    )
    made = carecase("-c", RECORD_CASES, env=env)
    assert made.returncode == 0, made.stderr
    cases = json.loads(made.stdout)
    rebuilt = carecase("-m", "workers.cli", "projections", "rebuild", env=env)
    assert rebuilt.returncode == 0, rebuilt.stderr

    # Before: the views show the names (so the scans below can fail), the events and keys never do.
    holding = tables_holding(db, b"Quillfeather")
    assert "view_current_case" in holding and "view_audit_timeline" in holding
    assert not {"stored_events", "person_keys"} & set(holding)
    assert log.read_text() and b"Quillfeather" not in log.read_bytes()

    run = carecase("-m", "workers.cli", "retention", "run", "--now", "2030-01-01T00:00:00+00:00", env=env)
    assert run.returncode == 0, run.stderr
    assert f"erased  {cases['closed']}" in run.stdout and cases["open"] not in run.stdout
    assert run.stdout.rstrip().endswith("1 closed case(s) checked against 0 days after closure; 1 erased")

    # After: no table, no byte of the file and no log line holds the names.
    for secret in SECRETS:
        assert tables_holding(db, secret) == []
        assert secret not in file_bytes(db)
        assert secret not in log.read_bytes()
    with sqlite3.connect(db) as conn:
        adult, erased_people = conn.execute(
            "SELECT adult_name, (SELECT COUNT(*) FROM view_current_case_person p WHERE p.case_id = c.case_id "
            "AND p.name = 'erased') FROM view_current_case c WHERE c.case_id = ?",
            (cases["closed"],),
        ).fetchone()
        still = conn.execute("SELECT adult_name FROM view_current_case WHERE case_id = ?", (cases["open"],)).fetchone()
        destroyed = conn.execute("SELECT COUNT(*) FROM person_keys WHERE key IS NULL").fetchone()[0]
    assert (adult, erased_people) == ("erased", 2)
    assert still == (OPEN_NAME,)
    assert destroyed == 2

    verify = carecase("-m", "workers.cli", "audit", "verify", env=env)
    assert verify.returncode == 0 and "2 case(s) checked, 0 with a broken chain" in verify.stdout
    ras = carecase("-m", "workers.cli", "ras", "verify", env=env)
    assert ras.returncode == 0, ras.stdout
    record = CaseRecord(
        {"PERSISTENCE_MODULE": "eventstore.sqlite", "SQLITE_DBNAME": str(db)}, rule_sets=RuleSetCatalogue()
    )
    try:
        closed = UUID(cases["closed"])
        assert record.verify_decision(closed, budget_version(record, closed)).verified
        assert record.get_case(closed).state.adult.name == "erased"
        assert record.get_case(UUID(cases["open"])).state.adult.name == OPEN_NAME
    finally:
        record.close()

    # A second run finds nothing left to erase.
    again = carecase("-m", "workers.cli", "retention", "run", "--now", "2030-01-01T00:00:00+00:00", env=env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.rstrip().endswith("1 closed case(s) checked against 0 days after closure; 0 erased")


def test_a_retention_run_refuses_an_instant_without_its_offset(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), CARECASE_SQLITE_PATH=str(tmp_path / "s.sqlite"))
    refused = carecase("-m", "workers.cli", "retention", "run", "--now", "2030-01-01T00:00:00", env=env)
    assert refused.returncode == 2 and "offset" in refused.stderr
