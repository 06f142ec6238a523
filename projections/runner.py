"""Runs projections over the event store's notification log, exactly once per notification.

Each batch is one view-store transaction: the rows every projection writes and the positions it
reaches commit together, so a runner killed at any instant resumes from a consistent point and
never applies a notification twice. It polls ``select_notifications`` on both stores (the SQLite
recorder has no ``subscribe()``; polling on PostgreSQL too keeps one code path).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import structlog

from projections.base import Projection
from projections.case_states import CaseStates
from projections.store import ViewStore

log = structlog.get_logger("carecase.projections")

Progress = Callable[[int, int], None]  # (position reached, last notification id)


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
        with store.transaction() as cursor:
            for projection in self.projections:
                projection.create_tables(cursor)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.projections]

    def positions(self) -> dict[str, int]:
        return self.store.positions(self.names)

    def run_once(self, batch: int = 500) -> int:
        """Apply the next batch of notifications; returns how many notifications it read."""
        low = min(self.positions().values(), default=0)
        notifications = self.record.recorder.select_notifications(start=low + 1, limit=batch)
        if not notifications:
            return 0
        last = notifications[-1].id
        try:
            with self.store.transaction() as cursor:
                self.store.lock_tracking(cursor)
                positions = self.store.positions(self.names, cursor)
                if min(positions.values()) < low:
                    # A rebuild reset the views since we read: this batch no longer starts where
                    # they are. Apply nothing; the next call starts from the new position.
                    return 0
                for notification in notifications:
                    behind = [p for p in self.projections if positions[p.name] < notification.id]
                    if not behind:
                        continue
                    event = self.record.mapper.to_domain_event(notification)
                    for projection in behind:
                        projection.handle(cursor, event, notification.id)
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
        return len(notifications)

    def run_until_caught_up(self, batch: int = 500, progress: Progress | None = None) -> int:
        """Run batches until the log has nothing new; returns the notifications read."""
        total = 0
        while True:
            count = self.run_once(batch)
            if count == 0:
                return total
            total += count
            if progress is not None:
                progress(min(self.positions().values(), default=0), self.record.recorder.max_notification_id() or 0)

    def rebuild(self, progress: Progress | None = None, batch: int = 500) -> int:
        """Empty every view and forget every position in one transaction, then catch up.

        Killed half way, it resumes like any runner: the reset and each batch are atomic."""
        with self.store.transaction() as cursor:
            self.store.lock_tracking(cursor)
            for projection in self.projections:
                projection.reset(cursor)
                self.store.forget(cursor, projection.name)
        return self.run_until_caught_up(batch=batch, progress=progress)

    def run_forever(self, stop_event: threading.Event, poll_interval: float = 0.5, batch: int = 500) -> None:
        """Poll until ``stop_event`` is set; a full batch is followed at once by the next."""
        failures = 0
        while not stop_event.is_set():
            try:
                read = self.run_once(batch)
            except Exception as error:  # the views stand still, loudly, and the runner tries again
                failures += 1
                log.error("projection_batch_failed", error=repr(error), failures=failures,
                          position=min(self.positions().values(), default=0))
                stop_event.wait(min(poll_interval * 2 ** failures, 30.0))
                continue
            failures = 0
            if read < batch:
                stop_event.wait(poll_interval)
