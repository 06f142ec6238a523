"""B1: commands appended through the case record vs bare `eventsourcing` saves of equally sized events.

Ours: `CaseRecord.handle` per command (load the case from its latest snapshot, check every rule,
hash-chain the events, write events, the as-of index and any payment outbox row in one
transaction). Bare: `Application.save` of an aggregate kept in memory, whose events carry a
payload as large as our events' mean stored size, the same number of events per stream and per
save, on the same number of writer threads. In both runs a catch-up reader follows the log
from a process of its own while the writers write (ours: the projection runner with every view;
bare: decoding every notification), as a deployment would have it.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.measure import percentiles
from bench.workload import stream_shape
from domain.application import CaseRecord
from domain.canonical import GENESIS_HASH, chain_hash
from policy.catalogue import RuleSetCatalogue
from projections.catalogue import all_views
from projections.runner import ProjectionRunner
from projections.store import view_store_from_env
from simulation.caseload import CaseScript
from simulation.rule_sets import caseload_councils

Work = TypeVar("Work")  # one stream's writes: a case's script, or a bare stream's save sizes


class Stream(Aggregate):
    """The bare baseline's aggregate: one event type carrying an opaque payload."""

    @event("Noted")
    def note(self, payload: str) -> None:
        pass


class BareApplication(Application[Any]):
    pass


def follow_with_views(env: dict[str, str], stop: Any) -> None:
    """Our catch-up reader, in its own process as in a deployment: the projection runner, every view."""
    record = CaseRecord(env, rule_sets=RuleSetCatalogue(caseload_councils()))
    ProjectionRunner(record, view_store_from_env(env), all_views()).run_forever(stop, poll_interval=0.05)


def follow_by_decoding(env: dict[str, str], stop: Any) -> None:
    """The bare run's catch-up reader, in its own process: read and decode every notification."""
    app = BareApplication(env)
    position = 0
    while not stop.is_set():
        page = app.recorder.select_notifications(start=position + 1, limit=500)
        for notification in page:
            app.mapper.to_domain_event(notification)
        if page:
            position = page[-1].id
        else:
            stop.wait(0.05)


def _writers(
    scripts: Sequence[Work], threads: int, write_one: Callable[[Work], list[float]]
) -> tuple[list[float], float]:
    work: queue.Queue[Work] = queue.Queue()
    for script in scripts:
        work.put(script)
    latencies: list[float] = []
    lock = threading.Lock()
    failures: list[BaseException] = []

    def run() -> None:
        mine: list[float] = []
        try:
            while True:
                try:
                    script = work.get_nowait()
                except queue.Empty:
                    break
                mine += write_one(script)
        except BaseException as error:  # surfaced after join
            failures.append(error)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if failures:
        raise failures[0]
    return latencies, time.perf_counter() - started


def run_ours(env: dict[str, str], scripts: list[CaseScript], threads: int) -> dict[str, Any]:
    record = CaseRecord(env, rule_sets=RuleSetCatalogue(caseload_councils()))
    ProjectionRunner(record, view_store_from_env(env), all_views()).store.close()  # the views' tables, first
    stop = multiprocessing.get_context("spawn").Event()
    reader = multiprocessing.get_context("spawn").Process(target=follow_with_views, args=(env, stop))
    reader.start()
    saves: dict[Any, list[int]] = {}

    def write_one(script: CaseScript) -> list[float]:
        took, counts = [], []
        for command in script.commands:
            start = time.perf_counter()
            outcome = record.handle(command)
            took.append((time.perf_counter() - start) * 1000)
            counts.append(len(outcome.events))
        saves[script.case_id] = counts
        return took

    latencies, seconds = _writers(scripts, threads, write_one)
    events_per_case = {case: sum(counts) for case, counts in saves.items()}
    total_events = record.last_position()
    views = view_store_from_env(env)
    names = [v.name for v in all_views()]
    lag_at_end = total_events - min(views.positions(names).values())
    caught_up_started = time.perf_counter()
    while min(views.positions(names).values()) < total_events:
        time.sleep(0.05)
    stop.set()
    reader.join()
    sizes = _mean_event_bytes(record)
    chain = _chain_cost(record)
    views.close()
    record.close()
    return {
        "commands": len(latencies),
        "events": sum(events_per_case.values()),
        "seconds": round(seconds, 3),
        "events_per_second": round(sum(events_per_case.values()) / seconds, 1),
        "commands_per_second": round(len(latencies) / seconds, 1),
        "latency_ms": percentiles(latencies),
        "mean_event_bytes": sizes,
        "chain_ms_per_event": chain,
        "reader_lag_at_end_events": lag_at_end,
        "reader_catch_up_after_writes_s": round(time.perf_counter() - caught_up_started, 3),
        "shape": stream_shape(events_per_case),
        "saves": saves,
    }


def _chain_cost(record: CaseRecord, sample: int = 5_000) -> float:
    """What the hash chain costs alone, per event: each stored event's link recomputed from its
    stored state (the canonical encoding and SHA-256 the command also does), nothing else."""
    notifications = record.notifications(start=1, limit=sample)
    states = [
        (n.topic, UUID(str(n.originator_id)).hex, n.originator_version, record.decode_state(n)) for n in notifications
    ]
    began = time.perf_counter()
    for topic, case_hex, version, state in states:
        chain_hash(GENESIS_HASH, topic, case_hex, version, state)
    return round((time.perf_counter() - began) * 1000 / max(1, len(states)), 4)


def _mean_event_bytes(record: CaseRecord) -> int:
    notifications = record.notifications(start=1, limit=5_000)
    return int(sum(len(n.state) for n in notifications) / max(1, len(notifications)))


def run_bare(env: dict[str, str], per_case: dict[Any, list[int]], threads: int, event_bytes: int) -> dict[str, Any]:
    """Replays the same shape: for each stream, the same sequence of saves with the same event counts."""
    app = BareApplication(env)
    payload = "x" * max(1, event_bytes - 150)  # the rest of the stored state is the library's own fields
    stop = multiprocessing.get_context("spawn").Event()
    follower = multiprocessing.get_context("spawn").Process(target=follow_by_decoding, args=(env, stop))
    follower.start()
    streams = list(per_case.values())

    def write_one(saves: list[int]) -> list[float]:
        took = []
        stream: Stream | None = None
        for count in saves:
            start = time.perf_counter()
            for _ in range(count):
                if stream is None:
                    stream = Stream()
                else:
                    stream.note(payload=payload)
            app.save(stream)
            took.append((time.perf_counter() - start) * 1000)
        return took

    latencies, seconds = _writers(streams, threads, write_one)
    events = app.recorder.max_notification_id() or 0
    stop.set()
    follower.join()
    stored = app.recorder.select_notifications(start=1, limit=1000)
    app.close()
    return {
        "saves": len(latencies),
        "events": events,
        "seconds": round(seconds, 3),
        "events_per_second": round(events / seconds, 1),
        "latency_ms": percentiles(latencies),
        "mean_event_bytes": int(sum(len(n.state) for n in stored) / max(1, len(stored))),
    }
