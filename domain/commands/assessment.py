"""Commands of the adult's needs assessment and each carer's assessment."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Literal

from pydantic import Field, StrictBool, StrictInt

from domain.commands.base import CaseCommand, Identifier, Notes, Reason, Services
from domain.eligibility import AdultNeedsFindings, CarerNeedsFindings
from domain.errors import InvalidInput
from domain.ras import CarerSupportLevel, WellbeingImpact, check_answers
from domain.values import FEW, SOME
from domain.vocabulary import AssessmentMethod, AssessmentRequestReason, CarerAssessmentMethod, RefusalException

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext


def answers_must_fit_the_rule_set(
    services: Services,
    subject: Literal["adult", "carer"],
    answers: dict[str, str],
    *,
    complete: bool,
    on: date,
) -> None:
    """RAS answers are checked against the council's rule set in force on the assessment's day when
    they are recorded, so a bad answer is refused at the assessment, naming the question, not later
    at the budget."""
    rule_set = services.rule_sets.current(services.council.ras_rule_set_id, on=on)
    try:
        check_answers(rule_set, subject, answers, complete=complete)
    except InvalidInput as error:
        raise InvalidInput(error.message, code=error.code, field=f"ras_{error.field or 'answers'}") from None


class StartNeedsAssessment(CaseCommand):
    method: AssessmentMethod
    combined_with_carer_id: Identifier | None = None

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.start_needs_assessment(ctx, method=self.method, combined_with_carer_id=self.combined_with_carer_id)


class CompleteNeedsAssessment(CaseCommand):
    findings: AdultNeedsFindings
    ras_answers: dict[Identifier, Identifier] = Field(max_length=SOME, description="RAS question id -> answer id")
    has_capacity: StrictBool | None = Field(
        default=None,
        description="The one capacity flag of earlier releases, kept for cases that use it: record capacity per "
        "decision, with who assessed it and when, by record-capacity-assessment",
    )
    summary: Notes = ""

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        answers_must_fit_the_rule_set(services, "adult", dict(self.ras_answers), complete=True, on=ctx.effective_on)
        case.complete_needs_assessment(
            ctx,
            findings=self.findings,
            ras_answers=dict(self.ras_answers),
            has_capacity=self.has_capacity,
            summary=self.summary,
        )


class RecordAssessmentRefusal(CaseCommand):
    reason: Reason
    exceptions: list[RefusalException] = Field(default_factory=list, max_length=FEW)

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.record_assessment_refusal(ctx, reason=self.reason, exceptions=list(self.exceptions))


class RequestNeedsAssessment(CaseCommand):
    reason: AssessmentRequestReason
    notes: Notes = ""

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.request_needs_assessment(ctx, reason=self.reason, notes=self.notes)


class StartCarerAssessment(CaseCommand):
    carer_id: Identifier
    method: CarerAssessmentMethod = CarerAssessmentMethod.SEPARATE

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.start_carer_assessment(ctx, carer_id=self.carer_id, method=self.method)


class CompleteCarerAssessment(CaseCommand):
    carer_id: Identifier
    findings: CarerNeedsFindings
    hours_caring_per_week: StrictInt = Field(ge=0, le=168)
    willing_to_continue_caring: StrictBool
    able_to_continue_caring: StrictBool
    support_level: CarerSupportLevel = Field(description="What the carer is willing and able to provide")
    wellbeing_impact: WellbeingImpact
    outcomes_wanted: list[Identifier] = Field(default_factory=list, max_length=SOME)
    ras_answers: dict[Identifier, Identifier] = Field(default_factory=dict, max_length=SOME)
    summary: Notes = ""

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        # With no impact on wellbeing there is nothing to price, so answers may be left out.
        answers_must_fit_the_rule_set(
            services,
            "carer",
            dict(self.ras_answers),
            complete=self.wellbeing_impact != WellbeingImpact.NONE,
            on=ctx.effective_on,
        )
        case.complete_carer_assessment(
            ctx,
            carer_id=self.carer_id,
            findings=self.findings,
            hours_caring_per_week=self.hours_caring_per_week,
            willing_to_continue_caring=self.willing_to_continue_caring,
            able_to_continue_caring=self.able_to_continue_caring,
            support_level=self.support_level,
            wellbeing_impact=self.wellbeing_impact,
            outcomes_wanted=list(self.outcomes_wanted),
            ras_answers=dict(self.ras_answers),
            summary=self.summary,
        )
