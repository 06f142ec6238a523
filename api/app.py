"""The composition root of the API process: settings in, a FastAPI app out.

``create_app(backend)`` serves an already wired backend (the tests, ``carecase run``);
``create_app()`` wires one from the environment when the server starts.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import structlog
from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse
from temporalio.client import Client

from api import audit, errors, ops, queries
from api.access_log import AccessLog
from api.backend import Backend
from api.commands import command_router
from api.keys import KeyRing
from api.limits import BodySizeLimit
from domain.application import CaseRecord
from workers.settings import Settings

DESCRIPTION = """
The council's case record for adults' personal budgets and direct payments, and their carers.

Every command is a `POST` that returns the events it appended and a `position`; pass that
position as `min_position` to any query to read your own write. Refusals are `409` with a stable
`code` (e.g. `assessments_outstanding`: support planning waits until the adult's and every
carer's assessment is finished), bad input is `422` naming the `field` and the rule, and an
unknown case is `404`. Send `Idempotency-Key` to make a retry safe.

Authenticate with `Authorization: Bearer <API key>`; each key belongs to a user and one role.
"""


def wire_backend(record: CaseRecord, temporal: Client, settings: Settings, task_queue: str, keys_path: Path) -> Backend:
    """The API's backend over a case record and a Temporal client the caller already has (the
    API's own process, or `carecase run`, which shares them with its worker)."""
    from projections.catalogue import all_views
    from projections.store import view_store_from_env

    views = view_store_from_env(settings.store_env())
    return Backend(
        record=record,
        views=views,
        view_names=[v.name for v in all_views()],
        log=AccessLog(views),
        keys=KeyRing.load(keys_path),
        temporal=temporal,
        task_queue=task_queue,
        council=settings.council,
    )


async def build_backend(keys_path: Path) -> Backend:
    """Wire a backend from the environment (the same settings the worker reads), on the server's loop."""
    from workers.composition import build_case_record
    from workers.temporal_settings import TemporalSettings, connect

    settings = Settings.from_environment()
    temporal = TemporalSettings.from_environment()
    return wire_backend(build_case_record(settings), await connect(temporal), settings, temporal.task_queue, keys_path)


def create_app(backend: Backend | None = None, keys_path: Path | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.backend is None:
            app.state.backend = await build_backend(keys_path or Path("var/api-keys.toml"))
        yield

    app = FastAPI(title="carecase", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.backend = backend
    app.add_middleware(BodySizeLimit)
    errors.install(app)
    app.include_router(command_router())
    app.include_router(queries.router)
    app.include_router(audit.router)
    app.include_router(ops.router)

    @app.get(
        "/health",
        tags=["service"],
        summary="Is the API able to reach its views and Temporal, and are the views keeping up?",
    )
    async def health(
        lag_threshold: Annotated[
            int,
            Query(
                ge=0,
                le=queries.LARGEST_ID,
                description="Notifications the views may be behind the log before the service is degraded",
            ),
        ] = 1000,
    ) -> Any:
        """``degraded`` (still 200: the API answers, reads may be stale) when any case is quarantined
        (its events are held back from the views, decision 0013), when the views are more than
        ``lag_threshold`` notifications behind the log (reads with ``min_position`` will wait and
        then 503), or when Temporal does not answer (commands will fail); ``ok`` otherwise."""
        wired: Backend = app.state.backend

        def read_the_views() -> tuple[int, int, int]:
            position = wired.views_position()
            lag = max((wired.record.recorder.max_notification_id() or 0) - position, 0)
            return position, lag, wired.views.quarantined_case_count()

        try:
            position, lag, quarantined = await asyncio.to_thread(read_the_views)
        except Exception as error:  # the record or the views cannot be read: nothing can be served
            structlog.get_logger("carecase.api").error("health_store_unreadable", error=repr(error))
            body = errors.problem_body(
                503, "service_down", "the case record or its views cannot be read", instance="/health"
            )
            return JSONResponse(
                {**body, "problems": ["the case record or its views cannot be read"]},
                status_code=503,
                media_type=errors.PROBLEM_JSON,
            )
        try:
            temporal = bool(await wired.temporal.service_client.check_health(timeout=timedelta(seconds=5)))
        except Exception:  # unreachable, refused, timed out: the answer is "no", not a 500
            temporal = False
        problems = (
            ([f"{quarantined} case(s) quarantined"] if quarantined else [])
            + ([f"views {lag} notification(s) behind the log"] if lag > lag_threshold else [])
            + ([] if temporal else ["Temporal does not answer"])
        )
        return {
            "status": "degraded" if problems else "ok",
            "views_position": position,
            "views_lag": lag,
            "quarantined_cases": quarantined,
            "temporal": temporal,
            "problems": problems,
        }

    return app
