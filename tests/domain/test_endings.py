"""Endings per person, and the money after them: an adult's death ends the adult's plan and agreement
with a final payment worked out to the day while the carer's plan goes on; closing the case is the
last ending and needs a team manager while a challenge is open or payments are due; money stays
reconcilable after the ending and after closure until finance closes the account."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain import commands as c
from domain.application import CaseRecord
from domain.case.work import work_items
from domain.decision_audit import explain
from domain.people import SYSTEM_ACTOR, Actor, Role
from tests.builders import ADULT, FINANCE, MANAGER, Scenario
from tests.clock import SteppingClock
from tests.domain.story import CARER_BUDGET_PENCE, adult_only_signed_off, carer_plan, given, last, refused, state, when

PAYMENT = 92_000  # £920 four-weekly: slots due 2 Feb, 2 Mar, 30 Mar 2026
DIED_ON = "2026-03-15"
# Slot 2 (due 2 Mar) pays for 2 Mar to 29 Mar, 28 days; 13 of them (2 to 14 Mar) are before the death.
OWED_FOR_SLOT_2 = PAYMENT * 13 // 28  # 42,714 pence: £427.14


def command(s: Scenario, cls: type[c.CaseCommand], **fields: Any) -> Any:
    return s._make(cls, {"actor": FINANCE}, fields)


def died(s: Scenario, **kw: Any) -> c.EndInvolvement:
    fields = {"person_id": ADULT, "reason": "adult_died", "ended_on": DIED_ON, "notes": "notified by her son"}
    return s._make(c.EndInvolvement, fields, kw)


def carer_agreement(s: Scenario) -> c.MakeDirectPaymentAgreement:
    return s.agreement("carer-1", agreement_id="dp-2", frequency="annual", amount_per_payment_pence=CARER_BUDGET_PENCE)


def adult_and_carer_paid(s: Scenario) -> list[c.CaseCommand]:
    """The adult's four-weekly direct payment (slot 1 paid, slot 2's payment failed) and the carer's
    annual one, both plans approved."""
    return [
        s.up_to_planning(),
        s.direct_payment_request("carer-1"),
        s.draft(),
        s.draft("carer-1", plan=carer_plan()),
        s.submit(),
        s.submit("carer-1"),
        s.sign_off(),
        s.sign_off("carer-1"),
        s.agreement(),
        carer_agreement(s),
        s.schedule_payment(1),
        s.issue_payment(1),
        s.schedule_payment(2),
        s.issue_payment(2),
        s.fail_payment(2),
    ]


def test_an_adults_death_ends_her_plan_and_agreement_with_a_final_payment_to_the_day_and_the_carer_goes_on(
    record: CaseRecord, clock: SteppingClock
):
    s = Scenario()
    given(record, adult_and_carer_paid(s), s.schedule_review(person_ids=[ADULT, "carer-1"]))
    given(record, s.schedule_review(review_id="rv-2", person_ids=[ADULT], kind="direct_payment_first"))
    clock.advance(timedelta(days=72))  # 18 March 2026: the death on the 15th is recorded

    assert when(record, died(s)) == ["InvolvementEnded", "FinalSettlementWorkedOut", "DirectPaymentAgreementEnded"]

    settled = last(record, s.case_id, "FinalSettlementWorkedOut")
    assert (settled.final_payment_pence, settled.overpayment_pence, settled.first_unpaid_slot) == (
        OWED_FOR_SLOT_2,
        0,
        2,
    )
    working = [
        (line.slot, line.paid, line.days_before_ending, line.days_in_slot, line.owed_pence) for line in settled.lines
    ]
    assert working == [
        (1, True, 28, 28, PAYMENT),
        (2, False, 13, 28, 42_714),
    ]
    explanation = explain(settled)
    assert explanation.plain_english == (
        "Agreement dp-1 ended on 2026-03-15 (adult died); the days before the ending are paid for: slot 1 "
        "(£920.00 due 2026-02-02, paid) covers 28 of its 28 days before the ending: £920.00 owed; slot 2 (£920.00 "
        "due 2026-03-02, not paid) covers 13 of its 28 days before the ending: £427.14 owed. So a final payment of "
        "£427.14 is due."
    )

    case = state(record, s.case_id)
    adult, carer = case.adult, case.people["carer-1"]
    assert (adult.plan_status.value, adult.involvement_ended_on.isoformat()) == ("ended", DIED_ON)
    assert (case.agreements["dp-1"].status, case.agreements["dp-1"].stopped_on.isoformat()) == ("stopped", DIED_ON)
    # The carer's plan and payments go on; the review that was only the adult's is cancelled, the
    # shared one goes on for the carer; the carer's support is to be reviewed now that caring ended.
    assert (carer.plan_status.value, carer.involvement_ended_on, case.agreements["dp-2"].status) == (
        "approved",
        None,
        "active",
    )
    assert (case.reviews["rv-1"].status, case.reviews["rv-1"].person_ids) == ("scheduled", ["carer-1"])
    assert case.reviews["rv-2"].status == "cancelled"
    assert ("review_carer_support", "carer-1") in [(i.kind, i.person_id) for i in work_items(case)]
    assert case.closed is False

    # The final payment is paid once, as one payment instruction.
    pay = command(s, c.IssueFinalPayment, agreement_id="dp-1", actor=SYSTEM_ACTOR)
    assert when(record, pay) == ["FinalPaymentIssued"]
    assert last(record, s.case_id, "FinalPaymentIssued").payment_instruction()["amount_pence"] == OWED_FOR_SLOT_2
    refused(record, command(s, c.IssueFinalPayment, agreement_id="dp-1"), "final_payment_already_paid")

    # Decision replay works the final payment out again from what was recorded before it.
    check = record.verify_decision(s.case_id, settled.originator_version)
    assert (check.method, check.verified, check.problems) == ("recomputed", True, [])

    # A social worker alone cannot close the case while the carer's payments run; a team manager can.
    refused(record, s.close(reason="deceased"), "closure_needs_team_manager")
    closed = when(record, s.close(reason="deceased", actor=MANAGER))
    assert closed[0] == "InvolvementEnded" and closed[-1] == "CaseClosed"
    assert last(record, s.case_id, "InvolvementEnded").reason.value == "adult_died"
    assert state(record, s.case_id).agreements["dp-2"].settled

    # After the case closes: the final monitoring return to the death (slot 1 and the final payment
    # received), then the unspent balance recovered from her estate, and finance closes the account.
    final_return = s.monitoring_return(period_end=DIED_ON, spent_pence=100_000, underspend_pence=None)
    assert when(record, final_return) == ["MonitoringReturnReceived"]
    unspent = PAYMENT + OWED_FOR_SLOT_2 - 100_000
    assert state(record, s.case_id).agreements["dp-1"].balance_pence == unspent
    refused(record, command(s, c.CloseDirectPaymentAccount, agreement_id="dp-1"), "account_amount_outstanding")
    estate = s.recover(amount_pence=unspent, recovered_from="estate", reason="unspent at her death")
    assert when(record, estate) == ["UnspentFundsRecovered"]
    assert last(record, s.case_id, "UnspentFundsRecovered").recovered_from.value == "estate"
    assert when(record, command(s, c.CloseDirectPaymentAccount, agreement_id="dp-1")) == ["DirectPaymentAccountClosed"]
    dp1 = state(record, s.case_id).agreements["dp-1"]
    assert (dp1.account_closed, dp1.outstanding_pence()) == (True, 0)
    # Closed means closed: no more money under it.
    refused(record, s.recover(amount_pence=1), "direct_payment_account_closed")


def test_a_payment_made_in_advance_for_days_after_the_ending_is_an_overpayment_recovered_from_the_estate(
    record: CaseRecord, clock: SteppingClock
):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.agreement())
    given(record, [s.schedule_payment(1), s.issue_payment(1), s.schedule_payment(2), s.issue_payment(2)])
    clock.advance(timedelta(days=72))

    # Before the death is recorded there is no estate; a recovery of what was paid after the ending
    # is the overpayment's own.
    refused(record, s.recover(recovered_from="estate"), "no_estate_to_recover_from")
    assert when(record, died(s))[-1] == "DirectPaymentAgreementEnded"
    settled = last(record, s.case_id, "FinalSettlementWorkedOut")
    overpaid = PAYMENT - OWED_FOR_SLOT_2  # 49,286 pence: 15 of slot 2's 28 days came after the death
    assert (settled.final_payment_pence, settled.overpayment_pence) == (0, overpaid)
    assert explain(settled).plain_english.endswith(f"So £{overpaid / 100:,.2f} was overpaid and is to be recovered.")
    refused(record, s.recover_after_stop(stopped_from=DIED_ON), "recovered_as_the_overpayment")

    def recover(amount_pence: int) -> c.RecoverOverpayment:
        fields = {"agreement_id": "dp-1", "recovered_from": "estate", "reason": "paid in advance"}
        return command(s, c.RecoverOverpayment, amount_pence=amount_pence, **fields)

    refused(record, recover(overpaid + 1), "recovery_exceeds_overpayment")
    assert when(record, recover(overpaid - 500)) == ["OverpaymentRecovered"]
    recovered = last(record, s.case_id, "OverpaymentRecovered")
    assert record.verify_decision(s.case_id, recovered.originator_version).verified

    # £5 is left: finance writes it off with a reason (within a finance officer's limit), never silently.
    def close(**kw: Any) -> c.CloseDirectPaymentAccount:
        return command(s, c.CloseDirectPaymentAccount, agreement_id="dp-1", **kw)

    refused(record, close(), "account_amount_outstanding")
    refused(record, close(write_off_pence=500), "write_off_reason_required")
    refused(record, close(write_off_pence=499, write_off_reason="not worth pursuing"), "account_amount_outstanding")
    assert when(record, close(write_off_pence=500, write_off_reason="not worth pursuing")) == [
        "DirectPaymentAccountClosed"
    ]
    assert state(record, s.case_id).agreements["dp-1"].outstanding_pence() == 0


def test_closing_with_a_challenge_open_needs_a_team_manager(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.challenge())

    error = refused(record, s.close(), "closure_needs_team_manager")
    assert error.details == {"open_challenges": ["ch-1"], "agreements_paying": []}
    # The adult's involvement ends, and the carer's (who declined an assessment), then the case closes.
    assert when(record, s.close(actor=MANAGER)) == ["InvolvementEnded", "InvolvementEnded", "CaseClosed"]
    assert state(record, s.case_id).adult.involvement_end_reason.value == "needs_met"


def test_a_social_worker_closes_a_case_with_nothing_running(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s))

    assert when(record, s.close()) == ["InvolvementEnded", "InvolvementEnded", "CaseClosed"]


def test_an_ending_is_refused_when_it_does_not_fit_the_person_or_has_happened(record: CaseRecord, clock: SteppingClock):
    s = Scenario()
    given(record, adult_only_signed_off(s))
    refused(record, died(s), "date_in_the_future")
    clock.advance(timedelta(days=72))

    error = refused(record, died(s, reason="carer_stopped_caring"), "end_reason_not_for_this_person")
    assert error.field == "reason"
    refused(record, died(s, ended_on="2025-01-01"), "ending_before_case_began")
    refused(record, died(s, person_id="nobody"), "unknown_person")
    given(record, died(s, reason="moved_to_residential_care"))
    refused(record, died(s), "involvement_already_ended")
    error = refused(record, s.request_review(), "involvement_already_ended")
    assert error.field == "person_ids"


def test_a_review_that_closes_the_plan_ends_the_persons_involvement_and_agreement(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.agreement(), s.schedule_review())

    refused(record, s.complete_review(end_reason="needs_met"), "review_end_reason_invalid")
    refused(record, s.complete_review(outcome="close", end_reason="adult_died"), "review_end_reason_invalid")
    assert when(record, s.complete_review(outcome="close", end_reason="no_longer_eligible")) == [
        "ReviewCompleted",
        "InvolvementEnded",
        "FinalSettlementWorkedOut",
        "DirectPaymentAgreementEnded",
    ]
    case = state(record, s.case_id)
    ended = (case.adult.involvement_end_reason.value, case.agreements["dp-1"].status)
    assert ended == ("no_longer_eligible", "stopped")
    assert case.stage.value == "in_service"  # everyone's involvement ended: the case awaits its closure


def test_a_write_off_beyond_a_finance_officers_limit_is_a_head_of_services(record: CaseRecord, clock: SteppingClock):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.agreement())
    given(record, [s.schedule_payment(1), s.issue_payment(1), s.schedule_payment(2), s.issue_payment(2)])
    clock.advance(timedelta(days=72))
    # She moved into a care home on 10 February: 8 of slot 1's 28 days were before, slot 2 all after.
    given(record, died(s, reason="moved_to_residential_care", ended_on="2026-02-10"))
    overpaid = 2 * PAYMENT - PAYMENT * 8 // 28
    assert last(record, s.case_id, "FinalSettlementWorkedOut").overpayment_pence == overpaid

    fields = {"agreement_id": "dp-1", "write_off_pence": overpaid, "write_off_reason": "the person cannot repay"}
    error = refused(record, command(s, c.CloseDirectPaymentAccount, **fields), "write_off_beyond_delegated_authority")
    assert error.details == {"limit_pence": 50_000}
    head_of_service = Actor(user_id="hos-priya", role=Role.HEAD_OF_SERVICE)
    assert when(record, command(s, c.CloseDirectPaymentAccount, actor=head_of_service, **fields)) == [
        "DirectPaymentAccountClosed"
    ]
