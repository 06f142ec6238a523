"""Need to know at the API: every route on one case opens it through a dependency made here, and
every list is narrowed to its reader's reach. The decision itself is ``domain.need_to_know``.

- ``case_reader(roles)``: a read of one case from the views. It waits for ``min_position`` (so a
  caller reads its own write, the case's team and restriction included), reads the case's access
  row and either opens the case or answers 404 exactly as for a case that does not exist: a
  caller outside the case's need to know learns nothing, not even that it exists.
- ``record_reader(roles)``: the same over the case record itself (the auditors' routes).
- ``case_actor(roles, command)``: a command on one case, judged on the record as it stands (a
  command just after an allocation sees the new team). Break-glass never opens a command.

Break-glass: a reader sends ``X-Break-Glass-Reason: <why>`` to open, for reading only, a case
outside their need to know (restricted ones too: that is the point). The read is allowed and its
row in the access log carries the reason; auditors review them at ``GET /audit/break-glass``. The
reason travels in a header, not the URL, so it stays out of proxies' and servers' request logs.

``tests/api/test_need_to_know.py`` walks every route of the app and fails for any route on
``/cases/{case_id}`` that does not open the case through one of these.
"""

# No `from __future__ import annotations`: FastAPI reads these dependencies' annotations at run time.

import asyncio
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Query, Request

from api.auth import allow, backend
from api.backend import Backend
from api.errors import Forbidden
from api.keys import ApiUser
from api.roles import MANAGED_BY_THE_CASES_TEAM
from domain.errors import NotFound
from domain.need_to_know import (
    CaseAccess,
    Reach,
    Reader,
    access_of,
    manages_the_cases_team,
    may_refer_into,
    may_see,
    reach_of,
)
from domain.people import Role
from projections.case_access import access_to

# The largest notification id or case version either store can hold (a signed 64-bit integer):
# a larger number names nothing that can exist, and would overflow SQLite before it was refused.
LARGEST_ID = 2**63 - 1
BREAK_GLASS_HEADER = "X-Break-Glass-Reason"

MinPosition = Annotated[
    int | None, Query(ge=0, le=LARGEST_ID, description="Wait until the views have applied this position")
]
BreakGlass = Annotated[
    str | None,
    Header(
        alias=BREAK_GLASS_HEADER,
        min_length=3,
        max_length=500,
        pattern=r"\S",
        description="Break the glass: why you must read this case outside your need to know. The read is "
        "allowed, logged with this reason and reviewed by auditors (reads only; never a command)",
    ),
]
CaseId = Annotated[uuid.UUID, Path(description="The case id (32 hex digits or a UUID)")]
# A version the store could hold; past it, 422 before the store is asked (SQLite would overflow).
CaseVersion = Annotated[int, Path(ge=1, le=LARGEST_ID, description="The version of the case the decision is at")]


@dataclass(frozen=True)
class OpenedCase:
    """A case the caller may read (or act on), and the break-glass reason if that is why."""

    user: ApiUser
    case_id: uuid.UUID
    break_glass: str | None = None

    def logged(self, app: Backend, request: Request, what: str) -> None:
        app.log.case_read(
            user_id=self.user.user_id,
            role=self.user.role.value,
            case_id=self.case_id.hex,
            what=what,
            path=request.url.path,
            break_glass=self.break_glass,
        )


def reader_of(user: ApiUser) -> Reader:
    return Reader(user_id=user.user_id, role=user.role, teams=tuple(user.teams))


def reach_for(user: ApiUser) -> Reach:
    return reach_of(reader_of(user))


def unknown_case(case_id: uuid.UUID) -> NotFound:
    """The one answer for a case that does not exist and for one the caller may not know of."""
    return NotFound(f"no case {case_id.hex}", code="unknown_case", field="case_id")


def _opened(user: ApiUser, case_id: uuid.UUID, access: CaseAccess | None, break_glass: str | None) -> OpenedCase:
    if access is None:
        raise unknown_case(case_id)
    if may_see(reader_of(user), access):
        return OpenedCase(user, case_id)
    if break_glass is not None:
        return OpenedCase(user, case_id, break_glass)
    raise unknown_case(case_id)


def _access_in_record(app: Backend, case_id: uuid.UUID) -> CaseAccess | None:
    try:
        return access_of(app.record.get_case(case_id).state)
    except NotFound:
        return None


def _access_in_views(app: Backend, case_id: uuid.UUID) -> CaseAccess | None:
    with app.views.read() as cursor:
        return access_to(cursor, case_id.hex)


def _marked(dependency: Callable[..., Any]) -> Callable[..., Any]:
    dependency.need_to_know = True  # type: ignore[attr-defined]  # tests/api/test_need_to_know.py looks for it
    return dependency


def case_reader(roles: Iterable[Role]) -> Callable[..., Any]:
    guard = allow(roles)

    async def open_case_to_read(
        case_id: CaseId,
        user: Annotated[ApiUser, Depends(guard)],
        app: Annotated[Backend, Depends(backend)],
        break_glass: BreakGlass = None,
        min_position: MinPosition = None,
    ) -> OpenedCase:
        await app.wait_for_position(min_position)
        access = await asyncio.to_thread(_access_in_views, app, case_id)
        return _opened(user, case_id, access, break_glass)

    return _marked(open_case_to_read)


def record_reader(roles: Iterable[Role], *, versioned: bool = False) -> Callable[..., Any]:
    """``versioned``: the route names a version of the case too; it is checked here, before the
    case is opened, so a version no store could hold is a 422 wherever the case is."""
    guard = allow(roles)

    async def open_record_to_read(
        case_id: CaseId,
        user: Annotated[ApiUser, Depends(guard)],
        app: Annotated[Backend, Depends(backend)],
        break_glass: BreakGlass = None,
    ) -> OpenedCase:
        if reach_for(user).every_case:  # an auditor: the record need only hold the case
            if not await asyncio.to_thread(app.record.has_case, case_id):
                raise unknown_case(case_id)
            return OpenedCase(user, case_id)
        access = await asyncio.to_thread(_access_in_record, app, case_id)
        return _opened(user, case_id, access, break_glass)

    if not versioned:
        return _marked(open_record_to_read)

    async def open_record_at_a_version(
        case_id: CaseId,
        version: CaseVersion,
        user: Annotated[ApiUser, Depends(guard)],
        app: Annotated[Backend, Depends(backend)],
        break_glass: BreakGlass = None,
    ) -> OpenedCase:
        return await open_record_to_read(case_id, user, app, break_glass)

    return _marked(open_record_at_a_version)


def case_actor(roles: Iterable[Role], command: str) -> Callable[..., Any]:
    guard = allow(roles)

    async def open_case_to_act(
        case_id: CaseId,
        user: Annotated[ApiUser, Depends(guard)],
        app: Annotated[Backend, Depends(backend)],
    ) -> OpenedCase:
        access = await asyncio.to_thread(_access_in_record, app, case_id)
        opened = _opened(user, case_id, access, None)
        assert access is not None
        if command in MANAGED_BY_THE_CASES_TEAM and not manages_the_cases_team(reader_of(user), access):
            raise Forbidden(
                f"only a team manager of the case's team ({access.team}) may do this",
                code="not_the_cases_team",
                details={"teams": list(user.teams)},
            )
        return opened

    return _marked(open_case_to_act)


def refuse_referral_outside_teams(user: ApiUser, team: str) -> None:
    """A social worker or team manager opens a case only in one of their own teams."""
    if not may_refer_into(reader_of(user), team):
        raise Forbidden(
            f"team: you may open a case only in one of your teams ({', '.join(user.teams) or 'none'})",
            code="not_your_team",
            field="team",
            details={"teams": list(user.teams)},
        )
