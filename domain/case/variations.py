"""Varying a direct payment agreement: new amount or frequency from a date, following the approved
figure (step 11; rule D1).

The agreement's schedule becomes a list of segments (``domain.payment_schedule``): slots before
the from-date keep their due dates and amounts, and the new terms pay from the first slot that
would have fallen due on or after it, that slot falling due on the from-date. The payments
workflow is told the whole new schedule (``domain.case.process``) and pays each slot once under it.
"""

from __future__ import annotations

from datetime import date

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.rules import (
    a_finished_schedule_is_not_varied,
    agreement_must_exist,
    agreement_must_not_have_ended,
    agreement_must_start_within_window,
    case_must_be_open,
    direct_payment_must_follow_the_signed_off_plan,
    person_must_exist,
    plan_must_be_approved,
    variation_must_change_the_terms,
    variation_must_start_after_the_last_paid_slot,
)
from domain.payment_schedule import ScheduleSegment, varied
from domain.planning import PERIODS_PER_YEAR
from domain.vocabulary import Frequency


class VariationSteps(Recording):
    class DirectPaymentAgreementVaried(CaseEvent):
        """A direct payment agreement was varied to follow the approved figure: new terms from a date,
        from a numbered slot on; the slots before it keep their terms. ``schedule`` is the whole
        schedule after the variation, segment by segment."""

        agreement_id: str
        person_id: str
        from_date: date
        first_slot: int
        frequency: Frequency
        amount_per_payment_pence: int
        yearly_pence: int
        previous_frequency: Frequency
        previous_amount_per_payment_pence: int
        previous_yearly_pence: int
        # The approved figure the new terms follow, as it stood when the variation was made.
        signed_off_plan_version: int
        approved_budget_pence: int
        reason: str
        schedule: list[ScheduleSegment]

        def apply(self, case: Recording) -> None:
            agreement = case.state.agreements[self.agreement_id]
            agreement.schedule = list(self.schedule)
            agreement.variations += 1

    def vary_direct_payment_agreement(
        self,
        ctx: CommandContext,
        *,
        agreement_id: str,
        amount_per_payment_pence: int,
        frequency: Frequency,
        from_date: date,
        reason: str,
        tolerance_basis_points: int = 0,
        backdating_limit_days: int = 182,
        future_start_limit_days: int = 366,
    ) -> None:
        case_must_be_open(self.state)
        agreement = agreement_must_exist(self.state, agreement_id)
        agreement_must_not_have_ended(agreement)
        a_finished_schedule_is_not_varied(agreement)
        person = person_must_exist(self.state, agreement.person_id)
        plan_must_be_approved(person)
        variation_must_change_the_terms(agreement, amount_per_payment_pence, frequency)
        direct_payment_must_follow_the_signed_off_plan(
            person,
            amount_per_payment_pence=amount_per_payment_pence,
            frequency=frequency,
            tolerance_basis_points=tolerance_basis_points,
        )
        now = ctx.effective_at or self._now(ctx)
        agreement_must_start_within_window(
            from_date,
            now.date(),
            backdating_limit_days=backdating_limit_days,
            future_start_limit_days=future_start_limit_days,
            field="from_date",
        )
        variation_must_start_after_the_last_paid_slot(agreement, from_date)
        assert person.sign_off is not None  # plan_must_be_approved came first
        previous = agreement.current_terms()
        schedule = varied(agreement.segments(), from_date, frequency, amount_per_payment_pence)
        self._record(
            ctx,
            self.DirectPaymentAgreementVaried,
            agreement_id=agreement_id,
            person_id=agreement.person_id,
            from_date=from_date,
            first_slot=schedule[-1].first_slot,
            frequency=frequency,
            amount_per_payment_pence=amount_per_payment_pence,
            yearly_pence=amount_per_payment_pence * PERIODS_PER_YEAR[frequency],
            previous_frequency=previous.frequency,
            previous_amount_per_payment_pence=previous.amount_per_payment_pence,
            previous_yearly_pence=previous.amount_per_payment_pence * PERIODS_PER_YEAR[previous.frequency],
            signed_off_plan_version=person.plan_version,
            approved_budget_pence=person.sign_off.approved_pence,
            reason=reason,
            schedule=schedule,
        )
