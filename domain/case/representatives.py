"""The people who hold a direct payment for another, and capacity decision by decision (issue 18).

The Care and Support (Direct Payments) Regulations 2014: a direct payment goes to the adult, to an
*authorised person* where the adult lacks capacity to request one (s.32: resting on that capacity
assessment and a best-interests decision), or to a *nominee* the adult who has capacity asks for
(s.31). Each is a person on the case, with their relationship, their consent and the checks the
council requires; the agreement names one of them by id. Capacity is recorded per decision, with
who assessed it and when (Mental Capacity Act 2005 s.2: capacity is decision-specific); the needs
assessment's one ``has_capacity`` flag stays readable for cases recorded before.
"""

from __future__ import annotations

from datetime import date

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.rules import (
    authorised_person_needs_an_assessed_lack_of_capacity,
    best_interests_decision_must_follow_the_capacity_assessment,
    case_must_be_open,
    direct_payment_request_comes_from_the_person_or_their_authorised_person,
    nominee_needs_capacity_and_the_persons_request,
    person_must_exist,
    representative_id_must_be_new,
    representative_must_be_fit_to_hold_the_payment,
)
from domain.case.state import (
    CapacityRecord,
    DirectPaymentRequest,
    Person,
    RecordedFactSource,
    Representative,
    RepresentativeCheckRecord,
    RepresentativeToRecord,
)
from domain.vocabulary import CapacityDecision, RepresentativeRole


class RepresentativeSteps(Recording):
    class CapacityAssessed(CaseEvent):
        """A person's capacity for one decision was assessed: the outcome, who assessed it and when."""

        person_id: str
        decision: CapacityDecision
        has_capacity: bool
        assessed_by: str
        assessed_on: date
        notes: str

        def apply(self, case: Recording) -> None:
            case.state.people[self.person_id].capacity[self.decision] = CapacityRecord(
                decision=self.decision,
                has_capacity=self.has_capacity,
                assessed_by=self.assessed_by,
                assessed_on=self.assessed_on,
                notes=self.notes,
            )

    class RepresentativeRecorded(CaseEvent):
        """An authorised person or a nominee was recorded for a person: relationship, consent, the
        council's checks and, for an authorised person, the capacity and best-interests decisions
        it rests on; for a nominee, the person's own request."""

        person_id: str
        representative_id: str
        role: RepresentativeRole
        name: str
        relationship: str
        consented: bool
        consented_on: date
        paid_manager: bool
        checks: list[RepresentativeCheckRecord]
        capacity: CapacityRecord | None
        best_interests_decision: str | None
        best_interests_decided_by: str | None
        best_interests_decided_on: date | None
        requested_by_person_on: date | None
        personal_fields = ("name",)
        personal_data_subject = ("representative_id",)

        def apply(self, case: Recording) -> None:
            case.state.representatives[self.representative_id] = Representative(
                **{name: getattr(self, name) for name in Representative.model_fields if name != "recorded_at"},
                recorded_at=self.timestamp,
            )
            case.state.recorded_facts[self.originator_version] = RecordedFactSource(
                event_type="RepresentativeRecorded",
                person_id=self.representative_id,
                recorded_on=(self.effective_at or self.timestamp).date(),
            )

    class DirectPaymentRequested(CaseEvent):
        """A direct payment was requested (or consented to) by the person, or by their authorised
        person; or, with ``withdrawn``, such a request was withdrawn. The one recorded last stands."""

        person_id: str
        requested_by_id: str
        requested_on: date
        notes: str
        withdrawn: bool = False

        def apply(self, case: Recording) -> None:
            case.state.people[self.person_id].direct_payment_requests.append(
                DirectPaymentRequest(
                    requested_by_id=self.requested_by_id,
                    requested_on=self.requested_on,
                    notes=self.notes,
                    withdrawn=self.withdrawn,
                )
            )

    def record_capacity_assessment(
        self,
        ctx: CommandContext,
        *,
        person_id: str,
        decision: CapacityDecision,
        has_capacity: bool,
        assessed_by: str,
        assessed_on: date,
        notes: str,
    ) -> None:
        case_must_be_open(self.state)
        person_must_exist(self.state, person_id)
        self._record(
            ctx,
            self.CapacityAssessed,
            person_id=person_id,
            decision=decision,
            has_capacity=has_capacity,
            assessed_by=assessed_by,
            assessed_on=assessed_on,
            notes=notes,
        )

    def record_authorised_person(
        self,
        ctx: CommandContext,
        *,
        representative: RepresentativeToRecord,
        best_interests_decision: str,
        best_interests_decided_by: str,
        best_interests_decided_on: date,
    ) -> None:
        person = self._representative_may_be_recorded(representative)
        capacity = authorised_person_needs_an_assessed_lack_of_capacity(person)
        best_interests_decision_must_follow_the_capacity_assessment(best_interests_decided_on, capacity)
        self._record_representative(
            ctx,
            representative,
            role=RepresentativeRole.AUTHORISED_PERSON,
            capacity=capacity,
            best_interests_decision=best_interests_decision,
            best_interests_decided_by=best_interests_decided_by,
            best_interests_decided_on=best_interests_decided_on,
        )

    def record_nominee(
        self,
        ctx: CommandContext,
        *,
        representative: RepresentativeToRecord,
        requested_by_person: bool,
        requested_on: date,
    ) -> None:
        person = self._representative_may_be_recorded(representative)
        nominee_needs_capacity_and_the_persons_request(person, requested_by_person)
        self._record_representative(
            ctx,
            representative,
            role=RepresentativeRole.NOMINEE,
            capacity=person.capacity.get(CapacityDecision.CONSENT_TO_DIRECT_PAYMENT),
            requested_by_person_on=requested_on,
        )

    def _representative_may_be_recorded(self, representative: RepresentativeToRecord) -> Person:
        """The rules every representative is recorded under, before those of their role."""
        case_must_be_open(self.state)
        person = person_must_exist(self.state, representative.person_id)
        representative_id_must_be_new(self.state, representative.representative_id)
        return person

    def _record_representative(
        self,
        ctx: CommandContext,
        representative: RepresentativeToRecord,
        *,
        role: RepresentativeRole,
        capacity: CapacityRecord | None,
        best_interests_decision: str | None = None,
        best_interests_decided_by: str | None = None,
        best_interests_decided_on: date | None = None,
        requested_by_person_on: date | None = None,
    ) -> None:
        """Anyone who holds a direct payment for another, after the rules of their role: fit to hold
        it (their consent, the council's checks), then the one event."""
        representative_must_be_fit_to_hold_the_payment(representative.details, representative.required_checks)
        self._record(
            ctx,
            self.RepresentativeRecorded,
            person_id=representative.person_id,
            representative_id=representative.representative_id,
            role=role,
            **dict(representative.details),
            capacity=capacity,
            best_interests_decision=best_interests_decision,
            best_interests_decided_by=best_interests_decided_by,
            best_interests_decided_on=best_interests_decided_on,
            requested_by_person_on=requested_by_person_on,
        )

    def record_direct_payment_request(
        self,
        ctx: CommandContext,
        *,
        person_id: str,
        requested_by_id: str,
        requested_on: date,
        notes: str,
        withdrawn: bool = False,
    ) -> None:
        case_must_be_open(self.state)
        person = person_must_exist(self.state, person_id)
        direct_payment_request_comes_from_the_person_or_their_authorised_person(self.state, person, requested_by_id)
        self._record(
            ctx,
            self.DirectPaymentRequested,
            person_id=person_id,
            requested_by_id=requested_by_id,
            requested_on=requested_on,
            notes=notes,
            withdrawn=withdrawn,
        )
