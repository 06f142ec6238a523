"""What the reliability tests share: send a command as the front end does, and count what the
case record holds, so a test can say "nothing was appended" from the record itself."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from api.backend import Backend
from api.commands import path_for
from api.roles import COMMAND_ROLES
from domain.commands import CaseCommand
from domain.people import Role

PROBLEM = "application/problem+json"
# The role a front end would send each command as: casework first, then whoever alone may.
PREFERRED = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.PANEL_MEMBER, Role.FINANCE_OFFICER)


def auth(tokens: tuple[Any, dict[str, str]], role: str | Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[1][Role(role).value]}"}


def role_for(name: str) -> Role:
    allowed = COMMAND_ROLES[name]
    return next(r for r in PREFERRED if r in allowed)


def body_of(command: CaseCommand) -> dict[str, Any]:
    return command.model_dump(mode="json", exclude={"case_id", "command_id", "actor"}, exclude_none=True)


def path_of(command: CaseCommand, case_id: str) -> str:
    return "/cases" if command.creates_case else f"/cases/{case_id}/{path_for(command.type_name())}"


async def post(
    http: httpx.AsyncClient,
    tokens: tuple[Any, dict[str, str]],
    command: CaseCommand,
    case_id: str = "",
    key: str | None = None,
    body: dict[str, Any] | None = None,
    role: str | Role | None = None,
) -> httpx.Response:
    headers = auth(tokens, role or role_for(command.type_name()))
    if key is not None:
        headers["Idempotency-Key"] = key
    return await http.post(path_of(command, case_id), json=body_of(command) if body is None else body, headers=headers)


async def run(
    http: httpx.AsyncClient, tokens: tuple[Any, dict[str, str]], commands: list[CaseCommand], case_id: str = ""
) -> tuple[str, dict[str, Any]]:
    """Send each command in turn (each must be accepted); the case id and the last answer."""
    answer: dict[str, Any] = {}
    for command in commands:
        response = await post(http, tokens, command, case_id)
        assert response.status_code in (200, 201), (command.type_name(), response.status_code, response.text)
        answer = response.json()
        case_id = answer["case_id"]
    return case_id, answer


def events_of(backend: Backend, case_id: str | uuid.UUID) -> int:
    """How many events the case record holds for the case."""
    return len(backend.record.stored_records(uuid.UUID(str(case_id))))


def notifications_of(backend: Backend, case_id: str | uuid.UUID) -> list[tuple[int, int, str]]:
    """The case's events in the store's log: (notification id, version, topic), oldest first."""
    wanted = uuid.UUID(str(case_id))
    found, start = [], 1
    while True:
        page = backend.record.notifications(start=start, limit=500)
        if not page:
            return found
        found += [(n.id, n.originator_version, n.topic) for n in page if uuid.UUID(str(n.originator_id)) == wanted]
        start = page[-1].id + 1


def assert_problem(response: httpx.Response, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    """An RFC 9457 problem: its media type, the members it must carry, and the stable code."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].split(";")[0] == PROBLEM, response.headers
    body = response.json()
    assert body["status"] == status and body["code"] == code, body
    assert isinstance(body["type"], str) and body["type"] and isinstance(body["title"], str) and body["title"]
    assert body["detail"] == body["message"] and body["detail"], body
    if field is not None:
        assert body["field"] == field, body
    return body
