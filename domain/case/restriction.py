"""Restricting a case to named staff: a member of staff's relative, a safeguarding concern.

A team manager of the case's team restricts it, with a reason and the staff who may still see
it; while it is restricted, only they (among those who would ordinarily see it) and auditors
do (``domain.need_to_know``). The named staff can be changed, and the restriction lifted, each
with a reason. Every step is an event on the case, so an auditor sees who restricted it, when,
why and for whom.
"""

from __future__ import annotations

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.rules import (
    case_must_be_open,
    case_must_not_already_be_restricted,
    restricting_manager_must_stay_named,
    restriction_must_be_in_place,
)
from domain.case.state import Restriction


class RestrictionSteps(Recording):
    class CaseRestricted(CaseEvent):
        """The case was restricted to the named staff, with the reason."""

        personal_fields = ("reason",)

        staff_ids: list[str]
        reason: str

        def apply(self, case: Recording) -> None:
            case.state.restriction = Restriction(
                staff_ids=list(self.staff_ids),
                reason=self.reason,
                restricted_by=self.actor.user_id,
                restricted_at=self.timestamp,
            )

    class CaseRestrictionChanged(CaseEvent):
        """The staff who may see the restricted case were changed, with the reason."""

        personal_fields = ("reason",)

        staff_ids: list[str]
        previous_staff_ids: list[str]
        reason: str

        def apply(self, case: Recording) -> None:
            restriction = case.state.restriction
            assert restriction is not None
            restriction.staff_ids = list(self.staff_ids)

    class CaseRestrictionLifted(CaseEvent):
        """The restriction was lifted, with the reason: the case is seen as any other again."""

        personal_fields = ("reason",)

        previous_staff_ids: list[str]
        reason: str

        def apply(self, case: Recording) -> None:
            case.state.restriction = None

    def restrict_case(self, ctx: CommandContext, *, staff_ids: list[str], reason: str) -> None:
        case_must_be_open(self.state)
        case_must_not_already_be_restricted(self.state)
        restricting_manager_must_stay_named(ctx.actor, staff_ids)
        self._record(ctx, self.CaseRestricted, staff_ids=sorted(set(staff_ids)), reason=reason)

    def change_case_restriction(self, ctx: CommandContext, *, staff_ids: list[str], reason: str) -> None:
        case_must_be_open(self.state)
        restriction_must_be_in_place(self.state)
        restricting_manager_must_stay_named(ctx.actor, staff_ids)
        assert self.state.restriction is not None
        self._record(
            ctx,
            self.CaseRestrictionChanged,
            staff_ids=sorted(set(staff_ids)),
            previous_staff_ids=list(self.state.restriction.staff_ids),
            reason=reason,
        )

    def lift_case_restriction(self, ctx: CommandContext, *, reason: str) -> None:
        case_must_be_open(self.state)
        restriction_must_be_in_place(self.state)
        assert self.state.restriction is not None
        self._record(
            ctx, self.CaseRestrictionLifted, previous_staff_ids=list(self.state.restriction.staff_ids), reason=reason
        )
