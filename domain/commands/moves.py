"""Commands of continuity of care when a person moves to another council (domain/case/moves.py)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, StrictStr

from domain.commands.base import (
    CaseCommand,
    CouncilSettings,
    Identifier,
    Reason,
    Services,
    date_must_not_be_in_the_future,
)
from domain.values import CaseDate
from domain.vocabulary import RecordRecipient, SharedRecordKind

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext

# An ONS local authority code: a country letter (E England, W Wales, S Scotland, N Northern Ireland)
# and eight digits, e.g. E09000001 for the City of London.
CouncilCode = Annotated[
    StrictStr,
    Field(
        pattern=r"^[EWSN][0-9]{8}$",
        description="The receiving council's ONS local authority code, e.g. E09000001",
    ),
]


class NotifyMoveToAnotherCouncil(CaseCommand):
    """The person intends to move to another council's area (s.37): the day of the move, the
    receiving council and, once known, its reference. Sent again, it replaces the day and the reference."""

    person_id: Identifier
    move_on: CaseDate = Field(description="the day of the move")
    receiving_council_code: CouncilCode
    receiving_reference: Identifier | None = None
    notified_on: CaseDate

    def admit(self, ctx: CommandContext, case_began_at: datetime | None, council: CouncilSettings) -> None:
        super().admit(ctx, case_began_at, council)
        date_must_not_be_in_the_future(self.notified_on, ctx, "notified_on")

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.notify_move_to_another_council(
            ctx,
            person_id=self.person_id,
            move_on=self.move_on,
            receiving_council_code=self.receiving_council_code,
            receiving_reference=self.receiving_reference,
            notified_on=self.notified_on,
        )


class ShareInformationWithReceivingCouncil(CaseCommand):
    """What this council shared with the receiving council (s.37(7)), by kind; the event names each
    record's kind and whose it is, never its content."""

    person_id: Identifier
    kinds: list[SharedRecordKind] = Field(min_length=1, max_length=len(SharedRecordKind))
    shared_on: CaseDate

    def admit(self, ctx: CommandContext, case_began_at: datetime | None, council: CouncilSettings) -> None:
        super().admit(ctx, case_began_at, council)
        date_must_not_be_in_the_future(self.shared_on, ctx, "shared_on")

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        kinds = list(dict.fromkeys(self.kinds))  # each kind once, in the order given
        case.share_information_with_receiving_council(
            ctx, person_id=self.person_id, kinds=kinds, shared_on=self.shared_on
        )


class RecordReceivingCouncilAssessment(CaseCommand):
    """The receiving council has assessed the person: this council may now stop meeting their needs."""

    person_id: Identifier
    assessed_on: CaseDate
    receiving_reference: Identifier | None = None

    def admit(self, ctx: CommandContext, case_began_at: datetime | None, council: CouncilSettings) -> None:
        super().admit(ctx, case_began_at, council)
        date_must_not_be_in_the_future(self.assessed_on, ctx, "assessed_on")

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.record_receiving_council_assessment(
            ctx, person_id=self.person_id, assessed_on=self.assessed_on, receiving_reference=self.receiving_reference
        )


class ContinueMeetingNeedsAfterMove(CaseCommand):
    """A team manager records that the receiving council has not assessed by the move date and this
    council goes on meeting the needs, under the plan, until it has (s.38)."""

    person_id: Identifier
    reasons: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.continue_meeting_needs_after_move(ctx, person_id=self.person_id, reasons=self.reasons)


class RecordPersonRecordGiven(CaseCommand):
    """A person's exported record was given to them, their representative or the receiving council."""

    person_id: Identifier
    given_to: RecordRecipient
    recipient_reference: Identifier | None = None
    given_on: CaseDate
    version: int = Field(ge=1, le=2**63 - 1, description="the case version the export was made at")

    def admit(self, ctx: CommandContext, case_began_at: datetime | None, council: CouncilSettings) -> None:
        super().admit(ctx, case_began_at, council)
        date_must_not_be_in_the_future(self.given_on, ctx, "given_on")

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.record_person_record_given(
            ctx,
            person_id=self.person_id,
            given_to=self.given_to,
            recipient_reference=self.recipient_reference,
            given_on=self.given_on,
            version=self.version,
        )
