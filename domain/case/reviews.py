"""Reviews, planned and unplanned, and overdue steps (step 12; rule R1's record side).

The adult's and carers' reviews are coordinated: one review may cover several people, and its
outcome applies to each of them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.rules import (
    case_must_be_open,
    independent_advocate_must_be_involved,
    involvement_must_not_have_ended,
    overdue_stage_must_still_be_open,
    person_must_exist,
    review_end_reason_must_fit_the_outcome,
    review_id_must_be_new,
    review_must_exist,
    review_must_not_already_be_completed,
    review_needs_a_plan_to_review,
    stage_must_not_already_be_overdue,
    unplanned_review_is_requested_not_scheduled,
)
from domain.case.state import AssessmentStatus, CaseState, Person, Review
from domain.vocabulary import AdvocacyStage, InvolvementEndReason, ReviewKind, ReviewOutcome, ReviewReason


def overdue_clock_started_at(state: CaseState, stage: str, due_at: datetime) -> datetime:
    """When the service-level clock of an open stage started: a review's on the day it fell due."""
    if stage.startswith("review:"):
        review = state.reviews[stage.removeprefix("review:")]
        return datetime.combine(review.due_on, datetime.min.time(), tzinfo=due_at.tzinfo)
    return state.stage_clock_started_at


class ReviewSteps(Recording):
    class ReviewScheduled(CaseEvent):
        """A planned review was scheduled."""

        review_id: str
        person_ids: list[str]
        kind: ReviewKind
        due_on: date

        def apply(self, case: Recording) -> None:
            case.state.reviews[self.review_id] = Review(
                review_id=self.review_id,
                person_ids=list(self.person_ids),
                kind=self.kind,
                reason=ReviewReason.SCHEDULED,
                due_on=self.due_on,
            )

    class ReviewRequested(CaseEvent):
        """An unplanned review was requested (s.27), with the reason."""

        review_id: str
        person_ids: list[str]
        reason: ReviewReason
        due_on: date
        details: str

        def apply(self, case: Recording) -> None:
            case.state.reviews[self.review_id] = Review(
                review_id=self.review_id,
                person_ids=list(self.person_ids),
                kind=ReviewKind.UNPLANNED,
                reason=self.reason,
                due_on=self.due_on,
            )

    class ReviewCompleted(CaseEvent):
        """A review was completed: no change, revise the plan, reassess, or close."""

        review_id: str
        outcome: ReviewOutcome
        notes: str

        def apply(self, case: Recording) -> None:
            review = case.state.reviews[self.review_id]
            review.status = "completed"
            review.outcome = self.outcome
            review.completed_at = self.timestamp
            case.state.overdue.pop(f"review:{self.review_id}", None)
            if self.outcome == ReviewOutcome.REASSESS:
                # A budget is never cut without a reassessment: each person goes back through the gate.
                for person_id in review.person_ids:
                    person = case.state.people[person_id]
                    person.assessment = AssessmentStatus.REQUESTED
                    person.assessment_requests += 1

    class StageOverdue(CaseEvent):
        """A stage or a review passed its service level and was flagged overdue."""

        stage: str
        entered_at: datetime
        due_at: datetime

        def apply(self, case: Recording) -> None:
            case.state.overdue[self.stage] = self.due_at

    def schedule_review(
        self, ctx: CommandContext, *, review_id: str, person_ids: list[str], kind: ReviewKind, due_on: date
    ) -> None:
        case_must_be_open(self.state)
        review_id_must_be_new(self.state, review_id)
        unplanned_review_is_requested_not_scheduled(kind)
        for person_id in person_ids:
            review_needs_a_plan_to_review(person_must_exist(self.state, person_id, field="person_ids"))
        self._record(ctx, self.ReviewScheduled, review_id=review_id, person_ids=person_ids, kind=kind, due_on=due_on)

    def request_review(
        self,
        ctx: CommandContext,
        *,
        review_id: str,
        person_ids: list[str],
        reason: ReviewReason,
        due_on: date,
        details: str,
    ) -> None:
        """s.27: any reasonable request for a review must be considered, so every request is recorded."""
        case_must_be_open(self.state)
        review_id_must_be_new(self.state, review_id)
        for person_id in person_ids:
            # Nobody's care is reviewed once their involvement has ended.
            involvement_must_not_have_ended(person_must_exist(self.state, person_id, field="person_ids"), "person_ids")
        self._record(
            ctx,
            self.ReviewRequested,
            review_id=review_id,
            person_ids=person_ids,
            reason=reason,
            due_on=due_on,
            details=details,
        )

    def complete_review(
        self,
        ctx: CommandContext,
        *,
        review_id: str,
        outcome: ReviewOutcome,
        notes: str,
        end_reason: InvolvementEndReason | None = None,
    ) -> None:
        """A review that closes the plan ends the involvement of each person it reviewed (needs met,
        or no longer eligible), the same way as an ending recorded on its own."""
        case_must_be_open(self.state)
        review = review_must_exist(self.state, review_id)
        review_must_not_already_be_completed(review)
        for person_id in review.person_ids:
            independent_advocate_must_be_involved(self.state.people[person_id], AdvocacyStage.REVIEW)
        review_end_reason_must_fit_the_outcome(outcome, end_reason)
        self._record(ctx, self.ReviewCompleted, review_id=review_id, outcome=outcome, notes=notes)
        if outcome == ReviewOutcome.CLOSE:
            day = (ctx.effective_at or ctx.recorded_at).date()
            for person_id in list(review.person_ids):
                person = self.state.people[person_id]
                if person.involvement_ended_on is None:
                    reason = end_reason or InvolvementEndReason.NEEDS_MET
                    self._end_involvement(ctx, person, reason, day, f"review {review_id} closed the plan: {notes}")

    if TYPE_CHECKING:  # the Case's, from domain/case/endings.py

        def _end_involvement(
            self, ctx: CommandContext, person: Person, reason: InvolvementEndReason, ended_on: date, notes: str
        ) -> None: ...

    def record_stage_overdue(self, ctx: CommandContext, *, stage: str, due_at: datetime) -> None:
        """A stage past its service level, or a review past its due date (``review:<id>``)."""
        case_must_be_open(self.state)
        overdue_stage_must_still_be_open(self.state, stage)
        stage_must_not_already_be_overdue(self.state, stage)
        entered_at = overdue_clock_started_at(self.state, stage, due_at)
        self._record(ctx, self.StageOverdue, stage=stage, entered_at=entered_at, due_at=due_at)
