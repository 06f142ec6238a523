"""Commands of reablement after screening: started with its planned end, ended with an outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from domain.commands.base import CaseCommand, Name, Notes, Reason, Services, ShortText
from domain.money import Pence
from domain.values import CaseDate
from domain.vocabulary import ReablementOutcome

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext


class StartReablement(CaseCommand):
    """Reablement for the adult screened to it: free of charge, from its start to a planned end at
    most six weeks on (longer with a recorded reason, agreed by a team manager)."""

    starts_on: CaseDate
    planned_end_on: CaseDate
    provider_name: Name
    what: ShortText
    weekly_cost_pence: Pence = Field(description="what the reablement costs the council a week; the person pays none")
    extension_reason: Reason | None = Field(default=None, description="why reablement runs beyond six weeks")

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.start_reablement(
            ctx,
            starts_on=self.starts_on,
            planned_end_on=self.planned_end_on,
            provider_name=self.provider_name,
            what=self.what,
            weekly_cost_pence=self.weekly_cost_pence,
            extension_reason=self.extension_reason,
        )


class EndReablement(CaseCommand):
    """Reablement ends: needs met or declined close the case; ongoing needs go on to assessment on
    the same case."""

    ended_on: CaseDate
    outcome: ReablementOutcome
    notes: Notes = ""

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.end_reablement(ctx, ended_on=self.ended_on, outcome=self.outcome, notes=self.notes)
