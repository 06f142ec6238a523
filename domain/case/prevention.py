"""Prevention, discretion and advocacy (Care Act 2014 s.2, s.4, s.13(5), s.19(1), s.67).

Information and advice is an outcome in its own right: what was given, how, when and by whom. For
a person whose needs are not eligible it is *written* advice on meeting or reducing those needs
and on preventing or delaying others (s.13(5)), and a case closed as advice only needs it first.
The council may meet needs that are not eligible at its discretion (s.19(1)); that is a recorded
decision, after which the person's budget and plan go through planning and sign-off like any
other. Where a person has substantial difficulty being involved in their assessment, planning or
review and nobody appropriate can support them, an independent advocate is arranged (s.67): the
judgement is recorded per stage, and that stage's step waits for the advocate's involvement.
"""

from __future__ import annotations

from datetime import date

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.rules import (
    case_must_be_open,
    discretion_is_for_needs_that_are_not_eligible,
    person_must_exist,
)
from domain.case.state import AdviceGiven, AdvocacyJudgement, AdvocateInvolvement, DiscretionaryDecision
from domain.vocabulary import WRITTEN_ADVICE, AdviceFormat, AdviceTopic, AdvocacyStage

# What s.13(5) asks of the advice: how needs could be met or reduced, and how others could be
# prevented or delayed.
WRITTEN_ADVICE_TOPICS = frozenset({AdviceTopic.PREVENTION, AdviceTopic.MEETING_OR_REDUCING_NEEDS})


def meets_the_written_advice_duty(topics: list[AdviceTopic], format: AdviceFormat) -> bool:
    return format in WRITTEN_ADVICE and set(topics) >= WRITTEN_ADVICE_TOPICS


class PreventionSteps(Recording):
    class InformationAndAdviceGiven(CaseEvent):
        """Information and advice was given to a person: the topics, how, when and by whom, and
        whether it is the written advice s.13(5) asks for where needs are not eligible."""

        personal_fields = ("notes",)

        person_id: str
        topics: list[AdviceTopic]
        format: AdviceFormat
        given_on: date
        given_by: str
        notes: str
        meets_the_written_advice_duty: bool

        def apply(self, case: Recording) -> None:
            case.state.people[self.person_id].advice_given.append(
                AdviceGiven(
                    topics=self.topics,
                    format=self.format,
                    given_on=self.given_on,
                    given_by=self.given_by,
                    notes=self.notes,
                    meets_the_written_advice_duty=self.meets_the_written_advice_duty,
                )
            )

    class NeedsToBeMetAtDiscretion(CaseEvent):
        """The council decided to meet a person's needs that are not eligible (s.19(1)), with reasons;
        their budget and plan then follow the same route as eligible needs."""

        person_id: str
        decided_on: date
        reasons: str

        def apply(self, case: Recording) -> None:
            case.state.people[self.person_id].met_at_discretion = DiscretionaryDecision(
                decided_by=self.actor.user_id, decided_on=self.decided_on, reasons=self.reasons
            )

    class AdvocacyNeedJudged(CaseEvent):
        """Whether a person has substantial difficulty being involved at a stage and whether someone
        appropriate can support them; an independent advocate is needed where nobody can (s.67)."""

        personal_fields = ("reasons",)

        person_id: str
        stage: AdvocacyStage
        substantial_difficulty: bool
        appropriate_individual: str | None
        advocate_needed: bool
        judged_on: date
        reasons: str

        def apply(self, case: Recording) -> None:
            case.state.people[self.person_id].advocacy[self.stage] = AdvocacyJudgement(
                stage=self.stage,
                substantial_difficulty=self.substantial_difficulty,
                appropriate_individual=self.appropriate_individual,
                advocate_needed=self.advocate_needed,
                judged_by=self.actor.user_id,
                judged_on=self.judged_on,
                reasons=self.reasons,
            )

    class AdvocateInvolved(CaseEvent):
        """An independent advocate is involved with a person at a stage (by reference, not by name)."""

        person_id: str
        stage: AdvocacyStage
        advocate_reference: str
        organisation: str
        involved_from: date

        def apply(self, case: Recording) -> None:
            case.state.people[self.person_id].advocates.append(
                AdvocateInvolvement(
                    stage=self.stage,
                    advocate_reference=self.advocate_reference,
                    organisation=self.organisation,
                    involved_from=self.involved_from,
                )
            )

    def give_information_and_advice(
        self,
        ctx: CommandContext,
        *,
        person_id: str,
        topics: list[AdviceTopic],
        format: AdviceFormat,
        given_on: date,
        given_by: str,
        notes: str,
    ) -> None:
        case_must_be_open(self.state)
        person_must_exist(self.state, person_id)
        self._record(
            ctx,
            self.InformationAndAdviceGiven,
            person_id=person_id,
            topics=sorted(set(topics)),
            format=format,
            given_on=given_on,
            given_by=given_by,
            notes=notes,
            meets_the_written_advice_duty=meets_the_written_advice_duty(topics, format),
        )

    def meet_needs_at_discretion(self, ctx: CommandContext, *, person_id: str, decided_on: date, reasons: str) -> None:
        case_must_be_open(self.state)
        person = person_must_exist(self.state, person_id)
        discretion_is_for_needs_that_are_not_eligible(person)
        self._record(ctx, self.NeedsToBeMetAtDiscretion, person_id=person_id, decided_on=decided_on, reasons=reasons)

    def judge_advocacy_need(
        self,
        ctx: CommandContext,
        *,
        person_id: str,
        stage: AdvocacyStage,
        substantial_difficulty: bool,
        appropriate_individual: str | None,
        judged_on: date,
        reasons: str,
    ) -> None:
        case_must_be_open(self.state)
        person_must_exist(self.state, person_id)
        self._record(
            ctx,
            self.AdvocacyNeedJudged,
            person_id=person_id,
            stage=stage,
            substantial_difficulty=substantial_difficulty,
            appropriate_individual=appropriate_individual if substantial_difficulty else None,
            advocate_needed=substantial_difficulty and appropriate_individual is None,
            judged_on=judged_on,
            reasons=reasons,
        )

    def record_advocate_involvement(
        self,
        ctx: CommandContext,
        *,
        person_id: str,
        stage: AdvocacyStage,
        advocate_reference: str,
        organisation: str,
        involved_from: date,
    ) -> None:
        case_must_be_open(self.state)
        person_must_exist(self.state, person_id)
        self._record(
            ctx,
            self.AdvocateInvolved,
            person_id=person_id,
            stage=stage,
            advocate_reference=advocate_reference,
            organisation=organisation,
            involved_from=involved_from,
        )
