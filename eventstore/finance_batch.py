"""Finance's batch file: the payment outbox's messages of one business day, for a council whose
finance system imports files rather than reading the feed (issue 14, decision 0043).

The day is the council's (Europe/London): a message belongs to the day on which it was recorded
there. The file is CSV (RFC 4180, ``\\n`` line ends, UTF-8) with three kinds of record, told apart
by the first field:

- ``H`` (one, first): ``H,carecase-finance-batch,1,<council code>,<batch date>,<first id>,<last id>``
  — the format's name and version, the council, the day, and the first and last instruction ids
  in the file (0 and 0 for a day without messages);
- ``D`` (one per message, by instruction id): ``D,<instruction_id>,<kind>,<case_id>,<event_version>,
  <agreement_id>,<slot>,<amount_pence>,<payment_reference>,<issued_at>,<payee_type>,<payee_id>,
  <payee_reference>`` — the outbox's columns (docs/payments-outbox.md);
- ``T`` (one, last): ``T,<count of D records>,<sum of their amount_pence>,<paid pence>,<recovered
  pence>`` — the control totals: paid is the sum over payments and reissues, recovered over
  recoveries, so the sum is paid plus recovered.

The same messages give the same bytes: nothing in the file depends on when it was written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from eventstore.outbox import COLUMNS, PAYING_KINDS, PaymentInstruction

FORMAT = ("carecase-finance-batch", "1")
BUSINESS_DAY_ZONE = ZoneInfo("Europe/London")
# A detail record's fields after its "D": the message's id, then the outbox's columns in order.
DETAIL_FIELDS = ("instruction_id", *COLUMNS)


class ControlTotals(BaseModel):
    model_config = ConfigDict(frozen=True)

    count: int
    sum_pence: int
    paid_pence: int
    recovered_pence: int


def business_day(message: PaymentInstruction) -> date:
    return message.issued_at.astimezone(BUSINESS_DAY_ZONE).date()


def messages_of_day(messages: Iterable[PaymentInstruction], day: date) -> list[PaymentInstruction]:
    """The messages recorded on the council's business day, by instruction id."""
    return sorted((m for m in messages if business_day(m) == day), key=lambda m: m.instruction_id)


def control_totals(messages: Sequence[PaymentInstruction]) -> ControlTotals:
    paid = sum(m.amount_pence for m in messages if m.kind in PAYING_KINDS)
    recovered = sum(m.amount_pence for m in messages if m.kind == "recovery")
    return ControlTotals(
        count=len(messages),
        sum_pence=sum(m.amount_pence for m in messages),
        paid_pence=paid,
        recovered_pence=recovered,
    )


def _detail(message: PaymentInstruction) -> list[object]:
    values = message.model_dump(include=set(DETAIL_FIELDS))
    values["case_id"] = message.case_id.hex
    values["issued_at"] = message.issued_at.isoformat()
    return [values[name] for name in DETAIL_FIELDS]


def batch_file(messages: Sequence[PaymentInstruction], *, day: date, council_code: str) -> str:
    """The batch file of the day's messages (``messages_of_day``) as text."""
    totals = control_totals(messages)
    ids = [m.instruction_id for m in messages]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["H", *FORMAT, council_code, day.isoformat(), min(ids, default=0), max(ids, default=0)])
    writer.writerows(["D", *_detail(m)] for m in messages)
    writer.writerow(["T", totals.count, totals.sum_pence, totals.paid_pence, totals.recovered_pence])
    return out.getvalue()
