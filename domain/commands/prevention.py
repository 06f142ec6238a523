"""Commands of prevention, discretion and advocacy: advice given, needs met at the council's
discretion, and the independent advocacy judged and arranged at each stage."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from domain.commands.base import CaseCommand, Identifier, Notes, Reason, Services, ShortText
from domain.values import FEW, CaseDate
from domain.vocabulary import AdviceFormat, AdviceTopic, AdvocacyStage

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext


class AdviceDetails(BaseModel):
    """What information and advice was given, how, when and by whom."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    topics: list[AdviceTopic] = Field(min_length=1, max_length=FEW)
    format: AdviceFormat
    given_on: CaseDate
    given_by: Identifier
    notes: Notes = ""

    def given(self) -> dict[str, Any]:
        """The advice as the case's ``give_information_and_advice`` takes it."""
        return {
            "topics": list(self.topics),
            "format": self.format,
            "given_on": self.given_on,
            "given_by": self.given_by,
            "notes": self.notes,
        }


class GiveInformationAndAdvice(CaseCommand, AdviceDetails):
    """Information and advice given to a person (s.4), and for needs that are not eligible the
    written advice on meeting or reducing them and on prevention (s.13(5))."""

    person_id: Identifier

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.give_information_and_advice(ctx, person_id=self.person_id, **self.given())


class MeetNeedsAtDiscretion(CaseCommand):
    """The council decides to meet needs that are not eligible (s.19(1)), with its reasons."""

    person_id: Identifier
    decided_on: CaseDate
    reasons: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.meet_needs_at_discretion(ctx, person_id=self.person_id, decided_on=self.decided_on, reasons=self.reasons)


class JudgeAdvocacyNeed(CaseCommand):
    """Whether a person has substantial difficulty being involved at a stage, and whether an
    appropriate individual (named by id: a relative or friend, not paid to care) can support them."""

    person_id: Identifier
    stage: AdvocacyStage
    substantial_difficulty: StrictBool
    appropriate_individual: Identifier | None = None
    judged_on: CaseDate
    reasons: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.judge_advocacy_need(
            ctx,
            person_id=self.person_id,
            stage=self.stage,
            substantial_difficulty=self.substantial_difficulty,
            appropriate_individual=self.appropriate_individual,
            judged_on=self.judged_on,
            reasons=self.reasons,
        )


class RecordAdvocateInvolvement(CaseCommand):
    """An independent advocate is involved with a person at a stage: the advocacy service's
    reference for them and its name, not the advocate's own name."""

    person_id: Identifier
    stage: AdvocacyStage
    advocate_reference: Identifier
    organisation: ShortText
    involved_from: CaseDate

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.record_advocate_involvement(
            ctx,
            person_id=self.person_id,
            stage=self.stage,
            advocate_reference=self.advocate_reference,
            organisation=self.organisation,
            involved_from=self.involved_from,
        )
