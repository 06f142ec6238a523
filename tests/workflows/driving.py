"""Driving a case through its workflow the way a council front end would: one update per command."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from temporalio.client import Client, WorkflowHandle

from domain.commands import CaseCommand
from workflows.case_workflow import CaseWorkflow, CommandAccepted, case_workflow_id
from workflows.client import send_command, start_case


def fields_of(command: CaseCommand) -> dict[str, Any]:
    """What a caller sends: the workflow supplies the case id and its own command id."""
    return command.model_dump(mode="json", exclude={"case_id", "command_id"})


async def send(client: Client, command: CaseCommand) -> CommandAccepted:
    return await send_command(client, command.case_id, type(command).__name__, fields_of(command))


async def start(client: Client, case_id: UUID, task_queue: str, **settings: Any) -> WorkflowHandle[Any, Any]:
    """Start the case's workflow; the handle follows it across continue-as-new (no run id)."""
    await start_case(client, case_id, task_queue, **settings)
    return client.get_workflow_handle_for(CaseWorkflow.run, case_workflow_id(case_id))


async def history_length(client: Client, case_id: UUID) -> int:
    history = await client.get_workflow_handle(case_workflow_id(case_id)).fetch_history()
    return len(history.events)
