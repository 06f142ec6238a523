"""PostgreSQL event store (production), fulfilling ``eventstore.contract.CaseStore``, with the as-of
index and the payment outbox written in the same transaction as the events.

``PERSISTENCE_MODULE=eventstore.postgres`` selects it; the usual ``POSTGRES_*`` settings apply.
"""

from __future__ import annotations

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

from eventstore.contract import CaseStore
from eventstore.index import INDEX_TABLE, IndexRow, index_params
from eventstore.outbox import (
    OUTBOX_TABLE,
    PaymentInstruction,
    insert_outbox_rows_postgres,
    outbox_rows,
    postgres_statements,
    select_instructions_postgres,
)


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
        self.insert_index_statement = SQL("INSERT INTO {schema}.{table} VALUES (%s, %s, %s, %s)").format(
            schema=schema, table=table
        )
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
        self.outbox_table = f"{events_table_name}_{OUTBOX_TABLE}"
        self.check_identifier_length(self.outbox_table)
        self.outbox_statements = postgres_statements(self.datastore.schema, self.outbox_table)
        self.sql_create_statements.extend(self.outbox_statements.create)

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

    def payment_instructions(self, after_id: int = 0, limit: int = 1000) -> list[PaymentInstruction]:
        """Payment instructions with ids after ``after_id``, oldest first (the finance system's read)."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            return select_instructions_postgres(curs, self.outbox_statements.select, after_id, limit)

    def case_ids(self) -> list[UUID]:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self.case_ids_statement)
            return [r["originator_id"] for r in curs.fetchall()]


if TYPE_CHECKING:  # the type checker holds the recorder to the case record's store contract
    _fulfils_the_contract: type[CaseStore] = CaseRecorder


# Only one factory class may be visible in this module: eventsourcing looks it up by type.
class Factory(library.PostgresFactory):
    application_recorder_class = CaseRecorder
