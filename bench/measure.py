"""Small measuring tools shared by the benchmarks: percentiles, timers, peak memory."""

from __future__ import annotations

import math
import os
import resource
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    """p50/p95/p99 and mean of latencies in milliseconds (nearest-rank on the sorted samples)."""
    if not samples_ms:
        return {"n": 0}
    ordered = sorted(samples_ms)

    def rank(p: float) -> float:
        # Nearest rank: the smallest sample with at least p% of the samples at or below it.
        return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 3)

    return {
        "n": len(ordered),
        "p50": rank(50),
        "p95": rank(95),
        "p99": rank(99),
        "mean": round(statistics.fmean(ordered), 3),
        "max": round(ordered[-1], 3),
    }


@contextmanager
def stopwatch() -> Iterator[dict[str, float]]:
    took: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield took
    finally:
        took["seconds"] = time.perf_counter() - start


def peak_rss_mib() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def process_peak_mib(pid: int) -> float | None:
    """Another process's peak resident memory (VmHWM), while it is still running."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def figure(
    name: str, value: float, unit: str, limit: str, met: bool | None, method: str, **extra: Any
) -> dict[str, Any]:
    return {"figure": name, "value": value, "unit": unit, "limit": limit, "met": met, "method": method, **extra}


def process_cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time another process has used (from /proc/<pid>/stat)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return round((int(fields[11]) + int(fields[12])) / ticks, 2)


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return round(usage.ru_utime + usage.ru_stime, 2)
