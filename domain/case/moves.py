"""Continuity of care when a person moves to another council's area (Care Act 2014 s.37-38), and
the person's record given to them or to the receiving council (issue 19, item 5; decision 0033).

The move is notified (the day of the move, the receiving council's ONS code and, once known, its
reference), this council shares what the receiving council needs (the latest assessments, the
plan, the budget: kinds and whose, never their content), and the receiving council's assessment is
recorded when it is done. Until then this council keeps meeting the person's needs (s.38): an
ending for the move waits for that assessment (``EndInvolvement`` refuses it) and is not before the
move date. Where the receiving council has not assessed by the move date, a team manager records
that this council goes on meeting the needs; the plan and payments carry on past the move date,
and the ending is then not before the receiving council's assessment.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.rules import (
    case_must_be_open,
    involvement_must_not_have_ended,
    move_must_be_notified,
    move_must_not_be_before_it_was_notified,
    needs_met_past_the_move_is_recorded_once,
    person_must_exist,
    receiving_assessment_must_not_be_before_notification,
    receiving_council_must_be_another_council,
    receiving_council_must_not_have_assessed,
    record_version_must_be_on_the_case,
    records_held,
    shared_records_must_be_on_the_case,
)
from domain.case.state import CouncilMove
from domain.vocabulary import RecordRecipient, SharedRecordKind


class SharedRecord(BaseModel):
    """One record shared with the receiving council: its kind and whose it is (ids only)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: SharedRecordKind
    person_id: str


class MoveSteps(Recording):
    class MoveToAnotherCouncilNotified(CaseEvent):
        """The person's intention to move to another council's area was notified: the day of the
        move, the receiving council (its ONS code) and, once known, its reference. A later notice
        replaces the day and the reference."""

        person_id: str
        move_on: date
        receiving_council_code: str
        receiving_reference: str | None
        notified_on: date

        def apply(self, case: Recording) -> None:
            person = case.state.people[self.person_id]
            earlier = person.move
            person.move = CouncilMove(
                move_on=self.move_on,
                receiving_council_code=self.receiving_council_code,
                receiving_reference=self.receiving_reference or (earlier.receiving_reference if earlier else None),
                notified_on=earlier.notified_on if earlier else self.notified_on,
                shared=earlier.shared if earlier else [],
                receiving_assessed_on=earlier.receiving_assessed_on if earlier else None,
                needs_met_until_receiving_assessment=(
                    earlier.needs_met_until_receiving_assessment if earlier else False
                ),
            )

    class InformationSharedWithReceivingCouncil(CaseEvent):
        """What was shared with the receiving council, when (s.37(7)): each record's kind and whose
        it is, never its content; who shared it is the actor."""

        person_id: str
        receiving_council_code: str
        shared_on: date
        records: list[SharedRecord]

        def apply(self, case: Recording) -> None:
            move = case.state.people[self.person_id].move
            assert move is not None
            move.shared = sorted({*move.shared, *(r.kind.value for r in self.records)})

    class ReceivingCouncilAssessed(CaseEvent):
        """The receiving council has assessed the person: from here this council may stop meeting
        their needs, by ending their involvement for the move."""

        person_id: str
        receiving_council_code: str
        assessed_on: date
        receiving_reference: str | None

        def apply(self, case: Recording) -> None:
            move = case.state.people[self.person_id].move
            assert move is not None
            move.receiving_assessed_on = self.assessed_on
            case.state.overdue.pop(f"move:{self.person_id}", None)
            move.receiving_reference = self.receiving_reference or move.receiving_reference

    class NeedsMetUntilReceivingAssessment(CaseEvent):
        """A team manager recorded that the receiving council had not assessed by the move date and
        that this council goes on meeting the needs, under the plan, until it has (s.38)."""

        person_id: str
        receiving_council_code: str
        move_on: date
        reasons: str

        def apply(self, case: Recording) -> None:
            move = case.state.people[self.person_id].move
            assert move is not None
            move.needs_met_until_receiving_assessment = True
            case.state.overdue.pop(f"move:{self.person_id}", None)

    class PersonRecordGiven(CaseEvent):
        """A person's exported record (``GET /cases/{id}/people/{person_id}/export``) was given to
        someone: to whom, when, and the version of the case it was exported at. Who gave it is the actor."""

        person_id: str
        given_to: RecordRecipient
        recipient_reference: str | None
        given_on: date
        version: int

        def apply(self, case: Recording) -> None:
            pass  # a fact for the timeline and the auditors; the case's state is unchanged

    # Commands -------------------------------------------------------------------------------------

    def notify_move_to_another_council(
        self,
        ctx: CommandContext,
        *,
        person_id: str,
        move_on: date,
        receiving_council_code: str,
        receiving_reference: str | None,
        notified_on: date,
    ) -> None:
        case_must_be_open(self.state)
        person = person_must_exist(self.state, person_id)
        involvement_must_not_have_ended(person)
        receiving_council_must_be_another_council(self.state, receiving_council_code)
        first_notified = person.move.notified_on if person.move is not None else notified_on
        move_must_not_be_before_it_was_notified(first_notified, move_on)
        self._record(
            ctx,
            self.MoveToAnotherCouncilNotified,
            person_id=person_id,
            move_on=move_on,
            receiving_council_code=receiving_council_code,
            receiving_reference=receiving_reference,
            notified_on=notified_on,
        )

    def share_information_with_receiving_council(
        self, ctx: CommandContext, *, person_id: str, kinds: list[SharedRecordKind], shared_on: date
    ) -> None:
        case_must_be_open(self.state)
        person = person_must_exist(self.state, person_id)
        move = move_must_be_notified(person)
        shared_records_must_be_on_the_case(self.state, person, kinds)
        held = records_held(self.state, person)
        records = [SharedRecord(kind=kind, person_id=whose) for kind in kinds for whose in held[kind]]
        self._record(
            ctx,
            self.InformationSharedWithReceivingCouncil,
            person_id=person_id,
            receiving_council_code=move.receiving_council_code,
            shared_on=shared_on,
            records=records,
        )

    def record_receiving_council_assessment(
        self, ctx: CommandContext, *, person_id: str, assessed_on: date, receiving_reference: str | None
    ) -> None:
        case_must_be_open(self.state)
        person = person_must_exist(self.state, person_id)
        move = move_must_be_notified(person)
        receiving_council_must_not_have_assessed(move)
        receiving_assessment_must_not_be_before_notification(move, assessed_on)
        self._record(
            ctx,
            self.ReceivingCouncilAssessed,
            person_id=person_id,
            receiving_council_code=move.receiving_council_code,
            assessed_on=assessed_on,
            receiving_reference=receiving_reference,
        )

    def continue_meeting_needs_after_move(self, ctx: CommandContext, *, person_id: str, reasons: str) -> None:
        case_must_be_open(self.state)
        person = person_must_exist(self.state, person_id)
        involvement_must_not_have_ended(person)
        move = move_must_be_notified(person)
        receiving_council_must_not_have_assessed(move)
        needs_met_past_the_move_is_recorded_once(move)
        self._record(
            ctx,
            self.NeedsMetUntilReceivingAssessment,
            person_id=person_id,
            receiving_council_code=move.receiving_council_code,
            move_on=move.move_on,
            reasons=reasons,
        )

    def record_person_record_given(
        self,
        ctx: CommandContext,
        *,
        person_id: str,
        given_to: RecordRecipient,
        recipient_reference: str | None,
        given_on: date,
        version: int,
    ) -> None:
        case_must_be_open(self.state)
        person_must_exist(self.state, person_id)
        record_version_must_be_on_the_case(version, self.version)
        self._record(
            ctx,
            self.PersonRecordGiven,
            person_id=person_id,
            given_to=given_to,
            recipient_reference=recipient_reference,
            given_on=given_on,
            version=version,
        )
