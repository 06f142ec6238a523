"""A command update is one workflow task: the command is recorded by a local activity inside it,
and the deadline's timer stays as it was while the deadline stands (decision 0049). A write that
keeps failing there goes on as a regular activity, which operations see retrying and can reset;
and a workflow task lost after its local write (its worker gone) records nothing twice."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from typing import Any

import pytest
from temporalio import workflow
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import (
    ExecuteWorkflowInput,
    HandleUpdateInput,
    Interceptor,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)

from domain.application import CaseRecord
from tests.builders import Scenario
from tests.workflows.driving import send, start
from workers.worker import running_worker
from workflows.case_workflow import LOCAL_RETRY, case_workflow_id
from workflows.operations import retry_activities, workflow_problems


async def _events(client: Client, story: Scenario) -> list[HistoryEvent]:
    return list((await client.get_workflow_handle(case_workflow_id(story.case_id)).fetch_history()).events)


def _kinds(events: list[HistoryEvent]) -> Counter[str]:
    return Counter(EventType.Name(e.event_type).removeprefix("EVENT_TYPE_") for e in events)


def _stored(case_record: CaseRecord, story: Scenario, event_type: str) -> int:
    return sum(type(e).__name__ == event_type for e in case_record.stored_events(story.case_id))


async def _started(env: WorkflowEnvironment, story: Scenario, task_queue: str) -> None:
    """The case's workflow on real time (no service-level timer is near), and its referral."""
    with env.with_time_skipping_disabled():
        await start(env.client, story.case_id, task_queue)
    await send(env.client, story.referral())


async def test_a_command_update_is_one_workflow_task_with_its_write_inside(
    temporal_env: WorkflowEnvironment, worker: Any, case_record: CaseRecord, task_queue: str
) -> None:
    client, story = temporal_env.client, Scenario()
    await _started(temporal_env, story, task_queue)
    await send(client, story.screen())  # now in assessment: the stage's deadline has its timer
    before = await _events(client, story)
    accepted = await send(client, story.identify_carer())  # the stage, and so its deadline, stand
    added = (await _events(client, story))[len(before) :]

    assert accepted.event_types[0] == "CarerIdentified" and not accepted.duplicate
    kinds = _kinds(added)
    # The carer now outstanding is a changed search attribute: one upsert, as before.
    assert kinds == Counter(
        {
            "WORKFLOW_TASK_SCHEDULED": 1,
            "WORKFLOW_TASK_STARTED": 1,
            "WORKFLOW_TASK_COMPLETED": 1,
            "WORKFLOW_EXECUTION_UPDATE_ACCEPTED": 1,
            "MARKER_RECORDED": 1,
            "UPSERT_WORKFLOW_SEARCH_ATTRIBUTES": 1,
            "WORKFLOW_EXECUTION_UPDATE_COMPLETED": 1,
        }
    ), kinds
    (marker,) = [e for e in added if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED]
    assert marker.marker_recorded_event_attributes.marker_name == "core_local_activity"
    # The timer for the assessment's deadline, started once the case was screened, still runs.
    timers = _kinds(before + added)
    assert timers["TIMER_STARTED"] - timers["TIMER_CANCELED"] == 1
    assert _stored(case_record, story, "CarerIdentified") == 1


@pytest.mark.workflow_timeout(90)
async def test_a_write_that_keeps_failing_locally_goes_on_as_an_activity_operations_can_reset(
    temporal_env: WorkflowEnvironment, case_record: CaseRecord, task_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, story = temporal_env.client, Scenario()
    real_handle = case_record.handle
    broken = threading.Event()
    attempts: list[str] = []

    def handle(command: Any) -> Any:  # the injected fault: the database is away
        if broken.is_set():
            attempts.append(command.type_name())
            raise ConnectionError("database unavailable (injected)")
        return real_handle(command)

    monkeypatch.setattr(case_record, "handle", handle)
    async with running_worker(client, case_record, task_queue):
        await _started(temporal_env, story, task_queue)
        broken.set()
        pending = asyncio.create_task(send(client, story.screen()))
        mine: list[dict[str, Any]] = []
        for _ in range(300):
            found = await workflow_problems(client, narrow=f"WorkflowId = '{case_workflow_id(story.case_id)}'")
            mine = found["problems"]
            if mine:
                break
            await asyncio.sleep(0.1)
        assert [(p["kind"], p["activity"]) for p in mine] == [("activity_retrying", "record_command")]
        assert "database unavailable" in mine[0]["last_failure"]
        # Every local attempt ran first, then the regular activity's first, which it now retries.
        assert len(attempts) >= LOCAL_RETRY.maximum_attempts + 1 and set(attempts) == {"ScreenReferral"}
        assert not pending.done()

        broken.clear()
        reset = await retry_activities(client, [case_workflow_id(story.case_id)])
        assert [r["activity"] for r in reset] == ["record_command"]
        accepted = await asyncio.wait_for(pending, 30)
    assert accepted.event_types == ["ReferralScreened"]
    assert _stored(case_record, story, "ReferralScreened") == 1
    kinds = _kinds(await _events(client, story))
    assert kinds["ACTIVITY_TASK_SCHEDULED"] == 2  # the rule set, and the write that kept failing


# Shared with the workflow through the sandbox: threading is passed through, not re-imported.
LOSE_THE_TASK = threading.Event()
LOST: list[str] = []


class _LoseTheTaskAfterItsWrite(WorkflowInboundInterceptor):
    async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
        return await self.next.execute_workflow(input)

    async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
        answer = await self.next.handle_update_handler(input)
        if LOSE_THE_TASK.is_set() and not workflow.unsafe.is_replaying():
            LOSE_THE_TASK.clear()
            LOST.append(input.update)
            # After the local write, before the task completes: as if its worker died there. Not an
            # ApplicationError, so the task fails, its commands are never sent and it runs again.
            raise RuntimeError("injected fault: the workflow task is lost after its write")
        return answer


class TaskLoser(Interceptor):
    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        return _LoseTheTaskAfterItsWrite


@pytest.mark.workflow_timeout(90)
async def test_a_task_lost_after_its_local_write_records_the_command_once(
    temporal_env: WorkflowEnvironment, case_record: CaseRecord, task_queue: str
) -> None:
    client, story = temporal_env.client, Scenario()
    async with running_worker(client, case_record, task_queue, interceptors=[TaskLoser()]):
        await _started(temporal_env, story, task_queue)
        await send(client, story.screen())
        LOST.clear()
        LOSE_THE_TASK.set()
        try:
            accepted = await asyncio.wait_for(send(client, story.identify_carer()), 60)
        finally:
            LOSE_THE_TASK.clear()
        after = await send(client, story.start_adult())
    assert LOST == ["IdentifyCarer"]
    # The write happened in the lost task; the task ran again, and the record answered its second
    # attempt, under the same command id, as a repeat of the first.
    assert accepted.duplicate and accepted.event_types == ["CarerIdentified", "CarerAssessmentOffered"]
    assert _stored(case_record, story, "CarerIdentified") == 1
    assert [type(e).__name__ for e in case_record.stored_events(story.case_id)] == [
        "ReferralReceived",
        "ReferralScreened",
        "CarerIdentified",
        "CarerAssessmentOffered",
        "NeedsAssessmentStarted",
    ]
    assert after.versions == [5]
