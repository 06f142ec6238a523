"""The record keeps recently saved cases in memory; it must never answer from a stale or a
half-changed copy."""

from __future__ import annotations

import pytest

from domain.application import CaseRecord
from domain.errors import RuleViolation
from policy.catalogue import RuleSetCatalogue
from tests.builders import Scenario
from tests.rule_sets import TEST_COUNCILS


def test_a_case_written_by_another_record_is_brought_up_to_date(record: CaseRecord, store_env: dict[str, str]):
    s = Scenario()
    record.handle(s.referral())
    record.handle(s.screen())
    other = CaseRecord(store_env, rule_sets=RuleSetCatalogue(TEST_COUNCILS))
    try:
        other.handle(s.identify_carer())
    finally:
        other.close()
    state = record.get_case(s.case_id).state  # remembered at version 2; the store is at 3 or more
    assert "carer-1" in state.people
    record.handle(s.start_adult())  # and the next command builds on the carer being there
    assert record.get_case(s.case_id).version == len(record.stored_events(s.case_id))


def test_a_refused_command_leaves_the_remembered_case_as_it_was(record: CaseRecord):
    s = Scenario()
    record.handle(s.referral())
    record.handle(s.screen())
    before = record.get_case(s.case_id).state.model_dump()
    with pytest.raises(RuleViolation):
        record.handle(s.draft())  # the adult is not assessed: refused
    assert record.get_case(s.case_id).state.model_dump() == before
    case = record.get_case(s.case_id)
    case.state.team = "changed-in-a-copy"
    assert record.get_case(s.case_id).state.team == "east-locality"
