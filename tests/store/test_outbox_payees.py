"""The payment outbox names who is paid (issue 18); an outbox table made before gains the columns."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from eventstore.outbox import PAYEE_COLUMNS, sqlite_add_payee_columns

# The table as it shipped before payees were named.
OLD_TABLE = (
    "CREATE TABLE payment_outbox (instruction_id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "case_id TEXT NOT NULL, event_version INTEGER NOT NULL, agreement_id TEXT NOT NULL, slot INTEGER NOT NULL, "
    "amount_pence INTEGER NOT NULL, payment_reference TEXT NOT NULL, issued_at TEXT NOT NULL, "
    "UNIQUE (case_id, event_version))"
)


def columns(connection: sqlite3.Connection) -> list[str]:
    return [row[1] for row in connection.execute("PRAGMA table_info(payment_outbox)").fetchall()]


def test_an_outbox_table_made_before_payees_were_named_gains_their_columns_once(tmp_path: Path):
    connection = sqlite3.connect(tmp_path / "old.sqlite")
    connection.execute(OLD_TABLE)
    connection.execute(
        "INSERT INTO payment_outbox (case_id, event_version, agreement_id, slot, amount_pence, payment_reference, "
        "issued_at) VALUES ('ab', 30, 'dp-1', 1, 92000, 'PAY-0001', '2026-02-02T09:00:00.000000+00:00')"
    )

    for _ in range(2):  # every start runs it; the second finds nothing to add
        sqlite_add_payee_columns(connection.cursor())

    assert columns(connection)[-3:] == list(PAYEE_COLUMNS)
    # An instruction recorded before names no payee.
    assert connection.execute("SELECT payee_type, payee_id, payee_reference FROM payment_outbox").fetchall() == [
        ("", "", "")
    ]
