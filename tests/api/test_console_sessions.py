"""Console sessions beside the views, on SQLite and PostgreSQL: two API processes (two view stores
over one database) share them, the table holds the session id's hash and the key's id only, and a
session ends when it expires or is closed, everywhere at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.console.sessions import TABLE, Sessions, session_hash
from projections.store import view_store_from_env


def test_a_session_opened_by_one_process_is_known_to_another_and_ends_in_both(store_env) -> None:
    one, other = view_store_from_env(store_env), view_store_from_env(store_env)
    try:
        here, there = Sessions(one, timedelta(hours=8)), Sessions(other, timedelta(hours=8))
        start = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
        session_id = here.open("k-1111111111111111", start)
        assert there.key_id_of(session_id, start + timedelta(hours=1)) == "k-1111111111111111"
        with other.read() as cursor:
            rows = cursor.execute(f"SELECT session_sha256, key_id, created_at, expires_at FROM {TABLE}").fetchall()
        opened, ends = "2026-12-03T09:00:00.000000Z", "2026-12-03T17:00:00.000000Z"
        assert rows == [(session_hash(session_id), "k-1111111111111111", opened, ends)]
        assert session_id not in str(rows)

        assert there.key_id_of(session_id, start + timedelta(hours=8)) is None, "expired"
        assert there.key_id_of("not-a-session", start) is None and there.key_id_of(None, start) is None
        later = there.open("k-2222222222222222", start + timedelta(hours=9))  # sweeps the expired one
        with one.read() as cursor:
            assert [r[0] for r in cursor.execute(f"SELECT key_id FROM {TABLE}").fetchall()] == ["k-2222222222222222"]
        here.close(later)
        assert there.key_id_of(later, start + timedelta(hours=9)) is None
    finally:
        one.close()
        other.close()
