"""Direct payment monitoring that finance can run: a return is checked against what was paid, with a
receipt for every item above the council's threshold; the balance held is kept; a recovery of a
surplus keeps the council's contingency back; misspent money and payments made after a stop are
recovered; returns fall due on a schedule proportionate to the payment, and an overdue one is
flagged like any other deadline."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.application import CaseRecord
from domain.case import process
from domain.commands import CouncilSettings
from domain.decision_audit import explain
from domain.errors import DomainError, InvalidInput
from domain.service_levels import ServiceLevels
from policy.catalogue import RuleSetCatalogue
from tests.builders import Scenario
from tests.clock import SteppingClock
from tests.domain.story import adult_only_signed_off, given, last, refused, state, when

PAYMENT = 92_000  # £920 four-weekly, slots due 2 Feb, 2 Mar, 30 Mar 2026...
CONTINGENCY_WEEKS = 4  # four weeks of £920 four-weekly: £920 exactly (£11,960 a year x 4 / 52)


def paid(s: Scenario, slots: int) -> list:
    """The adult's agreement with its first ``slots`` payments scheduled and issued."""
    steps = [adult_only_signed_off(s), s.agreement()]
    for slot in range(1, slots + 1):
        steps += [s.schedule_payment(slot), s.issue_payment(slot)]
    return steps


def first_quarter(s: Scenario, **kw):
    """A return for 2 Feb to 26 Apr 2026 (slots 1 to 3 fall due in it)."""
    return s.monitoring_return(**{"underspend_pence": None, **kw})


# A return is checked against the money ---------------------------------------------------------


def test_a_return_reporting_more_spent_than_was_paid_is_refused_with_both_figures(record: CaseRecord):
    s = Scenario()
    given(record, paid(s, 1))

    # The issue's case: £99,999 reported spent against one payment of £920.
    error = refused(record, first_quarter(s, spent_pence=9_999_900), "spend_exceeds_payments")

    assert error.field == "spent_pence"
    assert error.details == {
        "spent_pence": 9_999_900,
        "opening_balance_pence": 0,
        "received_pence": PAYMENT,
        "available_pence": PAYMENT,
    }
    assert str(error) == (
        "£99,999.00 spent is more than the £0.00 held at the start of the period plus the £920.00 paid for it (£920.00)"
    )
    # A penny more than was paid is refused; all of it is accepted.
    refused(record, first_quarter(s, spent_pence=PAYMENT + 1), "spend_exceeds_payments")
    assert when(record, first_quarter(s, spent_pence=PAYMENT)) == ["MonitoringReturnReceived"]
    assert state(record, s.case_id).agreements["dp-1"].balance_pence == 0


def test_the_balance_held_carries_into_the_next_return(record: CaseRecord):
    s = Scenario()
    given(record, paid(s, 3))

    assert when(record, first_quarter(s, spent_pence=250_000, underspend_pence=26_000)) == ["MonitoringReturnReceived"]
    returned = last(record, s.case_id, "MonitoringReturnReceived")
    assert (returned.opening_balance_pence, returned.received_pence, returned.closing_balance_pence) == (
        0,
        3 * PAYMENT,
        26_000,
    )
    agreement = state(record, s.case_id).agreements["dp-1"]
    assert (agreement.balance_pence, agreement.accounted_paid_pence, agreement.returns_through.isoformat()) == (
        26_000,
        3 * PAYMENT,
        "2026-04-26",
    )

    # The next quarter: slot 4 (27 Apr) is paid; £260 held at the start plus £920 received is £1,180.
    given(record, s.schedule_payment(4), s.issue_payment(4))
    second = {"period_start": "2026-04-27", "period_end": "2026-07-19", "underspend_pence": None}
    error = refused(record, s.monitoring_return(spent_pence=118_001, **second), "spend_exceeds_payments")
    assert error.details == {
        "spent_pence": 118_001,
        "opening_balance_pence": 26_000,
        "received_pence": PAYMENT,
        "available_pence": 118_000,
    }
    assert when(record, s.monitoring_return(spent_pence=100_000, **second)) == ["MonitoringReturnReceived"]
    assert state(record, s.case_id).agreements["dp-1"].balance_pence == 18_000


def test_a_stated_underspend_must_be_the_balance_the_figures_leave(record: CaseRecord):
    s = Scenario()
    given(record, paid(s, 3))

    error = refused(
        record, first_quarter(s, spent_pence=250_000, underspend_pence=25_999), "underspend_does_not_match_balance"
    )

    assert error.details == {"underspend_pence": 25_999, "closing_balance_pence": 26_000}


def test_a_return_cannot_cover_a_period_already_returned(record: CaseRecord):
    s = Scenario()
    given(record, paid(s, 3), first_quarter(s, spent_pence=250_000))

    error = refused(record, first_quarter(s, spent_pence=0, period_start="2026-04-26"), "period_already_returned")

    assert (error.field, error.details) == ("period_start", {"returns_through": "2026-04-26"})


def test_every_item_above_the_councils_receipt_threshold_needs_a_receipt(record: CaseRecord):
    s = Scenario()
    given(record, paid(s, 3))

    missing = refused(
        record,
        first_quarter(s, spent_pence=250_000, items_over_threshold=3, receipts_over_threshold=2),
        "receipts_missing",
    )
    assert (missing.field, missing.details) == (
        "receipts_over_threshold",
        {"receipt_threshold_pence": 5_000, "items_over_threshold": 3, "receipts_over_threshold": 2},
    )
    assert (
        str(missing) == "3 items cost more than £50.00 but only 2 have receipts: the council needs a receipt for each"
    )
    extra = refused(
        record,
        first_quarter(s, spent_pence=250_000, items_over_threshold=1, receipts_over_threshold=2),
        "receipts_exceed_items",
    )
    assert isinstance(extra, InvalidInput)  # 422: a receipt is for one item

    assert when(record, first_quarter(s, spent_pence=250_000, items_over_threshold=3, receipts_over_threshold=3)) == [
        "MonitoringReturnReceived"
    ]
    returned = last(record, s.case_id, "MonitoringReturnReceived")
    assert (returned.items_over_threshold, returned.receipts_over_threshold, returned.receipt_threshold_pence) == (
        3,
        3,
        5_000,
    )


# Recovery: a surplus less the contingency, money misspent, payments after a stop -----------------


class TestWithAContingency:
    @pytest.fixture
    def council(self) -> CouncilSettings:
        return CouncilSettings(monitoring_contingency_weeks=CONTINGENCY_WEEKS)

    def test_a_recovery_of_a_surplus_keeps_the_contingency_back(self, record: CaseRecord):
        s = Scenario()
        # £2,760 paid, £1,500 spent: £1,260 held, of which £920 (four weeks of payments) is kept back.
        given(record, paid(s, 3), first_quarter(s, spent_pence=150_000))

        error = refused(record, s.recover(amount_pence=34_001), "recovery_exceeds_underspend")

        assert (error.field, error.details) == (
            "amount_pence",
            {"balance_pence": 126_000, "contingency_pence": PAYMENT, "recoverable_pence": 34_000},
        )
        assert str(error) == (
            "£1,260.00 is held under dp-1 and £920.00 of it is the contingency the council allows: "
            "at most £340.00 can be recovered, not £340.01"
        )
        assert when(record, s.recover(amount_pence=34_000)) == ["UnspentFundsRecovered"]
        recovered = last(record, s.case_id, "UnspentFundsRecovered")
        assert (recovered.amount_pence, recovered.balance_pence, recovered.contingency_pence) == (
            34_000,
            126_000,
            PAYMENT,
        )
        agreement = state(record, s.case_id).agreements["dp-1"]
        assert (agreement.balance_pence, agreement.recovered_pence) == (PAYMENT, 34_000)
        # The contingency stays with the person: not a penny more is recoverable.
        refused(record, s.recover(amount_pence=1), "recovery_exceeds_underspend")

    def test_a_balance_within_the_contingency_leaves_nothing_to_recover(self, record: CaseRecord):
        s = Scenario()
        given(record, paid(s, 3), first_quarter(s, spent_pence=200_000))  # £760 held, under £920

        error = refused(record, s.recover(amount_pence=1), "recovery_exceeds_underspend")

        assert error.details == {"balance_pence": 76_000, "contingency_pence": PAYMENT, "recoverable_pence": 0}


def test_misspent_money_is_recoverable_with_its_reason_up_to_what_was_reported_spent(record: CaseRecord):
    s = Scenario()
    given(record, paid(s, 3), first_quarter(s, spent_pence=250_000))

    error = refused(record, s.recover_misspent(amount_pence=250_001), "misspent_recovery_exceeds_spend")
    assert error.details == {
        "reported_spend_pence": 250_000,
        "recovered_misspent_pence": 0,
        "recoverable_pence": 250_000,
    }

    assert when(record, s.recover_misspent(amount_pence=12_000)) == ["MisspentFundsRecovered"]
    recovered = last(record, s.case_id, "MisspentFundsRecovered")
    assert (recovered.amount_pence, recovered.reason, recovered.reported_spend_pence) == (
        12_000,
        "a holiday abroad, not a need in the plan",
        250_000,
    )
    agreement = state(record, s.case_id).agreements["dp-1"]
    # Misspent money came out of what was spent: the balance held is as the return left it.
    assert (agreement.recovered_misspent_pence, agreement.recovered_pence, agreement.balance_pence) == (
        12_000,
        12_000,
        26_000,
    )
    error = refused(record, s.recover_misspent(amount_pence=238_001), "misspent_recovery_exceeds_spend")
    assert error.details["recoverable_pence"] == 238_000


def test_nothing_is_recovered_as_misspent_before_a_return_reports_spend(record: CaseRecord):
    s = Scenario()
    given(record, paid(s, 1))

    error = refused(record, s.recover_misspent(amount_pence=1), "misspent_recovery_exceeds_spend")

    assert error.details == {"reported_spend_pence": 0, "recovered_misspent_pence": 0, "recoverable_pence": 0}


@pytest.mark.parametrize("stop", ["suspend", "end_agreement"])
def test_payments_made_after_a_suspension_or_an_end_are_recovered_once(record: CaseRecord, stop: str):
    s = Scenario()
    given(record, paid(s, 3))

    # While payments run there is nothing "after a stop" to recover.
    refused(record, s.recover_after_stop(), "payments_not_stopped")
    given(record, getattr(s, stop)())

    # Stopped from 2 March: slots 2 (2 Mar) and 3 (30 Mar) were paid after it.
    assert when(record, s.recover_after_stop(stopped_from="2026-03-02")) == ["PaymentsAfterStopRecovered"]
    recovered = last(record, s.case_id, "PaymentsAfterStopRecovered")
    assert (recovered.slots, recovered.amount_pence, recovered.accounted_pence) == ([2, 3], 2 * PAYMENT, 0)
    agreement = state(record, s.case_id).agreements["dp-1"]
    assert (agreement.recovered_pence, agreement.recovered_slots) == (2 * PAYMENT, [2, 3])

    error = refused(record, s.recover_after_stop(stopped_from="2026-03-02"), "nothing_paid_after_stop")
    assert (error.field, error.details) == ("stopped_from", {"stopped_from": "2026-03-02"})
    # A return afterwards accounts only for the payment that was not recovered.
    given(record, first_quarter(s, spent_pence=PAYMENT))
    assert last(record, s.case_id, "MonitoringReturnReceived").received_pence == PAYMENT


def test_what_was_paid_before_payments_stopped_is_not_recovered_as_paid_after_the_stop(
    record: CaseRecord, clock: SteppingClock
):
    s = Scenario()
    given(record, paid(s, 3))
    # Recorded in April: payments were suspended from 2 March, when the person went into hospital.
    clock.advance(datetime(2026, 4, 1, 9, tzinfo=UTC) - clock.now)
    given(record, s.suspend(effective_at="2026-03-02T00:00:00Z"))
    assert state(record, s.case_id).agreements["dp-1"].stopped_on.isoformat() == "2026-03-02"

    # Slot 1 (2 Feb) was due before the stop: it was the person's, not money paid after it.
    error = refused(record, s.recover_after_stop(stopped_from="2026-02-02"), "recovery_before_the_stop")
    assert (error.field, error.details) == ("stopped_from", {"stopped_from": "2026-02-02", "stopped_on": "2026-03-02"})

    assert when(record, s.recover_after_stop(stopped_from="2026-03-02")) == ["PaymentsAfterStopRecovered"]
    assert last(record, s.case_id, "PaymentsAfterStopRecovered").slots == [2, 3]
    # An end during the suspension keeps the day the stop began.
    given(record, s.end_agreement())
    assert state(record, s.case_id).agreements["dp-1"].stopped_on.isoformat() == "2026-03-02"


def test_a_resumption_ends_the_stop(record: CaseRecord):
    s = Scenario()
    given(record, paid(s, 1), s.suspend())
    assert state(record, s.case_id).agreements["dp-1"].stopped_on is not None
    given(record, s.resume())
    assert state(record, s.case_id).agreements["dp-1"].stopped_on is None
    refused(record, s.recover_after_stop(), "payments_not_stopped")


def test_the_underspend_shown_is_the_latest_balance_not_the_sum_of_the_returns(record: CaseRecord):
    s = Scenario()
    given(record, paid(s, 4), first_quarter(s, spent_pence=250_000))  # £260 of 3 x £920 left unspent
    second = {"period_start": "2026-04-27", "period_end": "2026-07-19", "underspend_pence": None}
    given(record, s.monitoring_return(spent_pence=100_000, **second))  # £260 + £920 - £1,000 = £180

    agreement = state(record, s.case_id).agreements["dp-1"]
    assert (agreement.balance_pence, agreement.reported_underspend_pence) == (18_000, 18_000)


def test_payments_after_a_stop_already_in_a_return_come_off_the_balance_held(record: CaseRecord):
    s = Scenario()
    given(record, paid(s, 3), first_quarter(s, spent_pence=100_000), s.suspend())  # £1,760 held

    given(record, s.recover_after_stop(stopped_from="2026-03-30"))

    recovered = last(record, s.case_id, "PaymentsAfterStopRecovered")
    assert (recovered.slots, recovered.amount_pence, recovered.accounted_pence) == ([3], PAYMENT, PAYMENT)
    agreement = state(record, s.case_id).agreements["dp-1"]
    assert (agreement.balance_pence, agreement.accounted_paid_pence) == (176_000 - PAYMENT, 2 * PAYMENT)


# Returns fall due, proportionately; an overdue one is flagged ----------------------------------


def monitoring_deadline(record: CaseRecord, s: Scenario, levels: ServiceLevels):
    [deadline] = [d for d in levels.deadlines(state(record, s.case_id)) if d.what == "monitoring:dp-1"]
    return deadline


def test_a_return_falls_due_quarterly_and_after_a_return_the_next_quarter(record: CaseRecord):
    s = Scenario()
    levels = ServiceLevels()
    given(record, paid(s, 3))

    # £11,960 a year: quarterly. The first quarter runs 2 Feb to 3 May; its return is due 28 days on.
    deadline = monitoring_deadline(record, s, levels)
    assert (deadline.due_at, deadline.since, deadline.flagged) == (datetime(2026, 6, 1, tzinfo=UTC), None, False)

    given(record, first_quarter(s, spent_pence=250_000))  # up to 26 April
    assert monitoring_deadline(record, s, levels).due_at == datetime(2026, 8, 24, tzinfo=UTC)  # 26 Jul + 28 days


def test_a_small_direct_payment_is_monitored_light_touch_once_a_year(record: CaseRecord):
    s = Scenario()
    given(record, paid(s, 1))
    agreement = state(record, s.case_id).agreements["dp-1"]

    # Below the light-touch amount a year (here above £11,960): one return a year, due 28 days after.
    light = ServiceLevels(light_touch_below_pence_a_year=1_196_001)
    assert light.monitoring_period_weeks(agreement) == 52
    assert light.monitoring_return_due_on(agreement).isoformat() == "2027-02-28"  # 31 Jan 2027 + 28 days
    assert ServiceLevels(light_touch_below_pence_a_year=1_196_000).monitoring_period_weeks(agreement) == 13


def test_an_overdue_return_is_flagged_by_the_process_and_cleared_by_the_return(record: CaseRecord):
    s = Scenario()
    levels = ServiceLevels()
    given(record, paid(s, 3))
    case = state(record, s.case_id)
    due = datetime(2026, 6, 1, tzinfo=UTC)

    assert process.next_deadline(case, levels) is not None
    assert [f.fields for f in process.overdue(case, levels, due) if f.fields["stage"].startswith("monitoring:")] == [
        {"stage": "monitoring:dp-1", "due_at": due}
    ]
    assert not [
        f for f in process.overdue(case, levels, due.replace(day=1, month=5)) if "monitoring" in f.fields["stage"]
    ]

    assert when(record, s.overdue(stage="monitoring:dp-1", due_at="2026-06-01T00:00:00Z")) == ["StageOverdue"]
    assert monitoring_deadline(record, s, levels).flagged
    given(record, first_quarter(s, spent_pence=250_000))
    assert "monitoring:dp-1" not in state(record, s.case_id).overdue
    assert not monitoring_deadline(record, s, levels).flagged


def test_an_ended_agreement_has_no_return_due_and_cannot_be_flagged(record: CaseRecord):
    s = Scenario()
    given(record, paid(s, 1), s.end_agreement())

    assert not [d for d in ServiceLevels().deadlines(state(record, s.case_id)) if d.what.startswith("monitoring:")]
    with pytest.raises(DomainError) as caught:
        record.handle(s.overdue(stage="monitoring:dp-1", due_at="2026-06-01T00:00:00Z"))
    assert caught.value.code == "stage_moved_on"


# Every recovery is a money decision an auditor can explain and recompute --------------------------


def test_each_recovery_is_explained_and_recomputed_from_the_case_before_it(record: CaseRecord, clock: SteppingClock):
    s = Scenario()
    given(record, paid(s, 3), first_quarter(s, spent_pence=100_000))  # £1,760 held
    given(record, s.recover(amount_pence=50_000), s.recover_misspent(amount_pence=20_000))
    given(record, s.suspend(), s.recover_after_stop(stopped_from="2026-03-30"))

    versions = {
        type(e).__name__: e.originator_version
        for e in record.stored_events(s.case_id)
        if type(e).__name__ in ("UnspentFundsRecovered", "MisspentFundsRecovered", "PaymentsAfterStopRecovered")
    }
    assert len(versions) == 3
    for name, version in versions.items():
        explained = explain(record.decision_at(s.case_id, version))
        assert (explained.decision, explained.person_id) == (name, "adult-1")
        check = record.verify_decision(s.case_id, version)
        assert (check.method, check.verified, check.problems) == ("recomputed", True, []), name
    unspent = explain(record.decision_at(s.case_id, versions["UnspentFundsRecovered"]))
    assert unspent.breakdown == {
        "agreement_id": "dp-1",
        "amount_pence": 50_000,
        "balance_pence": 176_000,
        "contingency_pence": 0,
    }
    assert "£500.00 of unspent direct payment was recovered" in unspent.plain_english


def test_a_recovery_judged_on_a_contingency_the_council_does_not_allow_fails_verification(
    store_env: dict[str, str], catalogue: RuleSetCatalogue, clock: SteppingClock
):
    """Recorded with a four-week contingency; verified under a council that allows none."""
    s = Scenario()
    generous = CaseRecord(
        store_env, rule_sets=catalogue, council=CouncilSettings(monitoring_contingency_weeks=4), clock=clock
    )
    given(generous, paid(s, 3), first_quarter(s, spent_pence=100_000), s.recover(amount_pence=50_000))
    version = last(generous, s.case_id, "UnspentFundsRecovered").originator_version
    assert generous.verify_decision(s.case_id, version).verified

    strict = CaseRecord(store_env, rule_sets=catalogue, council=CouncilSettings(), clock=clock)
    check = strict.verify_decision(s.case_id, version)
    assert not check.verified
    assert check.problems == [
        "the contingency kept back (£920.00) is not the 0 weeks of payments (£0.00) the council allows"
    ]
