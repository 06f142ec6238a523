"""As-of reconstruction: the case as the record knew it at any past instant.

Story: a long case (over 500 events: a direct payment paid for years) is asked about instants
between its events; each answer must equal a replay of exactly the events recorded before then.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from domain.application import CaseRecord
from tests.builders import Scenario

SLOTS = 250  # two events a slot (scheduled, issued) on top of the passage to sign-off


def _long_case(record: CaseRecord) -> Scenario:
    story = Scenario()
    for command in story.up_to_planning():
        record.handle(command)
    for command in (
        story.draft(),
        story.draft("carer-1"),
        story.submit(),
        story.submit("carer-1"),
        story.sign_off(),
        story.sign_off("carer-1"),
        story.agreement(),
    ):
        record.handle(command)
    for slot in range(1, SLOTS + 1):
        record.handle(story.schedule_payment(slot))
        record.handle(story.issue_payment(slot))
    return story


def _replay(events: list, n: int) -> dict:
    """The state after exactly the first ``n`` events, folded by hand without snapshots."""
    case = None
    for event in events[:n]:
        case = event.mutate(case)
    assert case is not None
    return case.state.model_dump(mode="json")


def test_state_as_of_any_instant_equals_replay_of_the_events_before_it(record: CaseRecord) -> None:
    story = _long_case(record)
    events = record.stored_events(story.case_id)
    assert len(events) >= 500

    rng = random.Random(500)
    chosen = sorted({1, 99, 100, 101, len(events) - 1, *rng.sample(range(1, len(events)), 25)})
    for n in chosen:
        between = events[n - 1].timestamp + (events[n].timestamp - events[n - 1].timestamp) / 2
        as_of = record.case_as_of(story.case_id, between)
        assert as_of is not None and as_of.version == n
        assert as_of.state.model_dump(mode="json") == _replay(events, n), f"as of between events {n} and {n + 1}"


def test_as_of_at_an_events_own_instant_includes_it_and_before_the_case_is_nothing(record: CaseRecord) -> None:
    story = Scenario()
    for command in story.up_to_gate():
        record.handle(command)
    events = record.stored_events(story.case_id)
    assert record.case_as_of(story.case_id, events[0].timestamp - timedelta(microseconds=1)) is None
    third = record.case_as_of(story.case_id, events[2].timestamp)
    assert third is not None and third.version == 3
    latest = record.case_as_of(story.case_id, events[-1].timestamp + timedelta(days=365))
    assert latest is not None and latest.version == len(events)


def test_an_instant_without_a_time_zone_is_refused(record: CaseRecord) -> None:
    from datetime import datetime

    from domain.errors import InvalidInput

    story = Scenario()
    record.handle(story.referral())
    with pytest.raises(InvalidInput) as refused:
        record.case_as_of(story.case_id, datetime(2026, 1, 5, 9, 0))
    assert refused.value.field == "as_of"
