"""Runs projections over the event store's notification log, exactly once per notification.

Each batch is one view-store transaction: the rows every projection writes and the positions it
reaches commit together, so a runner killed at any instant resumes from a consistent point and
never applies a notification twice. It polls ``select_notifications`` on both stores (the SQLite
recorder has no ``subscribe()``; polling on PostgreSQL too keeps one code path).

One event no view can apply must not stop the views for every case (decision 0013). A batch is
first applied whole, as it always was. If it fails for a reason that is the event's own (a
*poison* event, see ``is_infrastructure_fault``), it is rolled back and applied again notification
by notification, each in a savepoint: the one that fails is undone, its case is quarantined (and
its later events held, so no view of the case is ever built from a partial history), and every
other case goes on. The positions still advance in the same transaction. A fault of the database
itself quarantines nothing: the batch fails and is retried, as before.
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import structlog
from eventsourcing import persistence

from domain.personal_data import Sealer
from eventstore.appends import AppendSignal
from projections.base import Projection
from projections.case_states import CaseStates
from projections.partitions import Opener, PartJob, build_parts, copy_part, part_paths
from projections.store import (
    FAILED,
    HELD,
    QuarantineRow,
    SavepointLost,
    ViewCursor,
    ViewStore,
    has_table,
    utc_text,
)

log = structlog.get_logger("carecase.projections")

Progress = Callable[[int, int], None]  # (position reached, last notification id)

HELD_BEHIND = "held behind an earlier quarantined event"

# The database, or the way to it, failed: whatever the event, the same batch may well succeed later.
INFRASTRUCTURE_FAULTS: tuple[type[BaseException], ...] = (
    SavepointLost,
    sqlite3.OperationalError,
    sqlite3.InterfaceError,
    sqlite3.InternalError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    psycopg.InternalError,
    persistence.OperationalError,
    persistence.InterfaceError,
    persistence.InternalError,
    persistence.ConnectionPoolClosedError,
    OSError,
    MemoryError,
)
# A bare DatabaseError, none of its kinds: SQLite says so of a corrupt file or one that is not a database.
BARE_DATABASE_ERRORS = (sqlite3.DatabaseError, psycopg.DatabaseError, persistence.DatabaseError)
# PostgreSQL's class 42 (a table or column missing, a privilege revoked): the view's SQL cannot run
# here at all, the deployment's fault and never one event's. SQLite reports these as OperationalError.
DEPLOYMENT_SQLSTATE_CLASS = "42"


def is_infrastructure_fault(error: BaseException) -> bool:
    """True when applying the batch failed because of the database, not because of an event.

    Infrastructure: the connection or the server failed, a lock or statement timed out, a
    transaction was rolled back by the server (deadlock, serialisation), the disk or memory ran
    out, the file is corrupt, a view's table is missing, a savepoint could not be rolled back —
    the driver's OperationalError, InterfaceError, InternalError, OSError, MemoryError and kin.
    The batch fails whole and is retried: nothing is quarantined, because the same events will
    apply once the database is back.

    Everything else is the event's (a poison event): a value the store cannot hold (OverflowError,
    DataError), a row that breaks a constraint (IntegrityError), an event that cannot be read or
    upcast, a handler or the domain raising on this case's history. Retrying would fail the same
    way for ever, so that case is quarantined and the others go on.
    """
    if not isinstance(error, Exception):
        return True  # KeyboardInterrupt, SystemExit, a cancelled thread: never the event's
    if isinstance(error, psycopg.Error) and (error.sqlstate or "").startswith(DEPLOYMENT_SQLSTATE_CLASS):
        return True
    return type(error) in BARE_DATABASE_ERRORS or isinstance(error, INFRASTRUCTURE_FAULTS)


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def plain_message(error: BaseException, limit: int = 300) -> str:
    """The error's first line with anything quoted masked, short: drivers and handlers quote the
    values they choke on, and a value may be a person's name. Never raises, and never returns a
    character a column cannot hold (PostgreSQL text refuses NUL): writing the quarantine row must
    not become a second failure that stops the views."""
    try:
        text = str(error)
    except Exception:
        text = ""
    first = next(iter(text.strip().splitlines()), "")
    first = "".join(ch if ch.isprintable() else "?" for ch in first)
    return _QUOTED.sub("<value>", first)[:limit]


def event_type(topic: str) -> str:
    """``domain.case.aggregate:Case.ReferralReceived`` → ``ReferralReceived``, without reading the event."""
    return topic.rsplit(":", 1)[-1].rsplit(".", 1)[-1]


@dataclass(frozen=True)
class Failure:
    """Applying one notification raised a poison error; ``projection`` is None if the event could not even be read."""

    projection: str | None
    error: Exception


@dataclass(frozen=True)
class Release:
    """What releasing a case did: the notifications re-applied, and who asked."""

    case_id: str
    released_by: str
    notifications: int
    views: list[str]


class NotQuarantined(LookupError):
    """The case has nothing in the quarantine to release."""


class StillFailing(Exception):
    """Re-applying a quarantined case failed again: nothing was changed and the case stays quarantined."""

    def __init__(self, case_id: str, notification_id: int, projection: str | None, error: Exception) -> None:
        self.case_id, self.notification_id, self.projection = case_id, notification_id, projection
        self.error_class, self.error_message = type(error).__name__, plain_message(error)
        super().__init__(
            f"case {case_id} still fails at notification {notification_id} in "
            f"{projection or 'reading the event'}: {self.error_class}: {self.error_message}"
        )


def create_view_tables(store: ViewStore, projections: Sequence[Projection]) -> None:
    """Every view's tables, made where missing (empty, at position 0), in one transaction."""
    with store.transaction() as cursor:
        for projection in projections:
            projection.create_tables(cursor)


def create_view_tables_if_missing(store: ViewStore, projections: Sequence[Projection]) -> None:
    """For a process that reads the views but never writes them (the API): the tables are made
    only when one is missing (no runner has run yet). Beside a running runner it runs no DDL, whose
    ``CREATE INDEX IF NOT EXISTS`` would take a ShareLock on each table the runner writes, in an
    order the runner's own writes could close into a deadlock (decision 0041)."""
    with store.read() as cursor:
        missing = any(not has_table(cursor, table) for projection in projections for table in projection.tables)
    if missing:
        create_view_tables(store, projections)


class ProjectionRunner:
    def __init__(self, record: Any, store: ViewStore, projections: Sequence[Projection]) -> None:
        names = [p.name for p in projections]
        if len(set(names)) != len(names) or not all(names):
            raise ValueError(f"projection names must be present and unique: {names}")
        self.record = record
        self.store = store
        self.projections = list(projections)
        self.states = CaseStates(record)
        for projection in self.projections:
            projection.states = self.states
        # The cases this runner applies (a part of a parallel rebuild); every other case's
        # notifications it passes without decoding. None: every case.
        self.owns: Callable[[UUID], bool] | None = None
        self.applied = 0  # notifications applied to at least one view (a figure for a parallel rebuild)
        create_view_tables(store, self.projections)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.projections]

    def positions(self) -> dict[str, int]:
        return self.store.positions(self.names)

    def run_once(self, batch: int = 500, stop: int | None = None) -> int:
        """Apply the next batch of notifications (none after ``stop``, if given); returns how many
        notifications it read.

        The whole batch at once first (one write per case for the derived views, no savepoints);
        only if that fails on a poison event, again one notification at a time to find and
        quarantine it."""
        low = min(self.positions().values(), default=0)
        if stop is not None and low >= stop:
            return 0
        notifications = self.record.notifications(start=low + 1, limit=batch, stop=stop)
        if not notifications:
            return 0
        try:
            return self._apply_batch(low, notifications, isolate=False)
        except Exception as error:
            if is_infrastructure_fault(error):
                raise
            log.warning(
                "projection_batch_isolating",
                first=notifications[0].id,
                last=notifications[-1].id,
                error_class=type(error).__name__,
            )
        return self._apply_batch(low, notifications, isolate=True)

    def _apply_batch(self, low: int, notifications: Sequence[Any], *, isolate: bool) -> int:
        read, last = len(notifications), notifications[-1].id
        try:
            with self.store.transaction() as cursor:
                self.store.lock_tracking(cursor)
                positions = self.store.positions(self.names, cursor)
                if min(positions.values()) < low:
                    # A rebuild reset the views since we read: this batch no longer starts where
                    # they are. Apply nothing; the next call starts from the new position.
                    return 0
                held = self.store.quarantined_cases(cursor)
                if self.owns is not None:
                    owns = self.owns
                    notifications = [n for n in notifications if owns(n.originator_id)]
                # The keys of this batch's sealed values, read once for the batch (decision 0048).
                keys = self.record.mapper.keys_for(notifications)
                applied = 0
                for notification in notifications:
                    behind = [p for p in self.projections if positions[p.name] < notification.id]
                    if not behind:
                        continue
                    applied += 1
                    case_id = notification.originator_id.hex
                    if case_id in held:
                        self._hold(cursor, notification, behind, HELD_BEHIND)
                    elif not isolate:
                        # Decoded once, whichever views and however many of them read it.
                        event = self.record.mapper.to_domain_event(notification, keys)
                        for projection in behind:
                            projection.handle(cursor, event, notification.id)
                    else:
                        failure = self._apply_one(cursor, notification, behind, keys)
                        if failure is not None:
                            self._quarantine(cursor, notification, behind, failure)
                            held.add(case_id)
                for projection in self.projections:
                    projection.flush(cursor)
                    if positions[projection.name] < last:
                        self.store.set_position(cursor, projection.name, last)
        except BaseException:
            for projection in self.projections:
                projection.discard()
            # The cached cases may be ahead of what the views now say; reload as needed.
            self.states.forget()
            raise
        self.applied += applied
        return read

    def _apply_one(
        self, cursor: ViewCursor, notification: Any, views: Sequence[Projection], keys: Sealer | None = None
    ) -> Failure | None:
        """Apply one notification to ``views`` and flush them inside a savepoint, so that if it
        fails, exactly this event's writes are undone, and its buffers and cached case with them."""
        current: Projection | None = None
        try:
            with cursor.savepoint():
                event = self.record.mapper.to_domain_event(notification, keys)
                for current in views:
                    current.handle(cursor, event, notification.id)
                for current in views:
                    current.flush(cursor)
        except Exception as error:
            if is_infrastructure_fault(error):
                raise
            for projection in self.projections:
                projection.discard()
            self.states.forget(notification.originator_id)
            return Failure(current.name if current is not None else None, error)
        return None

    def _quarantine(self, cursor: ViewCursor, notification: Any, views: Sequence[Projection], failure: Failure) -> None:
        """The failed notification: a ``failed`` row for the view it failed in (every view, if the
        event could not be read) and a ``held`` row for each other view it was rolled back from."""
        now = utc_text(datetime.now(UTC))
        case_id, kind = notification.originator_id.hex, event_type(notification.topic)
        error_class, message = type(failure.error).__name__, plain_message(failure.error)
        rows = [
            QuarantineRow(
                case_id,
                notification.id,
                notification.originator_version,
                kind,
                view.name,
                FAILED,
                error_class,
                message,
                now,
            )
            if failure.projection in (None, view.name)
            else QuarantineRow(
                case_id,
                notification.id,
                notification.originator_version,
                kind,
                view.name,
                HELD,
                None,
                f"held with this event, which failed in {failure.projection}",
                now,
            )
            for view in views
        ]
        self.store.quarantine(cursor, rows)
        log.error(
            "projection_event_quarantined",
            case_id=case_id,
            notification_id=notification.id,
            case_version=notification.originator_version,
            event_type=kind,
            projection=failure.projection,
            error_class=error_class,
            error=message,
        )

    def _hold(self, cursor: ViewCursor, notification: Any, views: Sequence[Projection], why: str) -> None:
        now = utc_text(datetime.now(UTC))
        case_id, kind = notification.originator_id.hex, event_type(notification.topic)
        self.store.quarantine(
            cursor,
            [
                QuarantineRow(
                    case_id, notification.id, notification.originator_version, kind, view.name, HELD, None, why, now
                )
                for view in views
            ],
        )
        log.warning(
            "projection_event_held",
            case_id=case_id,
            notification_id=notification.id,
            case_version=notification.originator_version,
            event_type=kind,
        )

    def release(self, case_id: UUID, released_by: str) -> Release:
        """Re-apply a quarantined case once its cause is fixed, and say who asked.

        The quarantine lists every notification each view passed without applying for this case
        (the failed one's writes were rolled back, the later ones never made), so applying exactly
        those, in order, to exactly those views leaves the case's rows as a clean rebuild would —
        nothing needs deleting first, and each notification goes through the same savepointed
        path as the runner's own. One transaction, serialised with the runner by the tracking
        lock: if any of them fails again, nothing changes, the case stays quarantined and
        ``StillFailing`` says where."""
        key = case_id.hex
        try:
            with self.store.transaction() as cursor:
                self.store.lock_tracking(cursor)
                rows = self.store.quarantine_of(cursor, key)
                if not rows:
                    raise NotQuarantined(f"case {key} is not quarantined")
                strangers = sorted({row.projection for row in rows} - set(self.names))
                if strangers:
                    raise ValueError(f"case {key} is quarantined for views this runner does not keep: {strangers}")
                missed: dict[int, set[str]] = {}
                for row in rows:
                    missed.setdefault(row.notification_id, set()).add(row.projection)
                self.states.forget(case_id)
                for notification_id, names in sorted(missed.items()):
                    [notification] = self.record.notifications(start=notification_id, limit=1, stop=notification_id)
                    views = [p for p in self.projections if p.name in names]
                    failure = self._apply_one(cursor, notification, views)
                    if failure is not None:
                        raise StillFailing(key, notification_id, failure.projection, failure.error)
                self.store.release_quarantine(cursor, key)
        except BaseException:
            for projection in self.projections:
                projection.discard()
            self.states.forget(case_id)
            raise
        released = Release(
            case_id=key,
            released_by=released_by,
            notifications=len(missed),
            views=sorted({row.projection for row in rows}),
        )
        log.info(
            "projection_case_released",
            case_id=key,
            released_by=released_by,
            notifications=released.notifications,
            views=released.views,
        )
        return released

    def run_until_caught_up(self, batch: int = 500, progress: Progress | None = None, stop: int | None = None) -> int:
        """Run batches until the log has nothing new (or nothing up to ``stop``); returns the
        notifications read."""
        total = 0
        while True:
            count = self.run_once(batch, stop)
            if count == 0:
                return total
            total += count
            if progress is not None:
                progress(min(self.positions().values(), default=0), self.record.last_position())

    def rebuild(
        self, progress: Progress | None = None, batch: int = 500, processes: int = 1, opener: Opener | None = None
    ) -> int:
        """Empty every view, the quarantine and every position in one transaction, then catch up.

        The quarantine goes too: the rebuild meets every event again, and quarantines afresh any
        that still fail. Killed half way, it resumes like any runner: the reset and each batch
        are atomic.

        With ``processes`` above 1, the cases are split into that many parts, each rebuilt in a
        process of its own (which opens the record and the views with ``opener``), and the views
        are then replaced by the parts' rows in one transaction (``projections.partitions``,
        decision 0048); what was appended meanwhile is then applied as ever. Returns the
        notifications applied."""
        if processes > 1:
            if opener is None:
                raise ValueError("a rebuild in parallel processes needs an opener for the record and views")
            return self._rebuild_in_parts(progress, batch, processes, opener)
        with self.store.transaction() as cursor:
            self.store.lock_tracking(cursor)
            for projection in self.projections:
                projection.reset(cursor)
                self.store.forget(cursor, projection.name)
            self.store.release_quarantine(cursor, projections=self.names)
        return self.run_until_caught_up(batch=batch, progress=progress)

    def _rebuild_in_parts(self, progress: Progress | None, batch: int, processes: int, opener: Opener) -> int:
        stop = self.record.last_position() or 0
        with tempfile.TemporaryDirectory(prefix="carecase-rebuild-") as folder:  # mode 0700
            paths = part_paths(Path(folder), processes)
            jobs = [PartJob(opener, part, processes, stop, path, batch) for part, path in enumerate(paths)]
            applied = build_parts(jobs)
            try:
                with self.store.transaction() as cursor:
                    self.store.lock_tracking(cursor)
                    for projection in self.projections:
                        projection.reset(cursor)
                        self.store.forget(cursor, projection.name)
                    self.store.release_quarantine(cursor, projections=self.names)
                    for path in paths:
                        copy_part(path, cursor, self.projections)
                    for projection in self.projections:
                        self.store.set_position(cursor, projection.name, stop)
            finally:
                for projection in self.projections:
                    projection.discard()
                self.states.forget()
        if progress is not None:
            progress(stop, stop)
        log.info("projections_rebuilt_in_parts", parts=processes, position=stop, notifications=applied)
        return applied + self.run_until_caught_up(batch=batch, progress=progress)

    def _position_if_readable(self) -> int | None:
        """The views' position for a log line; None if the database that just failed still cannot
        answer (reading it must never end the loop that waits for it to come back)."""
        try:
            return min(self.positions().values(), default=0)
        except Exception:
            return None

    def run_forever(
        self,
        stop_event: threading.Event,
        poll_interval: float = 0.5,
        batch: int = 500,
        periodic: Callable[[], None] | None = None,
    ) -> None:
        """Follow the log until ``stop_event`` is set; a full batch is followed at once by the next.
        Between batches it waits for the store's signal of an append (LISTEN/NOTIFY on PostgreSQL,
        so a read after a write does not wait a poll interval), for at most ``poll_interval``: on
        SQLite, and whenever the listener is lost, that is the poll.
        ``periodic`` (the checkpoint schedule, say) is called once per pass and keeps its own time."""
        appends = self.record.append_signal()
        try:
            self._follow(stop_event, appends, poll_interval, batch, periodic)
        finally:
            appends.close()

    def _follow(
        self,
        stop_event: threading.Event,
        appends: AppendSignal,
        poll_interval: float,
        batch: int,
        periodic: Callable[[], None] | None,
    ) -> None:
        failures = 0
        while not stop_event.is_set():
            if periodic is not None:
                periodic()
            try:
                read = self.run_once(batch)
            except Exception as error:  # the database failed: the views stand still, loudly, and try again
                failures += 1
                log.error(
                    "projection_batch_failed",
                    error=repr(error),
                    failures=failures,
                    position=self._position_if_readable(),
                )
                stop_event.wait(min(poll_interval * 2**failures, 30.0))
                continue
            failures = 0
            if read < batch:
                appends.wait(poll_interval, stop_event)
