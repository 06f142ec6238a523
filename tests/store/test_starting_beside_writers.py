"""A process starting on a PostgreSQL store already set up runs no DDL, so it cannot wait on (or
deadlock with) a writer that holds a table.

``CREATE INDEX IF NOT EXISTS`` takes a ShareLock on the table it finds, which waits for any writer
holding ROW EXCLUSIVE on it. With two workers, one writing (the index table, then the events'
EXCLUSIVE lock) while the other started, that wait closed a cycle and PostgreSQL reported a
deadlock (tests/reliability/test_topology.py found it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from domain.application import CaseRecord
from eventstore.postgres import presence_check
from policy.catalogue import RuleSetCatalogue
from projections.catalogue import all_views
from projections.runner import create_view_tables, create_view_tables_if_missing
from projections.store import view_store_from_env
from tests.postgres_cluster import connect

pytestmark = pytest.mark.postgres

OPEN_PATIENCE_SECONDS = 10.0


def done_beside_a_writer(postgres_env: dict[str, str], start: Callable[[], Any]) -> tuple[bool, list[Any]]:
    """Run ``start`` while another connection holds every table of the schema in ROW EXCLUSIVE
    mode, as a writer inside its transaction does: whether it finished before the writer let go,
    and what it returned."""
    schema = postgres_env["POSTGRES_SCHEMA"]
    with connect(postgres_env) as writer:
        tables = [
            row[0]
            for row in writer.execute(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables WHERE schemaname = %s",
                (schema,),
            ).fetchall()
        ]
        assert len(tables) >= 5, tables  # the events, index, outbox, episodes, keys and snapshots
        for table in tables:
            writer.execute(f"LOCK TABLE {table} IN ROW EXCLUSIVE MODE")
        done: list[Any] = []
        failed: list[BaseException] = []

        def run() -> None:
            try:
                done.append(start())
            except BaseException as error:
                failed.append(error)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(OPEN_PATIENCE_SECONDS)
        finished_beside_the_writer = bool(done or failed)
        writer.rollback()  # let a blocked start go, whatever happened
        thread.join(OPEN_PATIENCE_SECONDS)
    assert not failed, failed
    return finished_beside_the_writer, done


def test_a_record_opens_while_a_writer_holds_every_table(
    postgres_env: dict[str, str], catalogue: RuleSetCatalogue
) -> None:
    CaseRecord(postgres_env, rule_sets=catalogue).close()  # sets the store up
    beside, opened = done_beside_a_writer(postgres_env, lambda: CaseRecord(postgres_env, rule_sets=catalogue))
    for record in opened:
        record.close()
    assert beside, f"a second record waited on the writer ({OPEN_PATIENCE_SECONDS:.0f} s)"


def test_an_api_finds_the_views_made_while_the_runner_holds_them(
    postgres_env: dict[str, str], catalogue: RuleSetCatalogue
) -> None:
    record = CaseRecord(postgres_env, rule_sets=catalogue)
    views = view_store_from_env(postgres_env)
    try:
        create_view_tables(views, all_views())  # as the runner does at its start
        beside, _ = done_beside_a_writer(postgres_env, lambda: create_view_tables_if_missing(views, all_views()))
    finally:
        views.close()
        record.close()
    assert beside, f"the API's start waited on the views' writer ({OPEN_PATIENCE_SECONDS:.0f} s)"


@pytest.mark.parametrize(
    ("statement", "found"),
    [
        ('CREATE TABLE IF NOT EXISTS "s"."t" (a int)', ("SELECT to_regclass(%s) AS found", ('"s"."t"',))),
        ('CREATE UNIQUE INDEX IF NOT EXISTS "i" ON "s"."t" (a)', ("SELECT to_regclass(%s) AS found", ('"s"."i"',))),
        ('CREATE OR REPLACE FUNCTION "s"."f"(x int) RETURNS int', ("SELECT to_regproc(%s) AS found", ('"s"."f"',))),
        ("DROP TABLE x", None),
    ],
)
def test_each_start_up_statement_is_looked_up_by_what_it_makes(
    statement: str, found: tuple[str, tuple[str, ...]] | None
) -> None:
    assert presence_check(statement, "s") == found
