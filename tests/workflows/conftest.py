"""Workflow tests run against a real Temporal dev server: one for the whole session, with our
search attributes and per-workflow time skipping; a fresh task queue, case record and in-process
worker for each test.

    async def test_something(temporal_env, worker, task_queue):
        handle = await temporal_env.client.start_workflow(..., task_queue=task_queue)
        await temporal_env.fast_forward(handle, timedelta(days=28))
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.application import CaseRecord
from domain.commands import CouncilSettings
from policy.catalogue import RuleSetCatalogue
from workers.dev_server import TIME_SKIPPING_ARGS
from workers.temporal_settings import temporal_binary
from workers.worker import running_worker
from workflows.search_attributes import ALL

HERE = Path(__file__).parent

# A stuck workflow (e.g. a workflow task failing on a sandbox restriction, retried for ever) makes
# the test wait for ever; this turns the wait into a failure that shows the await it hung on.
WORKFLOW_TEST_TIMEOUT_SECONDS = 60


def bounded(test: Callable[..., Awaitable[None]], seconds: float) -> Callable[..., Awaitable[None]]:
    @functools.wraps(test)
    async def run(*args: object, **kwargs: object) -> None:
        try:
            await asyncio.wait_for(test(*args, **kwargs), seconds)
        except TimeoutError:
            pytest.fail(f"did not finish within {seconds} s: is a workflow stuck? "
                        "Look for failed workflow tasks in its history (temporal workflow show).")
    return run


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A conftest's own `pytestmark` does not reach the test modules beside it.
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.workflow)
            if isinstance(item, pytest.Function) and inspect.iscoroutinefunction(item.obj):
                # A test that needs longer says so with @pytest.mark.workflow_timeout(seconds).
                marker = item.get_closest_marker("workflow_timeout")
                item.obj = bounded(item.obj, marker.args[0] if marker else WORKFLOW_TEST_TIMEOUT_SECONDS)


# One server and one event loop for the session: every workflow test and worker runs on that loop.
@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping_v2(
        data_converter=pydantic_data_converter,
        search_attributes=ALL,
        dev_server_existing_path=temporal_binary(),
        dev_server_extra_args=list(TIME_SKIPPING_ARGS),
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
def client(temporal_env: WorkflowEnvironment) -> Client:
    """The environment's client: pydantic payloads, and it stamps time skipping on workflows it starts."""
    return temporal_env.client


@pytest.fixture
def task_queue(request: pytest.FixtureRequest) -> str:
    # Unique per test, so a workflow is never picked up by another test's worker; named for the UI.
    return f"{request.node.name[:60]}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def case_record(sqlite_env: dict[str, str], catalogue: RuleSetCatalogue,
                council: CouncilSettings) -> Iterator[CaseRecord]:
    """A fresh case record on an SQLite file, with the real clock (no SteppingClock: Temporal owns time here)."""
    record = CaseRecord(sqlite_env, rule_sets=catalogue, council=council)
    try:
        yield record
    finally:
        record.close()


@pytest_asyncio.fixture(loop_scope="session")
async def worker(client: Client, case_record: CaseRecord, task_queue: str) -> AsyncIterator[Worker]:
    """The production worker (CaseWorkflow, PaymentsWorkflow, CaseActivities) on this test's task queue."""
    async with running_worker(client, case_record, task_queue) as running:
        yield running
