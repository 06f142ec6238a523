"""The payment outbox: the finance system sees an instruction if and only if a payment was recorded.

Story: Margaret's direct payment is approved and paid slot by slot. Every ``PaymentIssued`` leaves
exactly one row in the outbox, written in the same transaction as the event; a scheduled payment,
a refused or repeated command, or a write that fails half-way leaves none. The finance system reads
the rows forward by instruction id.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

import eventstore.postgres
import eventstore.sqlite
from domain.application import CaseRecord
from domain.errors import DomainError
from eventstore.outbox import PaymentInstruction, read_instructions
from policy.catalogue import RuleSetCatalogue
from tests.builders import Scenario
from tests.clock import SteppingClock
from tests.rule_sets import TEST_COUNCILS
from workflows.activities import CaseActivities
from workflows.messages import IssueScheduledPaymentInput

PAYMENT_PENCE = 92_000


def signed_off_with_agreement(record: CaseRecord) -> Scenario:
    """An adult and a carer assessed, the adult's direct-payment plan approved, the agreement made."""
    s = Scenario()
    for command in s.up_to_planning():
        record.handle(command)
    for command in (s.draft(), s.submit(), s.sign_off(), s.agreement()):
        record.handle(command)
    return s


def instructions(record: CaseRecord) -> list[PaymentInstruction]:
    return read_instructions(record.recorder, after_id=0, limit=1000)  # type: ignore[arg-type]


def stored_types(record: CaseRecord, s: Scenario) -> list[str]:
    return [type(e).__name__ for e in record.stored_events(s.case_id)]


def test_each_issued_payment_gives_exactly_one_instruction_with_what_the_event_says(record: CaseRecord):
    s = signed_off_with_agreement(record)
    for slot in (1, 2):
        record.handle(s.schedule_payment(slot))
        record.handle(s.issue_payment(slot))

    rows = instructions(record)

    issued = [e for e in record.stored_events(s.case_id) if type(e).__name__ == "PaymentIssued"]
    assert [
        (r.case_id, r.event_version, r.agreement_id, r.slot, r.amount_pence, r.payment_reference, r.issued_at)
        for r in rows
    ] == [
        (s.case_id, e.originator_version, "dp-1", e.slot, PAYMENT_PENCE, e.payment_reference, e.timestamp)
        for e in issued
    ]
    assert [r.payment_reference for r in rows] == ["PAY-0001", "PAY-0002"]
    assert rows[0].instruction_id < rows[1].instruction_id


def test_an_agreement_and_a_scheduled_payment_give_no_instruction(record: CaseRecord):
    s = signed_off_with_agreement(record)
    record.handle(s.schedule_payment(1))
    record.handle(s.schedule_payment(2))

    assert instructions(record) == []


def test_a_failed_payment_issued_again_gives_a_second_instruction(record: CaseRecord):
    s = signed_off_with_agreement(record)
    for command in (
        s.schedule_payment(1),
        s.issue_payment(1),
        s.fail_payment(1),
        s.issue_payment(1, payment_reference="PAY-0001-R1"),
    ):
        record.handle(command)

    rows = instructions(record)

    assert [(r.slot, r.payment_reference, r.amount_pence) for r in rows] == [
        (1, "PAY-0001", PAYMENT_PENCE),
        (1, "PAY-0001-R1", PAYMENT_PENCE),
    ]
    assert len({r.event_version for r in rows}) == 2


def test_repeating_the_issue_command_adds_no_instruction(record: CaseRecord):
    s = signed_off_with_agreement(record)
    record.handle(s.schedule_payment(1))
    issue = s.issue_payment(1)
    record.handle(issue)

    assert record.handle(issue).duplicate is True
    with pytest.raises(DomainError) as refused:  # a second issue under a new command id is refused
        record.handle(s.issue_payment(1, payment_reference="PAY-0001-AGAIN"))

    assert refused.value.code == "payment_already_issued"
    assert [r.payment_reference for r in instructions(record)] == ["PAY-0001"]


def test_a_suspended_payment_is_refused_and_finance_is_told_of_the_suspension_only(record: CaseRecord):
    s = signed_off_with_agreement(record)
    record.handle(s.schedule_payment(1))
    record.handle(s.suspend())

    with pytest.raises(DomainError) as refused:
        record.handle(s.issue_payment(1))

    assert refused.value.code == "payments_suspended"
    told = instructions(record)
    assert [(m.kind, m.slot, m.amount_pence) for m in told] == [("suspension", 0, 0)]
    assert told[0].payment_reference == f"dp-1-suspension-v{told[0].event_version}"


def test_a_retried_payment_activity_instructs_the_finance_system_once(record: CaseRecord):
    s = signed_off_with_agreement(record)
    activities = CaseActivities(record)
    request = IssueScheduledPaymentInput(
        case_id=str(s.case_id), agreement_id="dp-1", slot=1, due_on="2026-02-02", amount_pence=PAYMENT_PENCE
    )

    first = activities.issue_scheduled_payment(request)
    again = activities.issue_scheduled_payment(request)  # as after a worker crash before the reply

    assert (first.issued, again.issued) == (True, True)
    assert [(r.slot, r.payment_reference) for r in instructions(record)] == [(1, "dp-1-00001")]


def test_an_event_that_loses_a_version_conflict_leaves_no_instruction(record: CaseRecord):
    s = signed_off_with_agreement(record)
    record.handle(s.schedule_payment(1))
    # A writer decides to issue slot 1 on the case as it stands...
    issue = s.issue_payment(1)
    stale = record.get_case(s.case_id)
    issue.execute(stale, issue.context(record.clock()), record.services)
    pending = [record.mapper.to_stored_event(e) for e in stale.collect_events()]
    assert [p.outbox is not None for p in pending] == [True]
    # ...but another writer records something first and takes that version.
    record.handle(s.request_review())

    with pytest.raises(IntegrityError):
        record.recorder.insert_events(pending)

    assert instructions(record) == []
    assert "PaymentIssued" not in stored_types(record, s)
    assert record.verify_chain(s.case_id).intact


def test_an_outbox_write_that_fails_leaves_no_payment_recorded(record: CaseRecord, monkeypatch: pytest.MonkeyPatch):
    s = signed_off_with_agreement(record)
    record.handle(s.schedule_payment(1))
    before = stored_types(record, s)

    def failing_after(real: Any) -> Any:
        def insert(*args: Any, **kwargs: Any) -> None:
            real(*args, **kwargs)  # the row is written, then the transaction fails
            raise RuntimeError("the disk filled up")

        return insert

    with monkeypatch.context() as patched:
        patched.setattr(
            eventstore.sqlite, "insert_outbox_rows_sqlite", failing_after(eventstore.sqlite.insert_outbox_rows_sqlite)
        )
        patched.setattr(
            eventstore.postgres,
            "insert_outbox_rows_postgres",
            failing_after(eventstore.postgres.insert_outbox_rows_postgres),
        )
        with pytest.raises(RuntimeError, match="disk filled up"):
            record.handle(s.issue_payment(1))

    assert stored_types(record, s) == before
    assert instructions(record) == []
    assert record.handle(s.issue_payment(1)).duplicate is False  # the retry records it, once
    assert [r.slot for r in instructions(record)] == [1]


def test_the_finance_system_reads_forward_by_instruction_id_in_pages(record: CaseRecord):
    margaret, second = signed_off_with_agreement(record), signed_off_with_agreement(record)
    for slot in (1, 2, 3):
        for s in (margaret, second):
            record.handle(s.schedule_payment(slot))
            record.handle(s.issue_payment(slot))
    everything = instructions(record)

    seen: list[PaymentInstruction] = []
    position = 0
    while page := read_instructions(record.recorder, after_id=position, limit=2):  # type: ignore[arg-type]
        assert len(page) <= 2
        seen += page
        position = page[-1].instruction_id

    assert seen == everything and len(everything) == 6
    assert [r.instruction_id for r in seen] == sorted({r.instruction_id for r in seen})
    assert [(r.case_id, r.slot) for r in seen] == [(s.case_id, slot) for slot in (1, 2, 3) for s in (margaret, second)]
    assert read_instructions(record.recorder, after_id=position, limit=10) == []  # type: ignore[arg-type]


def test_two_writers_paying_on_one_case_at_once_give_one_instruction_per_slot_in_commit_order(
    record: CaseRecord,
    store_env: dict[str, str],
):
    s = signed_off_with_agreement(record)
    slots = range(1, 21)
    for slot in slots:
        record.handle(s.schedule_payment(slot))
    other = CaseRecord(store_env, rule_sets=RuleSetCatalogue(TEST_COUNCILS), clock=SteppingClock())
    issues = {slot: s.issue_payment(slot) for slot in slots}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def writer(app: CaseRecord, mine: list[int]) -> None:
        start.wait()
        try:
            for slot in mine:
                app.handle(issues[slot])
        except BaseException as error:  # collected and asserted on below
            errors.append(error)

    threads = [
        threading.Thread(target=writer, args=(record, [n for n in slots if n % 2])),
        threading.Thread(target=writer, args=(other, [n for n in slots if not n % 2])),
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        other.close()

    assert errors == []
    rows = instructions(record)
    assert sorted(r.slot for r in rows) == list(slots)
    # Within one case, commit order is version order: the ids must follow the event versions.
    assert [r.event_version for r in rows] == sorted(r.event_version for r in rows)
    assert record.verify_chain(s.case_id).intact


def test_the_table_has_the_documented_name(record: CaseRecord):
    expected = {"sqlite": "payment_outbox", "postgres": "carecase_events_payment_outbox"}
    store = "postgres" if type(record.recorder).__module__ == "eventstore.postgres" else "sqlite"

    assert record.recorder.outbox_table == expected[store]  # type: ignore[attr-defined]


def test_a_page_must_be_asked_for_sensibly(record: CaseRecord):
    with pytest.raises(ValueError):
        record.recorder.payment_instructions(after_id=-1)  # type: ignore[attr-defined]
    with pytest.raises(ValueError):
        record.recorder.payment_instructions(limit=0)  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_postgres_refuses_the_insert_function_that_would_bypass_the_outbox(postgres_env: dict[str, str], catalogue):
    with pytest.raises(ValueError, match="POSTGRES_ENABLE_DB_FUNCTIONS=no"):
        CaseRecord({**postgres_env, "POSTGRES_ENABLE_DB_FUNCTIONS": "yes"}, rule_sets=catalogue)
