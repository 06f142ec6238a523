"""Slot numbers across a varied schedule (pure date arithmetic): a slot before the variation keeps
its due date and amount, the new terms take over at the first slot due on or after the from-date,
and the slot whose period the from-date splits pays the old terms for its days before it (decision
0020, amended: the share rounded half up to the penny)."""

from __future__ import annotations

from datetime import date

from domain.payment_schedule import (
    ScheduleSegment,
    first_slot_on_or_after,
    schedule_last_slot,
    segment_amount,
    segment_due_date,
    varied,
)
from domain.vocabulary import Frequency

MONTHLY = ScheduleSegment(
    first_slot=1, start_date=date(2026, 1, 31), frequency=Frequency.MONTHLY, amount_per_payment_pence=100_000
)


def table(segments: list[ScheduleSegment], slots: range) -> list[tuple[int, date, int]]:
    return [(n, segment_due_date(segments, n), segment_amount(segments, n)) for n in slots]


def test_slots_before_the_change_keep_their_dates_and_the_new_terms_count_from_the_from_date():
    # Monthly from 31 January (clamped to 28 February, back to 31 March); weekly from 15 April.
    # Slot 3's period, 31 March to 30 April, is split: 15 of its 30 days on the old terms.
    schedule = varied([MONTHLY], date(2026, 4, 15), Frequency.WEEKLY, 25_000)

    assert table(schedule, range(1, 7)) == [
        (1, date(2026, 1, 31), 100_000),
        (2, date(2026, 2, 28), 100_000),
        (3, date(2026, 3, 31), 50_000),
        (4, date(2026, 4, 15), 25_000),
        (5, date(2026, 4, 22), 25_000),
        (6, date(2026, 4, 29), 25_000),
    ]
    assert table(schedule, range(1, 3)) == table([MONTHLY], range(1, 3))
    assert (
        varied([MONTHLY], date(2026, 4, 15), Frequency.WEEKLY, 25_000, pro_rate=False)[-1].first_payment_pence is None
    )
    assert table(varied([MONTHLY], date(2026, 4, 15), Frequency.WEEKLY, 25_000, pro_rate=False), range(3, 4)) == [
        (3, date(2026, 3, 31), 100_000)  # as a variation recorded before pro-rating was worked out
    ]


def test_a_from_date_on_a_slots_due_date_takes_over_that_slot():
    assert first_slot_on_or_after([MONTHLY], date(2026, 3, 31)) == 3
    assert first_slot_on_or_after([MONTHLY], date(2026, 4, 1)) == 4
    assert first_slot_on_or_after([MONTHLY], date(2025, 12, 1)) == 1


def test_a_second_variation_before_the_first_took_over_replaces_it():
    once = varied([MONTHLY], date(2026, 6, 10), Frequency.WEEKLY, 25_000)  # from slot 6
    twice = varied(once, date(2026, 4, 10), Frequency.FORTNIGHTLY, 50_000)  # from slot 4: the weekly terms never began

    # Slot 3 (31 March to 30 April) pays 10 of its 30 days: £333.333... rounded to £333.33.
    assert [(s.first_slot, s.frequency, s.amount_per_payment_pence, s.first_payment_pence) for s in twice] == [
        (1, Frequency.MONTHLY, 100_000, None),
        (3, Frequency.MONTHLY, 100_000, 33_333),
        (4, Frequency.FORTNIGHTLY, 50_000, None),
    ]
    assert table(twice, range(3, 6)) == [
        (3, date(2026, 3, 31), 33_333),
        (4, date(2026, 4, 10), 50_000),
        (5, date(2026, 4, 24), 50_000),
    ]


def test_a_variation_after_a_later_one_keeps_both_and_numbers_on():
    once = varied([MONTHLY], date(2026, 4, 15), Frequency.WEEKLY, 25_000)  # from slot 4
    twice = varied(once, date(2026, 5, 1), Frequency.MONTHLY, 110_000)  # weekly slots 4-6 due 15, 22, 29 April

    # Slot 3 pays half its month (the first variation); slot 6 (29 April to 6 May) 2 of its 7 days,
    # £71.428... rounded to £71.43.
    assert [s.first_slot for s in twice] == [1, 3, 4, 6, 7]
    assert table(twice, range(6, 9)) == [
        (6, date(2026, 4, 29), 7_143),
        (7, date(2026, 5, 1), 110_000),
        (8, date(2026, 6, 1), 110_000),
    ]


def test_the_new_terms_never_take_over_a_slot_already_held():
    schedule = varied([MONTHLY], date(2026, 2, 1), Frequency.WEEKLY, 25_000, after_slot=3)

    assert schedule[-1].first_slot == 4


def test_a_schedule_ending_in_a_one_off_payment_ends_at_that_slot():
    assert schedule_last_slot([MONTHLY]) is None
    schedule = varied([MONTHLY], date(2026, 3, 1), Frequency.ONE_OFF, 300_000)
    assert schedule_last_slot(schedule) == 3
    # Slot 2 (28 February to 31 March) pays 1 of its 31 days: £32.258... rounded to £32.26.
    assert table(schedule, range(2, 4)) == [(2, date(2026, 2, 28), 3_226), (3, date(2026, 3, 1), 300_000)]
