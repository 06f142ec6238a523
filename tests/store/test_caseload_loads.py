"""A generated caseload loads into the record on both stores: no refusal, every chain intact."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from domain.application import CaseRecord
from simulation.caseload import generate_caseload, load
from tests.clock import SteppingClock


def test_forty_generated_cases_load_without_a_refusal(record: CaseRecord, clock: SteppingClock):
    # Recorded after the generated period, as a migration of past cases would be: nothing on a
    # case may take effect after it is recorded.
    clock.now = datetime(2026, 6, 1, tzinfo=UTC)
    scripts = list(generate_caseload(40, seed=2026))
    seen = []
    stats = load(record, scripts, progress=lambda s: seen.append(s.cases))

    assert stats.cases == 40 == len(seen)
    assert stats.commands == sum(len(s.commands) for s in scripts)
    assert stats.profiles == Counter(s.profile for s in scripts)
    stored = {case_id: record.stored_events(case_id) for case_id in record.case_ids()}
    assert set(stored) == {s.case_id for s in scripts}
    assert sum(len(events) for events in stored.values()) == stats.events
    for script in scripts:
        report = record.verify_chain(script.case_id)
        assert report.intact, report


def test_adults_who_move_to_another_council_load_without_a_refusal(record: CaseRecord, clock: SteppingClock):
    clock.now = datetime(2026, 6, 1, tzinfo=UTC)
    moving = [s for s in generate_caseload(2000, seed=7) if "NotifyMoveToAnotherCouncil" in s.command_names]
    assert any("ContinueMeetingNeedsAfterMove" in s.command_names for s in moving)
    assert any("EndInvolvement" in s.command_names for s in moving)

    stats = load(record, moving)

    assert (stats.cases, stats.commands) == (len(moving), sum(len(s.commands) for s in moving))
    for script in moving:
        case = record.get_case(script.case_id).state
        if "EndInvolvement" in script.command_names:
            assert case.adult.involvement_end_reason.value == "moved_to_another_council"
            assert case.adult.move.receiving_assessed_on is not None
