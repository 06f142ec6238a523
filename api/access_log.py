"""Who read which case, and what operations did: two append-only, hash-chained logs auditors can query.

Every read of a case (its view, its timeline, its record as of an instant, its export) is one
row: who, in which role, when, what they read, and the reason if they broke the glass to read a
case outside their need to know. Every list read (``GET /cases``, a worklist) is one row too,
with the ids of the cases it returned. Every operations action (retry, escalate, reassign) is one
row with its outcome. Both live beside the views, never in the case record: reading a case is
not a fact about the person's care, but it is a fact an auditor must see.

Each log is a hash chain (``api/log_chain.py``): a row carries its sequence number, the previous
row's hash and its own, and the log's head is kept in ``log_chain_head``. A writer takes the head
first in its transaction (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE``
already holds the one write lock), so two API processes on one database queue for the next link
and the chain never forks. ``verify()`` names every row changed or removed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from api.log_chain import LogReport, check_log, row_hash
from domain.canonical import GENESIS_HASH
from projections.store import ViewCursor, ViewStore, has_column, utc_text

ACCESS = "api_access_log"
OPS = "ops_action_log"
HEAD = "log_chain_head"
CHAIN = ("prev_hash", "row_hash")
ACCESS_FIELDS = ("at", "user_id", "role", "case_id", "what", "path", "break_glass", "case_ids")
OPS_FIELDS = ("at", "user_id", "role", "action", "case_id", "reason", "outcome")
LOGS = {ACCESS: ACCESS_FIELDS, OPS: OPS_FIELDS}
TYPES = {"outcome": "TEXT NOT NULL", "break_glass": "TEXT", "case_ids": "TEXT"}


class AccessLog:
    def __init__(self, store: ViewStore) -> None:
        self.store = store
        with store.transaction() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {HEAD} (log TEXT PRIMARY KEY, seq BIGINT NOT NULL, row_hash TEXT NOT NULL)"
            )
            for table, fields in LOGS.items():
                self._create(cursor, table, fields)
                if not has_column(cursor, table, "row_hash"):
                    # A log written before the chain: kept as it was, beside the chained one.
                    cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_unchained")
                    self._create(cursor, table, fields)
                cursor.execute(
                    f"INSERT INTO {HEAD} (log, seq, row_hash) VALUES (?, 0, ?) ON CONFLICT (log) DO NOTHING",
                    (table, GENESIS_HASH),
                )
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {ACCESS}_case_seq ON {ACCESS} (case_id, seq)")

    @staticmethod
    def _create(cursor: ViewCursor, table: str, fields: Sequence[str]) -> None:
        columns = ", ".join(f"{name} {TYPES.get(name, 'TEXT NOT NULL')}" for name in fields)
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {table} (seq BIGINT PRIMARY KEY, {columns}, "
            "prev_hash TEXT NOT NULL, row_hash TEXT NOT NULL)"
        )

    def _append(self, table: str, values: dict[str, Any]) -> None:
        fields = [values[name] for name in LOGS[table]]
        with self.store.transaction() as cursor:
            lock = " FOR UPDATE" if cursor.dialect == "postgres" else ""
            head = cursor.execute(f"SELECT seq, row_hash FROM {HEAD} WHERE log = ?{lock}", (table,)).fetchone()
            last_seq, last_hash = (int(head[0]), head[1]) if head else (0, GENESIS_HASH)
            seq = last_seq + 1
            own = row_hash(last_hash, seq, fields)
            names = ("seq", *LOGS[table], *CHAIN)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                (seq, *fields, last_hash, own),
            )
            cursor.execute(f"UPDATE {HEAD} SET seq = ?, row_hash = ? WHERE log = ?", (seq, own, table))

    def case_read(
        self, *, user_id: str, role: str, case_id: str, what: str, path: str, break_glass: str | None = None
    ) -> None:
        self._append(
            ACCESS,
            {
                "at": utc_text(datetime.now(UTC)),
                "user_id": user_id,
                "role": role,
                "case_id": case_id,
                "what": what,
                "path": path,
                "break_glass": break_glass,
                "case_ids": None,
            },
        )

    def list_read(self, *, user_id: str, role: str, what: str, path: str, case_ids: Sequence[str]) -> None:
        """One row for one list read, with the ids of the cases it returned (in its order, once each)."""
        self._append(
            ACCESS,
            {
                "at": utc_text(datetime.now(UTC)),
                "user_id": user_id,
                "role": role,
                "case_id": "",
                "what": what,
                "path": path,
                "break_glass": None,
                "case_ids": json.dumps(list(dict.fromkeys(case_ids))),
            },
        )

    def ops_action(
        self, *, user_id: str, role: str, action: str, case_id: str, reason: str, outcome: dict[str, Any]
    ) -> None:
        self._append(
            OPS,
            {
                "at": utc_text(datetime.now(UTC)),
                "user_id": user_id,
                "role": role,
                "action": action,
                "case_id": case_id,
                "reason": reason,
                "outcome": json.dumps(outcome, sort_keys=True),
            },
        )

    def reads(self, *, case_id: str | None, user_id: str | None, limit: int) -> list[dict[str, Any]]:
        """Reads newest first; those of one case include the list reads that returned it."""
        where, params = [], []
        if case_id is not None:
            where.append("(case_id = ? OR case_ids LIKE ?)")
            params += [case_id, f'%"{case_id}"%']
        if user_id is not None:
            where.append("user_id = ?")
            params.append(user_id)
        return [_read_row(row) for row in self._select(ACCESS, ("seq", *ACCESS_FIELDS), where, params, limit)]

    def break_glass_reads(self, *, case_id: str | None, user_id: str | None, limit: int) -> list[dict[str, Any]]:
        """Every read of a case outside the reader's need to know, with its reason, newest first."""
        where, params = ["break_glass IS NOT NULL"], []
        if case_id is not None:
            where.append("case_id = ?")
            params.append(case_id)
        if user_id is not None:
            where.append("user_id = ?")
            params.append(user_id)
        return [_read_row(row) for row in self._select(ACCESS, ("seq", *ACCESS_FIELDS), where, params, limit)]

    def actions(self, *, case_id: str | None, user_id: str | None, limit: int) -> list[dict[str, Any]]:
        where, params = [], []
        if case_id is not None:
            where.append("case_id = ?")
            params.append(case_id)
        if user_id is not None:
            where.append("user_id = ?")
            params.append(user_id)
        rows = self._select(OPS, ("seq", *OPS_FIELDS), where, params, limit)
        return [{**row, "outcome": json.loads(row["outcome"])} for row in rows]

    def _select(
        self, table: str, columns: tuple[str, ...], where: list[str], params: list[Any], limit: int
    ) -> list[dict[str, Any]]:
        sql = f"SELECT {', '.join(columns)} FROM {table}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self.store.read() as cursor:
            rows = cursor.execute(sql + " ORDER BY seq DESC LIMIT ?", (*params, limit)).fetchall()
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def verify(self) -> list[LogReport]:
        """Each log's chain checked from its first row to its head."""
        reports = []
        with self.store.read() as cursor:
            for table, fields in LOGS.items():
                rows = cursor.execute(
                    f"SELECT seq, {', '.join(fields)}, prev_hash, row_hash FROM {table} ORDER BY seq"
                ).fetchall()
                head = cursor.execute(f"SELECT seq, row_hash FROM {HEAD} WHERE log = ?", (table,)).fetchone()
                links = [(int(r[0]), list(r[1 : 1 + len(fields)]), r[-2], r[-1]) for r in rows]
                reports.append(check_log(table, links, (int(head[0]), head[1]) if head else None))
        return reports


def _read_row(row: dict[str, Any]) -> dict[str, Any]:
    ids = row.pop("case_ids")
    return {**row, "case_ids": json.loads(ids) if ids is not None else None}
