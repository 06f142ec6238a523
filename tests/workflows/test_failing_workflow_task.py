"""A case's workflow whose task fails (its worker killed mid-task, a fault in its code) takes no
update until a task completes again: the server answers "Workflow Task in failed state"
(FAILED_PRECONDITION, WorkflowNotReadyFailure). Seen after a worker was SIGKILLed under load.

A caller must wait that out, not give up with an RPC error: the command is then recorded once.
If it lasts longer than the caller's patience, the answer names the state and nothing is recorded.
The fault is injected: an interceptor fails the update handler's task while a switch is on."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from typing import Any

import pytest
import structlog
from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import (
    ExecuteWorkflowInput,
    HandleUpdateInput,
    Interceptor,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)

from domain.application import CaseRecord
from tests.builders import Scenario
from tests.workflows.driving import fields_of, send, start
from workers.worker import running_worker
from workflows.client import CaseWorkflowNotReady, send_command

# Shared with the workflow through the sandbox: threading is passed through, not re-imported.
FAILING = threading.Event()
FAILED_TASKS: list[str] = []
FAILING_FOR_SECONDS = 14  # longer than one round of an update call, which is then made again


class _FailWhileSwitchedOn(WorkflowInboundInterceptor):
    async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
        return await self.next.execute_workflow(input)

    async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
        if FAILING.is_set() and not workflow.unsafe.is_replaying():
            FAILED_TASKS.append(input.update)
            # Not an ApplicationError: the workflow task fails and is retried, the update stays admitted.
            raise RuntimeError("injected fault: this workflow task fails")
        return await self.next.handle_update_handler(input)


class FaultInjector(Interceptor):
    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        return _FailWhileSwitchedOn


async def _started(client: Client, task_queue: str, story: Scenario) -> None:
    await start(client, story.case_id, task_queue)
    await send(client, story.referral())


async def _screening_in_a_failing_task(client: Client, story: Scenario) -> asyncio.Task[Any]:
    """Switch the fault on and send the screening, whose task then fails and is retried, failing;
    back once the second attempt has failed too, so the server holds the workflow as failed."""
    FAILING.set()
    screening = asyncio.create_task(send(client, story.screen()))
    while len(FAILED_TASKS) < 2:
        await asyncio.sleep(0.05)
    return screening


@pytest.mark.workflow_timeout(120)
async def test_a_command_sent_while_the_workflow_task_fails_waits_and_is_recorded_once(
    client: Client, case_record: CaseRecord, task_queue: str
) -> None:
    story = Scenario()
    FAILED_TASKS.clear()
    async with running_worker(client, case_record, task_queue, interceptors=[FaultInjector()]):
        await _started(client, task_queue, story)
        with structlog.testing.capture_logs() as logs:
            try:
                # Past the first round of the screening's update call (about ten seconds) the call is
                # made again, and the server refuses it ("in failed state") until a task completes;
                # so is a second command sent meanwhile, or it is admitted to wait for the next task.
                screening = await _screening_in_a_failing_task(client, story)
                carer = asyncio.create_task(send(client, story.identify_carer()))
                await asyncio.sleep(FAILING_FOR_SECONDS)
                assert not screening.done() and not carer.done()
            finally:
                FAILING.clear()
            screened, identified = await asyncio.wait_for(asyncio.gather(screening, carer), 60)
    waits = [e for e in logs if e["event"] == "case_workflow_not_ready"]
    assert "ScreenReferral" in {e["command"] for e in waits}
    assert all(e["case_id"] == story.case_id.hex for e in waits)
    assert screened.event_types == ["ReferralScreened"]
    assert identified.event_types[0] == "CarerIdentified"
    types = [type(e).__name__ for e in case_record.stored_events(story.case_id)]
    assert types.count("ReferralScreened") == 1 and types.count("CarerIdentified") == 1


@pytest.mark.workflow_timeout(120)
async def test_a_workflow_failing_longer_than_the_caller_waits_is_named_and_records_nothing(
    client: Client, case_record: CaseRecord, task_queue: str
) -> None:
    story = Scenario()
    FAILED_TASKS.clear()
    async with running_worker(client, case_record, task_queue, interceptors=[FaultInjector()]):
        await _started(client, task_queue, story)
        try:
            first = await _screening_in_a_failing_task(client, story)
            with pytest.raises(CaseWorkflowNotReady) as refused:
                await send_command(
                    client,
                    story.case_id,
                    "IdentifyCarer",
                    fields_of(story.identify_carer()),
                    patience=timedelta(seconds=2),
                )
        finally:
            FAILING.clear()
        assert refused.value.code == "case_workflow_not_ready"
        await asyncio.wait_for(first, 60)
    types = [type(e).__name__ for e in case_record.stored_events(story.case_id)]
    assert "CarerIdentified" not in types and types.count("ReferralScreened") == 1
