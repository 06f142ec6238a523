"""Who read which case, what operations did, and what finance acknowledged: three append-only,
hash-chained logs auditors can query.

Every read of a case (its view, its timeline, its record as of an instant, its export) is one
row: who, in which role, when, what they read, and the reason if they broke the glass to read a
case outside their need to know. Every list read (``GET /cases``, a worklist) is one row too,
with the ids of the cases it returned. Every operations action (retry, escalate, reassign) is one
row with its outcome. Every acknowledgement by finance of a message in the payment outbox is one
row with finance's own reference for it (decision 0043). All three live beside the views, never in
the case record: reading a case is not a fact about the person's care, nor is finance taking an
instruction, but both are facts an auditor must see.

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

from pydantic import BaseModel, ConfigDict

from api.log_chain import LogReport, check_log, row_hash
from domain.canonical import GENESIS_HASH
from domain.errors import RuleViolation
from projections.store import ViewCursor, ViewStore, has_column, utc_text

ACCESS = "api_access_log"
OPS = "ops_action_log"
HEAD = "log_chain_head"
CHAIN = ("prev_hash", "row_hash")
ACCESS_FIELDS = ("at", "user_id", "role", "case_id", "what", "path", "break_glass", "case_ids")
OPS_FIELDS = ("at", "user_id", "role", "action", "case_id", "reason", "outcome")
FINANCE_ACKS = "finance_ack_log"
FINANCE_ACK_FIELDS = ("at", "user_id", "role", "instruction_id", "case_id", "finance_reference")
LOGS = {ACCESS: ACCESS_FIELDS, OPS: OPS_FIELDS, FINANCE_ACKS: FINANCE_ACK_FIELDS}
TYPES = {"outcome": "TEXT NOT NULL", "break_glass": "TEXT", "case_ids": "TEXT", "instruction_id": "BIGINT NOT NULL"}


class Acknowledgement(BaseModel):
    """Finance took one message of the payment outbox: when, who, and finance's own reference."""

    model_config = ConfigDict(frozen=True)

    instruction_id: int
    case_id: str
    finance_reference: str
    at: str
    user_id: str
    role: str


class AcknowledgedDifferently(RuleViolation):
    """The message was acknowledged already under another finance reference."""


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
            cursor.execute(FINANCE_ACK_INDEX)

    @staticmethod
    def _create(cursor: ViewCursor, table: str, fields: Sequence[str]) -> None:
        columns = ", ".join(f"{name} {TYPES.get(name, 'TEXT NOT NULL')}" for name in fields)
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {table} (seq BIGINT PRIMARY KEY, {columns}, "
            "prev_hash TEXT NOT NULL, row_hash TEXT NOT NULL)"
        )

    def _append(self, table: str, values: dict[str, Any]) -> None:
        with self.store.transaction() as cursor:
            self._link(cursor, table, values, self._take_head(cursor, table))

    @staticmethod
    def _take_head(cursor: ViewCursor, table: str) -> tuple[int, str]:
        """The log's head (last sequence number and hash), held for the rest of the transaction: the
        next link is this writer's."""
        lock = " FOR UPDATE" if cursor.dialect == "postgres" else ""
        head = cursor.execute(f"SELECT seq, row_hash FROM {HEAD} WHERE log = ?{lock}", (table,)).fetchone()
        return (int(head[0]), head[1]) if head else (0, GENESIS_HASH)

    @staticmethod
    def _link(cursor: ViewCursor, table: str, values: dict[str, Any], head: tuple[int, str]) -> None:
        fields = [values[name] for name in LOGS[table]]
        last_seq, last_hash = head
        seq = last_seq + 1
        own = row_hash(last_hash, seq, fields)
        names = ("seq", *LOGS[table], *CHAIN)
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
            (seq, *fields, last_hash, own),
        )
        cursor.execute(f"UPDATE {HEAD} SET seq = ?, row_hash = ? WHERE log = ?", (seq, own, table))

    def acknowledge(
        self, *, user_id: str, role: str, instruction_id: int, case_id: str, finance_reference: str
    ) -> tuple[Acknowledgement, bool]:
        """Record finance's acknowledgement of a message, once: the acknowledgement and whether it is
        new. Acknowledging again with the same reference answers the first; with another reference
        it is refused (``AcknowledgedDifferently``). Checked with the log's head held, so two
        finance systems acknowledging at once cannot both record."""
        with self.store.transaction() as cursor:
            head = self._take_head(cursor, FINANCE_ACKS)
            found = _acknowledgements(cursor, "WHERE instruction_id = ?", (instruction_id,))
            if found:
                first = found[0]
                if first.finance_reference != finance_reference:
                    raise AcknowledgedDifferently(
                        f"instruction {instruction_id} was acknowledged at {first.at} by {first.user_id} under "
                        f"finance reference {first.finance_reference!r}; it cannot be acknowledged again under "
                        "another",
                        code="instruction_acknowledged_under_another_reference",
                        field="finance_reference",
                    )
                return first, False
            ack = Acknowledgement(
                at=utc_text(datetime.now(UTC)),
                user_id=user_id,
                role=role,
                instruction_id=instruction_id,
                case_id=case_id,
                finance_reference=finance_reference,
            )
            self._link(cursor, FINANCE_ACKS, ack.model_dump(), head)
        return ack, True

    def acknowledgements(self, instruction_ids: Sequence[int] | None = None) -> dict[int, Acknowledgement]:
        """Finance's acknowledgements by instruction id: of those named, or every one."""
        with self.store.read() as cursor:
            if instruction_ids is None:
                found = _acknowledgements(cursor, "", ())
            elif not instruction_ids:
                found = []
            else:
                ids = sorted(set(instruction_ids))
                found = []
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    found += _acknowledgements(
                        cursor, f"WHERE instruction_id IN ({', '.join('?' for _ in chunk)})", tuple(chunk)
                    )
        return {a.instruction_id: a for a in found}

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


# One acknowledgement per message, whatever the chain says: the check under the head is the rule,
# the index its backstop.
FINANCE_ACK_INDEX = f"CREATE UNIQUE INDEX IF NOT EXISTS {FINANCE_ACKS}_instruction ON {FINANCE_ACKS} (instruction_id)"


def _acknowledgements(cursor: ViewCursor, where: str, params: tuple[Any, ...]) -> list[Acknowledgement]:
    rows = cursor.execute(
        f"SELECT instruction_id, case_id, finance_reference, at, user_id, role FROM {FINANCE_ACKS} "
        f"{where} ORDER BY seq",
        params,
    ).fetchall()
    return [
        Acknowledgement(
            instruction_id=int(r[0]), case_id=r[1], finance_reference=r[2], at=r[3], user_id=r[4], role=r[5]
        )
        for r in rows
    ]


def _read_row(row: dict[str, Any]) -> dict[str, Any]:
    ids = row.pop("case_ids")
    return {**row, "case_ids": json.loads(ids) if ids is not None else None}
