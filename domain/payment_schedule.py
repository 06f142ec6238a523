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
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, Field

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


# A schedule across variations -----------------------------------------------------------------
#
# A varied agreement's schedule is a list of segments, each the terms in force from its first slot
# on. Slot numbers run on across a variation: the new terms take over at the first slot of the old
# terms that would have fallen due on or after the variation's from-date, and that slot is the new
# terms' first payment, due on the from-date itself. Every slot before it keeps its due date and
# amount for ever, so a slot number names the same payment whichever terms are now in force.


class ScheduleSegment(BaseModel):
    """The terms in force from slot ``first_slot`` on: that slot falls due on ``start_date`` and
    the later ones are counted from it at ``frequency``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    first_slot: int = Field(ge=1)
    start_date: date
    frequency: Frequency
    amount_per_payment_pence: int = Field(gt=0)


def segment_of(segments: Sequence[ScheduleSegment], slot: int) -> ScheduleSegment:
    """The segment whose terms slot ``slot`` is paid under."""
    if slot < 1:
        raise ValueError(f"payment slots are counted from 1, not {slot}")
    found = segments[0]
    for segment in segments[1:]:
        if segment.first_slot > slot:
            break
        found = segment
    return found


def segment_due_date(segments: Sequence[ScheduleSegment], slot: int) -> date:
    segment = segment_of(segments, slot)
    return due_date(segment.start_date, segment.frequency, slot - segment.first_slot + 1)


def segment_due_at(segments: Sequence[ScheduleSegment], slot: int) -> datetime:
    return datetime.combine(segment_due_date(segments, slot), DUE_TIME)


def segment_amount(segments: Sequence[ScheduleSegment], slot: int) -> int:
    return segment_of(segments, slot).amount_per_payment_pence


def schedule_last_slot(segments: Sequence[ScheduleSegment]) -> int | None:
    """The last slot of the whole schedule (its last segment's), or None while it runs on."""
    last = segments[-1]
    own = last_slot(last.frequency)
    return None if own is None else last.first_slot + own - 1


def first_slot_on_or_after(segments: Sequence[ScheduleSegment], day: date) -> int:
    """The first slot of the schedule that falls due on ``day`` or later (one past the last slot
    when every slot falls due before it): where terms varied from ``day`` take over."""
    for index, segment in enumerate(segments):
        candidate = segment.first_slot + slots_due_before(segment.start_date, segment.frequency, day)
        following = segments[index + 1].first_slot if index + 1 < len(segments) else None
        if following is None or candidate < following:
            return candidate
    raise AssertionError("unreachable: the last segment always answers")


def varied(
    segments: Sequence[ScheduleSegment],
    from_date: date,
    frequency: Frequency,
    amount_pence: int,
    *,
    after_slot: int = 0,
) -> list[ScheduleSegment]:
    """The schedule with new terms from ``from_date``: the segments before the slot where they
    take over, then the new one (a segment that would only have begun later is replaced). The new
    terms never take over a slot at or before ``after_slot`` (the last slot already held)."""
    first = max(first_slot_on_or_after(segments, from_date), after_slot + 1)
    kept = [s for s in segments if s.first_slot < first]
    return [
        *kept,
        ScheduleSegment(
            first_slot=first, start_date=from_date, frequency=frequency, amount_per_payment_pence=amount_pence
        ),
    ]
