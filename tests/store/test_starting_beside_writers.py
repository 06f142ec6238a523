"""A process starting on a PostgreSQL store already set up runs no DDL, so it cannot wait on (or
deadlock with) a writer that holds a table.

``CREATE INDEX IF NOT EXISTS`` takes a ShareLock on the table it finds, which waits for any writer
holding ROW EXCLUSIVE on it. With two workers, one writing (the index table, then the events'
EXCLUSIVE lock) while the other started, that wait closed a cycle and PostgreSQL reported a
deadlock (tests/reliability/test_topology.py found it).
"""

from __future__ import annotations

import threading

import pytest

from domain.application import CaseRecord
from eventstore.postgres import presence_check
from policy.catalogue import RuleSetCatalogue
from tests.postgres_cluster import connect

pytestmark = pytest.mark.postgres

OPEN_PATIENCE_SECONDS = 10.0


def test_a_record_opens_while_a_writer_holds_every_table(
    postgres_env: dict[str, str], catalogue: RuleSetCatalogue
) -> None:
    first = CaseRecord(postgres_env, rule_sets=catalogue)  # sets the store up
    first.close()
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
        for table in tables:  # as a writer inside its transaction holds them
            writer.execute(f"LOCK TABLE {table} IN ROW EXCLUSIVE MODE")
        opened: list[CaseRecord] = []
        failed: list[BaseException] = []

        def open_second() -> None:
            try:
                opened.append(CaseRecord(postgres_env, rule_sets=catalogue))
            except BaseException as error:
                failed.append(error)

        thread = threading.Thread(target=open_second, daemon=True)
        thread.start()
        thread.join(OPEN_PATIENCE_SECONDS)
        opened_beside_the_writer = bool(opened or failed)
        writer.rollback()  # let a blocked opener go, whatever happened
        thread.join(OPEN_PATIENCE_SECONDS)
    for record in opened:
        record.close()
    assert not failed, failed
    assert opened_beside_the_writer, f"a second record waited on the writer ({OPEN_PATIENCE_SECONDS:.0f} s)"


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
