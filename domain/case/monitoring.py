"""Direct payment monitoring and recovery (step 11; s.33 Care Act and the Direct Payments Regulations).

A monitoring return covers a period after the last one. It is checked against the money: what it
reports spent can be no more than the balance the person held at its start (the last return's
closing balance, less what was recovered since) plus the payments issued for slots due by its end
that no return has accounted for yet. The council asks for a receipt for every item above its
threshold. The balance the return leaves is kept on the agreement.

Three recoveries: a surplus (the balance held, less the contingency the council lets the person
keep), money misspent (not used to meet the needs in the plan, with the reason), and payments
issued for slots due on or after the day payments were suspended or the agreement ended.

When returns fall due is a service level (``domain.service_levels``): an overdue return is a
deadline like a stage or a review, flagged by the case's workflow and listed by ``/ops/stuck``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.payments import agreement_message
from domain.case.rules import (
    agreement_must_exist,
    direct_payment_account_must_be_open,
    misspent_recovery_must_not_exceed_the_reported_spend,
    monitoring_period_must_follow_the_last_return,
    monitoring_period_must_not_end_before_it_starts,
    payments_after_an_ending_are_recovered_as_its_overpayment,
    payments_after_the_stop_must_exist,
    payments_must_have_stopped,
    payments_paid_after_the_stop,
    receipts_must_cover_every_item_over_the_threshold,
    recovery_from_an_estate_needs_a_death,
    recovery_must_keep_the_contingency_back,
    recovery_must_not_begin_before_the_stop,
    spend_must_not_exceed_what_was_paid,
    stated_underspend_must_be_the_balance_held,
)
from domain.case.state import Agreement, CaseState
from domain.money import format_pounds
from domain.payment_schedule import segment_due_date
from domain.planning import PERIODS_PER_YEAR
from domain.vocabulary import RecoveredFrom

WEEKS_PER_YEAR = 52


def paid_through(agreement: Agreement, day: date) -> int:
    """What was paid, and not recovered, for the slots due on or before ``day``. After an ending, a
    slot counts only for what it was owed for the days before the ending (the rest is the
    overpayment, recovered on its own), and the final payment counts from the slot it paid for."""
    paid = sum(
        agreement.owed_for_slots.get(slot.slot, slot.amount_pence)
        for slot in agreement.slots.values()
        if slot.status == "issued" and slot.due_on <= day and slot.slot not in agreement.recovered_slots
    )
    first = agreement.final_payment_first_slot
    if agreement.final_payment_paid and first is not None and segment_due_date(agreement.segments(), first) <= day:
        paid += agreement.final_payment_pence
    return paid


def received_for(agreement: Agreement, period_end: date) -> int:
    """The payments a return to ``period_end`` accounts for: those no earlier return accounted for."""
    return max(0, paid_through(agreement, period_end) - agreement.accounted_paid_pence)


def contingency_pence(agreement: Agreement, weeks: int) -> int:
    """``weeks`` of the agreement's payments, at its yearly rate (rounded down to the penny)."""
    yearly = agreement.amount_per_payment_pence * PERIODS_PER_YEAR[agreement.frequency]
    return yearly * weeks // WEEKS_PER_YEAR


def monitoring_key(agreement_id: str) -> str:
    """The deadline (and overdue flag) of an agreement's next monitoring return."""
    return f"monitoring:{agreement_id}"


class MonitoringSteps(Recording):
    class MonitoringReturnReceived(CaseEvent):
        """A monitoring return was received: the spend, the items above the council's receipt threshold
        and their receipts, and the balance it leaves (the underspend) from the balance held at its
        start and the payments received for it."""

        agreement_id: str
        period_start: date
        period_end: date
        spent_pence: int
        receipts_over_threshold: int
        underspend_pence: int
        notes: str
        personal_fields = ("notes",)
        # Recorded from issue 18 on; a return recorded before has its defaults (decision 0006).
        items_over_threshold: int = 0
        receipt_threshold_pence: int = 0
        opening_balance_pence: int = 0
        received_pence: int = 0
        closing_balance_pence: int | None = None

        def apply(self, case: Recording) -> None:
            agreement = case.state.agreements[self.agreement_id]
            agreement.monitoring_returns += 1
            agreement.reported_spend_pence += self.spent_pence
            if self.closing_balance_pence is None:  # a return recorded before balances were kept
                # Its underspend was the period's own, so the periods add up.
                agreement.reported_underspend_pence += self.underspend_pence
                agreement.balance_pence += self.underspend_pence
            else:
                # Its underspend is the balance the person holds at its end, carried forward from
                # the returns before: the latest one says what is unspent, never their sum.
                agreement.reported_underspend_pence = self.closing_balance_pence
                agreement.balance_pence = self.closing_balance_pence
            agreement.accounted_paid_pence += self.received_pence
            agreement.returns_through = self.period_end
            case.state.overdue.pop(monitoring_key(self.agreement_id), None)

    class UnspentFundsRecovered(CaseEvent):
        """Unspent direct payment funds (a surplus) were recovered (s.33), the contingency kept back."""

        agreement_id: str
        amount_pence: int
        reason: str
        # The figures the recovery was judged on (recorded from issue 18 on).
        balance_pence: int | None = None
        contingency_pence: int = 0
        person_id: str = ""  # whose direct payment (recorded from issue 18 on)
        # Who it was recovered from (issue 19): the person, their representative, their estate.
        recovered_from: RecoveredFrom = RecoveredFrom.PERSON

        def apply(self, case: Recording) -> None:
            agreement = case.state.agreements[self.agreement_id]
            agreement.recovered_pence += self.amount_pence
            agreement.balance_pence -= self.amount_pence

        def payment_instruction(self) -> dict[str, str | int]:
            """Finance is told of the recovery: how much, from whom (docs/payments-outbox.md)."""
            return agreement_message(
                self, "recovery", amount_pence=self.amount_pence, recovered_from=self.recovered_from.value
            )

        def explained(self) -> tuple[str, dict[str, Any]]:
            held = "an unrecorded balance" if self.balance_pence is None else format_pounds(self.balance_pence)
            text = (
                f"{format_pounds(self.amount_pence)} of unspent direct payment was recovered under "
                f"{self.agreement_id} (s.33) from {held} held, keeping back a contingency of "
                f"{format_pounds(self.contingency_pence)}: {self.reason}"
            )
            breakdown = {
                "agreement_id": self.agreement_id,
                "amount_pence": self.amount_pence,
                "balance_pence": self.balance_pence,
                "contingency_pence": self.contingency_pence,
            }
            return text, breakdown

    class MisspentFundsRecovered(CaseEvent):
        """Direct payment money not used to meet the needs in the plan was recovered (s.33), with the
        reason."""

        agreement_id: str
        amount_pence: int
        reason: str
        reported_spend_pence: int
        person_id: str = ""
        # Recovered as misspent before this one (recorded from issue 18 on).
        recovered_misspent_before_pence: int = 0
        recovered_from: RecoveredFrom = RecoveredFrom.PERSON

        def apply(self, case: Recording) -> None:
            agreement = case.state.agreements[self.agreement_id]
            agreement.recovered_pence += self.amount_pence
            agreement.recovered_misspent_pence += self.amount_pence

        def payment_instruction(self) -> dict[str, str | int]:
            """Finance is told of the recovery: how much, from whom (docs/payments-outbox.md)."""
            return agreement_message(
                self, "recovery", amount_pence=self.amount_pence, recovered_from=self.recovered_from.value
            )

        def explained(self) -> tuple[str, dict[str, Any]]:
            text = (
                f"{format_pounds(self.amount_pence)} was recovered under {self.agreement_id} as money not used "
                f"to meet the needs in the plan (s.33), out of {format_pounds(self.reported_spend_pence)} the "
                f"returns reported spent ({format_pounds(self.recovered_misspent_before_pence)} recovered as "
                f"misspent before): {self.reason}"
            )
            breakdown = {
                "agreement_id": self.agreement_id,
                "amount_pence": self.amount_pence,
                "reported_spend_pence": self.reported_spend_pence,
                "recovered_misspent_before_pence": self.recovered_misspent_before_pence,
            }
            return text, breakdown

    class PaymentsAfterStopRecovered(CaseEvent):
        """Payments issued for slots due on or after the day payments were suspended or the agreement
        ended were recovered: the slots, their total, and the part a return had already accounted for
        (which leaves the balance held)."""

        agreement_id: str
        stopped_from: date
        slots: list[int]
        amount_pence: int
        accounted_pence: int
        reason: str
        person_id: str = ""
        recovered_from: RecoveredFrom = RecoveredFrom.PERSON

        def payment_instruction(self) -> dict[str, str | int]:
            """Finance is told of the recovery: how much, from whom (docs/payments-outbox.md)."""
            return agreement_message(
                self, "recovery", amount_pence=self.amount_pence, recovered_from=self.recovered_from.value
            )

        def explained(self) -> tuple[str, dict[str, Any]]:
            text = (
                f"Payments for slots {', '.join(str(s) for s in self.slots)} under {self.agreement_id}, due on or "
                f"after {self.stopped_from.isoformat()} when payments had stopped, were recovered: "
                f"{format_pounds(self.amount_pence)}, {format_pounds(self.accounted_pence)} of it already in a "
                f"return: {self.reason}"
            )
            breakdown = {
                "agreement_id": self.agreement_id,
                "stopped_from": self.stopped_from.isoformat(),
                "slots": list(self.slots),
                "amount_pence": self.amount_pence,
                "accounted_pence": self.accounted_pence,
            }
            return text, breakdown

        def apply(self, case: Recording) -> None:
            agreement = case.state.agreements[self.agreement_id]
            agreement.recovered_pence += self.amount_pence
            agreement.recovered_slots.extend(self.slots)
            agreement.accounted_paid_pence -= self.accounted_pence
            agreement.balance_pence = max(0, agreement.balance_pence - self.accounted_pence)

    def receive_monitoring_return(
        self,
        ctx: CommandContext,
        *,
        agreement_id: str,
        period_start: date,
        period_end: date,
        spent_pence: int,
        items_over_threshold: int,
        receipts_over_threshold: int,
        underspend_pence: int | None,
        notes: str,
        receipt_threshold_pence: int,
    ) -> None:
        agreement = agreement_must_exist(self.state, agreement_id)
        direct_payment_account_must_be_open(self.state, agreement)
        monitoring_period_must_not_end_before_it_starts(period_start, period_end)
        monitoring_period_must_follow_the_last_return(agreement, period_start)
        receipts_must_cover_every_item_over_the_threshold(
            items_over_threshold, receipts_over_threshold, receipt_threshold_pence
        )
        opening = agreement.balance_pence
        received = received_for(agreement, period_end)
        spend_must_not_exceed_what_was_paid(spent_pence, opening, received)
        closing = opening + received - spent_pence
        stated_underspend_must_be_the_balance_held(underspend_pence, closing)
        self._record(
            ctx,
            self.MonitoringReturnReceived,
            agreement_id=agreement_id,
            period_start=period_start,
            period_end=period_end,
            spent_pence=spent_pence,
            receipts_over_threshold=receipts_over_threshold,
            underspend_pence=closing,
            notes=notes,
            items_over_threshold=items_over_threshold,
            receipt_threshold_pence=receipt_threshold_pence,
            opening_balance_pence=opening,
            received_pence=received,
            closing_balance_pence=closing,
        )

    def recover_unspent_funds(
        self,
        ctx: CommandContext,
        *,
        agreement_id: str,
        amount_pence: int,
        reason: str,
        contingency_weeks: int = 0,
        recovered_from: RecoveredFrom = RecoveredFrom.PERSON,
    ) -> None:
        """s.33: only the balance monitoring showed held, less the council's contingency, is recovered."""
        agreement = agreement_must_exist(self.state, agreement_id)
        direct_payment_account_must_be_open(self.state, agreement)
        recovery_from_an_estate_needs_a_death(self.state, agreement, recovered_from)
        contingency = contingency_pence(agreement, contingency_weeks)
        recovery_must_keep_the_contingency_back(agreement, amount_pence, contingency)
        self._record(
            ctx,
            self.UnspentFundsRecovered,
            agreement_id=agreement_id,
            amount_pence=amount_pence,
            reason=reason,
            balance_pence=agreement.balance_pence,
            contingency_pence=contingency,
            person_id=agreement.person_id,
            recovered_from=recovered_from,
        )

    def recover_misspent_funds(
        self,
        ctx: CommandContext,
        *,
        agreement_id: str,
        amount_pence: int,
        reason: str,
        recovered_from: RecoveredFrom = RecoveredFrom.PERSON,
    ) -> None:
        """s.33: money spent other than on meeting the needs in the plan, out of what returns reported."""
        agreement = agreement_must_exist(self.state, agreement_id)
        direct_payment_account_must_be_open(self.state, agreement)
        recovery_from_an_estate_needs_a_death(self.state, agreement, recovered_from)
        misspent_recovery_must_not_exceed_the_reported_spend(agreement, amount_pence)
        self._record(
            ctx,
            self.MisspentFundsRecovered,
            agreement_id=agreement_id,
            amount_pence=amount_pence,
            reason=reason,
            reported_spend_pence=agreement.reported_spend_pence,
            person_id=agreement.person_id,
            recovered_misspent_before_pence=agreement.recovered_misspent_pence,
            recovered_from=recovered_from,
        )

    def recover_payments_after_stop(
        self,
        ctx: CommandContext,
        *,
        agreement_id: str,
        stopped_from: date,
        reason: str,
        recovered_from: RecoveredFrom = RecoveredFrom.PERSON,
    ) -> None:
        """Every payment issued for a slot due on or after ``stopped_from`` (the day payments were
        suspended or the agreement ended), once payments have stopped, is recovered together."""
        agreement = agreement_must_exist(self.state, agreement_id)
        direct_payment_account_must_be_open(self.state, agreement)
        payments_must_have_stopped(agreement)
        payments_after_an_ending_are_recovered_as_its_overpayment(agreement)
        recovery_from_an_estate_needs_a_death(self.state, agreement, recovered_from)
        recovery_must_not_begin_before_the_stop(agreement, stopped_from)
        slots = payments_after_the_stop_must_exist(agreement, stopped_from)
        accounted_through = agreement.returns_through
        self._record(
            ctx,
            self.PaymentsAfterStopRecovered,
            agreement_id=agreement_id,
            stopped_from=stopped_from,
            slots=[s.slot for s in slots],
            amount_pence=sum(s.amount_pence for s in slots),
            accounted_pence=sum(
                s.amount_pence for s in slots if accounted_through is not None and s.due_on <= accounted_through
            ),
            reason=reason,
            person_id=agreement.person_id,
            recovered_from=recovered_from,
        )


Recovery = (
    MonitoringSteps.UnspentFundsRecovered
    | MonitoringSteps.MisspentFundsRecovered
    | MonitoringSteps.PaymentsAfterStopRecovered
)


def recompute_recovery(event: Recovery, before: CaseState, contingency_weeks: int) -> list[str]:
    """Problems found recomputing a recovery from the case as it stood before it: the figures it was
    judged on, and that the amount is within what the rule allowed. The contingency is recomputed
    with the council's contingency as it is configured now."""
    agreement = before.agreements.get(event.agreement_id)
    if agreement is None:
        return [f"agreement {event.agreement_id} was not on the case when the money was recovered"]
    problems = []
    if isinstance(event, MonitoringSteps.UnspentFundsRecovered):
        if event.balance_pence is not None and event.balance_pence != agreement.balance_pence:
            problems.append(
                f"the recorded balance {format_pounds(event.balance_pence)} is not the "
                f"{format_pounds(agreement.balance_pence)} the returns left held"
            )
        contingency = contingency_pence(agreement, contingency_weeks)
        if event.balance_pence is not None and event.contingency_pence != contingency:
            problems.append(
                f"the contingency kept back ({format_pounds(event.contingency_pence)}) is not the "
                f"{contingency_weeks} weeks of payments ({format_pounds(contingency)}) the council allows"
            )
        if event.amount_pence > max(0, agreement.balance_pence - event.contingency_pence):
            problems.append("more was recovered than the balance held less the contingency")
    elif isinstance(event, MonitoringSteps.MisspentFundsRecovered):
        if event.reported_spend_pence != agreement.reported_spend_pence:
            problems.append("the recorded spend is not what the returns reported")
        if event.amount_pence > agreement.reported_spend_pence - agreement.recovered_misspent_pence:
            problems.append("more was recovered as misspent than the returns reported spent and not yet recovered")
    else:
        slots = payments_paid_after_the_stop(agreement, event.stopped_from)
        accounted = sum(
            s.amount_pence
            for s in slots
            if agreement.returns_through is not None and s.due_on <= agreement.returns_through
        )
        if agreement.status == "active":
            problems.append("payments had not stopped when they were recovered as paid after a stop")
        if agreement.stopped_on is not None and event.stopped_from < agreement.stopped_on:
            problems.append(f"the recovery begins before payments stopped on {agreement.stopped_on.isoformat()}")
        if ([s.slot for s in slots], sum(s.amount_pence for s in slots), accounted) != (
            list(event.slots),
            event.amount_pence,
            event.accounted_pence,
        ):
            problems.append("the slots and amounts recovered are not the payments made after the stop")
    return problems
