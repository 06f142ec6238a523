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
    the later ones are counted from it at ``frequency``. ``first_payment_pence``, when set, is what
    the first slot pays instead of the amount per payment: a slot pro-rated across a variation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    first_slot: int = Field(ge=1)
    start_date: date
    frequency: Frequency
    amount_per_payment_pence: int = Field(gt=0)
    first_payment_pence: int | None = Field(default=None, gt=0)


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
    segment = segment_of(segments, slot)
    if slot == segment.first_slot and segment.first_payment_pence is not None:
        return segment.first_payment_pence
    return segment.amount_per_payment_pence


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


# Pro-rating across a variation ------------------------------------------------------------------
#
# A slot pays in advance for the days from its due date to the next slot's. A from-date between two
# slots splits the period of the slot before it (the *straddling* slot): its days before the
# from-date are paid on the old terms and its days from it on the new, whose first slot falls due
# on the from-date itself. The old terms' share of the period is
#
#     share = amount x days before the from-date / days in the period, rounded half up to the penny
#
# and the rest of the amount (amount - share, never rounded again) is the old terms' share of the
# days from the from-date. So the period pays exactly ``share`` on the old terms, to the penny,
# whichever way it is settled:
# - the straddling slot not yet paid (nor scheduled, nor owed): it pays ``share`` alone;
# - already paid in advance: the new terms' first payment is their amount less the rest, which
#   the person already holds. Where that would leave nothing to pay, the variation is refused
#   (``pro_rated_payment_must_be_positive``): a from-date at the end of the period paid for
#   straddles nothing.
# A one-off payment has no period and is never pro-rated.


class Straddle(BaseModel):
    """The slot whose period a from-date splits: its due date, the end of its period (the next
    slot's due date), what it pays, and the old terms' share of the days before the from-date."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slot: int
    due_on: date
    period_ends_on: date
    amount_pence: int
    days_before: int
    days_in_period: int

    @property
    def share_pence(self) -> int:
        """The old terms' share of the period: its days before the from-date, rounded half up."""
        return (2 * self.amount_pence * self.days_before + self.days_in_period) // (2 * self.days_in_period)

    @property
    def rest_pence(self) -> int:
        """The old terms' share of the days from the from-date: the amount less the share."""
        return self.amount_pence - self.share_pence


def straddled_slot(segments: Sequence[ScheduleSegment], from_date: date, first: int) -> Straddle | None:
    """The slot before ``first`` (where new terms take over) when ``from_date`` falls inside its
    period, or None (no slot before, a from-date on a due date, a one-off payment)."""
    slot = first - 1
    if slot < 1:
        return None
    last = schedule_last_slot(segments)
    if last is not None and slot >= last:
        return None
    due_on, ends_on = segment_due_date(segments, slot), segment_due_date(segments, slot + 1)
    if not due_on < from_date < ends_on:
        return None
    return Straddle(
        slot=slot,
        due_on=due_on,
        period_ends_on=ends_on,
        amount_pence=segment_amount(segments, slot),
        days_before=(from_date - due_on).days,
        days_in_period=(ends_on - due_on).days,
    )


def first_varied_slot(segments: Sequence[ScheduleSegment], from_date: date, after_slot: int = 0) -> int:
    """The slot new terms from ``from_date`` take over at: never one at or before ``after_slot``."""
    return max(first_slot_on_or_after(segments, from_date), after_slot + 1)


def new_terms_first_payment(straddle: Straddle | None, amount_pence: int, after_slot: int) -> int | None:
    """What the new terms' first slot pays when it is not their amount: their amount less what the
    straddling slot, paid in advance (at or before ``after_slot``), already paid for the days from
    the from-date. May be nothing or less (then the variation is refused)."""
    if straddle is None or straddle.slot > after_slot:
        return None
    return amount_pence - straddle.rest_pence


def varied(
    segments: Sequence[ScheduleSegment],
    from_date: date,
    frequency: Frequency,
    amount_pence: int,
    *,
    after_slot: int = 0,
    pro_rate: bool = True,
) -> list[ScheduleSegment]:
    """The schedule with new terms from ``from_date``: the segments before the slot where they
    take over, then the new one (a segment that would only have begun later is replaced), the
    straddling slot pro-rated as above (``pro_rate`` False: as variations recorded before were).
    The new terms never take over a slot at or before ``after_slot`` (the last slot already held)."""
    first = first_varied_slot(segments, from_date, after_slot)
    straddle = straddled_slot(segments, from_date, first) if pro_rate else None
    kept = [s for s in segments if s.first_slot < first]
    if straddle is not None and straddle.slot > after_slot:
        # Not yet paid: the straddling slot pays its days before the from-date alone, as a segment
        # of one slot on the terms it falls due under.
        terms = segment_of(segments, straddle.slot)
        kept = [s for s in kept if s.first_slot < straddle.slot]
        kept.append(
            ScheduleSegment(
                first_slot=straddle.slot,
                start_date=straddle.due_on,
                frequency=terms.frequency,
                amount_per_payment_pence=terms.amount_per_payment_pence,
                first_payment_pence=straddle.share_pence,
            )
        )
    return [
        *kept,
        ScheduleSegment(
            first_slot=first,
            start_date=from_date,
            frequency=frequency,
            amount_per_payment_pence=amount_pence,
            first_payment_pence=new_terms_first_payment(straddle, amount_pence, after_slot),
        ),
    ]
