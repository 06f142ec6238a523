"""D1: a direct payment goes to a person with capacity or to an authorised person; a same-household
close relative is paid only where necessity is recorded; each scheduled payment is issued once."""

from __future__ import annotations

import pytest

from domain.application import CaseRecord
from tests.builders import ADULT, Scenario, plan_for
from tests.domain.story import adult_only_signed_off, given, last, refused, state, when

PAYMENT_PENCE = 92_000


def household_relative_plan(**line_overrides) -> dict:
    plan = plan_for(ADULT)
    plan["lines"] = [
        {
            **plan["lines"][0],
            "provider": "close_relative_same_household",
            "provider_name": "Daniel Oduya",
            **line_overrides,
        }
    ]
    return plan


def paying(s: Scenario):
    """An approved direct payment with its first four-weekly payment scheduled."""
    return [adult_only_signed_off(s), s.agreement(), s.schedule_payment(1)]


@pytest.mark.parametrize("recipient", ["person", "nominee"])
def test_an_adult_without_capacity_cannot_hold_a_direct_payment_themselves(record: CaseRecord, recipient: str):
    s = Scenario()
    given(record, adult_only_signed_off(s, has_capacity=False))

    error = refused(record, s.agreement(recipient=recipient), "direct_payment_needs_authorised_person")

    assert error.field == "recipient"


def test_an_adult_without_capacity_has_their_direct_payment_made_to_an_authorised_person(record: CaseRecord):
    s = Scenario()
    given(
        record,
        adult_only_signed_off(s, has_capacity=False),
        s.capacity(has_capacity=False),
        s.authorised_person(representative_id="rep-1"),
        s.direct_payment_request(requested_by_id="rep-1"),
    )

    assert when(record, s.agreement(recipient="authorised_person", recipient_id="rep-1")) == [
        "DirectPaymentAgreementMade"
    ]

    agreement = last(record, s.case_id, "DirectPaymentAgreementMade")
    assert (agreement.person_id, agreement.recipient.value, agreement.recipient_id, agreement.recipient_name) == (
        ADULT,
        "authorised_person",
        "rep-1",
        "Daniel Oduya",
    )


def test_an_adult_with_capacity_receives_the_direct_payment_themselves(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s))

    assert when(record, s.agreement(recipient="person")) == ["DirectPaymentAgreementMade"]


def test_no_agreement_is_made_before_the_plan_is_approved(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_gate(), s.decline(), s.eligibility(), s.budget(), s.finances(), s.draft(), s.submit())

    refused(record, s.agreement(), "plan_not_approved")


def test_a_direct_payment_to_a_close_relative_in_the_same_household_is_refused_without_a_recorded_necessity(
    record: CaseRecord,
):
    s = Scenario()
    given(record, s.up_to_gate(), s.decline(), s.eligibility(), s.budget(), s.finances())

    error = refused(record, s.draft(plan=household_relative_plan()), "spending_rule_breached")

    assert error.field == "plan.lines"
    assert [b["rule"] for b in error.details["breaches"]] == [
        "direct_payment_must_not_pay_household_relative_without_recorded_necessity"
    ]
    assert state(record, s.case_id).adult.plan is None


def test_a_direct_payment_to_a_household_relative_is_accepted_once_necessity_is_recorded(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_gate(), s.decline(), s.eligibility(), s.budget(), s.finances())
    necessary = "Margaret accepts personal care only from her son; agencies tried and refused (see note 12)"

    assert when(record, s.draft(plan=household_relative_plan(necessity_reason=necessary))) == ["SupportPlanDrafted"]

    assert last(record, s.case_id, "SupportPlanDrafted").plan.lines[0].necessity_reason == necessary


def test_revising_a_plan_to_pay_a_household_relative_by_direct_payment_is_refused_too(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_gate(), s.decline(), s.eligibility(), s.budget(), s.finances(), s.draft())

    refused(record, s.revise(plan=household_relative_plan()), "spending_rule_breached")


def test_each_payment_slot_is_issued_once_and_once_only(record: CaseRecord):
    s = Scenario()
    given(record, paying(s))
    first = s.issue_payment(1)

    assert when(record, first) == ["PaymentIssued"]

    issued = last(record, s.case_id, "PaymentIssued")
    assert (issued.slot, issued.amount_pence, issued.payment_reference) == (1, PAYMENT_PENCE, "PAY-0001")
    error = refused(record, s.issue_payment(1, payment_reference="PAY-0001-AGAIN"), "payment_already_issued")
    assert error.field == "slot"
    assert state(record, s.case_id).agreements["dp-1"].paid_pence == PAYMENT_PENCE


def test_repeating_the_issue_command_returns_the_first_payment_and_appends_nothing(record: CaseRecord):
    s = Scenario()
    given(record, paying(s))
    issue = s.issue_payment(1)
    first = record.handle(issue)
    before = len(record.stored_events(s.case_id))

    again = record.handle(issue)

    assert again.duplicate is True
    assert [(e.type, e.version, e.chain_hash) for e in again.events] == [
        (e.type, e.version, e.chain_hash) for e in first.events
    ]
    assert len(record.stored_events(s.case_id)) == before
    assert state(record, s.case_id).agreements["dp-1"].paid_pence == PAYMENT_PENCE


def test_suspended_payments_are_not_issued_until_resumed(record: CaseRecord):
    s = Scenario()
    given(record, paying(s))
    assert when(record, s.suspend(reason="in hospital for a fortnight")) == ["DirectPaymentsSuspended"]

    refused(record, s.issue_payment(1), "payments_suspended")

    assert when(record, s.resume()) == ["DirectPaymentsResumed"]
    assert when(record, s.issue_payment(1)) == ["PaymentIssued"]


def test_a_failed_payment_may_be_issued_again(record: CaseRecord):
    s = Scenario()
    given(record, paying(s), s.issue_payment(1))

    assert when(record, s.fail_payment(1, reason="bank account closed")) == ["PaymentFailed"]
    assert state(record, s.case_id).agreements["dp-1"].paid_pence == 0

    assert when(record, s.issue_payment(1, payment_reference="PAY-0001-R1")) == ["PaymentIssued"]

    slot = state(record, s.case_id).agreements["dp-1"].slots[1]
    assert (slot.status, slot.failures, slot.payment_reference) == ("issued", 1, "PAY-0001-R1")
    assert state(record, s.case_id).agreements["dp-1"].paid_pence == PAYMENT_PENCE


def test_a_payment_that_was_never_issued_cannot_fail(record: CaseRecord):
    s = Scenario()
    given(record, paying(s))

    refused(record, s.fail_payment(1), "payment_not_issued")


def test_an_unscheduled_slot_is_not_paid(record: CaseRecord):
    s = Scenario()
    given(record, paying(s))

    error = refused(record, s.issue_payment(2), "unknown_payment_slot")

    assert error.field == "slot"


def test_recovery_is_limited_to_the_underspend_reported_and_not_yet_recovered(record: CaseRecord):
    s = Scenario()
    # One payment of £920 received, £660 of it spent: £260 held (a return can spend no more than it got).
    given(record, paying(s), s.issue_payment(1), s.monitoring_return(spent_pence=66_000, underspend_pence=26_000))

    error = refused(record, s.recover(amount_pence=30_000), "recovery_exceeds_underspend")
    assert (error.field, error.details) == (
        "amount_pence",
        {"balance_pence": 26_000, "contingency_pence": 0, "recoverable_pence": 26_000},
    )

    assert when(record, s.recover(amount_pence=20_000)) == ["UnspentFundsRecovered"]
    error = refused(record, s.recover(amount_pence=6_001), "recovery_exceeds_underspend")
    assert error.details == {"balance_pence": 6_000, "contingency_pence": 0, "recoverable_pence": 6_000}
    assert when(record, s.recover(amount_pence=6_000)) == ["UnspentFundsRecovered"]
    assert state(record, s.case_id).agreements["dp-1"].recovered_pence == 26_000


def test_nothing_is_recovered_before_a_monitoring_return_reports_an_underspend(record: CaseRecord):
    s = Scenario()
    given(record, paying(s), s.issue_payment(1))

    error = refused(record, s.recover(amount_pence=1), "recovery_exceeds_underspend")

    assert error.details == {"balance_pence": 0, "contingency_pence": 0, "recoverable_pence": 0}
