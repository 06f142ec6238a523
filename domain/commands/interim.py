"""Commands of support put in place before the assessments finish."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from domain.commands.base import CaseCommand, Identifier, Reason, Services
from domain.planning import PlanLine
from domain.values import SOME, CaseDate
from domain.vocabulary import InterimSupportKind

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext


class ArrangeInterimSupport(CaseCommand):
    """Urgent interim (s.19(3)) or temporary short-term support before the assessments finish:
    commissioned lines from their start, a reason, and a review by date within the council's limit."""

    person_id: Identifier
    interim_id: Identifier
    kind: InterimSupportKind
    reason: Reason
    lines: list[PlanLine] = Field(min_length=1, max_length=SOME)
    review_by: CaseDate

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.arrange_interim_support(
            ctx,
            person_id=self.person_id,
            interim_id=self.interim_id,
            kind=self.kind,
            reason=self.reason,
            lines=list(self.lines),
            review_by=self.review_by,
            scheme=services.council.scheme_of_delegation(),
            review_within_days=services.council.interim_support_review_within_days,
        )


class EndInterimSupport(CaseCommand):
    """Interim support ends before the full plan replaces it (the person no longer needs it, say)."""

    person_id: Identifier
    interim_id: Identifier
    ended_on: CaseDate
    reason: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.end_interim_support(
            ctx, person_id=self.person_id, interim_id=self.interim_id, ended_on=self.ended_on, reason=self.reason
        )
