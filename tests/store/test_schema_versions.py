"""The product's own schema carries a version, numbered migrations bring a store up to date, and a
process refuses a store newer than it knows or one with migrations still to apply (decision 0036).

The upgrade is tried on a store written before versions were recorded: a small fixture committed
for the purpose (``fixtures/store-before-schema-versions.sql``, SQL text made by
``fixtures/make_store_before_schema_versions.py``)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from api.access_log import AccessLog
from config.backup import check_restored
from config.bootstrap import build_case_record
from config.checkpoint_settings import CheckpointSettings
from config.schema import (
    MIGRATIONS,
    SCHEMA_TABLE,
    Migration,
    SchemaBehind,
    SchemaTooNew,
    require_runnable,
    schema_status,
    upgrade,
)
from config.settings import Settings
from domain.application import CaseRecord
from policy.catalogue import RuleSetCatalogue
from projections.catalogue import all_views
from projections.runner import ProjectionRunner
from projections.store import view_store_from_env
from tests.builders import Scenario
from tests.clock import SteppingClock
from tests.rule_sets import TEST_COUNCILS

ROOT = Path(__file__).parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "store-before-schema-versions.sql"
# A migration of the kind a later release adds: an index on a table that already exists.
WITH_AN_INDEX = (
    *MIGRATIONS,
    Migration(
        MIGRATIONS[-1].version + 1,
        "an index on the access log by user",
        {
            "sqlite": ("CREATE INDEX api_access_log_user ON api_access_log (user_id)",),
            "postgres": ("CREATE INDEX api_access_log_user ON api_access_log (user_id)",),
        },
    ),
)


def _fixture_store(folder: Path) -> Path:
    database = folder / "carecase.sqlite"
    with sqlite3.connect(database) as conn:
        conn.executescript(FIXTURE.read_text())
    return database


def _sqlite_env(database: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventstore.sqlite", "SQLITE_DBNAME": str(database)}


def test_a_store_written_before_versions_upgrades_then_verifies_and_rebuilds_identically(tmp_path: Path) -> None:
    env = _sqlite_env(_fixture_store(tmp_path))
    views = view_store_from_env(env)
    record = CaseRecord(env, rule_sets=RuleSetCatalogue(TEST_COUNCILS), clock=SteppingClock())
    try:
        before = schema_status(views)
        # The case record made the table of commands, empty, when it opened the store: not yet filled.
        assert (before.version, before.recorded, before.pending) == (1, False, [2, 3])
        # The baseline is recorded as found; migration 2 gives the outbox's messages their kind;
        # migration 3 fills the table of each case's commands from the events.
        assert upgrade(views, by="admin-1") == [2, 3]
        after = schema_status(views)
        assert after.recorded and after.current
        assert [(a.version, a.applied_by) for a in after.applied] == [
            (1, "admin-1 (found written before versions were recorded)"),
            (2, "admin-1"),
            (3, "admin-1"),
        ]
        with views.read() as cursor:
            assert cursor.execute("SELECT kind FROM payment_outbox").fetchall() == []  # the column is there
        assert upgrade(views, by="admin-1") == []
        # Every command the fixture's case recorded is found by its id, spanning its events.
        [case_id] = record.case_ids()
        spans: dict[str, list[int]] = {}
        for stored in record.stored_records(case_id):
            state = record.decode_state(stored)
            spans.setdefault(state["command_id"], []).append(stored.originator_version)
        assert spans
        for command_id, versions in spans.items():
            found = record.recorded_command(case_id, command_id)
            assert found is not None
            assert (found.first_version, found.last_version) == (min(versions), max(versions))
        # The views are derived: this release shapes them (a column added since the fixture was
        # made, say), so an upgrade ends with a rebuild, as deploy/README.md says. After it the
        # fixture's case verifies and its views equal a rebuild from the first event.
        ProjectionRunner(record, views, all_views()).rebuild()
        check = check_restored(record, views, all_views(), CheckpointSettings(folder=tmp_path / "no-checkpoints"))
        assert check.clean, check
        assert check.cases_checked == 1
    finally:
        record.close()
        views.close()


def test_migrations_apply_in_order_once_each_recorded_and_a_behind_store_is_refused(store_env: dict[str, str]) -> None:
    record = CaseRecord(store_env, rule_sets=RuleSetCatalogue(TEST_COUNCILS), clock=SteppingClock())
    views = view_store_from_env(store_env)
    try:
        record.handle(Scenario().referral())
        AccessLog(views).list_read(user_id="tm-morgan", role="team_manager", what="cases", path="/cases", case_ids=[])
        status = schema_status(views, WITH_AN_INDEX)
        assert status.pending == [WITH_AN_INDEX[-1].version]
        with pytest.raises(SchemaBehind, match="carecase db upgrade"):
            require_runnable(status)
        assert upgrade(views, by="admin-1", migrations=WITH_AN_INDEX) == [WITH_AN_INDEX[-1].version]
        assert upgrade(views, by="admin-1", migrations=WITH_AN_INDEX) == []
        now = schema_status(views, WITH_AN_INDEX)
        assert now.current and [a.version for a in now.applied] == [m.version for m in WITH_AN_INDEX]
        require_runnable(now)
        # The index is there: a second CREATE of it fails.
        with (
            pytest.raises((sqlite3.OperationalError, psycopg.errors.DuplicateTable), match=r"(?i)exists"),
            views.transaction() as cursor,
        ):
            cursor.execute(WITH_AN_INDEX[-1].statements[views.dialect][0])
        # This release (which does not know that migration) refuses the upgraded store.
        with pytest.raises(SchemaTooNew, match="newer than this carecase knows"):
            require_runnable(schema_status(views))
    finally:
        views.close()
        record.close()


def test_a_failing_migration_records_nothing(store_env: dict[str, str]) -> None:
    record = CaseRecord(store_env, rule_sets=RuleSetCatalogue(TEST_COUNCILS), clock=SteppingClock())
    views = view_store_from_env(store_env)
    broken = (*MIGRATIONS, Migration(MIGRATIONS[-1].version + 1, "broken", {views.dialect: ("CREATE TABLE",)}))
    try:
        record.handle(Scenario().referral())
        with pytest.raises((sqlite3.OperationalError, psycopg.errors.SyntaxError)):
            upgrade(views, by="admin-1", migrations=broken)
        status = schema_status(views, broken)
        assert status.version == MIGRATIONS[-1].version and status.pending == [broken[-1].version]
    finally:
        views.close()
        record.close()


@pytest.mark.cli
def test_a_new_store_is_current_and_a_newer_one_stops_every_process(tmp_path: Path) -> None:
    database = tmp_path / "carecase.sqlite"
    settings = Settings.from_environment({"CARECASE_SQLITE_PATH": str(database)})
    build_case_record(settings).close()
    views = view_store_from_env(settings.store_env())
    try:
        status = schema_status(views)
        assert status.current and status.recorded
        assert {a.applied_by for a in status.applied} == {"system:first-start"}
        with views.transaction() as cursor:
            cursor.execute(
                f"INSERT INTO {SCHEMA_TABLE} (version, name, applied_at, applied_by) VALUES (?, ?, ?, ?)",
                (status.known + 1, "from a later release", "2027-01-01T00:00:00+00:00", "admin-1"),
            )
    finally:
        views.close()
    with pytest.raises(SchemaTooNew):
        build_case_record(settings)
    env = {**os.environ, "CARECASE_SQLITE_PATH": str(database)}
    for argv in (["db", "status"], ["audit", "verify"], ["db", "upgrade"]):
        result = subprocess.run(
            [sys.executable, "-m", "workers.cli", *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode in (1, 2), (argv, result.stdout, result.stderr)
        assert "newer" in (result.stdout + result.stderr), (argv, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
