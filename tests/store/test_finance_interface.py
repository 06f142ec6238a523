"""The finance interface on both stores: every message finance is owed, acknowledged once, a day's
batch file whose control totals are its rows', and a reconciliation that names what was removed.

Story: Margaret's slot 1 is paid, fails at the bank and is paid again; a quarter's return shows
£260 unspent and £200 of it is recovered; her payments are suspended while she is in hospital,
resumed when she is home, and the agreement then ends. Finance is told of each of those six
events, takes each with its own reference, and reconciles its feed with the council's ledger.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from api.access_log import FINANCE_ACKS, AccessLog
from api.finance import reconciliation, unacknowledged
from domain.application import CaseRecord
from domain.errors import RuleViolation
from eventstore.finance_batch import batch_file, control_totals, messages_of_day
from eventstore.outbox import PaymentInstruction, every_instruction, instruction_of
from projections.catalogue import all_views
from projections.finance_reconciliation import Reconciliation
from projections.runner import ProjectionRunner
from projections.store import ViewStore, view_store_from_env
from tests.builders import Scenario
from tests.store.test_payment_outbox import PAYMENT_PENCE, signed_off_with_agreement

DAY = date(2026, 1, 5)  # the stepping clock's day (09:00 UTC on, a minute a reading)


@pytest.fixture
def views(record: CaseRecord, store_env: dict[str, str]) -> Iterator[ViewStore]:
    store = view_store_from_env(store_env)
    try:
        yield store
    finally:
        store.close()


def margarets_year(record: CaseRecord) -> Scenario:
    s = signed_off_with_agreement(record)
    for command in (
        s.schedule_payment(1),
        s.issue_payment(1),
        s.fail_payment(1),
        s.issue_payment(1, payment_reference="PAY-0001-R1"),
        s.monitoring_return(spent_pence=66_000, underspend_pence=26_000),
        s.recover(amount_pence=20_000),
        s.suspend(),
        s.resume(),
        s.end_agreement(),
    ):
        record.handle(command)
    return s


def caught_up(record: CaseRecord, views: ViewStore) -> None:
    ProjectionRunner(record, views, all_views()).run_until_caught_up()


def reconciled(record: CaseRecord, views: ViewStore, *, messages_since: datetime | None = None) -> Reconciliation:
    return reconciliation(
        record,
        views,
        AccessLog(views),
        messages_since=messages_since,
        acknowledgement_hours=72,
        now=datetime.now(UTC),
    )


def outbox_table(views: ViewStore) -> str:
    return "payment_outbox" if views.dialect == "sqlite" else "carecase_events_payment_outbox"


def test_finance_is_told_of_every_payment_reissue_recovery_suspension_resumption_and_stop(record: CaseRecord):
    s = margarets_year(record)

    told = every_instruction(record)

    assert [(m.kind, m.slot, m.amount_pence) for m in told] == [
        ("payment", 1, PAYMENT_PENCE),
        ("reissue", 1, PAYMENT_PENCE),
        ("recovery", 0, 20_000),
        ("suspension", 0, 0),
        ("resumption", 0, 0),
        ("stop", 0, 0),
    ]
    events = {e.originator_version: type(e).__name__ for e in record.stored_events(s.case_id)}
    assert [events[m.event_version] for m in told] == [
        "PaymentIssued",
        "PaymentIssued",
        "UnspentFundsRecovered",
        "DirectPaymentsSuspended",
        "DirectPaymentsResumed",
        "DirectPaymentAgreementEnded",
    ]
    # Each message names its event; a recovery says from whom, a reissue keeps finance's reference.
    assert told[1].payment_reference == "PAY-0001-R1"
    assert told[2].payee_type == "person"
    assert [m.payment_reference for m in told[2:]] == [f"dp-1-{m.kind}-v{m.event_version}" for m in told[2:]]
    assert instruction_of(record, told[3].instruction_id) == told[3]
    assert instruction_of(record, told[-1].instruction_id + 1) is None


def test_each_message_is_acknowledged_once_and_the_log_of_acknowledgements_is_chained(
    record: CaseRecord, views: ViewStore
):
    margarets_year(record)
    first, second, *_ = every_instruction(record)
    log = AccessLog(views)

    ack, new = log.acknowledge(
        user_id="fin-1", role="finance_officer", instruction_id=first.instruction_id,
        case_id=first.case_id.hex, finance_reference="AP-0001",
    )  # fmt: skip
    again, new_again = log.acknowledge(
        user_id="fin-2", role="finance_officer", instruction_id=first.instruction_id,
        case_id=first.case_id.hex, finance_reference="AP-0001",
    )  # fmt: skip
    with pytest.raises(RuleViolation) as refused:
        log.acknowledge(
            user_id="fin-2", role="finance_officer", instruction_id=first.instruction_id,
            case_id=first.case_id.hex, finance_reference="AP-9999",
        )  # fmt: skip

    assert (new, new_again, again) == (True, False, ack)
    assert (refused.value.code, refused.value.field) == (
        "instruction_acknowledged_under_another_reference",
        "finance_reference",
    )
    assert "AP-0001" in refused.value.message
    acks = log.acknowledgements()
    assert list(acks) == [first.instruction_id]
    assert (acks[first.instruction_id].finance_reference, acks[first.instruction_id].user_id) == ("AP-0001", "fin-1")
    assert log.acknowledgements([second.instruction_id]) == {}
    [report] = [r for r in log.verify() if r.log == FINANCE_ACKS]
    assert (report.rows, report.intact) == (1, True)

    # Changing finance's reference after the fact breaks the chain, and the check names the row.
    with views.transaction() as cursor:
        cursor.execute(f"UPDATE {FINANCE_ACKS} SET finance_reference = 'AP-0002'")
    [report] = [r for r in log.verify() if r.log == FINANCE_ACKS]
    assert not report.intact and [p.seq for p in report.problems] == [1]


def test_messages_finance_has_not_acknowledged_in_time_are_listed_oldest_first(record: CaseRecord, views: ViewStore):
    margarets_year(record)
    told = every_instruction(record)
    log = AccessLog(views)
    for message in told[:2]:
        log.acknowledge(
            user_id="fin-1", role="finance_officer", instruction_id=message.instruction_id,
            case_id=message.case_id.hex, finance_reference=f"AP-{message.instruction_id}",
        )  # fmt: skip

    # Recorded on 5 January: a week later all four others are late; an hour after the last, none is.
    week_on = unacknowledged(record, log, acknowledgement_hours=72, now=told[-1].issued_at + timedelta(days=7))
    soon = unacknowledged(record, log, acknowledgement_hours=72, now=told[-1].issued_at + timedelta(hours=1))

    assert [i.instruction_id for i in week_on.items] == [m.instruction_id for m in told[2:]]
    assert week_on.count == 4 and all(i.hours_unacknowledged >= 7 * 24 for i in week_on.items)
    assert (soon.count, soon.items) == (0, [])


def _parsed(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_days_batch_file_has_a_header_a_record_per_message_and_control_totals_equal_to_its_rows(
    record: CaseRecord, views: ViewStore
):
    margarets_year(record)
    told = every_instruction(record)

    day = messages_of_day(told, DAY)
    text = batch_file(day, day=DAY, council_code="E06000001")
    rows = _parsed(text)

    assert day == told  # every message of the story was recorded that morning
    assert rows[0] == ["H", "carecase-finance-batch", "1", "E06000001", "2026-01-05",
                       str(told[0].instruction_id), str(told[-1].instruction_id)]  # fmt: skip
    details = [r for r in rows if r[0] == "D"]
    trailer = rows[-1]
    assert [int(r[1]) for r in details] == [m.instruction_id for m in told]
    assert [r[2] for r in details] == [m.kind for m in told]
    assert trailer[0] == "T" and int(trailer[1]) == len(details) == 6
    assert int(trailer[2]) == sum(int(r[7]) for r in details) == 2 * PAYMENT_PENCE + 20_000
    assert (int(trailer[3]), int(trailer[4])) == (2 * PAYMENT_PENCE, 20_000)
    assert control_totals(day).sum_pence == int(trailer[2])
    # The same messages, the same bytes; another day has none, and says so in its totals.
    assert batch_file(messages_of_day(every_instruction(record), DAY), day=DAY, council_code="E06000001") == text
    empty = _parsed(batch_file(messages_of_day(told, DAY + timedelta(days=1)), day=DAY, council_code="E06000001"))
    assert [r[0] for r in empty] == ["H", "T"] and empty[-1][1:] == ["0", "0", "0", "0"]


def test_the_days_batch_follows_the_councils_day_not_utcs() -> None:
    # 23:30 UTC on 30 June is 00:30 on 1 July in England (BST): July's batch.
    late = PaymentInstruction(
        instruction_id=1,
        case_id="0" * 32,
        event_version=9,
        agreement_id="dp-1",
        slot=3,
        amount_pence=100,
        payment_reference="dp-1-00003",
        issued_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
    )
    assert messages_of_day([late], date(2026, 7, 1)) == [late]
    assert messages_of_day([late], date(2026, 6, 30)) == []


def test_the_reconciliation_matches_the_ledger_and_names_a_removed_or_altered_message(
    record: CaseRecord, views: ViewStore
):
    s = margarets_year(record)
    caught_up(record, views)

    clean = reconciled(record, views)
    assert clean.differences == [] and clean.clean
    assert (clean.cases, clean.ledger_entries, clean.messages, clean.matched) == (1, 6, 6, 6)
    assert clean.paid_pence_in_ledger == clean.paid_pence_in_messages == 2 * PAYMENT_PENCE
    assert clean.recovered_pence_in_ledger == clean.recovered_pence_in_messages == 20_000
    assert (clean.unacknowledged, len(clean.overdue_acknowledgements)) == (6, 6)

    told = every_instruction(record)
    payment, _reissue, recovery, suspension, *_ = told
    with views.transaction() as cursor:
        cursor.execute(f"DELETE FROM {outbox_table(views)} WHERE instruction_id = ?", (payment.instruction_id,))
        cursor.execute(
            f"UPDATE {outbox_table(views)} SET amount_pence = 2000 WHERE instruction_id = ?",
            (recovery.instruction_id,),
        )
        cursor.execute(f"DELETE FROM {outbox_table(views)} WHERE instruction_id = ?", (suspension.instruction_id,))

    report = reconciled(record, views)
    assert [(d.case_id, d.event_version, d.problem) for d in report.differences] == [
        (s.case_id.hex, payment.event_version, "no_message"),
        (s.case_id.hex, recovery.event_version, "amount_differs"),
        (s.case_id.hex, suspension.event_version, "no_message"),
    ]
    removed = report.differences[0]
    assert (removed.ledger_kind, removed.ledger_amount_pence, removed.instruction_id) == ("paid", PAYMENT_PENCE, None)
    assert "no message" in removed.detail and f"version {payment.event_version}" in removed.detail
    assert (report.differences[1].ledger_amount_pence, report.differences[1].message_amount_pence) == (20_000, 2000)
    assert report.paid_pence_in_messages == report.paid_pence_in_ledger - PAYMENT_PENCE

    # A suspension recorded before the outbox carried suspensions (migration 2) is not a difference.
    before = reconciled(record, views, messages_since=datetime.now(UTC))
    assert [d.problem for d in before.differences] == ["no_message", "amount_differs"]
    assert before.before_messages == 1


def test_a_message_the_ledger_lacks_is_named_and_one_the_views_have_not_reached_is_not(
    record: CaseRecord, views: ViewStore
):
    s = signed_off_with_agreement(record)
    record.handle(s.schedule_payment(1))
    record.handle(s.issue_payment(1))
    caught_up(record, views)
    record.handle(s.schedule_payment(2))
    record.handle(s.issue_payment(2))  # not yet in the views

    pending = reconciled(record, views)
    assert (pending.differences, pending.not_yet_in_views, pending.matched) == ([], 1, 1)

    caught_up(record, views)
    first = every_instruction(record)[0]
    with views.transaction() as cursor:  # the ledger's line for slot 1 removed
        cursor.execute(
            "DELETE FROM view_budget_ledger_entry WHERE case_id = ? AND version = ?",
            (s.case_id.hex, first.event_version),
        )
    report = reconciled(record, views)
    [difference] = report.differences
    assert (difference.problem, difference.instruction_id, difference.message_amount_pence) == (
        "no_ledger_entry",
        first.instruction_id,
        PAYMENT_PENCE,
    )
