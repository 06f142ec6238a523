"""Varying a direct payment agreement: new amount or frequency from a date, following the approved
figure (step 11; rule D1).

The agreement's schedule becomes a list of segments (``domain.payment_schedule``): slots before
the from-date keep their due dates and amounts, and the new terms pay from the first slot that
would have fallen due on or after it, that slot falling due on the from-date. The slot whose
period the from-date splits is pro-rated: the old terms pay its days before the date, the new
terms the days from it (``domain.payment_schedule``, decision 0020 as amended). The payments
workflow is told the whole new schedule (``domain.case.process``) and pays each slot once under it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.rules import (
    a_finished_schedule_is_not_varied,
    agreement_must_exist,
    agreement_must_not_have_ended,
    case_must_be_open,
    departure_from_the_signed_off_plan,
    person_must_exist,
    plan_must_be_approved,
    pro_rated_payment_must_be_positive,
    terms_must_follow_the_plan_from_an_allowed_day,
    variation_must_change_the_terms,
    variation_must_start_after_the_last_paid_slot,
)
from domain.case.state import Agreement, AgreementTermsPolicy, CaseState
from domain.money import format_pounds
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
        # The council's tolerance the new terms were judged with (another frequency's yearly total).
        tolerance_basis_points: int = 0
        # The slot whose period the from-date splits is pro-rated (decision 0020, amended); a
        # variation recorded before names none and was not.
        pro_rated: bool = False

        def apply(self, case: Recording) -> None:
            agreement = case.state.agreements[self.agreement_id]
            agreement.schedule = list(self.schedule)
            agreement.variations += 1

        def explained(self) -> tuple[str, dict[str, Any]]:
            """The decision in plain English and its figures, from what the event recorded."""
            text = (
                f"Agreement {self.agreement_id} was varied from {self.from_date.isoformat()} (slot {self.first_slot} "
                f"on): {format_pounds(self.amount_per_payment_pence)} {self.frequency.value.replace('_', '-')} "
                f"({format_pounds(self.yearly_pence)} a year) instead of "
                f"{format_pounds(self.previous_amount_per_payment_pence)} "
                f"{self.previous_frequency.value.replace('_', '-')} ({format_pounds(self.previous_yearly_pence)} a "
                f"year), following plan version {self.signed_off_plan_version} as signed off, within the approved "
                f"budget of {format_pounds(self.approved_budget_pence)}: {self.reason}{pro_rating(self.schedule)}"
            )
            breakdown = {
                "agreement_id": self.agreement_id,
                "from_date": self.from_date.isoformat(),
                "first_slot": self.first_slot,
                "amount_per_payment_pence": self.amount_per_payment_pence,
                "frequency": self.frequency.value,
                "yearly_pence": self.yearly_pence,
                "previous_amount_per_payment_pence": self.previous_amount_per_payment_pence,
                "previous_frequency": self.previous_frequency.value,
                "previous_yearly_pence": self.previous_yearly_pence,
                "signed_off_plan_version": self.signed_off_plan_version,
                "approved_budget_pence": self.approved_budget_pence,
                "tolerance_basis_points": self.tolerance_basis_points,
                "schedule": [segment.model_dump(mode="json") for segment in self.schedule],
            }
            return text, breakdown

    def vary_direct_payment_agreement(
        self,
        ctx: CommandContext,
        *,
        agreement_id: str,
        amount_per_payment_pence: int,
        frequency: Frequency,
        from_date: date,
        reason: str,
        policy: AgreementTermsPolicy,
    ) -> None:
        case_must_be_open(self.state)
        agreement = agreement_must_exist(self.state, agreement_id)
        agreement_must_not_have_ended(agreement)
        a_finished_schedule_is_not_varied(agreement)
        person = person_must_exist(self.state, agreement.person_id)
        plan_must_be_approved(person)
        variation_must_change_the_terms(agreement, amount_per_payment_pence, frequency)
        now = ctx.effective_at or self._now(ctx)
        terms_must_follow_the_plan_from_an_allowed_day(
            person,
            amount_per_payment_pence=amount_per_payment_pence,
            frequency=frequency,
            starts_on=from_date,
            today=now.date(),
            policy=policy,
            field="from_date",
        )
        variation_must_start_after_the_last_paid_slot(agreement, from_date)
        pro_rated_payment_must_be_positive(agreement, from_date, amount_per_payment_pence, last_held_slot(agreement))
        assert person.sign_off is not None  # plan_must_be_approved came first
        previous = agreement.current_terms()
        schedule = varied(
            agreement.segments(), from_date, frequency, amount_per_payment_pence, after_slot=last_held_slot(agreement)
        )
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
            tolerance_basis_points=policy.tolerance_basis_points,
            pro_rated=True,
        )


def pro_rating(schedule: list[ScheduleSegment]) -> str:
    """The slots pro-rated across the change, in words ("" when none was)."""
    parts = [
        f"slot {segment.first_slot} pays {format_pounds(segment.first_payment_pence)}"
        for segment in schedule
        if segment.first_payment_pence is not None
    ]
    return f" (pro-rated across the change: {', '.join(parts)})" if parts else ""


def last_held_slot(agreement: Agreement) -> int:
    """The highest slot already recorded or owed as arrears (0 when none): kept on its terms."""
    return max([*agreement.slots, agreement.arrears_slots])


def recompute_variation(event: VariationSteps.DirectPaymentAgreementVaried, before: CaseState) -> list[str]:
    """Problems found recomputing a variation from the case as it stood before it: the new schedule
    from the old one and the new terms, the figures, and the approved figure the terms follow."""
    agreement = before.agreements.get(event.agreement_id)
    if agreement is None:
        return [f"agreement {event.agreement_id} was not on the case when it was varied"]
    person = before.people.get(agreement.person_id)
    if person is None or person.plan is None or person.sign_off is None:
        return [f"person {agreement.person_id} had no signed-off plan when the agreement was varied"]
    problems = []
    schedule = varied(
        agreement.segments(),
        event.from_date,
        event.frequency,
        event.amount_per_payment_pence,
        after_slot=last_held_slot(agreement),
        pro_rate=event.pro_rated,
    )
    if [s.model_dump(mode="json") for s in schedule] != [s.model_dump(mode="json") for s in event.schedule]:
        problems.append("the recorded schedule does not follow from the schedule before and the new terms")
    previous = agreement.current_terms()
    figures = (
        schedule[-1].first_slot,
        event.amount_per_payment_pence * PERIODS_PER_YEAR[event.frequency],
        previous.amount_per_payment_pence,
        previous.frequency,
        person.plan_version,
        person.sign_off.approved_pence,
    )
    recorded = (
        event.first_slot,
        event.yearly_pence,
        event.previous_amount_per_payment_pence,
        event.previous_frequency,
        event.signed_off_plan_version,
        event.approved_budget_pence,
    )
    if figures != recorded:
        problems.append(
            "the recorded figures (first slot, yearly totals, terms before, approved figure) do not recompute"
        )
    departure = departure_from_the_signed_off_plan(
        person,
        amount_per_payment_pence=event.amount_per_payment_pence,
        frequency=event.frequency,
        tolerance_basis_points=event.tolerance_basis_points,
    )
    if departure is not None:
        problems.append(f"the new terms do not follow the approved figure: {departure}")
    if not event.reason.strip():
        problems.append("no reason was recorded")
    return problems
