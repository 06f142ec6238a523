"""Monitoring in the views: a direct payment's next monitoring return is a deadline like a stage or a
review, so an overdue return is listed with the deadlines passed (``/ops/stuck`` and ``carecase ops
stuck`` read the same query); and the ledger shows each kind of recovery."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.application import CaseRecord
from projections.ledger import BudgetLedgerView
from projections.overdue import DeadlinesView, deadlines_passed
from projections.runner import ProjectionRunner
from projections.store import ViewStore
from tests.builders import ADULT, Scenario
from tests.domain.story import adult_only_signed_off
from tests.projections.test_ledger import entries, ledger_rows

PAYMENT = 92_000


def paid(s: Scenario, slots: int) -> list:
    steps = [*adult_only_signed_off(s), s.agreement()]
    for slot in range(1, slots + 1):
        steps += [s.schedule_payment(slot), s.issue_payment(slot)]
    return steps


def passed(store: ViewStore, now: datetime, case_id: str) -> list:
    with store.transaction() as cursor:
        return [d for d in deadlines_passed(cursor, now) if d.case_id == case_id]


def test_an_overdue_monitoring_return_is_listed_with_the_deadlines_passed(record: CaseRecord, view_store: ViewStore):
    s = Scenario()
    views = ProjectionRunner(record, view_store, [DeadlinesView()])
    for command in paid(s, 3):
        record.handle(command)
    views.run_until_caught_up()
    case_id = s.case_id.hex

    # The first quarter's return (2 Feb to 3 May 2026) is due by the end of 31 May.
    assert not [d for d in passed(view_store, datetime(2026, 6, 1, tzinfo=UTC), case_id) if "monitoring" in d.what]
    late = datetime(2026, 6, 3, 12, tzinfo=UTC)
    [row] = [d for d in passed(view_store, late, case_id) if d.what.startswith("monitoring:")]
    assert (row.what, row.stage, row.team, row.since, row.due_at, row.flagged, row.overdue_by_hours) == (
        "monitoring:dp-1",
        "in_service",
        "east-locality",
        None,
        "2026-06-01T00:00:00.000000Z",
        False,
        60,
    )

    # Flagged by the case's workflow, then the return arrives: the next is due a quarter on.
    record.handle(s.overdue(stage="monitoring:dp-1", due_at="2026-06-01T00:00:00Z"))
    views.run_until_caught_up()
    [row] = [d for d in passed(view_store, late, case_id) if d.what.startswith("monitoring:")]
    assert row.flagged
    record.handle(s.monitoring_return(spent_pence=250_000, underspend_pence=None))
    views.run_until_caught_up()
    assert not [d for d in passed(view_store, late, case_id) if d.what.startswith("monitoring:")]
    [row] = [
        d for d in passed(view_store, datetime(2026, 8, 25, tzinfo=UTC), case_id) if d.what.startswith("monitoring:")
    ]
    assert (row.due_at, row.flagged) == ("2026-08-24T00:00:00.000000Z", False)

    # An agreement that has ended has no return due.
    record.handle(s.end_agreement())
    views.run_until_caught_up()
    assert not [d for d in passed(view_store, datetime(2027, 1, 1, tzinfo=UTC), case_id) if "monitoring" in d.what]


def test_the_ledger_shows_each_kind_of_recovery(record: CaseRecord, view_store: ViewStore):
    s = Scenario()
    views = ProjectionRunner(record, view_store, [BudgetLedgerView()])
    for command in [
        *paid(s, 3),
        s.monitoring_return(spent_pence=200_000, underspend_pence=76_000),
        s.recover(amount_pence=26_000),
        s.recover_misspent(amount_pence=12_000),
        s.suspend(),
        s.recover_after_stop(stopped_from="2026-03-30"),
    ]:
        record.handle(command)
    views.run_until_caught_up()

    lines = [
        (kind, person, agreement, amount) for _, kind, person, agreement, amount, _ in entries(view_store, s.case_id)
    ]
    assert lines[-5:] == [
        ("underspend_reported", ADULT, "dp-1", 76_000),
        ("recovered", ADULT, "dp-1", 26_000),
        ("recovered_misspent", ADULT, "dp-1", 12_000),
        ("suspended", ADULT, "dp-1", None),
        ("recovered_after_stop", ADULT, "dp-1", PAYMENT),
    ]
    row = ledger_rows(view_store)[s.case_id.hex]
    assert (row["paid_pence"], row["recovered_pence"]) == (3 * PAYMENT, 26_000 + 12_000 + PAYMENT)
    agreement = record.get_case(s.case_id).state.agreements["dp-1"]
    assert agreement.recovered_pence == row["recovered_pence"]
    # £760 held, £260 recovered from it; the £920 paid after the stop was in the return: nothing left held.
    assert agreement.balance_pence == 0
