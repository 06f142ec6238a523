"""Driving a case through its workflow the way a council front end would: one update per command."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.commands import CaseCommand
from tests.builders import ADULT, Scenario, plan_for
from tests.temporal_fixtures import PAYLOAD_KEYS
from workflows.case_workflow import CaseWorkflow, CommandAccepted, case_workflow_id
from workflows.client import send_command, start_case
from workflows.payments import PaymentsInput, PaymentsWorkflow, payments_workflow_id


def fields_of(command: CaseCommand) -> dict[str, Any]:
    """What a caller sends: the workflow supplies the case id and its own command id."""
    return command.model_dump(mode="json", exclude={"case_id", "command_id"})


async def send(client: Client, command: CaseCommand) -> CommandAccepted:
    return await send_command(client, command.case_id, type(command).__name__, fields_of(command))


async def start(client: Client, case_id: UUID, task_queue: str, **settings: Any) -> WorkflowHandle[Any, Any]:
    """Start the case's workflow; the handle follows it across continue-as-new (no run id)."""
    await start_case(client, case_id, task_queue, **settings)
    return client.get_workflow_handle_for(CaseWorkflow.run, case_workflow_id(case_id))


def payments_of(client: Client, case_id: UUID, agreement_id: str = "dp-1") -> WorkflowHandle[Any, PaymentsInput]:
    """The payments workflow the case's workflow started for one agreement."""
    return client.get_workflow_handle_for(
        PaymentsWorkflow.run, payments_workflow_id(case_workflow_id(case_id), agreement_id)
    )


async def history_length(client: Client, case_id: UUID) -> int:
    history = await client.get_workflow_handle(case_workflow_id(case_id)).fetch_history()
    return len(history.events)


async def eventually(check: Callable[[], bool], what: str, seconds: float = 30) -> None:
    """Wait for something the workflows do on their own (a payment, a catch-up) to be recorded."""
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def to_sign_off(client: Client, story: Scenario) -> None:
    """Referral to sign-off for the adult (a direct payment plan) and one carer (council-managed)."""
    for command in story.up_to_planning(carers=("carer-1",)):
        await send(client, command)
    await plans_signed_off(client, story)


async def plans_signed_off(client: Client, story: Scenario) -> None:
    """From an open gate: the adult's direct payment plan and carer-1's council-managed plan,
    drafted, submitted and signed off."""
    await send(client, story.draft(plan=plan_for(ADULT, weekly_hours=7)))
    await send(
        client,
        story.draft(
            "carer-1", plan=plan_for("carer-1", weekly_hours=1, unit_cost_pence=9_000, management="council_managed")
        ),
    )
    for person in (ADULT, "carer-1"):
        await send(client, story.submit(person))
        await send(client, story.sign_off(person))


ROOT = Path(__file__).parents[2]


def worker_process_env(temporal_env: WorkflowEnvironment, task_queue: str, store: Path) -> dict[str, str]:
    """The environment of a worker run as its own process (to be killed), on a test's store and queue."""
    return dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        CARECASE_SQLITE_PATH=str(store),
        CARECASE_LOG_LEVEL="warning",
        CARECASE_TEMPORAL_ADDRESS=temporal_env.client.service_client.config.target_host,
        CARECASE_TASK_QUEUE=task_queue,
        **PAYLOAD_KEYS.environment(),
    )


def start_worker_process(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """`carecase worker` as a process of its own, as production runs it."""
    return subprocess.Popen(
        [sys.executable, "-m", "workers.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
