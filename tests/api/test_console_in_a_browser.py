"""The console in real Chromium (Debian's, driven by Playwright): the API served by uvicorn on
loopback, on the tests' event loop beside the Temporal client; axe-core (the copied axe.min.js)
run on every page visited, allowing no serious or critical violation; no request leaves loopback.
Each page's screenshot is kept in the test's temporary folder (pytest keeps the last runs')."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.backend import Backend
from api.console.router import STATIC
from tests.api.test_console import just_before, sign_off_of, signed_off_case
from tests.api.test_operations import auth, open_case
from tests.builders import Scenario

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)"),
]
playwright_api = pytest.importorskip("playwright.async_api")


@pytest.fixture
async def served(backend: Backend) -> AsyncIterator[str]:
    server = uvicorn.Server(uvicorn.Config(create_app(backend), host="127.0.0.1", port=0, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.fixture
async def chromium(tmp_path: Path):
    async with playwright_api.async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield browser
        finally:
            await browser.close()


class Visit:
    """A browser context that records every request's host and checks each page with axe-core."""

    def __init__(self, context, shots: Path) -> None:
        self.context = context
        self.hosts: set[str] = set()
        self.shots = shots
        context.on("request", lambda r: self.hosts.add(urlsplit(r.url).hostname or r.url))

    async def checked(self, page, name: str) -> None:
        await page.add_script_tag(path=str(STATIC / "axe.min.js"))
        found = await page.evaluate("async () => (await axe.run(document)).violations")
        serious = [v for v in found if v["impact"] in ("serious", "critical")]
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]]) for v in serious]
        await page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)
        assert not bad, (name, page.url, bad)


async def sign_in(page, visit: Visit, base: str, key: str) -> None:
    await page.goto(f"{base}/console/sign-in")
    await visit.checked(page, "sign-in")
    await page.fill("#api_key", key)
    await page.click("button:has-text('Sign in')")


@pytest.mark.service_levels(stage_limits={"assessment": timedelta(0)})
async def test_ops_escalates_an_overdue_case_and_an_auditor_reads_its_timeline(
    http: httpx.AsyncClient, tokens, served: str, chromium, tmp_path: Path
):
    case_id, position = await open_case(http, tokens, Scenario())
    await http.get("/ops/stuck", params={"min_position": position}, headers=auth(tokens, "ops"))
    context = await chromium.new_context()
    visit = Visit(context, tmp_path)
    page = await context.new_page()

    await sign_in(page, visit, served, "not-a-key")
    assert await page.locator(".govuk-error-summary").count() == 1
    await visit.checked(page, "sign-in-refused")
    await sign_in(page, visit, served, tokens[1]["ops"])
    await page.wait_for_url(f"{served}/console/ops")
    await page.select_option("#stage", "assessment")
    await page.click("button:has-text('Filter')")
    await page.wait_for_url("**stage=assessment**")
    assert case_id in await page.inner_text("#overdue")
    await visit.checked(page, "ops")
    await page.click(f"a[href='/console/ops/cases/{case_id}/escalate']")
    await visit.checked(page, "escalate")
    await page.fill("#reason", "assessment overdue, worker away")
    await page.check("#confirmed")
    await page.click("button:has-text('Escalate')")
    assert "escalated" in await page.inner_text("main")
    await visit.checked(page, "escalated")
    # A form without its token is refused (the page's token removed before sending).
    await page.goto(f"{served}/console/ops/cases/{case_id}/escalate")
    await page.evaluate("document.querySelector('form[action$=escalate] input[name=csrf_token]').remove()")
    await page.fill("#reason", "second try")
    await page.check("#confirmed")
    await page.click("button:has-text('Escalate')")
    assert "Form refused" in await page.inner_text("h1")
    await visit.checked(page, "csrf-refused")
    await context.close()

    context = await chromium.new_context()
    auditor = Visit(context, tmp_path)
    page = await context.new_page()
    await sign_in(page, auditor, served, tokens[1]["auditor"])
    await page.wait_for_url(f"{served}/console/audit")
    await auditor.checked(page, "audit")
    await page.fill("#case_id", case_id)
    await page.click("button:has-text('Find the case')")
    assert "CaseEscalated" in await page.inner_text("#timeline")
    assert "assessment overdue, worker away" in await page.inner_text("#ops-log")
    assert "second try" not in await page.inner_text("#ops-log")
    await auditor.checked(page, "timeline")
    await context.close()
    assert visit.hosts | auditor.hosts == {"127.0.0.1"}


async def test_an_auditor_moves_the_as_of_picker_across_a_sign_off_and_verifies_it(
    http: httpx.AsyncClient, tokens, served: str, chromium, tmp_path: Path
):
    case_id, _ = await signed_off_case(http, tokens)
    sign_off = await sign_off_of(http, tokens, case_id)
    row = f"#decision-{sign_off['version']}"
    context = await chromium.new_context()
    auditor = Visit(context, tmp_path)
    page = await context.new_page()
    await sign_in(page, auditor, served, tokens[1]["auditor"])
    await page.wait_for_url(f"{served}/console/audit")

    await page.fill("#case_id", case_id)
    await page.fill("#at", sign_off["recorded_at"])
    await page.click("button:has-text('Find the case')")
    assert await page.locator(row).count() == 1
    assert "SignOffDecisionRecorded" in await page.inner_text(row)
    await auditor.checked(page, "audit-as-of-the-sign-off")
    await page.fill("#at", just_before(sign_off["recorded_at"]))
    await page.click("button:has-text('Find the case')")
    assert await page.locator(row).count() == 0
    assert "people.adult-1.sign_off" in await page.inner_text("#changes")
    await auditor.checked(page, "audit-as-of-before-the-sign-off")
    await page.fill("#at", "yesterday")
    await page.click("button:has-text('Find the case')")
    assert "at: an instant in ISO 8601" in await page.inner_text(".govuk-error-summary")
    await auditor.checked(page, "audit-as-of-refused")

    await page.fill("#at", "")
    await page.click("button:has-text('Find the case')")
    assert "Intact" in await page.inner_text("#chain")
    await page.click(f"{row} button:has-text('Verify')")
    await page.wait_for_url(f"**/decisions/{sign_off['version']}/verify*")
    assert "Confirmed" in await page.inner_text("#verdict")
    await auditor.checked(page, "decision-verified")

    await page.click("#navigation a:has-text('Carers register')")
    await page.wait_for_url(f"{served}/console/carers")
    assert await page.locator("#funnel-chart rect").count() == 7
    funnel = await page.inner_text("#funnel")
    assert "Identified" in funnel and "Supported in their own right" in funnel
    assert await page.locator("#by-month tbody tr").count() == 1
    await auditor.checked(page, "carers")
    await context.close()

    context = await chromium.new_context()
    worker = Visit(context, tmp_path)
    page = await context.new_page()
    await sign_in(page, worker, served, tokens[1]["social_worker"])
    await page.wait_for_url(f"{served}/console")
    assert await page.locator("#navigation a").count() == 0  # no console page is a social worker's
    await worker.checked(page, "home")
    for path in ("/console/ops", f"/console/audit?case_id={case_id}", "/console/carers"):
        answer = await page.goto(f"{served}{path}")
        assert answer is not None and answer.status == 403, path
        assert "social_worker may not" in await page.inner_text("main")
    await worker.checked(page, "refused")
    await context.close()
    assert auditor.hosts | worker.hosts == {"127.0.0.1"}


@pytest.mark.service_levels(stage_limits={"assessment": timedelta(0)})
async def test_ops_sees_the_workflow_problems_and_reassigns_a_case_with_a_reason(
    http: httpx.AsyncClient, tokens, served: str, chromium, tmp_path: Path
):
    case_id, position = await open_case(http, tokens, Scenario())
    await http.get("/ops/stuck", params={"min_position": position}, headers=auth(tokens, "ops"))
    context = await chromium.new_context()
    ops = Visit(context, tmp_path)
    page = await context.new_page()
    await sign_in(page, ops, served, tokens[1]["ops"])
    await page.wait_for_url(f"{served}/console/ops")
    assert await page.locator("#workflow-problems").count() == 1
    assert await page.locator("#quarantine").count() == 1
    assert await page.locator("#navigation a[aria-current=page]").inner_text() == "Operations"
    await ops.checked(page, "ops-with-problems")

    await page.click(f"#overdue a[href='/console/ops/cases/{case_id}/reassign']")
    await ops.checked(page, "reassign")
    await page.fill("#worker_id", "sw-ben")
    await page.fill("#reason", "worker on long-term leave")
    await page.click("button:has-text('Reassign')")
    assert "tick the box" in await page.inner_text(".govuk-error-summary")
    assert await page.input_value("#reason") == "worker on long-term leave"  # kept for the second try
    await ops.checked(page, "reassign-unconfirmed")
    await page.check("#confirmed")
    await page.click("button:has-text('Reassign')")
    assert "reassigned to sw-ben" in await page.inner_text("main")
    await ops.checked(page, "reassigned")
    await context.close()

    context = await chromium.new_context()
    auditor = Visit(context, tmp_path)
    page = await context.new_page()
    await sign_in(page, auditor, served, tokens[1]["auditor"])
    await page.wait_for_url(f"{served}/console/audit")
    await page.fill("#case_id", case_id)
    await page.click("button:has-text('Find the case')")
    log = await page.inner_text("#ops-log")
    assert "reassign" in log and "worker on long-term leave" in log and "ops-1" in log
    await auditor.checked(page, "ops-log")
    await context.close()
    assert ops.hosts | auditor.hosts == {"127.0.0.1"}
