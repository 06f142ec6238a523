"""Being woken when events are appended, so a reader of the log need not wait a poll interval.

On PostgreSQL every appending transaction sends ``NOTIFY`` on the events table's channel (the
library does it, in the transaction, so the notification is delivered when the events commit).
``PostgresAppends`` listens on a connection of its own, in a thread, and wakes whoever waits. If
the database goes away the listener tries again each second, and the waiter's own timeout (the
poll interval) keeps it reading meanwhile: polling is the fallback, never the only way.

SQLite has no notifications between processes: ``Polling`` simply waits out the interval.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any, Protocol

import psycopg
import structlog
from psycopg.sql import SQL, Identifier

log = structlog.get_logger("carecase.appends")

SLICE_SECONDS = 0.05  # how often a waiter looks at its stop flag while nothing is appended
RELISTEN_SECONDS = 1.0  # how long the listener waits before it connects again after a failure


class AppendSignal(Protocol):
    def wait(self, timeout: float, stop: threading.Event) -> bool:
        """Wait until something is appended, ``stop`` is set, or ``timeout`` passes; True if woken
        by an append."""
        ...

    def close(self) -> None: ...


class Polling:
    """No notifications: wait out the poll interval (or until stopped)."""

    def wait(self, timeout: float, stop: threading.Event) -> bool:
        stop.wait(timeout)
        return False

    def close(self) -> None:
        return None


class PostgresAppends:
    """``LISTEN`` on the events table's channel in a thread of its own."""

    def __init__(self, connect: Mapping[str, Any], channel: str) -> None:
        self._connect = {k: v for k, v in connect.items() if k != "row_factory"}
        self._channel = channel
        self._woken = threading.Event()
        self._stopped = threading.Event()
        self.listening = threading.Event()  # set while a LISTEN is in place (for tests and logs)
        self._thread = threading.Thread(target=self._listen, name="carecase-appends", daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        while not self._stopped.is_set():
            try:
                with psycopg.connect(autocommit=True, connect_timeout=5, **self._connect) as conn:
                    conn.execute(SQL("LISTEN {}").format(Identifier(self._channel)))
                    self.listening.set()
                    # Whatever was appended while nobody listened is read by the next pass: wake it.
                    self._woken.set()
                    while not self._stopped.is_set():
                        for _ in conn.notifies(timeout=0.2, stop_after=1):
                            self._woken.set()
            except psycopg.Error as error:
                self.listening.clear()
                log.warning("append_listener_lost", error_class=type(error).__name__, retry_seconds=RELISTEN_SECONDS)
                self._stopped.wait(RELISTEN_SECONDS)
        self.listening.clear()

    def wait(self, timeout: float, stop: threading.Event) -> bool:
        deadline = time.monotonic() + timeout
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if self._woken.wait(min(SLICE_SECONDS, remaining)):
                # Cleared before the reader reads: an append after this wakes the next wait.
                self._woken.clear()
                return True
        return False

    def close(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
