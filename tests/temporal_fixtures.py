"""Temporal fixtures shared by the workflow and API tests: one real dev server for the session
(our search attributes, per-workflow time skipping), and a fresh task queue, case record and
in-process worker per test. Registered from the root conftest."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from config.bootstrap import build_data_converter
from config.payload_keys import PayloadKeySettings
from config.temporal_settings import temporal_binary
from domain.application import CaseRecord
from domain.commands import CouncilSettings
from domain.payment_schedule import DUE_TIME
from policy.catalogue import RuleSetCatalogue
from workers.dev_server import TIME_SKIPPING_ARGS
from workers.worker import running_worker
from workflows.search_attributes import ALL

# One payload key for the session: every client, worker and replayer of the tests encrypts what the
# server stores, as production does (decision 0023); a worker process gets it in its environment.
PAYLOAD_KEYS = PayloadKeySettings.generate("test-session")
DATA_CONVERTER = build_data_converter(PAYLOAD_KEYS)


# One server and one event loop for the session: every workflow test and worker runs on that loop.
@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_time_skipping_v2(
        data_converter=DATA_CONVERTER,
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
    """The environment's client: pydantic payloads, encrypted, and it stamps time skipping on workflows it starts."""
    return temporal_env.client


@pytest.fixture
def task_queue(request: pytest.FixtureRequest) -> str:
    # Unique per test, so a workflow is never picked up by another test's worker; named for the UI.
    return f"{request.node.name[:60]}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def case_record(
    sqlite_env: dict[str, str], catalogue: RuleSetCatalogue, council: CouncilSettings
) -> Iterator[CaseRecord]:
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


async def bring_todays_slot_due(env: WorkflowEnvironment, payments: WorkflowHandle[Any, Any]) -> None:
    """A slot falls due at 09:00 UTC on its date (``domain.payment_schedule.due_at``). Before nine, a
    slot due today is not due yet, whatever a test expects of "the slot due today": move only this
    payments workflow's clock on to just past nine. From nine on this does nothing, so a test reads
    the same at any hour. The workflow is started by its case's workflow a moment after the
    agreement is recorded: wait (bounded) for it to exist first."""
    now = datetime.now(UTC)
    nine = datetime.combine(now.date(), DUE_TIME)
    if now >= nine:
        return
    for _ in range(200):
        try:
            await payments.describe()
            break
        except RPCError:
            await asyncio.sleep(0.05)
    assert await env.fast_forward(payments, nine - now + timedelta(minutes=1))
