"""The case record reads its store through one contract (``eventstore.contract.CaseStore``), which
both recorders fulfil; a store without the as-of index, the case list and the payment outbox is
refused when the record starts, not found out at the first audit."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from domain.application import CaseRecord
from domain.personal_data import WITHHELD
from eventstore.contract import CaseStore
from policy.catalogue import RuleSetCatalogue
from tests.builders import Scenario
from tests.rule_sets import TEST_COUNCILS


def test_both_recorders_fulfil_the_contract(record: CaseRecord) -> None:
    assert isinstance(record.recorder, CaseStore)
    s = Scenario()
    assert not record.has_case(s.case_id)
    assert record.last_position() == 0
    outcome = record.handle(s.referral())
    assert record.has_case(s.case_id)
    assert record.case_ids() == [s.case_id]
    assert record.last_position() == outcome.last_notification_id
    assert [n.originator_id for n in record.notifications(start=1, limit=10)] == [s.case_id] * len(outcome.events)
    assert [r.originator_version for r in record.stored_records(s.case_id)] == [e.version for e in outcome.events]
    assert [r.chain_hash for r in record.index_rows(s.case_id)] == [e.chain_hash for e in outcome.events]
    assert record.payment_instructions() == []
    other = record.handle(Scenario().referral())
    both = record.recorder.select_events_of_cases([s.case_id, other.case_id, uuid.uuid4()])
    assert sorted((r.originator_id, r.originator_version) for r in both) == sorted(
        [(s.case_id, e.version) for e in outcome.events] + [(other.case_id, e.version) for e in other.events]
    )
    # Read for figures: every case in one query, no personal value opened.
    read = list(record.cases_for_figures([s.case_id, other.case_id]))
    assert {case.id for case in read} == {s.case_id, other.case_id}
    assert {case.state.adult.name for case in read} == {WITHHELD} != {record.get_case(s.case_id).state.adult.name}


def test_a_store_without_the_contract_is_refused(tmp_path: Path) -> None:
    bare = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "bare.sqlite")}
    with pytest.raises(TypeError, match=r"eventstore\.sqlite or eventstore\.postgres"):
        CaseRecord(bare, rule_sets=RuleSetCatalogue(TEST_COUNCILS))
