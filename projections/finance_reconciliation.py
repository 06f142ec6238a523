"""Finance's reconciliation: the budget ledger's movements against the payment outbox's messages,
case by case, naming every difference (issue 14, decision 0043).

Each movement of the ledger that finance is told of (``ledger.TOLD_TO_FINANCE``: a payment, a
suspension, a resumption, a stop, a recovery) is matched with the message its event wrote to the
outbox, by case and event version. A difference is one of:

- ``no_message``: the ledger holds the movement, the outbox no message for it (a row removed, or an
  event that should have told finance and did not);
- ``no_ledger_entry``: the outbox holds a message the ledger does not (the views have reached that
  version of the case and hold nothing finance is told of there);
- ``kind_differs`` / ``amount_differs``: both hold it, differently;
- ``event_missing``: the message's event is not in the case record, or is not one that tells finance
  anything (``CaseRecord.orphaned_instructions``).

Not differences, and counted apart: messages for versions the views have not reached yet
(``not_yet_in_views``), and suspensions, resumptions, stops and recoveries recorded before the
outbox carried them (``before_messages``: their events predate migration 2, which gave the outbox
its kinds). Acknowledgements are reported beside: how many messages finance has not acknowledged,
and which of those are older than the council's ``finance_acknowledgement_hours``.

The comparison is pure: the callers (``GET /finance/reconciliation``, ``carecase finance
reconcile``) read the ledger, the outbox, the views' versions and the acknowledgements, and pass
them in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.audit import OrphanedInstruction
from eventstore.outbox import PAYING_KINDS, PaymentInstruction
from projections.ledger import TOLD_TO_FINANCE, LedgerEntry

Problem = Literal["no_message", "no_ledger_entry", "kind_differs", "amount_differs", "event_missing"]
# Movements whose amount finance is told: the payment or the recovery itself.
WITH_AMOUNTS = ("paid", "recovered", "recovered_misspent", "recovered_after_stop", "recovered_overpayment")


class Difference(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    event_version: int
    problem: Problem
    detail: str
    instruction_id: int | None = None
    ledger_kind: str | None = None
    message_kind: str | None = None
    ledger_amount_pence: int | None = None
    message_amount_pence: int | None = None


class Overdue(BaseModel):
    """A message finance has not acknowledged within the council's time (ids only)."""

    model_config = ConfigDict(frozen=True)

    instruction_id: int
    case_id: str
    kind: str
    issued_at: datetime
    hours_unacknowledged: int


class Reconciliation(BaseModel):
    model_config = ConfigDict(frozen=True)

    checked_at: datetime
    case_id: str | None = Field(description="the one case reconciled, or null for every case")
    cases: int = Field(description="cases with a movement or a message")
    ledger_entries: int
    messages: int
    matched: int
    paid_pence_in_ledger: int
    paid_pence_in_messages: int
    recovered_pence_in_ledger: int
    recovered_pence_in_messages: int
    not_yet_in_views: int
    before_messages: int
    unacknowledged: int
    acknowledgement_hours: int
    overdue_acknowledgements: list[Overdue]
    differences: list[Difference]

    @property
    def clean(self) -> bool:
        return not self.differences


def overdue_acknowledgements(
    messages: Sequence[PaymentInstruction], acknowledged: Mapping[int, object], now: datetime, within: timedelta
) -> list[Overdue]:
    """Messages not acknowledged that were issued longer ago than ``within``, oldest first."""
    late = [m for m in messages if m.instruction_id not in acknowledged and now - m.issued_at > within]
    return [
        Overdue(
            instruction_id=m.instruction_id,
            case_id=m.case_id.hex,
            kind=m.kind,
            issued_at=m.issued_at,
            hours_unacknowledged=int((now - m.issued_at).total_seconds() // 3600),
        )
        for m in sorted(late, key=lambda m: m.instruction_id)
    ]


def reconcile(
    *,
    entries: Sequence[LedgerEntry],
    messages: Sequence[PaymentInstruction],
    view_versions: Mapping[str, int],
    acknowledged: Mapping[int, object],
    missing_events: Sequence[OrphanedInstruction],
    messages_since: datetime | None,
    now: datetime,
    acknowledge_within: timedelta,
    case_id: str | None = None,
) -> Reconciliation:
    by_event = {(m.case_id.hex, m.event_version): m for m in messages}
    differences: list[Difference] = []
    matched = before = 0
    ledger_events: set[tuple[str, int]] = set()
    for entry in entries:
        key = (entry.case_id, entry.version)
        ledger_events.add(key)
        message = by_event.get(key)
        if message is None:
            recorded = datetime.fromisoformat(entry.at)
            if entry.kind != "paid" and messages_since is not None and recorded < messages_since:
                before += 1
                continue
            differences.append(
                Difference(
                    case_id=entry.case_id,
                    event_version=entry.version,
                    problem="no_message",
                    detail=f"the ledger records {_movement(entry)}; the outbox holds no message for it, "
                    "so finance was not told",
                    ledger_kind=entry.kind,
                    ledger_amount_pence=entry.amount_pence,
                )
            )
            continue
        if message.kind not in TOLD_TO_FINANCE[entry.kind]:
            differences.append(
                _both(
                    entry,
                    message,
                    "kind_differs",
                    f"the ledger records {_movement(entry)}; finance was told "
                    f"of a {message.kind} (instruction {message.instruction_id})",
                )
            )
        elif entry.kind in WITH_AMOUNTS and entry.amount_pence != message.amount_pence:
            differences.append(
                _both(
                    entry,
                    message,
                    "amount_differs",
                    f"the ledger records {_movement(entry)}; instruction "
                    f"{message.instruction_id} told finance {message.amount_pence}p",
                )
            )
        else:
            matched += 1
    not_yet = 0
    for message in messages:
        key = (message.case_id.hex, message.event_version)
        if key in ledger_events:
            continue
        if message.event_version > view_versions.get(message.case_id.hex, 0):
            not_yet += 1
            continue
        differences.append(
            Difference(
                case_id=message.case_id.hex,
                event_version=message.event_version,
                problem="no_ledger_entry",
                detail=f"instruction {message.instruction_id} told finance of a {message.kind}"
                + (f" of {message.amount_pence}p" if message.amount_pence else "")
                + " that the ledger does not hold",
                instruction_id=message.instruction_id,
                message_kind=message.kind,
                message_amount_pence=message.amount_pence,
            )
        )
    differences += [
        Difference(
            case_id=m.case_id,
            event_version=m.event_version,
            problem="event_missing",
            detail=f"instruction {m.instruction_id}: {m.problem}",
            instruction_id=m.instruction_id,
        )
        for m in missing_events
    ]
    paying = [m for m in messages if m.kind in PAYING_KINDS]
    return Reconciliation(
        checked_at=now,
        case_id=case_id,
        cases=len({e.case_id for e in entries} | {m.case_id.hex for m in messages}),
        ledger_entries=len(entries),
        messages=len(messages),
        matched=matched,
        paid_pence_in_ledger=sum(e.amount_pence or 0 for e in entries if e.kind == "paid"),
        paid_pence_in_messages=sum(m.amount_pence for m in paying),
        recovered_pence_in_ledger=sum(e.amount_pence or 0 for e in entries if e.kind.startswith("recovered")),
        recovered_pence_in_messages=sum(m.amount_pence for m in messages if m.kind == "recovery"),
        not_yet_in_views=not_yet,
        before_messages=before,
        unacknowledged=sum(1 for m in messages if m.instruction_id not in acknowledged),
        acknowledgement_hours=int(acknowledge_within.total_seconds() // 3600),
        overdue_acknowledgements=overdue_acknowledgements(messages, acknowledged, now, acknowledge_within),
        differences=sorted(differences, key=lambda d: (d.case_id, d.event_version, d.problem)),
    )


def _movement(entry: LedgerEntry) -> str:
    amount = f" of {entry.amount_pence}p" if entry.amount_pence is not None else ""
    return f"{entry.kind}{amount} under {entry.agreement_id} at version {entry.version}"


def _both(entry: LedgerEntry, message: PaymentInstruction, problem: Problem, detail: str) -> Difference:
    return Difference(
        case_id=entry.case_id,
        event_version=entry.version,
        problem=problem,
        detail=detail,
        instruction_id=message.instruction_id,
        ledger_kind=entry.kind,
        message_kind=message.kind,
        ledger_amount_pence=entry.amount_pence,
        message_amount_pence=message.amount_pence,
    )
