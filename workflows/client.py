"""How callers (the API, the tests, the demo) reach a case's workflow."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import structlog
from google.protobuf.message import DecodeError
from temporalio.api.errordetails.v1 import WorkflowNotReadyFailure
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from domain.errors import DomainError, InvalidInput, NotFound, RuleViolation
from domain.service_levels import ServiceLevels
from workflows.case_workflow import CaseWorkflow, CaseWorkflowInput, CommandAccepted, case_workflow_id

KINDS: dict[str, type[DomainError]] = {
    "InvalidInput": InvalidInput,
    "NotFound": NotFound,
    "RuleViolation": RuleViolation,
}


class CommandRefused(DomainError):
    """The case's workflow refused a command; ``code`` is the case record's stable reason code."""


class CaseWorkflowNotReady(DomainError):
    """The case's workflow is failing its tasks (a worker died mid-task, say) for longer than the
    caller would wait: the server refused the command, so nothing was recorded."""

    code = "case_workflow_not_ready"


class CommandOutcomeUnknown(Exception):
    """Temporal went away after a command's update was sent: it may or may not have been recorded,
    and only asking again with the same update id (the same Idempotency-Key) can tell."""

    def __init__(self, status: RPCStatusCode) -> None:
        super().__init__(f"the workflow service went away ({status.name}) before answering the update")
        self.status = status


# Statuses of a call the server may have received before it went away or was cut off: the update
# may be in its history. (A rate limit, RESOURCE_EXHAUSTED, refuses the call before it is taken.)
OUTCOME_UNKNOWN = frozenset(
    {RPCStatusCode.UNAVAILABLE, RPCStatusCode.UNKNOWN, RPCStatusCode.CANCELLED, RPCStatusCode.DEADLINE_EXCEEDED}
)
NOT_READY_FIRST_WAIT_SECONDS = 0.2
NOT_READY_LONGEST_WAIT_SECONDS = 2.0


def workflow_not_ready(error: RPCError) -> bool:
    """True for the server's "Workflow Task in failed state": a task of the workflow failed or timed
    out (its worker was killed, say) and no task has completed since. The server takes no update
    until one does, which the next worker to poll brings about; waiting and asking again is right."""
    if error.status != RPCStatusCode.FAILED_PRECONDITION:
        return False
    try:
        details = error.grpc_status.details
    except DecodeError:  # a status we cannot read is not the one we are looking for
        return False
    return any(detail.Is(WorkflowNotReadyFailure.DESCRIPTOR) for detail in details)


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


async def adopt_service_levels(client: Client, levels: ServiceLevels, task_queue: str | None = None) -> list[str]:
    """Tell every running case workflow (on one task queue, or all) that the council's service
    levels are now ``levels``; the ids of the workflows told (decision 0035)."""
    query = "WorkflowType = 'CaseWorkflow' AND ExecutionStatus = 'Running'"
    if task_queue is not None:
        query += f" AND TaskQueue = '{task_queue}'"
    told = []
    async for execution in client.list_workflows(query=query):
        await client.get_workflow_handle(execution.id).signal(CaseWorkflow.adopt_service_levels, levels)
        told.append(execution.id)
    return told


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
    the one update rather than a second. While the workflow's last task failed (the server refuses
    updates until a worker completes one) the call waits and is made again, up to ``patience``;
    then it is ``CaseWorkflowNotReady``. Temporal going away once the update was sent is
    ``CommandOutcomeUnknown``: the update may be recorded, so only the same id can tell.
    """
    handle = client.get_workflow_handle(case_workflow_id(case_id))
    update_id = update_id or str(uuid4())
    deadline = time.monotonic() + patience.total_seconds()
    not_ready_wait = NOT_READY_FIRST_WAIT_SECONDS
    while True:
        try:
            return await handle.execute_update(command_name, fields, id=update_id, result_type=CommandAccepted)
        except WorkflowUpdateFailedError as error:
            raise refusal_from(error) from None
        except WorkflowUpdateRPCTimeoutOrCancelledError:
            if time.monotonic() > deadline:
                raise
        except RPCError as error:
            if error.status in OUTCOME_UNKNOWN:
                raise CommandOutcomeUnknown(error.status) from error
            if not workflow_not_ready(error):
                raise
            if time.monotonic() > deadline:
                raise CaseWorkflowNotReady(
                    "the case's workflow is failing its tasks and takes no command just now; nothing was "
                    "recorded. Operations can see it under /ops/workflow-problems",
                    details={"waited_seconds": round(patience.total_seconds())},
                ) from None
            structlog.get_logger("carecase.client").warning(
                "case_workflow_not_ready", case_id=case_id.hex, command=command_name, wait_seconds=not_ready_wait
            )
            await asyncio.sleep(not_ready_wait)
            not_ready_wait = min(not_ready_wait * 2, NOT_READY_LONGEST_WAIT_SECONDS)
