"""Personal data is sealed at rest under a key per person and shredded at the end of retention.

Story: a case about a person with a distinctive name is recorded, with a carer, through the
budget decisions, and closed. Their names are in no stored event even now (sealed), yet the case
reads them. Once the council's retention period after closure has passed, their keys are
destroyed: the case, its replay as of any instant and its events read "erased", while the hash
chain and the budget decision still verify. A case still open, or closed within its period, keeps
its data. Events stored before sealing existed still read and verify.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest

from domain.application import CaseRecord
from domain.canonical import canonical_json
from domain.case.aggregate import Case
from domain.errors import RuleViolation
from domain.personal_data import ERASED, WITHHELD
from policy.catalogue import RuleSetCatalogue
from tests.builders import Scenario
from tests.clock import SteppingClock
from tests.postgres_cluster import connect
from tests.rule_sets import TEST_COUNCILS
from workflows.case_mirror import CaseMirror
from workflows.messages import StoredEventData

ADULT_NAME = "Zephyrine Quillfeather"
CARER_NAME = "Bartholomew Xanthopoulos"
REASON = "Zephyrine Quillfeather fell on the stairs at home"
BIRTH = "1937-11-23"
SECRETS = (b"Quillfeather", b"Xanthopoulos")


def distinctive_case(scenario: Scenario) -> list[object]:
    """Referral to the budget decisions, with a carer, and the case closed."""
    steps = scenario.up_to_planning()
    # The names written into the people's details and into free text about them.
    replaced = {
        "ReceiveReferral": scenario.referral(adult_name=ADULT_NAME, reason=REASON, adult_date_of_birth=BIRTH),
        "IdentifyCarer": scenario.identify_carer(name=CARER_NAME),
        "CompleteNeedsAssessment": scenario.complete_adult(summary=f"{ADULT_NAME} wants to cook again"),
        "CompleteCarerAssessment": scenario.complete_carer(summary=f"{CARER_NAME} works nights"),
    }
    steps = [replaced.get(type(step).__name__, step) for step in steps]
    adult_eligibility = next(i for i, step in enumerate(steps) if type(step).__name__ == "DetermineEligibility")
    steps[adult_eligibility] = scenario.eligibility(practitioner_notes=f"{ADULT_NAME} cannot manage the stairs")
    return [*steps, scenario.close(notes=f"{ADULT_NAME} moved to her daughter's")]


def record_case(record: CaseRecord, scenario: Scenario) -> None:
    for command in distinctive_case(scenario):
        record.handle(command)  # type: ignore[arg-type]


def budget_version(record: CaseRecord, case_id: UUID) -> int:
    """The version of the adult's budget decision on the case."""
    return next(
        e.originator_version
        for e in record.stored_events(case_id)
        if isinstance(e, Case.IndicativeBudgetCalculated) and e.calculation.person_id == "adult-1"
    )


def stored_bytes(store_env: dict[str, str], table: str) -> list[bytes]:
    """Every row of the store's events table or its key table, as bytes, whichever the store."""
    if store_env["PERSISTENCE_MODULE"] == "eventstore.sqlite":
        with sqlite3.connect(store_env["SQLITE_DBNAME"]) as conn:
            rows = conn.execute(f"SELECT * FROM {'stored_events' if table == 'events' else table}").fetchall()
    else:
        schema = store_env["POSTGRES_SCHEMA"]
        pg_table = "carecase_events" if table == "events" else f"carecase_events_{table}"
        with connect(store_env) as conn:
            rows = conn.execute(f'SELECT * FROM "{schema}"."{pg_table}"').fetchall()
    return [repr(row).encode() + b"".join(bytes(v) for v in row if isinstance(v, bytes | memoryview)) for row in rows]


def holds_secret(rows: list[bytes]) -> bool:
    return any(secret in row for row in rows for secret in SECRETS)


@pytest.fixture
def closed_case(record: CaseRecord) -> Iterator[Scenario]:
    scenario = Scenario()
    record_case(record, scenario)
    yield scenario


def test_names_are_sealed_at_rest_yet_the_case_reads_them(
    record: CaseRecord, closed_case: Scenario, store_env: dict[str, str]
) -> None:
    state = record.get_case(closed_case.case_id).state
    assert state.adult.name == ADULT_NAME and state.people["carer-1"].name == CARER_NAME
    assert state.adult.date_of_birth is not None and state.adult.date_of_birth.isoformat() == BIRTH
    assert state.referral_reason == REASON
    # The event table never holds them in the clear, nor does the key table.
    assert not holds_secret(stored_bytes(store_env, "events"))
    assert not holds_secret(stored_bytes(store_env, "person_keys"))
    assert BIRTH.encode() not in b"".join(stored_bytes(store_env, "events"))
    assert {row.person_id for row in record.person_keys(closed_case.case_id)} == {"adult-1", "carer-1"}
    assert record.verify_chain(closed_case.case_id).intact


def test_shredding_erases_the_people_and_keeps_the_chain_and_the_decisions(
    record: CaseRecord, closed_case: Scenario, clock: SteppingClock
) -> None:
    case_id = closed_case.case_id
    before = record.get_case(case_id)
    halfway = record.index_rows(case_id)[4].recorded_at
    version = budget_version(record, closed_case.case_id)
    assert record.verify_decision(case_id, version).verified
    first = record.stored_records(case_id)[0]
    assert record.personal_values(first) == {
        "adult_name": ADULT_NAME,
        "adult_date_of_birth": BIRTH,
        "reason": REASON,
        "nhs_number": None,  # the referral gave none; sealed all the same, as every personal field is
    }

    outcome = record.erase_personal_data(case_id, as_of=clock.now + timedelta(days=1), retention_days=0)

    assert [e.type for e in outcome.events] == ["PersonalDataErased"]
    erased = record.get_case(case_id)
    assert erased.state.adult.name == ERASED and erased.state.people["carer-1"].name == ERASED
    assert erased.state.adult.date_of_birth is None and erased.state.referral_reason == ERASED
    # Nothing else changed: the stage, the figures and the young-carer flags are as they were.
    assert erased.state.stage == before.state.stage
    assert erased.state.adult.budget == before.state.adult.budget
    assert erased.state.people["carer-1"].young_carer == before.state.people["carer-1"].young_carer
    event = next(e for e in record.stored_events(case_id) if isinstance(e, Case.PersonalDataErased))
    assert event.people == ["adult-1", "carer-1"] and event.retention_days == 0
    assert event.actor.user_id == "carecase-retention"
    # Every event reads erased, as of any instant too; the chain and the decision still verify.
    referral = record.stored_events(case_id)[0]
    assert record.personal_values(first) == {
        "adult_name": ERASED,
        "adult_date_of_birth": None,
        "reason": ERASED,
        "nhs_number": ERASED,
    }
    assert referral.adult_name == ERASED and referral.adult_date_of_birth is None
    as_of = record.case_as_of(case_id, halfway)
    assert as_of is not None and as_of.state.adult.name == ERASED
    assert record.verify_chain(case_id).intact
    assert record.verify_decision(case_id, version).verified
    assert all(row.destroyed and row.destroyed_by == "carecase-retention" for row in record.person_keys(case_id))


def test_a_second_record_reads_erased_once_another_destroyed_the_keys(
    record: CaseRecord, closed_case: Scenario, store_env: dict[str, str], clock: SteppingClock
) -> None:
    other = CaseRecord(store_env, rule_sets=RuleSetCatalogue(TEST_COUNCILS), clock=clock)
    try:
        assert other.get_case(closed_case.case_id).state.adult.name == ADULT_NAME
        record.erase_personal_data(closed_case.case_id, as_of=clock.now, retention_days=0)
        # The other process's remembered case catches up with the erasure, and a fresh read opens nothing.
        assert other.get_case(closed_case.case_id).state.adult.name == ERASED
        other.forget(closed_case.case_id)
        assert other.get_case(closed_case.case_id).state.people["carer-1"].name == ERASED
    finally:
        other.close()


def test_an_open_case_a_case_within_its_period_and_an_erased_case_are_not_shredded(
    record: CaseRecord, clock: SteppingClock
) -> None:
    open_case = Scenario()
    for command in distinctive_case(open_case)[:-1]:
        record.handle(command)  # type: ignore[arg-type]
    closed = Scenario()
    record_case(record, closed)
    now = clock.now

    with pytest.raises(RuleViolation) as still_open:
        record.erase_personal_data(open_case.case_id, as_of=now + timedelta(days=4000), retention_days=2922)
    assert still_open.value.code == "retention_case_open"
    with pytest.raises(RuleViolation) as within:
        record.erase_personal_data(closed.case_id, as_of=now + timedelta(days=2921), retention_days=2922)
    assert within.value.code == "retention_period_not_ended"
    assert not record.retention_ended(closed.case_id, now + timedelta(days=2921), 2922)
    assert not record.retention_ended(open_case.case_id, now + timedelta(days=4000), 2922)
    for scenario in (open_case, closed):
        assert record.get_case(scenario.case_id).state.adult.name == ADULT_NAME
        assert not any(row.destroyed for row in record.person_keys(scenario.case_id))

    assert record.retention_ended(closed.case_id, now + timedelta(days=2923), 2922)
    record.erase_personal_data(closed.case_id, as_of=now + timedelta(days=2923), retention_days=2922)
    with pytest.raises(RuleViolation) as again:
        record.erase_personal_data(closed.case_id, as_of=now + timedelta(days=2923), retention_days=2922)
    assert again.value.code == "personal_data_already_erased"
    assert record.get_case(open_case.case_id).state.adult.name == ADULT_NAME
    assert set(record.closed_cases()) == {closed.case_id}


@pytest.mark.sqlite
def test_events_stored_in_plaintext_before_sealing_still_read_and_verify(tmp_path: Path) -> None:
    env = {"PERSISTENCE_MODULE": "eventstore.sqlite", "SQLITE_DBNAME": str(tmp_path / "old.sqlite")}
    clock = SteppingClock()
    scenario = Scenario()
    steps = distinctive_case(scenario)
    old = CaseRecord(env, rule_sets=RuleSetCatalogue(TEST_COUNCILS), clock=clock)
    # A record as it was before personal data was sealed: no sealer, so the old plaintext form.
    old.sealer = None
    old.mapper.sealer = None  # type: ignore[attr-defined]
    for command in steps[:3]:
        old.handle(command)  # type: ignore[arg-type]
    old.close()
    with sqlite3.connect(env["SQLITE_DBNAME"]) as conn:
        assert any(b"Quillfeather" in bytes(r[0]) for r in conn.execute("SELECT state FROM stored_events"))

    new = CaseRecord(env, rule_sets=RuleSetCatalogue(TEST_COUNCILS), clock=clock)
    try:
        for command in steps[3:]:
            new.handle(command)  # type: ignore[arg-type]
        assert new.get_case(scenario.case_id).state.adult.name == ADULT_NAME
        assert new.verify_chain(scenario.case_id).intact
        assert new.verify_decision(scenario.case_id, budget_version(new, scenario.case_id)).verified
    finally:
        new.close()


def test_the_workflows_mirror_holds_only_sealed_values(record: CaseRecord, closed_case: Scenario) -> None:
    # What the activities hand the case workflow: the events in their stored form.
    events = [
        StoredEventData(topic=s.topic, version=s.originator_version, state=record.decode_state(s))
        for s in record.stored_records(closed_case.case_id)
    ]
    assert not any(secret in canonical_json(e.state) for e in events for secret in SECRETS)
    mirror = CaseMirror(closed_case.case_id.hex, None)
    mirror.apply(events)
    assert mirror.state is not None
    assert mirror.state.adult.name == WITHHELD and mirror.state.adult.date_of_birth is None
    assert mirror.state.chain_head == record.get_case(closed_case.case_id).state.chain_head
    assert mirror.state.stage == record.get_case(closed_case.case_id).state.stage
    frozen = mirror.freeze()
    assert frozen is not None and not any(secret in canonical_json(frozen.state) for secret in SECRETS)


def test_the_workflows_mirror_applies_a_correction_it_cannot_read(record: CaseRecord) -> None:
    """A corrected name and date of birth are sealed; the mirror applies them as withheld, not as a
    date it cannot parse (which failed the case workflow's task for good)."""
    s = Scenario()
    for command in (
        s.referral(),
        s.screen(),
        s.identify_carer(),
        s.correct(1, "adult_date_of_birth", "1941-03-12"),
        s.correct(1, "adult_name", "Margaret Oduya-Bell"),
    ):
        record.handle(command)  # type: ignore[arg-type]
    events = [
        StoredEventData(topic=stored.topic, version=stored.originator_version, state=record.decode_state(stored))
        for stored in record.stored_records(s.case_id)
    ]
    mirror = CaseMirror(s.case_id.hex, None)
    mirror.apply(events)
    assert mirror.state is not None
    assert (mirror.state.adult.name, mirror.state.adult.date_of_birth) == (WITHHELD, None)
    assert record.get_case(s.case_id).state.adult.date_of_birth.isoformat() == "1941-03-12"
