"""Everything the case record knows at one version, in one pydantic model.

One model makes snapshots, as-of comparison and the current-case view trivial: the whole state is
``CaseState.model_dump()``. Event handlers mutate it; nothing else does.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.budget_statement import PersonalBudgetStatement, PlanVariance
from domain.canonical import GENESIS_HASH
from domain.eligibility import AdultNeedsFindings, CarerNeedsFindings, EligibilityDetermination
from domain.payment_schedule import ScheduleSegment
from domain.planning import SupportPlan
from domain.ras import BudgetCalculation, CarerSupport, WellbeingImpact
from domain.vocabulary import (
    BudgetManagement,
    CapacityDecision,
    ClosureReason,
    Frequency,
    InvolvementEndReason,
    PaymentRecipient,
    PrimarySupportReason,
    ReferralRoute,
    RepresentativeCheck,
    RepresentativeRole,
    ReviewKind,
    ReviewOutcome,
    ReviewReason,
    ScreeningOutcome,
    SignOffOutcome,
    SignOffRoute,
    Stage,
)


class AssessmentStatus(StrEnum):
    """Where one person's assessment stands. Only COMPLETED, DECLINED (carer) and REFUSED (adult,
    duty ended) count as finished for the planning gate."""

    NOT_STARTED = "not_started"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    REQUESTED = "requested"  # asked for again after a decline or refusal: outstanding once more
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DECLINED = "declined"
    REFUSED = "refused"


FINISHED_FOR_GATE: dict[str, frozenset[AssessmentStatus]] = {
    "adult": frozenset({AssessmentStatus.COMPLETED, AssessmentStatus.REFUSED}),
    "carer": frozenset({AssessmentStatus.COMPLETED, AssessmentStatus.DECLINED}),
}


class PlanStatus(StrEnum):
    NONE = "none"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    DEFERRED = "deferred"
    DECLINED = "declined"
    ENDED = "ended"  # the person's involvement ended (domain/case/endings.py): nothing more is paid or reviewed


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class SignOff(Model):
    route: SignOffRoute
    outcome: SignOffOutcome
    approved_pence: int
    reasons: str
    decided_at: datetime


class Challenge(Model):
    challenge_id: str
    grounds: str
    raised_at: datetime
    resolved: bool = False
    outcome: str | None = None
    revised_pence: int | None = None
    reasons: str | None = None


# The people who hold a budget for another, and capacity decision by decision (issue 18) ----------


class CapacityRecord(Model):
    """One decision's capacity assessment: capacity is decision-specific (MCA 2005 s.2)."""

    decision: CapacityDecision
    has_capacity: bool
    assessed_by: str
    assessed_on: date
    notes: str = ""


class RepresentativeCheckRecord(Model):
    check: RepresentativeCheck
    completed_on: date
    reference: str


class Representative(Model):
    """An authorised person (the adult lacks capacity) or a nominee (the adult has capacity and asks),
    a person on the case who may receive a direct payment for the person they represent."""

    representative_id: str
    person_id: str  # the person represented
    role: RepresentativeRole
    name: str
    relationship: str
    consented: bool
    consented_on: date
    paid_manager: bool = False
    checks: list[RepresentativeCheckRecord] = Field(default_factory=list)
    # An authorised person rests on the capacity decision and a best-interests decision.
    capacity: CapacityRecord | None = None
    best_interests_decision: str | None = None
    best_interests_decided_by: str | None = None
    best_interests_decided_on: date | None = None
    # A nominee is named at the person's own request.
    requested_by_person_on: date | None = None
    recorded_at: datetime


class DirectPaymentRequest(Model):
    """The adult's own request or consent to a direct payment, or an authorised person's for them."""

    requested_by_id: str
    requested_on: date
    notes: str = ""


class Person(Model):
    """The adult or one carer, with their own assessment, eligibility, budget and plan."""

    person_id: str
    kind: Literal["adult", "carer"]
    name: str
    date_of_birth: date
    relationship_to_adult: str | None = None
    lives_with_adult: bool | None = None
    young_carer: bool = False
    has_capacity: bool | None = None
    primary_support_reason: PrimarySupportReason | None = None

    assessment: AssessmentStatus = AssessmentStatus.NOT_STARTED
    assessment_method: str | None = None
    combined_consent: bool | None = None
    refusal_exceptions: list[str] = Field(default_factory=list)
    assessment_requests: int = 0
    assessment_completed_at: datetime | None = None

    adult_findings: AdultNeedsFindings | None = None
    carer_findings: CarerNeedsFindings | None = None
    ras_answers: dict[str, str] = Field(default_factory=dict)
    carer_support: CarerSupport | None = None
    hours_caring_per_week: int | None = None
    wellbeing_impact: WellbeingImpact | None = None
    outcomes_wanted: list[str] = Field(default_factory=list)

    eligibility: EligibilityDetermination | None = None
    budget: BudgetCalculation | None = None
    cap_override_pence: int | None = None
    assessed_contribution_pence: int | None = None
    statement: PersonalBudgetStatement | None = None

    plan: SupportPlan | None = None
    plan_version: int = 0
    plan_status: PlanStatus = PlanStatus.NONE
    sign_off: SignOff | None = None
    challenges: list[Challenge] = Field(default_factory=list)
    # Sign-off within delegation, variance, reductions and aligned plans. The figure last signed off
    # (or revised on a challenge after it) outlives a reassessment, so a later cut is measured from it.
    last_approved_pence: int | None = None
    last_signed_off_at: datetime | None = None
    variance: PlanVariance | None = None  # the submitted plan's, with its reason
    # Aligned plans revised since this plan last changed or was submitted: a work item each.
    aligned_changes_to_review: list[str] = Field(default_factory=list)

    # Holding the budget (issue 18): capacity per decision (the has_capacity flag above is the
    # needs assessment's, kept for old cases) and the requests for a direct payment.
    capacity: dict[CapacityDecision, CapacityRecord] = Field(default_factory=dict)
    direct_payment_requests: list[DirectPaymentRequest] = Field(default_factory=list)

    # Endings (domain/case/endings.py): the day this person's involvement ended and why.
    involvement_ended_on: date | None = None
    involvement_end_reason: InvolvementEndReason | None = None


class PaymentSlot(Model):
    slot: int
    due_on: date
    amount_pence: int
    status: Literal["scheduled", "issued", "failed"] = "scheduled"
    issued_at: datetime | None = None
    payment_reference: str | None = None
    failures: int = 0


class Agreement(Model):
    agreement_id: str
    person_id: str
    recipient: PaymentRecipient
    recipient_name: str
    # Holding the budget (issue 18): the person on the case paid (None for an ISF provider, a
    # managed account, or an agreement made before they were kept) and the payee's reference.
    recipient_id: str | None = None
    payee_reference: str | None = None
    start_date: date
    frequency: Frequency
    amount_per_payment_pence: int
    status: Literal["active", "suspended", "stopped"] = "active"
    slots: dict[int, PaymentSlot] = Field(default_factory=dict)
    paid_pence: int = 0
    reported_spend_pence: int = 0
    reported_underspend_pence: int = 0
    recovered_pence: int = 0
    monitoring_returns: int = 0
    arrears_slots: int = 0
    arrears_pence: int = 0
    arrears_status: Literal["none", "awaiting_confirmation", "paid"] = "none"
    # Monitoring (domain/case/monitoring.py): the balance the person holds as the last return showed
    # it, less what was recovered from it since; the payments the returns have accounted for; the
    # last day a return covered; and what was recovered as misspent or as paid after a stop.
    balance_pence: int = 0
    accounted_paid_pence: int = 0
    returns_through: date | None = None
    recovered_misspent_pence: int = 0
    recovered_slots: list[int] = Field(default_factory=list)
    # The day payments stopped (the suspension's or the end's effective date) while they are stopped.
    stopped_on: date | None = None
    # Variations (vary-direct-payment-agreement). The schedule as varied, whole: its first segment is
    # the terms above (start_date, frequency, amount_per_payment_pence, which stay those the agreement
    # was made with: slot 1 and the arrears are paid under them), each later one the terms in force
    # from its first slot. Empty while the agreement has never been varied.
    schedule: list[ScheduleSegment] = Field(default_factory=list)
    variations: int = 0
    # Endings (domain/case/endings.py): the day the person's involvement ended, the final payment
    # worked out to that day (and whether it has been paid) or the overpayment to recover, what was
    # recovered of it, what was written off, and whether finance has closed the account.
    ended_on: date | None = None
    settled: bool = False
    final_payment_pence: int = 0
    final_payment_paid: bool = False
    final_payment_first_slot: int | None = None
    # What each slot paid before the ending is owed for (the rest of it is the overpayment).
    owed_for_slots: dict[int, int] = Field(default_factory=dict)
    overpayment_pence: int = 0
    recovered_overpayment_pence: int = 0
    written_off_pence: int = 0
    account_closed: bool = False

    def outstanding_pence(self) -> int:
        """What is still to settle on the account: the final payment not yet paid, the overpayment
        not yet recovered, and the balance the person (or their estate) holds unspent."""
        final = 0 if self.final_payment_paid else self.final_payment_pence
        overpaid = self.overpayment_pence - self.recovered_overpayment_pence
        return final + overpaid + self.balance_pence - self.written_off_pence

    def segments(self) -> list[ScheduleSegment]:
        """The schedule the agreement pays by, segment by segment (one until it is varied)."""
        return self.schedule or [
            ScheduleSegment(
                first_slot=1,
                start_date=self.start_date,
                frequency=self.frequency,
                amount_per_payment_pence=self.amount_per_payment_pence,
            )
        ]

    def current_terms(self) -> ScheduleSegment:
        """The terms in force now and from here on: the last segment of the schedule."""
        return self.segments()[-1]


class Review(Model):
    review_id: str
    person_ids: list[str]
    kind: ReviewKind
    reason: ReviewReason
    due_on: date
    status: Literal["scheduled", "completed", "cancelled"] = "scheduled"
    outcome: ReviewOutcome | None = None
    completed_at: datetime | None = None


class Escalation(Model):
    reason: str
    escalated_to: str | None = None
    raised_by: str
    raised_at: datetime


class ProcessedCommand(Model):
    name: str
    digest: str
    versions: list[int]


class CaseState(Model):
    case_id: str
    council_code: str
    team: str
    worker_id: str | None = None
    escalation: Escalation | None = None
    referral_route: ReferralRoute
    referral_reason: str
    received_at: datetime
    # When the referral took effect (its effective_at, else when it was recorded): nothing on the
    # case takes effect before it. None only in states snapshotted before it was kept.
    began_at: datetime | None = None
    screening: ScreeningOutcome | None = None
    stage: Stage = Stage.SCREENING
    stage_entered_at: datetime
    adult_id: str
    people: dict[str, Person]
    agreements: dict[str, Agreement] = Field(default_factory=dict)
    reviews: dict[str, Review] = Field(default_factory=dict)
    overdue: dict[str, datetime] = Field(default_factory=dict)
    closed: bool = False
    closure_reason: ClosureReason | None = None
    budget_management: dict[str, BudgetManagement] = Field(default_factory=dict)
    # Holding the budget (issue 18): authorised persons and nominees, by their id.
    representatives: dict[str, Representative] = Field(default_factory=dict)
    # Carers whose support needs reviewing because the adult's involvement ended (the adult died):
    # caring may have ended, which the council decides and records as the carer's own ending.
    carers_to_review: list[str] = Field(default_factory=list)

    # Record-keeping of the record itself: hash chain head, processed command ids, clock.
    chain_head: str = GENESIS_HASH
    processed_commands: dict[str, ProcessedCommand] = Field(default_factory=dict)
    last_recorded_at: datetime

    @property
    def adult(self) -> Person:
        return self.people[self.adult_id]

    @property
    def case_began_at(self) -> datetime:
        return self.began_at or self.received_at

    def carers(self) -> list[Person]:
        return [p for p in self.people.values() if p.kind == "carer"]
