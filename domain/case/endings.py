"""Endings per person, and the money after them (issue 19, item 2; decision 0027).

One person's involvement ends on a day for a reason (the adult died or moved into residential care,
a carer stopped caring...) while the others on the case carry on. Their plan ends, their pending
reviews are cancelled, and each of their direct payment agreements ends in the same command with
its final settlement worked out to the day: payments are made in advance, slot by slot, and a slot
pays for the days from its due date until the next slot falls due. The days before the ending are
owed; the days from the ending on are not. So a slot already paid that covers the ending day (and
every paid slot after it) is partly (or wholly) an overpayment to recover, and a slot not yet paid
that covers days before the ending is a final payment due, paid once by the process.

Money stays reconcilable after the ending and after the case closes: monitoring returns, recoveries
(from the person, their representative or their estate), the final payment and the overpayment's
recovery are accepted until a finance officer closes the account, with nothing outstanding or what
is left written off with a reason within delegated authority.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.interim import InterimSteps
from domain.case.payments import PaymentSteps, agreement_message, payee_of, payment_instruction
from domain.case.rules import (
    account_closes_after_the_agreement_ends,
    account_must_be_settled_to_close,
    agreement_must_exist,
    an_ending_for_a_move_waits_for_the_receiving_council,
    case_must_be_open,
    direct_payment_account_must_be_open,
    end_reason_must_fit_the_person,
    ending_must_not_be_before_the_case_began,
    final_payment_is_paid_once,
    involvement_must_not_have_ended,
    move_must_be_notified,
    overpayment_recovery_must_not_exceed_the_overpayment,
    person_must_exist,
    recovery_from_an_estate_needs_a_death,
    write_off_needs_a_reason_within_delegated_authority,
)
from domain.case.state import Agreement, CaseState, Person, PlanStatus
from domain.money import format_pounds
from domain.payment_schedule import schedule_last_slot, segment_amount, segment_due_date, segment_of
from domain.person_index import episode_release
from domain.vocabulary import Frequency, InvolvementEndReason, RecoveredFrom


class SettlementLine(BaseModel):
    """One slot's part in a final settlement: what it pays, for how many of its days before the
    ending, and what is owed for them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slot: int
    due_on: date
    next_due_on: date | None  # when the next slot falls due (None for a one-off payment)
    amount_pence: int
    paid: bool
    days_before_ending: int
    days_in_slot: int
    owed_pence: int  # amount x days before the ending / days in the slot, rounded down to the penny

    def describe(self) -> str:
        period = f"{self.days_before_ending} of its {self.days_in_slot} days" if self.next_due_on else "a one-off"
        state = "paid" if self.paid else "not paid"
        return (
            f"slot {self.slot} ({format_pounds(self.amount_pence)} due {self.due_on.isoformat()}, {state}) covers "
            f"{period} before the ending: {format_pounds(self.owed_pence)} owed"
        )


class Settlement(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    lines: list[SettlementLine]
    final_payment_pence: int
    overpayment_pence: int
    first_unpaid_slot: int | None


def settlement(agreement: Agreement, ended_on: date) -> Settlement:
    """The final payment or the overpayment of an agreement that ends on ``ended_on``, to the day.

    Every slot paid (and not recovered) is weighed, and every slot not paid that fell due before the
    ending (a slot that fell due during a suspension is skipped for good, as the payments workflow
    skips it). A final payment and an overpayment on the same agreement are set against each other."""
    segments = agreement.segments()
    last = schedule_last_slot(segments)
    issued = {n for n, s in agreement.slots.items() if s.status == "issued" and n not in agreement.recovered_slots}
    highest_paid = max(issued, default=0)
    skipped_from = agreement.stopped_on if agreement.status == "suspended" else None
    lines: list[SettlementLine] = []
    slot = 1
    while last is None or slot <= last:
        due_on = segment_due_date(segments, slot)
        if due_on >= ended_on and slot > highest_paid:
            break
        paid = slot in issued
        held = agreement.slots.get(slot)
        amount = held.amount_pence if held is not None else segment_amount(segments, slot)
        if segment_of(segments, slot).frequency == Frequency.ONE_OFF:
            next_due_on, days, before = None, 1, int(due_on < ended_on)
        else:
            next_due_on = segment_due_date(segments, slot + 1)
            days = (next_due_on - due_on).days
            before = min(max((ended_on - due_on).days, 0), days)
        owed = amount * before // days
        if not paid and skipped_from is not None and due_on >= skipped_from:
            owed = 0
        if paid or owed:
            lines.append(
                SettlementLine(
                    slot=slot,
                    due_on=due_on,
                    next_due_on=next_due_on,
                    amount_pence=amount,
                    paid=paid,
                    days_before_ending=before,
                    days_in_slot=days,
                    owed_pence=owed,
                )
            )
        slot += 1
    due = sum(line.owed_pence for line in lines if not line.paid)
    overpaid = sum(line.amount_pence - line.owed_pence for line in lines if line.paid)
    unpaid = [line.slot for line in lines if not line.paid]
    return Settlement(
        lines=lines,
        final_payment_pence=max(due - overpaid, 0),
        overpayment_pence=max(overpaid - due, 0),
        first_unpaid_slot=min(unpaid) if unpaid else None,
    )


def final_payment_reference(agreement_id: str) -> str:
    return f"{agreement_id}-final"


class EndingSteps(Recording):
    if TYPE_CHECKING:  # the Case's own (the aggregate defines its events afresh), from domain/case/payments.py
        DirectPaymentAgreementEnded = PaymentSteps.DirectPaymentAgreementEnded

    class InvolvementEnded(CaseEvent):
        """One person's involvement with the case ended, for a reason, on a day: their plan ended,
        the reviews that were only theirs were cancelled (they left the others'), and each of their
        agreements ended in the same command. The others on the case carry on."""

        personal_fields = ("notes",)

        person_id: str
        reason: InvolvementEndReason
        ended_on: date
        notes: str
        agreement_ids: list[str]
        reviews_cancelled: list[str]
        reviews_left: list[str]
        # The carers whose support needs reviewing because the adult died (a work item each).
        carers_to_review: list[str]

        def person_episode(self) -> dict[str, object]:
            """The person's episode ends with their involvement (the store holds only the adult's)."""
            return episode_release(self.originator_id.hex, self.person_id)

        def apply(self, case: Recording) -> None:
            state = case.state
            person = state.people[self.person_id]
            person.involvement_ended_on = self.ended_on
            person.involvement_end_reason = self.reason
            person.plan_status = PlanStatus.ENDED
            state.overdue.pop(f"move:{self.person_id}", None)
            for review_id in [*self.reviews_cancelled, *self.reviews_left]:
                review = state.reviews[review_id]
                review.person_ids = [p for p in review.person_ids if p != self.person_id]
            for review_id in self.reviews_cancelled:
                state.reviews[review_id].status = "cancelled"
                state.overdue.pop(f"review:{review_id}", None)
            state.carers_to_review = [
                c for c in [*state.carers_to_review, *self.carers_to_review] if c != self.person_id
            ]

    class FinalSettlementWorkedOut(CaseEvent):
        """An agreement's final payment or overpayment, worked out to the day of its person's ending,
        slot by slot (the working), before the agreement ended."""

        person_id: str
        agreement_id: str
        ended_on: date
        reason: InvolvementEndReason
        lines: list[SettlementLine]
        final_payment_pence: int
        overpayment_pence: int
        first_unpaid_slot: int | None

        def apply(self, case: Recording) -> None:
            agreement = case.state.agreements[self.agreement_id]
            agreement.ended_on = self.ended_on
            agreement.settled = True
            agreement.final_payment_pence = self.final_payment_pence
            agreement.final_payment_first_slot = self.first_unpaid_slot
            agreement.overpayment_pence = self.overpayment_pence
            agreement.owed_for_slots = {line.slot: line.owed_pence for line in self.lines if line.paid}

        def explained(self) -> tuple[str, dict[str, Any]]:
            working = "; ".join(line.describe() for line in self.lines) or "no slot was paid or due"
            if self.final_payment_pence:
                outcome = f"a final payment of {format_pounds(self.final_payment_pence)} is due"
            elif self.overpayment_pence:
                outcome = f"{format_pounds(self.overpayment_pence)} was overpaid and is to be recovered"
            else:
                outcome = "nothing is owed either way"
            text = (
                f"Agreement {self.agreement_id} ended on {self.ended_on.isoformat()} "
                f"({self.reason.value.replace('_', ' ')}); the days before the ending are paid for: {working}. "
                f"So {outcome}."
            )
            breakdown = {
                "agreement_id": self.agreement_id,
                "ended_on": self.ended_on.isoformat(),
                "lines": [line.model_dump(mode="json") for line in self.lines],
                "final_payment_pence": self.final_payment_pence,
                "overpayment_pence": self.overpayment_pence,
            }
            return text, breakdown

    class FinalPaymentIssued(CaseEvent):
        """The final payment an ending worked out was issued, once, as one payment instruction."""

        agreement_id: str
        slot: int
        amount_pence: int
        payment_reference: str
        payee_type: str = ""
        payee_id: str = ""
        payee_reference: str = ""

        def apply(self, case: Recording) -> None:
            agreement = case.state.agreements[self.agreement_id]
            agreement.final_payment_paid = True
            agreement.paid_pence += self.amount_pence

        def payment_instruction(self) -> dict[str, str | int]:
            return payment_instruction(self, self.slot)

    class OverpaymentRecovered(CaseEvent):
        """Money paid in advance for days after an ending was recovered, from the person, their
        representative or their estate."""

        agreement_id: str
        person_id: str
        amount_pence: int
        recovered_from: RecoveredFrom
        reason: str
        overpayment_pence: int
        recovered_before_pence: int

        def apply(self, case: Recording) -> None:
            agreement = case.state.agreements[self.agreement_id]
            agreement.recovered_overpayment_pence += self.amount_pence
            agreement.recovered_pence += self.amount_pence

        def payment_instruction(self) -> dict[str, str | int]:
            """Finance is told of the recovery: how much, from whom (docs/payments-outbox.md)."""
            return agreement_message(
                self, "recovery", amount_pence=self.amount_pence, recovered_from=self.recovered_from.value
            )

        def explained(self) -> tuple[str, dict[str, Any]]:
            text = (
                f"{format_pounds(self.amount_pence)} of the {format_pounds(self.overpayment_pence)} overpaid under "
                f"{self.agreement_id} after its ending was recovered from the {self.recovered_from.value} "
                f"({format_pounds(self.recovered_before_pence)} recovered before): {self.reason}"
            )
            breakdown = {
                "agreement_id": self.agreement_id,
                "amount_pence": self.amount_pence,
                "recovered_from": self.recovered_from.value,
                "overpayment_pence": self.overpayment_pence,
                "recovered_before_pence": self.recovered_before_pence,
            }
            return text, breakdown

    class DirectPaymentAccountClosed(CaseEvent):
        """Finance closed an agreement's account: nothing outstanding, or what was left written off
        with a reason within delegated authority. No more money is recorded under it."""

        agreement_id: str
        person_id: str
        written_off_pence: int
        write_off_reason: str | None
        paid_pence: int
        recovered_pence: int

        def apply(self, case: Recording) -> None:
            agreement = case.state.agreements[self.agreement_id]
            agreement.written_off_pence += self.written_off_pence
            agreement.account_closed = True

    # Commands -------------------------------------------------------------------------------------

    def end_involvement(
        self, ctx: CommandContext, *, person_id: str, reason: InvolvementEndReason, ended_on: date, notes: str
    ) -> None:
        case_must_be_open(self.state)
        person = person_must_exist(self.state, person_id)
        involvement_must_not_have_ended(person)
        end_reason_must_fit_the_person(person, reason)
        ending_must_not_be_before_the_case_began(self.state, ended_on)
        if reason == InvolvementEndReason.MOVED_TO_ANOTHER_COUNCIL:
            move_must_be_notified(person)  # a move to another council is notified before it ends anything
        an_ending_for_a_move_waits_for_the_receiving_council(person, reason, ended_on)
        self._end_involvement(ctx, person, reason, ended_on, notes)

    def _end_involvement(
        self, ctx: CommandContext, person: Person, reason: InvolvementEndReason, ended_on: date, notes: str
    ) -> None:
        """Record one person's ending and, in the same command, each of their agreements' final
        settlement and end. Rules are the caller's."""
        state = self.state
        agreements = [a for a in state.agreements.values() if a.person_id == person.person_id and a.status != "stopped"]
        pending = [r for r in state.reviews.values() if r.status == "scheduled" and person.person_id in r.person_ids]
        carers = (
            [c.person_id for c in state.carers() if c.involvement_ended_on is None and c.plan_status != PlanStatus.NONE]
            if person.kind == "adult" and reason == InvolvementEndReason.ADULT_DIED
            else []
        )
        self._record(
            ctx,
            self.InvolvementEnded,
            person_id=person.person_id,
            reason=reason,
            ended_on=ended_on,
            notes=notes,
            agreement_ids=[a.agreement_id for a in agreements],
            reviews_cancelled=[r.review_id for r in pending if r.person_ids == [person.person_id]],
            reviews_left=[r.review_id for r in pending if r.person_ids != [person.person_id]],
            carers_to_review=carers,
        )
        for agreement in agreements:
            worked = settlement(agreement, ended_on)
            self._record(
                ctx,
                self.FinalSettlementWorkedOut,
                person_id=person.person_id,
                agreement_id=agreement.agreement_id,
                ended_on=ended_on,
                reason=reason,
                lines=worked.lines,
                final_payment_pence=worked.final_payment_pence,
                overpayment_pence=worked.overpayment_pence,
                first_unpaid_slot=worked.first_unpaid_slot,
            )
            self._record(
                ctx,
                self.DirectPaymentAgreementEnded,
                agreement_id=agreement.agreement_id,
                reason=f"{person.kind} {person.person_id}'s involvement ended: {reason.value}",
                ended_on=ended_on,
            )
        for interim in [i for i in person.interim_support.values() if i.active]:
            # Support put in place before the assessments finish ends with the person's involvement.
            self._record(
                ctx,
                InterimSteps.InterimSupportEnded,
                person_id=person.person_id,
                interim_id=interim.interim_id,
                ended_on=ended_on,
                reason=f"involvement ended: {reason.value}",
            )

    def issue_final_payment(self, ctx: CommandContext, *, agreement_id: str) -> None:
        agreement = agreement_must_exist(self.state, agreement_id)
        direct_payment_account_must_be_open(self.state, agreement)
        final_payment_is_paid_once(agreement)
        self._record(
            ctx,
            self.FinalPaymentIssued,
            agreement_id=agreement_id,
            slot=agreement.final_payment_first_slot or 1,
            amount_pence=agreement.final_payment_pence,
            payment_reference=final_payment_reference(agreement_id),
            **payee_of(agreement),
        )

    def recover_overpayment(
        self, ctx: CommandContext, *, agreement_id: str, amount_pence: int, recovered_from: RecoveredFrom, reason: str
    ) -> None:
        agreement = agreement_must_exist(self.state, agreement_id)
        direct_payment_account_must_be_open(self.state, agreement)
        recovery_from_an_estate_needs_a_death(self.state, agreement, recovered_from)
        overpayment_recovery_must_not_exceed_the_overpayment(agreement, amount_pence)
        self._record(
            ctx,
            self.OverpaymentRecovered,
            agreement_id=agreement_id,
            person_id=agreement.person_id,
            amount_pence=amount_pence,
            recovered_from=recovered_from,
            reason=reason,
            overpayment_pence=agreement.overpayment_pence,
            recovered_before_pence=agreement.recovered_overpayment_pence,
        )

    def close_direct_payment_account(
        self,
        ctx: CommandContext,
        *,
        agreement_id: str,
        write_off_pence: int,
        write_off_reason: str | None,
        write_off_limit_pence: int,
    ) -> None:
        agreement = agreement_must_exist(self.state, agreement_id)
        direct_payment_account_must_be_open(self.state, agreement)
        account_closes_after_the_agreement_ends(agreement)
        write_off_needs_a_reason_within_delegated_authority(
            ctx.actor, write_off_pence, write_off_reason, write_off_limit_pence
        )
        account_must_be_settled_to_close(agreement, write_off_pence)
        self._record(
            ctx,
            self.DirectPaymentAccountClosed,
            agreement_id=agreement_id,
            person_id=agreement.person_id,
            written_off_pence=write_off_pence,
            write_off_reason=write_off_reason,
            paid_pence=agreement.paid_pence,
            recovered_pence=agreement.recovered_pence,
        )


def recompute_settlement(event: EndingSteps.FinalSettlementWorkedOut, before: CaseState) -> list[str]:
    """Problems found working the settlement out again from the case as it stood before it."""
    agreement = before.agreements.get(event.agreement_id)
    if agreement is None:
        return [f"agreement {event.agreement_id} was not on the case when it ended"]
    again = settlement(agreement, event.ended_on)
    recorded = (list(event.lines), event.final_payment_pence, event.overpayment_pence, event.first_unpaid_slot)
    if (again.lines, again.final_payment_pence, again.overpayment_pence, again.first_unpaid_slot) != recorded:
        return ["the final payment or overpayment does not follow from the payments made and the ending day"]
    return []
