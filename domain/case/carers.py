"""Carers identified, told of their right and offered an assessment (s.10; rules A1, A3)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.rules import (
    adult_carer_rules_exclude_young_carers,
    carer_assessment_must_be_declined,
    carer_assessment_must_be_open,
    carer_assessment_must_not_be_in_progress,
    carer_must_be_born_by_the_day_identified,
    carer_must_exist,
    carer_must_have_been_offered_an_assessment,
    carer_must_not_already_be_on_the_case,
    case_must_be_open,
    person_must_exist,
)
from domain.case.state import AssessmentStatus, Person, RecordedFactSource
from domain.people import ADULTHOOD_AGE, age_on
from domain.person_index import assigned_council_person_id


class CarerSteps(Recording):
    class CarerIdentified(CaseEvent):
        """A carer linked to the adult was identified (a young carer is flagged)."""

        # v2 added ``young_carer``: version 1 records (written before the age check existed)
        # gain it on reading, worked out from the date of birth on the day they were recorded.
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            born = date.fromisoformat(state["date_of_birth"])
            recorded_on = datetime.fromisoformat(state["timestamp"]).date()
            state["young_carer"] = age_on(born, recorded_on) < ADULTHOOD_AGE
            state.setdefault("command_digest", "")  # release 1 kept no command fingerprints

        carer_id: str
        name: str
        date_of_birth: date | None  # None once erased (domain.personal_data)
        relationship_to_adult: str
        lives_with_adult: bool
        young_carer: bool
        # The person index (decision 0031): the carer across cases. Recorded before it existed, an
        # identification named neither: the carer's id is the one the record assigns.
        council_person_id: str = ""
        nhs_number: str | None = None  # None if not given, or once erased
        personal_fields = ("name", "date_of_birth", "nhs_number")

        def council_person_id_of(self) -> str:
            return self.council_person_id or assigned_council_person_id(self.originator_id.hex, self.carer_id)

        def apply(self, case: Recording) -> None:
            case.state.people[self.carer_id] = Person(
                person_id=self.carer_id,
                kind="carer",
                name=self.name,
                date_of_birth=self.date_of_birth,
                relationship_to_adult=self.relationship_to_adult,
                lives_with_adult=self.lives_with_adult,
                young_carer=self.young_carer,
                council_person_id=self.council_person_id_of(),
                nhs_number=self.nhs_number,
            )
            case.state.recorded_facts[self.originator_version] = RecordedFactSource(
                event_type="CarerIdentified",
                person_id=self.carer_id,
                recorded_on=(self.effective_at or self.timestamp).date(),
            )

    class YoungCarerReferredToChildrensServices(CaseEvent):
        """A carer under 18 was referred to children's services; adult carer rules do not apply."""

        carer_id: str
        age: int

        def apply(self, case: Recording) -> None:
            pass  # the referral itself is the fact; the young carer takes no part in the adult gate

    class CarerAssessmentOffered(CaseEvent):
        """The carer was told of their right to, and offered, a carer's assessment (s.10, appearance of need)."""

        carer_id: str
        told_of_right: bool

        def apply(self, case: Recording) -> None:
            case.state.people[self.carer_id].assessment = AssessmentStatus.OFFERED

    class CarerAssessmentAccepted(CaseEvent):
        """The carer accepted the offer of a carer's assessment."""

        carer_id: str

        def apply(self, case: Recording) -> None:
            case.state.people[self.carer_id].assessment = AssessmentStatus.ACCEPTED

    class CarerAssessmentDeclined(CaseEvent):
        """The carer declined a carer's assessment; the decline is recorded."""

        carer_id: str
        reason: str

        def apply(self, case: Recording) -> None:
            case.state.people[self.carer_id].assessment = AssessmentStatus.DECLINED

    class CarerAssessmentRequested(CaseEvent):
        """The carer asked for an assessment after declining; it is outstanding again."""

        carer_id: str
        reason: str

        def apply(self, case: Recording) -> None:
            carer = case.state.people[self.carer_id]
            carer.assessment = AssessmentStatus.REQUESTED
            carer.assessment_requests += 1

    class CombinedAssessmentConsentRecorded(CaseEvent):
        """One person's consent (or refusal) to a combined assessment was recorded."""

        person_id: str
        consented: bool

        def apply(self, case: Recording) -> None:
            case.state.people[self.person_id].combined_consent = self.consented

    def identify_carer(
        self,
        ctx: CommandContext,
        *,
        carer_id: str,
        name: str,
        date_of_birth: date,
        relationship_to_adult: str,
        lives_with_adult: bool,
        council_person_id: str | None = None,
        nhs_number: str | None = None,
    ) -> None:
        case_must_be_open(self.state)
        carer_must_not_already_be_on_the_case(self.state, carer_id)
        identified_on = (ctx.effective_at or self._now(ctx)).date()
        carer_must_be_born_by_the_day_identified(date_of_birth, identified_on)
        age = age_on(date_of_birth, identified_on)
        young = age < ADULTHOOD_AGE
        self._record(
            ctx,
            self.CarerIdentified,
            carer_id=carer_id,
            name=name,
            date_of_birth=date_of_birth,
            relationship_to_adult=relationship_to_adult,
            lives_with_adult=lives_with_adult,
            young_carer=young,
            # The same carer on another case is the same council person id (a carer's record across
            # the adults they care for); none given, the record assigns one for this case.
            council_person_id=council_person_id or assigned_council_person_id(self.id.hex, carer_id),
            nhs_number=nhs_number,
        )
        if young:
            self._record(ctx, self.YoungCarerReferredToChildrensServices, carer_id=carer_id, age=age)
        else:
            # A1: the appearance of need is enough; no request is needed for the offer.
            self._record(ctx, self.CarerAssessmentOffered, carer_id=carer_id, told_of_right=True)

    def accept_carer_assessment(self, ctx: CommandContext, *, carer_id: str) -> None:
        case_must_be_open(self.state)
        carer = carer_must_exist(self.state, carer_id)
        adult_carer_rules_exclude_young_carers(carer)
        carer_must_have_been_offered_an_assessment(carer, offer_still_open=True)
        self._record(ctx, self.CarerAssessmentAccepted, carer_id=carer_id)

    def decline_carer_assessment(self, ctx: CommandContext, *, carer_id: str, reason: str) -> None:
        case_must_be_open(self.state)
        carer = carer_must_exist(self.state, carer_id)
        adult_carer_rules_exclude_young_carers(carer)
        carer_assessment_must_be_open(carer)
        carer_assessment_must_not_be_in_progress(carer)
        self._record(ctx, self.CarerAssessmentDeclined, carer_id=carer_id, reason=reason)

    def request_carer_assessment(self, ctx: CommandContext, *, carer_id: str, reason: str) -> None:
        case_must_be_open(self.state)
        carer = carer_must_exist(self.state, carer_id)
        adult_carer_rules_exclude_young_carers(carer)
        carer_assessment_must_be_declined(carer)
        self._record(ctx, self.CarerAssessmentRequested, carer_id=carer_id, reason=reason)

    def record_combined_assessment_consent(self, ctx: CommandContext, *, person_id: str, consented: bool) -> None:
        case_must_be_open(self.state)
        person = person_must_exist(self.state, person_id)
        if person.kind == "carer":
            adult_carer_rules_exclude_young_carers(person)
        self._record(ctx, self.CombinedAssessmentConsentRecorded, person_id=person_id, consented=consented)
