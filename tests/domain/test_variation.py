"""Varying a direct payment agreement (D1): new terms from a date, only to follow the approved
figure; the slots before the date keep their terms, the slots from it are paid on the new ones;
an agreement left behind by a changed approved figure is a finance officer's work item."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date
from typing import Any

from domain import commands as c
from domain.application import CaseRecord
from domain.case import process
from domain.case.variations import recompute_variation
from domain.case.work import work_items
from domain.decision_audit import explain
from domain.payment_schedule import ScheduleSegment, segment_amount, segment_due_date
from domain.service_levels import ServiceLevels
from domain.vocabulary import Frequency
from tests.builders import ADULT, FINANCE, Scenario, plan_for
from tests.domain.story import adult_only_signed_off, given, last, refused, state, when

FOUR_WEEKLY = 92_000  # 10 hours a week at £23.00, four weeks: the plan's direct payment
MORE_HOURS = 12 * 2_300 * 4  # the revised plan's, after the review: 12 hours a week
_ids = itertools.count(1)


def vary(s: Scenario, **kw: Any) -> c.VaryDirectPaymentAgreement:
    fields: dict[str, Any] = {
        "case_id": s.case_id,
        "command_id": f"vary-{next(_ids)}",
        "actor": FINANCE,
        "agreement_id": "dp-1",
        "amount_per_payment_pence": MORE_HOURS,
        "frequency": "four_weekly",
        "from_date": "2026-03-16",
        "reason": "the plan was revised at review: twelve hours a week",
    }
    fields.update(kw)
    return c.VaryDirectPaymentAgreement.model_validate(fields)


def paid(s: Scenario, slot: int) -> list[c.CaseCommand]:
    """Slot ``slot`` of the agreement as made (four-weekly from 2 February 2026), scheduled and issued."""
    return [s.schedule_payment(slot), s.issue_payment(slot)]


def revised_and_signed_off(s: Scenario, weekly_hours: int = 12) -> list[c.CaseCommand]:
    return [
        s.schedule_review(),
        s.complete_review(outcome="revise_plan"),
        s.revise(plan=plan_for(ADULT, weekly_hours=weekly_hours)),
        s.submit(),
        s.sign_off(),
    ]


def vary_items(record: CaseRecord, s: Scenario) -> list[str]:
    return [i.item_id for i in work_items(state(record, s.case_id)) if i.kind == "vary_direct_payment_agreement"]


def test_a_revised_plan_leaves_a_work_item_until_the_agreement_is_varied_to_follow_it(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.agreement(), paid(s, 1))
    assert vary_items(record, s) == []

    given(record, revised_and_signed_off(s))
    assert vary_items(record, s) == [f"vary_direct_payment_agreement:{ADULT}:dp-1"]

    assert when(record, vary(s)) == ["DirectPaymentAgreementVaried"]

    assert vary_items(record, s) == []
    varied = last(record, s.case_id, "DirectPaymentAgreementVaried")
    # Slot 2 (2 March) falls due before the from-date under the old terms; slot 3 would have fallen
    # due on 30 March, after it: the new terms take over at slot 3, due on the from-date. Slot 2's
    # period (2 to 30 March) is split by the from-date: not yet paid, it pays its 14 days of 28
    # before 16 March on the old terms, £460.00.
    assert (varied.first_slot, varied.from_date, varied.amount_per_payment_pence, varied.frequency) == (
        3,
        date(2026, 3, 16),
        MORE_HOURS,
        Frequency.FOUR_WEEKLY,
    )
    assert (varied.previous_amount_per_payment_pence, varied.previous_yearly_pence, varied.yearly_pence) == (
        FOUR_WEEKLY,
        FOUR_WEEKLY * 13,
        MORE_HOURS * 13,
    )
    assert varied.schedule == [
        ScheduleSegment(
            first_slot=1, start_date=date(2026, 2, 2), frequency="four_weekly", amount_per_payment_pence=FOUR_WEEKLY
        ),
        ScheduleSegment(
            first_slot=2,
            start_date=date(2026, 3, 2),
            frequency="four_weekly",
            amount_per_payment_pence=FOUR_WEEKLY,
            first_payment_pence=46_000,
        ),
        ScheduleSegment(
            first_slot=3, start_date=date(2026, 3, 16), frequency="four_weekly", amount_per_payment_pence=MORE_HOURS
        ),
    ]
    agreement = state(record, s.case_id).agreements["dp-1"]
    segments = agreement.segments()
    assert [(segment_due_date(segments, n), segment_amount(segments, n)) for n in range(1, 6)] == [
        (date(2026, 2, 2), FOUR_WEEKLY),
        (date(2026, 3, 2), 46_000),
        (date(2026, 3, 16), MORE_HOURS),
        (date(2026, 4, 13), MORE_HOURS),
        (date(2026, 5, 11), MORE_HOURS),
    ]
    assert agreement.variations == 1 and agreement.current_terms().amount_per_payment_pence == MORE_HOURS
    # The agreement as made is unchanged: slot 1 and any arrears were paid on its terms.
    assert (agreement.start_date, agreement.amount_per_payment_pence) == (date(2026, 2, 2), FOUR_WEEKLY)


def test_a_variation_that_does_not_follow_the_approved_figure_is_refused(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.agreement())

    error = refused(record, vary(s), "agreement_does_not_match_signed_off_plan")

    assert error.details["agreed_yearly_pence"] == MORE_HOURS * 13
    assert error.details["signed_off_yearly_pence"] == FOUR_WEEKLY * 13


def test_the_same_yearly_figure_at_another_frequency_follows_the_approved_figure(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.agreement(), paid(s, 1))

    assert when(
        record, vary(s, amount_per_payment_pence=FOUR_WEEKLY // 4, frequency="weekly", from_date="2026-03-02")
    ) == ["DirectPaymentAgreementVaried"]

    segments = state(record, s.case_id).agreements["dp-1"].segments()
    # Slot 1 stays the four-weekly payment of 2 February, for the four weeks to 2 March; weekly
    # payments of £230 from then (a from-date on a due date splits no period).
    assert [(n, segment_due_date(segments, n), segment_amount(segments, n)) for n in range(1, 5)] == [
        (1, date(2026, 2, 2), FOUR_WEEKLY),
        (2, date(2026, 3, 2), 23_000),
        (3, date(2026, 3, 9), 23_000),
        (4, date(2026, 3, 16), 23_000),
    ]


# Pro-rating the slot whose period the from-date splits (decision 0020, amended) -----------------


def yearly_from(segments: list[ScheduleSegment], start: date) -> tuple[int, list[tuple[int, date, int]]]:
    """What the schedule pays for the year from ``start``: the slots falling due in it, and their total."""
    slots, slot = [], 1
    while (due := segment_due_date(segments, slot)) < date(start.year + 1, start.month, start.day):
        slots.append((slot, due, segment_amount(segments, slot)))
        slot += 1
    return sum(amount for _, _, amount in slots), slots


def test_a_slot_not_yet_paid_pays_the_old_terms_only_for_its_days_before_the_change(record: CaseRecord):
    """Four-weekly £920.00 from 2 February; varied to £1,104.00 four-weekly from 12 March, when
    slot 2 (2 to 30 March) is not yet paid: it pays 10 of its 28 days, £920.00 x 10 / 28 = £328.571...,
    rounded half up to £328.57; the new terms pay from 12 March."""
    s = Scenario()
    given(record, adult_only_signed_off(s), s.agreement(), paid(s, 1), revised_and_signed_off(s))

    assert when(record, vary(s, from_date="2026-03-12")) == ["DirectPaymentAgreementVaried"]

    segments = state(record, s.case_id).agreements["dp-1"].segments()
    total, slots = yearly_from(segments, date(2026, 2, 2))
    assert slots[:4] == [
        (1, date(2026, 2, 2), 92_000),
        (2, date(2026, 3, 2), 32_857),
        (3, date(2026, 3, 12), 110_400),
        (4, date(2026, 4, 9), 110_400),
    ]
    # Every slot once, none skipped; the year: 28 + 10 days on the old terms (£920.00 + £328.57),
    # then 12 four-weekly payments of £1,104.00 from 12 March (the last on 14 January 2027), to the penny.
    assert [n for n, _, _ in slots] == list(range(1, 15)) and slots[-1][1] == date(2027, 1, 14)
    assert total == 92_000 + 32_857 + 12 * 110_400 == 1_449_657
    event = last(record, s.case_id, "DirectPaymentAgreementVaried")
    assert explain(record.decision_at(s.case_id, event.originator_version)).plain_english.endswith(
        "(pro-rated across the change: slot 2 pays £328.57)"
    )
    assert record.verify_decision(s.case_id, event.originator_version).verified


def test_a_slot_paid_in_advance_gives_back_its_days_from_the_change_out_of_the_first_new_payment(
    record: CaseRecord,
):
    """Slot 2 (2 to 30 March, £920.00) was paid on 2 March; varied to £1,104.00 from 12 March: of
    slot 2's £920.00, £328.57 paid its 10 days before the change and £591.43 its 18 days from it,
    which the person already holds: the first new payment is £1,104.00 - £591.43 = £512.57."""
    s = Scenario()
    given(record, adult_only_signed_off(s), s.agreement(), paid(s, 1), paid(s, 2), revised_and_signed_off(s))

    assert when(record, vary(s, from_date="2026-03-12")) == ["DirectPaymentAgreementVaried"]

    segments = state(record, s.case_id).agreements["dp-1"].segments()
    total, slots = yearly_from(segments, date(2026, 2, 2))
    assert slots[:4] == [
        (1, date(2026, 2, 2), 92_000),
        (2, date(2026, 3, 2), 92_000),
        (3, date(2026, 3, 12), 51_257),
        (4, date(2026, 4, 9), 110_400),
    ]
    # The same year as when slot 2 was not yet paid, to the penny: only who holds the 18 days differs.
    assert total == 92_000 + 92_000 + 51_257 + 11 * 110_400 == 1_449_657
    assert when(record, s.schedule_payment(3, due_on="2026-03-12", amount_pence=51_257)) == ["PaymentScheduled"]


def test_a_change_that_would_leave_the_first_new_payment_at_nothing_is_refused(record: CaseRecord):
    """Slot 1 (2 February to 2 March) paid £920.00; weekly £230.00 from 16 February: slot 1 already
    paid £460.00 for the 14 days from then, more than the first weekly payment. From 2 March, the
    end of the period paid for, nothing is pro-rated."""
    s = Scenario()
    given(record, adult_only_signed_off(s), s.agreement(), paid(s, 1))

    weekly = {"amount_per_payment_pence": FOUR_WEEKLY // 4, "frequency": "weekly"}
    error = refused(record, vary(s, from_date="2026-02-16", **weekly), "pro_rated_payment_not_positive")

    assert error.field == "from_date"
    assert error.details == {
        "straddling_slot": 1,
        "period_ends_on": "2026-03-02",
        "paid_for_the_days_from_pence": 46_000,
    }
    assert state(record, s.case_id).agreements["dp-1"].schedule == []
    assert when(record, vary(s, from_date="2026-03-02", **weekly)) == ["DirectPaymentAgreementVaried"]


def test_a_variation_from_on_or_before_the_last_paid_slot_is_refused(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.agreement(), paid(s, 1), paid(s, 2), revised_and_signed_off(s))

    # Slot 2 fell due (and was paid) on 2 March: the new terms cannot take over on or before it.
    for from_date in ("2026-02-16", "2026-03-02"):
        error = refused(record, vary(s, from_date=from_date), "variation_before_last_paid_slot")
        assert error.field == "from_date"
        assert error.details == {"last_slot": 2, "last_slot_due_on": "2026-03-02"}

    assert when(record, vary(s, from_date="2026-03-03")) == ["DirectPaymentAgreementVaried"]
    assert last(record, s.case_id, "DirectPaymentAgreementVaried").first_slot == 3


def test_arrears_still_owed_are_paid_on_the_terms_they_fell_due_under(record: CaseRecord):
    s = Scenario()
    # Made on 5 January 2026 for a start on 1 December 2025: slots 1 and 2 (1 and 29 December)
    # are arrears awaiting the catch-up payment.
    given(record, adult_only_signed_off(s), s.agreement(start_date="2025-12-01"), revised_and_signed_off(s))

    error = refused(record, vary(s, from_date="2025-12-29"), "variation_before_last_paid_slot")
    assert error.details == {"last_slot": 2, "last_slot_due_on": "2025-12-29"}

    assert when(record, vary(s, from_date="2026-01-12")) == ["DirectPaymentAgreementVaried"]
    assert when(record, s.confirm_arrears(amount_pence=2 * FOUR_WEEKLY)) == ["ArrearsPaymentIssued"]
    agreement = state(record, s.case_id).agreements["dp-1"]
    assert [(n, agreement.slots[n].due_on, agreement.slots[n].amount_pence) for n in (1, 2)] == [
        (1, date(2025, 12, 1), FOUR_WEEKLY),
        (2, date(2025, 12, 29), FOUR_WEEKLY),
    ]
    assert segment_due_date(agreement.segments(), 3) == date(2026, 1, 12)


def test_the_from_date_keeps_within_the_councils_window(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.agreement(), revised_and_signed_off(s))

    # The council's window: 182 days back, 366 days ahead of 5 January 2026.
    for from_date in ("2025-07-06", "2027-01-07"):
        error = refused(record, vary(s, from_date=from_date), "agreement_start_out_of_window")
        assert error.field == "from_date"
        assert error.details == {"earliest": "2025-07-07", "latest": "2027-01-06"}


def test_a_variation_must_change_the_terms_and_an_ended_agreement_is_not_varied(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.agreement())

    refused(record, vary(s, amount_per_payment_pence=FOUR_WEEKLY), "variation_changes_nothing")
    refused(record, vary(s, agreement_id="dp-9"), "unknown_agreement")
    given(record, s.end_agreement())
    refused(record, vary(s, amount_per_payment_pence=FOUR_WEEKLY // 4, frequency="weekly"), "payments_stopped")


def test_a_one_off_payment_that_has_been_paid_has_nothing_left_to_vary(record: CaseRecord):
    s = Scenario()
    one_off = plan_for(ADULT, direct_payment_pence=FOUR_WEEKLY * 13, direct_payment_frequency="one_off")
    given(
        record,
        adult_only_signed_off(s)[:-3],
        s.draft(plan=one_off),
        s.submit(),
        s.sign_off(),
        s.agreement(frequency="one_off", amount_per_payment_pence=FOUR_WEEKLY * 13),
        s.schedule_payment(1, amount_pence=FOUR_WEEKLY * 13),
    )

    refused(
        record, vary(s, amount_per_payment_pence=FOUR_WEEKLY, frequency="four_weekly"), "agreement_schedule_finished"
    )


def test_a_challenge_upheld_below_what_the_agreement_pays_leaves_a_work_item(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.agreement(), s.challenge())
    assert vary_items(record, s) == []

    # The approved budget falls to £10,000 a year; the agreement pays £11,960 a year.
    given(record, s.resolve(revised_pence=1_000_000, reasons="the night care was double counted"))

    items = [i for i in work_items(state(record, s.case_id)) if i.kind == "vary_direct_payment_agreement"]
    assert [(i.role.value, i.person_id, i.ref) for i in items] == [("finance_officer", ADULT, "dp-1")]
    assert "£11,960.00 a year" in items[0].detail and "£10,000.00" in items[0].detail
    # No terms the plan holds fit the lower figure: the plan must be revised and signed off again first.
    refused(
        record,
        vary(s, amount_per_payment_pence=FOUR_WEEKLY // 4, frequency="weekly"),
        "agreement_exceeds_approved_budget",
    )


def test_the_process_hands_the_varied_schedule_to_the_payments(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.agreement(), paid(s, 1), revised_and_signed_off(s), vary(s))
    event = last(record, s.case_id, "DirectPaymentAgreementVaried")
    situation = process.Situation(
        case=state(record, s.case_id), service_levels=ServiceLevels(), today=date(2026, 3, 1), payments=("dp-1",)
    )

    reaction = process.react(event, situation)

    assert reaction.intents == (process.VaryPayments("dp-1", tuple(event.schedule)),)
    # Payments never started (a case still catching up starts them first): nothing to tell.
    assert process.react(event, process.Situation(**{**situation.__dict__, "payments": ()})).intents == ()


def test_a_variation_is_a_money_decision_explained_and_recomputed(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.agreement(), paid(s, 1), revised_and_signed_off(s), vary(s))
    event = last(record, s.case_id, "DirectPaymentAgreementVaried")

    explained = explain(record.decision_at(s.case_id, event.originator_version))
    assert explained.plain_english == (
        "Agreement dp-1 was varied from 2026-03-16 (slot 3 on): £1,104.00 four-weekly (£14,352.00 a year) instead "
        "of £920.00 four-weekly (£11,960.00 a year), following plan version 2 as signed off, within the approved "
        "budget of £14,352.00: the plan was revised at review: twelve hours a week (pro-rated across the change: "
        "slot 2 pays £460.00)"
    )
    assert (explained.breakdown["first_slot"], explained.breakdown["yearly_pence"]) == (3, MORE_HOURS * 13)
    check = record.verify_decision(s.case_id, event.originator_version)
    assert (check.method, check.verified, check.problems) == ("recomputed", True, [])

    before = record.case_at_version(s.case_id, event.originator_version - 1).state
    tampered = dataclasses.replace(event, first_slot=2, yearly_pence=1)
    assert recompute_variation(tampered, before) == [
        "the recorded figures (first slot, yearly totals, terms before, approved figure) do not recompute"
    ]
    too_much = dataclasses.replace(event, amount_per_payment_pence=MORE_HOURS * 2)
    problems = recompute_variation(too_much, before)
    assert problems[0] == "the recorded schedule does not follow from the schedule before and the new terms"
    assert problems[-1].startswith("the new terms do not follow the approved figure: the agreement pays £2,208.00")


def test_once_varied_a_slot_is_scheduled_only_on_its_date_and_for_its_amount(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.agreement(), paid(s, 1), revised_and_signed_off(s), vary(s))

    # Slot 3 worked out on the terms before the variation (30 March, £920) is refused, with the
    # date and amount the varied schedule gives it.
    error = refused(record, s.schedule_payment(3), "payment_off_the_varied_schedule")
    assert error.details == {"due_on": "2026-03-16", "amount_pence": MORE_HOURS, "first_varied_slot": 3}

    # Before the change: on its old terms, for its 14 days of 28 before 16 March.
    refused(record, s.schedule_payment(2), "payment_off_the_varied_schedule")
    assert when(record, s.schedule_payment(2, amount_pence=46_000)) == ["PaymentScheduled"]
    assert when(record, s.schedule_payment(3, due_on="2026-03-16", amount_pence=MORE_HOURS)) == ["PaymentScheduled"]
