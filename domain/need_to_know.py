"""Need to know: which cases a member of staff may see and act on, decided in one place.

Pure: it is given who is asking (``Reader``) and what the case says about itself (``CaseAccess``,
worked out from the case state by ``access_of``), and answers yes or no. The API asks it for
every read and every command on a case, and the views keep each case's ``CaseAccess`` so a list
can be narrowed to what its reader may see (``projections/case_access.py``), by the same ``Reach``.

- Social workers and team managers: the cases of their teams (the team a case was referred to,
  or allocated to since) and the cases allocated to them.
- Panel members and heads of service: the cases that have reached sign-off (a plan submitted
  for sign-off at least once).
- Finance officers: the cases with money in them (an adult's indicative budget calculated, so
  the financial assessment is due or done, or a direct payment agreement made).
- Auditors: every case, read-only (their role makes no command).
- Operations and admins: none (their views are ids and counts only, read elsewhere).

A restricted case narrows this: only the staff named on the restriction, among those who would
otherwise see it, and auditors. Restricting never widens anyone's access (decision 0022).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from domain.case.state import CaseState, PlanStatus
from domain.people import Role

# A plan that has been submitted for sign-off at least once is in one of these, or was signed off.
REACHED_SIGN_OFF = frozenset({PlanStatus.SUBMITTED, PlanStatus.APPROVED, PlanStatus.DEFERRED, PlanStatus.DECLINED})
CASEWORK = frozenset({Role.SOCIAL_WORKER, Role.TEAM_MANAGER})
SIGN_OFF = frozenset({Role.PANEL_MEMBER, Role.HEAD_OF_SERVICE})
EVERY_CASE = frozenset({Role.AUDITOR})


class Reader(BaseModel):
    """Who is asking: their id, their role, and the teams whose cases they work on."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    role: Role
    teams: tuple[str, ...] = ()


class CaseAccess(BaseModel):
    """What a case says about who may see it."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    team: str
    worker_id: str | None
    reached_sign_off: bool
    has_money: bool
    restricted: bool
    restricted_to: tuple[str, ...] = ()


class Reach(BaseModel):
    """Which cases a reader may see, said as conditions a list query can also apply."""

    model_config = ConfigDict(frozen=True)

    every_case: bool = False
    teams: tuple[str, ...] = ()
    allocated_to: str | None = None
    reached_sign_off: bool = False
    has_money: bool = False
    # Restricted cases are seen only if they name this user (None: every restricted case, auditors).
    named_user: str | None = None


def access_of(state: CaseState) -> CaseAccess:
    people = list(state.people.values())
    restriction = state.restriction
    return CaseAccess(
        case_id=state.case_id,
        team=state.team,
        worker_id=state.worker_id,
        reached_sign_off=any(p.plan_status in REACHED_SIGN_OFF or p.sign_off is not None for p in people),
        has_money=bool(state.agreements)
        or any(p.kind == "adult" and (p.budget is not None or p.statement is not None) for p in people),
        restricted=restriction is not None,
        restricted_to=tuple(restriction.staff_ids) if restriction is not None else (),
    )


def reach_of(reader: Reader) -> Reach:
    if reader.role in EVERY_CASE:
        return Reach(every_case=True)
    if reader.role in CASEWORK:
        return Reach(teams=reader.teams, allocated_to=reader.user_id, named_user=reader.user_id)
    if reader.role in SIGN_OFF:
        return Reach(reached_sign_off=True, named_user=reader.user_id)
    if reader.role == Role.FINANCE_OFFICER:
        return Reach(has_money=True, named_user=reader.user_id)
    return Reach(named_user=reader.user_id)  # no condition holds: no case


def within_reach(reach: Reach, case: CaseAccess) -> bool:
    if reach.every_case:
        return True
    ordinarily = (
        case.team in reach.teams
        or (reach.allocated_to is not None and case.worker_id == reach.allocated_to)
        or (reach.reached_sign_off and case.reached_sign_off)
        or (reach.has_money and case.has_money)
    )
    return ordinarily and (not case.restricted or reach.named_user in case.restricted_to)


def may_see(reader: Reader, case: CaseAccess) -> bool:
    """Whether the reader may open the case (and send it the commands their role may send)."""
    return within_reach(reach_of(reader), case)


def may_refer_into(reader: Reader, team: str) -> bool:
    """A social worker or team manager opens cases only in one of their own teams."""
    return reader.role not in CASEWORK or team in reader.teams


def manages_the_cases_team(reader: Reader, case: CaseAccess) -> bool:
    """Restricting a case is for a team manager of the team the case is in."""
    return reader.role == Role.TEAM_MANAGER and case.team in reader.teams
