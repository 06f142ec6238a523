"""The FastAPI app over a backend: every router, the body-size limit, the error answers and ``/health``.

``create_app(backend)`` serves an already wired backend (the tests, ``carecase run``);
``create_app(factory)`` awaits ``factory()`` for one when the server starts (``carecase api``,
which passes ``config.bootstrap.backend_from_environment``). The API wires nothing itself: the
bootstrap in ``config/`` does.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import structlog
from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline

from api import admin, audit, codec, errors, finance, metrics, ops, policy, queries, returns
from api.backend import Backend
from api.commands import command_router
from api.console import router as console
from api.documents import router as documents
from api.examples import examples_in_force
from api.limits import BodySizeLimit

DESCRIPTION = """
The council's case record for adults' personal budgets and direct payments, and their carers.

Every command is a `POST` that returns the events it appended and a `position`; pass that
position as `min_position` to any query to read your own write. Refusals are `409` with a stable
`code` (e.g. `assessments_outstanding`: support planning waits until the adult's and every
carer's assessment is finished), bad input is `422` naming the `field` and the rule, and an
unknown case is `404`. Send `Idempotency-Key` to make a retry safe.

Authenticate with `Authorization: Bearer <API key>`; each key belongs to a user and one role,
may expire, and can be revoked or rotated by an admin (`/admin/keys`), effective at once.

Need to know: you see and act on the cases your role and teams give you (a case of your team or
allocated to you; a plan at sign-off for the panel; a case with money in it for finance), and a
restricted case only if it names you. Any other case answers `404`, as one that does not exist.
To read one in an emergency, send `X-Break-Glass-Reason: <why>`: the read is allowed, logged with
your reason and reviewed by auditors. Every read, lists included, is in the access log.

One deployment may serve several councils, each in its own partition: a key belongs to one
council and reaches that council's cases only (another council's case answers `404`, as one that
does not exist). A national auditor's key, made so explicitly, reads any council's record and
names the council of each request in an `X-Council: <GSS code>` header.
"""


# Wires a backend when the server starts, on the server's own event loop.
BackendFactory = Callable[[], Awaitable[Backend]]


def _examples_from_the_rule_set_in_force(app: FastAPI) -> None:
    """The RAS answers in the assessments' examples come from the rule set in force where a backend
    is wired (the document built without one keeps the story's, which are the default council's)."""
    built = app.openapi

    def openapi() -> dict[str, Any]:
        schema = built()
        wired: Backend | None = app.state.backend
        if wired is None:
            return schema
        catalogue = wired.record.services.rule_sets
        today = datetime.now(UTC).date()
        in_force = catalogue.current(wired.council.ras_rule_set_id, on=today)
        components = schema.get("components", {}).get("schemas", {})
        for name, body in examples_in_force(in_force).items():
            if f"{name}Request" in components:
                components[f"{name}Request"]["examples"] = [body]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(backend: Backend | BackendFactory | None = None) -> FastAPI:
    """The app over ``backend``, or over the one ``backend()`` makes when the server starts; with
    neither (to read the routes and the OpenAPI document) it serves no request."""
    factory = None if backend is None or isinstance(backend, Backend) else backend

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.backend is None:
            if factory is None:
                raise RuntimeError("create_app() needs a backend, or a factory for one, to serve requests")
            app.state.backend = await factory()
        yield

    # /docs and /redoc from Swagger UI's and ReDoc's files shipped in fastapi-offline, served here
    # under /static-offline-docs: nothing is fetched from a CDN, so they work without internet.
    app = FastAPIOffline(title="carecase", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.backend = backend if isinstance(backend, Backend) else None
    app.add_middleware(BodySizeLimit)
    app.add_middleware(codec.CodecCors)  # the Temporal Web UI's origin only, and only for /codec
    errors.install(app)
    app.add_middleware(metrics.RequestObserver)  # outermost: it sees every answer, a 500 too
    app.include_router(command_router())
    app.include_router(queries.router)
    app.include_router(audit.router)
    app.include_router(documents.router)
    app.include_router(ops.router)
    app.include_router(codec.router)
    app.include_router(admin.router)
    app.include_router(metrics.router)
    app.include_router(policy.router)
    app.include_router(finance.router)
    app.include_router(returns.router)
    console.install(app)
    _examples_from_the_rule_set_in_force(app)

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
            lag = max(wired.record.last_position() - position, 0)
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
