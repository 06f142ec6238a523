"""People, not just cases (issue 19, item 1; decision 0031): one council person id across cases,
one open case per person, re-referrals linked to earlier cases, a carer of several adults."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pydantic import ValidationError

from domain.application import CaseRecord
from domain.commands import CouncilSettings
from domain.errors import DomainError
from domain.person_index import assigned_council_person_id
from policy.catalogue import RuleSetCatalogue
from tests.builders import Scenario
from tests.clock import SteppingClock
from tests.domain.story import given, last, refused, state, when

NHS_NUMBER = "9434765919"  # a valid NHS number (its last digit is the modulus 11 check digit)


def signposted(s: Scenario) -> Any:
    """Screened as information and advice only: the episode ends, the case closes."""
    return s.signpost(reasons="signposted to a community group")


def test_a_referral_that_names_no_council_person_id_is_given_one_the_replay_gives_again(record: CaseRecord) -> None:
    s = Scenario()
    given(record, s.referral())
    referral = last(record, s.case_id, "ReferralReceived")
    assert referral.council_person_id == assigned_council_person_id(s.case_id.hex, "adult-1")
    assert state(record, s.case_id).adult.council_person_id == referral.council_person_id
    assert referral.earlier_cases == ()


def test_a_second_referral_for_a_person_with_an_open_case_is_refused_naming_that_case(record: CaseRecord) -> None:
    first, second = Scenario(), Scenario()
    given(record, first.referral(council_person_id="LA-000123"))
    error = refused(record, second.referral(council_person_id="LA-000123"), "person_has_open_case")
    assert error.details == {"open_case_id": first.case_id.hex}
    assert not record.has_case(second.case_id)


def test_a_referral_matching_an_open_case_by_nhs_number_alone_is_refused(record: CaseRecord) -> None:
    first, second = Scenario(), Scenario()
    given(record, first.referral(nhs_number=NHS_NUMBER))
    error = refused(record, second.referral(nhs_number=NHS_NUMBER), "person_has_open_case")
    assert error.details == {"open_case_id": first.case_id.hex}


def test_the_nhs_number_is_sealed_with_the_adults_other_personal_data(record: CaseRecord) -> None:
    s = Scenario()
    given(record, s.referral(nhs_number=NHS_NUMBER))
    stored = record.stored_records(s.case_id)[0]
    assert NHS_NUMBER.encode() not in stored.state
    assert record.personal_values(stored)["nhs_number"] == NHS_NUMBER


def test_after_the_first_case_closes_a_new_referral_is_accepted_and_lists_the_earlier_case(
    record: CaseRecord,
) -> None:
    first, second = Scenario(), Scenario()
    given(record, first.referral(council_person_id="LA-000123"), signposted(first))
    assert when(record, second.referral(council_person_id="LA-000123")) == ["ReferralReceived"]
    assert state(record, second.case_id).earlier_cases == [first.case_id.hex]


def test_a_re_referral_by_nhs_number_takes_the_council_person_id_it_is_known_by(record: CaseRecord) -> None:
    first, second = Scenario(), Scenario()
    given(record, first.referral(council_person_id="LA-000123", nhs_number=NHS_NUMBER), signposted(first))
    given(record, second.referral(nhs_number=NHS_NUMBER))
    assert state(record, second.case_id).adult.council_person_id == "LA-000123"
    assert state(record, second.case_id).earlier_cases == [first.case_id.hex]


def test_the_adults_involvement_ending_ends_their_open_episode(record: CaseRecord) -> None:
    first, second = Scenario(), Scenario()
    given(
        record,
        first.referral(council_person_id="LA-000123"),
        first.screen(),
        first.identify_carer(),
        first.end_involvement(reason="needs_met", ended_on="2026-01-05"),
    )
    assert when(record, second.referral(council_person_id="LA-000123")) == ["ReferralReceived"]


def test_a_carer_of_two_adults_is_one_council_person_on_both_cases(record: CaseRecord) -> None:
    one, other = Scenario(), Scenario()
    given(
        record,
        one.referral(council_person_id="LA-1"),
        one.identify_carer(council_person_id="LA-CARER-9"),
        other.referral(council_person_id="LA-2", adult_name="Samuel Oduya"),
        other.identify_carer(council_person_id="LA-CARER-9"),
    )
    for s in (one, other):
        carer = state(record, s.case_id).people["carer-1"]
        assert carer.council_person_id == "LA-CARER-9"
        assert carer.assessment.value == "offered"  # each case keeps its own carer's assessment


def test_a_carer_with_an_open_case_of_their_own_may_still_be_identified_as_a_carer(record: CaseRecord) -> None:
    own, cared_for = Scenario(), Scenario()
    given(record, own.referral(council_person_id="LA-7"), cared_for.referral(council_person_id="LA-8"))
    assert "CarerIdentified" in when(record, cared_for.identify_carer(council_person_id="LA-7"))


@pytest.mark.parametrize("nhs_number", ["9434765918", "9434765910"])
def test_an_nhs_number_whose_check_digit_is_wrong_is_refused_naming_the_field_and_the_rule(nhs_number: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Scenario().referral(nhs_number=nhs_number)
    (error,) = caught.value.errors()
    assert error["loc"] == ("nhs_number",)
    assert error["type"] == "nhs_number_check_digit"


@pytest.mark.parametrize("nhs_number", ["943476591", "94347659190", "943 476 5919", "943476591X"])
def test_an_nhs_number_that_is_not_ten_digits_is_refused(nhs_number: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Scenario().identify_carer(nhs_number=nhs_number)
    assert [e["loc"] for e in caught.value.errors()] == [("nhs_number",)]


def test_an_nhs_number_whose_check_would_be_ten_is_never_valid() -> None:
    # 1000000010: the weighted sum of the first nine digits is 10 + 1 * 2 = 12; 11 - 12 % 11 = 10.
    with pytest.raises(ValidationError):
        Scenario().referral(nhs_number="1000000010")


def test_two_referrals_for_one_person_at_once_exactly_one_is_accepted(
    record: CaseRecord,
    store_env: dict[str, str],
    catalogue: RuleSetCatalogue,
    council: CouncilSettings,
    clock: SteppingClock,
) -> None:
    # Two records on one store, as two workers of the API are: each its own connections and cache.
    other = CaseRecord(store_env, rule_sets=catalogue, council=council, clock=clock)
    try:
        for round_ in range(8):
            referrals = [Scenario().referral(council_person_id=f"LA-RACE-{round_}") for _ in range(2)]
            start = threading.Barrier(2)
            with ThreadPoolExecutor(max_workers=2) as pool:
                sent = [
                    pool.submit(_at_once, start, one, command)
                    for one, command in zip((record, other), referrals, strict=True)
                ]
                results = [future.result() for future in sent]
            assert sorted(results) == ["accepted", "person_has_open_case"], results
            assert sum(record.has_case(r.case_id) for r in referrals) == 1
    finally:
        other.close()


def test_the_stores_unique_key_is_the_last_word_when_the_polite_check_is_blind(record: CaseRecord) -> None:
    first, second = Scenario(), Scenario()
    given(record, first.referral(council_person_id="LA-000123"))
    # The injected fault: the record's polite check sees no one (as two racing referrals each do).
    record.services = record.services.model_copy(update={"people": None})
    with pytest.raises(DomainError) as caught:
        record.handle(second.referral(council_person_id="LA-000123"))
    assert caught.value.code == "concurrent_update"
    assert not record.has_case(second.case_id)


def _at_once(start: threading.Barrier, record: CaseRecord, command: Any) -> str:
    start.wait()
    return _outcome(record, command)


def _outcome(record: CaseRecord, command: Any) -> str:
    try:
        record.handle(command)
    except DomainError as error:
        return error.code
    return "accepted"
