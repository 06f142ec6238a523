"""Commands of direct payments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, StrictInt

from domain.commands.base import CaseCommand, Identifier, Name, Notes, Reason, Services
from domain.money import Pence
from domain.values import CaseDate
from domain.vocabulary import Frequency, PaymentRecipient

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext

Slot = StrictInt


class MakeDirectPaymentAgreement(CaseCommand):
    person_id: Identifier
    agreement_id: Identifier
    recipient: PaymentRecipient
    recipient_name: Name
    start_date: CaseDate
    frequency: Frequency
    amount_per_payment_pence: Pence = Field(gt=0)

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.make_direct_payment_agreement(
            ctx,
            person_id=self.person_id,
            agreement_id=self.agreement_id,
            recipient=self.recipient,
            recipient_name=self.recipient_name,
            start_date=self.start_date,
            frequency=self.frequency,
            amount_per_payment_pence=self.amount_per_payment_pence,
            tolerance_basis_points=services.council.agreement_tolerance_basis_points,
            backdating_limit_days=services.council.agreement_backdating_limit_days,
            future_start_limit_days=services.council.agreement_future_start_limit_days,
        )


class ConfirmArrearsPayment(CaseCommand):
    """A finance officer confirms the one catch-up payment for a back-dated agreement's arrears,
    stating the amount (it must equal the arrears the record worked out)."""

    agreement_id: Identifier
    amount_pence: Pence = Field(gt=0)

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.confirm_arrears_payment(ctx, agreement_id=self.agreement_id, amount_pence=self.amount_pence)


class SchedulePayment(CaseCommand):
    agreement_id: Identifier
    slot: StrictInt = Field(ge=1, le=100_000)
    due_on: CaseDate
    amount_pence: Pence = Field(gt=0)

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.schedule_payment(
            ctx, agreement_id=self.agreement_id, slot=self.slot, due_on=self.due_on, amount_pence=self.amount_pence
        )


class IssuePayment(CaseCommand):
    agreement_id: Identifier
    slot: StrictInt = Field(ge=1, le=100_000)
    payment_reference: Identifier

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.issue_payment(
            ctx, agreement_id=self.agreement_id, slot=self.slot, payment_reference=self.payment_reference
        )


class RecordPaymentFailure(CaseCommand):
    agreement_id: Identifier
    slot: StrictInt = Field(ge=1, le=100_000)
    reason: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.record_payment_failure(ctx, agreement_id=self.agreement_id, slot=self.slot, reason=self.reason)


class SuspendDirectPayments(CaseCommand):
    agreement_id: Identifier
    reason: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.suspend_direct_payments(ctx, agreement_id=self.agreement_id, reason=self.reason)


class ResumeDirectPayments(CaseCommand):
    agreement_id: Identifier
    reason: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.resume_direct_payments(ctx, agreement_id=self.agreement_id, reason=self.reason)


class EndDirectPaymentAgreement(CaseCommand):
    agreement_id: Identifier
    reason: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.end_direct_payment_agreement(ctx, agreement_id=self.agreement_id, reason=self.reason)


class ReceiveMonitoringReturn(CaseCommand):
    agreement_id: Identifier
    period_start: CaseDate
    period_end: CaseDate
    spent_pence: Pence
    receipts_over_threshold: StrictInt = Field(ge=0, le=100_000)
    underspend_pence: Pence
    notes: Notes = ""

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.receive_monitoring_return(
            ctx,
            agreement_id=self.agreement_id,
            period_start=self.period_start,
            period_end=self.period_end,
            spent_pence=self.spent_pence,
            receipts_over_threshold=self.receipts_over_threshold,
            underspend_pence=self.underspend_pence,
            notes=self.notes,
        )


class RecoverUnspentFunds(CaseCommand):
    agreement_id: Identifier
    amount_pence: Pence = Field(gt=0)
    reason: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.recover_unspent_funds(
            ctx, agreement_id=self.agreement_id, amount_pence=self.amount_pence, reason=self.reason
        )


class VaryDirectPaymentAgreement(CaseCommand):
    """New terms for an agreement from a date (amount, frequency), following the approved figure;
    the slots before the from-date keep theirs."""

    agreement_id: Identifier
    amount_per_payment_pence: Pence = Field(gt=0)
    frequency: Frequency
    from_date: CaseDate
    reason: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.vary_direct_payment_agreement(
            ctx,
            agreement_id=self.agreement_id,
            amount_per_payment_pence=self.amount_per_payment_pence,
            frequency=self.frequency,
            from_date=self.from_date,
            reason=self.reason,
            tolerance_basis_points=services.council.agreement_tolerance_basis_points,
            backdating_limit_days=services.council.agreement_backdating_limit_days,
            future_start_limit_days=services.council.agreement_future_start_limit_days,
        )
