"""The web console over the real stack: sign in with an API key into a session cookie, the CSRF
token on every form, operations' overdue list and escalate, and an auditor's timeline and ops log
(the same functions, roles and access log as the JSON endpoints)."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from api.console import router as console
from tests.api.test_operations import auth, open_case
from tests.builders import Scenario


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


async def signed_in(http: httpx.AsyncClient, key: str) -> httpx.Response:
    page = await http.get("/console/sign-in")
    assert page.status_code == 200 and "govuk-frontend.min.css" in page.text
    answer = await http.post("/console/sign-in", data={"api_key": key, "csrf_token": csrf_of(page)})
    return answer


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
