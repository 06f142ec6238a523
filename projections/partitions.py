"""Rebuilding the views in parallel processes, each over its own part of the cases (decision 0048).

Every view keeps rows that belong to one case, worked out from that case's events and its state
alone (decision 0009): no row of one case is read or written because of another case's event.
So the cases can be split into disjoint parts, each part's views rebuilt by a process of its own
from the same notification log (it skips, without decoding, every notification of a case not in
its part), and the parts' rows put together give exactly the rows one process would have built.
What is not per case, the tracking positions, is set once, for all the views, when the parts are
put together.

Each part is rebuilt into a private SQLite file of its own (a folder of mode 0700, removed once
merged), never into the views themselves: the views stay as they were while the parts are built,
and the runner replaces them in one transaction (every view emptied, every part's rows and
quarantined events copied in, every position set to the last notification the parts read), so a
rebuild stopped anywhere leaves the old views whole, not half of the new ones.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from projections.base import Projection
from projections.store import QUARANTINE_TABLE, SQLiteViewStore, ViewCursor

# Opens the record and the views a part is rebuilt with, in the part's own process: a function
# importable by name (or a functools.partial of one), as a spawned process receives it pickled.
Opener = Callable[[], tuple[Any, list[Projection]]]


def part_of(case_id: UUID, parts: int) -> int:
    """The part a case belongs to: its id's number modulo the parts (case ids are random, so the
    parts come out near equal in cases; hot cases may still make them unequal in events)."""
    return case_id.int % parts


@dataclass(frozen=True)
class PartJob:
    """One part of a parallel rebuild: which cases (``part`` of ``parts``), up to which notification
    (``stop``), into which private file."""

    opener: Opener
    part: int
    parts: int
    stop: int
    path: str
    batch: int


def rebuild_part(job: PartJob) -> int:
    """In the part's own process: rebuild the views of the part's cases into its file, from the first
    notification to ``job.stop``. Returns how many notifications of its cases it applied."""
    from projections.runner import ProjectionRunner

    record, views = job.opener()
    store = SQLiteViewStore(job.path)
    try:
        runner = ProjectionRunner(record, store, views)
        runner.owns = lambda case_id: part_of(case_id, job.parts) == job.part
        runner.run_until_caught_up(batch=job.batch, stop=job.stop)
        return runner.applied
    finally:
        store.close()
        close = getattr(record, "close", None)
        if callable(close):
            close()


def build_parts(jobs: Sequence[PartJob]) -> int:
    """Run every part in a process of its own (spawned: nothing of this process's connections is
    shared); the notifications applied, summed over the parts."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(len(jobs)) as pool:
        return sum(pool.map(rebuild_part, jobs, chunksize=1))


def copy_part(path: str, cursor: ViewCursor, projections: Sequence[Projection]) -> None:
    """Copy every row of one part's views, and its quarantined events, into the views being replaced."""
    staged = SQLiteViewStore(path)
    try:
        with staged.read() as source:
            for projection in projections:
                for table in projection.tables:
                    copy_table(source, cursor, table)
            copy_table(source, cursor, QUARANTINE_TABLE)
    finally:
        staged.close()


def copy_table(source: ViewCursor, target: ViewCursor, table: str, chunk: int = 2_000) -> None:
    rows = source.execute(f"SELECT * FROM {table}").fetchall()
    if not rows:
        return
    columns = source.column_names()
    insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    for start in range(0, len(rows), chunk):
        target.executemany(insert, rows[start : start + chunk])


def part_paths(folder: Path, parts: int) -> list[str]:
    return [str(folder / f"part-{part}.sqlite") for part in range(parts)]
