"""When each slot of a direct payment schedule falls due: pure date arithmetic.

Slot 1 falls due on the agreement's start date. Every later slot is counted from the start date,
never from the slot before it, so a schedule never drifts: a monthly payment that starts on
31 January falls due on 28 (or 29) February and then on 31 March again, not on the 28th for ever.
A day of the month that the target month lacks is clamped to that month's last day; 29 February
becomes 28 February in a year that is not a leap year (annual payments) and comes back in the
next leap year.

A slot falls due at 09:00 UTC on its due date (``due_at``), the instant the payments workflow
waits for, and the instant that decides whether a slot was already due (in arrears) when an
agreement was made.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta

from domain.vocabulary import Frequency

DUE_TIME = time(9, 0, tzinfo=UTC)

_DAYS_APART = {Frequency.WEEKLY: 7, Frequency.FORTNIGHTLY: 14, Frequency.FOUR_WEEKLY: 28}
_MONTHS_APART = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.ANNUAL: 12}


def last_slot(frequency: Frequency) -> int | None:
    """The last slot of a schedule, or None for a schedule that runs until the agreement ends."""
    return 1 if frequency == Frequency.ONE_OFF else None


def add_months(start: date, months: int) -> date:
    """The same day of the month ``months`` later, clamped to the end of a shorter month."""
    index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(index, 12)
    month = month0 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def due_date(start: date, frequency: Frequency, slot: int) -> date:
    """The date on which payment slot ``slot`` (counted from 1) falls due."""
    if slot < 1:
        raise ValueError(f"payment slots are counted from 1, not {slot}")
    frequency = Frequency(frequency)
    if frequency == Frequency.ONE_OFF:
        if slot != 1:
            raise ValueError("a one-off payment has only slot 1")
        return start
    if frequency in _DAYS_APART:
        return start + timedelta(days=_DAYS_APART[frequency] * (slot - 1))
    return add_months(start, _MONTHS_APART[frequency] * (slot - 1))


def due_at(start: date, frequency: Frequency, slot: int) -> datetime:
    """The instant slot ``slot`` falls due: 09:00 UTC on its due date."""
    return datetime.combine(due_date(start, frequency, slot), DUE_TIME)


def slots_due_before(start: date, frequency: Frequency, day: date) -> int:
    """How many slots of a schedule fell due on a date before ``day``: the arrears of an agreement
    made on ``day`` with a back-dated start (0 when it starts today or later). A slot due on the
    day itself is paid as usual."""
    last = last_slot(frequency)
    count = 0
    while (last is None or count < last) and due_date(start, frequency, count + 1) < day:
        count += 1
    return count
