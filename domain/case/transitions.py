"""Young carers growing up: the transition assessment and adult carer rules at 18 (Care Act 2014
s.63-64, s.58-66 on transition to adult care and support).

A young carer is referred to children's services when identified, and the adult carer rules do
not apply to them. Where they are likely to have needs for support once 18, a transition
assessment can be carried out before then (s.63), so support can follow without a gap. On or after
their 18th birthday the adult carer rules are applied to them on the same case, with no new
referral: they are told of their right and offered a carer's assessment, and from then on they
count at the planning gate like any other carer.
"""

from __future__ import annotations

from datetime import date

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.carers import CarerSteps
from domain.case.rules import (
    carer_must_be_eighteen,
    carer_must_exist,
    case_must_be_open,
    transition_assessment_is_for_a_young_carer,
    transition_assessment_must_be_in_progress,
    transition_assessment_must_not_have_started,
)
from domain.case.state import TransitionAssessment
from domain.eligibility import CarerNeedsFindings


class TransitionSteps(Recording):
    class TransitionAssessmentStarted(CaseEvent):
        """A young carer's transition assessment began: they are likely to need support once 18 and
        assessing now is of significant benefit to them (s.63(1)), for the reason given."""

        personal_fields = ("reason",)

        carer_id: str
        started_on: date
        reason: str

        def apply(self, case: Recording) -> None:
            case.state.people[self.carer_id].transition_assessment = TransitionAssessment(
                started_on=self.started_on, reason=self.reason
            )

    class TransitionAssessmentCompleted(CaseEvent):
        """The transition assessment found what support the young carer is likely to need at 18."""

        personal_fields = ("summary",)

        carer_id: str
        findings: CarerNeedsFindings
        summary: str

        def apply(self, case: Recording) -> None:
            assessment = case.state.people[self.carer_id].transition_assessment
            assert assessment is not None  # transition_assessment_must_be_in_progress came first
            assessment.completed_at = self.timestamp
            assessment.findings = self.findings
            assessment.summary = self.summary

    class AdultCarerRulesApplied(CaseEvent):
        """A young carer reached 18: adult carer rules apply to them on this case from that day (the
        offer of a carer's assessment, told of the right, is recorded with it)."""

        carer_id: str
        applies_from: date

        def apply(self, case: Recording) -> None:
            carer = case.state.people[self.carer_id]
            carer.young_carer = False
            carer.adult_carer_rules_from = self.applies_from

    def start_transition_assessment(self, ctx: CommandContext, *, carer_id: str, reason: str) -> None:
        case_must_be_open(self.state)
        carer = carer_must_exist(self.state, carer_id)
        transition_assessment_is_for_a_young_carer(carer)
        transition_assessment_must_not_have_started(carer)
        started_on = (ctx.effective_at or self._now(ctx)).date()
        self._record(ctx, self.TransitionAssessmentStarted, carer_id=carer_id, started_on=started_on, reason=reason)

    def complete_transition_assessment(
        self, ctx: CommandContext, *, carer_id: str, findings: CarerNeedsFindings, summary: str
    ) -> None:
        case_must_be_open(self.state)
        carer = carer_must_exist(self.state, carer_id)
        transition_assessment_is_for_a_young_carer(carer)
        transition_assessment_must_be_in_progress(carer)
        self._record(ctx, self.TransitionAssessmentCompleted, carer_id=carer_id, findings=findings, summary=summary)

    def apply_adult_carer_rules(self, ctx: CommandContext, *, carer_id: str) -> None:
        case_must_be_open(self.state)
        carer = carer_must_exist(self.state, carer_id)
        transition_assessment_is_for_a_young_carer(carer)
        today = (ctx.effective_at or self._now(ctx)).date()
        carer_must_be_eighteen(carer, today)
        self._record(ctx, self.AdultCarerRulesApplied, carer_id=carer_id, applies_from=today)
        # A1 as for any carer: the appearance of need is enough for the offer, told of the right.
        self._record(ctx, CarerSteps.CarerAssessmentOffered, carer_id=carer_id, told_of_right=True)
