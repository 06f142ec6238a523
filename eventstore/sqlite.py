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

from domain.person_index import Episode
from eventstore.appends import AppendSignal, Polling
from eventstore.commands import (
    COMMANDS_TABLE,
    RecordedCommand,
    command_rows,
    insert_command_rows_sqlite,
    recorded_command_of,
)
from eventstore.commands import sqlite_create_statements as command_create_statements
from eventstore.contract import CaseStore
from eventstore.episodes import (
    forget_nhs_numbers_sqlite,
    select_episodes_sqlite,
    write_episodes_sqlite,
)
from eventstore.episodes import sqlite_create_statements as episode_create_statements
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
from eventstore.person_keys import PERSON_KEYS_TABLE, PersonKeyRow, PersonKeyTable
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
            *episode_create_statements(),
            *command_create_statements(),
            # Apart from the events: a person's key, its bytes deleted at the end of retention.
            f"CREATE TABLE IF NOT EXISTS {PERSON_KEYS_TABLE} ("
            "case_id TEXT NOT NULL, person_id TEXT NOT NULL, key BLOB, created_at_us INTEGER NOT NULL, "
            "destroyed_at_us INTEGER, destroyed_by TEXT, destroyed_why TEXT, "
            "PRIMARY KEY (case_id, person_id)) WITHOUT ROWID",
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
        insert_command_rows_sqlite(c, command_rows(stored_events, _id_text))
        insert_outbox_rows_sqlite(c, outbox_rows(stored_events), self.outbox_table)
        # Last: a second open episode for one person fails the whole transaction here.
        write_episodes_sqlite(c, stored_events)
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

    def events_and_command(
        self, originator_id: UUID, after_version: int, command_id: str
    ) -> tuple[Sequence[StoredEvent], RecordedCommand | None]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"{self.select_events_statement}AND originator_version>? ORDER BY originator_version",
                (_id_text(originator_id), after_version),
            )
            events = [
                StoredEvent(
                    originator_id=originator_id,
                    originator_version=r["originator_version"],
                    topic=r["topic"],
                    state=r["state"],
                )
                for r in c.fetchall()
            ]
            c.execute(
                f"SELECT * FROM {COMMANDS_TABLE} WHERE originator_id=? AND command_id=?",
                (_id_text(originator_id), command_id),
            )
            row = c.fetchone()
        return events, None if row is None else recorded_command_of(row)

    def recorded_command(self, originator_id: UUID, command_id: str) -> RecordedCommand | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT * FROM {COMMANDS_TABLE} WHERE originator_id=? AND command_id=?",
                (_id_text(originator_id), command_id),
            )
            row = c.fetchone()
        return None if row is None else recorded_command_of(row)

    def payment_instructions(self, after_id: int = 0, limit: int = 1000) -> list[PaymentInstruction]:
        """Payment instructions with ids after ``after_id``, oldest first (the finance system's read)."""
        with self.datastore.transaction(commit=False) as c:
            return select_instructions_sqlite(c, after_id, limit, self.outbox_table)

    def append_signal(self) -> AppendSignal:
        """SQLite tells no other process of an append: a reader polls."""
        return Polling()

    def select_events_of_cases(self, originator_ids: Sequence[UUID]) -> Sequence[StoredEvent]:
        if not originator_ids:
            return []
        marks = ",".join("?" for _ in originator_ids)
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT * FROM {self.events_table_name} WHERE originator_id IN ({marks}) "
                "ORDER BY originator_id, originator_version",
                [_id_text(i) for i in originator_ids],
            )
            return [
                StoredEvent(
                    originator_id=UUID(r["originator_id"]),
                    originator_version=r["originator_version"],
                    topic=r["topic"],
                    state=r["state"],
                )
                for r in c.fetchall()
            ]

    def case_ids(self) -> list[UUID]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT originator_id FROM {self.events_table_name} "
                f"UNION SELECT originator_id FROM {INDEX_TABLE} ORDER BY 1"
            )
            return [UUID(r["originator_id"]) for r in c.fetchall()]

    def episodes_of(self, keys: list[str]) -> list[Episode]:
        """The person index's episodes under any of these keys (eventstore.episodes)."""
        with self.datastore.transaction(commit=False) as c:
            return select_episodes_sqlite(c, keys)

    # The key table (eventstore.person_keys) ----------------------------------------------------

    def person_key(self, case_id: UUID, person_id: str) -> bytes | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT key FROM {PERSON_KEYS_TABLE} WHERE case_id=? AND person_id=?", (case_id.hex, person_id))
            row = c.fetchone()
        return None if row is None or row["key"] is None else bytes(row["key"])

    def person_keys_of(self, case_ids: Sequence[UUID]) -> dict[tuple[str, str], bytes | None]:
        """Every key of every person on these cases, in one read (eventstore.person_keys.BulkKeyTable)."""
        found: dict[tuple[str, str], bytes | None] = {}
        with self.datastore.transaction(commit=False) as c:
            for start in range(0, len(case_ids), 500):
                chunk = [case_id.hex for case_id in case_ids[start : start + 500]]
                c.execute(
                    f"SELECT case_id, person_id, key FROM {PERSON_KEYS_TABLE} "
                    f"WHERE case_id IN ({', '.join('?' for _ in chunk)})",
                    chunk,
                )
                for row in c.fetchall():
                    found[(row["case_id"], row["person_id"])] = None if row["key"] is None else bytes(row["key"])
        return found

    def add_person_key(self, case_id: UUID, person_id: str, key: bytes, created_at: datetime) -> bytes | None:
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                f"INSERT OR IGNORE INTO {PERSON_KEYS_TABLE} (case_id, person_id, key, created_at_us) VALUES (?,?,?,?)",
                (case_id.hex, person_id, key, _micros(created_at)),
            )
            c.execute(f"SELECT key FROM {PERSON_KEYS_TABLE} WHERE case_id=? AND person_id=?", (case_id.hex, person_id))
            row = c.fetchone()
        return None if row is None or row["key"] is None else bytes(row["key"])

    def destroy_person_keys(self, case_id: UUID, destroyed_at: datetime, destroyed_by: str, why: str) -> list[str]:
        with self.datastore.transaction(commit=True) as c:
            # Overwrite freed bytes with zeros as they are freed (the file is compacted afterwards too).
            c.execute("PRAGMA secure_delete = ON")
            c.execute(
                f"SELECT person_id FROM {PERSON_KEYS_TABLE} WHERE case_id=? AND key IS NOT NULL ORDER BY person_id",
                (case_id.hex,),
            )
            people = [r["person_id"] for r in c.fetchall()]
            c.execute(
                f"UPDATE {PERSON_KEYS_TABLE} SET key=NULL, destroyed_at_us=?, destroyed_by=?, destroyed_why=? "
                "WHERE case_id=? AND key IS NOT NULL",
                (_micros(destroyed_at), destroyed_by, why, case_id.hex),
            )
            forget_nhs_numbers_sqlite(c, case_id.hex)
        return people

    def person_key_rows(self, case_id: UUID) -> list[PersonKeyRow]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT person_id, created_at_us, destroyed_at_us, destroyed_by, destroyed_why "
                f"FROM {PERSON_KEYS_TABLE} "
                "WHERE case_id=? ORDER BY person_id",
                (case_id.hex,),
            )
            rows = c.fetchall()
        return [
            PersonKeyRow(
                case_id,
                r["person_id"],
                _from_micros(r["created_at_us"]),
                None if r["destroyed_at_us"] is None else _from_micros(r["destroyed_at_us"]),
                r["destroyed_by"],
                r["destroyed_why"],
            )
            for r in rows
        ]

    def delete_snapshots(self, case_id: UUID) -> None:
        """Delete the case's snapshots (rebuilt from the events when next needed)."""
        with self.datastore.transaction(commit=True) as c:
            c.execute("PRAGMA secure_delete = ON")
            c.execute("DELETE FROM stored_snapshots WHERE originator_id=?", (case_id.hex,))

    def compact(self) -> None:
        """Rewrite the file without its free pages, and empty the write-ahead log, so bytes deleted
        (destroyed keys, views' old rows) are gone from disk, not only unlinked."""
        if self.datastore.pool.is_sqlite_memory_mode:
            return
        with self.datastore.get_connection(commit=True) as conn:
            cursor = conn.cursor()
            cursor.execute("VACUUM")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


if TYPE_CHECKING:  # the type checker holds the recorder to the case record's store contract
    _fulfils_the_contract: type[CaseStore] = CaseRecorder
    _keeps_the_keys: type[PersonKeyTable] = CaseRecorder


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
