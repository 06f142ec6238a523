"""Need to know over HTTP: who may read and act on which case, restricted cases, break-glass, every
read logged (lists with the ids they returned) and the logs' hash chains.

The staff here beside the suite's one key per role: workers and managers of the case's team and of
another, a worker of another team the case is allocated to. Every read passes the position the
last command answered, so a 404 is need to know at work, never a view that has not caught up."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from api.app import create_app
from api.backend import Backend
from api.keys import KeyRing, add_key
from api.need_to_know import BREAK_GLASS_HEADER
from api.roles import COMMAND_ROLES
from domain.people import Role
from tests.api.test_lifecycle_over_http import body_of
from tests.api.test_roles import body_for, flatten
from tests.builders import Scenario

STAFF = {
    "sw-east": (Role.SOCIAL_WORKER, ("east-locality",)),
    "sw-north": (Role.SOCIAL_WORKER, ("north-locality",)),
    "sw-helper": (Role.SOCIAL_WORKER, ("north-locality",)),  # another team's worker, allocated the case
    "tm-east": (Role.TEAM_MANAGER, ("east-locality",)),
    "tm-north": (Role.TEAM_MANAGER, ("north-locality",)),
}
# Someone of each role who may not know of a case in east-locality that has reached no sign-off and
# has no money in it: the outsider who tries each command.
OUTSIDER = {
    Role.SOCIAL_WORKER: "sw-north",
    Role.TEAM_MANAGER: "tm-north",
    Role.PANEL_MEMBER: "panel_member",
    Role.HEAD_OF_SERVICE: "head_of_service",
    Role.FINANCE_OFFICER: "finance_officer",
}
CASE_READS = ("/cases/{case_id}", "/cases/{case_id}/ledger", "/cases/{case_id}/timeline")
# Operations act on a case by id only (retry, escalate, reassign, release), never reading it.
OPERATIONS_BY_ID = {
    "/ops/cases/{case_id}/retry",
    "/ops/cases/{case_id}/escalate",
    "/ops/cases/{case_id}/reassign",
    "/ops/quarantine/{case_id}/release",
}


@pytest.fixture
def keys(backend: Backend, tokens, tmp_path: Path) -> dict[str, str]:
    """Every key by user: the suite's (by role name) and this module's staff (by user id)."""
    path = tmp_path / "more-keys.toml"
    made = {user: add_key(path, user, role, teams) for user, (role, teams) in STAFF.items()}
    backend.keys = KeyRing([*backend.keys.keys, *KeyRing.load(path).keys])
    return {**tokens[1], **made}


class Desk:
    def __init__(self, http: httpx.AsyncClient, keys: dict[str, str]) -> None:
        self.http, self.keys, self.position = http, keys, 0

    def as_(self, who: str, **more: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}", **more}

    async def do(self, who: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.post(path, json=body, headers=self.as_(who))
        assert response.status_code in (200, 201), (path, response.text)
        answer = response.json()
        self.position = max(self.position, answer["position"])
        return answer

    async def get(self, who: str, path: str, query: dict[str, str] | None = None, **headers: str) -> httpx.Response:
        # httpx's params replace a query written into the path, so the query is given apart.
        assert "?" not in path, f"{path}: give the query as query=, beside the desk's own position"
        params = {"min_position": self.position, **(query or {})}
        return await self.http.get(path, params=params, headers=self.as_(who, **headers))

    async def open_case(self, s: Scenario, allocated_to: str) -> str:
        case_id = (await self.do("sw-east", "/cases", body_of(s.referral())))["case_id"]
        await self.do("tm-east", f"/cases/{case_id}/allocate-case", body_of(s.allocate(allocated_to)))
        await self.do("sw-east", f"/cases/{case_id}/screen-referral", body_of(s.screen()))
        return case_id


def like_an_unknown_case(response: httpx.Response, case_id: str, unknown: httpx.Response, unknown_id: str) -> bool:
    """404 with the body a case that does not exist gets (its id and path in place of the other's)."""
    body = response.json()
    expected = {k: (v.replace(unknown_id, case_id) if isinstance(v, str) else v) for k, v in unknown.json().items()}
    return response.status_code == 404 and body == expected


def case_routes() -> list[APIRoute]:
    routes = [r for r in flatten(create_app().routes) if isinstance(r, APIRoute)]
    # The console's pages on a case call the /ops/ functions (by id, as operations do) and open a case
    # to read through need to know inside (tests/api/test_console.py); they are not API routes.
    return [r for r in routes if "{case_id}" in r.path and not r.path.startswith("/console")]


def opens_through_need_to_know(route: APIRoute) -> bool:
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        if getattr(dependant.call, "need_to_know", False):
            return True
        pending.extend(dependant.dependencies)
    return False


def test_every_route_on_one_case_opens_it_through_need_to_know():
    routes = case_routes()
    assert len(routes) > 50  # every command, the case's reads and the auditors'
    missing = [
        f"{sorted(r.methods)[0]} {r.path}"
        for r in routes
        if r.path not in OPERATIONS_BY_ID and not opens_through_need_to_know(r)
    ]
    assert not missing, f"routes on a case that skip need to know: {missing}"
    assert {r.path for r in routes if r.path.startswith("/ops/")} == OPERATIONS_BY_ID


@pytest.mark.workflow_timeout(180)
async def test_a_case_is_read_and_acted_on_only_by_those_who_need_to_know_it(
    http: httpx.AsyncClient, keys: dict[str, str], backend: Backend
):
    desk = Desk(http, keys)
    s = Scenario()
    case_id = await desk.open_case(s, allocated_to="sw-helper")
    unknown_id = uuid.UUID(int=7).hex
    for path in CASE_READS:
        unknown = await desk.get("sw-east", path.format(case_id=unknown_id))
        assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_case"
        for who in ("sw-east", "tm-east", "sw-helper", "social_worker", "team_manager"):
            seen = await desk.get(who, path.format(case_id=case_id))
            assert seen.status_code == 200, (path, who, seen.text)
        for who in ("sw-north", "tm-north", "panel_member", "head_of_service", "finance_officer"):
            hidden = await desk.get(who, path.format(case_id=case_id))
            assert like_an_unknown_case(hidden, case_id, unknown, unknown_id), (path, who, hidden.text)
    assert (await desk.get("auditor", f"/cases/{case_id}/timeline")).status_code == 200
    assert (await desk.get("auditor", f"/audit/cases/{case_id}/verify")).status_code == 200

    # Every command on the case, sent by someone of a role allowed it who may not know of the case:
    # 404 as for a case that does not exist, and nothing written.
    version = backend.record.get_case(uuid.UUID(case_id)).version
    tried = 0
    for route in case_routes():
        if "POST" not in route.methods or route.path.startswith("/ops/"):
            continue
        roles = COMMAND_ROLES[route.name]
        who = next(OUTSIDER[role] for role in OUTSIDER if role in roles)
        path = route.path.format(case_id=case_id)
        refused = await http.post(path, json=body_for(route), headers=desk.as_(who))
        unknown = await http.post(route.path.format(case_id=unknown_id), json=body_for(route), headers=desk.as_(who))
        assert like_an_unknown_case(refused, case_id, unknown, unknown_id), (route.name, who, refused.text)
        tried += 1
    assert tried == len(COMMAND_ROLES) - 1  # all but the referral, which opens a case
    assert backend.record.get_case(uuid.UUID(case_id)).version == version

    # Break-glass opens a read, never a command.
    glass = {BREAK_GLASS_HEADER: "duty cover: the allocated worker is off sick"}
    command = await http.post(
        f"/cases/{case_id}/identify-carer", json=body_of(s.identify_carer()), headers=desk.as_("sw-north", **glass)
    )
    assert command.status_code == 404
    assert backend.record.get_case(uuid.UUID(case_id)).version == version

    # A referral only into one of the referrer's own teams.
    before = len(backend.record.case_ids())
    elsewhere = await http.post("/cases", json=body_of(Scenario().referral()), headers=desk.as_("sw-north"))
    assert elsewhere.status_code == 403
    assert (elsewhere.json()["code"], elsewhere.json()["field"]) == ("not_your_team", "team")
    assert len(backend.record.case_ids()) == before


@pytest.mark.workflow_timeout(180)
async def test_a_restricted_case_is_seen_only_by_its_named_staff_and_break_glass_is_logged_for_auditors(
    http: httpx.AsyncClient, keys: dict[str, str], backend: Backend
):
    desk = Desk(http, keys)
    open_one, restricted = Scenario(), Scenario()
    other_id = await desk.open_case(open_one, allocated_to="sw-east")
    case_id = await desk.open_case(restricted, allocated_to="sw-helper")

    # Restricting is for a manager of the case's own team: another team's manager cannot even find it.
    body = {"staff_ids": ["tm-east", "sw-east"], "reason": "the adult is a close relative of a member of staff"}
    away = await http.post(f"/cases/{case_id}/restrict-case", json=body, headers=desk.as_("tm-north"))
    assert away.status_code == 404
    done = await desk.do("tm-east", f"/cases/{case_id}/restrict-case", body)
    assert [e["type"] for e in done["events"]] == ["CaseRestricted"]

    for path in CASE_READS:
        for who in ("tm-east", "sw-east"):
            assert (await desk.get(who, path.format(case_id=case_id))).status_code == 200, (path, who)
        # The team's other manager and worker, and the worker it is allocated to, are not named.
        for who in ("team_manager", "social_worker", "sw-helper", "sw-north"):
            assert (await desk.get(who, path.format(case_id=case_id))).status_code == 404, (path, who)
    assert (await desk.get("auditor", f"/cases/{case_id}/timeline")).status_code == 200

    # Gone from every list for those not named; there for those named.
    lists = ("/cases", "/worklists/teams/east-locality", "/worklists/stages/assessment", "/worklists/workers/sw-helper")
    for path in lists:
        for who, sees in (("team_manager", False), ("social_worker", False), ("tm-east", True)):
            listed = {row["case_id"] for row in (await desk.get(who, path)).json()["items"]}
            assert (case_id in listed) == sees, (path, who)
            assert other_id in listed or path.endswith("sw-helper"), (path, who)
    mine = {row["case_id"] for row in (await desk.get("sw-helper", "/worklists/mine")).json()["items"]}
    assert case_id not in mine
    assert not (await desk.get("sw-north", "/cases")).json()["items"]

    # Break-glass: the team manager not named opens it, giving a reason; so does the outsider.
    reason = "safeguarding strategy meeting this afternoon"
    glass = await desk.get("team_manager", f"/cases/{case_id}", **{BREAK_GLASS_HEADER: reason})
    assert glass.status_code == 200 and glass.json()["case"]["case_id"] == case_id
    outside = await desk.get("sw-north", f"/cases/{case_id}/timeline", **{BREAK_GLASS_HEADER: "out of hours duty"})
    assert outside.status_code == 200
    blank = await desk.get("team_manager", f"/cases/{case_id}", **{BREAK_GLASS_HEADER: "  "})
    assert blank.status_code == 422 and blank.json()["field"] == BREAK_GLASS_HEADER
    # Someone who may see it anyway breaks no glass.
    await desk.get("tm-east", f"/cases/{case_id}", **{BREAK_GLASS_HEADER: "not needed"})

    assert (await desk.get("team_manager", "/audit/break-glass")).status_code == 403
    review = (await desk.get("auditor", "/audit/break-glass")).json()
    assert [(r["user_id"], r["role"], r["case_id"], r["what"], r["break_glass"]) for r in review] == [
        ("sw-north", "social_worker", case_id, "timeline", "out of hours duty"),
        ("team-manager-1", "team_manager", case_id, "case", reason),
    ]
    assert all(r["at"].endswith("Z") and r["case_id"] == case_id for r in review)

    # Lifted: the team sees it again.
    await desk.do("tm-east", f"/cases/{case_id}/lift-case-restriction", {"reason": "the member of staff has left"})
    assert (await desk.get("team_manager", f"/cases/{case_id}")).status_code == 200
    listed = {row["case_id"] for row in (await desk.get("team_manager", "/cases")).json()["items"]}
    assert case_id in listed

    # A manager of another team sees a case allocated to them, but only the case's own team restricts it.
    await desk.do("tm-east", f"/cases/{other_id}/allocate-case", {"worker_id": "tm-north", "reason": "cover"})
    assert (await desk.get("tm-north", f"/cases/{other_id}")).status_code == 200
    theirs = await http.post(f"/cases/{other_id}/restrict-case", json=body, headers=desk.as_("tm-north"))
    assert theirs.status_code == 403 and theirs.json()["code"] == "not_the_cases_team"


async def test_every_list_read_is_logged_with_the_ids_it_returned_and_the_logs_chain_names_tampering(
    http: httpx.AsyncClient, keys: dict[str, str], backend: Backend
):
    desk = Desk(http, keys)
    first = await desk.open_case(Scenario(), allocated_to="sw-east")
    second = await desk.open_case(Scenario(), allocated_to="sw-helper")
    listed = (await desk.get("tm-east", "/cases")).json()["items"]
    assert [row["case_id"] for row in listed] == [first, second]
    assert not (await desk.get("tm-north", "/worklists/teams/east-locality")).json()["items"]
    await desk.get("auditor", f"/cases/{first}/timeline")
    await desk.get("sw-east", f"/cases/{first}")

    log = (await desk.get("auditor", "/audit/access-log")).json()
    assert [(r["seq"], r["user_id"], r["what"], r["case_id"], r["case_ids"]) for r in log] == [
        (4, "sw-east", "case", first, None),
        (3, "auditor-1", "timeline", first, None),
        (2, "tm-north", "worklist team", "", []),
        (1, "tm-east", "cases", "", [first, second]),
    ]
    # A case's reads include the list reads that returned it.
    of_second = (await http.get("/audit/access-log", params={"case_id": second}, headers=desk.as_("auditor"))).json()
    assert [(r["what"], r["case_ids"]) for r in of_second] == [("cases", [first, second])]

    report = {r["log"]: r for r in (await desk.get("auditor", "/audit/logs/verify")).json()}
    assert report["api_access_log"] == {"log": "api_access_log", "rows": 4, "intact": True, "problems": []}
    with backend.views.transaction() as cursor:
        cursor.execute("UPDATE api_access_log SET what = 'nothing much' WHERE seq = 2")
        cursor.execute("DELETE FROM api_access_log WHERE seq = 3")
    report = {r["log"]: r for r in (await desk.get("auditor", "/audit/logs/verify")).json()}
    problems = {p["seq"]: p["problem"] for p in report["api_access_log"]["problems"]}
    assert not report["api_access_log"]["intact"] and sorted(problems) == [2, 4]
    assert "changed after it was written" in problems[2]
    assert "row(s) 3–3 removed" in problems[4]
    assert report["ops_action_log"]["intact"]

    # The newest row removed: the log's head still names it.
    with backend.views.transaction() as cursor:
        cursor.execute("DELETE FROM api_access_log WHERE seq = 4")
    report = {r["log"]: r for r in (await desk.get("auditor", "/audit/logs/verify")).json()}
    assert "rows 3–4 removed" in report["api_access_log"]["problems"][-1]["problem"]


async def test_a_safeguarding_concern_is_seen_by_the_cases_team_and_by_no_social_worker_of_another(
    http: httpx.AsyncClient, keys: dict[str, str]
):
    desk = Desk(http, keys)
    s = Scenario()
    case_id = await desk.open_case(s, allocated_to="sw-helper")
    await desk.do("sw-east", f"/cases/{case_id}/raise-safeguarding-concern", body_of(s.concern()))
    seen = await desk.get("sw-east", f"/cases/{case_id}/timeline")
    assert "SafeguardingConcernRaised" in {entry["event"] for entry in seen.json()["items"]}
    unknown_id = uuid.UUID(int=11).hex
    for path in ("/cases/{}/timeline", "/cases/{}"):
        hidden = await desk.get("sw-north", path.format(case_id))
        unknown = await desk.get("sw-north", path.format(unknown_id))
        assert like_an_unknown_case(hidden, case_id, unknown, unknown_id), (path, hidden.text)
    listed = await desk.get("sw-north", "/cases")
    assert case_id not in {row["case_id"] for row in listed.json()["items"]}
