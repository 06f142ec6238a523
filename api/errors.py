"""One shape for every error the API returns: ``{"code", "message", "field"?, "details"?}``.

A rule of the case record refusing → 409 with its stable code; a field breaking its own rule
→ 422 naming the field and the rule; an unknown case → 404; no or a wrong key → 401; a role
that may not → 403; views not yet at the position asked for → 503.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.backend import ViewsBehind
from domain.errors import ConcurrencyConflict, DomainError, InvalidInput, NotFound, RuleViolation

STATUS: list[tuple[type[DomainError], int]] = [
    (InvalidInput, 422), (NotFound, 404), (ViewsBehind, 503), (ConcurrencyConflict, 409), (RuleViolation, 409),
]


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


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, Unauthorised) else None
        if isinstance(error, ViewsBehind):
            headers = {"Retry-After": "1"}
        return JSONResponse(error.as_dict(), status_code=status_of(error), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [{"field": field_of(tuple(e["loc"])), "rule": e["type"], "message": e["msg"]} for e in error.errors()]
        first = errors[0] if errors else {"field": "", "message": "invalid request"}
        body = {"code": "invalid_input", "message": f"{first['field']}: {first['message']}", "field": first["field"],
                "details": {"errors": errors}}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed"}
        return JSONResponse({"code": codes.get(error.status_code, "http_error"), "message": str(error.detail)},
                            status_code=error.status_code, headers=getattr(error, "headers", None))
