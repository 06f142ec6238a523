"""The council's scheme of delegation: who may approve what, by route and amount.

A team manager approves under delegated authority up to the panel threshold, the funding panel up
to its own limit, and a head of service approves exceptions above that. Every limit is a yearly
amount and is checked against the amount a decision approves (a sign-off, a challenge that revises
the budget, a revised plan signed off again), never only against what a plan costs. The figures are
council policy (``CouncilSettings``); the scheme's version is recorded on each decision so an
auditor can recompute the approver's authority later.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from domain.money import format_pounds
from domain.people import Role
from domain.vocabulary import SignOffRoute


class DelegatedAuthority(BaseModel):
    """One line of the scheme: the role that decides by a route, and the most it may approve a year."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    route: SignOffRoute
    role: Role
    limit_pence: int

    def describe(self) -> str:
        return f"a {self.role.value.replace('_', ' ')}'s {self.route.value} limit of {format_pounds(self.limit_pence)}"


class SchemeOfDelegation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    authorities: tuple[DelegatedAuthority, ...]

    def for_route(self, route: SignOffRoute) -> DelegatedAuthority | None:
        return next((a for a in self.authorities if a.route == route), None)

    def for_role(self, role: Role) -> DelegatedAuthority | None:
        """The authority a role decides with where no route is named (a challenge's resolution)."""
        return next((a for a in self.authorities if a.role == role), None)


def scheme_of_delegation(
    *, version: str, panel_threshold_pence: int, panel_limit_pence: int, head_of_service_limit_pence: int
) -> SchemeOfDelegation:
    return SchemeOfDelegation(
        version=version,
        authorities=(
            DelegatedAuthority(route=SignOffRoute.DELEGATED, role=Role.TEAM_MANAGER, limit_pence=panel_threshold_pence),
            DelegatedAuthority(route=SignOffRoute.PANEL, role=Role.PANEL_MEMBER, limit_pence=panel_limit_pence),
            DelegatedAuthority(
                route=SignOffRoute.EXCEPTION, role=Role.HEAD_OF_SERVICE, limit_pence=head_of_service_limit_pence
            ),
        ),
    )
