"""SQLite event store (the embedded default), fulfilling ``eventstore.contract.CaseStore``, with the
as-of index and the payment outbox written in the same transaction as the events.

``PERSISTENCE_MODULE=eventstore.sqlite`` selects it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import eventsourcing.sqlite as library
from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from eventsourcing.utils import Environment, EnvType

from eventstore.contract import CaseStore
from eventstore.index import INDEX_TABLE, IndexRow, index_params
from eventstore.outbox import (
    OUTBOX_TABLE,
    PaymentInstruction,
    insert_outbox_rows_sqlite,
    outbox_rows,
    select_instructions_sqlite,
    sqlite_add_payee_columns,
    sqlite_create_statements,
)
from eventstore.private_files import is_sqlite_file, private_sqlite


def _micros(when: datetime) -> int:
    # Integer microseconds since the epoch sort and compare exactly; ISO text would too, but only
    # while every writer used the same offset and precision.
    # Aware minus aware, never through astimezone: an instant whose UTC time is past the year 9999
    # (9999-12-31T23:59-01:00) or before the year 1 still has its count of microseconds.
    if when.tzinfo is None:
        when = when.astimezone()
    delta = when - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _from_micros(micros: int) -> datetime:
    seconds, rest = divmod(micros, 1_000_000)
    return datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=rest)


def _id_text(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id


class CaseRecorder(SQLiteApplicationRecorder):
    outbox_table = OUTBOX_TABLE

    def construct_create_table_statements(self) -> list[str]:
        return super().construct_create_table_statements() + [
            f"CREATE TABLE IF NOT EXISTS {INDEX_TABLE} ("
            "originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL, "
            "recorded_at_us INTEGER NOT NULL, chain_hash TEXT NOT NULL, "
            "PRIMARY KEY (originator_id, originator_version)) WITHOUT ROWID",
            f"CREATE INDEX IF NOT EXISTS {INDEX_TABLE}_time ON {INDEX_TABLE} (originator_id, recorded_at_us)",
            *sqlite_create_statements(self.outbox_table),
        ]

    def _create_table(self, c: SQLiteCursor) -> None:
        super()._create_table(c)
        sqlite_add_payee_columns(c, self.outbox_table)

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        notification_ids = super()._insert_events(c, stored_events, **kwargs)
        rows = [(i, v, _micros(t), h) for (i, v, t, h) in index_params(stored_events, _id_text)]
        if rows:
            c.executemany(f"INSERT INTO {INDEX_TABLE} VALUES (?,?,?,?)", rows)
        # After the events: a version conflict has already failed the whole transaction by now.
        insert_outbox_rows_sqlite(c, outbox_rows(stored_events), self.outbox_table)
        return notification_ids

    def version_as_of(self, originator_id: UUID, instant: datetime) -> int | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT MAX(originator_version) AS v FROM {INDEX_TABLE} WHERE originator_id=? AND recorded_at_us<=?",
                (_id_text(originator_id), _micros(instant)),
            )
            row = c.fetchone()
        return None if row is None or row["v"] is None else int(row["v"])

    def index_rows(self, originator_id: UUID) -> list[IndexRow]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT originator_version, recorded_at_us, chain_hash FROM {INDEX_TABLE} "
                "WHERE originator_id=? ORDER BY originator_version",
                (_id_text(originator_id),),
            )
            rows = c.fetchall()
        return [
            IndexRow(originator_id, r["originator_version"], _from_micros(r["recorded_at_us"]), r["chain_hash"])
            for r in rows
        ]

    def payment_instructions(self, after_id: int = 0, limit: int = 1000) -> list[PaymentInstruction]:
        """Payment instructions with ids after ``after_id``, oldest first (the finance system's read)."""
        with self.datastore.transaction(commit=False) as c:
            return select_instructions_sqlite(c, after_id, limit, self.outbox_table)

    def case_ids(self) -> list[UUID]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT originator_id FROM {self.events_table_name} "
                f"UNION SELECT originator_id FROM {INDEX_TABLE} ORDER BY 1"
            )
            return [UUID(r["originator_id"]) for r in c.fetchall()]


if TYPE_CHECKING:  # the type checker holds the recorder to the case record's store contract
    _fulfils_the_contract: type[CaseStore] = CaseRecorder


# Only one factory class may be visible in this module: eventsourcing looks it up by type.
class Factory(library.SQLiteFactory):
    application_recorder_class = CaseRecorder

    def __init__(self, env: Environment | EnvType | None) -> None:
        # The file exists, private, before SQLite opens it: SQLite then gives its -wal and -shm
        # files the same mode. One an older version made looser is tightened here.
        environment = env if isinstance(env, Environment) else Environment(env=env)
        name = environment.get(self.SQLITE_DBNAME) or ""
        if is_sqlite_file(name):
            private_sqlite(Path(name))
        super().__init__(environment)
