"""Operations: what is overdue (ids only), counts by stage, and the three actions — escalate and
reassign (recorded on the case) and retry a failing activity (recorded in the ops log)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from temporalio.client import Client

from domain.application import CaseRecord
from tests.api.test_lifecycle_over_http import body_of
from tests.builders import Scenario
from workflows.case_workflow import case_workflow_id


def auth(tokens, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[1][role]}"}


async def open_case(http: httpx.AsyncClient, tokens, s: Scenario) -> tuple[str, int]:
    made = (await http.post("/cases", json=body_of(s.referral()), headers=auth(tokens, "social_worker"))).json()
    case_id = made["case_id"]
    screened = await http.post(
        f"/cases/{case_id}/screen-referral", json=body_of(s.screen()), headers=auth(tokens, "social_worker")
    )
    assert screened.status_code == 200, screened.text
    return case_id, screened.json()["position"]


@pytest.mark.service_levels(stage_limits={"assessment": timedelta(0)})
async def test_an_overdue_case_is_listed_by_id_escalated_and_reassigned(http: httpx.AsyncClient, tokens):
    s = Scenario()
    case_id, position = await open_case(http, tokens, s)
    ops = auth(tokens, "ops")

    stuck = (await http.get("/ops/stuck", params={"stage": "assessment", "min_position": position}, headers=ops)).json()
    [row] = [r for r in stuck["items"] if r["case_id"] == case_id]
    assert (row["what"], row["stage"], row["team"], row["flagged"]) == (
        "assessment",
        "assessment",
        "east-locality",
        False,
    )
    assert row["overdue_by_hours"] >= 0 and "adult_name" not in row
    assert not (await http.get("/ops/stuck", params={"team": "west-locality"}, headers=ops)).json()["items"]
    counts = (await http.get("/ops/counts", headers=ops)).json()["by_stage"]
    assert counts["assessment"] == {"open": 1, "overdue": 1}

    escalated = await http.post(
        f"/ops/cases/{case_id}/escalate",
        headers=ops,
        json={"reason": "assessment overdue, worker away", "escalated_to": "tm-morgan"},
    )
    assert escalated.status_code == 200 and escalated.json()["events"][0]["type"] == "CaseEscalated"
    manager = (
        await http.get(
            "/worklists/teams/east-locality",
            headers=auth(tokens, "team_manager"),
            params={"role": "team_manager", "min_position": escalated.json()["position"]},
        )
    ).json()
    assert "escalation" in {i["kind"] for i in manager["items"] if i["case_id"] == case_id}

    moved = await http.post(
        f"/ops/cases/{case_id}/reassign",
        headers=ops,
        json={"worker_id": "sw-ben", "reason": "worker on long-term leave"},
    )
    assert moved.status_code == 200
    case = (
        await http.get(
            f"/cases/{case_id}",
            params={"min_position": moved.json()["position"]},
            headers=auth(tokens, "social_worker"),
        )
    ).json()["case"]
    assert (case["worker_id"], case["escalated"]) == ("sw-ben", 0)

    log = (await http.get("/audit/ops-actions", params={"case_id": case_id}, headers=auth(tokens, "auditor"))).json()
    assert [(a["action"], a["user_id"]) for a in log] == [("reassign", "ops-1"), ("escalate", "ops-1")]
    refused = await http.post(
        f"/ops/cases/{case_id}/reassign", headers=auth(tokens, "auditor"), json={"worker_id": "sw-x", "reason": "no"}
    )
    assert refused.status_code == 403


@pytest.mark.council_configuration("[service_levels.stage_days]\nassessment = 1\n")
async def test_a_referral_back_dated_40_days_is_stuck_at_once_in_the_views_and_in_temporal(
    http: httpx.AsyncClient, tokens, client: Client, task_queue: str
):
    """A migrated case: referred and screened 40 days ago, recorded now. Its assessment was due
    39 days ago on the council's 1-day service level, and nothing has to wait for a timer."""
    s = Scenario()
    referred = datetime.now(UTC) - timedelta(days=40)
    worker = auth(tokens, "social_worker")
    made = await http.post("/cases", json=body_of(s.referral(effective_at=referred)), headers=worker)
    assert made.status_code == 201, made.text
    case_id = made.json()["case_id"]
    screened = await http.post(
        f"/cases/{case_id}/screen-referral",
        json=body_of(s.screen(effective_at=referred + timedelta(hours=1))),
        headers=worker,
    )
    assert screened.status_code == 200, screened.text

    stuck = await http.get(
        "/ops/stuck",
        params={"stage": "assessment", "overdue_by_days": 30, "min_position": screened.json()["position"]},
        headers=auth(tokens, "ops"),
    )
    [row] = [r for r in stuck.json()["items"] if r["case_id"] == case_id]
    assert row["what"] == "assessment" and row["overdue_by_hours"] >= 38 * 24

    month_ago = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    query = f"TaskQueue = '{task_queue}' AND CaseStage = 'assessment' AND StageDueAt < '{month_ago}'"
    found: list[str] = []
    for _ in range(50):  # visibility is eventually consistent; no service-level timer is waited on
        found = [w.id async for w in client.list_workflows(query=query)]
        if found:
            break
        await asyncio.sleep(0.2)
    assert found == [case_workflow_id(case_id)]


async def test_a_failing_activity_is_seen_and_retried_at_once(
    http: httpx.AsyncClient, tokens, case_record: CaseRecord, monkeypatch: pytest.MonkeyPatch
):
    s = Scenario()
    case_id, _ = await open_case(http, tokens, s)
    real_handle = case_record.handle
    broken = {"on": True}

    def handle(command):  # the injected fault: the database is away
        if broken["on"]:
            raise ConnectionError("database unavailable (injected)")
        return real_handle(command)

    monkeypatch.setattr(case_record, "handle", handle)
    pending = asyncio.create_task(
        http.post(
            f"/cases/{case_id}/identify-carer", json=body_of(s.identify_carer()), headers=auth(tokens, "social_worker")
        )
    )
    ops = auth(tokens, "ops")
    for _ in range(100):
        found = (await http.get("/ops/workflow-problems", headers=ops)).json()
        mine = [p for p in found["problems"] if p["case_id"] == case_id]
        if mine:
            break
        await asyncio.sleep(0.1)
    assert mine and mine[0]["kind"] == "activity_retrying" and mine[0]["activity"] == "record_command"
    assert "database unavailable" in mine[0]["last_failure"]

    broken["on"] = False
    retried = await http.post(f"/ops/cases/{case_id}/retry", json={"reason": "database back"}, headers=ops)
    # Reset now; or, if the activity's own next attempt (the database is back) won the race, found
    # finished meanwhile: both are a 200 that names it, never a 500.
    assert retried.status_code == 200, retried.text
    answered = retried.json()
    assert [a["activity"] for a in answered["reset"] + answered["finished_meanwhile"]] == ["record_command"]
    result = await asyncio.wait_for(pending, 20)
    assert result.status_code == 200 and result.json()["events"][0]["type"] == "CarerIdentified"
    log = (await http.get("/audit/ops-actions", params={"case_id": case_id}, headers=auth(tokens, "auditor"))).json()
    assert log[0]["action"] == "retry" and log[0]["outcome"]["reset"] + log[0]["outcome"]["finished_meanwhile"]


async def test_a_reablement_past_its_planned_end_is_listed_as_stuck(http: httpx.AsyncClient, tokens):
    s = Scenario()
    worker, ops = auth(tokens, "social_worker"), auth(tokens, "ops")
    made = (await http.post("/cases", json=body_of(s.referral()), headers=worker)).json()
    case_id = made["case_id"]
    for command, path in (
        (s.screen(outcome="reablement", reasons="home from hospital; reablement first"), "screen-referral"),
        (s.reablement(), "start-reablement"),  # six weeks from 5 January 2026: long past
    ):
        sent = await http.post(f"/cases/{case_id}/{path}", json=body_of(command), headers=worker)
        assert sent.status_code == 200, sent.text
    position = sent.json()["position"]

    stuck = (await http.get("/ops/stuck", params={"stage": "reablement", "min_position": position}, headers=ops)).json()

    [row] = [r for r in stuck["items"] if r["case_id"] == case_id]
    assert (row["what"], row["stage"], row["due_at"]) == (
        "reablement:adult-1",
        "reablement",
        "2026-02-17T00:00:00.000000Z",
    )
    assert row["overdue_by_hours"] > 0
    counts = (await http.get("/ops/counts", headers=ops)).json()["by_stage"]
    assert counts["reablement"]["overdue"] >= 1


async def test_urgent_interim_support_past_its_review_by_date_is_listed_as_stuck(http: httpx.AsyncClient, tokens):
    s = Scenario()
    worker, manager, ops = auth(tokens, "social_worker"), auth(tokens, "team_manager"), auth(tokens, "ops")
    case_id = (await http.post("/cases", json=body_of(s.referral()), headers=worker)).json()["case_id"]
    screened = await http.post(f"/cases/{case_id}/screen-referral", json=body_of(s.screen()), headers=worker)
    assert screened.status_code == 200, screened.text
    # Before any assessment has finished: urgent support (s.19(3)), to be reviewed by 2 February 2026.
    arranged = await http.post(f"/cases/{case_id}/arrange-interim-support", json=body_of(s.interim()), headers=manager)
    assert arranged.status_code == 200, arranged.text
    position = arranged.json()["position"]

    stuck = (await http.get("/ops/stuck", params={"min_position": position}, headers=ops)).json()

    [row] = [r for r in stuck["items"] if r["case_id"] == case_id and r["what"].startswith("interim:")]
    assert (row["what"], row["due_at"]) == ("interim:interim-1", "2026-02-03T00:00:00.000000Z")
    assert row["overdue_by_hours"] > 0
