"""Publishing a rule set is a recorded act (issue 13, decision 0034): validated, recorded in the
council's hash-chained policy stream naming who and why, in force from its date and not before,
never back-dated, never edited afterwards. On SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from domain.application import CaseRecord
from domain.commands import CouncilSettings
from domain.errors import InvalidInput, RuleViolation
from domain.people import SYSTEM_ACTOR, Actor, Role
from domain.policy import BOOTSTRAP_REASON, CouncilPolicy, policy_stream_id
from policy.catalogue import RuleSetCatalogue
from policy.publishing import publish_shipped_rule_sets
from tests.builders import ADULT, WORKER, Scenario
from tests.clock import SteppingClock
from tests.domain.story import budget_for, given, when
from tests.rule_sets import TEST_COUNCILS

ADMIN = Actor(user_id="admin-ayo", role=Role.ADMIN)
NORTHMOOR = "Northmoor Council"
REASON = "Cabinet decision 2026/14: the price per point rises"


@pytest.fixture
def catalogue(tmp_path: Path) -> RuleSetCatalogue:
    """The tests' councils in a folder of this test's own, so a test may edit a file in it."""
    return RuleSetCatalogue(shutil.copytree(TEST_COUNCILS, tmp_path / "councils"))


@pytest.fixture
def published(record: CaseRecord, catalogue: RuleSetCatalogue) -> RuleSetCatalogue:
    """The record as a process starts it: the shipped rule sets published by the system."""
    publish_shipped_rule_sets(record, catalogue)
    return catalogue


def northmoor(catalogue: RuleSetCatalogue, *, version: str, effective_from: date, price: int = 26_000) -> bytes:
    text = (catalogue.folder / "northmoor" / "ras-2026.1.toml").read_text(encoding="utf-8")
    for old, new in (
        ('version = "2026.1"', f'version = "{version}"'),
        ("effective_from = 2023-04-01", f"effective_from = {effective_from.isoformat()}"),
        ("price_per_point_pence = 25_000", f"price_per_point_pence = {price}"),
    ):
        assert old in text
        text = text.replace(old, new)
    return text.encode("utf-8")


def today(clock: SteppingClock) -> date:
    return clock.now.date()


def budget_version(record: CaseRecord) -> tuple[str, int]:
    s = Scenario()
    given(record, s.up_to_gate(), s.carers_assessed(), s.eligibility())
    when(record, s.budget())
    calculation = budget_for(record, s.case_id, ADULT).calculation
    return calculation.rule_set_version, calculation.indicative_pence


def test_a_version_published_to_take_effect_tomorrow_is_not_used_today_and_one_effective_today_is(
    record: CaseRecord, published: RuleSetCatalogue, clock: SteppingClock
):
    before, indicative = budget_version(record)
    assert before == "2026.1"

    tomorrow = record.publish_rule_set(
        northmoor(published, version="2026.2", effective_from=today(clock) + timedelta(days=1)),
        actor=ADMIN,
        reason=REASON,
    )
    assert not tomorrow.duplicate
    assert published.current("northmoor-ras", on=today(clock)).version == "2026.1"
    assert budget_version(record) == ("2026.1", indicative)
    assert published.current("northmoor-ras", on=today(clock) + timedelta(days=1)).version == "2026.2"

    record.publish_rule_set(
        northmoor(published, version="2026.3", effective_from=today(clock), price=27_500), actor=ADMIN, reason=REASON
    )
    version, repriced = budget_version(record)
    assert version == "2026.3"
    assert repriced == indicative * 27_500 // 25_000


def test_the_publication_is_an_event_naming_the_admin_the_reason_the_date_and_the_hash(
    record: CaseRecord, published: RuleSetCatalogue, clock: SteppingClock
):
    content = northmoor(published, version="2026.2", effective_from=today(clock) + timedelta(days=1))

    outcome = record.publish_rule_set(content, actor=ADMIN, reason=REASON)

    events = record.stored_events(policy_stream_id(NORTHMOOR))
    assert [type(e).__name__ for e in events] == ["PolicyRecordOpened", "RuleSetPublished", "RuleSetPublished"]
    bootstrap, event = events[1], events[2]
    assert (bootstrap.published_by, bootstrap.reason, bootstrap.version) == (SYSTEM_ACTOR, BOOTSTRAP_REASON, "2026.1")
    assert isinstance(event, CouncilPolicy.RuleSetPublished)
    assert (event.published_by, event.reason, event.version) == (ADMIN, REASON, "2026.2")
    assert event.effective_from == today(clock) + timedelta(days=1)
    assert event.content.encode("utf-8") == content
    assert (
        event.content_hash == published.get("northmoor-ras", "2026.2").content_hash == outcome.publication.content_hash
    )
    assert outcome.notification_ids and record.last_position() == outcome.notification_ids[-1]


def test_only_an_admin_publishes(record: CaseRecord, published: RuleSetCatalogue, clock: SteppingClock):
    content = northmoor(published, version="2026.2", effective_from=today(clock))
    before = record.last_position()

    with pytest.raises(RuleViolation) as raised:
        record.publish_rule_set(content, actor=WORKER, reason=REASON)

    assert raised.value.code == "policy_published_by_admins_only"
    assert record.last_position() == before


def test_a_published_version_cannot_be_back_dated(
    record: CaseRecord, published: RuleSetCatalogue, clock: SteppingClock
):
    with pytest.raises(InvalidInput) as raised:
        record.publish_rule_set(
            northmoor(published, version="2026.2", effective_from=today(clock) - timedelta(days=1)),
            actor=ADMIN,
            reason=REASON,
        )

    assert (raised.value.code, raised.value.field) == ("rule_set_back_dated", "effective_from")


def test_a_version_is_published_once_the_same_content_again_records_nothing(
    record: CaseRecord, published: RuleSetCatalogue, clock: SteppingClock
):
    first = northmoor(published, version="2026.2", effective_from=today(clock))
    record.publish_rule_set(first, actor=ADMIN, reason=REASON)
    position = record.last_position()

    again = record.publish_rule_set(first, actor=ADMIN, reason="sent twice")
    with pytest.raises(RuleViolation) as raised:
        record.publish_rule_set(
            northmoor(published, version="2026.2", effective_from=today(clock), price=30_000),
            actor=ADMIN,
            reason=REASON,
        )

    assert again.duplicate and again.publication.reason == REASON
    assert raised.value.code == "rule_set_version_exists"
    assert raised.value.details["published_hash"] == again.publication.content_hash
    assert raised.value.details["offered_hash"] != again.publication.content_hash
    assert record.last_position() == position


def test_a_file_edited_after_publication_is_refused_by_its_hash(record: CaseRecord, published: RuleSetCatalogue):
    path = published.folder / "northmoor" / "ras-2026.1.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("25_000", "25_001", 1), encoding="utf-8")

    with pytest.raises(RuleViolation) as raised:
        published.get("northmoor-ras", "2026.1")

    assert raised.value.code == "rule_set_edited_after_publication"
    assert raised.value.details["file_hash"] != raised.value.details["published_hash"]
    with pytest.raises(RuleViolation) as assessing:
        given(record, Scenario().up_to_gate())  # the assessment's answers are checked against it
    assert assessing.value.code == "rule_set_edited_after_publication"


def test_a_file_dropped_on_disk_is_not_in_force_until_it_is_published(
    record: CaseRecord, published: RuleSetCatalogue, clock: SteppingClock
):
    content = northmoor(published, version="2026.2", effective_from=today(clock))
    (published.folder / "northmoor" / "ras-2026.2.toml").write_bytes(content)

    assert published.current("northmoor-ras", on=today(clock)).version == "2026.1"
    record.publish_rule_set(content, actor=ADMIN, reason=REASON)
    assert published.current("northmoor-ras", on=today(clock)).version == "2026.2"


def test_an_amount_above_the_councils_maximum_is_refused(
    store_env: dict[str, str], catalogue: RuleSetCatalogue, clock: SteppingClock
):
    strict = CaseRecord(
        store_env, rule_sets=catalogue, council=CouncilSettings(max_amount_pence=1_000_000), clock=clock
    )
    try:
        with pytest.raises(InvalidInput) as raised:
            strict.publish_rule_set(
                northmoor(catalogue, version="2026.2", effective_from=today(clock)), actor=ADMIN, reason=REASON
            )
    finally:
        strict.close()

    assert (raised.value.code, raised.value.field) == ("rule_set_amount_above_council_maximum", "adult.cap_pence")


def test_the_policy_stream_is_chained_and_verified_with_the_cases(record: CaseRecord, published: RuleSetCatalogue):
    given(record, Scenario().up_to_gate())

    reports = {report.case_id: report for report in record.verify_all_chains()}

    streams = {policy_stream_id(council).hex for council in (NORTHMOOR, "Eastvale District Council")}
    assert streams <= set(reports)
    assert all(reports[stream].intact and reports[stream].events == 2 for stream in streams)


def test_a_second_start_publishes_nothing_again(record: CaseRecord, published: RuleSetCatalogue):
    position = record.last_position()

    assert publish_shipped_rule_sets(record, published) == []
    assert record.last_position() == position


@pytest.mark.sqlite
def test_a_published_rule_set_altered_in_the_store_is_named_by_the_chain_check(
    sqlite_env: dict[str, str], catalogue: RuleSetCatalogue, clock: SteppingClock
):
    import sqlite3

    from tests.cli.tamper import Tamperer

    record = CaseRecord(sqlite_env, rule_sets=catalogue, clock=clock)
    try:
        publish_shipped_rule_sets(record, catalogue)
        stream = policy_stream_id(NORTHMOOR)
        assert record.verify_chain(stream).intact
        with sqlite3.connect(sqlite_env["SQLITE_DBNAME"]) as conn:
            Tamperer.sqlite(conn).flip_byte(stream, 2, b"25_000", b"95_000")
        conn.close()

        report = record.verify_chain(stream)
        with pytest.raises(RuleViolation) as raised:
            catalogue.get("northmoor-ras", "2026.1")
    finally:
        record.close()

    assert not report.intact
    assert raised.value.code == "published_rule_set_altered"
    assert [problem.version for problem in report.problems] == [2]
