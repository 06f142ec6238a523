"""``carecase policy publish``: an admin publishes a rule set from the command line, recorded with
who and why after the shipped rule sets' bootstrap publication; a back-dated or changed version is
refused and nothing is written (decision 0034)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from policy.catalogue import COUNCILS_FOLDER
from tests.cli.test_cli import carecase

pytestmark = [pytest.mark.cli, pytest.mark.sqlite]


def version_file(folder: Path, version: str, effective_from: str, price: str = "25_000") -> Path:
    text = (COUNCILS_FOLDER / "northmoor" / "ras-2026.1.toml").read_text(encoding="utf-8")
    text = text.replace('version = "2026.1"', f'version = "{version}"')
    text = text.replace("effective_from = 2026-04-01", f"effective_from = {effective_from}")
    path = folder / f"northmoor-{version}-{price}.toml"
    path.write_text(text.replace("price_per_point_pence = 25_000", f"price_per_point_pence = {price}"))
    return path


def events_in(store: Path) -> int:
    with sqlite3.connect(store) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0])


def test_an_admin_publishes_from_the_command_line_and_a_changed_or_back_dated_version_is_refused(tmp_path: Path):
    store = tmp_path / "store.sqlite"
    env = {"CARECASE_SQLITE_PATH": str(store)}
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    reason = "Cabinet decision 2026/14: the price per point rises"

    made = carecase(
        "policy", "publish", str(version_file(tmp_path, "2026.2", tomorrow, "26_000")),
        "--reason", reason, "--by", "admin-ayo", cwd=tmp_path, **env,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    published = json.loads(made.stdout)
    assert (published["duplicate"], published["version"], published["effective_from"]) == (False, "2026.2", tomorrow)
    assert published["published_by"] == {"user_id": "admin-ayo", "role": "admin"}
    written = events_in(store)

    changed = carecase(
        "policy", "publish", str(version_file(tmp_path, "2026.2", tomorrow, "27_000")),
        "--reason", reason, "--by", "admin-ayo", cwd=tmp_path, **env,
    )  # fmt: skip
    assert changed.returncode == 2 and json.loads(changed.stderr)["code"] == "rule_set_version_exists"
    back_dated = carecase(
        "policy", "publish", str(version_file(tmp_path, "2026.3", "2026-04-01")),
        "--reason", reason, "--by", "admin-ayo", cwd=tmp_path, **env,
    )  # fmt: skip
    assert back_dated.returncode == 2 and json.loads(back_dated.stderr)["code"] == "rule_set_back_dated"
    assert events_in(store) == written

    listed = carecase("policy", "list", cwd=tmp_path, **env)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    # The three shipped rule sets, published by the system at the first start, then the admin's.
    assert [line.split()[:2] for line in lines] == [
        ["eastvale-ras", "2026.1"],
        ["northmoor-ras", "2026.1"],
        ["northmoor-ras", "2026.2"],
        ["southfield-ras", "2026.1"],
    ]
    assert [line.split()[-2] for line in lines] == ["carecase", "carecase", "admin-ayo", "carecase"]
