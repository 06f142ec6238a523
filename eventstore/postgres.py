"""PostgreSQL event store (production), fulfilling ``eventstore.contract.CaseStore``, with the as-of
index and the payment outbox written in the same transaction as the events.

``PERSISTENCE_MODULE=eventstore.postgres`` selects it; the usual ``POSTGRES_*`` settings apply.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import eventsourcing.postgres as library
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from domain.person_index import Episode
from eventstore.appends import AppendSignal, PostgresAppends
from eventstore.commands import COMMANDS_TABLE, RecordedCommand, command_rows, recorded_command_of
from eventstore.contract import CaseStore
from eventstore.episodes import EPISODES_TABLE, NHS_KEYS, unique_episodes, write_episodes_postgres
from eventstore.episodes import postgres_statements as episode_statements
from eventstore.index import INDEX_TABLE, IndexRow, index_params
from eventstore.outbox import (
    OUTBOX_TABLE,
    PaymentInstruction,
    insert_outbox_rows_postgres,
    outbox_rows,
    postgres_statements,
    select_instructions_postgres,
)
from eventstore.person_keys import PERSON_KEYS_TABLE, PersonKeyRow, PersonKeyTable

# What each statement the recorder runs at start-up makes, and how to look it up without a lock.
CREATED = re.compile(r"CREATE (?:UNIQUE )?(TABLE|INDEX) IF NOT EXISTS (\S+)", re.IGNORECASE)
FUNCTION = re.compile(r"CREATE OR REPLACE FUNCTION (\S+?)\(", re.IGNORECASE)
COLUMN = re.compile(r'ALTER TABLE (\S+) ADD COLUMN IF NOT EXISTS "?(\w+)"?', re.IGNORECASE)


def presence_check(statement: str, schema: str) -> tuple[str, tuple[str, ...]] | None:
    """A query whose ``found`` is not null when what the statement makes is already there; None
    for a statement this cannot tell about (so it must run)."""
    if (created := CREATED.search(statement)) is not None:
        kind, name = created.groups()
        if kind.upper() == "INDEX" and "." not in name:  # an index lives in its table's schema
            name = f'"{schema}".{name}'
        return "SELECT to_regclass(%s) AS found", (name,)
    if (function := FUNCTION.search(statement)) is not None:
        return "SELECT to_regproc(%s) AS found", (function.group(1),)
    if (column := COLUMN.search(statement)) is not None:
        return (
            "SELECT attnum AS found FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = %s "
            "AND NOT attisdropped",
            (column.group(1), column.group(2)),
        )
    return None


class CaseRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        if datastore.enable_db_functions:
            # The library's insert function writes the events alone, bypassing _insert_events: the
            # index and, worse, the payment outbox would silently be left out.
            raise ValueError("the case record needs POSTGRES_ENABLE_DB_FUNCTIONS=no")
        super().__init__(datastore, events_table_name=events_table_name)
        self.index_table = f"{events_table_name}_{INDEX_TABLE}"
        self.check_identifier_length(self.index_table)
        schema, table = Identifier(self.datastore.schema), Identifier(self.index_table)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{table} ("
                "originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
                "recorded_at timestamptz NOT NULL, chain_hash text NOT NULL, "
                "PRIMARY KEY (originator_id, originator_version))"
            ).format(schema=schema, table=table)
        )
        self.sql_create_statements.append(
            SQL("CREATE INDEX IF NOT EXISTS {index} ON {schema}.{table} (originator_id, recorded_at)").format(
                index=Identifier(f"{self.index_table}_time"), schema=schema, table=table
            )
        )
        # A row another writer already holds is left alone: the events insert that follows, in the
        # same transaction, then fails on the same (case, version) with the IntegrityError the
        # record retries on. Failing here instead aborts the pipeline, and psycopg reports
        # "pipeline aborted" (an OperationalError), which hid the conflict and lost the command.
        self.insert_index_statement = SQL(
            "INSERT INTO {schema}.{table} VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (originator_id, originator_version) DO NOTHING"
        ).format(schema=schema, table=table)
        self.version_as_of_statement = SQL(
            "SELECT MAX(originator_version) AS v FROM {schema}.{table} WHERE originator_id = %s AND recorded_at <= %s"
        ).format(schema=schema, table=table)
        self.index_rows_statement = SQL(
            "SELECT originator_version, recorded_at, chain_hash FROM {schema}.{table} "
            "WHERE originator_id = %s ORDER BY originator_version"
        ).format(schema=schema, table=table)
        self.case_ids_statement = SQL(
            "SELECT originator_id FROM {schema}.{events} UNION SELECT originator_id FROM {schema}.{table} ORDER BY 1"
        ).format(schema=schema, events=Identifier(self.events_table_name), table=table)
        self.commands_table = f"{events_table_name}_{COMMANDS_TABLE}"
        self.check_identifier_length(self.commands_table)
        commands = Identifier(self.commands_table)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{commands} ("
                "originator_id uuid NOT NULL, command_id text NOT NULL, command_name text NOT NULL, "
                "command_digest text NOT NULL, first_version bigint NOT NULL, last_version bigint NOT NULL, "
                "PRIMARY KEY (originator_id, command_id))"
            ).format(schema=schema, commands=commands)
        )
        # After the events, and never failing: a repeat saved by two writers at once has already
        # failed on the events' version (see eventstore.commands), and a failure here would abort
        # the pipeline and hide that conflict (as for the index rows).
        self.insert_command_statement = SQL(
            "INSERT INTO {schema}.{commands} VALUES (%s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (originator_id, command_id) DO NOTHING"
        ).format(schema=schema, commands=commands)
        self.select_command_statement = SQL(
            "SELECT * FROM {schema}.{commands} WHERE originator_id = %s AND command_id = %s"
        ).format(schema=schema, commands=commands)
        self.outbox_table = f"{events_table_name}_{OUTBOX_TABLE}"
        self.check_identifier_length(self.outbox_table)
        self.outbox_statements = postgres_statements(self.datastore.schema, self.outbox_table)
        self.sql_create_statements.extend(self.outbox_statements.create)
        self.episodes_table = f"{events_table_name}_{EPISODES_TABLE}"
        self.check_identifier_length(self.episodes_table)
        self.episode_statements = episode_statements(self.datastore.schema, self.episodes_table)
        self.sql_create_statements.extend(self.episode_statements.create)
        # Apart from the events: a person's key, its bytes deleted at the end of retention.
        self.keys_table = f"{events_table_name}_{PERSON_KEYS_TABLE}"
        self.check_identifier_length(self.keys_table)
        keys = Identifier(self.keys_table)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{keys} ("
                "case_id uuid NOT NULL, person_id text NOT NULL, key bytea, created_at timestamptz NOT NULL, "
                "destroyed_at timestamptz, destroyed_by text, destroyed_why text, PRIMARY KEY (case_id, person_id))"
            ).format(schema=schema, keys=keys)
        )
        self.select_key_statement = SQL("SELECT key FROM {schema}.{keys} WHERE case_id = %s AND person_id = %s").format(
            schema=schema, keys=keys
        )
        self.add_key_statement = SQL(
            "INSERT INTO {schema}.{keys} (case_id, person_id, key, created_at) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (case_id, person_id) DO NOTHING"
        ).format(schema=schema, keys=keys)
        self.destroy_keys_statement = SQL(
            "UPDATE {schema}.{keys} SET key = NULL, destroyed_at = %s, destroyed_by = %s, destroyed_why = %s "
            "WHERE case_id = %s AND key IS NOT NULL RETURNING person_id"
        ).format(schema=schema, keys=keys)
        self.key_rows_statement = SQL(
            "SELECT person_id, created_at, destroyed_at, destroyed_by, destroyed_why FROM {schema}.{keys} "
            "WHERE case_id = %s ORDER BY person_id"
        ).format(schema=schema, keys=keys)
        self.delete_snapshots_statement = SQL("DELETE FROM {schema}.{snapshots} WHERE originator_id = %s").format(
            schema=schema, snapshots=Identifier(events_table_name.removesuffix("_events") + "_snapshots")
        )
        self.compact_statement = SQL("VACUUM FULL {schema}.{keys}").format(schema=schema, keys=keys)

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        """Create what is missing, and touch nothing when everything is there.

        ``CREATE … IF NOT EXISTS`` still locks a table it finds (an index's ShareLock), and a writer
        beside it holds the index table then waits for the events' EXCLUSIVE lock: a second worker
        starting on a running store deadlocked so. Looking the objects up takes no lock, so a
        process starting on a store already set up runs no DDL at all. (A change to a table that
        exists is a migration, config/schema.py, never this.)"""
        texts = [statement.as_string(curs) for statement in self.sql_create_statements]
        # The library runs its CREATE TYPE statements apart, before this (and never here).
        checks = [presence_check(text, self.datastore.schema) for text in texts if "CREATE TYPE" not in text]
        if all(check is not None for check in checks) and all(self._present(curs, c) for c in checks if c):
            return
        super()._create_table(curs)

    @staticmethod
    def _present(curs: Cursor[DictRow], check: tuple[str, tuple[str, ...]]) -> bool:
        row = curs.execute(check[0], check[1]).fetchone()
        return row is not None and row["found"] is not None

    def _insert_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        # Runs inside the same transaction (and pipeline) as the events themselves.
        super()._insert_events(curs, stored_events, **kwargs)
        rows = index_params(stored_events, lambda originator_id: originator_id)
        if rows:
            curs.executemany(self.insert_index_statement, rows)
        outbox = outbox_rows(stored_events)
        if outbox:
            # Take the events table's lock (the library takes it again, harmlessly, before the
            # events) before the identity hands out instruction ids, so ids follow commit order and
            # a finance system reading forward by id never passes a gap that fills in later. After
            # the index rows, so no lock holder ever waits on another writer's index row.
            self._lock_table(curs)
            insert_outbox_rows_postgres(curs, self.outbox_statements.insert, outbox)

    def _insert_stored_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        # After the events, in the same transaction and pipeline: the library's sync then raises the
        # first failure as it is (a version conflict, or a second open episode for one person), an
        # IntegrityError the record retries on. Before the events, a failure would abort the pipeline
        # and be reported as "pipeline aborted" instead.
        super()._insert_stored_events(curs, stored_events, **kwargs)
        # A cursor of its own: the library reads the notification ids from the events' cursor.
        with curs.connection.cursor() as beside:
            commands = command_rows(stored_events, lambda originator_id: originator_id)
            if commands:
                beside.executemany(self.insert_command_statement, commands)
            write_episodes_postgres(beside, self.episode_statements, stored_events)

    def episodes_of(self, keys: list[str]) -> list[Episode]:
        """The person index's episodes under any of these keys (eventstore.episodes)."""
        if not keys:
            return []
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.episode_statements.select, (list(keys),))
            return unique_episodes(curs.fetchall())

    def version_as_of(self, originator_id: UUID, instant: datetime) -> int | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.version_as_of_statement, (originator_id, instant), prepare=True)
            row = curs.fetchone()
        return None if row is None or row["v"] is None else int(row["v"])

    def index_rows(self, originator_id: UUID) -> list[IndexRow]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.index_rows_statement, (originator_id,), prepare=True)
            rows = curs.fetchall()
        return [IndexRow(originator_id, r["originator_version"], r["recorded_at"], r["chain_hash"]) for r in rows]

    def events_and_command(
        self, originator_id: UUID, after_version: int, command_id: str
    ) -> tuple[Sequence[StoredEvent], RecordedCommand | None]:
        statement = self.select_events_statement + SQL(" AND originator_version > %s ORDER BY originator_version")
        with self.datastore.get_connection() as conn, conn.cursor() as curs, conn.cursor() as command:
            with conn.pipeline():  # both reads in one round trip, the command's read after the events'
                curs.execute(statement, (originator_id, after_version), prepare=True)
                command.execute(self.select_command_statement, (originator_id, command_id), prepare=True)
            events = [
                StoredEvent(
                    originator_id=originator_id,
                    originator_version=r["originator_version"],
                    topic=r["topic"],
                    state=bytes(r["state"]),
                )
                for r in curs.fetchall()
            ]
            row = command.fetchone()
        return events, None if row is None else recorded_command_of(row)

    def recorded_command(self, originator_id: UUID, command_id: str) -> RecordedCommand | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.select_command_statement, (originator_id, command_id), prepare=True)
            row = curs.fetchone()
        return None if row is None else recorded_command_of(row)

    def payment_instructions(self, after_id: int = 0, limit: int = 1000) -> list[PaymentInstruction]:
        """Payment instructions with ids after ``after_id``, oldest first (the finance system's read)."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            return select_instructions_postgres(curs, self.outbox_statements.select, after_id, limit)

    def append_signal(self) -> AppendSignal:
        """Woken by the NOTIFY every appending transaction sends on the events table's channel."""
        connect = self.datastore.pool.kwargs
        assert isinstance(connect, dict)  # the library gives its pool the connection's keywords
        return PostgresAppends(connect, self.channel_name)

    def select_events_of_cases(self, originator_ids: Sequence[UUID]) -> Sequence[StoredEvent]:
        if not originator_ids:
            return []
        statement = SQL(
            "SELECT * FROM {schema}.{table} WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
        ).format(schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, [list(originator_ids)])
            return [
                StoredEvent(
                    originator_id=r["originator_id"],
                    originator_version=r["originator_version"],
                    topic=r["topic"],
                    state=bytes(r["state"]),
                )
                for r in curs.fetchall()
            ]

    def case_ids(self) -> list[UUID]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.case_ids_statement)
            return [r["originator_id"] for r in curs.fetchall()]

    # The key table (eventstore.person_keys) ----------------------------------------------------

    def person_key(self, case_id: UUID, person_id: str) -> bytes | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.select_key_statement, (case_id, person_id), prepare=True)
            row = curs.fetchone()
        return None if row is None or row["key"] is None else bytes(row["key"])

    def person_keys_of(self, case_ids: Sequence[UUID]) -> dict[tuple[str, str], bytes | None]:
        """Every key of every person on these cases, in one read (eventstore.person_keys.BulkKeyTable)."""
        statement = SQL("SELECT case_id, person_id, key FROM {schema}.{keys} WHERE case_id = ANY(%s)").format(
            schema=Identifier(self.datastore.schema), keys=Identifier(self.keys_table)
        )
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (list(case_ids),))
            rows = curs.fetchall()
        return {
            (row["case_id"].hex, row["person_id"]): None if row["key"] is None else bytes(row["key"]) for row in rows
        }

    def add_person_key(self, case_id: UUID, person_id: str, key: bytes, created_at: datetime) -> bytes | None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self.add_key_statement, (case_id, person_id, key, created_at))
            curs.execute(self.select_key_statement, (case_id, person_id))
            row = curs.fetchone()
        return None if row is None or row["key"] is None else bytes(row["key"])

    def destroy_person_keys(self, case_id: UUID, destroyed_at: datetime, destroyed_by: str, why: str) -> list[str]:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self.destroy_keys_statement, (destroyed_at, destroyed_by, why, case_id))
            people = sorted(r["person_id"] for r in curs.fetchall())
            curs.execute(self.episode_statements.forget_nhs_numbers, (case_id.hex, NHS_KEYS))
            return people

    def person_key_rows(self, case_id: UUID) -> list[PersonKeyRow]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.key_rows_statement, (case_id,))
            rows = curs.fetchall()
        return [
            PersonKeyRow(
                case_id, r["person_id"], r["created_at"], r["destroyed_at"], r["destroyed_by"], r["destroyed_why"]
            )
            for r in rows
        ]

    def delete_snapshots(self, case_id: UUID) -> None:
        """Delete the case's snapshots (rebuilt from the events when next needed)."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self.delete_snapshots_statement, (case_id,))

    def compact(self) -> None:
        """Rewrite the key table so the destroyed keys' old row versions are gone from its files."""
        with self.datastore.get_connection() as conn:
            conn.autocommit = True
            try:
                conn.execute(self.compact_statement)
            finally:
                conn.autocommit = False


if TYPE_CHECKING:  # the type checker holds the recorder to the case record's store contract
    _fulfils_the_contract: type[CaseStore] = CaseRecorder
    _keeps_the_keys: type[PersonKeyTable] = CaseRecorder


# Only one factory class may be visible in this module: eventsourcing looks it up by type.
class Factory(library.PostgresFactory):
    application_recorder_class = CaseRecorder
