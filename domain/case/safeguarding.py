"""Safeguarding facts (Care Act 2014 s.42): a concern, the decision whether an enquiry is needed,
and the enquiry's outcome.

An open concern changes what the process may do: it bars a fast-track plan for the person, puts a
review on the case where the person already has support (due within the council's review window
for safeguarding), and where it names the person managing a direct payment, the worklist offers
suspending that payment with the concern as the reason. The concern closes when it is decided no
enquiry is needed, or when the enquiry's outcome is recorded.
"""

from __future__ import annotations

from datetime import date, timedelta

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.reviews import ReviewSteps
from domain.case.rules import (
    case_must_be_open,
    enquiry_outcome_follows_a_section_42_decision,
    person_must_exist,
    representative_must_exist,
    safeguarding_concern_id_must_be_new,
    safeguarding_concern_must_be_open,
    section_42_is_decided_once,
)
from domain.case.state import PlanStatus, SafeguardingConcern
from domain.vocabulary import EnquiryOutcome, ReviewReason, SafeguardingCategory

# A person with support who is the subject of a concern has their support looked at again soon.
SAFEGUARDING_REVIEW_WITHIN = timedelta(days=14)


def safeguarding_review_id(concern_id: str) -> str:
    return f"safeguarding-{concern_id}"


class SafeguardingSteps(Recording):
    class SafeguardingConcernRaised(CaseEvent):
        """A safeguarding concern about a person: the kind of abuse or neglect, when, and whether it
        names the representative managing their direct payment."""

        personal_fields = ("details",)

        concern_id: str
        person_id: str
        category: SafeguardingCategory
        raised_on: date
        about_representative_id: str | None
        details: str

        def apply(self, case: Recording) -> None:
            case.state.safeguarding[self.concern_id] = SafeguardingConcern(
                concern_id=self.concern_id,
                person_id=self.person_id,
                category=self.category,
                raised_on=self.raised_on,
                about_representative_id=self.about_representative_id,
            )

    class Section42Decided(CaseEvent):
        """Whether the concern needs a s.42 enquiry, with the reasons; a concern that needs none closes."""

        personal_fields = ("reasons",)

        concern_id: str
        enquiry_needed: bool
        reasons: str

        def apply(self, case: Recording) -> None:
            concern = case.state.safeguarding[self.concern_id]
            concern.enquiry_needed = self.enquiry_needed
            concern.open = self.enquiry_needed

    class SafeguardingEnquiryConcluded(CaseEvent):
        """The s.42 enquiry concluded: where it left the risk, with the reasons; the concern closes."""

        personal_fields = ("reasons",)

        concern_id: str
        outcome: EnquiryOutcome
        reasons: str

        def apply(self, case: Recording) -> None:
            concern = case.state.safeguarding[self.concern_id]
            concern.outcome = self.outcome
            concern.open = False

    def raise_safeguarding_concern(
        self,
        ctx: CommandContext,
        *,
        concern_id: str,
        person_id: str,
        category: SafeguardingCategory,
        raised_on: date,
        about_representative_id: str | None,
        details: str,
    ) -> None:
        case_must_be_open(self.state)
        person = person_must_exist(self.state, person_id)
        safeguarding_concern_id_must_be_new(self.state, concern_id)
        if about_representative_id is not None:
            representative_must_exist(self.state, about_representative_id, "about_representative_id")
        self._record(
            ctx,
            self.SafeguardingConcernRaised,
            concern_id=concern_id,
            person_id=person_id,
            category=category,
            raised_on=raised_on,
            about_representative_id=about_representative_id,
            details=details,
        )
        review_id = safeguarding_review_id(concern_id)
        if person.plan_status == PlanStatus.APPROVED and review_id not in self.state.reviews:
            self._record(
                ctx,
                ReviewSteps.ReviewRequested,
                review_id=review_id,
                person_ids=[person_id],
                reason=ReviewReason.SAFEGUARDING,
                due_on=raised_on + SAFEGUARDING_REVIEW_WITHIN,
                details=f"safeguarding concern {concern_id} ({category.value.replace('_', ' ')})",
            )

    def decide_section_42_enquiry(
        self, ctx: CommandContext, *, concern_id: str, enquiry_needed: bool, reasons: str
    ) -> None:
        case_must_be_open(self.state)
        concern = safeguarding_concern_must_be_open(self.state, concern_id)
        section_42_is_decided_once(concern)
        self._record(ctx, self.Section42Decided, concern_id=concern_id, enquiry_needed=enquiry_needed, reasons=reasons)

    def conclude_safeguarding_enquiry(
        self, ctx: CommandContext, *, concern_id: str, outcome: EnquiryOutcome, reasons: str
    ) -> None:
        case_must_be_open(self.state)
        concern = safeguarding_concern_must_be_open(self.state, concern_id)
        enquiry_outcome_follows_a_section_42_decision(concern)
        self._record(ctx, self.SafeguardingEnquiryConcluded, concern_id=concern_id, outcome=outcome, reasons=reasons)
