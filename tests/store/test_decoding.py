"""Reading stored events back: one pass from the bytes for a plain case event, the dict path for
the rest, and one read of the keys per batch; each reads exactly what the dict path always read
(decision 0048). Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent
from eventsourcing.utils import get_topic

from domain.application import CaseRecord
from domain.canonical import canonical_json, stored_state
from domain.case.aggregate import Case
from domain.personal_data import ERASED
from eventstore.mapper import event_from_state
from eventstore.person_keys import HeldKeys
from simulation.caseload import generate_caseload, load
from tests.builders import Scenario
from tests.clock import SteppingClock
from tests.store.test_crypto_shredding import ADULT_NAME, record_case
from tests.store.test_upcasting import _append_v1_carer


def as_the_dict_path_reads_it(record: CaseRecord, stored: StoredEvent) -> object:
    mapper = record.mapper
    return event_from_state(
        stored.topic, stored.originator_id, stored.originator_version, mapper.decode_state(stored), mapper.sealer
    )


def test_every_event_reads_as_the_dict_path_reads_it(record: CaseRecord, clock: SteppingClock) -> None:
    clock.now = datetime(2026, 6, 1, tzinfo=UTC)  # after the generated period, as in tests/store/test_caseload_loads
    load(record, generate_caseload(12, 20240401))
    sealed = Scenario()
    record_case(record, sealed)  # personal values sealed, then erased
    record.erase_personal_data(sealed.case_id, as_of=clock.now + timedelta(days=3650), retention_days=0)
    older = Scenario()
    record.handle(older.referral())
    _append_v1_carer(record, older, "carer-old", born="1950-02-01")  # upcast on reading

    mapper, paths = record.mapper, {"bytes": 0, "dict": 0}
    start = 1
    while page := record.notifications(start=start, limit=97):
        keys = mapper.keys_for(page)
        for stored in page:
            expected = as_the_dict_path_reads_it(record, stored)
            for read in (mapper.to_domain_event(stored), mapper.to_domain_event(stored, keys)):
                assert type(read) is type(expected) and read == expected
                assert stored_state(read) == stored_state(expected)
                assert type(read.originator_id) is type(expected.originator_id)
            paths["bytes" if mapper._validated_from_bytes(stored) is not None else "dict"] += 1
        start = page[-1].id + 1
    assert paths["bytes"] > paths["dict"] > 0
    erased = record.get_case(sealed.case_id).state.people
    assert ADULT_NAME not in repr(erased) and ERASED in repr(erased)


def test_a_value_of_the_wrong_kind_is_refused_as_it_always_was(record: CaseRecord) -> None:
    s = Scenario()
    record.handle(s.referral())
    [stored] = record.recorder.select_events(s.case_id)
    state = record.mapper.decode_state(stored)
    altered = {**state, "command_id": 42}
    bad = StoredEvent(stored.originator_id, stored.originator_version, stored.topic, canonical_json(altered))
    with pytest.raises(MapperDeserialisationError, match="does not fit its class"):
        record.mapper.to_domain_event(bad)
    damaged = StoredEvent(stored.originator_id, stored.originator_version, stored.topic, b'{"command_id": ')
    with pytest.raises(MapperDeserialisationError, match="cannot read stored event"):
        record.mapper.to_domain_event(damaged)


def test_a_state_that_names_the_envelope_gets_the_stores_own(record: CaseRecord) -> None:
    s = Scenario()
    record.handle(s.referral())
    record.handle(s.screen())
    stored = record.recorder.select_events(s.case_id)[-1]
    other = Scenario().case_id
    state = {**record.mapper.decode_state(stored), "originator_id": other.hex, "originator_version": 99}
    named = StoredEvent(stored.originator_id, stored.originator_version, stored.topic, canonical_json(state))
    assert record.mapper._validated_from_bytes(named) is None  # the dict path, which sets the envelope
    event = record.mapper.to_domain_event(named)
    assert (event.originator_id, event.originator_version) == (s.case_id, stored.originator_version)


def test_held_keys_open_a_batch_with_one_read_and_read_erased_once_destroyed(
    record: CaseRecord, clock: SteppingClock
) -> None:
    s = Scenario()
    record_case(record, s)
    page = record.notifications(start=1, limit=1000)
    keys = record.mapper.keys_for(page)
    assert isinstance(keys, HeldKeys)
    referral = next(n for n in page if n.topic == get_topic(Case.ReferralReceived))
    assert record.mapper.to_domain_event(referral, keys).adult_name == ADULT_NAME

    record.erase_personal_data(s.case_id, as_of=clock.now + timedelta(days=3650), retention_days=0)
    # A batch read after the keys are destroyed reads the values as erased, like the table does.
    after = record.mapper.keys_for(record.notifications(start=1, limit=1000))
    assert record.mapper.to_domain_event(referral, after).adult_name == ERASED
    assert record.mapper.to_domain_event(referral).adult_name == ERASED
    with pytest.raises(TypeError):
        after.seal(s.case_id.hex, "adult", "context", b"x")  # type: ignore[union-attr]
