"""``carecase returns asc-cld``: the ASC-CLD return written as a private CSV file with its
validation report beside it, the read in the access log first, and a period end that is not a
month's last day refused naming the field (decision 0045)."""

from __future__ import annotations

import csv
import json
import stat
from datetime import date
from pathlib import Path

import pytest

from api.access_log import AccessLog
from config.bootstrap import build_case_record
from config.settings import Settings
from domain.returns.asc_cld import build_return, period_ending
from domain.returns.asc_cld_spec import FIELD_NAMES
from projections.store import view_store_from_env
from simulation.caseload import generate_caseload, load
from tests.cli.test_cli import carecase
from tests.rule_sets import TEST_COUNCILS

pytestmark = [pytest.mark.cli, pytest.mark.sqlite]


def test_the_return_and_its_report_are_written_private_and_the_read_is_logged(tmp_path: Path):
    env = {"CARECASE_SQLITE_PATH": str(tmp_path / "store.sqlite"), "CARECASE_POLICY_FOLDER": str(TEST_COUNCILS)}
    settings = Settings.from_environment(env)
    record = build_case_record(settings)
    record.observers = []
    try:
        load(record, generate_caseload(40, seed=14, person_details=True))
        expected = build_return(record, period_ending(date(2025, 12, 31)), record.services.council.council_code)
    finally:
        record.close()
    out = tmp_path / "returns" / "asc-cld.csv"
    out.parent.mkdir()

    made = carecase("returns", "asc-cld", "--period-end", "2025-12-31", "--out", str(out), cwd=tmp_path, **env)

    assert made.returncode == 0, made.stderr
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows == expected.rows and len(rows) > 50
    assert list(rows[0]) == list(FIELD_NAMES)
    report = json.loads((tmp_path / "returns" / "asc-cld.report.json").read_text(encoding="utf-8"))
    assert report == expected.report.model_dump(mode="json")
    assert f"{len(rows)} rows" in made.stdout
    for path in (out, out.with_name("asc-cld.report.json")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    views = view_store_from_env(settings.store_env())
    try:
        logged = AccessLog(views).reads(case_id=None, user_id=None, limit=5)[0]
    finally:
        views.close()
    assert (logged["role"], logged["what"], logged["path"]) == (
        "returns_officer",
        "asc-cld return 2025-12-31",
        "carecase returns asc-cld",
    )
    assert sorted(logged["case_ids"]) == sorted(expected.case_ids)

    refused = carecase("returns", "asc-cld", "--period-end", "2025-12-30", "--out", str(out), cwd=tmp_path, **env)
    assert refused.returncode == 2
    assert json.loads(refused.stderr)["field"] == "period_end"
