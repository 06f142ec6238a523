"""The ``carecase`` command line, run as a user would run it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from domain.catalogue import catalogue_markdown, event_catalogue

ROOT = Path(__file__).parents[2]
pytestmark = [pytest.mark.cli, pytest.mark.sqlite]


def carecase(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = dict(os.environ, PYTHONPATH=str(ROOT), CARECASE_LOG_LEVEL="warning", **env)
    return subprocess.run(
        [sys.executable, "-m", "workers.cli", *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=180
    )


def test_the_event_catalogue_lists_every_event_with_version_fields_and_meaning(tmp_path: Path) -> None:
    result = carecase("events", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    catalogue = json.loads(result.stdout)
    types = {entry["type"] for entry in catalogue}
    for expected in (
        "ReferralReceived",
        "CarerAssessmentDeclined",
        "EligibilityDetermined",
        "IndicativeBudgetCalculated",
        "SignOffDecisionRecorded",
        "PaymentIssued",
        "StageOverdue",
        "CaseClosed",
        "BudgetChallenged",
        "ChallengeResolved",
        "UnspentFundsRecovered",
    ):
        assert expected in types
    assert all(entry["meaning"] and entry["version"] >= 1 for entry in catalogue)
    carer = next(e for e in catalogue if e["type"] == "CarerIdentified")
    assert carer["version"] == 2 and {"name": "young_carer", "type": "bool"} in carer["fields"]


def test_docs_events_md_is_generated_from_the_catalogue() -> None:
    assert (ROOT / "docs/events.md").read_text() == catalogue_markdown() + "\n", (
        "docs/events.md is stale: run `make events-doc`"
    )
    assert len(event_catalogue()) >= 39


def test_demo_runs_a_case_and_the_audit_commands_check_it(tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    demo = carecase("story", cwd=tmp_path, CARECASE_SQLITE_PATH=str(store))
    assert demo.returncode == 0, demo.stderr
    assert "assessments_outstanding" in demo.stdout
    assert "PaymentIssued" in demo.stdout and "hash chain intact" in demo.stdout
    case_id = demo.stdout.split("Case ", 1)[1].split()[0]

    verify = carecase("audit", "verify", cwd=tmp_path, CARECASE_SQLITE_PATH=str(store))
    assert verify.returncode == 0 and "1 case(s) checked, 0 with a broken chain" in verify.stdout

    timeline = json.loads(carecase("timeline", case_id, "--json", cwd=tmp_path, CARECASE_SQLITE_PATH=str(store)).stdout)
    early = timeline[5]["recorded_at"]
    as_of = carecase("audit", "as-of", case_id, early, cwd=tmp_path, CARECASE_SQLITE_PATH=str(store))
    assert as_of.returncode == 0, as_of.stderr
    assert json.loads(as_of.stdout)["version"] == 6

    bad = carecase("audit", "as-of", case_id, "yesterday", cwd=tmp_path, CARECASE_SQLITE_PATH=str(store))
    assert bad.returncode == 2 and "instant" in bad.stderr


def test_ras_verify_detects_a_rule_set_file_edited_after_the_fact(tmp_path: Path) -> None:
    policy = tmp_path / "policy"
    shutil.copytree(ROOT / "policy/councils", policy)
    store = tmp_path / "store.sqlite"
    env = {"CARECASE_SQLITE_PATH": str(store), "CARECASE_POLICY_FOLDER": str(policy)}
    assert carecase("story", cwd=tmp_path, **env).returncode == 0

    clean = carecase("ras", "verify", cwd=tmp_path, **env)
    assert clean.returncode == 0 and "2 budget calculation(s) recomputed, 0 mismatch(es)" in clean.stdout

    rule_file = policy / "northmoor/ras-2026.1.toml"
    rule_file.write_text(
        rule_file.read_text().replace("price_per_point_pence = 25_000", "price_per_point_pence = 26_000")
    )
    edited = carecase("ras", "verify", cwd=tmp_path, **env)
    assert edited.returncode == 1
    assert edited.stdout.count("MISMATCH") == 2 and "rule set file changed" in edited.stdout


def test_projections_rebuild_builds_every_view_from_the_store(tmp_path: Path) -> None:
    import sqlite3

    store = tmp_path / "store.sqlite"
    assert carecase("story", cwd=tmp_path, CARECASE_SQLITE_PATH=str(store)).returncode == 0
    events = sqlite3.connect(store).execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]

    for _ in range(2):  # a second rebuild starts from zero again and ends the same
        rebuilt = carecase("projections", "rebuild", cwd=tmp_path, CARECASE_SQLITE_PATH=str(store))
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert f"{events} event(s) read" in rebuilt.stdout
        with sqlite3.connect(store) as conn:
            assert conn.execute("SELECT COUNT(*) FROM view_audit_timeline").fetchone()[0] == events
            row = conn.execute(
                "SELECT adult_name, carers_identified, carers_outstanding FROM view_current_case"
            ).fetchone()
        assert row == ("Margaret Oduya", 2, 0)


def test_projections_rebuild_in_two_processes_ends_as_in_one(tmp_path: Path) -> None:
    import sqlite3

    store = tmp_path / "store.sqlite"
    assert carecase("story", cwd=tmp_path, CARECASE_SQLITE_PATH=str(store)).returncode == 0
    events = sqlite3.connect(store).execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]

    def views() -> dict[str, list[tuple[object, ...]]]:
        with sqlite3.connect(store) as conn:
            tables = [
                name
                for (name,) in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND "
                    "(name LIKE 'view_%' OR name = 'projection_tracking') ORDER BY name"
                )
            ]
            return {table: sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr) for table in tables}

    assert carecase("projections", "rebuild", cwd=tmp_path, CARECASE_SQLITE_PATH=str(store)).returncode == 0
    in_one = views()
    rebuilt = carecase("projections", "rebuild", "--processes", "2", cwd=tmp_path, CARECASE_SQLITE_PATH=str(store))
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert f"{events} event(s) read" in rebuilt.stdout
    assert views() == in_one and in_one["view_audit_timeline"]


def test_ops_stuck_lists_the_deadlines_passed_from_the_views(tmp_path: Path) -> None:
    store = tmp_path / "store.sqlite"
    assert carecase("story", cwd=tmp_path, CARECASE_SQLITE_PATH=str(store)).returncode == 0
    assert carecase("projections", "rebuild", cwd=tmp_path, CARECASE_SQLITE_PATH=str(store)).returncode == 0

    listed = carecase("ops", "stuck", "--json", cwd=tmp_path, CARECASE_SQLITE_PATH=str(store))
    assert listed.returncode == 0, listed.stderr
    [review] = json.loads(listed.stdout)  # the story's first review fell due on 31 March 2026
    assert (review["what"], review["stage"], review["due_at"][:10]) == ("review:rv-1", "in_service", "2026-03-31")
    assert review["overdue_by_hours"] > 0 and review["flagged"] is False
    assert set(review) == {
        "case_id",
        "what",
        "stage",
        "team",
        "worker_id",
        "since",
        "due_at",
        "flagged",
        "overdue_by_hours",
    }  # ids, stages, teams and times only: no name leaves the views this way

    text = carecase("ops", "stuck", cwd=tmp_path, CARECASE_SQLITE_PATH=str(store))
    assert text.returncode == 0, text.stderr
    assert f"{review['case_id']}  review:rv-1" in text.stdout and "due 2026-03-31T00:00" in text.stdout
    assert text.stdout.rstrip().endswith("1 deadline(s) passed")

    later = carecase("ops", "stuck", "--overdue-by-days", "100000", cwd=tmp_path, CARECASE_SQLITE_PATH=str(store))
    assert later.stdout.rstrip().endswith("0 deadline(s) passed")


def test_audit_verify_logs_names_an_edited_or_removed_log_row(tmp_path: Path) -> None:
    import sqlite3

    from api.access_log import AccessLog
    from projections.store import SQLiteViewStore

    store = tmp_path / "store.sqlite"
    views = SQLiteViewStore(str(store))
    log = AccessLog(views)
    for n in range(3):
        log.case_read(user_id="sw-1", role="social_worker", case_id=f"{n:032x}", what="case", path="/cases")
    views.close()
    whole = carecase("audit", "verify-logs", cwd=tmp_path, CARECASE_SQLITE_PATH=str(store))
    assert whole.returncode == 0, whole.stderr
    assert "intact   api_access_log: 3 row(s)" in whole.stdout

    with sqlite3.connect(store) as db:
        db.execute("UPDATE api_access_log SET user_id = 'someone-else' WHERE seq = 1")
        db.execute("DELETE FROM api_access_log WHERE seq = 2")
    broken = carecase("audit", "verify-logs", "--json", cwd=tmp_path, CARECASE_SQLITE_PATH=str(store))
    assert broken.returncode == 1, broken.stderr
    [access] = [r for r in json.loads(broken.stdout)["logs"] if r["log"] == "api_access_log"]
    assert [p["seq"] for p in access["problems"]] == [1, 3] and not access["intact"]


def test_export_person_prints_one_persons_record_and_logs_the_read_first(tmp_path: Path) -> None:
    from api.access_log import AccessLog
    from projections.store import SQLiteViewStore

    store = tmp_path / "store.sqlite"
    demo = carecase("story", cwd=tmp_path, CARECASE_SQLITE_PATH=str(store))
    assert demo.returncode == 0, demo.stderr
    case_id = demo.stdout.split("Case ", 1)[1].split()[0]

    exported = carecase(
        "export", "person", case_id, "adult-1", "--by", "sw-ayesha", cwd=tmp_path, CARECASE_SQLITE_PATH=str(store)
    )
    assert exported.returncode == 0, exported.stderr
    document = json.loads(exported.stdout)
    assert (document["person_id"], document["kind"]) == ("adult-1", "adult")
    facts = [fact for section in document["sections"].values() for fact in section]
    assert "NeedsAssessmentCompleted" in {f["event"] for f in facts}
    assert document["version"] == max(f["version"] for f in facts)
    views = SQLiteViewStore(str(store))
    try:
        reads = AccessLog(views).reads(case_id=case_id.replace("-", ""), user_id="sw-ayesha", limit=5)
    finally:
        views.close()
    assert [(r["what"], r["path"]) for r in reads] == [("person export adult-1", "carecase export person")]

    nobody = carecase("export", "person", case_id, "nobody", cwd=tmp_path, CARECASE_SQLITE_PATH=str(store))
    assert nobody.returncode == 2 and "unknown_person" in nobody.stderr
