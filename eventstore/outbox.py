"""The payment outbox: one message per event that moves money or changes what finance pays, for
the council's finance system.

Each message has a ``kind`` (``MESSAGE_KINDS``): a payment (a slot's payment, a catch-up, an
ending's final payment), a reissue (a slot paid again after a recorded failure), a suspension, a
resumption, a stop (the agreement ended) or a recovery (money recovered under the agreement). A
payment or a reissue pays ``amount_pence`` for ``slot``; the others name the agreement (``slot``
0) and, for a recovery, the amount recovered and who it is recovered from (``payee_type``).

Each row names who is paid: the payee type (the person, their authorised person or nominee, a
third-party managed account or an ISF provider), the payee's id on the case (a person or their
representative) or the ISF's or account's reference; no name (no personal details beyond ids).

A row is written by the recorder in the same database transaction as the event it comes from, so
the finance system sees an instruction if and only if the payment was recorded: a refused or
conflicting write leaves neither, a committed one leaves both. Rows are never updated or deleted.
The finance system reads forward by ``instruction_id`` (``read_instructions``) and keeps the last
id it has acted on as its own position. See docs/payments-outbox.md for the format.

The event hands its instruction over on ``IndexedStoredEvent.outbox`` (filled by the mapper from
the event's ``payment_instruction()``), so the recorder never parses state bytes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple, Protocol
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from psycopg.sql import SQL, Composed, Identifier
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

OUTBOX_TABLE = "payment_outbox"
COLUMNS = (
    "kind",
    "case_id",
    "event_version",
    "agreement_id",
    "slot",
    "amount_pence",
    "payment_reference",
    "issued_at",
    "payee_type",
    "payee_id",
    "payee_reference",
)
# Who is paid (issue 18): added to the table after it first shipped, so each has a default (an
# instruction recorded before names no payee) and an existing table gains them on start.
PAYEE_COLUMNS = ("payee_type", "payee_id", "payee_reference")
# What a message tells finance to do (issue 14): payments pay, the rest change what is paid.
PAYING_KINDS = ("payment", "reissue")
MESSAGE_KINDS = (*PAYING_KINDS, "suspension", "resumption", "stop", "recovery")


class PaymentInstruction(BaseModel):
    """One message to the finance system: pay ``amount_pence`` for one schedule slot (a payment or a
    reissue), or suspend, resume, stop or recover under an agreement."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    instruction_id: int = Field(ge=1, description="increases with every instruction; the reader's position")
    kind: Literal["payment", "reissue", "suspension", "resumption", "stop", "recovery"] = Field(
        default="payment", description="what finance is told: pay, pay again, suspend, resume, stop, or recover"
    )
    case_id: UUID
    event_version: int = Field(ge=1, description="the PaymentIssued event's version in the case")
    agreement_id: str
    slot: int = Field(ge=0, description="the schedule slot paid; 0 on a message that pays no slot")
    amount_pence: int = Field(description="paid (a payment or reissue) or recovered (a recovery); 0 otherwise")
    payment_reference: str
    issued_at: AwareDatetime
    payee_type: str = Field(
        default="",
        description="who is paid: person, authorised_person, nominee, managed_account or isf_provider "
        "(empty on an instruction recorded before payees were named)",
    )
    payee_id: str = Field(default="", description="the payee's id on the case (a person or their representative)")
    payee_reference: str = Field(default="", description="the ISF's or managed account's reference")


class OutboxRow(NamedTuple):
    kind: str
    case_id: UUID
    event_version: int
    agreement_id: str
    slot: int
    amount_pence: int
    payment_reference: str
    issued_at: datetime
    payee_type: str = ""
    payee_id: str = ""
    payee_reference: str = ""


class HasInstructions(Protocol):
    def payment_instructions(self, after_id: int = 0, limit: int = 1000) -> list[PaymentInstruction]: ...


def outbox_rows(stored_events: Sequence[StoredEvent]) -> list[OutboxRow]:
    """The outbox rows a batch of stored events carries, in the batch's (version) order."""
    rows = []
    for event in stored_events:
        instruction = getattr(event, "outbox", None)
        if not instruction:
            continue
        case_id = event.originator_id if isinstance(event.originator_id, UUID) else UUID(event.originator_id)
        if UUID(str(instruction["case_id"])) != case_id:
            # A wrong hand-over must never become money sent on another person's case.
            raise ValueError(f"payment instruction for case {instruction['case_id']} on an event of {case_id}")
        issued_at = datetime.fromisoformat(instruction["issued_at"])
        if issued_at.tzinfo is None:
            raise ValueError("a payment instruction's issued_at must carry its time zone")
        kind = str(instruction.get("kind", "payment"))
        if kind not in MESSAGE_KINDS:
            raise ValueError(f"a finance message of unknown kind {kind!r}")
        rows.append(
            OutboxRow(
                kind=kind,
                case_id=case_id,
                event_version=event.originator_version,
                agreement_id=str(instruction["agreement_id"]),
                slot=int(instruction["slot"]),
                amount_pence=int(instruction["amount_pence"]),
                payment_reference=str(instruction["payment_reference"]),
                issued_at=issued_at.astimezone(UTC),
                **{column: str(instruction.get(column, "")) for column in PAYEE_COLUMNS},
            )
        )
    return rows


def read_instructions(recorder: HasInstructions, after_id: int = 0, limit: int = 1000) -> list[PaymentInstruction]:
    """Instructions with ``instruction_id > after_id``, oldest first, at most ``limit`` of them."""
    return recorder.payment_instructions(after_id=after_id, limit=limit)


def each_instruction(recorder: HasInstructions, page: int = 1000) -> Iterator[PaymentInstruction]:
    """Every message in the outbox, oldest first, read a page at a time as it is taken."""
    after = 0
    while batch := recorder.payment_instructions(after_id=after, limit=page):
        yield from batch
        after = batch[-1].instruction_id


def every_instruction(recorder: HasInstructions, page: int = 1000) -> list[PaymentInstruction]:
    """Every message in the outbox, oldest first."""
    return list(each_instruction(recorder, page))


def instruction_of(recorder: HasInstructions, instruction_id: int) -> PaymentInstruction | None:
    """The one message with this id, or None."""
    found = recorder.payment_instructions(after_id=instruction_id - 1, limit=1) if instruction_id >= 1 else []
    return found[0] if found and found[0].instruction_id == instruction_id else None


def _check_page(after_id: int, limit: int) -> None:
    if after_id < 0 or limit < 1:
        raise ValueError(f"read the outbox after an id >= 0 with a limit >= 1 (got {after_id}, {limit})")


# SQLite ------------------------------------------------------------------------------------------
# Writers to one SQLite file are serialised by the database itself, so AUTOINCREMENT ids are handed
# out in commit order and never reused: a reader reading forward by id misses nothing.


def _sqlite_time(when: datetime) -> str:
    # One fixed form (UTC, microseconds, +00:00), so the text sorts and compares as the instant does.
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def sqlite_create_statements(table: str = OUTBOX_TABLE) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {table} ("
        "instruction_id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL DEFAULT 'payment', "
        "case_id TEXT NOT NULL, event_version INTEGER NOT NULL, "
        "agreement_id TEXT NOT NULL, slot INTEGER NOT NULL, amount_pence INTEGER NOT NULL, "
        "payment_reference TEXT NOT NULL, issued_at TEXT NOT NULL, "
        "payee_type TEXT NOT NULL DEFAULT '', payee_id TEXT NOT NULL DEFAULT '', "
        "payee_reference TEXT NOT NULL DEFAULT '', "
        "UNIQUE (case_id, event_version))",
    ]


def sqlite_add_payee_columns(cursor: Any, table: str = OUTBOX_TABLE) -> None:
    """An outbox table made before payees were named gains their columns (SQLite has no
    ADD COLUMN IF NOT EXISTS, so the table's columns are read first)."""
    cursor.execute(f"PRAGMA table_info({table})")
    present = {row[1] for row in cursor.fetchall()}
    for column in PAYEE_COLUMNS:
        if column not in present:
            cursor.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")


def insert_outbox_rows_sqlite(cursor: Any, rows: Sequence[OutboxRow], table: str = OUTBOX_TABLE) -> None:
    """Insert with the caller's cursor, inside the caller's transaction."""
    if not rows:
        return
    cursor.executemany(
        f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})",
        [
            (
                r.kind,
                r.case_id.hex,
                r.event_version,
                r.agreement_id,
                r.slot,
                r.amount_pence,
                r.payment_reference,
                _sqlite_time(r.issued_at),
                r.payee_type,
                r.payee_id,
                r.payee_reference,
            )
            for r in rows
        ],
    )


def select_instructions_sqlite(
    cursor: Any, after_id: int, limit: int, table: str = OUTBOX_TABLE
) -> list[PaymentInstruction]:
    _check_page(after_id, limit)
    cursor.execute(
        f"SELECT instruction_id, {', '.join(COLUMNS)} FROM {table} "
        "WHERE instruction_id > ? ORDER BY instruction_id LIMIT ?",
        (after_id, limit),
    )
    return [
        PaymentInstruction(
            instruction_id=r["instruction_id"],
            kind=r["kind"],
            case_id=UUID(r["case_id"]),
            event_version=r["event_version"],
            agreement_id=r["agreement_id"],
            slot=r["slot"],
            amount_pence=r["amount_pence"],
            payment_reference=r["payment_reference"],
            issued_at=datetime.fromisoformat(r["issued_at"]),
            **{column: r[column] for column in PAYEE_COLUMNS},
        )
        for r in cursor.fetchall()
    ]


# PostgreSQL --------------------------------------------------------------------------------------
# A sequence hands out ids when rows are inserted, not when they commit: two writers could take
# ids 5 and 6 and commit 6 first, and a reader at 6 would then never see 5. So the recorder takes
# the event table's exclusive lock (the one eventsourcing takes for the same reason for
# notification ids) *before* inserting outbox rows: ids are then handed out in commit order.


class PostgresOutboxStatements(NamedTuple):
    create: list[Composed]
    insert: Composed
    select: Composed


def postgres_statements(schema: str, table: str) -> PostgresOutboxStatements:
    s, t = Identifier(schema), Identifier(table)
    return PostgresOutboxStatements(
        create=[
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{table} ("
                "instruction_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, kind text NOT NULL DEFAULT 'payment', "
                "case_id uuid NOT NULL, event_version bigint NOT NULL, "
                "agreement_id text NOT NULL, slot integer NOT NULL, amount_pence bigint NOT NULL, "
                "payment_reference text NOT NULL, issued_at timestamptz NOT NULL, "
                "UNIQUE (case_id, event_version))"
            ).format(schema=s, table=t),
            *(
                SQL("ALTER TABLE {schema}.{table} ADD COLUMN IF NOT EXISTS {column} text NOT NULL DEFAULT ''").format(
                    schema=s, table=t, column=Identifier(column)
                )
                for column in PAYEE_COLUMNS
            ),
        ],
        insert=SQL("INSERT INTO {schema}.{table} ({columns}) VALUES ({values})").format(
            schema=s,
            table=t,
            columns=SQL(", ").join(Identifier(c) for c in COLUMNS),
            values=SQL(", ").join(SQL("%s") for _ in COLUMNS),
        ),
        select=SQL(
            "SELECT instruction_id, {columns} FROM {schema}.{table} "
            "WHERE instruction_id > %s ORDER BY instruction_id LIMIT %s"
        ).format(schema=s, table=t, columns=SQL(", ").join(Identifier(c) for c in COLUMNS)),
    )


def insert_outbox_rows_postgres(cursor: Any, statement: Composed, rows: Sequence[OutboxRow]) -> None:
    """Insert with the caller's cursor, inside the caller's transaction (which holds the lock)."""
    if rows:
        cursor.executemany(statement, [tuple(r) for r in rows])


def select_instructions_postgres(
    cursor: Any, statement: Composed, after_id: int, limit: int
) -> list[PaymentInstruction]:
    _check_page(after_id, limit)
    cursor.execute(statement, (after_id, limit), prepare=True)
    return [
        PaymentInstruction(instruction_id=r["instruction_id"], **{c: r[c] for c in COLUMNS}) for r in cursor.fetchall()
    ]
