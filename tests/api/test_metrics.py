"""/metrics over HTTP: it parses as Prometheus text, its counters move by exactly what a scripted
lifecycle did, it names no case, person or user, and only the scrape token or an ops or admin key
reads it. The API's documentation pages load nothing from outside the app."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from api.backend import Backend
from domain.payment_schedule import due_at
from domain.vocabulary import Frequency
from tests.api.test_lifecycle_over_http import FrontEnd, body_of
from tests.builders import ADULT, Scenario, plan_for

pytestmark = pytest.mark.e2e

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
CASE_PATH = re.compile(r"^/cases/[0-9a-f]{32}$")


def samples_of(text: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def scrape(http: httpx.AsyncClient, token: str) -> tuple[str, Samples]:
    response = await http.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text, samples_of(response.text)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


@pytest.mark.workflow_timeout(240)
async def test_metrics_move_by_what_a_lifecycle_did(http: httpx.AsyncClient, tokens):
    front = FrontEnd(http, tokens[1])
    ops = tokens[1]["ops"]
    case_reads = 0

    async def count_case_reads(request: httpx.Request) -> None:
        nonlocal case_reads
        if request.method == "GET" and CASE_PATH.match(request.url.path):
            case_reads += 1

    http.event_hooks["request"].append(count_case_reads)
    _, before = await scrape(http, ops)
    s = Scenario()
    today = datetime.now(UTC).date()

    sent: dict[str, int] = {}

    async def do(command: Any, role: str) -> dict[str, Any]:
        sent[command.type_name()] = sent.get(command.type_name(), 0) + 1
        return await front.do(command, role)

    await do(s.referral(), "social_worker")
    await do(s.allocate("social-worker-1"), "team_manager")
    await do(s.screen(), "social_worker")
    await do(s.start_adult(), "social_worker")
    # Too early: refused with its code, counted once as a refusal under that code.
    early = await http.post(
        f"/cases/{front.case_id}/draft-support-plan", json=body_of(s.draft()), headers=front.as_("social_worker")
    )
    assert early.status_code == 409, early.text
    refusal = early.json()["code"]
    await do(s.complete_adult(), "social_worker")
    await do(s.eligibility(ADULT), "social_worker")
    # Sent twice with one key: recorded once, answered the second time as a duplicate.
    budget = s.budget(ADULT)
    headers = {**front.as_("social_worker"), "Idempotency-Key": "metrics-budget-1"}
    path = f"/cases/{front.case_id}/calculate-indicative-budget"
    first = await http.post(path, json=body_of(budget), headers=headers)
    again = await http.post(path, json=body_of(budget), headers=headers)
    assert (first.status_code, again.status_code, again.json()["duplicate"]) == (200, 200, True)
    await do(s.finances(), "finance_officer")
    await do(s.direct_payment_request(), "social_worker")
    await do(s.draft(plan=plan_for(ADULT, weekly_hours=7)), "social_worker")
    await do(s.submit(ADULT), "social_worker")
    await do(s.sign_off(ADULT, route="panel"), "panel_member")
    first_due_now = datetime.now(UTC) >= due_at(today, Frequency.FOUR_WEEKLY, 1)
    start = today if first_due_now else today - timedelta(days=1)
    await do(s.agreement(start_date=start.isoformat(), amount_per_payment_pence=64_400), "finance_officer")
    if not first_due_now:
        await do(s.confirm_arrears(64_400), "finance_officer")
    for _ in range(200):
        ledger = await front.get(f"/cases/{front.case_id}/ledger", role="finance_officer")
        if ledger["ledger"] and ledger["ledger"]["paid_pence"] > 0:
            break
        await asyncio.sleep(0.05)
    assert ledger["ledger"]["paid_pence"] == 64_400
    await front.get(f"/cases/{front.case_id}", min_position=ledger["position"])
    http.event_hooks["request"].remove(count_case_reads)

    text, after = await scrape(http, ops)
    for command, times in sent.items():
        assert moved(before, after, "carecase_commands_total", command=command, outcome="accepted") == times, command
    budget_name = "CalculateIndicativeBudget"
    assert moved(before, after, "carecase_commands_total", command=budget_name, outcome="accepted") == 1
    assert moved(before, after, "carecase_commands_total", command=budget_name, outcome="duplicate") == 1
    assert moved(before, after, "carecase_commands_total", command="DraftSupportPlan", outcome="refused") == 1
    assert moved(before, after, "carecase_command_refusals_total", command="DraftSupportPlan", code=refusal) == 1
    refusals = sum(v - before.get(k, 0) for k, v in after.items() if k[0] == "carecase_command_refusals_total")
    assert refusals == 1
    # Latency by route template: every read of one case under /cases/{case_id}, no path of its own.
    route = {"method": "GET", "route": "/cases/{case_id}"}
    assert moved(before, after, "carecase_http_request_duration_seconds_count", **route) == case_reads
    assert moved(before, after, "carecase_http_responses_total", status="200", **route) == case_reads
    template = "/cases/{case_id}/calculate-indicative-budget"
    assert moved(before, after, "carecase_http_responses_total", method="POST", route=template, status="200") == 2
    # From the views: one case open, now in service; one payment issued, of 64,400 pence.
    assert moved(before, after, "carecase_open_cases", stage="in_service") == 1
    opened = sum(v - before.get(k, 0) for k, v in after.items() if k[0] == "carecase_open_cases")
    assert opened == 1
    assert moved(before, after, "carecase_payments_issued_total") == 1
    assert moved(before, after, "carecase_payments_issued_pence_total") == 64_400
    assert after[("carecase_quarantined_cases", ())] == 0
    assert after[("carecase_views_lag_notifications", ())] >= 0
    assert after[("carecase_log_position", ())] >= after[("carecase_views_position", ())] >= front.position
    # Nothing personal, and no id of a case or a user, in any label or value.
    for secret in (front.case_id, "Margaret", "Oduya", "social-worker-1", "finance-officer-1", "ops-1"):
        assert secret not in text, secret
    assert not [k for k in after if any(label == "case_id" for label, _ in k[1])]


async def test_only_the_scrape_token_or_an_operations_key_reads_metrics(
    http: httpx.AsyncClient, tokens, backend: Backend
):
    keys = tokens[1]
    assert (await http.get("/metrics")).status_code == 401
    assert (await http.get("/metrics", headers={"Authorization": "Bearer not-a-key"})).status_code == 401
    for role in ("social_worker", "auditor", "finance_officer"):
        refused = await http.get("/metrics", headers={"Authorization": f"Bearer {keys[role]}"})
        assert refused.status_code == 403, role
    for role in ("ops", "admin"):
        await scrape(http, keys[role])
    backend.metrics_token = "scrape-" + "x" * 40
    text, _ = await scrape(http, backend.metrics_token)
    assert "carecase_views_lag_notifications" in text
    wrong = await http.get("/metrics", headers={"Authorization": f"Bearer {backend.metrics_token}y"})
    assert wrong.status_code == 401


ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\s*:\s*["']([^"']+)["']""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_documentation_pages_load_only_the_apps_own_assets(page: str):
    transport = httpx.ASGITransport(app=create_app())  # the pages need no backend
    async with httpx.AsyncClient(transport=transport, base_url="http://carecase.test") as http:
        await pages_load_only_local_assets(http, page)


async def pages_load_only_local_assets(http: httpx.AsyncClient, page: str) -> None:
    response = await http.get(page)
    assert response.status_code == 200
    html = response.text
    assets = [a or b for a, b in ASSET.findall(html)]
    assert len(assets) >= 2, html
    assert not re.search(r"https?://", html), "the page names an address outside the app"
    for asset in assets:
        assert asset.startswith("/") or asset.startswith(str(http.base_url)), asset
        fetched = await http.get(asset)
        assert fetched.status_code == 200, asset
        assert fetched.content
