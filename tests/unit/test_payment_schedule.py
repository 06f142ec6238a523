"""When each direct payment falls due (step 11): every frequency the agreement offers, counted from
the start date so a schedule never drifts, with short months and 29 February clamped."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.payment_schedule import (
    ScheduleSegment,
    due_at,
    due_date,
    last_slot,
    segment_amount,
    straddled_slot,
    varied,
)
from domain.vocabulary import Frequency

pytestmark = pytest.mark.unit

REPEATING = [f for f in Frequency if f != Frequency.ONE_OFF]
starts = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
slots = st.integers(min_value=1, max_value=600)


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


class TestEachFrequency:
    def test_a_one_off_payment_falls_due_on_the_start_date_and_has_no_second_slot(self):
        assert due_date(date(2026, 2, 2), Frequency.ONE_OFF, 1) == date(2026, 2, 2)
        assert last_slot(Frequency.ONE_OFF) == 1
        with pytest.raises(ValueError, match="only slot 1"):
            due_date(date(2026, 2, 2), Frequency.ONE_OFF, 2)

    @pytest.mark.parametrize(
        "frequency, expected",
        [
            (Frequency.WEEKLY, [date(2026, 2, 2), date(2026, 2, 9), date(2026, 2, 16), date(2026, 2, 23)]),
            (Frequency.FORTNIGHTLY, [date(2026, 2, 2), date(2026, 2, 16), date(2026, 3, 2), date(2026, 3, 16)]),
            (Frequency.FOUR_WEEKLY, [date(2026, 2, 2), date(2026, 3, 2), date(2026, 3, 30), date(2026, 4, 27)]),
            (Frequency.MONTHLY, [date(2026, 2, 2), date(2026, 3, 2), date(2026, 4, 2), date(2026, 5, 2)]),
            (Frequency.QUARTERLY, [date(2026, 2, 2), date(2026, 5, 2), date(2026, 8, 2), date(2026, 11, 2)]),
            (Frequency.ANNUAL, [date(2026, 2, 2), date(2027, 2, 2), date(2028, 2, 2), date(2029, 2, 2)]),
        ],
    )
    def test_the_first_four_slots(self, frequency: Frequency, expected: list[date]):
        assert [due_date(date(2026, 2, 2), frequency, n) for n in (1, 2, 3, 4)] == expected
        assert last_slot(frequency) is None

    def test_the_frequency_may_be_given_by_its_stored_name(self):
        assert due_date(date(2026, 2, 2), "fortnightly", 2) == date(2026, 2, 16)  # type: ignore[arg-type]

    def test_slots_are_counted_from_one(self):
        with pytest.raises(ValueError, match="counted from 1"):
            due_date(date(2026, 2, 2), Frequency.WEEKLY, 0)


class TestShortMonths:
    def test_a_monthly_payment_from_the_31st_falls_on_each_months_last_day_and_comes_back_to_the_31st(self):
        start = date(2026, 1, 31)

        assert [due_date(start, Frequency.MONTHLY, n) for n in range(1, 7)] == [
            date(2026, 1, 31),
            date(2026, 2, 28),
            date(2026, 3, 31),
            date(2026, 4, 30),
            date(2026, 5, 31),
            date(2026, 6, 30),
        ]

    def test_a_monthly_payment_in_a_leap_year_falls_on_29_february(self):
        assert due_date(date(2028, 1, 30), Frequency.MONTHLY, 2) == date(2028, 2, 29)

    def test_a_quarterly_payment_from_30_november_is_clamped_in_february_only(self):
        start = date(2025, 11, 30)

        assert [due_date(start, Frequency.QUARTERLY, n) for n in range(1, 5)] == [
            date(2025, 11, 30),
            date(2026, 2, 28),
            date(2026, 5, 30),
            date(2026, 8, 30),
        ]

    def test_an_annual_payment_from_29_february_falls_on_28_february_until_the_next_leap_year(self):
        start = date(2028, 2, 29)

        assert [due_date(start, Frequency.ANNUAL, n) for n in range(1, 6)] == [
            date(2028, 2, 29),
            date(2029, 2, 28),
            date(2030, 2, 28),
            date(2031, 2, 28),
            date(2032, 2, 29),
        ]

    def test_the_schedule_crosses_the_year_end(self):
        assert due_date(date(2026, 11, 15), Frequency.MONTHLY, 3) == date(2027, 1, 15)
        assert due_date(date(2026, 12, 28), Frequency.FORTNIGHTLY, 2) == date(2027, 1, 11)


class TestDueInstant:
    def test_a_slot_falls_due_at_nine_in_the_morning_utc(self):
        assert due_at(date(2026, 2, 2), Frequency.FOUR_WEEKLY, 2) == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


# Module-level, not methods: Hypothesis refuses a property test whose executor (the test class
# instance) changes between calls, as it does when a test is repeated (pytest --count).
@given(start=starts, frequency=st.sampled_from(REPEATING), slot=slots)
def test_due_dates_strictly_increase(start: date, frequency: Frequency, slot: int):
    assert due_date(start, frequency, slot) < due_date(start, frequency, slot + 1)


@given(start=starts, frequency=st.sampled_from(REPEATING), slot=slots)
def test_slot_one_is_the_start_and_no_slot_falls_before_it(start: date, frequency: Frequency, slot: int):
    assert due_date(start, frequency, 1) == start
    assert due_date(start, frequency, slot) >= start


@given(start=starts, slot=slots)
def test_a_monthly_schedule_never_skips_or_repeats_a_month(start: date, slot: int):
    this, following = due_date(start, Frequency.MONTHLY, slot), due_date(start, Frequency.MONTHLY, slot + 1)

    assert month_index(following) == month_index(this) + 1


@given(start=starts, slot=slots)
def test_a_monthly_payment_keeps_the_start_day_whenever_the_month_has_it(start: date, slot: int):
    due = due_date(start, Frequency.MONTHLY, slot)

    assert month_index(due) == month_index(start) + slot - 1
    if due.day != start.day:  # clamped: only where the month is too short, and then to its last day
        assert due.day < start.day
        assert date.fromordinal(due.toordinal() + 1).day == 1


@given(start=starts, slot=slots)
def test_quarterly_and_annual_payments_are_three_and_twelve_months_apart(start: date, slot: int):
    quarter = (due_date(start, Frequency.QUARTERLY, slot), due_date(start, Frequency.QUARTERLY, slot + 1))
    year = (due_date(start, Frequency.ANNUAL, slot), due_date(start, Frequency.ANNUAL, slot + 1))

    assert month_index(quarter[1]) - month_index(quarter[0]) == 3
    assert month_index(year[1]) - month_index(year[0]) == 12


@given(
    start=starts,
    slot=slots,
    frequency=st.sampled_from([Frequency.WEEKLY, Frequency.FORTNIGHTLY, Frequency.FOUR_WEEKLY]),
)
def test_weekly_kinds_are_a_fixed_number_of_days_apart(start: date, slot: int, frequency: Frequency):
    gap = (due_date(start, frequency, slot + 1) - due_date(start, frequency, slot)).days

    assert gap == {Frequency.WEEKLY: 7, Frequency.FORTNIGHTLY: 14, Frequency.FOUR_WEEKLY: 28}[frequency]


# Pro-rating the slot a variation's from-date splits (decision 0020, amended) --------------------

MONTHLY_FROM_JAN = [
    ScheduleSegment(first_slot=1, start_date=date(2026, 1, 31), frequency=Frequency.MONTHLY, amount_per_payment_pence=7)
]


def test_the_old_share_is_rounded_half_up_and_the_rest_is_what_is_left():
    """Slot 2 falls due on 28 February, slot 3 on 31 March: a 31-day period. Seven pence a month
    from 28 February, varied from 16 March: 16 days of 31 on the old terms, 7 x 16 / 31 = 3.61 -> 4p,
    and the 15 days from the change 3p; from 29 March (29 of 31 days: 6.55 -> 7p), all 7p and 0p."""
    straddle = straddled_slot(MONTHLY_FROM_JAN, date(2026, 3, 16), first=3)
    assert straddle is not None
    assert (straddle.slot, straddle.due_on, straddle.period_ends_on, straddle.days_before, straddle.days_in_period) == (
        2,
        date(2026, 2, 28),
        date(2026, 3, 31),
        16,
        31,
    )
    assert (straddle.share_pence, straddle.rest_pence) == (4, 3)
    late = straddled_slot(MONTHLY_FROM_JAN, date(2026, 3, 29), first=3)
    assert late is not None and (late.share_pence, late.rest_pence) == (7, 0)


def test_exactly_half_a_penny_rounds_up():
    fortnightly = [
        ScheduleSegment(
            first_slot=1, start_date=date(2026, 1, 5), frequency=Frequency.FORTNIGHTLY, amount_per_payment_pence=1
        )
    ]
    straddle = straddled_slot(fortnightly, date(2026, 1, 26), first=3)  # 7 days of slot 2's 14
    assert straddle is not None and (straddle.share_pence, straddle.rest_pence) == (1, 0)


def test_a_from_date_on_a_due_date_or_before_any_slot_splits_nothing():
    assert straddled_slot(MONTHLY_FROM_JAN, date(2026, 3, 31), first=3) is None
    assert straddled_slot(MONTHLY_FROM_JAN, date(2026, 1, 20), first=1) is None


@given(
    amount=st.integers(min_value=14, max_value=100_000_000),  # a share of a day at least half a penny
    days=st.integers(min_value=1, max_value=27),
)
def test_the_two_shares_of_a_period_add_up_to_its_payment_to_the_penny(amount: int, days: int):
    four_weekly = [
        ScheduleSegment(
            first_slot=1,
            start_date=date(2026, 2, 2),
            frequency=Frequency.FOUR_WEEKLY,
            amount_per_payment_pence=amount,
        )
    ]
    from_date = date(2026, 2, 2) + timedelta(days=days)
    straddle = straddled_slot(four_weekly, from_date, first=2)
    assert straddle is not None
    assert straddle.share_pence + straddle.rest_pence == amount
    assert abs(straddle.share_pence * 28 - amount * days) * 2 <= 28  # within half a penny of the exact share
    # Unpaid, the slot pays the share alone and the new terms their amount; paid, the new first
    # payment gives the rest back: the period costs the old terms the same either way.
    schedule = varied(four_weekly, from_date, Frequency.FOUR_WEEKLY, amount + 1)
    assert [segment_amount(schedule, n) for n in (1, 2)] == [straddle.share_pence, amount + 1]
    paid = varied(four_weekly, from_date, Frequency.FOUR_WEEKLY, amount + 1, after_slot=1)
    assert [segment_amount(paid, n) for n in (1, 2)] == [amount, amount + 1 - straddle.rest_pence]
