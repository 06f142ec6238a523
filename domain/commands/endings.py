"""Commands of endings per person and the money after them (domain/case/endings.py)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import Field

from domain.commands.base import (
    CaseCommand,
    CouncilSettings,
    Identifier,
    Notes,
    Reason,
    Services,
    date_must_not_be_in_the_future,
)
from domain.money import Pence
from domain.values import CaseDate
from domain.vocabulary import InvolvementEndReason, RecoveredFrom

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext


class EndInvolvement(CaseCommand):
    """End one person's involvement (the others on the case carry on): their plan ends, their
    reviews are cancelled, and their agreements end with a final payment or an overpayment worked
    out to the day."""

    person_id: Identifier
    reason: InvolvementEndReason
    ended_on: CaseDate = Field(description="the day the involvement ended (a death: the date of death)")
    notes: Notes = ""

    def admit(self, ctx: CommandContext, case_began_at: datetime | None, council: CouncilSettings) -> None:
        super().admit(ctx, case_began_at, council)
        date_must_not_be_in_the_future(self.ended_on, ctx, "ended_on")

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.end_involvement(
            ctx, person_id=self.person_id, reason=self.reason, ended_on=self.ended_on, notes=self.notes
        )


class IssueFinalPayment(CaseCommand):
    """Pay, once, the final payment an ending worked out (the process sends it)."""

    agreement_id: Identifier

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.issue_final_payment(ctx, agreement_id=self.agreement_id)


class RecoverOverpayment(CaseCommand):
    """Recover what was paid in advance for days after an ending, from the person, their
    representative or their estate."""

    agreement_id: Identifier
    amount_pence: Pence = Field(gt=0)
    recovered_from: RecoveredFrom
    reason: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.recover_overpayment(
            ctx,
            agreement_id=self.agreement_id,
            amount_pence=self.amount_pence,
            recovered_from=self.recovered_from,
            reason=self.reason,
        )


class CloseDirectPaymentAccount(CaseCommand):
    """Finance closes an ended agreement's account: nothing outstanding, or exactly what is owed to
    the council written off with a reason, within delegated authority."""

    agreement_id: Identifier
    write_off_pence: Pence = Field(default=0, ge=0)
    write_off_reason: Reason | None = None

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.close_direct_payment_account(
            ctx,
            agreement_id=self.agreement_id,
            write_off_pence=self.write_off_pence,
            write_off_reason=self.write_off_reason,
            write_off_limit_pence=services.council.write_off_limit_pence,
        )
