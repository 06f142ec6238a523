"""Commands about carers: identification, the offer of an assessment, decline and later request,
and consent to a combined assessment."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import Field, StrictBool

from domain.commands.base import (
    CaseCommand,
    CouncilSettings,
    Identifier,
    Name,
    Reason,
    Services,
    date_must_not_be_in_the_future,
)
from domain.values import CaseDate, NhsNumber

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext


class IdentifyCarer(CaseCommand):
    carer_id: Identifier
    name: Name
    date_of_birth: CaseDate
    relationship_to_adult: Name
    lives_with_adult: StrictBool
    council_person_id: Identifier | None = Field(
        default=None,
        description="The carer's council person id (ASC-CLD LA_Person_Unique_Identifier): the same id on "
        "another case links the carer's record across the adults they care for; assigned if omitted",
    )
    nhs_number: NhsNumber | None = None

    def admit(self, ctx: CommandContext, case_began_at: datetime | None, council: CouncilSettings) -> None:
        super().admit(ctx, case_began_at, council)
        date_must_not_be_in_the_future(self.date_of_birth, ctx, "date_of_birth")

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.identify_carer(
            ctx,
            carer_id=self.carer_id,
            name=self.name,
            date_of_birth=self.date_of_birth,
            relationship_to_adult=self.relationship_to_adult,
            lives_with_adult=self.lives_with_adult,
            council_person_id=self.council_person_id,
            nhs_number=self.nhs_number,
        )


class AcceptCarerAssessment(CaseCommand):
    carer_id: Identifier

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.accept_carer_assessment(ctx, carer_id=self.carer_id)


class DeclineCarerAssessment(CaseCommand):
    carer_id: Identifier
    reason: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.decline_carer_assessment(ctx, carer_id=self.carer_id, reason=self.reason)


class RequestCarerAssessment(CaseCommand):
    carer_id: Identifier
    reason: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.request_carer_assessment(ctx, carer_id=self.carer_id, reason=self.reason)


class RecordCombinedAssessmentConsent(CaseCommand):
    person_id: Identifier
    consented: StrictBool

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.record_combined_assessment_consent(ctx, person_id=self.person_id, consented=self.consented)
