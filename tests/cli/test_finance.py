"""``carecase finance``, run as finance and operations would: the day's batch file, the
reconciliation (exit 1 on a difference, naming it), and the messages not acknowledged."""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.cli.test_cli import carecase

pytestmark = [pytest.mark.cli, pytest.mark.sqlite]


def test_the_batch_file_the_reconciliation_and_the_unacknowledged_list_from_the_command_line(tmp_path: Path) -> None:
    store = str(tmp_path / "store.sqlite")
    assert carecase("story", cwd=tmp_path, CARECASE_SQLITE_PATH=store).returncode == 0
    assert carecase("projections", "rebuild", cwd=tmp_path, CARECASE_SQLITE_PATH=store).returncode == 0

    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/London")).date().isoformat()
    out = tmp_path / "batch.csv"
    export = carecase("finance", "export", "--date", today, "--out", str(out), cwd=tmp_path, CARECASE_SQLITE_PATH=store)
    assert export.returncode == 0, export.stderr
    rows = list(csv.reader(out.open(encoding="utf-8")))
    details = [r for r in rows if r[0] == "D"]
    assert details and rows[0][0] == "H" and rows[-1][0] == "T"
    assert int(rows[-1][1]) == len(details) and int(rows[-1][2]) == sum(int(r[7]) for r in details)
    assert f"wrote {len(details)} message(s), {rows[-1][2]} pence in all" in export.stdout
    assert out.stat().st_mode & 0o077 == 0  # private, like every file the product writes

    again = carecase("finance", "export", "--date", today, "--out", str(out), cwd=tmp_path, CARECASE_SQLITE_PATH=store)
    assert again.returncode == 2 and "never overwritten" in again.stderr
    bad = carecase("finance", "export", "--date", "31/12/2026", "--out", str(tmp_path / "x.csv"), cwd=tmp_path)
    assert bad.returncode == 2 and "--date" in bad.stderr

    clean = carecase("finance", "reconcile", "--json", cwd=tmp_path, CARECASE_SQLITE_PATH=store)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    report = json.loads(clean.stdout)
    assert report["differences"] == [] and report["matched"] == report["messages"] == len(details)

    late = carecase("finance", "unacknowledged", cwd=tmp_path, CARECASE_SQLITE_PATH=store)
    assert late.returncode == 0 and "0 message(s) not acknowledged within 72 hour(s)" in late.stdout

    first = int(details[0][1])
    with sqlite3.connect(store) as conn:
        conn.execute("DELETE FROM payment_outbox WHERE instruction_id = ?", (first,))
    broken = carecase("finance", "reconcile", cwd=tmp_path, CARECASE_SQLITE_PATH=store)
    assert broken.returncode == 1
    assert f"{details[0][3]} v{details[0][4]} no_message" in broken.stdout
    assert "1 difference(s)" in broken.stdout
