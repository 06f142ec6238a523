"""B4: whole lifecycles through Temporal (a dev server and one worker, as `carecase run` has them),
and the round trip of a command update against an empty update on the same server.

A lifecycle is referral to closure for an adult and one carer: 26 commands, each an update to the
case's workflow, sent by ``concurrency`` callers at once, each caller running cases one after
another. The baseline sends the same number of updates, from the same number of callers, to a
workflow whose update handler returns at once.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
import uuid
from collections import Counter
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from bench.measure import own_cpu_seconds, percentiles, process_cpu_seconds, process_peak_mib
from bench.probe_workflow import EmptyUpdateWorkflow
from config.bootstrap import build_data_converter
from config.payload_keys import PayloadKeySettings
from config.temporal_settings import TemporalSettings, temporal_binary
from domain.application import CaseRecord
from domain.commands import CaseCommand
from simulation.scenario import ADULT, PANEL, Scenario, plan_for
from workers.dev_server import dev_server_command, register_search_attributes, wait_until_serving
from workers.worker import build_worker, workflow_classes
from workflows.case_workflow import case_workflow_id
from workflows.client import send_command, start_case


def lifecycle(s: Scenario) -> list[CaseCommand]:
    steps = list(s.up_to_planning(carers=("carer-1",)))
    steps += [
        s.draft(plan=plan_for(ADULT, weekly_hours=7, management="council_managed")),
        s.draft(
            "carer-1", plan=plan_for("carer-1", weekly_hours=1, unit_cost_pence=9_000, management="council_managed")
        ),
    ]
    for person in (ADULT, "carer-1"):
        steps += [s.submit(person), s.sign_off(person, route="panel", actor=PANEL)]
    steps.append(s.close())
    return steps


def fields(command: CaseCommand) -> dict[str, Any]:
    return command.model_dump(mode="json", exclude={"case_id", "command_id"})


async def history_per_update(client: Client, case_ids: list[uuid.UUID], updates: int) -> dict[str, Any]:
    """The case workflows' history events, by type, per command update (decision 0049 counts them)."""
    kinds: Counter[str] = Counter()
    for case_id in case_ids:
        history = await client.get_workflow_handle(case_workflow_id(case_id)).fetch_history()
        kinds.update(EventType.Name(event.event_type).removeprefix("EVENT_TYPE_") for event in history.events)
    return {
        "history_events_per_update": round(kinds.total() / updates, 2),
        "by_type_per_update": {kind: round(n / updates, 2) for kind, n in kinds.most_common()},
    }


async def _lifecycles(
    client: Client, queue: str, cases: int, concurrency: int
) -> tuple[list[float], float, list[uuid.UUID]]:
    latencies: list[float] = []
    todo = list(range(cases))
    case_ids: list[uuid.UUID] = []

    async def caller() -> None:
        while todo:
            todo.pop()
            s = Scenario()
            case_ids.append(s.case_id)
            await start_case(client, s.case_id, queue)
            for command in lifecycle(s):
                began = time.perf_counter()
                await send_command(client, s.case_id, command.type_name(), fields(command))
                latencies.append((time.perf_counter() - began) * 1000)

    began = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    return latencies, time.perf_counter() - began, case_ids


async def _empty(client: Client, queue: str, updates: int, concurrency: int) -> list[float]:
    latencies: list[float] = []
    per_caller = updates // concurrency

    async def caller() -> None:
        handle = await client.start_workflow(EmptyUpdateWorkflow.run, id=f"probe-{uuid.uuid4().hex}", task_queue=queue)
        for _ in range(per_caller):
            began = time.perf_counter()
            await handle.execute_update(EmptyUpdateWorkflow.ping)
            latencies.append((time.perf_counter() - began) * 1000)
        await handle.signal(EmptyUpdateWorkflow.finish)

    await asyncio.gather(*(caller() for _ in range(concurrency)))
    return latencies


async def _run(
    record: CaseRecord, settings: TemporalSettings, cases: int, concurrency: int, server_pid: int
) -> dict[str, Any]:
    # Encrypted as production is (a key for this run only): the benchmark pays the codec's cost too.
    converter = build_data_converter(PayloadKeySettings.generate())
    client = await Client.connect(settings.address, data_converter=converter)
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    async with build_worker(client, record, queue, workflows=[*workflow_classes(), EmptyUpdateWorkflow]):
        await _lifecycles(client, queue, max(1, concurrency), concurrency)  # warm-up: imports, caches
        cpu = (own_cpu_seconds(), process_cpu_seconds(server_pid))
        latencies, seconds, case_ids = await _lifecycles(client, queue, cases, concurrency)
        cpu_used = {
            "worker_and_callers": round(own_cpu_seconds() - cpu[0], 2),
            "dev_server": round((process_cpu_seconds(server_pid) or 0) - (cpu[1] or 0), 2),
        }
        cpu = (own_cpu_seconds(), process_cpu_seconds(server_pid))
        empty = await _empty(client, queue, len(latencies), concurrency)
        cpu_empty = {
            "worker_and_callers": round(own_cpu_seconds() - cpu[0], 2),
            "dev_server": round((process_cpu_seconds(server_pid) or 0) - (cpu[1] or 0), 2),
        }
        history = await history_per_update(client, case_ids, len(latencies))
    load_average = os.getloadavg()[0]
    return {
        "cpu_seconds_during_lifecycles": cpu_used,
        # The same number of updates to the empty workflow: the floor under each side's CPU.
        "cpu_seconds_during_empty_updates": cpu_empty,
        "lifecycles": cases,
        "concurrency": concurrency,
        "seconds": round(seconds, 3),
        "lifecycles_per_second": round(cases / seconds, 2),
        "updates": len(latencies),
        "update_ms": percentiles(latencies),
        "empty_update_ms": percentiles(empty),
        **history,
        # The machine is shared: the 1-minute load average just after the run says how much.
        "load_average_1min": round(load_average, 2),
    }


def run(record: CaseRecord, folder: str, ports: tuple[int, int], cases: int, concurrency: int) -> dict[str, Any]:
    settings = TemporalSettings(address=f"127.0.0.1:{ports[0]}", ui_port=ports[1], db_filename=f"{folder}/temporal.db")  # type: ignore[arg-type]
    binary = temporal_binary()
    server = subprocess.Popen(
        dev_server_command(settings, binary=binary),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until_serving(binary, settings, server)
        register_search_attributes(binary, settings)
        result = asyncio.run(_run(record, settings, cases, concurrency, server.pid))
        result["dev_server_peak_mib"] = process_peak_mib(server.pid)
        return result
    finally:
        server.terminate()
        server.wait(timeout=30)
