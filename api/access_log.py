"""Who read which case, and what operations did: two append-only logs auditors can query.

Every read of a case (its view, its timeline, its record as of an instant, its export) is one
row: who, in which role, when, what they read. Every operations action (retry, escalate,
reassign) is one row with its outcome. Both live beside the views, never in the case record:
reading a case is not a fact about the person's care, but it is a fact an auditor must see.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from projections.store import ViewStore, utc_text

ACCESS = "api_access_log"
OPS = "ops_action_log"


class AccessLog:
    def __init__(self, store: ViewStore) -> None:
        self.store = store
        with store.transaction() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {ACCESS} (at TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL, "
                "case_id TEXT NOT NULL, what TEXT NOT NULL, path TEXT NOT NULL)"
            )
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {ACCESS}_by_case ON {ACCESS} (case_id, at)")
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {OPS} (at TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL, "
                "action TEXT NOT NULL, case_id TEXT NOT NULL, reason TEXT NOT NULL, outcome TEXT NOT NULL)"
            )

    def case_read(self, *, user_id: str, role: str, case_id: str, what: str, path: str) -> None:
        with self.store.transaction() as cursor:
            cursor.execute(
                f"INSERT INTO {ACCESS} (at, user_id, role, case_id, what, path) VALUES (?, ?, ?, ?, ?, ?)",
                (utc_text(datetime.now(UTC)), user_id, role, case_id, what, path),
            )

    def ops_action(
        self, *, user_id: str, role: str, action: str, case_id: str, reason: str, outcome: dict[str, Any]
    ) -> None:
        with self.store.transaction() as cursor:
            cursor.execute(
                f"INSERT INTO {OPS} (at, user_id, role, action, case_id, reason, outcome) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    utc_text(datetime.now(UTC)),
                    user_id,
                    role,
                    action,
                    case_id,
                    reason,
                    json.dumps(outcome, sort_keys=True),
                ),
            )

    def reads(self, *, case_id: str | None, user_id: str | None, limit: int) -> list[dict[str, Any]]:
        return self._select(ACCESS, ("at", "user_id", "role", "case_id", "what", "path"), case_id, user_id, limit)

    def actions(self, *, case_id: str | None, user_id: str | None, limit: int) -> list[dict[str, Any]]:
        rows = self._select(
            OPS, ("at", "user_id", "role", "action", "case_id", "reason", "outcome"), case_id, user_id, limit
        )
        return [{**row, "outcome": json.loads(row["outcome"])} for row in rows]

    def _select(
        self, table: str, columns: tuple[str, ...], case_id: str | None, user_id: str | None, limit: int
    ) -> list[dict[str, Any]]:
        where, params = [], []
        if case_id is not None:
            where.append("case_id = ?")
            params.append(case_id)
        if user_id is not None:
            where.append("user_id = ?")
            params.append(user_id)
        sql = f"SELECT {', '.join(columns)} FROM {table}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self.store.read() as cursor:
            rows = cursor.execute(sql + " ORDER BY at DESC LIMIT ?", (*params, limit)).fetchall()
        return [dict(zip(columns, row, strict=True)) for row in rows]
