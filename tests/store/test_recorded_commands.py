"""The commands a case has recorded are kept beside its events, written in the same transaction,
not in the case's state (decision 0046): a repeat is found by one read, the state stops growing
with every command, a store written before the table is filled by migration 3, and a case snapshot
or workflow mirror handed on with the commands inside its state is still read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from config.schema import SCHEMA_TABLE, schema_status, upgrade
from domain.application import CaseRecord
from domain.case.aggregate import Case, CaseSnapshot
from domain.errors import RuleViolation
from eventstore.commands import COMMANDS_TABLE
from projections.store import view_store_from_env
from tests.builders import Scenario
from workflows.case_mirror import CaseMirror, freeze
from workflows.messages import StoredEventData


def _commands_table(store_env: dict[str, str]) -> str:
    return COMMANDS_TABLE if store_env["PERSISTENCE_MODULE"] == "eventstore.sqlite" else "carecase_events_case_commands"


def _rows(store_env: dict[str, str]) -> list[tuple[str, str, str, str, int, int]]:
    views = view_store_from_env(store_env)
    try:
        with views.read() as cursor:
            found = cursor.execute(f"SELECT * FROM {_commands_table(store_env)}").fetchall()
    finally:
        views.close()
    return sorted((str(r[0]).replace("-", ""), r[1], r[2], r[3], int(r[4]), int(r[5])) for r in found)


def test_each_command_is_kept_once_with_its_versions_and_a_repeat_is_found_by_a_new_record(
    record: CaseRecord, store_env: dict[str, str], catalogue, clock
) -> None:
    s = Scenario()
    referral = s.referral()
    opened = record.handle(referral)
    allocated = record.handle(s.allocate("sw-ayesha"))
    found = record.recorded_command(s.case_id, referral.command_id)
    assert found is not None
    assert (found.name, found.digest) == ("ReceiveReferral", referral.digest())
    assert (found.first_version, found.last_version) == (opened.events[0].version, opened.events[-1].version)
    assert record.holds_command(s.case_id, allocated.command_id)
    assert not record.holds_command(s.case_id, "never-sent")
    # The case's state holds no command ids: it does not grow with every command.
    assert "processed_commands" not in record.get_case(s.case_id).state.model_dump()

    # A record with nothing remembered (another process) answers the repeat from the table.
    other = CaseRecord(store_env, rule_sets=catalogue, clock=clock)
    try:
        repeat = other.handle(referral)
        assert repeat.duplicate and [e.version for e in repeat.events] == [e.version for e in opened.events]
        with pytest.raises(RuleViolation) as refused:
            other.handle(s.allocate("sw-ben").model_copy(update={"command_id": allocated.command_id}))
        assert refused.value.code == "command_id_reused"
    finally:
        other.close()
    assert record.get_case(s.case_id).version == allocated.events[-1].version


def test_migration_3_fills_the_table_from_the_events_of_a_store_written_before_it(
    record: CaseRecord, store_env: dict[str, str]
) -> None:
    s = Scenario()
    for command in (s.referral(), s.allocate("sw-ayesha"), s.allocate("sw-ben", team="west-locality", reason="x")):
        record.handle(command)
    before = _rows(store_env)
    assert len(before) == 3
    views = view_store_from_env(store_env)
    try:
        upgrade(views, by="system:first-start")  # the record opened straight on the store recorded no versions
        # The store as a release before migration 3 left it: no table of commands, the version unrecorded.
        with views.transaction() as cursor:
            cursor.execute(f"DROP TABLE {_commands_table(store_env)}")
            cursor.execute(f"DELETE FROM {SCHEMA_TABLE} WHERE version = 3")
        assert schema_status(views).pending == [3]
        assert upgrade(views, by="admin-1") == [3]
        assert schema_status(views).current
    finally:
        views.close()
    assert _rows(store_env) == before


def test_an_empty_table_beside_older_events_is_filled_by_the_upgrade(
    record: CaseRecord, store_env: dict[str, str]
) -> None:
    """A case record opened on the store before its upgrade makes the table, empty: the store is
    still behind, and the upgrade fills it."""
    s = Scenario()
    record.handle(s.referral())
    before = _rows(store_env)
    views = view_store_from_env(store_env)
    try:
        upgrade(views, by="system:first-start")
        with views.transaction() as cursor:
            cursor.execute(f"DELETE FROM {_commands_table(store_env)}")
            cursor.execute(f"DELETE FROM {SCHEMA_TABLE} WHERE version = 3")
        assert schema_status(views).pending == [3]
        assert upgrade(views, by="admin-1") == [3]
    finally:
        views.close()
    assert _rows(store_env) == before


def _with_commands_in_state(frozen: StoredEventData, held: dict[str, dict[str, object]]) -> StoredEventData:
    state = dict(frozen.state)
    state["state"] = {**state["state"], "case": {**state["state"]["case"], "processed_commands": held}}
    return frozen.model_copy(update={"state": state})


@pytest.mark.sqlite
def test_a_snapshot_or_mirror_from_before_holds_its_commands_in_the_state_and_is_still_read(
    record: CaseRecord,
) -> None:
    s = Scenario()
    referral = s.referral()
    record.handle(referral)
    case = record.get_case(s.case_id)
    older = _with_commands_in_state(
        freeze(case), {referral.command_id: {"name": "ReceiveReferral", "digest": referral.digest(), "versions": [1]}}
    )
    # The store's snapshot form, read back: the commands are dropped from the state.
    snapshot = CaseSnapshot(
        originator_id=case.id,
        originator_version=case.version,
        timestamp=datetime.now(UTC),
        topic=older.state["topic"],
        state=older.state["state"],
    )
    assert isinstance(snapshot.mutate(None), Case)
    # A mirror handed on so keeps its commands' digests: a repeat with other content is refused.
    mirror = CaseMirror(s.case_id.hex, older)
    assert mirror.commands == {referral.command_id: referral.digest()}
    with pytest.raises(RuleViolation) as refused:
        mirror.dry_run(
            s.allocate("sw-ben").model_copy(update={"command_id": referral.command_id}),
            datetime.now(UTC),
            record.services.council,
            None,
        )
    assert refused.value.code == "command_id_reused"
