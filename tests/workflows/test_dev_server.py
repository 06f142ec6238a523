"""The local Temporal dev server: `carecase dev-server` as an operator runs it, the tests' session
server, and the in-process worker the workflow tests use."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from config.temporal_settings import TemporalSettings, temporal_binary
from domain.application import CaseRecord
from tests.builders import Scenario
from tests.postgres_cluster import free_port
from workers.dev_server import DevServerError, register_search_attributes, wait_until_serving
from workers.worker import running_worker
from workflows.activities import CaseActivities
from workflows.messages import RecordCommandInput, RecordedCommand
from workflows.search_attributes import ALL

EXPECTED = {key.name: IndexedValueType.Name(key.indexed_value_type) for key in ALL}
# The last line `carecase dev-server` prints once it is ready for workers.
READY = "  Web UI: http://127.0.0.1:"


def search_attributes(address: str) -> dict[str, str]:
    """Our attributes as the real CLI lists them: name -> INDEXED_VALUE_TYPE_…."""
    listed = subprocess.run(
        [temporal_binary(), "operator", "search-attribute", "list", "--address", address, "--output", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(listed.stdout)["customAttributes"]


class DevServer:
    """`carecase dev-server` in a child process, as an operator would start it."""

    def __init__(self, cwd: Path, db: Path) -> None:
        self.address = f"127.0.0.1:{free_port()}"
        env = {
            **os.environ,
            "CARECASE_TEMPORAL_ADDRESS": self.address,
            "CARECASE_TEMPORAL_UI_PORT": str(free_port()),
            "CARECASE_TEMPORAL_DB": str(db),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "workers.cli", "dev-server"],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            if line is None:
                break
            self.output.append(line)
            if line.startswith(READY):
                return
        self.process.kill()
        raise AssertionError("dev server never became ready:\n" + "".join(self.output))

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=20)


def test_dev_server_registers_the_search_attributes_and_stops_cleanly(tmp_path: Path) -> None:
    db = tmp_path / "var" / "temporal.db"
    server = DevServer(tmp_path, db)
    try:
        server.wait_ready()
        assert search_attributes(server.address) == EXPECTED
        assert f"  gRPC:   {server.address}, namespace default\n" in server.output
    finally:
        status = server.stop()
    assert status == 0
    assert db.exists()

    again = DevServer(tmp_path, db)
    try:
        again.wait_ready()
        assert search_attributes(again.address) == EXPECTED
    finally:
        status = again.stop()
    assert status == 0


@contextmanager
def bare_server(*extra: str) -> Iterator[TemporalSettings]:
    """A dev server started without our search attributes, as on a database file from an older run."""
    settings = TemporalSettings(address=f"127.0.0.1:{free_port()}")
    server = subprocess.Popen(
        [
            temporal_binary(),
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--port",
            str(settings.port),
            "--headless",
            "--log-level",
            "error",
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_serving(temporal_binary(), settings, server)
        yield settings
    finally:
        server.kill()
        server.wait(timeout=20)


def test_missing_search_attributes_are_added_after_start() -> None:
    # `start-dev --search-attribute` ignores the flags for an existing database file.
    with bare_server("--search-attribute", "CaseStage=Keyword") as settings:
        register_search_attributes(temporal_binary(), settings)
        assert search_attributes(settings.address) == EXPECTED


def test_a_search_attribute_registered_with_another_type_is_refused() -> None:
    with (
        bare_server("--search-attribute", "CarersOutstanding=Keyword") as settings,
        pytest.raises(DevServerError, match="CarersOutstanding is registered as INDEXED_VALUE_TYPE_KEYWORD"),
    ):
        register_search_attributes(temporal_binary(), settings)


async def test_the_session_server_has_the_search_attributes(temporal_env: WorkflowEnvironment) -> None:
    client = temporal_env.client
    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    assert {name: IndexedValueType.Name(listed.custom_attributes[name]) for name in EXPECTED} == EXPECTED


@workflow.defn
class RecordOneCommand:
    @workflow.run
    async def run(self, request: RecordCommandInput) -> RecordedCommand:
        return await workflow.execute_activity_method(
            CaseActivities.record_command, request, start_to_close_timeout=timedelta(seconds=30)
        )


async def test_an_in_process_worker_records_commands_through_the_activities(
    client: Client, case_record: CaseRecord, task_queue: str
) -> None:
    referral = Scenario().referral()
    request = RecordCommandInput(command_name=referral.type_name(), command=referral.model_dump(mode="json"))
    async with running_worker(client, case_record, task_queue, workflows=[RecordOneCommand]):
        recorded = await client.execute_workflow(
            RecordOneCommand.run, request, id=f"probe-{task_queue}", task_queue=task_queue
        )
    assert isinstance(recorded, RecordedCommand)
    assert recorded.event_types and recorded.versions[0] == 1
    assert case_record.get_case(referral.case_id).version == recorded.versions[-1]


@workflow.defn
class WaitFourWeeksDayByDay:
    @workflow.run
    async def run(self) -> float:
        started = workflow.now()
        for _ in range(28):
            await workflow.sleep(timedelta(days=1))
        return (workflow.now() - started).total_seconds()


async def test_the_session_server_skips_through_many_timers_quickly(
    client: Client, case_record: CaseRecord, task_queue: str
) -> None:
    # Untuned, the dev server fires each skipped-to timer about a second late: this took half a minute.
    began = time.monotonic()
    async with running_worker(client, case_record, task_queue, workflows=[WaitFourWeeksDayByDay]):
        waited = await client.execute_workflow(
            WaitFourWeeksDayByDay.run, id=f"wait-{task_queue}", task_queue=task_queue
        )
    assert waited >= timedelta(weeks=4).total_seconds()
    assert time.monotonic() - began < 10
