"""The web console over the real stack: sign in with an API key into a session cookie (shared by
every API process on the views), the CSRF token on every form, operations' overdue list, workflow
problems, quarantine and actions, an auditor's case as of an instant, decisions, verification,
chain, logs and export, and the carers register's figures (the same functions, roles and access
log as the JSON endpoints)."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.backend import Backend
from api.console import router as console
from api.console.sessions import SESSION_COOKIE, TABLE, session_hash
from api.keys_file import KeysFile
from domain.application import CaseRecord
from domain.people import Role
from projections.runner import ProjectionRunner
from projections.store import SQLiteViewStore
from tests.api.test_lifecycle_over_http import body_of, path_of
from tests.api.test_operations import auth, open_case
from tests.builders import ADULT, Scenario, plan_for


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


async def signed_in(http: httpx.AsyncClient, key: str) -> httpx.Response:
    page = await http.get("/console/sign-in")
    assert page.status_code == 200 and "govuk-frontend.min.css" in page.text
    answer = await http.post("/console/sign-in", data={"api_key": key, "csrf_token": csrf_of(page)})
    return answer


async def signed_off_case(http: httpx.AsyncClient, tokens) -> tuple[str, int]:
    """A case through to the adult's sign-off, each command sent by the role that sends it; its one
    carer identified and declining (so the carers register has a row)."""
    s = Scenario()
    steps: list[tuple[Any, str]] = [
        (s.referral(), "social_worker"),
        (s.screen(), "social_worker"),
        (s.identify_carer(), "social_worker"),
        (s.decline(), "social_worker"),
        (s.start_adult(), "social_worker"),
        (s.complete_adult(), "social_worker"),
        (s.eligibility(), "social_worker"),
        (s.budget(), "social_worker"),
        (s.finances(), "finance_officer"),
        (s.draft(plan=plan_for(ADULT, weekly_hours=7)), "social_worker"),
        (s.submit(), "social_worker"),
        (s.sign_off(route="panel"), "panel_member"),
    ]
    case_id, position = "", 0
    for command, role in steps:
        answer = await http.post(path_of(command, case_id), json=body_of(command), headers=auth(tokens, role))
        assert answer.status_code in (200, 201), (command.type_name(), answer.text)
        case_id, position = answer.json()["case_id"], answer.json()["position"]
    return case_id, position


async def sign_off_of(http: httpx.AsyncClient, tokens, case_id: str) -> dict[str, Any]:
    decisions = await http.get(f"/audit/cases/{case_id}/decisions", headers=auth(tokens, "auditor"))
    [sign_off] = [d for d in decisions.json() if d["decision"] == "SignOffDecisionRecorded"]
    return sign_off  # type: ignore[no-any-return]


def just_before(recorded_at: str) -> str:
    return (datetime.fromisoformat(recorded_at) - timedelta(milliseconds=1)).isoformat()


@pytest.fixture
async def browser(http: httpx.AsyncClient):
    """A second client on the same app with its own cookie jar (another person's browser)."""
    async with httpx.AsyncClient(transport=http._transport, base_url=http.base_url, timeout=60) as other:
        yield other


@pytest.mark.service_levels(stage_limits={"assessment": timedelta(0)})
async def test_ops_escalate_an_overdue_case_and_the_auditor_sees_it(http, browser, tokens):
    case_id, position = await open_case(http, tokens, Scenario())
    await http.get("/ops/stuck", params={"min_position": position}, headers=auth(tokens, "ops"))

    assert (await signed_in(browser, "not-a-key")).status_code == 401
    signed = await signed_in(browser, tokens[1]["ops"])
    assert signed.status_code == 303 and signed.headers["location"] == "/console"
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and tokens[1]["ops"] not in cookie
    page = await browser.get("/console/ops", params={"stage": "assessment"})
    assert page.status_code == 200 and case_id in page.text
    assert (await browser.get("/console/ops", params={"overdue_by_days": "-1"})).status_code == 422
    form = await browser.get(f"/console/ops/cases/{case_id}/escalate")
    reason = "assessment overdue, worker away"
    data = {"reason": reason, "escalated_to": "tm-morgan", "confirmed": "yes"}
    no_token = await browser.post(f"/console/ops/cases/{case_id}/escalate", data=data)
    assert no_token.status_code == 403
    unconfirmed = {**data, "confirmed": "", "csrf_token": csrf_of(form)}
    assert (await browser.post(f"/console/ops/cases/{case_id}/escalate", data=unconfirmed)).status_code == 422
    done = await browser.post(f"/console/ops/cases/{case_id}/escalate", data={**data, "csrf_token": csrf_of(form)})
    assert done.status_code == 200 and "escalated" in done.text
    actions = await http.get("/audit/ops-actions", params={"case_id": case_id}, headers=auth(tokens, "auditor"))
    assert [(a["action"], a["reason"], a["user_id"]) for a in actions.json()] == [("escalate", reason, "ops-1")]
    assert (await browser.get("/console/audit")).status_code == 403  # an ops user is no auditor

    assert (await signed_in(http, tokens[1]["auditor"])).status_code == 303
    audit = await http.get("/console/audit", params={"case_id": case_id})
    assert audit.status_code == 200 and "CaseEscalated" in audit.text and reason in audit.text
    reads = (await http.get("/audit/access-log", params={"case_id": case_id}, headers=auth(tokens, "auditor"))).json()
    assert [(r["user_id"], r["what"]) for r in reads if r["what"] == "timeline"] == [("auditor-1", "timeline")]


async def test_sign_out_ends_the_session_and_a_social_worker_has_no_ops_pages(http, tokens, monkeypatch):
    assert (await signed_in(http, tokens[1]["social_worker"])).status_code == 303
    refused = await http.get("/console/ops")
    assert refused.status_code == 403 and "social_worker may not" in refused.text
    page = await http.get("/console")
    out = await http.post("/console/sign-out", data={"csrf_token": csrf_of(page)})
    assert out.status_code == 303
    assert (await http.get("/console/ops")).headers["location"] == "/console/sign-in"

    monkeypatch.setattr(console, "COPIED", console.STATIC / "never-copied")
    missing = await http.get("/console/sign-in")
    assert missing.status_code == 500 and "make assets" in missing.text


async def test_an_auditor_sees_the_case_as_of_before_and_after_its_sign_off_and_verifies_it(http, tokens):
    case_id, _ = await signed_off_case(http, tokens)
    sign_off = await sign_off_of(http, tokens, case_id)
    version = sign_off["version"]
    assert (await signed_in(http, tokens[1]["auditor"])).status_code == 303

    page = await http.get("/console/audit", params={"case_id": case_id})
    assert page.status_code == 200 and f'id="decision-{version}"' in page.text and "Intact" in page.text
    after = await http.get("/console/audit", params={"case_id": case_id, "at": sign_off["recorded_at"]})
    assert after.status_code == 200 and f'id="decision-{version}"' in after.text
    before = await http.get("/console/audit", params={"case_id": case_id, "at": just_before(sign_off["recorded_at"])})
    assert before.status_code == 200 and f'id="decision-{version}"' not in before.text
    assert f"At version {version - 1} " in before.text
    # The difference from now names the sign-off's field: absent then, the approval now.
    changes = before.text.split('id="changes"', 1)[1].split("</table>", 1)[0]
    assert re.search(r"<code>people\.adult-1\.sign_off[.\w]*</code>", changes), changes[:2000]

    for bad in ("2026-01-01T09:00", "yesterday", "2026-13-01T00:00:00Z"):
        refused = await http.get("/console/audit", params={"case_id": case_id, "at": bad})
        assert refused.status_code == 422 and "at: an instant in ISO 8601 with its time zone" in refused.text, bad
    assert (await http.get("/console/audit", params={"case_id": "nope"})).status_code == 422

    verified = await http.get(f"/console/audit/cases/{case_id}/decisions/{version}/verify")
    assert verified.status_code == 200 and "Confirmed" in verified.text and "Differs" not in verified.text
    assert (await http.get(f"/console/audit/cases/{case_id}/decisions/1/verify")).status_code == 404
    assert (await http.get(f"/console/audit/cases/{case_id}/decisions/0/verify")).status_code == 422

    exported = await http.get(f"/console/audit/cases/{case_id}/export")
    assert exported.status_code == 200 and exported.headers["content-type"] == "application/json"
    assert exported.headers["content-disposition"] == f'attachment; filename="case-{case_id}.json"'
    assert exported.headers["cache-control"] == "no-store"
    record = json.loads(exported.text)
    assert record["case_id"] == case_id and record["chain"]["intact"] and len(record["events"]) >= version

    # Every read went through the API's own functions, so each is in the access log.
    reads = await http.get("/audit/access-log", params={"case_id": case_id}, headers=auth(tokens, "auditor"))
    what = {r["what"] for r in reads.json() if r["user_id"] == "auditor-1"}
    assert {"timeline", "decisions", "verify chain", f"decision {version}", f"verify decision {version}"} <= what
    assert {"export", f"as-of {sign_off['recorded_at']}"} <= what
    page = await http.get("/console/audit", params={"case_id": case_id})
    assert "verify decision" in page.text.split('id="access-log"', 1)[1]

    assert (await signed_in(http, tokens[1]["social_worker"])).status_code == 303
    assert (await http.get("/console/audit", params={"case_id": case_id})).status_code == 403
    assert (await http.get(f"/console/audit/cases/{case_id}/export")).status_code == 403


async def test_every_new_form_is_refused_without_its_token_and_does_nothing(http, tokens):
    case_id, _ = await open_case(http, tokens, Scenario())
    assert (await signed_in(http, tokens[1]["ops"])).status_code == 303
    forms = {
        "reassign": {"worker_id": "sw-ben", "reason": "worker on leave", "confirmed": "yes"},
        "retry": {"reason": "database back", "confirmed": "yes"},
        "release": {"reason": "cause fixed", "confirmed": "yes"},
    }
    for name, data in forms.items():
        page = await http.get(f"/console/ops/cases/{case_id}/{name}")
        assert page.status_code == 200 and 'name="confirmed"' in page.text, name
        assert (await http.post(f"/console/ops/cases/{case_id}/{name}", data=data)).status_code == 403, name
        wrong = {**data, "csrf_token": "not-the-token"}
        assert (await http.post(f"/console/ops/cases/{case_id}/{name}", data=wrong)).status_code == 403, name
        unconfirmed = {**data, "confirmed": "", "csrf_token": csrf_of(page)}
        refused = await http.post(f"/console/ops/cases/{case_id}/{name}", data=unconfirmed)
        assert refused.status_code == 422 and "tick the box" in refused.text, name
    no_reason = {"worker_id": "sw-ben", "confirmed": "yes", "csrf_token": csrf_of(page)}
    refused = await http.post(f"/console/ops/cases/{case_id}/reassign", data=no_reason)
    assert refused.status_code == 422 and "reason: Field required" in refused.text
    assert (await http.get(f"/console/ops/cases/{case_id}/delete")).status_code == 404
    assert (await http.get(f"/console/ops/cases/{uuid.uuid4().hex}/retry")).status_code == 404
    actions = await http.get("/audit/ops-actions", params={"case_id": case_id}, headers=auth(tokens, "auditor"))
    assert actions.json() == []


@pytest.mark.service_levels(stage_limits={"assessment": timedelta(0)})
async def test_ops_sees_a_retrying_activity_and_a_quarantined_case_and_acts_on_each(
    http, tokens, case_record: CaseRecord, views_running: ProjectionRunner, backend: Backend, monkeypatch
):
    s = Scenario()
    case_id, _ = await open_case(http, tokens, s)
    target = uuid.UUID(case_id)
    # The injected faults: the database away for this case's commands, and a view that cannot
    # apply this case's carer (the running runner's own view; a release builds fresh ones).
    real_handle = case_record.handle
    broken = {"on": True}

    def handle(command):
        if broken["on"] and command.case_id == target:
            raise ConnectionError("database unavailable (injected)")
        return real_handle(command)

    monkeypatch.setattr(case_record, "handle", handle)
    register = next(v for v in views_running.projections if v.name == "carers_register")
    real_view = register.handle

    def poisoned(cursor, event, notification_id):
        if event.originator_id == target and type(event).__name__ == "CarerIdentified":
            raise ValueError("poison (injected)")
        return real_view(cursor, event, notification_id)

    monkeypatch.setattr(register, "handle", poisoned)
    pending = asyncio.create_task(
        http.post(
            f"/cases/{case_id}/identify-carer", json=body_of(s.identify_carer()), headers=auth(tokens, "social_worker")
        )
    )
    assert (await signed_in(http, tokens[1]["ops"])).status_code == 303
    for _ in range(100):
        page = await http.get("/console/ops")
        problems = page.text.split('id="workflow-problems"', 1)[1].split("</table>", 1)[0]
        if case_id in problems:
            break
        await asyncio.sleep(0.1)
    namespace = backend.temporal.namespace
    assert f'href="http://127.0.0.1:8233/namespaces/{namespace}/workflows/case-{case_id}"' in problems
    assert "activity retrying" in problems and "record_command" in problems
    assert "database unavailable" not in page.text  # a failure's message stays in Temporal

    form = await http.get(f"/console/ops/cases/{case_id}/retry")
    broken["on"] = False
    retried = await http.post(
        f"/console/ops/cases/{case_id}/retry",
        data={"reason": "database back", "confirmed": "yes", "csrf_token": csrf_of(form)},
    )
    assert retried.status_code == 200 and "Retried" in retried.text
    assert (await asyncio.wait_for(pending, 20)).status_code == 200

    for _ in range(100):
        page = await http.get("/console/ops")
        held = page.text.split('id="quarantine"', 1)[1].split("</table>", 1)[0]
        if case_id in held:
            break
        await asyncio.sleep(0.1)
    assert "CarerIdentified" in held and "carers_register" in held and "ValueError" in held
    assert "poison" not in page.text
    assert f"/namespaces/{namespace}/workflows/case-{case_id}" in held
    [item] = (await http.get("/ops/quarantine", headers=auth(tokens, "ops"))).json()["items"]
    form = await http.get(f"/console/ops/cases/{case_id}/release")
    released = await http.post(
        f"/console/ops/cases/{case_id}/release",
        data={"reason": "the view is fixed", "confirmed": "yes", "csrf_token": csrf_of(form)},
    )
    applied = item["held_notifications"] + 1  # the failed one and those held behind it
    assert released.status_code == 200 and f"released: {applied} notification(s)" in released.text
    page = await http.get("/console/ops")
    assert case_id not in page.text.split('id="quarantine"', 1)[1].split("</table>", 1)[0]
    again = await http.post(
        f"/console/ops/cases/{case_id}/release",
        data={"reason": "once more", "confirmed": "yes", "csrf_token": csrf_of(form)},
    )
    assert again.status_code == 404 and "is not quarantined" in again.text

    form = await http.get(f"/console/ops/cases/{case_id}/reassign")
    moved = await http.post(
        f"/console/ops/cases/{case_id}/reassign",
        data={
            "worker_id": "sw-ben",
            "team": "",
            "reason": "worker on long-term leave",
            "confirmed": "yes",
            "csrf_token": csrf_of(form),
        },
    )
    assert moved.status_code == 200 and "reassigned to sw-ben" in moved.text
    log = await http.get("/audit/ops-actions", params={"case_id": case_id}, headers=auth(tokens, "auditor"))
    # A release refused (not quarantined) is not an action taken: only what was done is logged.
    assert sorted((a["action"], a["reason"], a["user_id"]) for a in log.json()) == [
        ("reassign", "worker on long-term leave", "ops-1"),
        ("release", "the view is fixed", "ops-1"),
        ("retry", "database back", "ops-1"),
    ]


async def test_a_sign_in_is_shared_by_two_api_processes_on_one_database_and_survives_a_restart(
    http, browser, tokens, backend: Backend, sqlite_env
):
    signed = await signed_in(browser, tokens[1]["auditor"])
    session_id = signed.cookies[SESSION_COOKIE]
    with backend.views.read() as cursor:
        rows = cursor.execute(f"SELECT session_sha256, key_id FROM {TABLE}").fetchall()
    [(hashed, key_id)] = rows
    assert hashed == session_hash(session_id) and re.fullmatch(r"k-[0-9a-f]{16}", key_id)
    assert session_id not in str(rows) and tokens[1]["auditor"] not in str(rows)

    # Another API process: its own backend and view store over the same database.
    views = SQLiteViewStore(sqlite_env["SQLITE_DBNAME"])
    other = Backend(
        record=backend.record,
        views=views,
        view_names=backend.view_names,
        log=backend.log,
        keys=backend.keys,
        temporal=backend.temporal,
        task_queue=backend.task_queue,
    )
    try:
        transport = httpx.ASGITransport(app=create_app(other))
        async with httpx.AsyncClient(transport=transport, base_url=http.base_url, timeout=60) as elsewhere:
            elsewhere.cookies.set(SESSION_COOKIE, session_id, path="/console")
            page = await elsewhere.get("/console/audit")
            assert page.status_code == 200 and "Sign out auditor-1" in page.text
            out = await elsewhere.post("/console/sign-out", data={"csrf_token": csrf_of(page)})
            assert out.status_code == 303
        # Signed out in one process: signed out in every one.
        assert (await browser.get("/console/audit")).headers["location"] == "/console/sign-in"
    finally:
        views.close()


async def test_the_carers_register_page_draws_its_funnel_and_gives_the_same_figures(http, tokens):
    case_id, position = await signed_off_case(http, tokens)
    [carer] = (await http.get("/carers-register", headers=auth(tokens, "team_manager"))).json()["items"]
    assert carer["case_id"] == case_id
    figures = await http.get(
        "/carers-register/figures", params={"min_position": position}, headers=auth(tokens, "team_manager")
    )
    by_month = await http.get(
        "/carers-register/figures/by-month", params={"min_position": position}, headers=auth(tokens, "team_manager")
    )
    assert by_month.status_code == 200
    [month] = by_month.json()["months"]
    assert month["figures"] == figures.json()["figures"] and month["figures"]["carers_identified"] == 1
    assert month["month"] == carer["identified_at"][:7]

    assert (await signed_in(http, tokens[1]["team_manager"])).status_code == 303
    page = await http.get("/console/carers", params={"team": "east-locality"})
    assert page.status_code == 200 and '<svg id="funnel-chart" role="img"' in page.text
    table = page.text.split('id="funnel"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>\s*<td[^>]*>(\d+)</td>', table)
    assert dict(rows) == {
        "Identified": "1",
        "Told of their right to an assessment": str(month["figures"]["carers_told_of_their_right_to_an_assessment"]),
        "Offered an assessment": str(month["figures"]["carers_offered_an_assessment"]),
        "Declined an assessment": "1",
        "Assessed": "0",
        "Found to have eligible needs": "0",
        "Supported in their own right": "0",
    }
    assert month["month"] in page.text.split('id="by-month"', 1)[1]
    empty = await http.get("/console/carers", params={"team": "west-locality"})
    assert (
        empty.status_code == 200
        and 'id="by-month"' in empty.text
        and month["month"] not in empty.text.split('id="by-month"', 1)[1]
    )
    bad = await http.get("/console/carers", params={"team": "not a team!"})
    assert bad.status_code == 422 and "team:" in bad.text
    nav = page.text.split('id="navigation"', 1)[1].split("</ul>", 1)[0]
    assert 'href="/console/carers"' in nav and "/console/ops" not in nav and "/console/audit" not in nav

    assert (await signed_in(http, tokens[1]["social_worker"])).status_code == 303
    assert (await http.get("/console/carers")).status_code == 403
    assert (await signed_in(http, tokens[1]["auditor"])).status_code == 303
    nav = (await http.get("/console/carers")).text.split('id="navigation"', 1)[1].split("</ul>", 1)[0]
    assert 'href="/console/carers"' in nav and 'href="/console/audit"' in nav and "/console/ops" not in nav


async def test_revoking_a_key_ends_its_console_sessions_at_once(browser, tokens):
    keys = KeysFile(tokens[0])
    key, token = keys.add("auditor-revoked", Role.AUDITOR, ())
    assert (await signed_in(browser, token)).status_code == 303
    assert (await browser.get("/console/audit")).status_code == 200
    keys.revoke(key.key_id, by="admin-1", reason="laptop lost")
    assert (await browser.get("/console/audit")).headers["location"] == "/console/sign-in"


async def test_ops_sees_the_messages_finance_has_not_acknowledged_in_time(
    http, tokens, case_record: CaseRecord, sqlite_env: dict[str, str]
):
    # A case recorded in January (straight through the case record, on a clock of its own): its
    # arrears payment and its suspension were sent to finance long ago; finance took the first.
    from api.access_log import AccessLog
    from domain.commands import CouncilSettings
    from eventstore.outbox import every_instruction
    from policy.catalogue import RuleSetCatalogue
    from tests.clock import SteppingClock
    from tests.domain.story import adult_only_signed_off
    from tests.rule_sets import TEST_COUNCILS

    january = CaseRecord(
        sqlite_env, rule_sets=RuleSetCatalogue(TEST_COUNCILS), council=CouncilSettings(), clock=SteppingClock()
    )
    try:
        s = Scenario()
        for command in (
            *adult_only_signed_off(s),
            s.agreement(start_date="2025-12-20"),
            s.confirm_arrears(),
            s.suspend(),
        ):
            january.handle(command)
    finally:
        january.close()
    paid, suspended = every_instruction(case_record)
    views = SQLiteViewStore(sqlite_env["SQLITE_DBNAME"])
    try:
        AccessLog(views).acknowledge(
            user_id="finance-officer-1", role="finance_officer", instruction_id=paid.instruction_id,
            case_id=paid.case_id.hex, finance_reference="AP-1",
        )  # fmt: skip
    finally:
        views.close()

    assert (await signed_in(http, tokens[1]["ops"])).status_code == 303
    page = await http.get("/console/ops")
    assert page.status_code == 200, page.text
    table = page.text.split('id="unacknowledged"', 1)[1].split("</table>", 1)[0]
    assert f"<code>{suspended.case_id.hex}</code>" in table and ">suspension<" in table
    assert f">{suspended.instruction_id}<" in table and f">{paid.instruction_id}<" not in table
    assert "1 message(s), oldest first" in table
    assert "Margaret" not in table  # ids only
