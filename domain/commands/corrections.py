"""Correcting a fact recorded about a person (UK GDPR Art. 16, the right to rectification)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field, StrictInt, StrictStr

from domain.commands.base import CaseCommand, Reason, Services

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext


class CorrectRecordedFact(CaseCommand):
    """Correct one field of an earlier event about a person; the event itself is never changed."""

    event_version: Annotated[
        StrictInt, Field(ge=1, le=2**53, description="The version on the case of the event that recorded the fact")
    ]
    field: Annotated[
        StrictStr,
        Field(
            min_length=1,
            max_length=64,
            pattern=r"^[a-z][a-z_]*$",
            description="The event's field: only facts about a person can be corrected (see docs/rules.md)",
        ),
    ]
    corrected_value: Annotated[
        StrictStr,
        Field(
            min_length=1,
            max_length=4_000,
            description="The corrected value, as text (a date as YYYY-MM-DD), within the field's own bounds",
        ),
    ]
    reason: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.correct_recorded_fact(
            ctx,
            event_version=self.event_version,
            field=self.field,
            corrected_value=self.corrected_value,
            reason=self.reason,
        )
