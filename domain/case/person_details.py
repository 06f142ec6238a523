"""Who a person is, as the council's statutory returns count them: gender, ethnicity, where they
live, whether they work, their postcode and GP practice, and the conditions the ASC-CLD return asks
about (decision 0045). Recorded for the adult or a carer, and recorded again when it changes: the
details recorded last stand. Every value is personal, sealed under the person's key (decision 0026).
"""

from __future__ import annotations

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.rules import case_must_be_open, person_must_exist
from domain.case.state import DETAIL_FIELDS, PersonDetails
from domain.vocabulary import AccommodationStatus, EmploymentStatus, Ethnicity, Gender, Known


class PersonDetailsSteps(Recording):
    class PersonDetailsRecorded(CaseEvent):
        """A person's details for the council's returns were recorded (the latest stand): gender,
        ethnicity, accommodation and employment status, postcode, GP practice and known conditions."""

        person_id: str
        gender: Gender | None
        ethnicity: Ethnicity | None
        accommodation_status: AccommodationStatus | None
        employment_status: EmploymentStatus | None
        postcode: str | None
        gp_practice_code: str | None
        autism: Known | None
        visual_impairment: Known | None
        hearing_impairment: Known | None
        dementia: Known | None
        personal_fields = DETAIL_FIELDS
        personal_data_subject = ("person_id",)

        def apply(self, case: Recording) -> None:
            case.state.people[self.person_id].details = PersonDetails(
                **{name: getattr(self, name) for name in DETAIL_FIELDS},
                recorded_on=(self.effective_at or self.timestamp).date(),
            )

    def record_person_details(
        self,
        ctx: CommandContext,
        *,
        person_id: str,
        gender: Gender,
        ethnicity: Ethnicity,
        accommodation_status: AccommodationStatus,
        employment_status: EmploymentStatus,
        postcode: str | None,
        gp_practice_code: str | None,
        autism: Known,
        visual_impairment: Known,
        hearing_impairment: Known,
        dementia: Known,
    ) -> None:
        case_must_be_open(self.state)
        person_must_exist(self.state, person_id)
        self._record(
            ctx,
            self.PersonDetailsRecorded,
            person_id=person_id,
            gender=gender,
            ethnicity=ethnicity,
            accommodation_status=accommodation_status,
            employment_status=employment_status,
            postcode=postcode,
            gp_practice_code=gp_practice_code,
            autism=autism,
            visual_impairment=visual_impairment,
            hearing_impairment=hearing_impairment,
            dementia=dementia,
        )
