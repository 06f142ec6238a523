"""Commands of direct payments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, StrictInt

from domain.commands.base import CaseCommand, Identifier, Notes, Reason, Services
from domain.money import Pence
from domain.values import CaseDate
from domain.vocabulary import Frequency, PaymentRecipient, RecoveredFrom

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext

Slot = StrictInt


class MakeDirectPaymentAgreement(CaseCommand):
    person_id: Identifier
    agreement_id: Identifier
    recipient: PaymentRecipient = Field(
        description="who is paid: the person, their authorised person or nominee (direct payment or a mix), "
        "a managed account or an ISF provider (the plan names them)"
    )
    recipient_id: Identifier | None = Field(
        default=None,
        description="the payee on the case: omitted for the person themselves; the authorised person's or "
        "nominee's id; omitted for a managed account or an ISF provider",
    )
    start_date: CaseDate
    frequency: Frequency
    amount_per_payment_pence: Pence = Field(gt=0)

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.make_direct_payment_agreement(
            ctx,
            person_id=self.person_id,
            agreement_id=self.agreement_id,
            recipient=self.recipient,
            recipient_id=self.recipient_id,
            start_date=self.start_date,
            frequency=self.frequency,
            amount_per_payment_pence=self.amount_per_payment_pence,
            policy=services.council.agreement_terms_policy(),
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
    """A monitoring return: the period, what was spent, how many items cost more than the council's
    receipt threshold and how many of them have receipts; the underspend, if stated, must be the
    balance the figures leave."""

    agreement_id: Identifier
    period_start: CaseDate
    period_end: CaseDate
    spent_pence: Pence
    items_over_threshold: StrictInt = Field(
        ge=0, le=100_000, description="Items of spend costing more than the council's receipt threshold"
    )
    receipts_over_threshold: StrictInt = Field(ge=0, le=100_000, description="Receipts for those items")
    underspend_pence: Pence | None = None
    notes: Notes = ""

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.receive_monitoring_return(
            ctx,
            agreement_id=self.agreement_id,
            period_start=self.period_start,
            period_end=self.period_end,
            spent_pence=self.spent_pence,
            items_over_threshold=self.items_over_threshold,
            receipts_over_threshold=self.receipts_over_threshold,
            underspend_pence=self.underspend_pence,
            notes=self.notes,
            receipt_threshold_pence=services.council.monitoring_receipt_threshold_pence,
        )


class RecoverUnspentFunds(CaseCommand):
    """Recover a surplus (s.33): at most the balance held less the council's contingency."""

    agreement_id: Identifier
    amount_pence: Pence = Field(gt=0)
    reason: Reason
    recovered_from: RecoveredFrom = Field(
        default=RecoveredFrom.PERSON,
        description="who it is recovered from: the person, their representative, or estate",
    )

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.recover_unspent_funds(
            ctx,
            agreement_id=self.agreement_id,
            amount_pence=self.amount_pence,
            reason=self.reason,
            contingency_weeks=services.council.monitoring_contingency_weeks,
            recovered_from=self.recovered_from,
        )


class RecoverMisspentFunds(CaseCommand):
    """Recover money not used to meet the needs in the plan (s.33), with the reason."""

    agreement_id: Identifier
    amount_pence: Pence = Field(gt=0)
    reason: Reason
    recovered_from: RecoveredFrom = Field(
        default=RecoveredFrom.PERSON,
        description="who it is recovered from: the person, their representative, or estate",
    )

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.recover_misspent_funds(
            ctx,
            agreement_id=self.agreement_id,
            amount_pence=self.amount_pence,
            reason=self.reason,
            recovered_from=self.recovered_from,
        )


class RecoverPaymentsAfterStop(CaseCommand):
    """Recover every payment issued for a slot due on or after the day payments were suspended or the
    agreement ended."""

    agreement_id: Identifier
    stopped_from: CaseDate
    reason: Reason
    recovered_from: RecoveredFrom = Field(
        default=RecoveredFrom.PERSON,
        description="who it is recovered from: the person, their representative, or estate",
    )

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.recover_payments_after_stop(
            ctx,
            agreement_id=self.agreement_id,
            stopped_from=self.stopped_from,
            reason=self.reason,
            recovered_from=self.recovered_from,
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
            policy=services.council.agreement_terms_policy(),
        )
