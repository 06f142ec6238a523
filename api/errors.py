"""One shape for every error the API returns: an RFC 9457 problem (``application/problem+json``).

Every body carries the RFC's members — ``type`` (a URI naming the problem, one per ``code``),
``title`` (the same for every occurrence of that type), ``status``, ``detail`` and ``instance``
(the path asked for) — and the members clients already read: ``code`` (stable, machine-readable),
``message`` (the same text as ``detail``), ``field`` where one field is to blame, and ``details``.

A rule of the case record refusing → 409 with its stable code; a field breaking its own rule
→ 422 naming the field and the rule; an unknown case → 404; no or a wrong key → 401; a role
that may not → 403; views not yet at the position asked for → 503; Temporal unreachable → 503
``temporal_unavailable``; Temporal going away once a command was sent → 503 ``command_pending``
(it may be recorded: ask again with the same key); a case's workflow failing its tasks for longer
than a caller waits → 503 ``case_workflow_not_ready``; every 503 says when to try again
(``Retry-After``). Anything nobody
planned for is a 500 ``internal_error`` that names an error id and nothing of the fault itself:
the fault goes to the log under that id.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message, Receive, Scope, Send
from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from api.asgi import HttpMiddleware
from api.backend import ViewsBehind
from domain.errors import ConcurrencyConflict, DomainError, InvalidInput, NotFound, RuleViolation
from workflows.client import CaseWorkflowNotReady, CommandOutcomeUnknown

PROBLEM_JSON = "application/problem+json"
# Problem types are tag URIs (RFC 4151): stable names, never fetched; the code says which.
PROBLEM_TYPE = "tag:carecase,2026:problem/"
# Temporal statuses that mean "not now" rather than "never": the service is away or overloaded.
TEMPORAL_AWAY = frozenset(
    {RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.RESOURCE_EXHAUSTED}
)
# A call cut off in flight (the server died under it: "transport error"): whether a command it
# carried was recorded is not known, so the caller must ask again with the same key.
TEMPORAL_CUT_OFF = frozenset({RPCStatusCode.UNKNOWN, RPCStatusCode.CANCELLED})
TEMPORAL_RETRY_AFTER_SECONDS = 5

STATUS: list[tuple[type[DomainError], int]] = [
    (InvalidInput, 422),
    (NotFound, 404),
    (ViewsBehind, 503),
    (CaseWorkflowNotReady, 503),
    (ConcurrencyConflict, 409),
    (RuleViolation, 409),
]
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorised",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


class Unauthorised(DomainError):
    code = "unauthorised"


class Forbidden(DomainError):
    code = "forbidden"


STATUS += [(Unauthorised, 401), (Forbidden, 403)]


def status_of(error: DomainError) -> int:
    for kind, status in STATUS:
        if isinstance(error, kind):
            return status
    return 409  # any other refusal of the domain (e.g. the workflow's own) is a conflict with the case


def field_of(location: tuple[Any, ...]) -> str:
    # FastAPI puts "body", "query", "path" or "header" first; the caller's field name follows.
    parts = [str(p) for p in location]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] or parts
    return ".".join(parts)


def problem_body(
    status: int,
    code: str,
    message: str,
    *,
    field: str | None = None,
    details: dict[str, Any] | None = None,
    instance: str | None = None,
) -> dict[str, Any]:
    """The one error body: RFC 9457's members and this API's own, ``detail`` and ``message`` alike."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + code,
        "title": code.replace("_", " ").capitalize(),
        "status": status,
        "detail": message,
        "code": code,
        "message": message,
    }
    if instance is not None:
        body["instance"] = instance
    if field is not None:
        body["field"] = field
    if details:
        body["details"] = details
    return body


def problem(
    request: Request | None,
    status: int,
    code: str,
    message: str,
    *,
    field: str | None = None,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = problem_body(
        status, code, message, field=field, details=details, instance=request.url.path if request is not None else None
    )
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


class ProblemOnCrash(HttpMiddleware):
    """The last line: an exception no handler claimed becomes a 500 problem, logged with an id.

    Plain ASGI rather than an exception handler for ``Exception``: Starlette runs that handler in
    its outermost middleware and then raises the exception again, so a server would log it twice
    and an in-process client would see the exception instead of the answer.
    """

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as error:
            error_id = uuid.uuid4().hex
            structlog.get_logger("carecase.api").error(
                "unexpected_error",
                error_id=error_id,
                method=scope.get("method"),
                path=scope.get("path"),
                error=repr(error),
                exc_info=error,
            )
            if started:
                raise  # part of an answer has gone out: nothing sound can follow it
            body = problem_body(
                500,
                "internal_error",
                f"something went wrong on our side; it is logged as {error_id}",
                details={"error_id": error_id},
                instance=scope.get("path"),
            )
            await JSONResponse(body, status_code=500, media_type=PROBLEM_JSON)(scope, receive, send)


def command_pending_problem(request: Request) -> JSONResponse:
    """A command whose outcome is not known: it may or may not have been recorded."""
    return problem(
        request,
        503,
        "command_pending",
        "the case's workflow has not answered; the command may still be recorded, so send it again "
        "with the same Idempotency-Key to learn its outcome",
        headers={"Retry-After": str(TEMPORAL_RETRY_AFTER_SECONDS)},
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, Unauthorised) else None
        if isinstance(error, ViewsBehind):
            headers = {"Retry-After": "1"}
        if isinstance(error, CaseWorkflowNotReady):
            headers = {"Retry-After": str(TEMPORAL_RETRY_AFTER_SECONDS)}
        return problem(
            request,
            status_of(error),
            error.code,
            error.message,
            field=error.field,
            details=error.details,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [{"field": field_of(tuple(e["loc"])), "rule": e["type"], "message": e["msg"]} for e in error.errors()]
        first = errors[0] if errors else {"field": "", "message": "invalid request"}
        return problem(
            request,
            422,
            "invalid_input",
            f"{first['field']}: {first['message']}",
            field=first["field"],
            details={"errors": errors},
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return problem(
            request,
            error.status_code,
            HTTP_CODES.get(error.status_code, "http_error"),
            str(error.detail),
            headers=getattr(error, "headers", None),
        )

    @app.exception_handler(RPCError)
    async def temporal_error(request: Request, error: RPCError) -> JSONResponse:
        if error.status in TEMPORAL_CUT_OFF and request.method == "POST":
            structlog.get_logger("carecase.api").warning(
                "temporal_cut_off", path=request.url.path, status=error.status.name, error=error.message
            )
            return command_pending_problem(request)
        if error.status not in TEMPORAL_AWAY | TEMPORAL_CUT_OFF:
            raise error  # a call Temporal refused for good is a fault of ours: ProblemOnCrash logs it
        structlog.get_logger("carecase.api").warning(
            "temporal_unavailable", path=request.url.path, status=error.status.name, error=error.message
        )
        return problem(
            request,
            503,
            "temporal_unavailable",
            "the workflow service cannot be reached just now; try again shortly. A command sent "
            "with an Idempotency-Key is safe to send again: if it was recorded after all, the "
            "repeat gets its first answer",
            headers={"Retry-After": str(TEMPORAL_RETRY_AFTER_SECONDS)},
        )

    @app.exception_handler(WorkflowUpdateRPCTimeoutOrCancelledError)
    async def command_pending(request: Request, error: WorkflowUpdateRPCTimeoutOrCancelledError) -> JSONResponse:
        return command_pending_problem(request)

    @app.exception_handler(CommandOutcomeUnknown)
    async def command_outcome_unknown(request: Request, error: CommandOutcomeUnknown) -> JSONResponse:
        structlog.get_logger("carecase.api").warning(
            "temporal_went_away_mid_command", path=request.url.path, status=error.status.name
        )
        return command_pending_problem(request)

    app.add_middleware(ProblemOnCrash)
