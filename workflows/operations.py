"""What operations can ask Temporal about a stuck case, and the one thing they can do there: retry.

Workflow-level problems are of two kinds. A workflow task that keeps failing (a bug, a
non-determinism) is reported by the server itself in the ``TemporalReportedProblems`` search
attribute, so finding them is one visibility query however many cases there are. An activity
that keeps failing (the database away, say) is retried by the server with backoff and is seen
only by describing the workflow; that costs one call per workflow, so the scan is bounded and
can be narrowed with a visibility query (by team, stage, or a list of case ids).
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import ResetActivityRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

RUNNING_CASES = "WorkflowType IN ('CaseWorkflow', 'PaymentsWorkflow') AND ExecutionStatus = 'Running'"


class WorkflowProblem(BaseModel):
    workflow_id: str
    case_id: str | None
    kind: str  # activity_retrying | workflow_task_failing
    activity: str | None = None
    activity_id: str | None = None
    attempt: int
    last_failure: str | None = None


def case_of(workflow_id: str) -> str | None:
    # case-<hex>, and case-<hex>/payments/<agreement> for its payments: the hex is the case id.
    head = workflow_id.split("/", 1)[0]
    return head[5:] if head.startswith("case-") and len(head) == 37 else None


async def _describe(client: Client, workflow_id: str) -> list[WorkflowProblem]:
    description = await client.get_workflow_handle(workflow_id).describe()
    raw = description.raw_description
    found = []
    for pending in raw.pending_activities:
        if pending.attempt > 1:
            found.append(
                WorkflowProblem(
                    workflow_id=workflow_id,
                    case_id=case_of(workflow_id),
                    kind="activity_retrying",
                    activity=pending.activity_type.name,
                    activity_id=pending.activity_id,
                    attempt=pending.attempt,
                    last_failure=pending.last_failure.message or None,
                )
            )
    task = raw.pending_workflow_task
    if raw.HasField("pending_workflow_task") and task.attempt > 1:
        found.append(
            WorkflowProblem(
                workflow_id=workflow_id,
                case_id=case_of(workflow_id),
                kind="workflow_task_failing",
                attempt=task.attempt,
            )
        )
    return found


async def workflow_problems(client: Client, narrow: str | None = None, scan: int = 500) -> dict[str, Any]:
    """Failing workflow tasks (from visibility, unbounded) and retrying activities (a bounded scan)."""
    query = RUNNING_CASES + (f" AND ({narrow})" if narrow else "")
    reported = [w.id async for w in client.list_workflows(f"{query} AND TemporalReportedProblems IS NOT NULL")]
    scanned = [w.id async for w in client.list_workflows(query, limit=scan)]
    ids = list(dict.fromkeys(reported + scanned))
    found: list[WorkflowProblem] = []
    for start in range(0, len(ids), 50):
        for problems in await asyncio.gather(*(_describe(client, i) for i in ids[start : start + 50])):
            found.extend(problems)
    return {
        "scanned": len(scanned),
        "scan_limit": scan,
        "reported_by_server": reported,
        "problems": [p.model_dump() for p in found],
    }


async def retry_activities(client: Client, workflow_ids: list[str]) -> list[dict[str, Any]]:
    """Reset each retrying activity of these workflows: attempts back to one and run now, not after
    the backoff. Returns each activity found retrying with ``result`` ``reset``, or
    ``finished_meanwhile`` when its own next attempt completed between being found and being reset
    (the server no longer holds it as pending: nothing is left to retry)."""
    reset = []
    for workflow_id in workflow_ids:
        try:
            problems = await _describe(client, workflow_id)
        except Exception:  # a finished or unknown child: nothing to retry there
            continue
        for problem in problems:
            if problem.kind != "activity_retrying" or problem.activity_id is None:
                continue
            found = {"workflow_id": workflow_id, "activity": problem.activity, "attempt": problem.attempt}
            try:
                await client.workflow_service.reset_activity(
                    ResetActivityRequest(
                        namespace=client.namespace,
                        execution=WorkflowExecution(workflow_id=workflow_id),
                        id=problem.activity_id,
                        identity="carecase-ops",
                    )
                )
            except RPCError as error:
                if error.status != RPCStatusCode.NOT_FOUND:
                    raise
                reset.append({**found, "result": "finished_meanwhile"})
                continue
            reset.append({**found, "result": "reset"})
    return reset
