"""`make bench` (`python -m bench [--scale N]`): run every benchmark, each in its own process, and
write docs/benchmarks.md and docs/benchmarks.json. The default finishes in a few minutes on two
cores; `--scale 4` makes every workload four times larger."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench.measure import figure

ROOT = Path(__file__).parents[1]


def one(name: str, **params: Any) -> dict[str, Any]:
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.one", name, json.dumps(params)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit(f"benchmark {name} failed:\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = round(time.perf_counter() - began, 1)
    print(f"  {name}: {result['wall_seconds']} s, peak {result['peak_rss_mib']} MiB", flush=True)
    return result


def postgres_envs() -> tuple[Any, dict[str, dict[str, str]]]:
    sys.path.insert(0, str(ROOT))
    from tests.postgres_cluster import start_cluster

    cluster = start_cluster()
    envs = {}
    with psycopg.connect(
        host="127.0.0.1", port=cluster.port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        for name, module in (("ours", "eventstore.postgres"), ("bare", "eventsourcing.postgres")):
            schema = f"bench_{name}_{uuid.uuid4().hex[:6]}"
            conn.execute(f'CREATE SCHEMA "{schema}"')
            envs[name] = {
                "PERSISTENCE_MODULE": module,
                "POSTGRES_ENABLE_DB_FUNCTIONS": "no",
                "POSTGRES_SCHEMA": schema,
                "POSTGRES_POOL_SIZE": "4",
                **cluster.env,
            }
    return cluster, envs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=1, help="multiply every workload by this")
    args = parser.parse_args()
    k = args.scale
    began = time.perf_counter()
    load = {"small_cases": 150 * k, "hot_cases": 3, "hot_payments": 300, "seed": 20240401, "threads": 2}
    print("carecase benchmarks", flush=True)
    results: dict[str, Any] = {}
    results["append_sqlite"] = one("append", store="sqlite", **load)
    cluster, envs = postgres_envs()
    try:
        results["append_postgres"] = one("append", store="postgres", postgres_env=envs, **load)
    finally:
        cluster.stop()
    results["rebuild"] = one("rebuild", store_file=results["append_sqlite"]["store_file"])
    results["as_of"] = one("as_of", big_cases=2, payments=495, templates=100, store_events=1_000_000 * k, samples=400)
    results["temporal"] = one("temporal", cases=40 * k, concurrency=8, sandbox="on")
    results["temporal_unsandboxed"] = one("temporal", cases=40 * k, concurrency=8, sandbox="off")
    results["temporal_one_caller"] = one("temporal", cases=5, concurrency=1, sandbox="on")
    results["overdue"] = one("overdue", cases=100_000 * k, requests=200)
    results["policy_simulation"] = one("policy_simulation", templates=200, open_cases=10_000 * k, sample=500)
    results["total_seconds"] = round(time.perf_counter() - began, 1)
    results["threads"] = load["threads"]
    write(results, k)


def write(r: dict[str, Any], scale: int) -> None:
    b1s, b1p, b2, b3, b4, b5 = (
        r["append_sqlite"],
        r["append_postgres"],
        r["rebuild"],
        r["as_of"],
        r["temporal"],
        r["overdue"],
    )
    stuck = {k: v for k, v in b5["latency_ms"].items() if isinstance(v, dict)}
    worst_b5 = max(v["p99"] for v in stuck.values())
    figures = [
        figure(
            "B1 append, SQLite: ours / bare eventsourcing",
            b1s["ratio"],
            "ratio",
            ">= 0.8",
            b1s["ratio"] >= 0.8,
            f"{b1s['ours']['events_per_second']} vs {b1s['bare']['events_per_second']} events/s; "
            f"command p50/p95/p99 {b1s['ours']['latency_ms']['p50']}/{b1s['ours']['latency_ms']['p95']}/"
            f"{b1s['ours']['latency_ms']['p99']} ms vs save {b1s['bare']['latency_ms']['p50']}/"
            f"{b1s['bare']['latency_ms']['p95']}/{b1s['bare']['latency_ms']['p99']} ms; "
            f"the hash chain alone {b1s['ours']['chain_ms_per_event']} ms an event",
        ),
        figure(
            "B1 append, PostgreSQL: ours / bare eventsourcing",
            b1p["ratio"],
            "ratio",
            ">= 0.8",
            b1p["ratio"] >= 0.8,
            f"{b1p['ours']['events_per_second']} vs {b1p['bare']['events_per_second']} events/s; "
            f"command p50/p95/p99 {b1p['ours']['latency_ms']['p50']}/{b1p['ours']['latency_ms']['p95']}/"
            f"{b1p['ours']['latency_ms']['p99']} ms vs save {b1p['bare']['latency_ms']['p50']}/"
            f"{b1p['bare']['latency_ms']['p95']}/{b1p['bare']['latency_ms']['p99']} ms; "
            f"the hash chain alone {b1p['ours']['chain_ms_per_event']} ms an event",
        ),
        figure(
            "B2 rebuild of every view, SQLite",
            b2["rebuild"]["events_per_second"],
            "events/s",
            ">= 50,000",
            b2["rebuild"]["events_per_second"] >= 50_000,
            f"raw decode of the log {b2['decode']['events_per_second']} events/s (ratio {b2['ratio_to_decode']}); "
            f"alone: " + ", ".join(f"{n} {v}" for n, v in b2["per_view_events_per_second"].items()),
        ),
        figure(
            "B2 rebuild of every view, SQLite, 2 processes",
            b2["rebuild_parallel"]["events_per_second"],
            "events/s",
            ">= 50,000",
            b2["rebuild_parallel"]["events_per_second"] >= 50_000,
            f"{b2['rebuild_parallel']['seconds']} s with starting the processes and merging the parts, "
            f"against {b2['rebuild']['seconds']} s in one process",
        ),
        figure(
            "B2 decode of the log: ours / bare eventsourcing",
            b2["decode_ratio_to_bare"],
            "ratio",
            ">= 0.5",
            b2["decode_ratio_to_bare"] >= 0.5,
            f"{b2['decode']['events_per_second']} vs {b2['bare_decode']['events_per_second']} events/s, "
            f"{b2['decode']['events']} events of {b2['decode']['mean_event_bytes']} vs "
            f"{b2['bare_decode']['mean_event_bytes']} bytes; best of {b2['turns']} turns each",
        ),
        figure(
            "B3 as-of, 1,000-event cases, store of >= 1M events: p99",
            b3["latency_ms"]["p99"],
            "ms",
            "<= 10",
            b3["latency_ms"]["p99"] <= 10,
            f"p50 {b3['latency_ms']['p50']} ms, p95 {b3['latency_ms']['p95']} ms over {b3['latency_ms']['n']} "
            f"instants; store {b3['store_events']:,} events",
        ),
        figure(
            "B4 whole lifecycles through Temporal",
            b4["lifecycles_per_second"],
            "lifecycles/s",
            ">= 5",
            b4["lifecycles_per_second"] >= 5,
            f"{b4['lifecycles']} lifecycles, {b4['concurrency']} callers, {b4['updates']} updates",
        ),
        figure(
            "B4 command update round trip: p50",
            b4["update_ms"]["p50"],
            "ms",
            "<= 40",
            b4["update_ms"]["p50"] <= 40,
            f"p95 {b4['update_ms']['p95']} ms; empty update on the same server p50 {b4['empty_update_ms']['p50']} "
            f"ms, p95 {b4['empty_update_ms']['p95']} ms",
        ),
        figure(
            "B4 command update round trip, one caller (no queueing): p50",
            r["temporal_one_caller"]["update_ms"]["p50"],
            "ms",
            "<= 40",
            r["temporal_one_caller"]["update_ms"]["p50"] <= 40,
            f"p95 {r['temporal_one_caller']['update_ms']['p95']} ms; empty update p50 "
            f"{r['temporal_one_caller']['empty_update_ms']['p50']} ms, p95 "
            f"{r['temporal_one_caller']['empty_update_ms']['p95']} ms; "
            f"{r['temporal_one_caller']['lifecycles_per_second']} lifecycles/s from one caller",
        ),
        figure(
            "B4 lifecycles, workflow sandbox off",
            r["temporal_unsandboxed"]["lifecycles_per_second"],
            "lifecycles/s",
            ">= 5",
            r["temporal_unsandboxed"]["lifecycles_per_second"] >= 5,
            f"update p50 {r['temporal_unsandboxed']['update_ms']['p50']} ms, p95 "
            f"{r['temporal_unsandboxed']['update_ms']['p95']} ms; CPU seconds while the lifecycles ran: "
            f"{r['temporal_unsandboxed']['cpu_seconds_during_lifecycles']} (sandbox on: "
            f"{b4['cpu_seconds_during_lifecycles']})",
        ),
        figure(
            "B5 overdue/stuck queries, 100k open cases: worst p99",
            worst_b5,
            "ms",
            "<= 100",
            worst_b5 <= 100,
            "; ".join(f"{n} p50 {v['p50']} p99 {v['p99']} ms" for n, v in stuck.items())
            + f"; first (cold) request {b5['latency_ms']['first_request_ms']} ms",
        ),
        b6_figure(r["policy_simulation"]),
    ]
    memory = {
        name: r[name]["peak_rss_mib"]
        for name in (
            "append_sqlite",
            "append_postgres",
            "rebuild",
            "as_of",
            "temporal",
            "temporal_unsandboxed",
            "temporal_one_caller",
            "overdue",
            "policy_simulation",
        )
    }
    memory["temporal dev server"] = b4.get("dev_server_peak_mib")
    stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
    machine = f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"
    (ROOT / "docs" / "benchmarks.json").write_text(
        json.dumps(
            {
                "measured_at": stamp,
                "machine": machine,
                "scale": scale,
                "figures": figures,
                "peak_memory_mib": memory,
                "raw": r,
            },
            indent=2,
            default=str,
        )
        + "\n",
        encoding="utf-8",
    )
    lines = [
        f"Measured {stamp} by `make bench` (scale {scale}) on {machine}; total {r['total_seconds']} s. "
        "Every figure is paired with its limit from the same run. Raw results: "
        "[benchmarks.json](benchmarks.json). Method: [the bench package](../bench/__init__.py), one module per "
        "figure, each run in its own process (so peak memory is its own).",
        "",
        "| figure | measured | limit | met | how |",
        "| --- | --- | --- | --- | --- |",
    ]
    for f in figures:
        lines.append(
            f"| {f['figure']} | {f['value']} {f['unit']} | {f['limit']} | {'yes' if f['met'] else 'no'} | "
            f"{f['method']} |"
        )
    lines += ["", "## Peak memory (MiB, resident)", "", "| process | peak |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in memory.items()]
    lines += [
        "",
        "## Load shape",
        "",
        f"B1 wrote {b1s['ours']['commands']} commands ({b1s['ours']['events']} events) on "
        f"{r['threads']} writer threads into {b1s['ours']['shape']['streams']} streams: the largest holds "
        f"{b1s['ours']['shape']['largest_stream']} events, the median {b1s['ours']['shape']['median_stream']}, "
        f"the hottest 1% of streams {int(b1s['ours']['shape']['hottest_1pct_share'] * 100)}% of all events. "
        f"The projection runner (every view) followed the log while they wrote; it was "
        f"{b1s['ours']['reader_lag_at_end_events']} events behind when the writers finished and caught up "
        f"{b1s['ours']['reader_catch_up_after_writes_s']} s later (SQLite).",
        "",
    ]
    generated = "\n".join(lines)
    target = ROOT / "docs" / "benchmarks.md"
    text = target.read_text(encoding="utf-8") if target.exists() else ""
    if START in text and END in text:
        # The analysis around the table is written by hand and kept; only the figures are replaced.
        text = text[: text.index(START) + len(START)] + "\n" + generated + "\n" + text[text.index(END) :]
    else:
        text = f"{START}\n{generated}\n{END}\n"
    target.write_text(text, encoding="utf-8")
    print(generated)


def b6_figure(b6: dict[str, Any]) -> dict[str, Any]:
    return figure(
        f"B6 policy simulation, {b6['open_cases']:,} open cases",
        b6["simulation_seconds"],
        "s",
        "<= 60",
        b6["simulation_seconds"] <= 60,
        f"{b6['simulation_cpu_seconds']} CPU s ({b6['cases_per_second']} cases/s, load average "
        f"{b6['load_average_1min']}); {b6['store_events']:,} events; bare read and fold of the same cases "
        f"{b6['read_and_fold_seconds']} s ({b6['read_and_fold_cpu_seconds']} CPU s); one case at a time "
        f"through the repository {b6['repository_get_ms_per_case']} ms a case "
        f"(~{b6['repository_get_extrapolated_seconds']} s for all)",
    )


START, END = "<!-- generated by make bench: start -->", "<!-- generated by make bench: end -->"


if __name__ == "__main__":
    main()
