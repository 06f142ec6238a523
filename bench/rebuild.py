"""B2: rebuilding every view from zero, in one process and in parts side by side, against the rate
at which the notification log can merely be read and decoded (the upper bound any projection
runner on this store could reach), and that against a bare eventsourcing log of the same size and
event sizes read and decoded in the same run (the bare baseline).

The machine may be shared: each pair of figures is measured in turns (ours, then the other, and
again), and each figure is the best of its turns, so a burst of someone else's work slows one
turn, not one side. Each figure also gives the CPU seconds it took (the parts' processes
included), which other work on the machine changes far less than the wall clock."""

from __future__ import annotations

import functools
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.append import BareApplication, Stream
from domain.application import CaseRecord
from eventstore.mapper import CanonicalMapper
from policy.catalogue import RuleSetCatalogue
from projections.base import Projection
from projections.catalogue import all_views
from projections.runner import ProjectionRunner
from projections.store import view_store_from_env
from simulation.rule_sets import caseload_councils

TURNS = 3


def record_and_views(env: dict[str, str]) -> tuple[CaseRecord, list[Projection]]:
    """What each process of a parallel rebuild opens (importable by name, so a spawned process can)."""
    return CaseRecord(env, rule_sets=RuleSetCatalogue(caseload_councils())), all_views()


def _rate(read: int, seconds: float, cpu_seconds: float, **more: Any) -> dict[str, Any]:
    return {
        "events": read,
        "seconds": round(seconds, 3),
        "events_per_second": round(read / seconds, 1),
        "cpu_seconds": round(cpu_seconds, 3),
        "events_per_cpu_second": round(read / max(cpu_seconds, 1e-6), 1),
        **more,
    }


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def decode_once(record: CaseRecord, batch: int = 500) -> dict[str, Any]:
    """Read every notification and decode it as the projection runner does: a batch's keys read
    once, each event decoded once."""
    mapper = record.mapper
    assert isinstance(mapper, CanonicalMapper)
    start, read = 1, 0
    began, cpu = time.perf_counter(), time.process_time()
    while page := record.notifications(start=start, limit=batch):
        keys = mapper.keys_for(page)
        for notification in page:
            mapper.to_domain_event(notification, keys)
        read += len(page)
        start = page[-1].id + 1
    return _rate(read, time.perf_counter() - began, time.process_time() - cpu)


def bare_log(folder: str, events: int, mean_event_bytes: int, streams: int) -> BareApplication:
    """A bare eventsourcing log (its own SQLite file) of ``events`` events over ``streams`` streams,
    each event's stored state about ``mean_event_bytes`` long: the library's own aggregate and event,
    one opaque text field, the library's JSON transcoder."""
    app = BareApplication({"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": f"{folder}/bare-b2.sqlite"})
    payload = "x" * max(1, mean_event_bytes - 150)  # the rest of the stored state is the library's own fields
    per_stream, extra = divmod(events, max(1, streams))
    for index in range(max(1, streams)):
        count = per_stream + (1 if index < extra else 0)
        if count == 0:
            continue
        stream = Stream()
        for _ in range(count - 1):
            stream.note(payload=payload)
        app.save(stream)
    return app


def bare_decode_once(app: BareApplication, batch: int = 500) -> dict[str, Any]:
    position, read = 0, 0
    began, cpu = time.perf_counter(), time.process_time()
    while page := app.recorder.select_notifications(start=position + 1, limit=batch):
        for notification in page:
            app.mapper.to_domain_event(notification)
        read += len(page)
        position = page[-1].id
    return _rate(read, time.perf_counter() - began, time.process_time() - cpu)


def _mean_bytes(notifications: list[Any]) -> int:
    return int(sum(len(n.state) for n in notifications) / max(1, len(notifications)))


def decode_against_bare(record: CaseRecord, folder: str) -> dict[str, Any]:
    """Ours and the bare baseline, in turns, each the best of its turns."""
    ours_first = decode_once(record)
    notifications = list(record.notifications(start=1, limit=ours_first["events"] or 1))
    streams = len({n.originator_id for n in notifications})
    app = bare_log(folder, ours_first["events"], _mean_bytes(notifications), streams)
    try:
        ours, bare = [ours_first], []
        for turn in range(TURNS):
            bare.append(bare_decode_once(app))
            if turn:
                ours.append(decode_once(record))
        best_ours = max(ours, key=lambda r: r["events_per_second"])
        best_bare = max(bare, key=lambda r: r["events_per_second"])
        bare_notifications = list(app.recorder.select_notifications(start=1, limit=best_bare["events"] or 1))
        best_bare["mean_event_bytes"] = _mean_bytes(bare_notifications)
        best_bare["streams"] = streams
        best_ours["mean_event_bytes"] = _mean_bytes(notifications)
    finally:
        app.close()
    ours_cpu = max(r["events_per_cpu_second"] for r in ours)
    bare_cpu = max(r["events_per_cpu_second"] for r in bare)
    return {
        "decode": best_ours,
        "bare_decode": best_bare,
        "decode_ratio_to_bare": round(best_ours["events_per_second"] / best_bare["events_per_second"], 3),
        "decode_ratio_to_bare_by_cpu": round(ours_cpu / bare_cpu, 3),
        "turns": TURNS,
    }


def rebuild_rate(
    record: CaseRecord, env: dict[str, str], views: list[Any] | None = None, processes: int = 1
) -> dict[str, Any]:
    store = view_store_from_env(env)
    runner = ProjectionRunner(record, store, views if views is not None else all_views())
    opener = functools.partial(record_and_views, env) if processes > 1 else None
    began, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
    read = runner.rebuild(batch=500, processes=processes, opener=opener)
    seconds = time.perf_counter() - began
    parent_cpu, parts_cpu = time.process_time() - cpu, _children_cpu() - children
    loads = runner.states.loads
    store.close()
    return _rate(
        read,
        seconds,
        parent_cpu + parts_cpu,
        processes=processes,
        cases_reloaded_from_store=loads,
        parts_cpu_seconds=round(parts_cpu, 3),
    )


def rebuild_serial_and_parallel(record: CaseRecord, env: dict[str, str], processes: int = 2) -> dict[str, Any]:
    """Every view rebuilt in one process and in ``processes`` parts, in turns, each the best of two.
    The parallel figure includes starting its processes (each imports the product and opens the
    record) and merging their rows into the views."""
    serial, parallel = [], []
    for _ in range(2):
        serial.append(rebuild_rate(record, env))
        parallel.append(rebuild_rate(record, env, processes=processes))
    return {
        "rebuild": max(serial, key=lambda r: r["events_per_second"]),
        "rebuild_parallel": max(parallel, key=lambda r: r["events_per_second"]),
    }


def per_view(record: CaseRecord, env: dict[str, str]) -> dict[str, float]:
    """Each view rebuilt alone, to show which one bounds the rest."""
    return {view.name: rebuild_rate(record, env, [view])["events_per_second"] for view in all_views()}


def run(store_file: str, folder: str | None = None) -> dict[str, Any]:
    """B2 on a copy of B1's SQLite store (the rebuild writes the views into the store's file)."""
    work = Path(folder or tempfile.mkdtemp(prefix="carecase-b2-"))
    copy = work / "b2.sqlite"
    shutil.copyfile(store_file, copy)
    env = {"PERSISTENCE_MODULE": "eventstore.sqlite", "SQLITE_DBNAME": str(copy), "SQLITE_LOCK_TIMEOUT": "30"}
    record = record_and_views(env)[0]
    try:
        decoded = decode_against_bare(record, str(work))
        rebuilt = rebuild_serial_and_parallel(record, env)
        return {
            **decoded,
            **rebuilt,
            "per_view_events_per_second": per_view(record, env),
            "ratio_to_decode": round(
                rebuilt["rebuild"]["events_per_second"] / decoded["decode"]["events_per_second"], 3
            ),
        }
    finally:
        record.close()
