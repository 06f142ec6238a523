"""One benchmark in a process of its own, so its peak memory is its own: prints one JSON object.

python -m bench.one NAME '{"param": ...}'
"""

from __future__ import annotations

import json
import sys
import tempfile
from typing import Any

from bench.measure import peak_rss_mib
from tests.postgres_cluster import free_port


def _record(env: dict[str, str]) -> Any:
    from domain.application import CaseRecord
    from policy.catalogue import RuleSetCatalogue
    from simulation.rule_sets import caseload_councils

    return CaseRecord(env, rule_sets=RuleSetCatalogue(caseload_councils()))


def sqlite_env(folder: str, name: str) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventstore.sqlite",
        "SQLITE_DBNAME": f"{folder}/{name}.sqlite",
        "SQLITE_LOCK_TIMEOUT": "30",
    }


def run(name: str, params: dict[str, Any]) -> dict[str, Any]:
    folder = params.get("folder") or tempfile.mkdtemp(prefix="carecase-bench-")
    if name == "append":
        from bench.append import run_bare, run_ours
        from bench.workload import workload

        scripts = workload(params["small_cases"], params["hot_cases"], params["hot_payments"], params["seed"])
        if params["store"] == "postgres":
            ours_env, bare_env = params["postgres_env"]["ours"], params["postgres_env"]["bare"]
        else:
            ours_env = sqlite_env(folder, "ours")
            bare_env = {**sqlite_env(folder, "bare"), "PERSISTENCE_MODULE": "eventsourcing.sqlite"}
        ours = run_ours(ours_env, scripts, params["threads"])
        bare = run_bare(bare_env, ours.pop("saves"), params["threads"], ours["mean_event_bytes"])
        return {
            "ours": ours,
            "bare": bare,
            "ratio": round(ours["events_per_second"] / bare["events_per_second"], 3),
            "store_file": ours_env.get("SQLITE_DBNAME"),
        }
    if name == "rebuild":
        from bench import rebuild

        store_file = params.get("store_file")
        if not store_file:
            raise SystemExit("rebuild needs the store_file of an append run (B1's SQLite store)")
        return rebuild.run(store_file, folder)
    if name == "as_of":
        from bench import as_of
        from simulation.caseload import generate_caseload, load

        env = sqlite_env(folder, "as_of")
        record = _record(env)
        big = as_of.build_big_cases(record, params["big_cases"], params["payments"])
        templates = [script.case_id for script in generate_caseload(params["templates"], 3)]
        load(record, generate_caseload(params["templates"], 3))
        total = as_of.fill_sqlite(env["SQLITE_DBNAME"], templates, params["store_events"])
        measured = as_of.measure(_record(env), big, params["samples"])
        return {"store_events": total, **measured}
    if name == "temporal":
        import os

        from bench import temporal

        os.environ["CARECASE_WORKFLOW_SANDBOX"] = params.get("sandbox", "on")
        record = _record(sqlite_env(folder, "temporal"))
        return temporal.run(record, folder, (free_port(), free_port()), params["cases"], params["concurrency"])
    if name == "overdue":
        from bench import overdue

        env = sqlite_env(folder, "overdue")
        return overdue.run(_record(env), env, folder, params["cases"], params["requests"])
    if name == "policy_simulation":
        from bench import policy_simulation

        env = sqlite_env(folder, "simulation")
        return policy_simulation.run(_record(env), env, params["templates"], params["open_cases"], params["sample"])
    raise SystemExit(f"no benchmark {name!r}")


if __name__ == "__main__":
    result = run(sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else {})
    result["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(result))
    sys.stdout.flush()
    import os

    os._exit(0)  # the Temporal SDK's threads can crash an interpreter's normal exit
