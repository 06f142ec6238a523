"""Operations find stuck cases with the real Temporal CLI and the typed search attributes."""

from __future__ import annotations

import asyncio
import json
import subprocess
from datetime import UTC, datetime, timedelta

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from config.temporal_settings import temporal_binary
from domain.service_levels import ServiceLevels
from domain.vocabulary import Stage
from tests.builders import Scenario
from tests.workflows.driving import send, start
from workflows.case_workflow import CaseWorkflow, case_workflow_id
from workflows.client import adopt_service_levels


def _temporal_list(address: str, query: str) -> set[str]:
    result = subprocess.run(
        [temporal_binary(), "workflow", "list", "--address", address, "--query", query, "--output", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows = json.loads(result.stdout or "[]")
    return {row["execution"]["workflowId"] for row in rows}


async def test_the_cli_finds_exactly_the_cases_overdue_at_assessment(
    temporal_env: WorkflowEnvironment, worker: Worker, task_queue: str
) -> None:
    client = temporal_env.client
    address = client.service_client.config.target_host
    quick = ServiceLevels(stage_limits={Stage.ASSESSMENT: timedelta(seconds=2)})
    overdue, on_time = [Scenario() for _ in range(3)], [Scenario() for _ in range(2)]
    with temporal_env.with_time_skipping_disabled():  # real time: two seconds really pass
        for story in overdue:
            await start(client, story.case_id, task_queue, service_levels=quick)
        for story in on_time:
            await start(client, story.case_id, task_queue)
    for story in overdue + on_time:
        await send(client, story.referral())
        await send(client, story.screen())

    await asyncio.sleep(3)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    query = f"TaskQueue = '{task_queue}' AND CaseStage = 'assessment' AND StageDueAt < '{now}'"
    expected = {case_workflow_id(story.case_id) for story in overdue}
    found: set[str] = set()
    for _ in range(50):  # visibility is eventually consistent
        found = _temporal_list(address, query)
        if found == expected:
            break
        await asyncio.sleep(0.2)
    assert found == expected

    flagged = set()
    for _ in range(50):
        flagged = _temporal_list(address, f"TaskQueue = '{task_queue}' AND CaseFlags = 'overdue'")
        if flagged == expected:
            break
        await asyncio.sleep(0.2)
    assert flagged == expected
    everyone = _temporal_list(
        address, f"TaskQueue = '{task_queue}' AND CaseStage = 'assessment' AND Team = 'east-locality'"
    )
    assert everyone == expected | {case_workflow_id(story.case_id) for story in on_time}


async def test_the_overdue_flag_clears_when_the_stage_moves_on(
    temporal_env: WorkflowEnvironment, worker: Worker, task_queue: str
) -> None:
    client = temporal_env.client
    address = client.service_client.config.target_host
    story = Scenario()
    with temporal_env.with_time_skipping_disabled():
        await start(
            client,
            story.case_id,
            task_queue,
            service_levels=ServiceLevels(stage_limits={Stage.ASSESSMENT: timedelta(seconds=1)}),
        )
    for command in (story.referral(), story.screen(), story.start_adult()):
        await send(client, command)
    workflow_id = {case_workflow_id(story.case_id)}

    async def flagged_overdue() -> set[str]:
        return _temporal_list(address, f"TaskQueue = '{task_queue}' AND CaseFlags = 'overdue'")

    for _ in range(50):
        if await flagged_overdue() == workflow_id:
            break
        await asyncio.sleep(0.2)
    assert await flagged_overdue() == workflow_id

    accepted = await send(client, story.complete_adult())  # no carers: assessment is finished
    assert accepted.stage == "eligibility"
    for _ in range(50):
        if not await flagged_overdue():
            break
        await asyncio.sleep(0.2)
    assert await flagged_overdue() == set()
    assert _temporal_list(address, f"TaskQueue = '{task_queue}' AND CaseStage = 'eligibility'") == workflow_id


async def test_a_change_of_service_levels_reaches_an_open_case_from_its_own_clock(
    temporal_env: WorkflowEnvironment, worker: Worker, task_queue: str
) -> None:
    """Decision 0035: the council shortens the assessment to 1 day; an open case screened 10 days
    ago (on a 28-day level, not yet due) is due 9 days ago once told, and flagged at once."""
    client = temporal_env.client
    story = Scenario()
    screened = datetime.now(UTC) - timedelta(days=10)
    with temporal_env.with_time_skipping_disabled():
        case = await start(client, story.case_id, task_queue)
        await send(client, story.referral(effective_at=screened - timedelta(hours=1)))
        await send(client, story.screen(effective_at=screened))
        assert (await case.query(CaseWorkflow.summary)).stage_due_at == screened + timedelta(days=28)

        told = await adopt_service_levels(
            client, ServiceLevels(stage_limits={Stage.ASSESSMENT: timedelta(days=1)}), task_queue
        )

        assert told == [case_workflow_id(story.case_id)]
        summary = await case.query(CaseWorkflow.summary)
        for _ in range(50):
            if "overdue" in summary.flags:
                break
            await asyncio.sleep(0.2)
            summary = await case.query(CaseWorkflow.summary)
        assert summary.stage_due_at == screened + timedelta(days=1)
        assert "overdue" in summary.flags
        week_ago = (datetime.now(UTC) - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
        query = f"TaskQueue = '{task_queue}' AND StageDueAt < '{week_ago}'"
        found: list[str] = []
        for _ in range(50):
            found = [w.id async for w in client.list_workflows(query=query)]
            if found:
                break
            await asyncio.sleep(0.2)
        assert found == [case_workflow_id(story.case_id)]
