"""Commands of reviews and overdue steps."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field, StrictStr

from domain.commands.base import CaseCommand, Identifier, Instant, Notes, Services
from domain.values import FEW, CaseDate
from domain.vocabulary import InvolvementEndReason, ReviewKind, ReviewOutcome, ReviewReason

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext


class ScheduleReview(CaseCommand):
    review_id: Identifier
    person_ids: list[Identifier] = Field(min_length=1, max_length=FEW)
    kind: ReviewKind
    due_on: CaseDate

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.schedule_review(
            ctx, review_id=self.review_id, person_ids=list(self.person_ids), kind=self.kind, due_on=self.due_on
        )


class RequestReview(CaseCommand):
    review_id: Identifier
    person_ids: list[Identifier] = Field(min_length=1, max_length=FEW)
    reason: ReviewReason
    due_on: CaseDate
    details: Notes = ""

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.request_review(
            ctx,
            review_id=self.review_id,
            person_ids=list(self.person_ids),
            reason=self.reason,
            due_on=self.due_on,
            details=self.details,
        )


class CompleteReview(CaseCommand):
    review_id: Identifier
    outcome: ReviewOutcome
    notes: Notes = ""
    end_reason: InvolvementEndReason | None = Field(
        default=None,
        description="with outcome close: why each reviewed person's plan ends (needs_met, the default, or "
        "no_longer_eligible)",
    )

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.complete_review(
            ctx, review_id=self.review_id, outcome=self.outcome, notes=self.notes, end_reason=self.end_reason
        )


class RecordStageOverdue(CaseCommand):
    stage: StrictStr = Field(min_length=1, max_length=80, description="A stage name, or review:<review id>")
    due_at: Instant

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.record_stage_overdue(ctx, stage=self.stage, due_at=self.due_at)
