"""How callers (the API, the tests, the demo) reach a case's workflow."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError

from domain.errors import DomainError, InvalidInput, NotFound, RuleViolation
from workflows.case_workflow import CaseWorkflow, CaseWorkflowInput, CommandAccepted, case_workflow_id

KINDS: dict[str, type[DomainError]] = {
    "InvalidInput": InvalidInput,
    "NotFound": NotFound,
    "RuleViolation": RuleViolation,
}


class CommandRefused(DomainError):
    """The case's workflow refused a command; ``code`` is the case record's stable reason code."""


def refusal_from(error: WorkflowUpdateFailedError) -> DomainError:
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.type:
        body = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else {}
        kind = KINDS.get(body.get("kind", ""), RuleViolation)
        return kind(
            body.get("message", cause.message), code=cause.type, field=body.get("field"), details=body.get("details")
        )
    return CommandRefused(str(cause or error), code="workflow_update_failed")


async def start_case(client: Client, case_id: UUID, task_queue: str, **settings: Any) -> WorkflowHandle[Any, Any]:
    """Start (or find, if already running) the workflow for a case."""
    return await client.start_workflow(
        CaseWorkflow.run,
        CaseWorkflowInput(case_id=case_id.hex, **settings),
        id=case_workflow_id(case_id),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )


async def send_command(
    client: Client,
    case_id: UUID,
    command_name: str,
    fields: dict[str, Any],
    update_id: str | None = None,
    patience: timedelta = timedelta(minutes=5),
) -> CommandAccepted:
    """Send one command as an update; a refusal comes back as the domain error with its code.

    The update id makes the call safe to repeat: while no worker is there to finish the update
    (one has crashed, say) the call is made again with the same id, which the server answers with
    the one update rather than a second.
    """
    handle = client.get_workflow_handle(case_workflow_id(case_id))
    update_id = update_id or str(uuid4())
    deadline = time.monotonic() + patience.total_seconds()
    while True:
        try:
            return await handle.execute_update(command_name, fields, id=update_id, result_type=CommandAccepted)
        except WorkflowUpdateFailedError as error:
            raise refusal_from(error) from None
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            if time.monotonic() > deadline:
                raise
