"""Commands of safeguarding: a concern, the s.42 decision, and the enquiry's outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import StrictBool

from domain.commands.base import CaseCommand, Identifier, Notes, Reason, Services
from domain.values import CaseDate
from domain.vocabulary import EnquiryOutcome, SafeguardingCategory

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext


class RaiseSafeguardingConcern(CaseCommand):
    """A concern that a person is experiencing, or at risk of, abuse or neglect."""

    concern_id: Identifier
    person_id: Identifier
    category: SafeguardingCategory
    raised_on: CaseDate
    about_representative_id: Identifier | None = None
    details: Notes = ""

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.raise_safeguarding_concern(
            ctx,
            concern_id=self.concern_id,
            person_id=self.person_id,
            category=self.category,
            raised_on=self.raised_on,
            about_representative_id=self.about_representative_id,
            details=self.details,
        )


class DecideSection42Enquiry(CaseCommand):
    """Whether the concern needs an enquiry under s.42, with the reasons."""

    concern_id: Identifier
    enquiry_needed: StrictBool
    reasons: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.decide_section_42_enquiry(
            ctx, concern_id=self.concern_id, enquiry_needed=self.enquiry_needed, reasons=self.reasons
        )


class ConcludeSafeguardingEnquiry(CaseCommand):
    """The s.42 enquiry's outcome: where it left the risk."""

    concern_id: Identifier
    outcome: EnquiryOutcome
    reasons: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.conclude_safeguarding_enquiry(ctx, concern_id=self.concern_id, outcome=self.outcome, reasons=self.reasons)
