"""The benchmark's percentiles are nearest-rank percentiles (the figures in docs/benchmarks.md use them)."""

from __future__ import annotations

import pytest

from bench.measure import percentiles

pytestmark = pytest.mark.unit


def test_percentiles_are_nearest_rank_on_the_sorted_samples():
    samples = [float(n) for n in range(100, 0, -1)]  # 100 … 1, unsorted on purpose
    assert percentiles(samples) == {"n": 100, "p50": 50.0, "p95": 95.0, "p99": 99.0, "mean": 50.5, "max": 100.0}
    assert percentiles([7.0]) == {"n": 1, "p50": 7.0, "p95": 7.0, "p99": 7.0, "mean": 7.0, "max": 7.0}
    assert percentiles([]) == {"n": 0}
