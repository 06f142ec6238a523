"""Support before the full process, safely: urgent interim support (Care Act 2014 s.19(3)) and
temporary short-term support, put in place before the assessments finish.

The gate is not opened by it: the full plan for anyone still waits for every assessment. Interim
support is commissioned by the council, line by line from the day it starts; it is arranged by a
role the scheme of delegation names, within that role's limit (checked on the support's cost a
year, as a sign-off is), and carries a review by date within the council's limit that is a
service-level deadline like any other (``interim:<id>``), overdue in the operations views when it
passes. It ends when the person's full plan is signed off, or earlier by its own command.
"""

from __future__ import annotations

from datetime import date

from domain.case.base import CaseEvent, CommandContext, Recording
from domain.case.rules import (
    approver_must_hold_delegated_authority,
    case_must_be_open,
    decision_must_be_within_delegation,
    interim_support_id_must_be_new,
    interim_support_is_commissioned_from_a_start,
    interim_support_must_be_active,
    interim_support_must_be_reviewed_in_time,
    person_must_exist,
)
from domain.case.state import InterimSupport
from domain.delegation import DelegatedAuthority, SchemeOfDelegation
from domain.planning import PlanLine
from domain.vocabulary import InterimSupportKind

REPLACED_BY_THE_PLAN = "replaced by the signed-off plan"


class InterimSteps(Recording):
    class InterimSupportArranged(CaseEvent):
        """Support was put in place before the assessments finish, with its reason, its lines, the
        day it starts, when it is to be reviewed, its cost a year and the authority it rests on."""

        personal_fields = ("reason",)

        person_id: str
        interim_id: str
        kind: InterimSupportKind
        reason: str
        lines: list[PlanLine]
        starts_on: date
        review_by: date
        annual_cost_pence: int
        authority: DelegatedAuthority

        def apply(self, case: Recording) -> None:
            case.state.people[self.person_id].interim_support[self.interim_id] = InterimSupport(
                interim_id=self.interim_id,
                kind=self.kind,
                reason=self.reason,
                lines=self.lines,
                starts_on=self.starts_on,
                review_by=self.review_by,
                annual_cost_pence=self.annual_cost_pence,
                authority=self.authority,
            )

    class InterimSupportEnded(CaseEvent):
        """Interim support ended: replaced by the signed-off plan, or ended early with a reason."""

        personal_fields = ("reason",)

        person_id: str
        interim_id: str
        ended_on: date
        reason: str

        def apply(self, case: Recording) -> None:
            interim = case.state.people[self.person_id].interim_support[self.interim_id]
            interim.active, interim.ended_on, interim.end_reason = False, self.ended_on, self.reason
            case.state.overdue.pop(f"interim:{self.interim_id}", None)

    def arrange_interim_support(
        self,
        ctx: CommandContext,
        *,
        person_id: str,
        interim_id: str,
        kind: InterimSupportKind,
        reason: str,
        lines: list[PlanLine],
        review_by: date,
        scheme: SchemeOfDelegation,
        review_within_days: int,
    ) -> None:
        case_must_be_open(self.state)
        person = person_must_exist(self.state, person_id)
        interim_support_id_must_be_new(person, interim_id)
        starts_on = interim_support_is_commissioned_from_a_start(lines)
        interim_support_must_be_reviewed_in_time(starts_on, review_by, review_within_days)
        annual_cost = sum(line.annual_cost_pence for line in lines)
        held = approver_must_hold_delegated_authority(scheme, ctx.actor, what="arrange interim support")
        authority = decision_must_be_within_delegation(
            scheme, held.route, annual_cost, what="interim support", field="lines"
        )
        self._record(
            ctx,
            self.InterimSupportArranged,
            person_id=person_id,
            interim_id=interim_id,
            kind=kind,
            reason=reason,
            lines=lines,
            starts_on=starts_on,
            review_by=review_by,
            annual_cost_pence=annual_cost,
            authority=authority,
        )

    def end_interim_support(
        self, ctx: CommandContext, *, person_id: str, interim_id: str, ended_on: date, reason: str
    ) -> None:
        case_must_be_open(self.state)
        person = person_must_exist(self.state, person_id)
        interim_support_must_be_active(person, interim_id)
        self._record(
            ctx, self.InterimSupportEnded, person_id=person_id, interim_id=interim_id, ended_on=ended_on, reason=reason
        )
