"""Tampering with a stored case the way someone with write access to the database could: on the
events, the as-of index and the payment outbox directly, on SQLite or PostgreSQL.

``rewrite`` is the strongest tamperer the store alone cannot catch: it edits one event and
recomputes every later chain hash exactly as the store computes them (``domain.canonical``), in the
events and in the index, so the case's own chain checks out.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg

from domain.canonical import CHAIN_FIELD, GENESIS_HASH, canonical_json, chain_hash

AT = "WHERE originator_id=? AND originator_version=?"
OF = "WHERE originator_id=?"


@dataclass
class Tamperer:
    """SQL on one store's tables: ``mark`` is the placeholder, ``key`` how the store spells a case id."""

    conn: Any
    events: str
    index: str
    outbox: str
    mark: str
    key: Callable[[UUID], Any]

    @classmethod
    def sqlite(cls, conn: sqlite3.Connection) -> Tamperer:
        return cls(conn, "stored_events", "case_event_index", "payment_outbox", "?", lambda c: c.hex)

    @classmethod
    def postgres(cls, conn: psycopg.Connection[Any], schema: str, events: str) -> Tamperer:
        return cls(
            conn,
            f'"{schema}"."{events}"',
            f'"{schema}"."{events}_case_event_index"',
            f'"{schema}"."{events}_payment_outbox"',
            "%s",
            lambda c: c,
        )

    def _run(self, sql: str, *params: Any) -> list[Any]:
        cursor = self.conn.execute(sql.replace("?", self.mark), params)
        return list(cursor.fetchall()) if cursor.description else []

    def last_version(self, case_id: UUID) -> int:
        [(last,)] = self._run(f"SELECT MAX(originator_version) FROM {self.events} {OF}", self.key(case_id))
        return int(last)

    def topic(self, case_id: UUID, version: int) -> str:
        [(topic,)] = self._run(f"SELECT topic FROM {self.events} {AT}", self.key(case_id), version)
        return str(topic)

    def flip_byte(self, case_id: UUID, version: int, old: bytes, new: bytes) -> None:
        """Change stored bytes of one event in place (the chain hash left as it was)."""
        [(state,)] = self._run(f"SELECT state FROM {self.events} {AT}", self.key(case_id), version)
        altered = bytes(state).replace(old, new, 1)
        assert altered != bytes(state), "nothing to alter"
        self._run(
            f"UPDATE {self.events} SET state=? {AT}",
            altered,
            self.key(case_id),
            version,
        )

    def delete_tail(self, case_id: UUID, *, with_index: bool = True, with_outbox: bool = True) -> int:
        """Remove the case's last event, and its index row and outbox row unless told to leave them."""
        last = self.last_version(case_id)
        self._run(f"DELETE FROM {self.events} {AT}", self.key(case_id), last)
        if with_index:
            self._run(f"DELETE FROM {self.index} {AT}", self.key(case_id), last)
        if with_outbox:
            self._run(f"DELETE FROM {self.outbox} WHERE case_id=? AND event_version=?", self.key(case_id), last)
        return last

    def delete_case(self, case_id: UUID) -> None:
        """Remove every trace of the case: events, index rows and payment instructions."""
        self._run(f"DELETE FROM {self.events} WHERE originator_id=?", self.key(case_id))
        self._run(f"DELETE FROM {self.index} WHERE originator_id=?", self.key(case_id))
        self._run(f"DELETE FROM {self.outbox} WHERE case_id=?", self.key(case_id))

    def rewrite(self, case_id: UUID, version: int, change: Callable[[dict[str, Any]], None]) -> None:
        """Edit the event at ``version`` with ``change`` and recompute every chain hash from there
        to the case's end, in the events and the index, exactly as the store computed them."""
        rows = self._run(
            f"SELECT originator_version, topic, state FROM {self.events} "
            "WHERE originator_id=? AND originator_version>=? ORDER BY originator_version",
            self.key(case_id),
            version - 1,
        )
        previous = GENESIS_HASH
        for stored_version, topic, data in rows:
            state = json.loads(bytes(data))
            if stored_version == version - 1:
                previous = state[CHAIN_FIELD]
                continue
            if stored_version == version:
                change(state)
            state[CHAIN_FIELD] = chain_hash(previous, topic, case_id.hex, stored_version, state)
            previous = state[CHAIN_FIELD]
            self._run(
                f"UPDATE {self.events} SET state=? {AT}",
                canonical_json(state),
                self.key(case_id),
                stored_version,
            )
            self._run(
                f"UPDATE {self.index} SET chain_hash=? {AT}",
                previous,
                self.key(case_id),
                stored_version,
            )
