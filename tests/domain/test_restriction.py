"""Restricting a case to named staff: restricted, its staff changed, lifted, each with a reason
and each a recorded event; the manager restricting it stays named."""

from __future__ import annotations

import pytest

from domain.application import CaseRecord
from domain.errors import InvalidInput, RuleViolation
from domain.need_to_know import access_of
from tests.builders import Scenario


def test_a_case_is_restricted_its_staff_changed_and_the_restriction_lifted(record: CaseRecord):
    s = Scenario()
    record.handle(s.referral())
    restricted = record.handle(s.restrict(["tm-morgan", "sw-ayesha", "sw-ayesha"]))
    [event] = restricted.events
    assert event.type == "CaseRestricted"
    state = record.get_case(s.case_id).state
    assert state.restriction is not None
    assert (state.restriction.staff_ids, state.restriction.restricted_by) == (["sw-ayesha", "tm-morgan"], "tm-morgan")
    assert access_of(state).restricted_to == ("sw-ayesha", "tm-morgan")

    changed = record.handle(s.change_restriction(["tm-morgan", "sw-ben"]))
    assert [e.type for e in changed.events] == ["CaseRestrictionChanged"]
    assert record.get_case(s.case_id).state.restriction.staff_ids == ["sw-ben", "tm-morgan"]  # type: ignore[union-attr]

    lifted = record.handle(s.lift_restriction())
    assert [e.type for e in lifted.events] == ["CaseRestrictionLifted"]
    state = record.get_case(s.case_id).state
    assert state.restriction is None and not access_of(state).restricted
    timeline = [e.__class__.__name__ for e in record.stored_events(s.case_id)]
    assert timeline[-3:] == ["CaseRestricted", "CaseRestrictionChanged", "CaseRestrictionLifted"]


def test_a_restriction_is_refused_twice_and_nothing_is_lifted_that_was_never_restricted(record: CaseRecord):
    s = Scenario()
    record.handle(s.referral())
    with pytest.raises(RuleViolation) as nothing:
        record.handle(s.lift_restriction())
    assert nothing.value.code == "case_not_restricted"
    with pytest.raises(RuleViolation) as no_change:
        record.handle(s.change_restriction(["tm-morgan"]))
    assert no_change.value.code == "case_not_restricted"
    record.handle(s.restrict())
    with pytest.raises(RuleViolation) as twice:
        record.handle(s.restrict())
    assert twice.value.code == "case_already_restricted"


def test_the_manager_restricting_a_case_must_stay_among_the_staff_named(record: CaseRecord):
    s = Scenario()
    record.handle(s.referral())
    with pytest.raises(InvalidInput) as unnamed:
        record.handle(s.restrict(["sw-ayesha"]))
    assert (unnamed.value.code, unnamed.value.field) == ("restricting_manager_not_named", "staff_ids")
    assert record.get_case(s.case_id).version == 1  # nothing written
    record.handle(s.restrict())
    with pytest.raises(InvalidInput):
        record.handle(s.change_restriction(["sw-ben"]))
