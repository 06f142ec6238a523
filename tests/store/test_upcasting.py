"""Schema evolution: an event recorded by an older release is read by today's code, unchanged in
the store.

Story: release 1 recorded ``CarerIdentified`` without the ``young_carer`` flag (class version 1).
Today's class is version 2 and works the flag out on reading, from the date of birth and the day
the event was recorded. The stored bytes, and so the hash chain, stay as they were.
"""

from __future__ import annotations

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain.application import CaseRecord
from domain.canonical import canonical_json, chain_hash
from domain.case.aggregate import Case
from eventstore.mapper import IndexedStoredEvent
from tests.builders import Scenario


def _append_v1_carer(record: CaseRecord, story: Scenario, carer_id: str, born: str) -> None:
    case = record.get_case(story.case_id)
    version = case.version + 1
    recorded_at = case.state.last_recorded_at.isoformat().replace("+00:00", "Z")
    state = {  # exactly what release 1 wrote: no young_carer, no class_version key
        "timestamp": recorded_at,
        "command_id": f"v1-{carer_id}",
        "command_name": "IdentifyCarer",
        "actor": {"user_id": "sw-legacy", "role": "social_worker"},
        "effective_at": None,
        "carer_id": carer_id,
        "name": "Legacy Carer",
        "date_of_birth": born,
        "relationship_to_adult": "grandchild",
        "lives_with_adult": True,
    }
    topic = get_topic(Case.CarerIdentified)
    state["chain_hash"] = chain_hash(case.state.chain_head, topic, story.case_id.hex, version, state)
    record.recorder.insert_events(
        [
            IndexedStoredEvent(
                originator_id=story.case_id,
                originator_version=version,
                topic=topic,
                state=canonical_json(state),
                recorded_at=case.state.last_recorded_at,
                chain_hash=state["chain_hash"],
            )
        ]
    )


def test_a_version_1_carer_event_is_upcast_on_reading(record: CaseRecord) -> None:
    story = Scenario()
    record.handle(story.referral())
    # 1 June 2010 is 15 years and 7 months before the day the record was made (5 January 2026).
    _append_v1_carer(record, story, "carer-young", born="2010-06-01")

    stored: StoredEvent = record.recorder.select_events(story.case_id)[-1]
    assert b"young_carer" not in stored.state and b"class_version" not in stored.state

    event = record.stored_events(story.case_id)[-1]
    assert type(event).__name__ == "CarerIdentified" and event.young_carer is True
    assert record.get_case(story.case_id).state.people["carer-young"].young_carer is True
    assert record.verify_chain(story.case_id).intact


def test_new_events_are_written_at_the_current_version(record: CaseRecord) -> None:
    story = Scenario()
    record.handle(story.referral())
    record.handle(story.identify_carer())
    stored = record.recorder.select_events(story.case_id)[1]
    assert Case.CarerIdentified.class_version == 2
    assert b'"class_version":2' in stored.state
