"""Who holds a case: allocation, reallocation with a reason, and escalation to a manager."""

from __future__ import annotations

import pytest

from domain.application import CaseRecord
from domain.errors import RuleViolation
from tests.builders import Scenario


def test_a_case_arrives_unallocated_and_is_allocated_then_reallocated_with_the_previous_holder_kept(record: CaseRecord):
    s = Scenario()
    record.handle(s.referral())
    assert record.get_case(s.case_id).state.worker_id is None

    record.handle(s.allocate("sw-ayesha"))
    moved = record.handle(s.allocate("sw-ben", team="west-locality", reason="Ayesha's caseload is full"))

    state = record.get_case(s.case_id).state
    assert (state.worker_id, state.team) == ("sw-ben", "west-locality")
    [event] = moved.events
    assert event.type == "CaseAllocated"
    recorded = record.recorded_command(s.case_id, moved.command_id)
    assert recorded is not None
    assert (recorded.name, recorded.first_version, recorded.last_version) == (
        "AllocateCase",
        event.version,
        event.version,
    )


def test_an_escalation_stays_raised_until_resolved_or_the_case_is_reallocated(record: CaseRecord):
    s = Scenario()
    record.handle(s.referral())
    record.handle(s.escalate())
    escalation = record.get_case(s.case_id).state.escalation
    assert escalation is not None and escalation.escalated_to == "tm-morgan"

    record.handle(s.resolve_escalation())
    assert record.get_case(s.case_id).state.escalation is None
    with pytest.raises(RuleViolation) as refused:
        record.handle(s.resolve_escalation())
    assert refused.value.code == "no_escalation"

    record.handle(s.escalate())
    record.handle(s.allocate("sw-ben"))
    assert record.get_case(s.case_id).state.escalation is None


def test_a_closed_case_cannot_be_allocated(record: CaseRecord):
    s = Scenario()
    record.handle(s.referral())
    record.handle(s.signpost(reasons="signposted"))
    with pytest.raises(RuleViolation) as refused:
        record.handle(s.allocate())
    assert refused.value.code == "case_closed"
