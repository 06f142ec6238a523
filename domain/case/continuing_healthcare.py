"""The NHS continuing healthcare boundary (Care Act 2014 s.22; the National Framework for NHS
Continuing Healthcare).

A person whose needs may be a primary health need is screened with the checklist and referred for
a full assessment; the NHS decides. Eligible: the NHS funds the whole package and the council may
not provide what the NHS must, so no council-funded plan is drafted, revised or approved for them
(rule ``council_must_not_fund_what_the_nhs_meets``), and an approved council plan is a work item
to revise. A joint package: the plan's lines name who pays which share
(``domain.planning.FundingShare``), and the council's share is what the council's figures count
(decision 0032).
"""

from __future__ import annotations

from datetime import date

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.rules import (
    case_must_be_open,
    continuing_healthcare_dates_must_follow_each_other,
    continuing_healthcare_referral_must_be_pending,
    continuing_healthcare_referral_must_not_be_pending,
    person_must_exist,
)
from domain.case.state import ContinuingHealthcare
from domain.vocabulary import ContinuingHealthcareOutcome


class ContinuingHealthcareSteps(Recording):
    class ReferredForContinuingHealthcare(CaseEvent):
        """A person was screened with the NHS continuing healthcare checklist and referred for a
        full assessment of eligibility; the NHS's decision is pending."""

        personal_fields = ("notes",)

        person_id: str
        checklist_on: date
        referred_on: date
        notes: str

        def apply(self, case: Recording) -> None:
            case.state.people[self.person_id].continuing_healthcare = ContinuingHealthcare(
                checklist_on=self.checklist_on, referred_on=self.referred_on
            )

    class ContinuingHealthcareDecided(CaseEvent):
        """The NHS decided a continuing healthcare referral: eligible (the NHS funds the package),
        not eligible, or a joint package with the council."""

        personal_fields = ("reasons",)

        person_id: str
        outcome: ContinuingHealthcareOutcome
        decided_on: date
        reasons: str

        def apply(self, case: Recording) -> None:
            chc = case.state.people[self.person_id].continuing_healthcare
            assert chc is not None
            chc.outcome, chc.decided_on, chc.reasons = self.outcome, self.decided_on, self.reasons

    def refer_for_continuing_healthcare(
        self, ctx: CommandContext, *, person_id: str, checklist_on: date, referred_on: date, notes: str
    ) -> None:
        case_must_be_open(self.state)
        person = person_must_exist(self.state, person_id)
        continuing_healthcare_referral_must_not_be_pending(person)
        continuing_healthcare_dates_must_follow_each_other(checklist_on, referred_on, "referred_on")
        self._record(
            ctx,
            self.ReferredForContinuingHealthcare,
            person_id=person_id,
            checklist_on=checklist_on,
            referred_on=referred_on,
            notes=notes,
        )

    def record_continuing_healthcare_decision(
        self,
        ctx: CommandContext,
        *,
        person_id: str,
        outcome: ContinuingHealthcareOutcome,
        decided_on: date,
        reasons: str,
    ) -> None:
        case_must_be_open(self.state)
        person = person_must_exist(self.state, person_id)
        referral = continuing_healthcare_referral_must_be_pending(person)
        continuing_healthcare_dates_must_follow_each_other(referral.referred_on, decided_on, "decided_on")
        self._record(
            ctx,
            self.ContinuingHealthcareDecided,
            person_id=person_id,
            outcome=outcome,
            decided_on=decided_on,
            reasons=reasons,
        )
