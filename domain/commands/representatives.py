"""Commands of the people who hold a direct payment for another, and of capacity per decision."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from domain.case.state import RepresentativeCheckRecord, RepresentativeDetails, RepresentativeToRecord
from domain.commands.base import CaseCommand, Identifier, Name, Notes, Reason, Services, ShortText
from domain.values import FEW, CaseDate
from domain.vocabulary import CapacityDecision, RepresentativeCheck

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext


class CompletedCheck(BaseModel):
    """One check the council made of a representative: which, when, and its reference."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    check: RepresentativeCheck
    completed_on: CaseDate
    reference: Identifier

    def record(self) -> RepresentativeCheckRecord:
        return RepresentativeCheckRecord(check=self.check, completed_on=self.completed_on, reference=self.reference)


class RecordCapacityAssessment(CaseCommand):
    """A person's capacity for one decision, with who assessed it and when (capacity is decision-specific)."""

    person_id: Identifier
    decision: CapacityDecision
    has_capacity: StrictBool
    assessed_by: Identifier
    assessed_on: CaseDate
    notes: Notes = ""

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.record_capacity_assessment(
            ctx,
            person_id=self.person_id,
            decision=self.decision,
            has_capacity=self.has_capacity,
            assessed_by=self.assessed_by,
            assessed_on=self.assessed_on,
            notes=self.notes,
        )


class RepresentativeFields(BaseModel):
    """What recording an authorised person or a nominee asks alike: who, their relationship, their
    consent, whether paid to manage the payment, and the checks the council made of them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    person_id: Identifier
    representative_id: Identifier
    name: Name
    relationship: ShortText
    consented: StrictBool
    consented_on: CaseDate
    paid_manager: StrictBool = False
    checks: list[CompletedCheck] = Field(default_factory=list, max_length=FEW)

    def representative(self, services: Services) -> RepresentativeToRecord:
        """The representative to record, with the checks the council's policy requires of them."""
        return RepresentativeToRecord(
            person_id=self.person_id,
            representative_id=self.representative_id,
            details=RepresentativeDetails(
                name=self.name,
                relationship=self.relationship,
                consented=self.consented,
                consented_on=self.consented_on,
                paid_manager=self.paid_manager,
                checks=[check.record() for check in self.checks],
            ),
            required_checks=services.council.required_representative_checks(),
        )


class RecordAuthorisedPerson(RepresentativeFields, CaseCommand):
    """An authorised person for an adult who lacks capacity to request a direct payment (s.32)."""

    best_interests_decision: Reason
    best_interests_decided_by: Identifier
    best_interests_decided_on: CaseDate

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.record_authorised_person(
            ctx,
            representative=self.representative(services),
            best_interests_decision=self.best_interests_decision,
            best_interests_decided_by=self.best_interests_decided_by,
            best_interests_decided_on=self.best_interests_decided_on,
        )


class RecordNominee(RepresentativeFields, CaseCommand):
    """A nominee an adult who has capacity asks to receive their direct payment (s.31)."""

    requested_by_person: StrictBool
    requested_on: CaseDate

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.record_nominee(
            ctx,
            representative=self.representative(services),
            requested_by_person=self.requested_by_person,
            requested_on=self.requested_on,
        )


class RecordDirectPaymentRequest(CaseCommand):
    """The person's own request or consent to a direct payment, or their authorised person's; or its
    withdrawal. A direct payment agreement rests on the one recorded last (s.31/s.32)."""

    person_id: Identifier
    requested_by_id: Identifier
    requested_on: CaseDate
    notes: Notes = ""
    withdrawn: StrictBool = Field(
        default=False, description="true to record that the request is withdrawn: no agreement until a new one"
    )

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.record_direct_payment_request(
            ctx,
            person_id=self.person_id,
            requested_by_id=self.requested_by_id,
            requested_on=self.requested_on,
            notes=self.notes,
            withdrawn=self.withdrawn,
        )
