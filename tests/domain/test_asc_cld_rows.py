"""Which of a case's events make rows of the ASC-CLD return (decision 0045): a referral closed
unscreened and an assessment refused are cancelled (no row); a signed-off plan's line is a service
until the case closes, ended with the closure's outcome; a service still running at a period's end
is reported open; a row's Event_Reference is the case and the version it began with."""

from __future__ import annotations

from datetime import date, timedelta

from domain.application import CaseRecord
from domain.returns.asc_cld import EventRow, as_at_period_end, case_rows, in_period, period_ending
from domain.returns.asc_cld_spec import EventType
from tests.builders import Scenario
from tests.clock import SteppingClock
from tests.domain.story import given


def rows_of(record: CaseRecord, s: Scenario) -> list[EventRow]:
    return case_rows(s.case_id.hex, record.stored_events(s.case_id))


def test_a_referral_closed_unscreened_and_an_assessment_refused_make_no_rows(record: CaseRecord):
    unscreened, refused = Scenario(), Scenario()
    given(record, unscreened.referral(), unscreened.close(reason="declined"))
    given(record, refused.referral(), refused.screen(), refused.start_adult(), refused.refuse_adult())

    assert rows_of(record, unscreened) == []
    assert [(r.event_type, r.reference) for r in rows_of(record, refused)] == [
        (EventType.REQUEST, f"{refused.case_id.hex}-1")
    ]


def test_a_signed_off_line_runs_until_the_case_closes_and_is_open_at_an_earlier_period_end(
    record: CaseRecord, clock: SteppingClock
):
    s = Scenario()
    given(record, s.up_to_planning(), s.draft(), s.submit(), s.sign_off())
    signed_off = record.get_case(s.case_id).version
    clock.advance(timedelta(days=70))
    given(record, s.close(reason="needs_met"))

    rows = rows_of(record, s)
    assert [r.event_type for r in rows].count(EventType.ASSESSMENT) == 2  # the adult's and the carer's
    services = [r for r in rows if r.event_type == EventType.SERVICE]
    assert [r.reference for r in services] == [f"{s.case_id.hex}-{signed_off}-1"]
    service = services[0]
    assert (service.start, service.end) == (date(2026, 1, 5), date(2026, 3, 16))
    assert service.values["Event_Outcome"] == "NFA: Support ended as planned"
    assert service.values["Delivery_Mechanism"] == "Direct payment"

    assert not in_period(service, period_ending(date(2025, 12, 31)))  # it started after that period
    assert in_period(service, period_ending(date(2026, 12, 31)))
    assert as_at_period_end(service, period_ending(date(2026, 12, 31))).end == date(2026, 3, 16)
    still_open = as_at_period_end(service, period_ending(date(2026, 1, 31)))
    assert still_open.end is None and "Event_Outcome" not in still_open.values
    assert rows == rows_of(record, s)  # the same rows, and references, on every reading
