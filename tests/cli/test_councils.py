"""`carecase councils add` sets up a council's own partition; the record commands take `--council`
and check, rebuild, back up and retain that council's record alone (decision 0040)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import pytest

from config.councils import council_settings, read_registry
from domain.application import CaseRecord
from policy.catalogue import RuleSetCatalogue
from tests.builders import Scenario
from tests.clock import SteppingClock
from tests.rule_sets import TEST_COUNCILS

ROOT = Path(__file__).parents[2]
B = "E06000047"
pytestmark = [pytest.mark.cli, pytest.mark.sqlite]


def carecase(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command line in ``site``: the configured council's store and everything else under var/."""
    environ = dict(os.environ, PYTHONPATH=str(ROOT), CARECASE_LOG_LEVEL="warning")
    for name in ("CARECASE_SQLITE_PATH", "CARECASE_CHECKPOINT_DIR", "CARECASE_COUNCILS_FILE", "CARECASE_COUNCILS_DIR"):
        environ.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "workers.cli", *args], cwd=site, env=environ, capture_output=True, text=True, timeout=180
    )


def record_cases(store: Path, count: int) -> list[UUID]:
    record = CaseRecord(
        {"PERSISTENCE_MODULE": "eventstore.sqlite", "SQLITE_DBNAME": str(store)},
        rule_sets=RuleSetCatalogue(TEST_COUNCILS),
        clock=SteppingClock(),
    )
    try:
        made = []
        for _ in range(count):
            s = Scenario()
            for command in s.up_to_planning():
                record.handle(command)
            made.append(s.case_id)
        return made
    finally:
        record.close()


def test_a_council_added_has_its_own_partition_and_its_record_is_checked_rebuilt_and_backed_up_alone(
    tmp_path: Path,
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    added = carecase(site, "councils", "add", B, "--folder", "eastvale")
    assert added.returncode == 0, added.stderr
    partition = site / "var" / "councils" / B / "carecase.sqlite"
    assert partition.exists() and f"council {B} (eastvale) added" in added.stdout
    assert [(c.code, c.folder) for c in read_registry(site / "var/councils.toml")] == [(B, "eastvale")]
    listed = json.loads(carecase(site, "councils", "list", "--json").stdout)
    assert [(c["code"], c["folder"]) for c in listed] == [(B, "eastvale")]

    # Refused, naming the field and rule, and nothing written: a district's code, a second time, no folder.
    for args, code in (
        ((B, "--folder", "eastvale"), "council_already_served"),
        (("E07000123", "--folder", "eastvale"), "council_code_invalid"),
        (("E06000048", "--folder", "nowhere"), "council_folder_unknown"),
    ):
        refused = carecase(site, "councils", "add", *args)
        assert refused.returncode == 2 and json.loads(refused.stderr)["code"] == code, refused.stderr
    assert len(read_registry(site / "var/councils.toml")) == 1

    # Its settings: its own folder's configuration under its own code, its own queue and checkpoints.
    settings = council_settings(
        read_registry(site / "var/councils.toml")[0], {"CARECASE_COUNCILS_DIR": str(site / "var/councils")}
    )
    assert (settings.council_folder, settings.council.council_code) == ("eastvale", B)
    assert settings.sqlite_path == partition

    # A key of the council, and a national auditor's only when asked for and only for an auditor.
    keys = str(site / "keys.toml")
    made = carecase(site, "keys", "add", "sw-b", "social_worker", "--council", B, "--keys-file", keys)
    assert made.returncode == 0, made.stderr
    national = carecase(site, "keys", "add", "nat", "auditor", "--national", "--keys-file", keys)
    assert national.returncode == 0, national.stderr
    refused = carecase(site, "keys", "add", "nat-sw", "social_worker", "--national", "--keys-file", keys)
    assert refused.returncode == 2 and json.loads(refused.stderr)["field"] == "national", refused.stderr
    unserved = carecase(site, "keys", "add", "sw-x", "social_worker", "--council", "E06000001", "--keys-file", keys)
    assert unserved.returncode == 2 and json.loads(unserved.stderr)["code"] == "council_not_served"
    listed_keys = json.loads(carecase(site, "keys", "list", "--json", "--keys-file", keys).stdout)
    assert [(k["user_id"], k["council"], k["national"]) for k in listed_keys] == [
        ("sw-b", B, False),
        ("nat", None, True),
    ]

    b_cases = record_cases(partition, 2)
    a_cases = record_cases(site / "var" / "carecase.sqlite", 1)

    def verified(*council: str) -> dict[str, object]:
        result = carecase(site, "audit", "verify", "--json", *council)
        assert result.returncode == 0, result.stdout + result.stderr
        return json.loads(result.stdout)

    assert verified("--council", B)["cases_checked"] == len(b_cases)
    assert verified()["cases_checked"] == len(a_cases)
    unknown = carecase(site, "audit", "verify", "--council", "E06000001")
    assert unknown.returncode == 2 and json.loads(unknown.stderr)["code"] == "council_not_served"

    checkpoint = carecase(site, "audit", "checkpoint", "--council", B)
    assert checkpoint.returncode == 0, checkpoint.stderr
    assert list((site / "var" / "checkpoints" / B).glob("*")), "B's checkpoint log is in its own folder"

    # Any command, pointed at the council with the top-level option.
    shown = carecase(site, "--council", B, "timeline", b_cases[0].hex, "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)[0]["event"] == "ReferralReceived"
    assert json.loads(carecase(site, "timeline", b_cases[0].hex, "--json").stdout) == []
    status = carecase(site, "--council", B, "db", "status", "--json")
    assert status.returncode == 0 and json.loads(status.stdout)["recorded"], status.stdout + status.stderr

    b_events, a_events = _event_count(partition), _event_count(site / "var" / "carecase.sqlite")
    assert b_events > a_events > 0
    rebuilt = carecase(site, "projections", "rebuild", "--council", B)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert f"{b_events} event(s) read" in rebuilt.stdout
    with sqlite3.connect(partition) as conn:
        viewed = {row[0] for row in conn.execute("SELECT case_id FROM view_case_access")}
    conn.close()
    assert viewed == {case.hex for case in b_cases}

    backup = carecase(site, "backup", "--council", B, "--out", str(tmp_path / "b-backup"))
    assert backup.returncode == 0, backup.stderr
    assert json.loads((tmp_path / "b-backup" / "manifest.json").read_text())["events"] == b_events

    retained = carecase(site, "retention", "run", "--council", B, "--json")
    assert retained.returncode == 0, retained.stderr
    assert json.loads(retained.stdout)["erased"] == []


def _event_count(store: Path) -> int:
    with sqlite3.connect(store) as conn:
        (count,) = conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()
    conn.close()
    return int(count)
