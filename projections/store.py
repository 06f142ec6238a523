"""The view store: tables on the same database as the events, written one transaction at a time.

Views and their tracking positions share a database (and each batch one transaction) with
each other, so a view and the position it claims to have reached can never disagree. It sits on
the same database as the events only for convenience of deployment; the runner never writes to
the events' tables.

Projections write portable SQL with ``?`` placeholders; on PostgreSQL the cursor translates them.

Beside the tracking table sits the quarantine (``projection_quarantine``): one row for each
notification a view has passed without applying, because that event, or an earlier one of the
same case, could not be applied (decision 0013). It commits with the positions, like everything
else here.
"""

from __future__ import annotations

import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from eventstore.private_files import is_sqlite_file, private_sqlite

TRACKING_TABLE = "projection_tracking"
QUARANTINE_TABLE = "projection_quarantine"
QUARANTINE_COLUMNS = (
    "case_id",
    "notification_id",
    "case_version",
    "event_type",
    "projection",
    "reason",
    "error_class",
    "error_message",
    "quarantined_at",
)
FAILED, HELD = "failed", "held"


UTC_TEXT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def utc_text(moment: datetime) -> str:
    """An instant as fixed-width UTC text, so comparing the text compares the instants on both stores."""
    return moment.astimezone(UTC).strftime(UTC_TEXT_FORMAT)


class SavepointLost(Exception):
    """Rolling back to a savepoint failed: the transaction (and most likely the connection) is gone,
    so nothing this transaction did can be trusted or kept."""


class QuarantineRow(NamedTuple):
    """A notification one view has passed without applying it. ``reason`` is ``failed`` (applying
    it raised; ``error_class`` and ``error_message`` say what) or ``held`` (it waits behind, or
    with, a failed event of the same case). Ids, positions and type names only: never a field of
    the event, which may name a person."""

    case_id: str
    notification_id: int
    case_version: int
    event_type: str
    projection: str
    reason: str
    error_class: str | None
    error_message: str
    quarantined_at: str


class ViewCursor:
    """The one cursor a projection sees: ``?`` placeholders on both stores, rows as tuples."""

    def __init__(self, raw: Any, dialect: str) -> None:
        self._raw = raw
        self.dialect = dialect

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgres" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> ViewCursor:
        self._raw.execute(self._sql(sql), tuple(params))
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> ViewCursor:
        if rows:
            self._raw.executemany(self._sql(sql), [tuple(r) for r in rows])
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        row = self._raw.fetchone()
        return None if row is None else tuple(row)

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self._raw.fetchall()]

    def column_names(self) -> list[str]:
        """The names of the last query's columns, in order."""
        return [d[0] for d in self._raw.description]

    def dicts(self) -> list[dict[str, Any]]:
        """The rows of the last query as dicts keyed by column name."""
        names = [d[0] for d in self._raw.description]
        return [dict(zip(names, row, strict=True)) for row in self._raw.fetchall()]

    @contextmanager
    def savepoint(self, name: str = "view_notification") -> Iterator[None]:
        """Undo only what the block wrote if it raises, keeping the rest of the transaction.

        Plain SQL savepoints, the same on SQLite and PostgreSQL (where rolling back to one also
        clears the error state a failed statement leaves). If the rollback itself fails, the
        transaction is lost: ``SavepointLost`` says so, whatever the block raised."""
        self.execute(f"SAVEPOINT {name}")
        try:
            yield
        except Exception as error:
            try:
                self.execute(f"ROLLBACK TO SAVEPOINT {name}")
                self.execute(f"RELEASE SAVEPOINT {name}")
            except Exception as lost:
                raise SavepointLost(f"could not roll back after {type(error).__name__}") from lost
            raise
        self.execute(f"RELEASE SAVEPOINT {name}")


def has_table(cursor: ViewCursor, table: str) -> bool:
    """Whether the table exists (a catalogue read: it takes no lock on the table)."""
    if cursor.dialect == "sqlite":
        return (
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
            is not None
        )
    return cursor.execute("SELECT to_regclass(CAST(? AS text))", (table,)).fetchone()[0] is not None  # type: ignore[index]


def has_column(cursor: ViewCursor, table: str, column: str) -> bool:
    """Whether the table has the column (an earlier release's table may not)."""
    try:
        with cursor.savepoint("view_shape"):
            cursor.execute(f"SELECT {column} FROM {table} WHERE 1 = 0")
    except Exception:  # the driver's own "no such column" (sqlite3 and psycopg differ)
        return False
    return True


class ViewStore(ABC):
    """Base: a ``transaction()`` yielding a :class:`ViewCursor`, plus the tracking table."""

    dialect = ""

    def __init__(self) -> None:
        # One connection, used by one transaction at a time (the runner may live in a thread).
        self._lock = threading.RLock()
        with self.transaction() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {TRACKING_TABLE} (projection TEXT PRIMARY KEY, position BIGINT NOT NULL)"
            )
            # Keyed by case first: the runner asks which cases are held, a release reads one case.
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {QUARANTINE_TABLE} ("
                "case_id TEXT NOT NULL, notification_id BIGINT NOT NULL, case_version BIGINT NOT NULL, "
                "event_type TEXT NOT NULL, projection TEXT NOT NULL, reason TEXT NOT NULL, error_class TEXT, "
                "error_message TEXT NOT NULL, quarantined_at TEXT NOT NULL, "
                "PRIMARY KEY (case_id, notification_id, projection))"
            )

    @abstractmethod
    def transaction(self) -> AbstractContextManager[ViewCursor]:
        """One transaction: view rows and tracking positions commit together or not at all."""

    def read(self) -> AbstractContextManager[ViewCursor]:
        """A transaction for reading: one consistent snapshot that takes no write lock."""
        return self.transaction()

    def lock_tracking(self, cursor: ViewCursor) -> None:  # noqa: B027 - SQLite serialises writers itself
        """Serialise writers of views: two runners must never apply the same notification."""

    def position(self, name: str, cursor: ViewCursor | None = None) -> int:
        if cursor is None:  # a read: it never waits for, nor takes, the runner's write lock
            with self.read() as cursor:
                return self.position(name, cursor)
        row = cursor.execute(f"SELECT position FROM {TRACKING_TABLE} WHERE projection = ?", (name,)).fetchone()
        return 0 if row is None else int(row[0])

    def positions(self, names: Sequence[str], cursor: ViewCursor | None = None) -> dict[str, int]:
        if cursor is None:
            with self.read() as cursor:
                return self.positions(names, cursor)
        return {name: self.position(name, cursor) for name in names}

    @staticmethod
    def set_position(cursor: ViewCursor, name: str, position: int) -> None:
        cursor.execute(
            f"INSERT INTO {TRACKING_TABLE} (projection, position) VALUES (?, ?) "
            "ON CONFLICT (projection) DO UPDATE SET position = excluded.position",
            (name, position),
        )

    @staticmethod
    def forget(cursor: ViewCursor, name: str) -> None:
        cursor.execute(f"DELETE FROM {TRACKING_TABLE} WHERE projection = ?", (name,))

    # The quarantine ---------------------------------------------------------------------------

    @staticmethod
    def quarantine(cursor: ViewCursor, rows: Sequence[QuarantineRow]) -> None:
        cursor.executemany(
            f"INSERT INTO {QUARANTINE_TABLE} ({', '.join(QUARANTINE_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in QUARANTINE_COLUMNS)})",
            rows,
        )

    @staticmethod
    def quarantined_cases(cursor: ViewCursor) -> set[str]:
        """The cases (hex ids) whose events the views hold back."""
        return {row[0] for row in cursor.execute(f"SELECT DISTINCT case_id FROM {QUARANTINE_TABLE}").fetchall()}

    @staticmethod
    def quarantine_of(cursor: ViewCursor, case_id: str) -> list[QuarantineRow]:
        """One case's rows, oldest notification first."""
        rows = cursor.execute(
            f"SELECT {', '.join(QUARANTINE_COLUMNS)} FROM {QUARANTINE_TABLE} WHERE case_id = ? "
            "ORDER BY notification_id, projection",
            (case_id,),
        ).fetchall()
        return [QuarantineRow(case_id, int(n), int(v), *rest) for _, n, v, *rest in rows]

    @staticmethod
    def release_quarantine(
        cursor: ViewCursor, case_id: str | None = None, projections: Sequence[str] | None = None
    ) -> None:
        """Forget one case's rows (it has been released), or every row of the views named (they are
        being rebuilt from the first event, and will meet every event again)."""
        if case_id is not None:
            cursor.execute(f"DELETE FROM {QUARANTINE_TABLE} WHERE case_id = ?", (case_id,))
        elif projections:
            cursor.execute(
                f"DELETE FROM {QUARANTINE_TABLE} WHERE projection IN ({', '.join('?' for _ in projections)})",
                list(projections),
            )

    def quarantined_case_count(self, cursor: ViewCursor | None = None) -> int:
        if cursor is None:
            with self.read() as cursor:
                return self.quarantined_case_count(cursor)
        row = cursor.execute(f"SELECT COUNT(DISTINCT case_id) FROM {QUARANTINE_TABLE}").fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def failures_by_view(cursor: ViewCursor) -> dict[str, int]:
        """How many events each view failed to apply and holds in the quarantine (decision 0013)."""
        rows = cursor.execute(
            f"SELECT projection, COUNT(*) FROM {QUARANTINE_TABLE} WHERE reason = ? GROUP BY projection", (FAILED,)
        ).fetchall()
        return {projection: int(count) for projection, count in rows}

    def quarantine_summary(self, limit: int | None = None) -> list[dict[str, Any]]:
        """One item per quarantined case, longest held first: the event that failed (its position,
        version and type, the views it failed in, the error's class and message), when, and how
        many of the case's later notifications are held behind it. Ids only."""
        with self.read() as cursor:
            sql = (
                f"SELECT case_id, MIN(quarantined_at), COUNT(DISTINCT notification_id) FROM {QUARANTINE_TABLE} "
                "GROUP BY case_id ORDER BY MIN(notification_id)"
            )
            params: list[Any] = []
            if limit is not None:
                sql += " LIMIT ?"
                params.append(limit)
            cases = cursor.execute(sql, params).fetchall()
            failed = cursor.execute(
                f"SELECT case_id, notification_id, case_version, event_type, projection, error_class, error_message "
                f"FROM {QUARANTINE_TABLE} WHERE reason = ? ORDER BY notification_id, projection",
                (FAILED,),
            ).fetchall()
        failures: dict[str, dict[str, Any]] = {}
        for case_id, notification_id, version, event_type, projection, error_class, message in failed:
            failure = failures.setdefault(
                case_id,
                {
                    "notification_id": int(notification_id),
                    "case_version": int(version),
                    "event_type": event_type,
                    "failed_in": [],
                    "error_class": error_class,
                    "error_message": message,
                },
            )
            failure["failed_in"].append(projection)
        return [
            {
                "case_id": case_id,
                "quarantined_at": since,
                **failures.get(case_id, {}),
                "held_notifications": int(notifications) - (1 if case_id in failures else 0),
            }
            for case_id, since, notifications in cases
        ]

    def dump(self, table: str, order_by: str) -> list[tuple[Any, ...]]:
        with self.transaction() as cursor:
            return cursor.execute(f"SELECT * FROM {table} ORDER BY {order_by}").fetchall()

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""


class SQLiteViewStore(ViewStore):
    dialect = "sqlite"

    def __init__(self, path: str, timeout: float = 30.0) -> None:
        if is_sqlite_file(path):
            private_sqlite(Path(path))  # before SQLite opens it, so its -wal and -shm are private too
        self._conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        super().__init__()

    @contextmanager
    def transaction(self) -> Iterator[ViewCursor]:
        with self._lock:
            raw = self._conn.cursor()
            # IMMEDIATE takes the write lock up front, so the positions read inside the
            # transaction cannot change under it.
            raw.execute("BEGIN IMMEDIATE")
            try:
                yield ViewCursor(raw, self.dialect)
            except BaseException:
                self._conn.rollback()
                raise
            else:
                raw.execute("COMMIT")
            finally:
                raw.close()

    @contextmanager
    def read(self) -> Iterator[ViewCursor]:
        with self._lock:
            raw = self._conn.cursor()
            raw.execute("BEGIN")  # deferred: readers never wait for the runner's write lock (WAL)
            try:
                yield ViewCursor(raw, self.dialect)
            finally:
                self._conn.rollback()
                raw.close()

    def close(self) -> None:
        self._conn.close()


class PostgresViewStore(ViewStore):
    dialect = "postgres"

    def __init__(
        self, *, host: str, port: str | int, user: str, password: str, dbname: str, schema: str = "public"
    ) -> None:
        import psycopg

        self._conn = psycopg.connect(
            host=host, port=int(port), user=user, password=password, dbname=dbname, autocommit=True
        )
        self._conn.execute(f'SET search_path TO "{schema}"')
        super().__init__()

    @contextmanager
    def transaction(self) -> Iterator[ViewCursor]:
        with self._lock, self._conn.transaction(), self._conn.cursor() as raw:
            yield ViewCursor(raw, self.dialect)

    @contextmanager
    def read(self) -> Iterator[ViewCursor]:
        # READ COMMITTED would give each statement its own snapshot: a position read first could
        # then disagree with the rows read after it. REPEATABLE READ makes it one snapshot.
        with self._lock, self._conn.transaction(), self._conn.cursor() as raw:
            raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield ViewCursor(raw, self.dialect)

    def lock_tracking(self, cursor: ViewCursor) -> None:
        # Tracking rows may not exist yet, so row locks are not enough: lock the table. Readers
        # of views are not blocked (EXCLUSIVE still allows ACCESS SHARE).
        cursor.execute(f"LOCK TABLE {TRACKING_TABLE} IN EXCLUSIVE MODE")

    def close(self) -> None:
        self._conn.close()


def view_store_from_env(env: Mapping[str, str]) -> ViewStore:
    """The view store beside the events, from the same settings the case record reads."""
    module = env.get("PERSISTENCE_MODULE", "")
    if module.endswith("postgres"):
        return PostgresViewStore(
            host=env.get("POSTGRES_HOST", "127.0.0.1"),
            port=env.get("POSTGRES_PORT", "5432"),
            user=env.get("POSTGRES_USER", "postgres"),
            password=env.get("POSTGRES_PASSWORD", ""),
            dbname=env.get("POSTGRES_DBNAME", "postgres"),
            schema=env.get("POSTGRES_SCHEMA", "") or "public",
        )
    if module.endswith("sqlite"):
        return SQLiteViewStore(env["SQLITE_DBNAME"], timeout=float(env.get("SQLITE_LOCK_TIMEOUT", "30")))
    raise ValueError(f"no view store for PERSISTENCE_MODULE={module!r}")
