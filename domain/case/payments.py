"""Direct payments: the agreement, each scheduled payment issued once, suspension and ending (step 11;
rule D1). Monitoring returns and recovery are in ``domain/case/monitoring.py``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.rules import (
    agreement_id_must_be_new,
    agreement_must_be_active,
    agreement_must_exist,
    agreement_must_not_have_ended,
    approved_plan_must_hold_a_direct_payment,
    arrears_are_one_catch_up_payment,
    arrears_must_await_confirmation,
    authorised_person_needs_an_assessed_lack_of_capacity,
    case_must_be_open,
    confirmed_amount_must_be_the_arrears,
    departure_from_the_signed_off_plan,
    direct_payment_must_have_been_requested,
    direct_payment_needs_capacity_or_authorised_person,
    only_an_issued_payment_can_fail,
    payee_must_be_on_the_case_or_in_the_plan,
    payee_must_fit_how_the_budget_is_held,
    payment_must_follow_the_varied_schedule,
    payment_must_not_fall_due_before_the_agreement_starts,
    payment_slot_is_paid_at_most_once,
    payment_slot_must_be_new,
    payment_slot_must_exist,
    payments_must_be_suspended,
    person_must_exist,
    plan_must_be_approved,
    terms_must_follow_the_plan_from_an_allowed_day,
    why_the_latest_direct_payment_request_does_not_stand,
)
from domain.case.state import Agreement, AgreementTermsPolicy, CaseState, PaymentSlot, Person
from domain.money import format_pounds
from domain.payment_schedule import due_date, slots_due_before
from domain.vocabulary import Frequency, PaymentRecipient


class IssuingEvent(Protocol):
    """An event that pays money out: a slot's payment, a catch-up, an ending's final payment."""

    originator_id: UUID
    agreement_id: str
    amount_pence: int
    payment_reference: str
    timestamp: datetime
    payee_type: str
    payee_id: str
    payee_reference: str


def payment_instruction(event: IssuingEvent, slot: int) -> dict[str, str | int]:
    """What the finance system is told to pay for an issuing event, under one slot."""
    instruction: dict[str, str | int] = {
        "case_id": event.originator_id.hex,
        "agreement_id": event.agreement_id,
        "slot": slot,
        "amount_pence": event.amount_pence,
        "payment_reference": event.payment_reference,
        "issued_at": event.timestamp.isoformat(),
    }
    # Who is paid: the payee type and the payee (recorded on the event since issue 18; an event
    # recorded before names none, and its instruction is as it was).
    if event.payee_type:
        instruction.update(payee_type=event.payee_type, payee_id=event.payee_id, payee_reference=event.payee_reference)
    return instruction


class AgreementEvent(Protocol):
    """An event under an agreement that changes what finance pays: a suspension, a resumption, a
    stop, a recovery."""

    originator_id: UUID
    originator_version: int
    agreement_id: str
    timestamp: datetime


def agreement_message(
    event: AgreementEvent, kind: str, *, amount_pence: int = 0, recovered_from: str = ""
) -> dict[str, str | int]:
    """What the finance system is told for an event that pays no slot (slot 0): its kind, the
    agreement, and for a recovery the amount and who it is recovered from. The reference names the
    event (``<agreement_id>-<kind>-v<version>``), so it is the same however often it is read."""
    message: dict[str, str | int] = {
        "kind": kind,
        "case_id": event.originator_id.hex,
        "agreement_id": event.agreement_id,
        "slot": 0,
        "amount_pence": amount_pence,
        "payment_reference": f"{event.agreement_id}-{kind}-v{event.originator_version}",
        "issued_at": event.timestamp.isoformat(),
    }
    if recovered_from:
        message["payee_type"] = recovered_from
    return message


def payee_of(agreement: Agreement) -> dict[str, str]:
    """Who an agreement's payments pay, as its issuing events record it."""
    return {
        "payee_type": agreement.recipient.value,
        "payee_id": agreement.recipient_id or "",
        "payee_reference": agreement.payee_reference or "",
    }


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
        # Slots 1..arrears_slots were already due when the agreement was made (a back-dated start):
        # one catch-up payment of arrears_pence, confirmed by a finance officer, pays them.
        arrears_slots: int = 0
        arrears_pence: int = 0
        # The payee on the case by id (the person or their authorised person or nominee; none for
        # an ISF provider or a managed account, which the plan names), and the payee's reference.
        # Events recorded before issue 18 name the recipient by name only.
        recipient_id: str | None = None
        payee_reference: str | None = None
        # The request the agreement rests on (s.31/s.32): who asked and when. None for a managed
        # account or an ISF (decision 0038), and on events recorded before requests were required.
        requested_by_id: str | None = None
        requested_on: date | None = None
        personal_fields = ("recipient_name",)
        personal_data_subject = ("recipient_id", "person_id")

        def apply(self, case: Recording) -> None:
            case.state.agreements[self.agreement_id] = Agreement(
                agreement_id=self.agreement_id,
                person_id=self.person_id,
                recipient=self.recipient,
                recipient_name=self.recipient_name,
                recipient_id=self.recipient_id,
                payee_reference=self.payee_reference,
                start_date=self.start_date,
                frequency=self.frequency,
                amount_per_payment_pence=self.amount_per_payment_pence,
                arrears_slots=self.arrears_slots,
                arrears_pence=self.arrears_pence,
                arrears_status="awaiting_confirmation" if self.arrears_slots else "none",
            )

        def explained(self) -> tuple[str, dict[str, Any]]:
            """The decision in plain English and its figures, from what the event recorded."""
            arrears = (
                f"; {self.arrears_slots} slot(s) already due, {format_pounds(self.arrears_pence)} in arrears for "
                "finance to confirm"
                if self.arrears_slots
                else ""
            )
            request = (
                f", at the request of {self.requested_by_id} on {self.requested_on.isoformat()}"
                if self.requested_by_id and self.requested_on
                else ""
            )
            text = (
                f"Agreement {self.agreement_id} pays {format_pounds(self.amount_per_payment_pence)} "
                f"{self.frequency.value.replace('_', '-')} from {self.start_date.isoformat()} to the "
                f"{self.recipient.value.replace('_', ' ')}{request}{arrears}"
            )
            breakdown = {
                "agreement_id": self.agreement_id,
                "recipient": self.recipient.value,
                "recipient_id": self.recipient_id,
                "start_date": self.start_date.isoformat(),
                "frequency": self.frequency.value,
                "amount_per_payment_pence": self.amount_per_payment_pence,
                "arrears_slots": self.arrears_slots,
                "arrears_pence": self.arrears_pence,
                "requested_by_id": self.requested_by_id,
                "requested_on": self.requested_on.isoformat() if self.requested_on else None,
            }
            return text, breakdown

    class ArrearsPaymentIssued(CaseEvent):
        """A finance officer confirmed the catch-up payment for the slots already due when a
        back-dated agreement was made; it is issued once, as one payment instruction."""

        agreement_id: str
        first_slot: int
        last_slot: int
        amount_pence: int
        payment_reference: str
        # Who is paid (issue 18), from the agreement; empty on events recorded before.
        payee_type: str = ""
        payee_id: str = ""
        payee_reference: str = ""

        def apply(self, case: Recording) -> None:
            agreement = case.state.agreements[self.agreement_id]
            for slot in range(self.first_slot, self.last_slot + 1):
                agreement.slots[slot] = PaymentSlot(
                    slot=slot,
                    due_on=due_date(agreement.start_date, agreement.frequency, slot),
                    amount_pence=agreement.amount_per_payment_pence,
                    status="issued",
                    issued_at=self.timestamp,
                    payment_reference=self.payment_reference,
                )
            agreement.paid_pence += self.amount_pence
            agreement.arrears_status = "paid"

        def payment_instruction(self) -> dict[str, str | int]:
            """One instruction for the whole catch-up, under its first slot (docs/payments-outbox.md)."""
            return payment_instruction(self, self.first_slot)

    class PaymentScheduled(CaseEvent):
        """A direct payment was scheduled in a numbered slot."""

        agreement_id: str
        slot: int
        due_on: date
        amount_pence: int

        def apply(self, case: Recording) -> None:
            agreement = case.state.agreements[self.agreement_id]
            agreement.slots[self.slot] = PaymentSlot(slot=self.slot, due_on=self.due_on, amount_pence=self.amount_pence)

    class PaymentIssued(CaseEvent):
        """The payment for one schedule slot was issued (at most once per slot)."""

        agreement_id: str
        slot: int
        amount_pence: int
        payment_reference: str
        # Who is paid (issue 18), from the agreement; empty on events recorded before.
        payee_type: str = ""
        payee_id: str = ""
        payee_reference: str = ""
        # Which attempt at the slot this is: 2 or more after a recorded failure, a reissue to finance
        # (recorded from issue 14 on; 1 on events recorded before).
        attempt: int = 1

        def apply(self, case: Recording) -> None:
            agreement = case.state.agreements[self.agreement_id]
            slot = agreement.slots[self.slot]
            slot.status = "issued"
            slot.issued_at = self.timestamp
            slot.payment_reference = self.payment_reference
            agreement.paid_pence += self.amount_pence

        def payment_instruction(self) -> dict[str, str | int]:
            """What the finance system is told to pay; the store writes it to the payment outbox in
            the same transaction as this event (see docs/payments-outbox.md)."""
            instruction = payment_instruction(self, self.slot)
            if self.attempt > 1:
                instruction["kind"] = "reissue"
            return instruction

    class PaymentFailed(CaseEvent):
        """An issued payment failed; the slot may be paid again."""

        agreement_id: str
        slot: int
        amount_pence: int
        reason: str

        def apply(self, case: Recording) -> None:
            agreement = case.state.agreements[self.agreement_id]
            slot = agreement.slots[self.slot]
            slot.status = "failed"
            slot.failures += 1
            agreement.paid_pence -= self.amount_pence

    class DirectPaymentsSuspended(CaseEvent):
        """Payments under an agreement were suspended, with the reason."""

        agreement_id: str
        reason: str

        def apply(self, case: Recording) -> None:
            agreement = case.state.agreements[self.agreement_id]
            agreement.status = "suspended"
            agreement.stopped_on = (self.effective_at or self.timestamp).date()

        def payment_instruction(self) -> dict[str, str | int]:
            return agreement_message(self, "suspension")

    class DirectPaymentsResumed(CaseEvent):
        """Suspended payments were resumed, with the reason."""

        agreement_id: str
        reason: str

        def apply(self, case: Recording) -> None:
            agreement = case.state.agreements[self.agreement_id]
            agreement.status = "active"
            agreement.stopped_on = None

        def payment_instruction(self) -> dict[str, str | int]:
            return agreement_message(self, "resumption")

    class DirectPaymentAgreementEnded(CaseEvent):
        """A direct payment agreement ended; no further payments."""

        agreement_id: str
        reason: str
        # The day the person's involvement ended, when the end came with it (domain/case/endings.py).
        ended_on: date | None = None

        def apply(self, case: Recording) -> None:
            agreement = case.state.agreements[self.agreement_id]
            if agreement.status != "suspended":  # an end during a suspension: the stop began with it
                agreement.stopped_on = self.ended_on or (self.effective_at or self.timestamp).date()
            agreement.status = "stopped"

        def payment_instruction(self) -> dict[str, str | int]:
            return agreement_message(self, "stop")

    def make_direct_payment_agreement(
        self,
        ctx: CommandContext,
        *,
        person_id: str,
        agreement_id: str,
        recipient: PaymentRecipient,
        recipient_id: str | None,
        start_date: date,
        frequency: Frequency,
        amount_per_payment_pence: int,
        policy: AgreementTermsPolicy,
    ) -> None:
        case_must_be_open(self.state)
        person = person_must_exist(self.state, person_id)
        plan_must_be_approved(person)
        approved_plan_must_hold_a_direct_payment(person)
        agreement_id_must_be_new(self.state, agreement_id)
        assert person.plan is not None  # plan_must_be_approved came first
        payee_must_fit_how_the_budget_is_held(person.plan, recipient)
        direct_payment_needs_capacity_or_authorised_person(person, recipient)
        if recipient == PaymentRecipient.AUTHORISED_PERSON:
            authorised_person_needs_an_assessed_lack_of_capacity(person)  # capacity may have been regained
        payee_id, payee_name, payee_reference = payee_must_be_on_the_case_or_in_the_plan(
            self.state, person, person.plan, recipient, recipient_id
        )
        # Judged as of the day the agreement takes effect (a record of past events may say when).
        now = ctx.effective_at or self._now(ctx)
        terms_must_follow_the_plan_from_an_allowed_day(
            person,
            amount_per_payment_pence=amount_per_payment_pence,
            frequency=frequency,
            starts_on=start_date,
            today=now.date(),
            policy=policy,
            field="start_date",
        )
        request = direct_payment_must_have_been_requested(self.state, person, recipient)
        arrears = slots_due_before(start_date, frequency, now.date())
        self._record(
            ctx,
            self.DirectPaymentAgreementMade,
            person_id=person_id,
            agreement_id=agreement_id,
            recipient=recipient,
            recipient_name=payee_name,
            recipient_id=payee_id,
            payee_reference=payee_reference,
            start_date=start_date,
            frequency=frequency,
            amount_per_payment_pence=amount_per_payment_pence,
            arrears_slots=arrears,
            arrears_pence=arrears * amount_per_payment_pence,
            requested_by_id=request.requested_by_id if request else None,
            requested_on=request.requested_on if request else None,
        )

    def confirm_arrears_payment(self, ctx: CommandContext, *, agreement_id: str, amount_pence: int) -> None:
        """A finance officer confirms the one catch-up payment of a back-dated agreement, stating the
        amount they confirm: it must be the arrears the record worked out, to the penny."""
        case_must_be_open(self.state)
        agreement = agreement_must_exist(self.state, agreement_id)
        agreement_must_be_active(agreement)
        arrears_must_await_confirmation(agreement)
        confirmed_amount_must_be_the_arrears(agreement, amount_pence)
        self._record(
            ctx,
            self.ArrearsPaymentIssued,
            agreement_id=agreement_id,
            first_slot=1,
            last_slot=agreement.arrears_slots,
            amount_pence=agreement.arrears_pence,
            payment_reference=f"{agreement_id}-arrears",
            **payee_of(agreement),
        )

    def schedule_payment(
        self, ctx: CommandContext, *, agreement_id: str, slot: int, due_on: date, amount_pence: int
    ) -> None:
        case_must_be_open(self.state)
        agreement = agreement_must_exist(self.state, agreement_id)
        agreement_must_not_have_ended(agreement)  # a suspended agreement's schedule still runs on
        arrears_are_one_catch_up_payment(agreement, slot)
        payment_slot_must_be_new(agreement, slot)
        payment_must_not_fall_due_before_the_agreement_starts(agreement, due_on)
        payment_must_follow_the_varied_schedule(agreement, slot, due_on, amount_pence)
        self._record(
            ctx, self.PaymentScheduled, agreement_id=agreement_id, slot=slot, due_on=due_on, amount_pence=amount_pence
        )

    def issue_payment(self, ctx: CommandContext, *, agreement_id: str, slot: int, payment_reference: str) -> None:
        case_must_be_open(self.state)
        agreement = agreement_must_exist(self.state, agreement_id)
        agreement_must_be_active(agreement)
        scheduled = payment_slot_must_exist(agreement, slot)
        payment_slot_is_paid_at_most_once(scheduled)
        self._record(
            ctx,
            self.PaymentIssued,
            agreement_id=agreement_id,
            slot=slot,
            amount_pence=scheduled.amount_pence,
            payment_reference=payment_reference,
            **payee_of(agreement),
            attempt=scheduled.failures + 1,
        )

    def record_payment_failure(self, ctx: CommandContext, *, agreement_id: str, slot: int, reason: str) -> None:
        case_must_be_open(self.state)
        agreement = agreement_must_exist(self.state, agreement_id)
        issued = payment_slot_must_exist(agreement, slot)
        only_an_issued_payment_can_fail(issued)
        self._record(
            ctx,
            self.PaymentFailed,
            agreement_id=agreement_id,
            slot=slot,
            amount_pence=issued.amount_pence,
            reason=reason,
        )

    def suspend_direct_payments(self, ctx: CommandContext, *, agreement_id: str, reason: str) -> None:
        case_must_be_open(self.state)
        agreement_must_be_active(agreement_must_exist(self.state, agreement_id))
        self._record(ctx, self.DirectPaymentsSuspended, agreement_id=agreement_id, reason=reason)

    def resume_direct_payments(self, ctx: CommandContext, *, agreement_id: str, reason: str) -> None:
        case_must_be_open(self.state)
        agreement = agreement_must_exist(self.state, agreement_id)
        payments_must_be_suspended(agreement)
        self._record(ctx, self.DirectPaymentsResumed, agreement_id=agreement_id, reason=reason)

    def end_direct_payment_agreement(self, ctx: CommandContext, *, agreement_id: str, reason: str) -> None:
        case_must_be_open(self.state)
        agreement = agreement_must_exist(self.state, agreement_id)
        agreement_must_not_have_ended(agreement)
        self._record(ctx, self.DirectPaymentAgreementEnded, agreement_id=agreement_id, reason=reason)


def recompute_agreement(
    event: PaymentSteps.DirectPaymentAgreementMade, before: CaseState, tolerance_basis_points: int
) -> list[str]:
    """Problems found recomputing an agreement from the case as it stood before it: that its terms
    follow the approved figure (by the one rule agreements are made by, with the council's tolerance
    as configured now), and its arrears from its start and the day it was made."""
    person = before.people.get(event.person_id)
    if person is None or person.plan is None or person.sign_off is None:
        return [f"person {event.person_id} had no signed-off plan when the agreement was made"]
    problems = []
    departure = departure_from_the_signed_off_plan(
        person,
        amount_per_payment_pence=event.amount_per_payment_pence,
        frequency=event.frequency,
        tolerance_basis_points=tolerance_basis_points,
    )
    if departure is not None:
        problems.append(departure)
    # As the command judged them: as of the day the agreement took effect, which a record of past
    # events may name, else the day it was recorded.
    arrears = slots_due_before(event.start_date, event.frequency, (event.effective_at or event.timestamp).date())
    if (event.arrears_slots, event.arrears_pence) != (arrears, arrears * event.amount_per_payment_pence):
        problems.append("the arrears recorded do not follow from the start date and the day the agreement was made")
    if event.requested_by_id is not None:  # an agreement recorded before requests were required names none
        problems += request_problems(event, before, person)
    return problems


def request_problems(event: PaymentSteps.DirectPaymentAgreementMade, before: CaseState, person: Person) -> list[str]:
    """Whether the request the agreement names is the one that stood when it was made."""
    latest = person.direct_payment_requests[-1] if person.direct_payment_requests else None
    if latest is None or latest.withdrawn:
        return ["no request for a direct payment stood when the agreement was made"]
    if (latest.requested_by_id, latest.requested_on) != (event.requested_by_id, event.requested_on):
        return [f"the request the agreement names ({event.requested_by_id}) is not the one that stood"]
    lapsed = why_the_latest_direct_payment_request_does_not_stand(before, person, latest)
    return [f"the request the agreement names no longer stood: {lapsed}"] if lapsed else []
