"""B2: rebuilding every view from zero, against the rate at which the notification log can merely
be read and decoded (the upper bound any projection runner on this store could reach)."""

from __future__ import annotations

import time
from typing import Any

from domain.application import CaseRecord
from projections.catalogue import all_views
from projections.runner import ProjectionRunner
from projections.store import view_store_from_env


def decode_rate(record: CaseRecord, batch: int = 500) -> dict[str, Any]:
    start, read = 1, 0
    began = time.perf_counter()
    while True:
        page = record.notifications(start=start, limit=batch)
        if not page:
            break
        for notification in page:
            record.mapper.to_domain_event(notification)
        read += len(page)
        start = page[-1].id + 1
    seconds = time.perf_counter() - began
    return {"events": read, "seconds": round(seconds, 3), "events_per_second": round(read / seconds, 1)}


def rebuild_rate(record: CaseRecord, env: dict[str, str], views: list[Any] | None = None) -> dict[str, Any]:
    store = view_store_from_env(env)
    runner = ProjectionRunner(record, store, views if views is not None else all_views())
    began = time.perf_counter()
    read = runner.rebuild(batch=500)
    seconds = time.perf_counter() - began
    loads = runner.states.loads
    store.close()
    return {
        "events": read,
        "seconds": round(seconds, 3),
        "events_per_second": round(read / seconds, 1),
        "cases_reloaded_from_store": loads,
    }


def per_view(record: CaseRecord, env: dict[str, str]) -> dict[str, float]:
    """Each view rebuilt alone, to show which one bounds the rest."""
    return {view.name: rebuild_rate(record, env, [view])["events_per_second"] for view in all_views()}
