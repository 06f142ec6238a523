"""Needs assessment of the adult and carers' assessments (steps 3-4; rules A2, A3).

The adult's assessment is carer-blind: findings are recorded as if no carer helped; what the
carer is willing and able to do is recorded on the carer's own assessment and used at planning.
"""

from __future__ import annotations

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.rules import (
    a_carer_is_named_only_for_a_combined_assessment,
    adult_carer_rules_exclude_young_carers,
    assessment_must_be_in_progress,
    assessment_must_be_startable,
    assessment_must_not_already_be_finished,
    carer_must_exist,
    carer_must_have_been_offered_an_assessment,
    case_must_be_open,
    combined_assessment_needs_consent_from_each_person,
    independent_advocate_must_be_involved,
    reassessment_must_reopen_a_finished_assessment,
    referral_must_proceed_to_assessment,
)
from domain.case.state import AssessmentStatus, Person, PlanStatus
from domain.eligibility import AdultNeedsFindings, CarerNeedsFindings
from domain.ras import CarerSupport, CarerSupportLevel, WellbeingImpact
from domain.vocabulary import (
    AdvocacyStage,
    AssessmentMethod,
    AssessmentRequestReason,
    CarerAssessmentMethod,
    RefusalException,
)


def _reopen_decisions(person: Person) -> None:
    """A fresh assessment supersedes the decisions built on the old one; plans stay as drafts."""
    person.eligibility = None
    person.budget = None
    person.cap_override_pence = None
    person.statement = None
    if person.plan_status != PlanStatus.NONE:
        person.plan_status = PlanStatus.DRAFT
        person.sign_off = None


class AssessmentSteps(Recording):
    class NeedsAssessmentStarted(CaseEvent):
        """The adult's needs assessment started, with its method."""

        method: AssessmentMethod
        combined_with_carer_id: str | None

        def apply(self, case: Recording) -> None:
            adult = case.state.adult
            adult.assessment = AssessmentStatus.IN_PROGRESS
            adult.assessment_method = self.method.value

    class NeedsAssessmentCompleted(CaseEvent):
        """The adult's needs assessment was completed: carer-blind findings, RAS answers, capacity."""

        findings: AdultNeedsFindings
        ras_answers: dict[str, str]
        # The one capacity flag of earlier releases; capacity is now recorded per decision
        # (CapacityAssessed), and a completed assessment may leave this unstated (None).
        has_capacity: bool | None
        summary: str
        personal_fields = ("summary",)

        def apply(self, case: Recording) -> None:
            adult = case.state.adult
            _reopen_decisions(adult)
            adult.assessment = AssessmentStatus.COMPLETED
            adult.assessment_completed_at = self.timestamp
            adult.adult_findings = self.findings
            adult.ras_answers = dict(self.ras_answers)
            adult.has_capacity = self.has_capacity

    class NeedsAssessmentRefused(CaseEvent):
        """The adult refused assessment; the duty ends unless an s.11(2) exception applies."""

        reason: str
        exceptions: list[RefusalException]
        duty_ends: bool

        def apply(self, case: Recording) -> None:
            adult = case.state.adult
            adult.refusal_exceptions = [e.value for e in self.exceptions]
            if self.duty_ends:
                adult.assessment = AssessmentStatus.REFUSED

    class NeedsAssessmentRequested(CaseEvent):
        """The adult's assessment is outstanding again: the adult asked, circumstances changed, or a
        review proposes a cut."""

        reason: AssessmentRequestReason
        notes: str
        personal_fields = ("notes",)

        def apply(self, case: Recording) -> None:
            adult = case.state.adult
            adult.assessment = AssessmentStatus.REQUESTED
            adult.assessment_requests += 1

    class CarerAssessmentStarted(CaseEvent):
        """A carer's assessment started, separately or combined."""

        carer_id: str
        method: CarerAssessmentMethod

        def apply(self, case: Recording) -> None:
            carer = case.state.people[self.carer_id]
            carer.assessment = AssessmentStatus.IN_PROGRESS
            carer.assessment_method = self.method.value

    class CarerAssessmentCompleted(CaseEvent):
        """A carer's assessment was completed: findings, hours, willingness and ability, wellbeing impact."""

        carer_id: str
        findings: CarerNeedsFindings
        hours_caring_per_week: int
        support: CarerSupport
        wellbeing_impact: WellbeingImpact
        outcomes_wanted: list[str]
        ras_answers: dict[str, str]
        summary: str
        personal_fields = ("summary",)

        def apply(self, case: Recording) -> None:
            carer = case.state.people[self.carer_id]
            _reopen_decisions(carer)
            carer.assessment = AssessmentStatus.COMPLETED
            carer.assessment_completed_at = self.timestamp
            carer.carer_findings = self.findings
            carer.hours_caring_per_week = self.hours_caring_per_week
            carer.carer_support = self.support
            carer.wellbeing_impact = self.wellbeing_impact
            carer.outcomes_wanted = list(self.outcomes_wanted)
            carer.ras_answers = dict(self.ras_answers)

    def start_needs_assessment(
        self, ctx: CommandContext, *, method: AssessmentMethod, combined_with_carer_id: str | None = None
    ) -> None:
        case_must_be_open(self.state)
        referral_must_proceed_to_assessment(self.state)
        adult = self.state.adult
        assessment_must_be_startable(adult)
        a_carer_is_named_only_for_a_combined_assessment(method, combined_with_carer_id)
        if combined_with_carer_id is not None:
            carer = carer_must_exist(self.state, combined_with_carer_id)
            adult_carer_rules_exclude_young_carers(carer)
            combined_assessment_needs_consent_from_each_person(adult, carer)
        self._record(ctx, self.NeedsAssessmentStarted, method=method, combined_with_carer_id=combined_with_carer_id)

    def complete_needs_assessment(
        self,
        ctx: CommandContext,
        *,
        findings: AdultNeedsFindings,
        ras_answers: dict[str, str],
        has_capacity: bool | None,
        summary: str,
    ) -> None:
        case_must_be_open(self.state)
        assessment_must_be_in_progress(self.state.adult)
        independent_advocate_must_be_involved(self.state.adult, AdvocacyStage.ASSESSMENT)
        self._record(
            ctx,
            self.NeedsAssessmentCompleted,
            findings=findings,
            ras_answers=ras_answers,
            has_capacity=has_capacity,
            summary=summary,
        )

    def record_assessment_refusal(
        self, ctx: CommandContext, *, reason: str, exceptions: list[RefusalException]
    ) -> None:
        """A2: a refusal ends the duty to assess unless an exception of s.11(2) applies."""
        case_must_be_open(self.state)
        assessment_must_not_already_be_finished(self.state.adult)
        unique = sorted(set(exceptions), key=list(RefusalException).index)
        self._record(ctx, self.NeedsAssessmentRefused, reason=reason, exceptions=unique, duty_ends=not unique)

    def request_needs_assessment(self, ctx: CommandContext, *, reason: AssessmentRequestReason, notes: str) -> None:
        """The duty returns when the adult asks or circumstances change (s.11), or a review proposes a cut."""
        case_must_be_open(self.state)
        reassessment_must_reopen_a_finished_assessment(self.state.adult, reason)
        self._record(ctx, self.NeedsAssessmentRequested, reason=reason, notes=notes)

    def start_carer_assessment(self, ctx: CommandContext, *, carer_id: str, method: CarerAssessmentMethod) -> None:
        case_must_be_open(self.state)
        carer = carer_must_exist(self.state, carer_id)
        adult_carer_rules_exclude_young_carers(carer)
        assessment_must_be_startable(carer)
        carer_must_have_been_offered_an_assessment(carer)
        if method == CarerAssessmentMethod.COMBINED:
            combined_assessment_needs_consent_from_each_person(self.state.adult, carer)
        self._record(ctx, self.CarerAssessmentStarted, carer_id=carer_id, method=method)

    def complete_carer_assessment(
        self,
        ctx: CommandContext,
        *,
        carer_id: str,
        findings: CarerNeedsFindings,
        hours_caring_per_week: int,
        willing_to_continue_caring: bool,
        able_to_continue_caring: bool,
        support_level: CarerSupportLevel,
        wellbeing_impact: WellbeingImpact,
        outcomes_wanted: list[str],
        ras_answers: dict[str, str],
        summary: str,
    ) -> None:
        case_must_be_open(self.state)
        carer = carer_must_exist(self.state, carer_id)
        adult_carer_rules_exclude_young_carers(carer)
        assessment_must_be_in_progress(carer)
        independent_advocate_must_be_involved(carer, AdvocacyStage.ASSESSMENT)
        support = CarerSupport(
            carer_id=carer_id,
            willing_to_continue_caring=willing_to_continue_caring,
            able_to_continue_caring=able_to_continue_caring,
            support_level=support_level,
        )
        self._record(
            ctx,
            self.CarerAssessmentCompleted,
            carer_id=carer_id,
            findings=findings,
            hours_caring_per_week=hours_caring_per_week,
            support=support,
            wellbeing_impact=wellbeing_impact,
            outcomes_wanted=outcomes_wanted,
            ras_answers=ras_answers,
            summary=summary,
        )
