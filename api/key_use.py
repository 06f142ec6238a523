"""When each API key was last used: one row per key beside the views, written at most once a
minute per key by each API process.

A request's key is noted in memory every time; the row is written when this process has not
written that key's row for ``every`` (a minute), so a busy key costs one write a minute, not one
a request. The row only moves forward (a slower process cannot set it back), and what this
process has seen but not yet written is added when it answers a listing, so a listing from the
API is exact and one read from the table alone (``carecase keys list``) is at most a minute
behind. A failed write is retried on the key's next use: the request it rode on is not refused.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import structlog

from projections.store import UTC_TEXT_FORMAT, ViewStore, utc_text

TABLE = "api_key_last_used"
EVERY = timedelta(minutes=1)


class KeyUse:
    def __init__(self, store: ViewStore, every: timedelta = EVERY) -> None:
        self.store = store
        self.every = every
        self._seen: dict[str, datetime] = {}
        self._written: dict[str, datetime] = {}
        self._lock = threading.Lock()
        # Made on first use, not here: a backend is built before its views may be reachable, and a
        # views database that is down must fail the request that needs it, not the process.
        self._table_made = False

    def _make_table(self) -> None:
        if not self._table_made:
            with self.store.transaction() as cursor:
                cursor.execute(
                    f"CREATE TABLE IF NOT EXISTS {TABLE} (key_id TEXT PRIMARY KEY, last_used_at TEXT NOT NULL)"
                )
            self._table_made = True

    def seen(self, key_id: str, at: datetime | None = None) -> None:
        """Note a use of the key; write it if this process has not written the key for a minute."""
        at = at or datetime.now(UTC)
        with self._lock:
            if key_id not in self._seen or at > self._seen[key_id]:
                self._seen[key_id] = at
            last = self._written.get(key_id)
            if last is not None and at - last < self.every:
                return
            self._written[key_id] = at
        try:
            self._make_table()
            with self.store.transaction() as cursor:
                cursor.execute(
                    f"INSERT INTO {TABLE} (key_id, last_used_at) VALUES (?, ?) ON CONFLICT (key_id) DO UPDATE "
                    f"SET last_used_at = excluded.last_used_at WHERE excluded.last_used_at > {TABLE}.last_used_at",
                    (key_id, utc_text(at)),
                )
        except Exception as error:  # the views busy or away: try again on the key's next use
            with self._lock:
                if self._written.get(key_id) == at:
                    del self._written[key_id]
            structlog.get_logger("carecase.api").warning("key_use_not_recorded", error_class=type(error).__name__)

    def last_used(self) -> dict[str, datetime]:
        """Each key's last use: the table's, or a later one this process has seen and not yet written."""
        self._make_table()
        with self.store.read() as cursor:
            rows = cursor.execute(f"SELECT key_id, last_used_at FROM {TABLE}").fetchall()
        found = {key_id: datetime.strptime(text, UTC_TEXT_FORMAT).replace(tzinfo=UTC) for key_id, text in rows}
        with self._lock:
            for key_id, at in self._seen.items():
                if key_id not in found or at > found[key_id]:
                    found[key_id] = at
        return found
