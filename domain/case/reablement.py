"""Reablement (Care Act 2014 s.2): time-limited support to regain independence, first.

A referral screened to reablement (hospital discharge is the commonest route in) starts it with a
start day and a planned end at most six weeks on; longer needs a recorded reason and a team
manager, and never beyond twelve weeks (decision 0032). It is free of charge (the Care and Support
(Preventing Needs for Care and Support) Regulations 2014): no financial assessment, and its
statement charges the person £0.00. Its planned end is a service-level deadline
(``reablement:<person id>``), overdue in the operations views once passed. It ends with an outcome:
needs met or declined close the case (or, while a carer waits for their assessment, end the adult's
involvement only); ongoing needs open the assessments on the same case, without a new referral.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from domain.budget_statement import PersonalBudgetStatement, reablement_statement
from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.referral import ADULT_ENDING
from domain.case.rules import (
    case_may_close,
    case_must_be_open,
    ending_must_not_be_before_the_case_began,
    outstanding_assessments,
    reablement_must_be_active,
    reablement_must_last_at_most_six_weeks,
    reablement_must_not_already_have_started,
    reablement_must_not_end_before_it_starts,
    referral_must_be_screened_to_reablement,
)
from domain.case.state import Person, Reablement
from domain.vocabulary import ClosureReason, InvolvementEndReason, ReablementOutcome

# How an ending other than ongoing needs closes the case.
CLOSES_AS: dict[ReablementOutcome, ClosureReason] = {
    ReablementOutcome.NEEDS_MET: ClosureReason.NEEDS_MET,
    ReablementOutcome.DECLINED: ClosureReason.DECLINED,
}


# What ``ReablementEnded`` adds to the period ``ReablementStarted`` recorded.
ENDING = frozenset({"ended_on", "outcome"})


def reablement_cost_pence(weekly_cost_pence: int, days: int) -> int:
    """The cost of the period, day by day at the weekly cost, to the nearest penny (half up)."""
    return (weekly_cost_pence * days * 2 + 7) // 14


def deadline_key(person_id: str) -> str:
    return f"reablement:{person_id}"


class ReablementSteps(Recording):
    class ReablementStarted(CaseEvent):
        """Reablement started for the adult after screening: from its start to its planned end, who
        provides it, its cost to the council and a statement charging the person nothing; for a
        period beyond six weeks, the reason and the team manager who agreed it."""

        personal_fields = ("extension_reason",)

        person_id: str
        starts_on: date
        planned_end_on: date
        provider_name: str
        what: str
        weekly_cost_pence: int
        statement: PersonalBudgetStatement
        extension_reason: str | None = None
        extension_agreed_by: str | None = None

        def apply(self, case: Recording) -> None:
            # The period as the event states it: every field of the state's but its ending.
            case.state.people[self.person_id].reablement = Reablement(
                **{name: getattr(self, name) for name in Reablement.model_fields if name not in ENDING}
            )

    class ReablementEnded(CaseEvent):
        """Reablement ended with its outcome: needs met, ongoing needs (the assessments follow on the
        same case) or declined."""

        personal_fields = ("notes",)

        person_id: str
        ended_on: date
        outcome: ReablementOutcome
        notes: str

        def apply(self, case: Recording) -> None:
            reablement = case.state.people[self.person_id].reablement
            assert reablement is not None
            reablement.ended_on, reablement.outcome = self.ended_on, self.outcome
            case.state.overdue.pop(deadline_key(self.person_id), None)

    def start_reablement(
        self,
        ctx: CommandContext,
        *,
        starts_on: date,
        planned_end_on: date,
        provider_name: str,
        what: str,
        weekly_cost_pence: int,
        extension_reason: str | None,
    ) -> None:
        case_must_be_open(self.state)
        referral_must_be_screened_to_reablement(self.state)
        adult = self.state.adult
        reablement_must_not_already_have_started(adult)
        reablement_must_last_at_most_six_weeks(starts_on, planned_end_on, extension_reason, ctx.actor)
        days = (planned_end_on - starts_on).days or 1
        statement = reablement_statement(
            cost_pence=reablement_cost_pence(weekly_cost_pence, days),
            weeks=f"{days} days ({starts_on.isoformat()} to {planned_end_on.isoformat()})",
        )
        self._record(
            ctx,
            self.ReablementStarted,
            person_id=adult.person_id,
            starts_on=starts_on,
            planned_end_on=planned_end_on,
            provider_name=provider_name,
            what=what,
            weekly_cost_pence=weekly_cost_pence,
            statement=statement,
            extension_reason=extension_reason,
            extension_agreed_by=ctx.actor.user_id if extension_reason is not None else None,
        )

    def end_reablement(self, ctx: CommandContext, *, ended_on: date, outcome: ReablementOutcome, notes: str) -> None:
        """End reablement with its outcome. Needs met or declined close the case, unless a carer
        still waits for their assessment: then only the adult's involvement ends, and the carer's
        process carries on."""
        case_must_be_open(self.state)
        adult = self.state.adult
        reablement_must_be_active(adult)
        reablement_must_not_end_before_it_starts(adult, ended_on)
        closes_as = CLOSES_AS.get(outcome)
        carers_waiting = any(w["kind"] == "carer" for w in outstanding_assessments(self.state))
        # Rules of the ending first, so a refused closure leaves the reablement as it was.
        if closes_as is not None and not carers_waiting:
            case_may_close(self.state, closes_as, ctx.actor, ended_on)
        elif closes_as is not None:
            ending_must_not_be_before_the_case_began(self.state, ended_on)
        self._record(
            ctx, self.ReablementEnded, person_id=adult.person_id, ended_on=ended_on, outcome=outcome, notes=notes
        )
        if closes_as is not None and not carers_waiting:
            self.close_case(ctx, reason=closes_as, notes=notes, ended_on=ended_on)
        elif closes_as is not None:
            self._end_involvement(ctx, adult, ADULT_ENDING[closes_as], ended_on, notes)

    if TYPE_CHECKING:  # the Case's, from domain/case/referral.py and domain/case/endings.py

        def _end_involvement(
            self, ctx: CommandContext, person: Person, reason: InvolvementEndReason, ended_on: date, notes: str
        ) -> None: ...

        def close_case(
            self, ctx: CommandContext, *, reason: ClosureReason, notes: str, ended_on: date | None = None
        ) -> None: ...
