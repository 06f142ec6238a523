"""Recording who a person is as the council's returns count them (decision 0045)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.commands.base import CaseCommand, Identifier, Services
from domain.values import GpPracticeCode, Postcode
from domain.vocabulary import AccommodationStatus, EmploymentStatus, Ethnicity, Gender, Known

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext


class RecordPersonDetails(CaseCommand):
    """The adult's or a carer's details for the ASC-CLD return; recorded again when they change."""

    person_id: Identifier
    gender: Gender
    ethnicity: Ethnicity
    accommodation_status: AccommodationStatus
    employment_status: EmploymentStatus
    postcode: Postcode | None = None
    gp_practice_code: GpPracticeCode | None = None
    autism: Known = Known.NOT_KNOWN
    visual_impairment: Known = Known.NOT_KNOWN
    hearing_impairment: Known = Known.NOT_KNOWN
    dementia: Known = Known.NOT_KNOWN

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.record_person_details(
            ctx,
            person_id=self.person_id,
            gender=self.gender,
            ethnicity=self.ethnicity,
            accommodation_status=self.accommodation_status,
            employment_status=self.employment_status,
            postcode=self.postcode,
            gp_practice_code=self.gp_practice_code,
            autism=self.autism,
            visual_impairment=self.visual_impairment,
            hearing_impairment=self.hearing_impairment,
            dementia=self.dementia,
        )
