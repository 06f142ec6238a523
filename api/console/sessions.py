"""Console sessions: a random id in the cookie, the key it was opened with held here in memory.

The key is checked again on every request (``KeyRing.check``), so a revoked or expired key ends its
sessions at once; the cookie never carries the key. Sessions live in this API process only.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

SESSION_COOKIE = "carecase_session"
CSRF_COOKIE = "carecase_csrf"
CSRF_FIELD = "csrf_token"
SESSION_SECONDS = 8 * 3600


@dataclass(frozen=True)
class Session:
    key: str
    expires: float


class Sessions:
    def __init__(self, lifetime_seconds: float = SESSION_SECONDS) -> None:
        self._lifetime = lifetime_seconds
        self._open: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, key: str) -> str:
        session_id = secrets.token_urlsafe(32)
        with self._lock:
            now = time.monotonic()
            self._open = {k: s for k, s in self._open.items() if s.expires > now}
            self._open[session_id] = Session(key, now + self._lifetime)
        return session_id

    def key_of(self, session_id: str | None) -> str | None:
        if not session_id:
            return None
        with self._lock:
            session = self._open.get(session_id)
        if session is None or session.expires <= time.monotonic():
            return None
        return session.key

    def close(self, session_id: str | None) -> None:
        with self._lock:
            self._open.pop(session_id or "", None)


def csrf_matches(cookie: str | None, field: str | None) -> bool:
    """Double submit: the form's token must equal the cookie's (a page of another site can send
    the cookie, SameSite aside, but cannot read it to put it in the form)."""
    return bool(cookie) and bool(field) and secrets.compare_digest(str(cookie), str(field))


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)
