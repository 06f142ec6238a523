"""A stage's service-level clock runs from when its step took effect, not from when it was recorded
(decision 0035): a migrated or late-entered case is overdue the moment it is recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.application import CaseRecord
from domain.case.process import overdue
from domain.service_levels import ServiceLevels
from domain.vocabulary import Stage
from policy.council_configuration import publish
from tests.builders import Scenario
from tests.clock import SteppingClock
from tests.domain.story import given, state

ONE_DAY = ServiceLevels(stage_limits={Stage.ASSESSMENT: timedelta(days=1)})


def test_a_referral_back_dated_40_days_is_overdue_as_soon_as_it_is_recorded(record: CaseRecord, clock: SteppingClock):
    s = Scenario()
    referred = clock.now - timedelta(days=40)
    screened = referred + timedelta(hours=3)
    given(record, s.referral(effective_at=referred), s.screen(effective_at=screened))

    case = state(record, s.case_id)
    assert case.stage == Stage.ASSESSMENT
    assert case.stage_clock_started_at == screened
    assert case.stage_entered_at > clock.now - timedelta(minutes=10)  # the record moved on just now
    assert ONE_DAY.stage_due_at(case) == screened + timedelta(days=1)
    [deadline] = [d for d in ONE_DAY.deadlines(case) if d.what == "assessment"]
    assert deadline.since == screened
    # The process flags it overdue at once, with the clock it ran on.
    [flag] = overdue(case, ONE_DAY, clock.now)
    assert flag.fields == {"stage": "assessment", "due_at": screened + timedelta(days=1)}


def test_a_step_recorded_without_an_effective_time_starts_its_clock_when_recorded(
    record: CaseRecord, clock: SteppingClock
):
    s = Scenario()
    given(record, s.referral(effective_at=clock.now - timedelta(days=40)))
    given(record, s.screen())

    case = state(record, s.case_id)
    assert case.stage_clock_started_at == case.stage_entered_at
    assert ONE_DAY.stage_due_at(case) == case.stage_entered_at + timedelta(days=1)


def test_screening_runs_from_the_referrals_effective_time_and_the_recorded_clock_is_kept_for_old_histories(
    record: CaseRecord, clock: SteppingClock
):
    s = Scenario()
    referred = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)  # a Monday, five weeks before the clock
    given(record, s.referral(effective_at=referred))

    case = state(record, s.case_id)
    assert ServiceLevels().stage_due_at(case) == datetime(2025, 12, 3, 9, 0, tzinfo=UTC)  # 2 working days
    recorded = ServiceLevels(stage_clock="recorded")
    assert recorded.stage_due_at(case) == datetime(2026, 1, 7, 9, 0, tzinfo=UTC)


def test_a_stage_clock_never_starts_before_the_stage_it_follows_began(record: CaseRecord, clock: SteppingClock):
    s = Scenario()
    referred = clock.now - timedelta(days=10)
    screened = referred + timedelta(days=5)
    given(record, s.referral(effective_at=referred), s.screen(effective_at=screened), s.start_adult())
    # The assessment is said to have ended before the screening that began it took effect.
    given(record, s.complete_adult(effective_at=referred + timedelta(days=1)))

    case = state(record, s.case_id)
    assert case.stage == Stage.ELIGIBILITY
    assert case.stage_clock_started_at == screened


class TestAReferralOnTheFridayBeforeTheAugustBankHoliday:
    @pytest.fixture
    def clock(self) -> SteppingClock:
        return SteppingClock(datetime(2026, 8, 28, 10, 0, tzinfo=UTC))

    def test_screening_is_due_on_the_wednesday_the_bank_holiday_not_counted(self, record: CaseRecord):
        s = Scenario()
        given(record, s.referral())
        levels = publish({}, file=None).service_levels  # the published defaults: England and Wales bank holidays

        [deadline] = levels.deadlines(state(record, s.case_id))

        assert (deadline.what, deadline.due_at) == ("screening", datetime(2026, 9, 2, 10, 0, tzinfo=UTC))
        assert ServiceLevels().deadlines(state(record, s.case_id))[0].due_at == datetime(2026, 9, 1, 10, 0, tzinfo=UTC)
