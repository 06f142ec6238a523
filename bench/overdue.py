"""B5: the operations officer's overdue query with 100,000 open cases, through the HTTP API.

The deadline and current-case views are filled directly with 100,000 open cases (their real
tables and indexes; stages, teams and due dates spread as a council's would be: a fifth overdue,
by up to three months), because building them through the record would take an hour and the
query cannot tell the difference. Latency is measured for `GET /ops/stuck` (with and without
filters) and `GET /ops/counts`, in process over ASGI, key checked, JSON encoded.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from api.access_log import AccessLog
from api.app import create_app
from api.backend import Backend
from api.keys import KeyRing, add_key
from bench.measure import percentiles
from domain.people import Role
from domain.vocabulary import Stage
from projections.catalogue import all_views
from projections.runner import ProjectionRunner
from projections.store import utc_text, view_store_from_env

STAGES = [
    Stage.SCREENING,
    Stage.ASSESSMENT,
    Stage.ELIGIBILITY,
    Stage.RESOURCE_ALLOCATION,
    Stage.FINANCIAL_ASSESSMENT,
    Stage.SUPPORT_PLANNING,
    Stage.SIGN_OFF,
    Stage.PAYMENT_SETUP,
    Stage.IN_SERVICE,
]
WEIGHTS = [3, 10, 3, 3, 4, 6, 2, 2, 67]
TEAMS = [f"team-{i:02d}" for i in range(40)]


def fill(record: Any, env: dict[str, str], cases: int, seed: int = 5) -> None:
    store = view_store_from_env(env)
    ProjectionRunner(record, store, all_views())  # creates the tables and indexes
    rng = random.Random(seed)
    now = datetime.now(UTC)
    case_rows, deadline_rows = [], []
    for _ in range(cases):
        case_id = uuid.uuid4().hex
        stage = rng.choices(STAGES, WEIGHTS)[0].value
        team = rng.choice(TEAMS)
        entered = now - timedelta(days=rng.uniform(0, 60))
        overdue = rng.random() < 0.2
        due = now - timedelta(days=rng.uniform(0, 90)) if overdue else now + timedelta(days=rng.uniform(1, 365))
        worker = f"sw-{rng.randrange(600)}"
        case_rows.append(
            (
                case_id,
                "E09000099",
                team,
                worker,
                "adult-1",
                "A Person",
                stage,
                entered.isoformat(),
                utc_text(due),
                json.dumps(["overdue"] if overdue else []),
                0,
                1,
                0,
                1,
                1_000_000,
                None,
                entered.isoformat(),
                0,
                None,
                20,
                entered.isoformat(),
            )
        )
        deadline_rows.append(
            (
                case_id,
                "review:rv-1" if stage == "in_service" else stage,
                stage,
                team,
                worker,
                utc_text(entered),
                utc_text(due),
                int(overdue),
                20,
            )
        )
    with store.transaction() as cursor:
        cursor.executemany(f"INSERT INTO view_current_case VALUES ({', '.join('?' * 21)})", case_rows)
        cursor.executemany(f"INSERT INTO view_deadline VALUES ({', '.join('?' * 9)})", deadline_rows)
    store.close()


async def _measure(app: Any, token: str, requests: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    results: dict[str, list[float]] = {
        "stuck (all, first 200)": [],
        "stuck (stage and team)": [],
        "stuck (overdue by 30 days)": [],
        "counts by stage": [],
    }
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        began = time.perf_counter()
        await http.get("/ops/stuck", headers=headers)  # the first read warms the page cache: reported apart
        cold = (time.perf_counter() - began) * 1000
        for i in range(requests):
            kind = list(results)[i % len(results)]
            params: dict[str, Any] = {}
            path = "/ops/stuck"
            if kind == "stuck (stage and team)":
                params = {"stage": rng.choice(STAGES).value, "team": rng.choice(TEAMS)}
            elif kind == "stuck (overdue by 30 days)":
                params = {"overdue_by_days": 30}
            elif kind == "counts by stage":
                path = "/ops/counts"
            began = time.perf_counter()
            response = await http.get(path, params=params, headers=headers)
            results[kind].append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, response.text
    return {"first_request_ms": round(cold, 3), **{kind: percentiles(samples) for kind, samples in results.items()}}


def run(record: Any, env: dict[str, str], folder: str, cases: int, requests: int) -> dict[str, Any]:
    fill(record, env, cases)
    keys = Path(folder) / "keys.toml"
    token = add_key(keys, "ops-bench", Role.OPS)
    views = view_store_from_env(env)
    backend = Backend(
        record=record,
        views=views,
        view_names=[v.name for v in all_views()],
        log=AccessLog(views),
        keys=KeyRing.load(keys),
        temporal=None,  # type: ignore[arg-type]
        task_queue="unused",
    )
    try:
        return {"open_cases": cases, "latency_ms": asyncio.run(_measure(create_app(backend), token, requests, 9))}
    finally:
        views.close()
