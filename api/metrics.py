"""``/metrics`` for Prometheus, and one log line for every request.

What this process counts (each API process its own; Prometheus adds them up over instances):

- ``carecase_commands_total{command, outcome}``: every command the API was sent, ``accepted``,
  ``refused`` (a rule, a bad field, an unknown case: the 4xx answers), ``duplicate`` (a repeat of
  a recorded command: nothing appended) or ``failed`` (no answer: Temporal away, a 5xx);
- ``carecase_command_refusals_total{command, code}``: the refusals by their stable code;
- ``carecase_http_request_duration_seconds{method, route}``: latency by route *template*
  (``/cases/{case_id}``), never by a path, so no case id is ever a label;
- ``carecase_http_responses_total{method, route, status}``: answers by status (5xx for alerts).

What the views say, read at each scrape (the same on every API process: take ``max`` over them):
the log's last position, the views' lowest position and the lag between them, quarantined cases,
events each view failed to apply, open cases and passed deadlines by stage, and payments issued
(how many, and their pence). No label anywhere carries a case id, a name or a user id.

Who may read it (decision 0037): Prometheus with the scrape token named by
``CARECASE_METRICS_TOKEN_FILE``, or operations staff (ops, admin) with their own API key.
"""

from __future__ import annotations

import asyncio
import hmac
import time
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.types import Message, Receive, Scope, Send

from api.asgi import HttpMiddleware
from api.auth import allow, backend, bearer, caller
from api.backend import Backend
from api.roles import OPERATIONS
from api.telemetry import ViewFigures
from projections.current_case import open_cases_by_stage
from projections.ledger import payments_issued
from projections.overdue import deadlines_passed_by_stage

UNMATCHED = "unmatched"  # a path no route serves: never the path itself, which could be anything
# Polled every few seconds by health checks and Prometheus: logged at debug, not info.
QUIET_ROUTES = frozenset({"/health", "/metrics"})
SCRAPE_TOKEN_ACTOR = "metrics-scrape-token"


def read_figures(app: Backend) -> ViewFigures:
    """One snapshot of the views, and the log's end."""
    now = datetime.now(UTC)
    log_position = app.record.last_position()
    with app.snapshot() as (position, cursor):
        count, pence = payments_issued(cursor)
        return ViewFigures(
            log_position=log_position,
            views_position=position,
            quarantined_cases=app.views.quarantined_case_count(cursor),
            failures_by_view=app.views.failures_by_view(cursor),
            open_by_stage=open_cases_by_stage(cursor),
            overdue_by_stage=deadlines_passed_by_stage(cursor, now),
            payments_issued=count,
            payments_issued_pence=pence,
        )


# Who may read /metrics ---------------------------------------------------------------------------

operations = allow(OPERATIONS)


def scraper(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)], request: Request) -> str:
    """The scrape token (compared in constant time), or an ops or admin API key."""
    token = backend(request).metrics_token
    offered = credentials.credentials if credentials is not None and credentials.scheme.lower() == "bearer" else None
    if token is not None and offered is not None and hmac.compare_digest(offered.encode(), token.encode()):
        request.state.actor = SCRAPE_TOKEN_ACTOR
        return SCRAPE_TOKEN_ACTOR
    return operations(caller(credentials, request)).user_id  # type: ignore[no-any-return]


scraper.allowed_roles = OPERATIONS  # type: ignore[attr-defined]  # for the role matrix (tests/api/test_roles.py)


router = APIRouter(tags=["service"])


@router.get("/metrics", include_in_schema=False)
async def metrics(reader: Annotated[str, Depends(scraper)], app: Annotated[Backend, Depends(backend)]) -> Response:

    figures = await asyncio.to_thread(read_figures, app)
    return Response(app.metrics.exposition(figures), media_type=CONTENT_TYPE_LATEST)


# Every request: timed, counted and logged --------------------------------------------------------


def route_of(scope: Scope, root_path: str = "") -> str:
    """The template of the route that served the request (``/cases/{case_id}``), a mount's as
    ``<mount>/{path}`` (its root path grew by the mount's), or ``unmatched``."""
    path = getattr(scope.get("route"), "path", None)
    if isinstance(path, str):
        return path
    mounted = str(scope.get("root_path", ""))
    if mounted != root_path and mounted.startswith(root_path):
        return mounted[len(root_path) :] + "/{path}"
    return UNMATCHED


def case_of(scope: Scope) -> str | None:
    """The case the path names, in the API's form (32 hex digits); None if it names none or no
    case id at all (whatever was sent instead is not repeated in a log)."""
    value = (scope.get("path_params") or {}).get("case_id")
    try:
        return uuid.UUID(str(value)).hex if value is not None else None
    except ValueError:
        return None


class RequestObserver(HttpMiddleware):
    """ASGI middleware, outermost: each request's latency and status into the metrics, and one log
    line naming the route template, the status, the case (hex) and the caller (user id and role)
    — never a body, a query string or a header. 4xx lines are warnings, 5xx errors."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        state: dict[str, Any] = scope.setdefault("state", {})
        root_path = str(scope.get("root_path", ""))
        started = time.perf_counter()
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            self.observe(scope, state, route_of(scope, root_path), status, time.perf_counter() - started)

    @staticmethod
    def observe(scope: Scope, state: dict[str, Any], route: str, status: int, seconds: float) -> None:
        method = str(scope.get("method", ""))
        wired = getattr(getattr(scope.get("app"), "state", None), "backend", None)
        if isinstance(wired, Backend):
            wired.metrics.answered(method, route, status, seconds)
        user = state.get("user")
        fields = {
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
            "case_id": case_of(scope),
            "actor": getattr(user, "user_id", None) or state.get("actor"),
            "role": getattr(getattr(user, "role", None), "value", None),
        }
        log = structlog.get_logger("carecase.api")
        if status >= 500:
            log.error("http_request", **fields)
        elif status >= 400:
            log.warning("http_request", **fields)
        elif route in QUIET_ROUTES:
            log.debug("http_request", **fields)
        else:
            log.info("http_request", **fields)
