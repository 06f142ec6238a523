"""The console's pages: sign in with an API key, operations (counts, the overdue list, escalate)
and audit (a case's timeline, the ops log). Every page calls the JSON endpoints' own functions
with the signed-in user, so roles, need to know and the access log are the API's, not a copy.
"""

# FastAPI reads these endpoints' annotations at run time; see api/commands.py.

import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from api import audit, ops, queries
from api.auth import allow, backend, user_of_key
from api.backend import Backend
from api.console.sessions import (
    CSRF_COOKIE,
    CSRF_FIELD,
    SESSION_COOKIE,
    SESSION_SECONDS,
    Sessions,
    csrf_matches,
    new_csrf_token,
)
from api.errors import Unauthorised, status_of
from api.keys import ApiUser
from api.need_to_know import case_reader
from api.roles import AUDITORS, CASE_READERS, OPERATIONS
from domain.errors import DomainError, InvalidInput
from domain.vocabulary import Stage

HERE = Path(__file__).parent
STATIC = HERE / "static"
COPIED = STATIC / ".copied"  # written last by `make assets`
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(prefix="/console", include_in_schema=False)
App = Annotated[Backend, Depends(backend)]
_read_a_case = case_reader(CASE_READERS)


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC, check_dir=False)


def sessions(request: Request) -> Sessions:
    held: Sessions | None = getattr(request.app.state, "console_sessions", None)
    if held is None:
        held = request.app.state.console_sessions = Sessions()
    return held


class AssetsMissing(Exception):
    """The console's assets were never copied: `make assets`."""


class CsrfRefused(Exception):
    """A form without the token of its page (403)."""


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    if not COPIED.exists():
        raise AssetsMissing
    token = request.cookies.get(CSRF_COOKIE) or new_csrf_token()
    user = getattr(request.state, "user", None)
    answer = templates.TemplateResponse(
        request, name, {"csrf_token": token, "csrf_field": CSRF_FIELD, "user": user, **context}, status_code=status
    )
    if request.cookies.get(CSRF_COOKIE) != token:
        _set_cookie(request, answer, CSRF_COOKIE, token)
    return answer


def _set_cookie(request: Request, answer: Response, name: str, value: str) -> None:
    answer.set_cookie(
        name,
        value,
        max_age=SESSION_SECONDS,
        path="/console",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _signed_in(request: Request) -> ApiUser:
    key = sessions(request).key_of(request.cookies.get(SESSION_COOKIE))
    if key is None:
        raise Unauthorised("sign in with your API key", field="session")
    return user_of_key(request, key, field="session")


async def _checked_form(request: Request) -> dict[str, str]:
    form = await request.form()
    if not csrf_matches(request.cookies.get(CSRF_COOKIE), str(form.get(CSRF_FIELD) or "")):
        raise CsrfRefused
    return {k: str(v) for k, v in form.items() if k != CSRF_FIELD}


def _invalid(error: ValidationError) -> InvalidInput:
    first = error.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "form"
    return InvalidInput(f"{field}: {first['msg']}", field=field)


def install(app: Any) -> None:
    """The router, its static files and its HTML answers for refusals on console paths."""
    app.include_router(router)
    app.mount("/console/static", static_files(), name="console-static")

    @app.exception_handler(AssetsMissing)
    async def assets_missing(request: Request, error: AssetsMissing) -> Response:
        return HTMLResponse(
            "<!DOCTYPE html><html lang='en'><head><title>Console assets missing</title></head><body><main>"
            "<h1>The console's assets are missing</h1><p>Run <code>make assets</code> (it runs "
            "<code>npm ci</code> and copies GOV.UK Frontend into api/console/static), then reload.</p>"
            "</main></body></html>",
            status_code=500,
        )

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, error: CsrfRefused) -> Response:
        return _page(
            request,
            "refused.html",
            403,
            title="Form refused",
            message=(
                "This form was sent without the token of the page it came from. Go back, reload the page and try again."
            ),
        )


def _refusal(request: Request, error: DomainError) -> Response:
    status = status_of(error)
    if status == 401:
        return RedirectResponse("/console/sign-in", status_code=303)
    return _page(request, "refused.html", status, title="Not possible", message=str(error))


@router.get("", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    try:
        user = _signed_in(request)
    except DomainError as error:
        return _refusal(request, error)
    if user.role in OPERATIONS:
        return RedirectResponse("/console/ops", status_code=303)
    if user.role in AUDITORS:
        return RedirectResponse("/console/audit", status_code=303)
    return _page(request, "home.html", title="Signed in")


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request) -> Response:
    return _page(request, "sign_in.html", title="Sign in")


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request) -> Response:
    form = await _checked_form(request)
    try:
        user_of_key(request, form.get("api_key", "").strip(), field="api_key")
    except Unauthorised as error:
        return _page(request, "sign_in.html", 401, title="Sign in", error=str(error))
    answer = RedirectResponse("/console", status_code=303)
    _set_cookie(request, answer, SESSION_COOKIE, sessions(request).open(form["api_key"].strip()))
    return answer


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    await _checked_form(request)
    sessions(request).close(request.cookies.get(SESSION_COOKIE))
    answer = RedirectResponse("/console/sign-in", status_code=303)
    answer.delete_cookie(SESSION_COOKIE, path="/console")
    return answer


def _filters(stage: str, team: str, overdue_by_days: str) -> dict[str, Any]:
    """The overdue list's filters from the form, checked by /ops/stuck's own rules (a field left
    empty is not filtered on)."""
    given = {"stage": stage, "team": team, "overdue_by_days": overdue_by_days.strip()}
    try:
        filters = ops.StuckFilters.model_validate({k: v for k, v in given.items() if v})
    except ValidationError as error:
        raise _invalid(error) from None
    return dict(filters)


async def _ops_page(request: Request, app: Backend, user: ApiUser, status: int = 200, **context: Any) -> Response:
    allow(OPERATIONS)(user)
    params = request.query_params
    stage, team, days = params.get("stage", ""), params.get("team", ""), params.get("overdue_by_days", "")
    filters = _filters(stage, team, days)
    counts = await ops.counts(user=user, app=app, team=filters["team"], min_position=None)
    stuck = await ops.stuck(user=user, app=app, limit=200, min_position=None, **filters)
    rows = sorted(stuck.items, key=lambda r: r.overdue_by_hours, reverse=True)
    return _page(
        request,
        "ops.html",
        status,
        title="Operations",
        counts=counts,
        rows=rows,
        stages=[s.value for s in Stage],
        chosen={"stage": stage, "team": team, "overdue_by_days": days},
        **context,
    )


@router.get("/ops", response_class=HTMLResponse)
async def ops_page(request: Request, app: App) -> Response:
    try:
        return await _ops_page(request, app, _signed_in(request))
    except DomainError as error:
        return _refusal(request, error)


@router.get("/ops/cases/{case_id}/escalate", response_class=HTMLResponse)
async def escalate_page(case_id: uuid.UUID, request: Request, app: App) -> Response:
    try:
        user = _signed_in(request)
        allow(OPERATIONS)(user)
        app.require_case(case_id)
    except DomainError as error:
        return _refusal(request, error)
    return _page(request, "escalate.html", title="Escalate a case", case_id=case_id.hex)


@router.post("/ops/cases/{case_id}/escalate", response_class=HTMLResponse)
async def escalate(case_id: uuid.UUID, request: Request, app: App) -> Response:
    form = await _checked_form(request)
    try:
        user = _signed_in(request)
        allow(OPERATIONS)(user)
        if form.get("confirmed") != "yes":
            raise InvalidInput("confirmed: tick the box to confirm the escalation", field="confirmed")
        try:
            body = ops.Escalate.model_validate(
                {k: v for k, v in form.items() if k in {"reason", "escalated_to"} and v.strip()}
            )
        except ValidationError as error:
            raise _invalid(error) from None
        result = await ops.escalate(case_id=case_id, body=body, user=user, app=app, idempotency_key=None)
    except InvalidInput as error:
        return _page(
            request, "escalate.html", 422, title="Escalate a case", case_id=case_id.hex, error=str(error), form=form
        )
    except DomainError as error:
        return _refusal(request, error)
    done = f"Case {case_id.hex} escalated (version {', '.join(str(e.version) for e in result.events)})."
    return _page(request, "done.html", title="Escalated", message=done)


@router.get("/audit", response_class=HTMLResponse)
async def audit_page(request: Request, app: App) -> Response:
    try:
        user = _signed_in(request)
        allow(AUDITORS)(user)
        wanted = request.query_params.get("case_id", "").strip()
        if not wanted:
            return _page(request, "audit.html", title="Audit")
        try:
            case_id = uuid.UUID(wanted)
        except ValueError:
            raise InvalidInput("case_id: 32 hex digits or a UUID", field="case_id") from None
        opened = await _read_a_case(case_id=case_id, user=user, app=app, break_glass=None, min_position=None)
        timeline = await queries.case_timeline(opened=opened, request=request, app=app)
        actions = audit.ops_actions(user=user, app=app, case_id=case_id, user_id=None, limit=200)
    except InvalidInput as error:
        return _page(request, "audit.html", 422, title="Audit", error=str(error))
    except DomainError as error:
        return _refusal(request, error)
    return _page(request, "audit.html", title="Audit", case_id=case_id.hex, timeline=timeline.items, actions=actions)
