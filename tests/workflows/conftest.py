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
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

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
            pytest.fail(
                f"did not finish within {seconds} s: is a workflow stuck? "
                "Look for failed workflow tasks in its history (temporal workflow show)."
            )

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
