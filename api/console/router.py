"""The console's pages: sign in with an API key; operations (counts, the overdue list, workflow
problems read from Temporal, quarantined cases, and the actions escalate, retry, reassign and
release); audit (a case as of any instant and its difference from now, its decisions explained and
verified, its chain, timeline, access log, ops log and export); and the carers register's funnel.
Every page calls the JSON endpoints' own functions with the signed-in user, so roles, need to know
and the access log are the API's, not a copy.
"""

# FastAPI reads these endpoints' annotations at run time; see api/commands.py.

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import AwareDatetime, BaseModel, TypeAdapter, ValidationError

from api import audit, ops, queries
from api.auth import allow, backend, key_id_of, user_of_key_id
from api.backend import Backend
from api.console.charts import bar_chart
from api.console.sessions import (
    CSRF_COOKIE,
    CSRF_FIELD,
    SESSION_COOKIE,
    SESSION_SECONDS,
    Sessions,
    csrf_matches,
    new_csrf_token,
)
from api.console.state_diff import differences, flat
from api.errors import Unauthorised, status_of
from api.keys import ApiUser
from api.need_to_know import LARGEST_ID, case_reader, record_reader
from api.roles import AUDITORS, CASE_READERS, FIGURE_READERS, OPERATIONS
from domain.errors import DomainError, InvalidInput, NotFound
from domain.vocabulary import Stage
from workflows.case_workflow import case_workflow_id

HERE = Path(__file__).parent
STATIC = HERE / "static"
COPIED = STATIC / ".copied"  # written last by `make assets`
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(prefix="/console", include_in_schema=False)
App = Annotated[Backend, Depends(backend)]
_read_a_case = case_reader(CASE_READERS)
_read_the_record = record_reader(AUDITORS)
_an_instant = TypeAdapter(AwareDatetime)
# The pages in the service navigation, each shown to the roles that may open it.
PAGES = (
    ("/console/ops", "Operations", OPERATIONS),
    ("/console/audit", "Audit", AUDITORS),
    ("/console/carers", "Carers register", FIGURE_READERS),
)


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC, check_dir=False)


def sessions(request: Request) -> Sessions:
    """The sessions beside the views of the council the deployment is configured for (a console
    request carries no bearer key, so that is the backend it is served by)."""
    wired: Backend = request.app.state.backend
    held: Sessions | None = getattr(request.app.state, "console_sessions", None)
    if held is None or held.store is not wired.views:
        held = request.app.state.console_sessions = Sessions(wired.views)
    return held


class AssetsMissing(Exception):
    """The console's assets were never copied: `make assets`."""


class CsrfRefused(Exception):
    """A form without the token of its page (403)."""


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    if not COPIED.exists():
        raise AssetsMissing
    token = request.cookies.get(CSRF_COOKIE) or new_csrf_token()
    user: ApiUser | None = getattr(request.state, "user", None)
    navigation = [
        {"href": href, "label": label, "current": request.url.path.startswith(href)}
        for href, label, roles in PAGES
        if user is not None and user.role in roles
    ]
    answer = templates.TemplateResponse(
        request,
        name,
        {"csrf_token": token, "csrf_field": CSRF_FIELD, "user": user, "navigation": navigation, **context},
        status_code=status,
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
    key_id = sessions(request).key_id_of(request.cookies.get(SESSION_COOKIE))
    if key_id is None:
        raise Unauthorised("sign in with your API key", field="session")
    return user_of_key_id(request, key_id, field="session")


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
    if user.role in FIGURE_READERS:
        return RedirectResponse("/console/carers", status_code=303)
    return _page(request, "home.html", title="Signed in")


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request) -> Response:
    return _page(request, "sign_in.html", title="Sign in")


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request) -> Response:
    form = await _checked_form(request)
    try:
        key_id = key_id_of(request, form.get("api_key", "").strip(), field="api_key")
    except Unauthorised as error:
        return _page(request, "sign_in.html", 401, title="Sign in", error=str(error))
    answer = RedirectResponse("/console", status_code=303)
    _set_cookie(request, answer, SESSION_COOKIE, await asyncio.to_thread(sessions(request).open, key_id))
    return answer


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    await _checked_form(request)
    await asyncio.to_thread(sessions(request).close, request.cookies.get(SESSION_COOKIE))
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


def web_ui_link(app: Backend, workflow_id: str) -> str:
    """The Temporal Web UI's page of a workflow, in the namespace the API's client works in."""
    namespace = quote(app.temporal.namespace, safe="")
    return f"{app.web_ui_origin}/namespaces/{namespace}/workflows/{quote(workflow_id, safe='')}"


async def _ops_page(request: Request, app: Backend, user: ApiUser, status: int = 200, **context: Any) -> Response:
    allow(OPERATIONS)(user)
    params = request.query_params
    stage, team, days = params.get("stage", ""), params.get("team", ""), params.get("overdue_by_days", "")
    filters = _filters(stage, team, days)
    counts = await ops.counts(user=user, app=app, team=filters["team"], min_position=None)
    stuck = await ops.stuck(user=user, app=app, limit=200, min_position=None, **filters)
    rows = sorted(stuck.items, key=lambda r: r.overdue_by_hours, reverse=True)
    problems = await ops.problems(user=user, app=app, team=filters["team"], stage=filters["stage"], scan=500)
    held = await ops.quarantine(user=user, app=app, limit=200)
    late = await ops.finance_unacknowledged(user=user, app=app)
    return _page(
        request,
        "ops.html",
        status,
        title="Operations",
        counts=counts,
        rows=rows,
        problems=[{**p, "web_ui": web_ui_link(app, p["workflow_id"])} for p in problems["problems"]],
        scanned=problems["scanned"],
        scan_limit=problems["scan_limit"],
        quarantined_cases=held["quarantined_cases"],
        quarantined=[
            {**q, "web_ui": web_ui_link(app, case_workflow_id(uuid.UUID(q["case_id"])))} for q in held["items"]
        ],
        unacknowledged=late,
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


# Operations' actions on a case --------------------------------------------------------------------


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    hint: str = ""
    multiline: bool = False


REASON = FormField("reason", "Reason", "Recorded in the ops log. No personal details.", multiline=True)


@dataclass(frozen=True)
class OpsAction:
    """One of operations' actions as a form: the body /ops takes, and the ops function it calls."""

    verb: str  # the button
    done: str  # what the confirmation says happened
    confirm: str  # the checkbox's label
    body: type[BaseModel]
    fields: tuple[FormField, ...]
    run: Callable[[uuid.UUID, Any, ApiUser, Backend], Awaitable[str]]


async def _escalate(case_id: uuid.UUID, body: ops.Escalate, user: ApiUser, app: Backend) -> str:
    result = await ops.escalate(case_id=case_id, body=body, user=user, app=app, idempotency_key=None)
    return f"Case {case_id.hex} escalated (version {', '.join(str(e.version) for e in result.events)})."


async def _reassign(case_id: uuid.UUID, body: ops.Reassign, user: ApiUser, app: Backend) -> str:
    result = await ops.reassign(case_id=case_id, body=body, user=user, app=app, idempotency_key=None)
    versions = ", ".join(str(e.version) for e in result.events)
    return f"Case {case_id.hex} reassigned to {body.worker_id} (version {versions})."


async def _retry(case_id: uuid.UUID, body: ops.Retry, user: ApiUser, app: Backend) -> str:
    outcome = await ops.retry(case_id=case_id, body=body, user=user, app=app)
    return (
        f"Case {case_id.hex}: {len(outcome['reset'])} retrying activit(ies) run again now, "
        f"{len(outcome['finished_meanwhile'])} finished meanwhile."
    )


async def _release(case_id: uuid.UUID, body: ops.ReleaseCase, user: ApiUser, app: Backend) -> str:
    outcome = await ops.release(case_id=case_id, body=body, user=user, app=app)
    return f"Case {case_id.hex} released: {outcome['notifications']} notification(s) applied to the views."


ACTIONS: dict[str, OpsAction] = {
    "escalate": OpsAction(
        "Escalate",
        "Escalated",
        "I confirm this case is to be escalated",
        ops.Escalate,
        (
            FormField("reason", "Reason", "Recorded on the case and in the ops log. No personal details.", True),
            FormField("escalated_to", "To (a team manager's user id, optional)"),
        ),
        _escalate,
    ),
    "reassign": OpsAction(
        "Reassign",
        "Reassigned",
        "I confirm this case is to be reassigned",
        ops.Reassign,
        (
            FormField("worker_id", "To (the worker's user id)"),
            FormField("team", "Team (optional: the case keeps its team if left empty)"),
            FormField("reason", "Reason", "Recorded on the case and in the ops log. No personal details.", True),
        ),
        _reassign,
    ),
    "retry": OpsAction(
        "Retry now",
        "Retried",
        "I confirm the case's failing activities are to be run again now",
        ops.Retry,
        (REASON,),
        _retry,
    ),
    "release": OpsAction(
        "Release",
        "Released",
        "I confirm the cause is fixed and the case is to be re-applied to every view",
        ops.ReleaseCase,
        (REASON,),
        _release,
    ),
}


def _action_of(name: str) -> OpsAction:
    found = ACTIONS.get(name)
    if found is None:
        raise NotFound(f"no action {name!r}; the actions are {', '.join(ACTIONS)}", field="action")
    return found


def _action_page(request: Request, name: str, case_id: uuid.UUID, status: int = 200, **context: Any) -> HTMLResponse:
    action = ACTIONS[name]
    return _page(
        request,
        "action.html",
        status,
        title=f"{action.verb} case",
        action=action,
        action_name=name,
        case_id=case_id.hex,
        **context,
    )


@router.get("/ops/cases/{case_id}/{name}", response_class=HTMLResponse)
async def action_page(case_id: uuid.UUID, name: str, request: Request, app: App) -> Response:
    try:
        user = _signed_in(request)
        allow(OPERATIONS)(user)
        _action_of(name)
        await asyncio.to_thread(app.require_case, case_id)
    except DomainError as error:
        return _refusal(request, error)
    return _action_page(request, name, case_id)


@router.post("/ops/cases/{case_id}/{name}", response_class=HTMLResponse)
async def act(case_id: uuid.UUID, name: str, request: Request, app: App) -> Response:
    form = await _checked_form(request)
    try:
        user = _signed_in(request)
        allow(OPERATIONS)(user)
        action = _action_of(name)
        if form.get("confirmed") != "yes":
            raise InvalidInput("confirmed: tick the box to confirm", field="confirmed")
        named = {f.name for f in action.fields}
        try:
            body = action.body.model_validate({k: v for k, v in form.items() if k in named and v.strip()})
        except ValidationError as error:
            raise _invalid(error) from None
        message = await action.run(case_id, body, user, app)
    except InvalidInput as error:
        return _action_page(request, name, case_id, 422, error=str(error), form=form)
    except DomainError as error:
        return _refusal(request, error)
    return _page(request, "done.html", title=action.done, message=message)


# Audit ----------------------------------------------------------------------------------------------


def _case_id_of(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise InvalidInput("case_id: 32 hex digits or a UUID", field="case_id") from None


def _instant_of(text: str) -> datetime:
    """The as-of picker's instant: ISO 8601 with its time zone (the rule /audit/cases/…/as-of's ``at`` has)."""
    try:
        return _an_instant.validate_python(text.strip())
    except ValidationError:
        raise InvalidInput(
            "at: an instant in ISO 8601 with its time zone, e.g. 2026-05-01T09:00:00Z (Z is UTC)", field="at"
        ) from None


def _as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1)


@router.get("/audit", response_class=HTMLResponse)
async def audit_page(request: Request, app: App) -> Response:
    params = request.query_params
    chosen = {"case_id": params.get("case_id", "").strip(), "at": params.get("at", "").strip()}
    try:
        user = _signed_in(request)
        allow(AUDITORS)(user)
        if not chosen["case_id"]:
            return _page(request, "audit.html", title="Audit", chosen=chosen)
        case_id = _case_id_of(chosen["case_id"])
        at = _instant_of(chosen["at"]) if chosen["at"] else None
        record = await _read_the_record(case_id=case_id, user=user, app=app, break_glass=None)
        opened = await _read_a_case(case_id=case_id, user=user, app=app, break_glass=None, min_position=None)
        timeline = await queries.case_timeline(opened=opened, request=request, app=app)
        context = await asyncio.to_thread(_audited, request, app, record, at)
        actions = audit.ops_actions(user=user, app=app, case_id=case_id, user_id=None, limit=200)
        reads = audit.access_log(user=user, app=app, case_id=case_id, user_id=None, limit=200)
    except InvalidInput as error:
        return _page(request, "audit.html", 422, title="Audit", error=str(error), chosen=chosen)
    except DomainError as error:
        return _refusal(request, error)
    return _page(
        request,
        "audit.html",
        title="Audit",
        chosen=chosen,
        case_id=case_id.hex,
        timeline=timeline.items,
        actions=actions,
        reads=reads,
        **context,
    )


def _audited(request: Request, app: Backend, record: Any, at: datetime | None) -> dict[str, Any]:
    """The auditor's reads of one case, each the /audit endpoint's own (and so in the access log)."""
    decisions = audit.decisions(opened=record, request=request, app=app)
    chain = audit.verify_chain(opened=record, request=request, app=app)
    found: dict[str, Any] = {"decisions": decisions, "chain": chain}
    if at is not None:
        then = audit.as_of(opened=record, request=request, app=app, at=at)
        now = audit.as_of(opened=record, request=request, app=app, at=datetime.now(UTC))
        found |= {
            "then": then,
            "now": now,
            "then_fields": sorted(flat(then["state"]).items()) if then["exists"] else [],
            "changes": differences(then["state"], now["state"]),
            # The decisions the case held at the instant: those at or before its version then.
            "decisions": [d for d in decisions if d.version <= then["version"]],
            "decisions_later": len([d for d in decisions if d.version > then["version"]]),
        }
    return found


def _version_of(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= LARGEST_ID:
        raise InvalidInput(f"version: a whole number from 1 to {LARGEST_ID}", field="version")
    return int(text)


@router.get("/audit/cases/{case_id}/decisions/{version}/verify", response_class=HTMLResponse)
async def verify_page(case_id: str, version: str, request: Request, app: App) -> Response:
    try:
        user = _signed_in(request)
        allow(AUDITORS)(user)
        wanted, at_version = _case_id_of(case_id), _version_of(version)
        record = await _read_the_record(case_id=wanted, user=user, app=app, break_glass=None)
        explained = await asyncio.to_thread(audit.decision, opened=record, version=at_version, request=request, app=app)
        check = await asyncio.to_thread(
            audit.verify_decision, opened=record, version=at_version, request=request, app=app
        )
    except InvalidInput as error:
        return _page(request, "refused.html", 422, title="Not possible", message=str(error))
    except DomainError as error:
        return _refusal(request, error)
    return _page(
        request,
        "verify.html",
        title="Decision verified" if check.verified else "Decision differs",
        case_id=wanted.hex,
        decision=explained,
        check=check,
        breakdown=_as_json(explained.breakdown),
    )


@router.get("/audit/cases/{case_id}/export")
async def export_download(case_id: str, request: Request, app: App) -> Response:
    try:
        user = _signed_in(request)
        allow(AUDITORS)(user)
        wanted = _case_id_of(case_id)
        record = await _read_the_record(case_id=wanted, user=user, app=app, break_glass=None)
        exported = await asyncio.to_thread(audit.export, opened=record, request=request, app=app)
    except InvalidInput as error:
        return _page(request, "refused.html", 422, title="Not possible", message=str(error))
    except DomainError as error:
        return _refusal(request, error)
    return Response(
        json.dumps(exported, ensure_ascii=False, indent=1),
        media_type="application/json",
        # The record holds personal details: kept by whoever downloads it, never by a cache on the way.
        headers={"Content-Disposition": f'attachment; filename="case-{wanted.hex}.json"', "Cache-Control": "no-store"},
    )


# The carers register ---------------------------------------------------------------------------------

FUNNEL = (
    ("carers_identified", "Identified"),
    ("carers_told_of_their_right_to_an_assessment", "Told of their right to an assessment"),
    ("carers_offered_an_assessment", "Offered an assessment"),
    ("carers_who_declined_an_assessment", "Declined an assessment"),
    ("carers_assessed", "Assessed"),
    ("carers_with_eligible_needs", "Found to have eligible needs"),
    ("carers_supported_in_their_own_right", "Supported in their own right"),
)


@router.get("/carers", response_class=HTMLResponse)
async def carers_page(request: Request, app: App) -> Response:
    chosen = request.query_params.get("team", "").strip()
    try:
        user = _signed_in(request)
        allow(FIGURE_READERS)(user)
        try:
            team = queries.CarersFilters.model_validate({"team": chosen} if chosen else {}).team
        except ValidationError as error:
            raise _invalid(error) from None
        figures = await queries.carers_figures(user=user, app=app, team=team, min_position=None)
        by_month = await queries.carers_figures_by_month(user=user, app=app, team=team, min_position=None)
    except InvalidInput as error:
        return _page(request, "carers.html", 422, title="Carers register", error=str(error), chosen=chosen)
    except DomainError as error:
        return _refusal(request, error)
    counts = figures.figures.model_dump()
    funnel = [(label, counts[name]) for name, label in FUNNEL]
    months = [(m.month, m.figures.model_dump()) for m in by_month.months]
    return _page(
        request,
        "carers.html",
        title="Carers register",
        chosen=chosen,
        funnel=funnel,
        chart=bar_chart(funnel),
        funnel_columns=FUNNEL,
        months=months,
        month_chart=bar_chart([(month, f["carers_identified"]) for month, f in months]),
        young_carers_referred=counts["young_carers_referred_to_childrens_services"],
        ended=figures.ended_by_reason,
        position=figures.position,
    )
