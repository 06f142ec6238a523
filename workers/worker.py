"""`carecase worker`: the Temporal worker process, wired by ``config.bootstrap``.

It hosts the case and payment workflows and the activities that write to the case record.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import traceback
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, NoReturn

import structlog
from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Interceptor, UnsandboxedWorkflowRunner, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from config.bootstrap import build_case_record, connect_temporal, registered_councils
from config.councils import task_queue_of
from config.payload_keys import PayloadKeysError
from config.settings import Settings
from config.temporal_settings import TemporalSettings
from domain.application import CaseRecord
from workflows.activities import CaseActivities

# The case record is synchronous: activities run in threads, and the worker takes no more
# activity tasks (nor local activities) than there are threads, so none waits in the pool while
# its timeout runs.
ACTIVITY_THREADS = 16
# Regular and local activities (decision 0049) share one pool: room for both at once.
WORKER_THREADS = 2 * ACTIVITY_THREADS

# Already deterministic (or only used by activities) and slow to re-import for every workflow run.
# cryptography (the payload codec's, which runs outside workflows) cannot be imported a second time.
PASSTHROUGH_MODULES = ("domain", "eventstore", "policy", "pydantic", "eventsourcing", "structlog", "cryptography")


def workflow_classes() -> list[type]:
    # Imported on call so this module loads (and its tests run) while the workflows are being written.
    from workflows.case_workflow import CaseWorkflow
    from workflows.payments import PaymentsWorkflow

    return [CaseWorkflow, PaymentsWorkflow]


def activities_of(instance: object) -> list[Any]:
    """Every ``@activity.defn`` method of the instance, so a new activity cannot be left unregistered."""
    return [
        getattr(instance, name)
        for name, member in vars(type(instance)).items()
        if activity._Definition.from_callable(member) is not None
    ]


def workflow_runner() -> Any:
    """The sandbox by default; ``CARECASE_WORKFLOW_SANDBOX=off`` runs workflows without it
    (decision 0012: the sandbox costs most of a worker's CPU per update)."""
    if os.environ.get("CARECASE_WORKFLOW_SANDBOX", "on") == "off":
        return UnsandboxedWorkflowRunner()
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH_MODULES)
    )


def build_worker(
    client: Client,
    record: CaseRecord,
    task_queue: str,
    *,
    workflows: Sequence[type] | None = None,
    activity_executor: Executor | None = None,
    interceptors: Sequence[Interceptor] = (),
) -> Worker:
    return Worker(
        client,
        task_queue=task_queue,
        workflows=list(workflows) if workflows is not None else workflow_classes(),
        activities=activities_of(CaseActivities(record)),
        activity_executor=activity_executor or ThreadPoolExecutor(max_workers=WORKER_THREADS),
        max_concurrent_activities=ACTIVITY_THREADS,
        max_concurrent_local_activities=ACTIVITY_THREADS,
        workflow_runner=workflow_runner(),
        # Lets a running activity finish its write to the case record when the worker is stopped.
        graceful_shutdown_timeout=timedelta(seconds=10),
        interceptors=list(interceptors),
    )


@asynccontextmanager
async def running_worker(
    client: Client,
    record: CaseRecord,
    task_queue: str,
    *,
    workflows: Sequence[type] | None = None,
    interceptors: Sequence[Interceptor] = (),
) -> AsyncIterator[Worker]:
    """A worker polling for the duration of the block, then shut down with its thread pool."""
    with ThreadPoolExecutor(max_workers=WORKER_THREADS) as executor:
        async with build_worker(
            client, record, task_queue, workflows=workflows, activity_executor=executor, interceptors=interceptors
        ) as worker:
            yield worker


async def serve(settings: Settings, temporal_settings: TemporalSettings) -> int:
    """Run the worker until SIGINT/SIGTERM or until it fails; the process's exit status. It serves
    the configured council's task queue and, in the same process, every other council's
    (``<queue>.<CODE>``), each council's activities writing to its own partition (decision 0040)."""
    record = build_case_record(settings, publish_shipped=True)
    councils = [
        (task_queue_of(temporal_settings.task_queue, council.code), build_case_record(cs, publish_shipped=True))
        for council, cs in registered_councils()
    ]
    log = structlog.get_logger("carecase.worker").bind(
        address=temporal_settings.address,
        namespace=temporal_settings.namespace,
        task_queue=temporal_settings.task_queue,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        try:
            client = await connect_temporal(temporal_settings)
        except PayloadKeysError as error:  # names the setting, never a key; no traceback to carry one
            log.error("worker_payload_keys_invalid", error=str(error))
            return 1
        except RuntimeError as error:
            log.error("worker_cannot_connect", error=str(error))
            return 1
        with ThreadPoolExecutor(max_workers=WORKER_THREADS * (1 + len(councils))) as executor:
            workflows = workflow_classes()
            workers = [
                build_worker(client, served, queue, workflows=workflows, activity_executor=executor)
                for queue, served in [(temporal_settings.task_queue, record), *councils]
            ]
            running = [asyncio.create_task(worker.run()) for worker in workers]
            log.info(
                "worker_started",
                workflows=[w.__name__ for w in workflows],
                store=settings.store,
                council_task_queues=[queue for queue, _ in councils],
            )
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({*running, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not all(r.done() for r in running):
                log.info("worker_stopping")
            await asyncio.gather(*(w.shutdown() for w, r in zip(workers, running, strict=True) if not r.done()))
            stopping.cancel()
            await asyncio.gather(*running)
    except Exception as error:
        log.error("worker_failed", error=str(error), exc_info=True)
        return 1
    finally:
        record.close()
        for _, served in councils:
            served.close()
    log.info("worker_stopped")
    return 0


def run_worker(settings: Settings, temporal_settings: TemporalSettings) -> NoReturn:
    from config.tracing import configure_tracing, stop_tracing

    status = 1
    configure_tracing("carecase-worker")
    try:
        status = asyncio.run(serve(settings, temporal_settings))
    except BaseException:
        traceback.print_exc()
    finally:
        stop_tracing()  # the spans not yet exported go now
        # The SDK's Rust threads can crash the interpreter during a normal exit (134/139).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
