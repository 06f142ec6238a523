"""The commands a case has recorded, by id: what both recorders share about the table that keeps
them beside the events (decision 0046).

A command is recorded once. Its id, name, content digest and the versions of the events it appended
are written to ``case_commands`` in the same transaction as those events, so a repeat of the command
is found with one indexed read, and the case's state no longer grows with every command it has
ever handled (which made every later command, snapshot and as-of read of a busy case slower).

A repeat cannot slip past the table: the record reads it after loading the case, and a command
saved meanwhile by another writer was saved at a version the record's own save then conflicts on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.persistence import StoredEvent

COMMANDS_TABLE = "case_commands"


class RecordedCommand(NamedTuple):
    """One command a case holds: what it was and the versions of the events it appended."""

    command_id: str
    name: str
    digest: str
    first_version: int
    last_version: int


class CommandRow(NamedTuple):
    originator_id: Any  # in the store's own form (text on SQLite, a uuid on PostgreSQL)
    command_id: str
    name: str
    digest: str
    first_version: int
    last_version: int


def command_rows(stored_events: Sequence[StoredEvent], id_form: Any) -> list[CommandRow]:
    """The commands a batch of stored events records: one row per command id, spanning its events."""
    found: dict[tuple[str, str], CommandRow] = {}
    for event in stored_events:
        command = getattr(event, "command", None)
        if command is None:
            continue  # not a case event (a snapshot, a policy publication)
        command_id, name, digest = command
        key = (str(event.originator_id), command_id)
        version = event.originator_version
        row = found.get(key)
        if row is None:
            found[key] = CommandRow(id_form(event.originator_id), command_id, name, digest, version, version)
        else:
            found[key] = row._replace(
                first_version=min(row.first_version, version), last_version=max(row.last_version, version)
            )
    return list(found.values())


def sqlite_create_statements(table: str = COMMANDS_TABLE) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {table} ("
        "originator_id TEXT NOT NULL, command_id TEXT NOT NULL, command_name TEXT NOT NULL, "
        "command_digest TEXT NOT NULL, first_version INTEGER NOT NULL, last_version INTEGER NOT NULL, "
        "PRIMARY KEY (originator_id, command_id)) WITHOUT ROWID"
    ]


# The rows a store written before the table held, from the events themselves (migration 3): every
# case event's stored state carries its command's id, name and digest in the clear.
SQLITE_BACKFILL = (
    f"INSERT OR IGNORE INTO {COMMANDS_TABLE} "
    "SELECT originator_id, json_extract(CAST(state AS TEXT), '$.command_id'), "
    "json_extract(CAST(state AS TEXT), '$.command_name'), json_extract(CAST(state AS TEXT), '$.command_digest'), "
    "MIN(originator_version), MAX(originator_version) "
    "FROM stored_events WHERE json_extract(CAST(state AS TEXT), '$.command_id') IS NOT NULL "
    "GROUP BY originator_id, json_extract(CAST(state AS TEXT), '$.command_id')"
)


def insert_command_rows_sqlite(cursor: Any, rows: Sequence[CommandRow], table: str = COMMANDS_TABLE) -> None:
    """Insert with the caller's cursor, inside the caller's transaction (after the events)."""
    if rows:
        cursor.executemany(f"INSERT OR IGNORE INTO {table} VALUES (?,?,?,?,?,?)", rows)


def recorded_command_of(row: Any) -> RecordedCommand:
    return RecordedCommand(
        command_id=row["command_id"],
        name=row["command_name"],
        digest=row["command_digest"],
        first_version=int(row["first_version"]),
        last_version=int(row["last_version"]),
    )


def case_hex(case_id: UUID | str) -> str:
    return case_id.hex if isinstance(case_id, UUID) else UUID(case_id).hex
