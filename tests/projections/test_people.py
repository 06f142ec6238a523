"""The person index's view: people found by council person id, NHS number, or name and date of
birth, each with the cases a reader may see; carers across the adults they care for; and erasure
at the end of retention taking their name, date of birth and NHS number out of it (both stores)."""

from __future__ import annotations

from datetime import date, timedelta

from domain.application import CaseRecord
from domain.need_to_know import Reach
from domain.person_index import nhs_key
from projections.carers_register import carers
from projections.people import council_person_ids, earlier_cases_of, people_found
from projections.store import ViewStore
from tests.builders import Scenario
from tests.clock import SteppingClock
from tests.projections.story import runner

NHS_NUMBER = "9434765919"
BORN = date(1941, 3, 2)
EVERYONE = Reach(every_case=True)


def test_a_person_is_found_by_each_key_with_their_cases_in_each_role(record: CaseRecord, view_store: ViewStore):
    own, cared_for = Scenario(), Scenario()
    for command in (
        own.referral(council_person_id="LA-42", nhs_number=NHS_NUMBER, adult_name="Margaret Oduya"),
        cared_for.referral(council_person_id="LA-43", adult_name="Samuel Oduya", team="west-locality"),
        cared_for.identify_carer(council_person_id="LA-42", name="Margaret  Oduya", date_of_birth=BORN.isoformat()),
    ):
        record.handle(command)
    runner(record, view_store).run_until_caught_up()
    with view_store.read() as cursor:
        assert council_person_ids(cursor, council_person_id="LA-42") == ["LA-42"]
        assert council_person_ids(cursor, nhs_number=NHS_NUMBER) == ["LA-42"]
        assert council_person_ids(cursor, name="  MARGARET   oduya ", date_of_birth=BORN) == ["LA-42"]
        assert council_person_ids(cursor, name="Margaret Oduya", date_of_birth=date(1941, 3, 3)) == []
        assert council_person_ids(cursor, council_person_id="LA-99") == []
        found = people_found(cursor, ["LA-42"], EVERYONE)
    (person,) = found.people
    assert person.council_person_id == "LA-42" and person.other_cases_not_shown == 0
    assert {(c.case_id, c.role, c.team, c.stage, c.open, c.closed) for c in person.cases} == {
        (own.case_id.hex, "adult", "east-locality", "screening", 1, 0),
        (cared_for.case_id.hex, "carer", "west-locality", "screening", 1, 0),
    }


def test_cases_outside_the_readers_reach_are_only_counted(record: CaseRecord, view_store: ViewStore):
    east, west = Scenario(), Scenario()
    record.handle(east.referral(council_person_id="LA-42"))
    record.handle(west.referral(council_person_id="LA-43", team="west-locality"))
    record.handle(west.identify_carer(council_person_id="LA-42"))
    runner(record, view_store).run_until_caught_up()
    with view_store.read() as cursor:
        east_only = people_found(cursor, ["LA-42", "LA-43"], Reach(teams=("east-locality",)))
        north_only = people_found(cursor, ["LA-42", "LA-43"], Reach(teams=("north-locality",)))
    (person,) = east_only.people
    assert person.council_person_id == "LA-42"
    assert [c.case_id for c in person.cases] == [east.case_id.hex]
    assert person.other_cases_not_shown == 1  # cares on the west case
    assert east_only.other_cases_not_shown == 1  # LA-43, on the west case alone: not listed
    assert north_only.people == [] and north_only.other_cases_not_shown == 3


def test_a_carer_of_two_adults_is_one_row_per_case_under_one_council_person_id_in_the_register(
    record: CaseRecord, view_store: ViewStore
):
    one, other = Scenario(), Scenario()
    for command in (
        one.referral(),
        one.identify_carer(council_person_id="LA-CARER-9"),
        other.referral(adult_name="Samuel Oduya"),
        other.identify_carer("carer-2", council_person_id="LA-CARER-9"),
        other.decline("carer-2"),
    ):
        record.handle(command)
    runner(record, view_store).run_until_caught_up()
    with view_store.read() as cursor:
        rows = carers(cursor, council_person_id="LA-CARER-9", limit=10)
        (person,) = people_found(cursor, ["LA-CARER-9"], EVERYONE).people
    assert sorted((r.case_id, r.carer_id, r.assessment) for r in rows) == sorted(
        [(one.case_id.hex, "carer-1", "offered"), (other.case_id.hex, "carer-2", "declined")]
    )
    assert sorted(c.case_id for c in person.cases) == sorted([one.case_id.hex, other.case_id.hex])


def test_a_re_referral_lists_the_earlier_case_in_the_view(record: CaseRecord, view_store: ViewStore):
    first, second = Scenario(), Scenario()
    record.handle(first.referral(council_person_id="LA-42"))
    record.handle(first.signpost(reasons="signposted"))
    record.handle(second.referral(council_person_id="LA-42"))
    runner(record, view_store).run_until_caught_up()
    with view_store.read() as cursor:
        assert earlier_cases_of(cursor, second.case_id.hex) == [first.case_id.hex]
        assert earlier_cases_of(cursor, first.case_id.hex) == []
        (person,) = people_found(cursor, ["LA-42"], EVERYONE).people
    assert [(c.case_id, c.open, c.closed) for c in person.cases] == sorted(
        [(first.case_id.hex, 0, 1), (second.case_id.hex, 1, 0)]
    )


def test_erasure_takes_the_name_date_of_birth_and_nhs_number_out_of_the_index(
    record: CaseRecord, view_store: ViewStore, clock: SteppingClock
):
    s = Scenario()
    record.handle(s.referral(council_person_id="LA-42", nhs_number=NHS_NUMBER, adult_name="Margaret Oduya"))
    record.handle(s.signpost(reasons="signposted"))
    views = runner(record, view_store)
    views.run_until_caught_up()
    with view_store.read() as cursor:
        assert council_person_ids(cursor, nhs_number=NHS_NUMBER) == ["LA-42"]
    assert [e.case_id for e in record.services.people.episodes_of([nhs_key(NHS_NUMBER)])] == [s.case_id.hex]

    record.erase_personal_data(s.case_id, as_of=clock.now + timedelta(days=1), retention_days=0)
    views.run_until_caught_up()
    with view_store.read() as cursor:
        assert council_person_ids(cursor, nhs_number=NHS_NUMBER) == []
        assert council_person_ids(cursor, name="Margaret Oduya", date_of_birth=BORN) == []
        assert council_person_ids(cursor, council_person_id="LA-42") == ["LA-42"]  # ids stay
        row = cursor.execute(
            "SELECT nhs_number, name_key, date_of_birth FROM view_people WHERE case_id = ?", (s.case_id.hex,)
        ).fetchone()
    assert tuple(row) == (None, None, None)
    # The store's digest of the NHS number goes with the keys; the council person id stays.
    assert record.services.people.episodes_of([nhs_key(NHS_NUMBER)]) == []
    assert [e.case_id for e in record.services.people.episodes_of(["council:LA-42"])] == [s.case_id.hex]
