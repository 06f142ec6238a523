"""A rebuild split over processes, each over its own part of the cases, ends with exactly the views
one process builds (decision 0048). Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.application import CaseRecord
from domain.commands import CouncilSettings
from policy.catalogue import RuleSetCatalogue
from projections.base import Projection
from projections.catalogue import all_views
from projections.partitions import part_of
from projections.store import ViewStore
from tests.builders import Scenario
from tests.clock import SteppingClock
from tests.projections.story import a_long_case, a_short_case, interleaved, runner
from tests.rule_sets import TEST_COUNCILS


def open_record_and_views(env: dict[str, str]) -> tuple[CaseRecord, list[Projection]]:
    """What each process of the rebuild opens: the same store, rule sets and views as the test's."""
    return CaseRecord(env, rule_sets=RuleSetCatalogue(TEST_COUNCILS), council=CouncilSettings()), all_views()


def every_table(store: ViewStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every view's tables, and the positions."""
    tables = [table for view in all_views() for table in view.tables]
    found: dict[str, list[tuple[Any, ...]]] = {}
    with store.read() as cursor:
        for table in [*tables, "projection_tracking"]:
            found[table] = sorted(cursor.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
    return found


def case_in(place: int, of: int) -> UUID:
    """A fresh case id whose number is ``place`` modulo ``of``: six cases in places 0 to 5 fill every
    part of a split in two or in three."""
    while True:
        case_id = uuid4()
        if case_id.int % of == place:
            return case_id


def a_caseload(record: CaseRecord, clock: SteppingClock, cases: int = 6) -> list[Scenario]:
    scenarios = [Scenario(case_in(i % 6, 6)) for i in range(cases)]
    stories = [a_long_case(s) if i % 2 == 0 else a_short_case(s) for i, s in enumerate(scenarios)]
    for command in interleaved(*stories):
        record.handle(command)
    return scenarios


@pytest.mark.parametrize("processes", [2, 3])
def test_a_rebuild_in_parts_equals_a_rebuild_in_one_process(
    record: CaseRecord, view_store: ViewStore, store_env: dict[str, str], clock: SteppingClock, processes: int
):
    scenarios = a_caseload(record, clock)
    # A case erased at the end of retention: its timeline is rendered again from the stored events
    # (whose personal values now read as erased) inside the part that holds it.
    erased = scenarios[1]
    record.erase_personal_data(erased.case_id, as_of=clock.now + timedelta(days=1), retention_days=0)
    assert {part_of(s.case_id, processes) for s in scenarios} == set(range(processes))  # every part has cases
    total = record.recorder.max_notification_id()

    views = runner(record, view_store)
    assert views.rebuild(batch=7) == total
    serial = every_table(view_store)

    opener = functools.partial(open_record_and_views, store_env)
    reached: list[tuple[int, int]] = []
    assert views.rebuild(batch=7, processes=processes, opener=opener, progress=lambda *p: reached.append(p)) == total
    assert every_table(view_store) == serial
    assert views.positions() == {view.name: total for view in all_views()}
    assert reached[0] == (total, total)
    assert serial["view_audit_timeline"] and serial["view_people"]


def test_what_is_appended_after_the_parts_start_is_applied_after_they_are_merged(
    record: CaseRecord, view_store: ViewStore, store_env: dict[str, str], clock: SteppingClock
):
    a_caseload(record, clock, cases=3)
    views = runner(record, view_store)
    views.run_until_caught_up()
    before = record.recorder.max_notification_id()

    late = Scenario()
    opened: list[int] = []

    # Where the log ends, as the rebuild reads it before starting the parts; then more is appended.
    original = record.last_position

    def last_position_then_append() -> int:
        position = original()
        opened.append(position)
        for command in a_short_case(late):
            record.handle(command)
        return position

    record.last_position = last_position_then_append  # type: ignore[method-assign]
    try:
        opener = functools.partial(open_record_and_views, store_env)
        read = views.rebuild(batch=5, processes=2, opener=opener)
    finally:
        record.last_position = original  # type: ignore[method-assign]
    total = record.recorder.max_notification_id()
    assert opened == [before] and total > before
    assert read == total
    assert views.positions() == {view.name: total for view in all_views()}
    merged = every_table(view_store)

    views.rebuild(batch=5)
    assert every_table(view_store) == merged


def test_a_rebuild_in_parts_needs_a_way_to_open_the_record(record: CaseRecord, view_store: ViewStore):
    with pytest.raises(ValueError, match="opener"):
        runner(record, view_store).rebuild(processes=2)


def test_the_parts_are_disjoint_and_cover_every_case():
    ids = [UUID(int=n * 7919 + 13) for n in range(200)]
    for parts in (2, 3, 5):
        owners = [[case for case in ids if part_of(case, parts) == part] for part in range(parts)]
        assert sorted(case for owned in owners for case in owned) == sorted(ids)
        assert all(owned for owned in owners)
