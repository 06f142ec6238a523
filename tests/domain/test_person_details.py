"""A person's details for the council's returns: recorded for the adult or a carer, the latest
standing, refused for someone not on the case or with a value outside the council's lists, and
sealed at rest like every other personal value (decisions 0026, 0045)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.application import CaseRecord
from tests.builders import ADULT, Scenario
from tests.domain.story import given, last, refused, state, when


def test_details_are_recorded_for_the_adult_and_a_carer_and_the_latest_stand(record: CaseRecord):
    s = Scenario()
    given(record, s.referral(), s.identify_carer())

    assert when(record, s.person_details(ADULT)) == ["PersonDetailsRecorded"]
    assert when(record, s.person_details("carer-1", gender="male", employment_status="paid_16_hours_or_more")) == [
        "PersonDetailsRecorded"
    ]
    when(record, s.person_details(ADULT, accommodation_status="care_home", dementia="yes"))

    people = state(record, s.case_id).people
    adult, carer = people[ADULT].details, people["carer-1"].details
    assert (adult.accommodation_status.value, adult.dementia.value, adult.postcode) == ("care_home", "yes", "NM4 2QT")
    assert (carer.gender.value, carer.employment_status.value) == ("male", "paid_16_hours_or_more")
    assert last(record, s.case_id, "PersonDetailsRecorded").person_id == ADULT


def test_details_for_someone_not_on_the_case_are_refused(record: CaseRecord):
    s = Scenario()
    given(record, s.referral())

    error = refused(record, s.person_details("carer-9"), "unknown_person")

    assert error.field == "person_id"


@pytest.mark.parametrize(
    ("field", "value"),
    [("gender", "unknown"), ("ethnicity", "white"), ("postcode", "nm4 2qt"), ("gp_practice_code", "12345")],
)
def test_a_value_outside_the_councils_lists_is_refused_naming_the_field(field: str, value: str):
    s = Scenario()
    with pytest.raises(ValidationError) as caught:
        s.person_details(ADULT, **{field: value})
    assert caught.value.errors()[0]["loc"] == (field,)


def test_the_details_are_sealed_at_rest(record: CaseRecord):
    s = Scenario()
    given(record, s.referral(), s.person_details(ADULT, postcode="ZE3 9XQ"))

    stored = record.stored_records(s.case_id)[-1]

    assert b"ZE3 9XQ" not in stored.state and b"black_caribbean" not in stored.state
    assert last(record, s.case_id, "PersonDetailsRecorded").postcode == "ZE3 9XQ"
