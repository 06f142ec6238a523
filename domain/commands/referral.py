"""Commands that open, screen and close a case."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from domain.commands.base import (
    CaseCommand,
    CouncilSettings,
    Identifier,
    Name,
    Notes,
    Reason,
    Services,
    date_must_not_be_in_the_future,
)
from domain.commands.prevention import AdviceDetails
from domain.values import CaseDate, NhsNumber
from domain.vocabulary import ClosureReason, PrimarySupportReason, ReferralRoute, ScreeningOutcome

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext


class ReceiveReferral(CaseCommand):
    creates_case: ClassVar[bool] = True

    team: Identifier
    route: ReferralRoute
    reason: Reason
    adult_id: Identifier
    adult_name: Name
    adult_date_of_birth: CaseDate
    primary_support_reason: PrimarySupportReason | None = None
    council_person_id: Identifier | None = Field(
        default=None,
        description="The adult's council person id (ASC-CLD LA_Person_Unique_Identifier); matched from "
        "the NHS number, or assigned by the record, if omitted",
    )
    nhs_number: NhsNumber | None = None

    def admit(self, ctx: CommandContext, case_began_at: datetime | None, council: CouncilSettings) -> None:
        super().admit(ctx, case_began_at, council)
        date_must_not_be_in_the_future(self.adult_date_of_birth, ctx, "adult_date_of_birth")

    def create(self, ctx: CommandContext, services: Services) -> Case:
        from domain.case.aggregate import Case

        return Case.receive_referral(
            ctx,
            case_id=self.case_id,
            council_code=services.council.council_code,
            team=self.team,
            route=self.route,
            reason=self.reason,
            adult_id=self.adult_id,
            adult_name=self.adult_name,
            adult_date_of_birth=self.adult_date_of_birth,
            primary_support_reason=self.primary_support_reason,
            council_person_id=self.council_person_id,
            nhs_number=self.nhs_number,
            people=services.people,
        )


class ScreenReferral(CaseCommand):
    """Screen the referral: proceed to assessment, reablement first, or information and advice (the
    advice given recorded with it, unless recorded already), which closes the case."""

    outcome: ScreeningOutcome
    reasons: Reason
    advice: AdviceDetails | None = Field(
        default=None, description="the information and advice given at screening, recorded for the adult"
    )

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        advice = None if self.advice is None else self.advice.given()
        case.screen_referral(ctx, outcome=self.outcome, reasons=self.reasons, advice=advice)


class CloseCase(CaseCommand):
    """Close the case: the last ending, which ends every remaining person's involvement."""

    reason: ClosureReason
    notes: Notes = ""
    ended_on: CaseDate | None = Field(
        default=None, description="the day the remaining people's involvement ended; the day it took effect if omitted"
    )

    def admit(self, ctx: CommandContext, case_began_at: datetime | None, council: CouncilSettings) -> None:
        super().admit(ctx, case_began_at, council)
        if self.ended_on is not None:
            date_must_not_be_in_the_future(self.ended_on, ctx, "ended_on")

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.close_case(ctx, reason=self.reason, notes=self.notes, ended_on=self.ended_on)
