"""Console sessions: a random id in the cookie, a row beside the views naming the key it was opened
with (decision 0047).

The row holds the session id's SHA-256, never the id itself, and the key's id, never its token
(``api/keys.py``): a copy of the table opens no session and names no key that could be used. The
key is checked again on every request (``KeyRing.check_id``), so a revoked or expired key ends its
sessions at once. Every API process on the same views shares the table, so a sign-in holds behind
a balancer and across a restart.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import UTC, datetime, timedelta

from projections.store import UTC_TEXT_FORMAT, ViewStore, utc_text

SESSION_COOKIE = "carecase_session"
CSRF_COOKIE = "carecase_csrf"
CSRF_FIELD = "csrf_token"
SESSION_SECONDS = 8 * 3600
TABLE = "console_sessions"


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class Sessions:
    def __init__(self, store: ViewStore, lifetime: timedelta = timedelta(seconds=SESSION_SECONDS)) -> None:
        self.store = store
        self.lifetime = lifetime
        self._lock = threading.Lock()
        # Made on first use (as api/key_use.py's table): a views database that is down fails the
        # sign-in that needs it, not the process.
        self._table_made = False

    def _make_table(self) -> None:
        with self._lock:
            if self._table_made:
                return
            with self.store.transaction() as cursor:
                cursor.execute(
                    f"CREATE TABLE IF NOT EXISTS {TABLE} (session_sha256 TEXT PRIMARY KEY, key_id TEXT NOT NULL, "
                    "created_at TEXT NOT NULL, expires_at TEXT NOT NULL)"
                )
            self._table_made = True

    def open(self, key_id: str, now: datetime | None = None) -> str:
        """A new session for the key; returns its id (for the cookie only). Ended sessions go."""
        self._make_table()
        now = now or datetime.now(UTC)
        session_id = secrets.token_urlsafe(32)
        with self.store.transaction() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE expires_at <= ?", (utc_text(now),))
            cursor.execute(
                f"INSERT INTO {TABLE} (session_sha256, key_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                (session_hash(session_id), key_id, utc_text(now), utc_text(now + self.lifetime)),
            )
        return session_id

    def key_id_of(self, session_id: str | None, now: datetime | None = None) -> str | None:
        """The id of the key a session in force was opened with; None for no session, an unknown
        one or one that has ended."""
        if not session_id:
            return None
        self._make_table()
        now = now or datetime.now(UTC)
        with self.store.read() as cursor:
            row = cursor.execute(
                f"SELECT key_id, expires_at FROM {TABLE} WHERE session_sha256 = ?", (session_hash(session_id),)
            ).fetchone()
        if row is None:
            return None
        key_id, expires_at = row
        if datetime.strptime(expires_at, UTC_TEXT_FORMAT).replace(tzinfo=UTC) <= now:
            return None
        return str(key_id)

    def close(self, session_id: str | None) -> None:
        if not session_id:
            return
        self._make_table()
        with self.store.transaction() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE session_sha256 = ?", (session_hash(session_id),))


def csrf_matches(cookie: str | None, field: str | None) -> bool:
    """Double submit: the form's token must equal the cookie's (a page of another site can send
    the cookie, SameSite aside, but cannot read it to put it in the form)."""
    return bool(cookie) and bool(field) and secrets.compare_digest(str(cookie), str(field))


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)
