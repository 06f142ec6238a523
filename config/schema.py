"""Which version of the product's own schema a store holds, and the numbered migrations between
versions (decision 0036).

One mechanism for both stores: plain SQL per dialect, applied in order, each migration in one
transaction together with the row that records it (``carecase_schema``: version, name, when,
by whom), so a migration is either applied and recorded or not applied at all.

The code creates every table at its newest shape when it finds it missing (``IF NOT EXISTS``), so
a new store is already current: the first process to open it records every known version at
once. A change to a table that already exists (a column, an index, moved data) is a migration.
A store that holds the product's tables but no ``carecase_schema`` table was written before
versions were recorded: it is at the baseline, version 1.

A process refuses to start on a store newer than it knows (``SchemaTooNew``) or one with
migrations still to apply (``SchemaBehind``, naming ``carecase db upgrade``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import BaseModel

from eventstore.commands import SQLITE_BACKFILL as SQLITE_COMMANDS_BACKFILL
from eventstore.commands import sqlite_create_statements as sqlite_command_table
from projections.store import ViewCursor, ViewStore, has_table

SCHEMA_TABLE = "carecase_schema"
# The events' table as the event store names it: eventsourcing's SQLite recorder uses one name,
# its PostgreSQL recorder the application's name (``CaseRecord.name``) with ``_events``.
EVENTS_TABLE = {"sqlite": "stored_events", "postgres": "carecase_events"}


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    # Statements per dialect ("sqlite", "postgres"); none for a migration that only marks a version.
    statements: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # A query per dialect that finds a row when the change is already there: a store whose tables
    # this code made at their newest shape without recording versions (a case record opened
    # straight on an empty store) then records the migration without applying it again.
    # Several queries: each in turn must find a row (a later one may read a table an earlier found).
    present: dict[str, str | tuple[str, ...]] = field(default_factory=dict)
    # Statements safe to run again (they fill in what is missing and change nothing else): run on
    # every upgrade that records the migration, even where the check finds the change there, so a
    # table this code made empty beside older rows (a case record opened on the store before its
    # upgrade) is still filled.
    idempotent: bool = False


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "baseline: the events, as-of index, outbox, person keys, views, access and ops logs, keys"),
    # Issue 14: the outbox carries every message to finance, each with its kind; every row written
    # before was a payment (decision 0043).
    Migration(
        2,
        "the payment outbox's messages have a kind (payment, reissue, suspension, resumption, stop, recovery)",
        {
            "sqlite": ("ALTER TABLE payment_outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'payment'",),
            "postgres": (
                "ALTER TABLE carecase_events_payment_outbox "
                "ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'payment'",
            ),
        },
        present={
            "sqlite": "SELECT 1 FROM pragma_table_info('payment_outbox') WHERE name = 'kind'",
            "postgres": "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = 'carecase_events_payment_outbox' AND column_name = 'kind'",
        },
    ),
    # Issue 16: the commands a case has recorded move out of its state into a table beside the
    # events, filled from the events already stored (decision 0046).
    Migration(
        3,
        "the commands each case has recorded, by id, in a table beside the events (out of the case's state)",
        {
            "sqlite": (*sqlite_command_table(), SQLITE_COMMANDS_BACKFILL),
            "postgres": (
                "CREATE TABLE IF NOT EXISTS carecase_events_case_commands ("
                "originator_id uuid NOT NULL, command_id text NOT NULL, command_name text NOT NULL, "
                "command_digest text NOT NULL, first_version bigint NOT NULL, last_version bigint NOT NULL, "
                "PRIMARY KEY (originator_id, command_id))",
                "INSERT INTO carecase_events_case_commands "
                "SELECT originator_id, s->>'command_id', MIN(s->>'command_name'), MIN(s->>'command_digest'), "
                "MIN(originator_version), MAX(originator_version) "
                "FROM (SELECT originator_id, originator_version, convert_from(state, 'UTF8')::jsonb AS s "
                "FROM carecase_events) AS e WHERE s->>'command_id' IS NOT NULL "
                "GROUP BY originator_id, s->>'command_id' ON CONFLICT DO NOTHING",
            ),
        },
        # There, and filled: it holds a command, or the store holds no case event to fill it from.
        present={
            "sqlite": (
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'case_commands'",
                "SELECT 1 WHERE EXISTS (SELECT 1 FROM case_commands) OR NOT EXISTS (SELECT 1 FROM case_event_index)",
            ),
            "postgres": (
                "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() "
                "AND table_name = 'carecase_events_case_commands'",
                "SELECT 1 WHERE EXISTS (SELECT 1 FROM carecase_events_case_commands) "
                "OR NOT EXISTS (SELECT 1 FROM carecase_events_case_event_index)",
            ),
        },
        idempotent=True,
    ),
)


# The migration from which the outbox carries suspensions, resumptions, stops and recoveries.
OUTBOX_KINDS = 2


def is_present(cursor: ViewCursor, migration: Migration, dialect: str) -> bool | None:
    """Whether the migration's change is already in the store (None: it has no check)."""
    check = migration.present.get(dialect)
    if check is None:
        return None
    queries = (check,) if isinstance(check, str) else check
    return all(cursor.execute(query).fetchone() is not None for query in queries)


def applied_at(views: ViewStore, version: int) -> datetime | None:
    """When the store recorded a migration as applied (None: not recorded)."""
    with views.read() as cursor:
        if not has_table(cursor, SCHEMA_TABLE):
            return None
        row = cursor.execute(f"SELECT applied_at FROM {SCHEMA_TABLE} WHERE version = ?", (version,)).fetchone()
    return datetime.fromisoformat(row[0]) if row else None


class SchemaError(RuntimeError):
    """The store's schema is not one this process may run on."""


class SchemaTooNew(SchemaError):
    pass


class SchemaBehind(SchemaError):
    pass


class AppliedVersion(BaseModel):
    version: int
    name: str
    applied_at: str
    applied_by: str


class SchemaStatus(BaseModel):
    version: int  # 0 for a store with none of the product's tables yet
    known: int  # the newest version this code knows
    recorded: bool  # whether the store records its versions (False: written before they were)
    applied: list[AppliedVersion]
    pending: list[int]

    @property
    def current(self) -> bool:
        return self.version == self.known


def schema_status(views: ViewStore, migrations: Sequence[Migration] = MIGRATIONS) -> SchemaStatus:
    known = migrations[-1].version
    with views.read() as cursor:
        if has_table(cursor, SCHEMA_TABLE):
            rows = cursor.execute(
                f"SELECT version, name, applied_at, applied_by FROM {SCHEMA_TABLE} ORDER BY version"
            ).fetchall()
            applied = [AppliedVersion(version=r[0], name=r[1], applied_at=r[2], applied_by=r[3]) for r in rows]
            version = max((a.version for a in applied), default=0)
            recorded = True
        else:
            applied, recorded = [], False
            version = 1 if has_table(cursor, EVENTS_TABLE[views.dialect]) else 0
            # Tables made by code that does not record versions (a case record opened straight on
            # an empty store) are at the newest shape that code knew: each later change found there
            # counts as done, up to the first one missing.
            for migration in migrations[1:] if version else ():
                if not is_present(cursor, migration, views.dialect):
                    break
                version = migration.version
    done = {a.version for a in applied} | set(range(1, version + 1))
    return SchemaStatus(
        version=version,
        known=known,
        recorded=recorded,
        applied=applied,
        pending=[m.version for m in migrations if m.version not in done],
    )


def _record(cursor: ViewCursor, migration: Migration, by: str) -> None:
    cursor.execute(
        f"INSERT INTO {SCHEMA_TABLE} (version, name, applied_at, applied_by) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (version) DO NOTHING",
        (migration.version, migration.name, datetime.now(UTC).isoformat(), by),
    )


def _create_schema_table(cursor: ViewCursor) -> None:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {SCHEMA_TABLE} ("
        "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL, applied_by TEXT NOT NULL)"
    )


def upgrade(views: ViewStore, by: str, migrations: Sequence[Migration] = MIGRATIONS) -> list[int]:
    """Apply every pending migration in order, each with its record in one transaction; the
    versions applied (none when current). Refused on a store newer than ``migrations`` know."""
    status = schema_status(views, migrations)
    if status.version > status.known:
        raise _too_new(status)
    applied: list[int] = []
    with views.transaction() as cursor:
        _create_schema_table(cursor)
        if not status.recorded:
            for found in (m for m in migrations if m.version <= status.version):
                if found.idempotent:
                    for statement in found.statements.get(views.dialect, ()):
                        cursor.execute(statement)
                _record(cursor, found, f"{by} (found written before versions were recorded)")
    for migration in migrations:
        if migration.version not in status.pending:
            continue
        with views.transaction() as cursor:
            if migration.idempotent or not is_present(cursor, migration, views.dialect):
                for statement in migration.statements.get(views.dialect, ()):
                    cursor.execute(statement)
            _record(cursor, migration, by)
        applied.append(migration.version)
    return applied


def record_new_store(views: ViewStore, by: str, migrations: Sequence[Migration] = MIGRATIONS) -> None:
    """A store whose tables the code has just created is at the newest version: record them all."""
    with views.transaction() as cursor:
        _create_schema_table(cursor)
        if cursor.execute(f"SELECT COUNT(*) FROM {SCHEMA_TABLE}").fetchone()[0]:  # type: ignore[index]
            return
        for migration in migrations:
            _record(cursor, migration, by)


def _too_new(status: SchemaStatus) -> SchemaTooNew:
    return SchemaTooNew(
        f"the store's schema is at version {status.version}, newer than this carecase knows "
        f"(version {status.known}): run the release that upgraded it, or a newer one"
    )


def require_runnable(status: SchemaStatus) -> None:
    """Refuse a store this code cannot run on, saying what to do."""
    if status.version > status.known:
        raise _too_new(status)
    if status.version and status.pending:
        raise SchemaBehind(
            f"the store's schema is at version {status.version}; this carecase needs version {status.known}. "
            f"Run `carecase db upgrade` (migrations {', '.join(map(str, status.pending))} to apply)"
        )
