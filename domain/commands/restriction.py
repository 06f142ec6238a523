"""Commands that restrict a case to named staff, change who they are, and lift the restriction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field, StrictStr

from domain.commands.base import CaseCommand, Reason, Services

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext

# A member of staff's user id, as their API key names them.
StaffId = Annotated[
    StrictStr,
    Field(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@-]*$",
        description="A member of staff's user id: letters, digits and _ . : @ - (at most 100)",
    ),
]
StaffIds = Annotated[list[StaffId], Field(min_length=1, max_length=50)]


class RestrictCase(CaseCommand):
    """Restrict the case to the named staff (a member of staff's relative, a safeguarding concern)."""

    staff_ids: StaffIds
    reason: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.restrict_case(ctx, staff_ids=list(self.staff_ids), reason=self.reason)


class ChangeCaseRestriction(CaseCommand):
    """Change the staff who may see a restricted case."""

    staff_ids: StaffIds
    reason: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.change_case_restriction(ctx, staff_ids=list(self.staff_ids), reason=self.reason)


class LiftCaseRestriction(CaseCommand):
    """Lift the restriction: the case is seen by its team and the rest as any other again."""

    reason: Reason

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        case.lift_case_restriction(ctx, reason=self.reason)
