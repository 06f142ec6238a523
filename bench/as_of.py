"""B3: a case as of any instant, for cases of about 1,000 events, in a store of a million or more.

The big cases are real: weekly direct payments paid for years through the case record. The rest
of the store is filler: the stored events (and as-of index rows) of real generated cases, copied
under new case ids by SQL, so the tables and their indexes are as deep as a million-event store's
while the filling takes seconds rather than an hour. Filler cases are never read back; only the
big cases are reconstructed, at instants drawn uniformly between their first and last event.
"""

from __future__ import annotations

import random
import sqlite3
import time
import uuid
from datetime import timedelta
from typing import Any

from bench.measure import percentiles
from bench.workload import hot_case
from domain.application import CaseRecord


def fill_sqlite(path: str, template_ids: list[uuid.UUID], target_events: int) -> int:
    """Copy the template cases' events and index rows under fresh ids until the store holds
    ``target_events``; returns the count it reached."""
    conn = sqlite3.connect(path)
    try:
        count = conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]
        stored = {row[0] for row in conn.execute("SELECT DISTINCT originator_id FROM case_event_index")}
        # Ids as the recorder writes them (with or without hyphens).
        templates = [t for t in (str(i) for i in template_ids) if t in stored] or [
            t for t in (i.hex for i in template_ids) if t in stored
        ]
        hyphens = "-" in templates[0]
        sizes = {
            t: conn.execute("SELECT COUNT(*) FROM stored_events WHERE originator_id = ?", (t,)).fetchone()[0]
            for t in templates
        }
        while count < target_events:
            conn.execute("BEGIN")
            for _ in range(200):
                template = random.choice(templates)
                new = str(uuid.uuid4()) if hyphens else uuid.uuid4().hex
                conn.execute(
                    "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
                    "SELECT ?, originator_version, topic, state FROM stored_events WHERE originator_id = ?",
                    (new, template),
                )
                conn.execute(
                    "INSERT INTO case_event_index SELECT ?, originator_version, recorded_at_us, chain_hash "
                    "FROM case_event_index WHERE originator_id = ?",
                    (new, template),
                )
                count += sizes[template]
            conn.execute("COMMIT")
        return int(count)
    finally:
        conn.close()


def build_big_cases(record: CaseRecord, cases: int, payments: int) -> list[uuid.UUID]:
    made = []
    for _ in range(cases):
        script = hot_case(payments)
        for command in script.commands:
            record.handle(command)
        made.append(script.case_id)
    return made


def measure(record: CaseRecord, case_ids: list[uuid.UUID], samples: int, seed: int = 1) -> dict[str, Any]:
    rng = random.Random(seed)
    spans = {}
    for case_id in case_ids:
        events = record.stored_events(case_id)
        spans[case_id] = (events[0].timestamp, events[-1].timestamp, len(events))
    latencies = []
    for _ in range(samples):
        case_id = rng.choice(case_ids)
        first, last, _ = spans[case_id]
        instant = first + timedelta(seconds=rng.uniform(0, (last - first).total_seconds()))
        began = time.perf_counter()
        case = record.case_as_of(case_id, instant)
        latencies.append((time.perf_counter() - began) * 1000)
        assert case is not None
    return {
        "cases": len(case_ids),
        "events_per_case": [s[2] for s in spans.values()],
        "latency_ms": percentiles(latencies),
    }
