"""Driving a case over HTTP as the front end does, and checking that a refusal wrote nothing."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import httpx

from api.backend import Backend
from domain.commands import CaseCommand
from tests.builders import ADULT, Scenario, plan_for

FOUR_WEEKLY = 7 * 2_300 * 4  # the adult's plan below: seven hours a week at £23, paid four-weekly


def body_of(command: CaseCommand) -> dict[str, Any]:
    return command.model_dump(mode="json", exclude={"case_id", "command_id", "actor"}, exclude_none=True)


class Caller:
    """Sends each command with the key of the role its actor has, as that member of staff would."""

    def __init__(self, http: httpx.AsyncClient, tokens: dict[str, str], backend: Backend) -> None:
        self.http, self.tokens, self.backend = http, tokens, backend
        # POST /cases chooses the case id; a story's own id stands for it in its later commands.
        self.case_ids: dict[UUID, UUID] = {}

    def path_of(self, command: CaseCommand) -> str:
        from api.commands import path_for

        if command.creates_case:
            return "/cases"
        case_id = self.case_ids.get(command.case_id, command.case_id)
        return f"/cases/{case_id.hex}/{path_for(command.type_name())}"

    def case_id(self, story: Scenario) -> UUID:
        return self.case_ids[story.case_id]

    def key(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    async def post(
        self, command: CaseCommand, body: dict[str, Any] | None = None, *, role: str | None = None
    ) -> httpx.Response:
        response = await self.http.post(
            self.path_of(command),
            json=body_of(command) if body is None else body,
            headers=self.key(role or command.actor.role.value),
        )
        if command.creates_case and response.status_code == 201:
            self.case_ids[command.case_id] = UUID(response.json()["case_id"])
        return response

    async def do(self, *commands: CaseCommand) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for command in commands:
            response = await self.post(command)
            assert response.status_code in (200, 201), (command.type_name(), response.status_code, response.text)
            result = response.json()
        return result

    def events_in_store(self) -> int:
        return self.backend.record.last_position()

    async def refused(
        self,
        command: CaseCommand,
        body: dict[str, Any] | None = None,
        *,
        status: int,
        code: str | None = None,
        field: str | None = None,
        rule: str | None = None,
        role: str | None = None,
    ) -> dict[str, Any]:
        """Send it, expect the refusal named, and check that nothing at all was appended."""
        before = self.events_in_store()
        response = await self.post(command, body, role=role)
        assert response.status_code == status, (response.status_code, response.text[:2000])
        problem = response.json()
        if code is not None:
            assert problem["code"] == code, problem
        if field is not None:
            assert problem["field"] == field, problem
        if rule is not None:
            rules = [e["rule"] for e in problem.get("details", {}).get("errors", [])]
            assert rule in rules, problem
        assert not self.appended_by_staff(before), "a refused request appended events"
        return problem

    def appended_by_staff(self, after: int) -> list[str]:
        """Events appended after position ``after`` by anyone but the system actor. The case's own
        workflow may record a fact of its own at any moment (a review falling due, a stage
        overdue), so "nothing appended" means nothing appended by a person."""
        found = []
        for notification in self.backend.record.notifications(start=after + 1, limit=1000):
            actor = json.loads(notification.state).get("actor") or {}
            if not isinstance(actor, dict) or actor.get("role") != "system":
                found.append(f"{notification.topic.rsplit('.', 1)[-1]} by {actor}")
        return found


async def to_sign_off(caller: Caller, story: Scenario) -> None:
    """Referral to sign-off over HTTP: the adult's direct payment plan and carer-1's council-managed one."""
    await caller.do(*story.up_to_planning(carers=("carer-1",)))
    await caller.do(story.draft(plan=plan_for(ADULT, weekly_hours=7)))
    await caller.do(
        story.draft(
            "carer-1", plan=plan_for("carer-1", weekly_hours=1, unit_cost_pence=9_000, management="council_managed")
        )
    )
    for person in (ADULT, "carer-1"):
        await caller.do(story.submit(person), story.sign_off(person))
