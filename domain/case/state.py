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
from domain.delegation import DelegatedAuthority
from domain.eligibility import AdultNeedsFindings, CarerNeedsFindings, EligibilityDetermination
from domain.payment_schedule import ScheduleSegment
from domain.planning import PlanLine, SupportPlan
from domain.ras import BudgetCalculation, CarerSupport, WellbeingImpact
from domain.vocabulary import (
    AccommodationStatus,
    AdviceFormat,
    AdviceTopic,
    AdvocacyStage,
    BudgetManagement,
    CapacityDecision,
    ClosureReason,
    ContinuingHealthcareOutcome,
    EmploymentStatus,
    EnquiryOutcome,
    Ethnicity,
    Frequency,
    Gender,
    InterimSupportKind,
    InvolvementEndReason,
    Known,
    PaymentRecipient,
    PrimarySupportReason,
    ReablementOutcome,
    ReferralRoute,
    RepresentativeCheck,
    RepresentativeRole,
    ReviewKind,
    ReviewOutcome,
    ReviewReason,
    SafeguardingCategory,
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


class RepresentativeDetails(Model):
    """What the council records of anyone who holds a direct payment for another: who they are to
    the person, their consent, whether they are paid to manage it, and the checks made of them."""

    name: str
    relationship: str
    consented: bool
    consented_on: date
    paid_manager: bool = False
    checks: list[RepresentativeCheckRecord] = Field(default_factory=list)


class RequiredChecks(Model):
    """The checks council policy requires of every representative, and of a paid manager besides."""

    of_everyone: list[RepresentativeCheck] = Field(default_factory=list)
    of_paid_managers: list[RepresentativeCheck] = Field(default_factory=list)


class AgreementTermsPolicy(Model):
    """The council's rules for an agreement's terms, whether made or varied: how far another
    frequency's yearly total may differ from the plan's (basis points), and how far back and ahead
    the terms may start (days)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tolerance_basis_points: int = 0
    backdating_limit_days: int = 182
    future_start_limit_days: int = 366


class RepresentativeToRecord(Model):
    """What recording an authorised person or a nominee asks alike: whom they represent, their id
    on the case, what the council records of them, and the checks its policy requires."""

    person_id: str
    representative_id: str
    details: RepresentativeDetails
    required_checks: RequiredChecks


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
    """The adult's own request or consent to a direct payment, or an authorised person's for them
    (or its withdrawal)."""

    requested_by_id: str
    requested_on: date
    notes: str = ""
    # A withdrawal of the request is recorded as a request of its own (the one recorded last stands).
    withdrawn: bool = False


class AdviceGiven(Model):
    """Information and advice given to a person: what, how, when and by whom."""

    topics: list[AdviceTopic]
    format: AdviceFormat
    given_on: date
    given_by: str
    notes: str
    # Written advice on prevention and on meeting or reducing needs: what s.13(5) asks for a person
    # whose needs are not eligible.
    meets_the_written_advice_duty: bool


class DiscretionaryDecision(Model):
    """The council decided to meet needs that are not eligible (s.19(1)); a team manager's decision."""

    decided_by: str
    decided_on: date
    reasons: str


class AdvocacyJudgement(Model):
    """Whether a person has substantial difficulty being involved (s.67(4)) and, if so, whether an
    appropriate individual can support them; an independent advocate is needed where nobody can."""

    stage: AdvocacyStage
    substantial_difficulty: bool
    appropriate_individual: str | None
    advocate_needed: bool
    judged_by: str
    judged_on: date
    reasons: str


class AdvocateInvolvement(Model):
    stage: AdvocacyStage
    advocate_reference: str
    organisation: str
    involved_from: date


class TransitionAssessment(Model):
    """A young carer's transition assessment (Care Act 2014 s.63): what support they are likely to
    need once 18, assessed before they are, so adult support can follow without a gap."""

    started_on: date
    reason: str
    completed_at: datetime | None = None
    findings: CarerNeedsFindings | None = None
    summary: str = ""


class Reablement(Model):
    """A period of reablement after screening (s.2): from its start to a planned end, free of
    charge (its statement charges the person nothing), ended with an outcome."""

    starts_on: date
    planned_end_on: date
    provider_name: str
    what: str
    weekly_cost_pence: int
    statement: PersonalBudgetStatement
    # A period longer than six weeks: the reason, and the team manager (or above) who agreed it.
    extension_reason: str | None = None
    extension_agreed_by: str | None = None
    ended_on: date | None = None
    outcome: ReablementOutcome | None = None

    @property
    def active(self) -> bool:
        return self.outcome is None


class ContinuingHealthcare(Model):
    """A referral for an NHS continuing healthcare assessment: the checklist, and the NHS's decision."""

    checklist_on: date
    referred_on: date
    outcome: ContinuingHealthcareOutcome = ContinuingHealthcareOutcome.PENDING
    decided_on: date | None = None
    reasons: str = ""


class InterimSupport(Model):
    """Support arranged before the assessments finish: commissioned lines from a start, a review by
    date (a service-level deadline), and the delegated authority it was arranged under."""

    interim_id: str
    kind: InterimSupportKind
    reason: str
    lines: list[PlanLine]
    starts_on: date
    review_by: date
    annual_cost_pence: int
    authority: DelegatedAuthority
    active: bool = True
    ended_on: date | None = None
    end_reason: str | None = None


class SafeguardingConcern(Model):
    """A safeguarding concern about a person (Care Act 2014 s.42): what kind, who it names, the
    decision whether an enquiry is needed, and the enquiry's outcome."""

    concern_id: str
    person_id: str
    category: SafeguardingCategory
    raised_on: date
    # The representative managing a direct payment the concern is about, if it names one.
    about_representative_id: str | None = None
    enquiry_needed: bool | None = None
    outcome: EnquiryOutcome | None = None
    open: bool = True


class CouncilMove(Model):
    """A person's move to another council's area (Care Act 2014 s.37-38): when, where to, what was
    shared with the receiving council, whether it has assessed, and whether this council goes on
    meeting needs past the move date until it has."""

    move_on: date
    receiving_council_code: str
    receiving_reference: str | None = None
    notified_on: date
    shared: list[str] = Field(default_factory=list)  # the kinds of record shared so far
    receiving_assessed_on: date | None = None
    # A team manager recorded that the receiving council had not assessed by the move date and this
    # council goes on meeting the needs until it has.
    needs_met_until_receiving_assessment: bool = False


class PersonDetails(Model):
    """The details as recorded; a value reads as None once the person's key is destroyed."""

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
    recorded_on: date


DETAIL_FIELDS = (
    "gender",
    "ethnicity",
    "accommodation_status",
    "employment_status",
    "postcode",
    "gp_practice_code",
    "autism",
    "visual_impairment",
    "hearing_impairment",
    "dementia",
)


class Person(Model):
    """The adult or one carer, with their own assessment, eligibility, budget and plan."""

    person_id: str
    kind: Literal["adult", "carer"]
    name: str
    date_of_birth: date | None  # None once erased at the end of retention (domain.personal_data)
    relationship_to_adult: str | None = None
    lives_with_adult: bool | None = None
    young_carer: bool = False
    has_capacity: bool | None = None
    primary_support_reason: PrimarySupportReason | None = None
    # Who they are across cases (domain.person_index): None only in states snapshotted before.
    council_person_id: str | None = None
    nhs_number: str | None = None  # None if not known, or once erased

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

    # Prevention, discretion and advocacy (issue 19): advice given, needs met at the council's
    # discretion, and the independent advocacy judged and arranged at each stage.
    advice_given: list[AdviceGiven] = Field(default_factory=list)
    met_at_discretion: DiscretionaryDecision | None = None
    advocacy: dict[AdvocacyStage, AdvocacyJudgement] = Field(default_factory=dict)
    advocates: list[AdvocateInvolvement] = Field(default_factory=list)
    # Transitions (issue 19): a young carer's transition assessment, and the day adult carer rules
    # began to apply to them, at 18, without a new referral.
    transition_assessment: TransitionAssessment | None = None
    # Urgent interim and temporary support (issue 19), by its id.
    interim_support: dict[str, InterimSupport] = Field(default_factory=dict)
    adult_carer_rules_from: date | None = None
    # Reablement after screening (issue 19): the adult's one period of it on this case.
    reablement: Reablement | None = None
    # The NHS continuing healthcare boundary (issue 19): the latest referral and where it stands.
    continuing_healthcare: ContinuingHealthcare | None = None

    def fully_funded_by_the_nhs(self) -> bool:
        """Found eligible for NHS continuing healthcare: the NHS funds the whole package (s.22)."""
        chc = self.continuing_healthcare
        return chc is not None and chc.outcome == ContinuingHealthcareOutcome.ELIGIBLE

    def owed_written_advice(self) -> bool:
        """s.13(5): needs found not eligible, not met at the council's discretion, and no written
        advice on preventing and meeting them recorded yet."""
        return (
            self.eligibility is not None
            and not self.eligibility.eligible
            and self.met_at_discretion is None
            and not any(advice.meets_the_written_advice_duty for advice in self.advice_given)
        )

    def advocate_needed_at(self, stage: AdvocacyStage) -> bool:
        """An advocate is judged needed at this stage and none is involved at it yet."""
        judged = self.advocacy.get(stage)
        if judged is None or not judged.advocate_needed:
            return False
        return not any(a.stage == stage for a in self.advocates)

    # Endings (domain/case/endings.py): the day this person's involvement ended and why.
    involvement_ended_on: date | None = None
    involvement_end_reason: InvolvementEndReason | None = None
    # Continuity of care (domain/case/moves.py): a move to another council notified for this person.
    move: CouncilMove | None = None
    # Who the person is as the council's returns count them (domain/case/person_details.py).
    details: PersonDetails | None = None


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


class Restriction(Model):
    """A case restricted to named staff (a member of staff's relative, a safeguarding concern)."""

    staff_ids: list[str]
    reason: str
    restricted_by: str
    restricted_at: datetime


class RecordedFactSource(Model):
    """Where an event that recorded facts about a person stands: what it was and whose facts they
    are, so a correction can name the event by its version (domain/case/corrections.py)."""

    event_type: str
    person_id: str  # the adult's or a carer's id, or a representative's
    recorded_on: date  # the day the event took effect (a date of birth is corrected to no later)


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
    stage_entered_at: datetime  # when the record moved into the stage
    # When the step that moved the case into the stage took effect, where that was earlier than it
    # was recorded (a migrated or late-entered case): the stage's service-level clock runs from it
    # (decision 0035). None in states snapshotted before it was kept.
    stage_took_effect_at: datetime | None = None
    adult_id: str
    people: dict[str, Person]
    agreements: dict[str, Agreement] = Field(default_factory=dict)
    reviews: dict[str, Review] = Field(default_factory=dict)
    overdue: dict[str, datetime] = Field(default_factory=dict)
    closed: bool = False
    closure_reason: ClosureReason | None = None
    closed_at: datetime | None = None  # None in states snapshotted before it was kept
    # When the retention rule erased the personal data of the case's people (domain/case/retention.py).
    personal_data_erased_at: datetime | None = None
    budget_management: dict[str, BudgetManagement] = Field(default_factory=dict)
    # Holding the budget (issue 18): authorised persons and nominees, by their id.
    representatives: dict[str, Representative] = Field(default_factory=dict)
    # Safeguarding (issue 19): concerns by id, open until the s.42 decision or enquiry closes them.
    safeguarding: dict[str, SafeguardingConcern] = Field(default_factory=dict)
    # The events that recorded correctable facts about a person, by their version on the case
    # (domain/case/correctable.py); the facts themselves are where the state holds them above.
    recorded_facts: dict[int, RecordedFactSource] = Field(default_factory=dict)
    # Need to know: while restricted, only the named staff (and auditors) see the case.
    restriction: Restriction | None = None
    # Carers whose support needs reviewing because the adult's involvement ended (the adult died):
    # caring may have ended, which the council decides and records as the carer's own ending.
    carers_to_review: list[str] = Field(default_factory=list)
    # The adult's earlier cases, closed when this one was referred (domain.person_index).
    earlier_cases: list[str] = Field(default_factory=list)

    # Record-keeping of the record itself: hash chain head, clock (its commands: eventstore.commands).
    chain_head: str = GENESIS_HASH
    last_recorded_at: datetime

    @property
    def adult(self) -> Person:
        return self.people[self.adult_id]

    def in_reablement(self) -> bool:
        """Screened to reablement, and reablement not yet ended: no assessment yet."""
        reablement = self.adult.reablement
        return self.screening == ScreeningOutcome.REABLEMENT and (reablement is None or reablement.active)

    def goes_on_to_assessment(self) -> bool:
        """Screened to proceed, or reablement ended with needs still to assess: no new referral."""
        reablement = self.adult.reablement
        return self.screening == ScreeningOutcome.PROCEED_TO_ASSESSMENT or (
            self.screening == ScreeningOutcome.REABLEMENT
            and reablement is not None
            and reablement.outcome == ReablementOutcome.ONGOING_NEEDS
        )

    @property
    def case_began_at(self) -> datetime:
        return self.began_at or self.received_at

    @property
    def stage_clock_started_at(self) -> datetime:
        """When the current stage's service-level clock started: when its step took effect."""
        return self.stage_took_effect_at or self.stage_entered_at

    def carers(self) -> list[Person]:
        return [p for p in self.people.values() if p.kind == "carer"]
