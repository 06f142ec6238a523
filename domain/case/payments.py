"""Direct payments: the agreement, each scheduled payment issued once, suspension, monitoring and
recovery of unspent funds (step 11; rule D1)."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.rules import (
    case_must_be_open,
    direct_payment_needs_capacity_or_authorised_person,
    person_must_exist,
    plan_must_be_approved,
)
from domain.case.state import Agreement, CaseState, PaymentSlot
from domain.errors import NotFound, RuleViolation
from domain.vocabulary import BudgetManagement, Frequency, PaymentRecipient


def agreement_must_exist(state: CaseState, agreement_id: str) -> Agreement:
    agreement = state.agreements.get(agreement_id)
    if agreement is None:
        raise NotFound(f"no direct payment agreement {agreement_id!r}", code="unknown_agreement", field="agreement_id")
    return agreement


def agreement_must_be_active(agreement: Agreement) -> None:
    if agreement.status != "active":
        raise RuleViolation(f"direct payments under {agreement.agreement_id} are {agreement.status}",
                            code=f"payments_{agreement.status}")


def slot_must_exist(agreement: Agreement, slot: int) -> PaymentSlot:
    found = agreement.slots.get(slot)
    if found is None:
        raise NotFound(f"no payment slot {slot} under {agreement.agreement_id}", code="unknown_payment_slot",
                       field="slot")
    return found


def payment_slot_is_paid_at_most_once(slot: PaymentSlot) -> None:
    """D1: one schedule slot, at most one payment issued (a failed payment may be reissued)."""
    if slot.status == "issued":
        raise RuleViolation(f"payment slot {slot.slot} has already been issued", code="payment_already_issued",
                            field="slot")


class PaymentSteps(Recording):
    class DirectPaymentAgreementMade(CaseEvent):
        """A direct payment agreement was made: recipient, start, frequency, amount."""

        person_id: str
        agreement_id: str
        recipient: PaymentRecipient
        recipient_name: str
        start_date: date
        frequency: Frequency
        amount_per_payment_pence: int

        def apply(self, case: Any) -> None:
            case.state.agreements[self.agreement_id] = Agreement(
                agreement_id=self.agreement_id, person_id=self.person_id, recipient=self.recipient,
                recipient_name=self.recipient_name, start_date=self.start_date, frequency=self.frequency,
                amount_per_payment_pence=self.amount_per_payment_pence,
            )

    class PaymentScheduled(CaseEvent):
        """A direct payment was scheduled in a numbered slot."""

        agreement_id: str
        slot: int
        due_on: date
        amount_pence: int

        def apply(self, case: Any) -> None:
            agreement = case.state.agreements[self.agreement_id]
            agreement.slots[self.slot] = PaymentSlot(slot=self.slot, due_on=self.due_on, amount_pence=self.amount_pence)

    class PaymentIssued(CaseEvent):
        """The payment for one schedule slot was issued (at most once per slot)."""

        agreement_id: str
        slot: int
        amount_pence: int
        payment_reference: str

        def apply(self, case: Any) -> None:
            agreement = case.state.agreements[self.agreement_id]
            slot = agreement.slots[self.slot]
            slot.status = "issued"
            slot.issued_at = self.timestamp
            slot.payment_reference = self.payment_reference
            agreement.paid_pence += self.amount_pence

        def payment_instruction(self) -> dict[str, Any]:
            """What the finance system is told to pay; the store writes it to the payment outbox in
            the same transaction as this event (see docs/payments-outbox.md)."""
            return {
                "case_id": self.originator_id.hex,
                "agreement_id": self.agreement_id,
                "slot": self.slot,
                "amount_pence": self.amount_pence,
                "payment_reference": self.payment_reference,
                "issued_at": self.timestamp.isoformat(),
            }

    class PaymentFailed(CaseEvent):
        """An issued payment failed; the slot may be paid again."""

        agreement_id: str
        slot: int
        amount_pence: int
        reason: str

        def apply(self, case: Any) -> None:
            agreement = case.state.agreements[self.agreement_id]
            slot = agreement.slots[self.slot]
            slot.status = "failed"
            slot.failures += 1
            agreement.paid_pence -= self.amount_pence

    class DirectPaymentsSuspended(CaseEvent):
        """Payments under an agreement were suspended, with the reason."""

        agreement_id: str
        reason: str

        def apply(self, case: Any) -> None:
            case.state.agreements[self.agreement_id].status = "suspended"

    class DirectPaymentsResumed(CaseEvent):
        """Suspended payments were resumed, with the reason."""

        agreement_id: str
        reason: str

        def apply(self, case: Any) -> None:
            case.state.agreements[self.agreement_id].status = "active"

    class DirectPaymentAgreementEnded(CaseEvent):
        """A direct payment agreement ended; no further payments."""

        agreement_id: str
        reason: str

        def apply(self, case: Any) -> None:
            case.state.agreements[self.agreement_id].status = "stopped"

    class MonitoringReturnReceived(CaseEvent):
        """A monitoring return was received: spend, receipts above the threshold, underspend."""

        agreement_id: str
        period_start: date
        period_end: date
        spent_pence: int
        receipts_over_threshold: int
        underspend_pence: int
        notes: str

        def apply(self, case: Any) -> None:
            agreement = case.state.agreements[self.agreement_id]
            agreement.monitoring_returns += 1
            agreement.reported_spend_pence += self.spent_pence
            agreement.reported_underspend_pence += self.underspend_pence

    class UnspentFundsRecovered(CaseEvent):
        """Unspent direct payment funds were recovered (s.33)."""

        agreement_id: str
        amount_pence: int
        reason: str

        def apply(self, case: Any) -> None:
            case.state.agreements[self.agreement_id].recovered_pence += self.amount_pence

    def make_direct_payment_agreement(
        self,
        ctx: CommandContext,
        *,
        person_id: str,
        agreement_id: str,
        recipient: PaymentRecipient,
        recipient_name: str,
        start_date: date,
        frequency: Frequency,
        amount_per_payment_pence: int,
    ) -> None:
        case_must_be_open(self.state)
        person = person_must_exist(self.state, person_id)
        plan_must_be_approved(person)
        assert person.plan is not None
        if person.plan.management not in (BudgetManagement.DIRECT_PAYMENT, BudgetManagement.MIX):
            raise RuleViolation(f"the approved plan for {person_id} is not held as a direct payment",
                                code="plan_not_direct_payment")
        if agreement_id in self.state.agreements:
            raise RuleViolation(f"agreement {agreement_id!r} already exists", code="agreement_id_in_use",
                                field="agreement_id")
        direct_payment_needs_capacity_or_authorised_person(person, recipient)
        self._record(ctx, self.DirectPaymentAgreementMade, person_id=person_id, agreement_id=agreement_id,
                     recipient=recipient, recipient_name=recipient_name, start_date=start_date, frequency=frequency,
                     amount_per_payment_pence=amount_per_payment_pence)

    def schedule_payment(
        self, ctx: CommandContext, *, agreement_id: str, slot: int, due_on: date, amount_pence: int
    ) -> None:
        case_must_be_open(self.state)
        agreement = agreement_must_exist(self.state, agreement_id)
        if agreement.status == "stopped":
            agreement_must_be_active(agreement)
        if slot in agreement.slots:
            raise RuleViolation(f"payment slot {slot} is already scheduled", code="payment_slot_already_scheduled",
                                field="slot")
        if due_on < agreement.start_date:
            raise RuleViolation("a payment cannot fall due before the agreement starts", code="payment_before_start",
                                field="due_on")
        self._record(ctx, self.PaymentScheduled, agreement_id=agreement_id, slot=slot, due_on=due_on,
                     amount_pence=amount_pence)

    def issue_payment(self, ctx: CommandContext, *, agreement_id: str, slot: int, payment_reference: str) -> None:
        case_must_be_open(self.state)
        agreement = agreement_must_exist(self.state, agreement_id)
        agreement_must_be_active(agreement)
        scheduled = slot_must_exist(agreement, slot)
        payment_slot_is_paid_at_most_once(scheduled)
        self._record(ctx, self.PaymentIssued, agreement_id=agreement_id, slot=slot, amount_pence=scheduled.amount_pence,
                     payment_reference=payment_reference)

    def record_payment_failure(self, ctx: CommandContext, *, agreement_id: str, slot: int, reason: str) -> None:
        case_must_be_open(self.state)
        agreement = agreement_must_exist(self.state, agreement_id)
        issued = slot_must_exist(agreement, slot)
        if issued.status != "issued":
            raise RuleViolation(f"payment slot {slot} was not issued, so it cannot fail", code="payment_not_issued",
                                field="slot")
        self._record(ctx, self.PaymentFailed, agreement_id=agreement_id, slot=slot, amount_pence=issued.amount_pence,
                     reason=reason)

    def suspend_direct_payments(self, ctx: CommandContext, *, agreement_id: str, reason: str) -> None:
        case_must_be_open(self.state)
        agreement_must_be_active(agreement_must_exist(self.state, agreement_id))
        self._record(ctx, self.DirectPaymentsSuspended, agreement_id=agreement_id, reason=reason)

    def resume_direct_payments(self, ctx: CommandContext, *, agreement_id: str, reason: str) -> None:
        case_must_be_open(self.state)
        agreement = agreement_must_exist(self.state, agreement_id)
        if agreement.status != "suspended":
            raise RuleViolation(f"payments under {agreement_id} are not suspended", code="payments_not_suspended")
        self._record(ctx, self.DirectPaymentsResumed, agreement_id=agreement_id, reason=reason)

    def end_direct_payment_agreement(self, ctx: CommandContext, *, agreement_id: str, reason: str) -> None:
        case_must_be_open(self.state)
        agreement = agreement_must_exist(self.state, agreement_id)
        if agreement.status == "stopped":
            raise RuleViolation(f"agreement {agreement_id} has already ended", code="payments_stopped")
        self._record(ctx, self.DirectPaymentAgreementEnded, agreement_id=agreement_id, reason=reason)

    def receive_monitoring_return(
        self,
        ctx: CommandContext,
        *,
        agreement_id: str,
        period_start: date,
        period_end: date,
        spent_pence: int,
        receipts_over_threshold: int,
        underspend_pence: int,
        notes: str,
    ) -> None:
        case_must_be_open(self.state)
        agreement_must_exist(self.state, agreement_id)
        if period_end < period_start:
            raise RuleViolation("a monitoring period ends after it starts", code="period_reversed",
                                field="period_end")
        self._record(ctx, self.MonitoringReturnReceived, agreement_id=agreement_id, period_start=period_start,
                     period_end=period_end, spent_pence=spent_pence, receipts_over_threshold=receipts_over_threshold,
                     underspend_pence=underspend_pence, notes=notes)

    def recover_unspent_funds(self, ctx: CommandContext, *, agreement_id: str, amount_pence: int, reason: str) -> None:
        """s.33: only what monitoring showed unspent, and not yet recovered, can be recovered."""
        case_must_be_open(self.state)
        agreement = agreement_must_exist(self.state, agreement_id)
        recoverable = agreement.reported_underspend_pence - agreement.recovered_pence
        if amount_pence > recoverable:
            raise RuleViolation(
                f"only {recoverable} pence is reported unspent and not yet recovered",
                code="recovery_exceeds_underspend", field="amount_pence",
                details={"recoverable_pence": recoverable},
            )
        self._record(ctx, self.UnspentFundsRecovered, agreement_id=agreement_id, amount_pence=amount_pence,
                     reason=reason)
