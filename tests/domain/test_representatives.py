"""Authorised people and nominees are people on the case (issue 18, item 7).

An authorised person only for an adult assessed as lacking capacity (who assessed it, when, and
the best-interests decision); a nominee only for an adult who has capacity and asks; each with
their consent and the checks the council requires; the agreement pays one of them, or the person,
by id. Capacity is recorded per decision."""

from __future__ import annotations

from datetime import date

from config.settings import Settings
from domain import commands as c
from domain.application import CaseRecord
from domain.timeline import timeline_entry
from domain.vocabulary import CapacityDecision, RepresentativeRole
from eventstore.mapper import event_from_state
from policy.catalogue import RuleSetCatalogue
from tests.builders import ADULT, Scenario
from tests.clock import SteppingClock
from tests.domain.story import adult_only_signed_off, given, last, refused, state, when

DBS = {"check": "dbs_check", "completed_on": "2026-01-04", "reference": "DBS-001234"}


# Capacity, decision by decision ------------------------------------------------------------------


def test_capacity_is_recorded_per_decision_with_who_assessed_it_and_when(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s))

    assert when(record, s.capacity(has_capacity=False, assessed_by="sw-ben", assessed_on="2026-01-04")) == [
        "CapacityAssessed"
    ]

    adult = state(record, s.case_id).adult
    recorded = adult.capacity[CapacityDecision.CONSENT_TO_DIRECT_PAYMENT]
    assert (recorded.has_capacity, recorded.assessed_by, recorded.assessed_on) == (False, "sw-ben", date(2026, 1, 4))
    # The needs assessment's one flag stays as it was recorded, readable for old cases.
    assert adult.has_capacity is True
    assert CapacityDecision.MANAGE_DIRECT_PAYMENT not in adult.capacity


def test_an_assessment_may_leave_capacity_to_its_own_decision(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s, has_capacity=None))

    refused(record, s.agreement(), "capacity_not_recorded")
    given(record, s.capacity(has_capacity=True))
    assert when(record, s.agreement()) == ["DirectPaymentAgreementMade"]
    assert state(record, s.case_id).adult.has_capacity is None


# Authorised persons -----------------------------------------------------------------------------


def test_an_authorised_person_for_an_adult_with_capacity_is_refused(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s))  # the needs assessment found capacity

    error = refused(record, s.authorised_person(), "authorised_person_for_adult_with_capacity")

    assert error.field == "person_id"
    assert state(record, s.case_id).representatives == {}


def test_an_authorised_person_is_refused_when_the_decisions_own_assessment_found_capacity(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s, has_capacity=False), s.capacity(has_capacity=True))

    refused(record, s.authorised_person(), "authorised_person_for_adult_with_capacity")


def test_an_authorised_person_rests_on_an_assessment_of_that_decision(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s, has_capacity=False))  # the old flag alone says nothing of who or when

    error = refused(record, s.authorised_person(), "capacity_not_assessed_for_decision")

    assert error.details == {"decision": "consent_to_direct_payment"}


def test_an_authorised_person_is_recorded_with_consent_capacity_and_best_interests(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s, has_capacity=False), s.capacity(has_capacity=False))

    assert when(record, s.authorised_person()) == ["RepresentativeRecorded"]

    ap = state(record, s.case_id).representatives["rep-1"]
    assert (ap.person_id, ap.role, ap.name, ap.relationship, ap.consented) == (
        ADULT,
        RepresentativeRole.AUTHORISED_PERSON,
        "Daniel Oduya",
        "son",
        True,
    )
    assert ap.capacity is not None and (ap.capacity.has_capacity, ap.capacity.assessed_by) == (False, "sw-ayesha")
    assert ap.best_interests_decided_by == "sw-ayesha"
    assert ap.best_interests_decision == "a direct payment her son manages keeps the personal assistant she knows"


def test_the_timeline_shows_what_an_authorised_person_rests_on(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s, has_capacity=False), s.capacity(has_capacity=False))
    given(record, s.authorised_person(paid_manager=True, checks=[DBS]))

    summary = timeline_entry(last(record, s.case_id, "RepresentativeRecorded")).summary

    assert "capacity (consent to direct payment): lacks capacity, assessed by sw-ayesha on 2026-01-05" in summary
    assert "checks: dbs_check DBS-001234 (2026-01-04)" in summary
    assert "best interests decided by: sw-ayesha" in summary


def test_a_best_interests_decision_before_the_capacity_assessment_is_refused(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s, has_capacity=False), s.capacity(has_capacity=False))

    refused(
        record, s.authorised_person(best_interests_decided_on="2026-01-01"), "best_interests_before_capacity_assessment"
    )


def test_a_paid_manager_needs_the_councils_dbs_check(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s, has_capacity=False), s.capacity(has_capacity=False))

    error = refused(record, s.authorised_person(paid_manager=True), "representative_checks_missing")

    assert error.details == {"missing": ["dbs_check"], "paid_manager": True}
    assert when(record, s.authorised_person(paid_manager=True, checks=[DBS])) == ["RepresentativeRecorded"]
    assert [c.reference for c in state(record, s.case_id).representatives["rep-1"].checks] == ["DBS-001234"]


def test_an_authorised_person_without_consent_is_refused(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s, has_capacity=False), s.capacity(has_capacity=False))

    refused(record, s.authorised_person(consented=False), "representative_consent_missing")


# Nominees --------------------------------------------------------------------------------------


def test_a_nominee_without_consent_is_refused(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s))

    error = refused(record, s.nominee(consented=False), "representative_consent_missing")

    assert error.field == "consented"
    assert state(record, s.case_id).representatives == {}


def test_a_nominee_the_adult_did_not_ask_for_is_refused(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s))

    refused(record, s.nominee(requested_by_person=False), "nominee_not_requested")


def test_a_nominee_for_an_adult_who_lacks_capacity_is_refused(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s, has_capacity=False))

    refused(record, s.nominee(), "nominee_needs_capacity")


def test_a_representatives_id_names_nobody_else_on_the_case(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.nominee())

    refused(record, s.nominee(), "representative_id_in_use")
    refused(record, s.nominee(representative_id="carer-1"), "representative_id_in_use")


# The agreement pays a person on the case, by id ---------------------------------------------------


def test_a_direct_payment_to_a_person_not_recorded_on_the_case_is_refused(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s))

    error = refused(record, s.agreement(recipient="nominee", recipient_id="someone-else"), "payee_not_on_the_case")
    assert error.field == "recipient_id"
    refused(record, s.agreement(recipient="person", recipient_id="someone-else"), "payee_not_on_the_case")
    refused(record, s.agreement(recipient="nominee"), "payee_id_required")
    assert state(record, s.case_id).agreements == {}


def test_a_direct_payment_to_the_person_pays_the_person_and_no_one_else(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.nominee())

    refused(record, s.agreement(recipient="person", recipient_id="carer-1"), "payee_is_not_the_person")
    refused(record, s.agreement(recipient="person", recipient_id="rep-1"), "payee_is_not_the_person")


def test_a_representative_is_paid_only_in_the_role_they_were_recorded_in(record: CaseRecord):
    """Margaret named her son her nominee; she has since lost capacity and has an authorised person."""
    s = Scenario()
    given(
        record,
        adult_only_signed_off(s),
        s.nominee(),
        s.capacity(has_capacity=False, assessed_on="2026-01-06"),
        s.authorised_person(representative_id="rep-2", best_interests_decided_on="2026-01-06"),
        s.direct_payment_request(requested_by_id="rep-2", requested_on="2026-01-06"),
    )

    refused(
        record, s.agreement(recipient="authorised_person", recipient_id="rep-1"), "payee_is_not_that_representative"
    )
    refused(record, s.agreement(recipient="nominee", recipient_id="rep-1"), "direct_payment_needs_authorised_person")
    assert when(record, s.agreement(recipient="authorised_person", recipient_id="rep-2")) == [
        "DirectPaymentAgreementMade"
    ]


def test_a_nominee_recorded_on_the_case_receives_the_direct_payment_by_id(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.direct_payment_request(), s.nominee())

    assert when(record, s.agreement(recipient="nominee", recipient_id="rep-1")) == ["DirectPaymentAgreementMade"]

    agreement = state(record, s.case_id).agreements["dp-1"]
    assert (agreement.recipient.value, agreement.recipient_id, agreement.recipient_name) == (
        "nominee",
        "rep-1",
        "Daniel Oduya",
    )
    given(record, s.schedule_payment(1), s.issue_payment(1))
    instruction = last(record, s.case_id, "PaymentIssued").payment_instruction()
    assert (instruction["payee_type"], instruction["payee_id"], instruction["payee_reference"]) == (
        "nominee",
        "rep-1",
        "",
    )


def test_an_authorised_person_is_refused_at_the_agreement_once_capacity_is_regained(record: CaseRecord):
    s = Scenario()
    given(
        record,
        adult_only_signed_off(s, has_capacity=False),
        s.capacity(has_capacity=False),
        s.authorised_person(),
        s.capacity(has_capacity=True, assessed_on="2026-01-06"),
    )

    refused(
        record,
        s.agreement(recipient="authorised_person", recipient_id="rep-1"),
        "authorised_person_for_adult_with_capacity",
    )


# The adult's own request or consent -------------------------------------------------------------


def test_the_adults_own_request_for_a_direct_payment_is_recorded(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s))

    assert when(record, s.direct_payment_request(requested_on="2026-01-07", notes="asked at the review")) == [
        "DirectPaymentRequested"
    ]

    request = state(record, s.case_id).adult.direct_payment_requests[-1]
    assert (request.requested_by_id, request.requested_on, request.withdrawn) == (ADULT, date(2026, 1, 7), False)


def test_for_an_adult_who_lacks_capacity_their_authorised_person_asks(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s, has_capacity=False), s.capacity(has_capacity=False))

    refused(record, s.direct_payment_request(), "direct_payment_request_needs_capacity")
    refused(record, s.direct_payment_request(requested_by_id="rep-1"), "unknown_representative")
    given(record, s.authorised_person())
    assert when(record, s.direct_payment_request(requested_by_id="rep-1")) == ["DirectPaymentRequested"]


def test_a_nominee_does_not_ask_for_the_direct_payment_in_the_persons_place(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.nominee())

    refused(record, s.direct_payment_request(requested_by_id="rep-1"), "direct_payment_request_by_someone_else")


# Old records ------------------------------------------------------------------------------------


def test_an_agreement_and_a_payment_recorded_before_payees_were_kept_still_load(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.agreement(), s.schedule_payment(1), s.issue_payment(1))
    mapper = record.mapper
    old = {}
    for stored in record.recorder.select_events(s.case_id):
        if stored.topic.endswith(("DirectPaymentAgreementMade", "PaymentIssued")):
            fields = mapper.decode_state(stored)
            for new_field in ("recipient_id", "payee_reference", "payee_type", "payee_id"):
                fields.pop(new_field, None)
            old[stored.topic.rsplit(".", 1)[-1]] = event_from_state(
                stored.topic, stored.originator_id, stored.originator_version, fields, mapper.sealer
            )

    made, issued = old["DirectPaymentAgreementMade"], old["PaymentIssued"]
    assert (made.recipient_name, made.recipient_id, made.payee_reference) == ("Margaret Oduya", None, None)
    # An instruction recorded before names no payee, as it was.
    assert "payee_type" not in issued.payment_instruction()
    assert issued.payment_instruction()["amount_pence"] == 92_000


def test_the_checks_a_council_requires_of_every_representative_come_from_its_settings(
    store_env: dict[str, str], catalogue: RuleSetCatalogue, clock: SteppingClock
):
    """CARECASE_REPRESENTATIVE_CHECKS=identity,references: a nominee with neither is refused,
    naming both; with both recorded it is accepted. The paid-manager DBS check is not asked of them."""
    council = Settings.from_environment({"CARECASE_REPRESENTATIVE_CHECKS": "identity,references"}).council
    careful = CaseRecord(store_env, rule_sets=catalogue, council=council, clock=clock)
    s = Scenario()
    given(careful, adult_only_signed_off(s))

    error = refused(careful, s.nominee(), "representative_checks_missing")

    assert error.details == {"missing": ["identity", "references"], "paid_manager": False}
    made = [
        {"check": "identity", "completed_on": "2026-01-04", "reference": "ID-77"},
        {"check": "references", "completed_on": "2026-01-04", "reference": "REF-12"},
    ]
    assert when(careful, s.nominee(checks=made)) == ["RepresentativeRecorded"]


# A direct payment only on request (s.31/s.32) ---------------------------------------------------


def test_a_direct_payment_without_a_request_is_refused_and_accepted_once_the_person_asks(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s, requested=False))

    error = refused(record, s.agreement(), "direct_payment_not_requested")

    assert error.field == "person_id"
    assert state(record, s.case_id).agreements == {}
    given(record, s.direct_payment_request(requested_on="2026-01-06"))
    assert when(record, s.agreement()) == ["DirectPaymentAgreementMade"]
    made = last(record, s.case_id, "DirectPaymentAgreementMade")
    assert (made.requested_by_id, made.requested_on) == (ADULT, date(2026, 1, 6))
    text, breakdown = made.explained()
    assert "at the request of adult-1 on 2026-01-06" in text
    assert (breakdown["requested_by_id"], breakdown["requested_on"]) == (ADULT, "2026-01-06")
    assert record.verify_decision(s.case_id, made.originator_version).verified  # against the request that stood


def test_a_withdrawn_request_refuses_the_agreement_until_the_person_asks_again(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.direct_payment_request(requested_on="2026-01-06", withdrawn=True))

    error = refused(record, s.agreement(), "direct_payment_not_requested")

    assert error.details == {"withdrawn_on": "2026-01-06"}
    given(record, s.direct_payment_request(requested_on="2026-01-08"))
    assert when(record, s.agreement()) == ["DirectPaymentAgreementMade"]


def test_the_adults_own_request_lapses_once_they_are_assessed_as_lacking_capacity(record: CaseRecord):
    """Margaret asked for a direct payment herself; she has since lost capacity for the decision."""
    s = Scenario()
    given(
        record,
        adult_only_signed_off(s),
        s.capacity(has_capacity=False, assessed_on="2026-01-06"),
        s.authorised_person(best_interests_decided_on="2026-01-06"),
    )

    error = refused(
        record, s.agreement(recipient="authorised_person", recipient_id="rep-1"), "direct_payment_request_lapsed"
    )

    assert error.field == "person_id"
    assert error.details == {"requested_by_id": ADULT, "requested_on": "2026-01-05"}
    given(record, s.direct_payment_request(requested_by_id="rep-1", requested_on="2026-01-07"))
    assert when(record, s.agreement(recipient="authorised_person", recipient_id="rep-1")) == [
        "DirectPaymentAgreementMade"
    ]
    assert last(record, s.case_id, "DirectPaymentAgreementMade").requested_by_id == "rep-1"


def asked_by_their_authorised_person(s: Scenario) -> list[c.CaseCommand]:
    """An adult who lacks capacity, whose authorised person rep-1 has asked for a direct payment."""
    return [
        *adult_only_signed_off(s, has_capacity=False),
        s.capacity(has_capacity=False),
        s.authorised_person(),
        s.direct_payment_request(requested_by_id="rep-1"),
    ]


def test_a_request_by_an_authorised_person_lapses_when_a_new_one_is_recorded(record: CaseRecord):
    s = Scenario()
    given(
        record,
        asked_by_their_authorised_person(s),
        s.authorised_person(representative_id="rep-2", best_interests_decided_on="2026-01-06"),
    )

    # rep-1's request is no longer the latest authorised person's: nor is it another person's to pay on.
    refused(record, s.agreement(recipient="authorised_person", recipient_id="rep-2"), "direct_payment_request_lapsed")
    refused(record, s.direct_payment_request(requested_by_id="carer-1"), "unknown_representative")
    given(record, s.direct_payment_request(requested_by_id="rep-2", requested_on="2026-01-06"))
    assert when(record, s.agreement(recipient="authorised_person", recipient_id="rep-2")) == [
        "DirectPaymentAgreementMade"
    ]


def test_an_authorised_persons_request_lapses_once_the_adult_is_found_to_have_capacity(record: CaseRecord):
    s = Scenario()
    given(record, asked_by_their_authorised_person(s), s.capacity(has_capacity=True, assessed_on="2026-01-06"))

    refused(record, s.agreement(), "direct_payment_request_lapsed")
    given(record, s.direct_payment_request(requested_on="2026-01-06"))
    assert when(record, s.agreement()) == ["DirectPaymentAgreementMade"]
