"""A whole case through HTTP only, as the council's front end drives it: every command a POST with
the key of the person doing it, every screen a GET after the position the command returned, and
every view checked after every step."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from domain.commands import CaseCommand
from domain.payment_schedule import due_at
from domain.vocabulary import Frequency
from tests.builders import ADULT, Scenario, plan_for

pytestmark = pytest.mark.e2e


def body_of(command: CaseCommand) -> dict[str, Any]:
    return command.model_dump(mode="json", exclude={"case_id", "command_id", "actor"}, exclude_none=True)


def path_of(command: CaseCommand, case_id: str) -> str:
    from api.commands import path_for

    return "/cases" if command.creates_case else f"/cases/{case_id}/{path_for(command.type_name())}"


class FrontEnd:
    def __init__(self, http: httpx.AsyncClient, tokens: dict[str, str]) -> None:
        self.http, self.tokens = http, tokens
        self.case_id = ""
        self.position = 0

    def as_(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    async def do(self, command: CaseCommand, role: str) -> dict[str, Any]:
        response = await self.http.post(path_of(command, self.case_id), json=body_of(command), headers=self.as_(role))
        assert response.status_code in (200, 201), (command.type_name(), response.status_code, response.text)
        result = response.json()
        self.case_id, self.position = result["case_id"], result["position"]
        assert result["events"] and all(e["event_id"] == f"{self.case_id}/{e['version']}" for e in result["events"])
        await self.check_views(result)
        return result

    async def get(self, path: str, role: str = "social_worker", **params: Any) -> Any:
        response = await self.http.get(path, headers=self.as_(role), params={"min_position": self.position, **params})
        assert response.status_code == 200, (path, response.text)
        return response.json()

    async def check_views(self, result: dict[str, Any]) -> None:
        """Read-your-writes on every view: each one shows the command that was just answered."""
        version = result["events"][-1]["version"]
        view = await self.get(f"/cases/{self.case_id}")
        assert view["position"] >= result["position"]
        # The case's own workflow may have added to the case since (a review scheduled at sign-off).
        assert view["case"]["version"] >= version
        if view["case"]["version"] == version:
            assert view["case"]["stage"] == result["stage"]
        timeline = await self.get(f"/cases/{self.case_id}/timeline", role="auditor")
        versions = [row["version"] for row in timeline["items"]]
        assert versions == list(range(1, len(versions) + 1)) and len(versions) >= view["case"]["version"]
        assert [row["event"] for row in timeline["items"][version - len(result["events"]) : version]] == [
            e["type"] for e in result["events"]
        ]
        team = await self.get(f"/worklists/teams/{view['case']['team']}", role="team_manager")
        on_case = sorted((i["kind"], i["role"]) for i in team["items"] if i["case_id"] == self.case_id)
        assert on_case == sorted((w["kind"], w["role"]) for w in view["work"])
        # The team's manager: finance see a case only once it has money in it (need to know).
        ledger = await self.get(f"/cases/{self.case_id}/ledger", role="team_manager")
        assert ledger["ledger"] is None or ledger["ledger"]["case_id"] == self.case_id
        stuck = await self.get("/ops/stuck", role="ops")
        assert all("adult_name" not in row for row in stuck["items"])


async def test_referral_to_first_payment_and_review_through_http_only(http: httpx.AsyncClient, tokens):
    front = FrontEnd(http, tokens[1])
    s = Scenario()
    today = datetime.now(UTC).date()

    opened = await front.do(s.referral(), "social_worker")
    assert [e["type"] for e in opened["events"]] == ["ReferralReceived"] and opened["stage"] == "screening"
    await front.do(s.allocate("social-worker-1"), "team_manager")
    await front.do(s.screen(), "social_worker")
    await front.do(s.identify_carer("carer-1"), "social_worker")
    await front.do(s.start_adult(), "social_worker")
    await front.do(s.complete_adult(), "social_worker")
    await front.do(s.accept("carer-1"), "social_worker")

    # Too early: the carer's assessment is outstanding. 409 with the reason code, nothing written.
    before = (await front.get(f"/cases/{front.case_id}"))["case"]["version"]
    early = await http.post(
        f"/cases/{front.case_id}/draft-support-plan", json=body_of(s.draft()), headers=front.as_("social_worker")
    )
    assert early.status_code == 409
    assert early.json()["code"] == "assessments_outstanding"
    assert early.json()["details"]["outstanding"] == [
        {"person_id": "carer-1", "kind": "carer", "assessment": "accepted"}
    ]
    mine = await front.get("/worklists/mine")
    # The worker's own list says what to do instead: the carer's assessment, and the adult's eligibility.
    assert {(i["kind"], i["person_id"]) for i in mine["items"] if i["case_id"] == front.case_id} == {
        ("carer_assessment", "carer-1"),
        ("determine_eligibility", "adult-1"),
    }
    assert (await front.get(f"/cases/{front.case_id}"))["case"]["version"] == before

    await front.do(s.start_carer("carer-1"), "social_worker")
    await front.do(s.complete_carer("carer-1"), "social_worker")
    for person in (ADULT, "carer-1"):
        await front.do(s.eligibility(person), "social_worker")
        await front.do(s.budget(person), "social_worker")
    await front.do(s.finances(), "finance_officer")
    case = (await front.get(f"/cases/{front.case_id}"))["case"]
    assert (case["stage"], case["carers_outstanding"], case["eligible_people"]) == ("support_planning", 0, 2)
    # Margaret asks for a direct payment herself: the agreement rests on her request (s.31).
    await front.do(s.direct_payment_request(requested_on=today.isoformat()), "social_worker")

    await front.do(s.draft(plan=plan_for(ADULT, weekly_hours=7)), "social_worker")
    await front.do(
        s.draft(
            "carer-1", plan=plan_for("carer-1", weekly_hours=1, unit_cost_pence=9_000, management="council_managed")
        ),
        "social_worker",
    )
    for person in (ADULT, "carer-1"):
        await front.do(s.submit(person), "social_worker")
        await front.do(s.sign_off(person, route="panel"), "panel_member")
    signed = (await front.get(f"/cases/{front.case_id}"))["case"]
    assert signed["stage"] == "payment_setup"

    # A slot falls due at nine in the morning (UTC) of its date. From nine, an agreement starting
    # today has its first slot due: the case's own payments workflow pays it. Before nine that slot
    # is not due yet, so the agreement starts yesterday instead: its first slot is then owed as
    # arrears, which finance confirms and which is paid at once. Either way, one first payment now.
    first_due_now = datetime.now(UTC) >= due_at(today, Frequency.FOUR_WEEKLY, 1)
    start = today if first_due_now else today - timedelta(days=1)
    await front.do(s.agreement(start_date=start.isoformat(), amount_per_payment_pence=64_400), "finance_officer")
    if not first_due_now:
        await front.do(s.confirm_arrears(64_400), "finance_officer")

    # The first payment reaches the ledger (from the payments workflow, or the arrears confirmed).
    for _ in range(200):
        ledger = await front.get(f"/cases/{front.case_id}/ledger", role="finance_officer", min_position=front.position)
        if ledger["ledger"] and ledger["ledger"]["paid_pence"] > 0:
            break
        await asyncio.sleep(0.05)
    assert ledger["ledger"]["paid_pence"] == 64_400
    assert [e["kind"] for e in ledger["entries"]].count("paid") == 1
    timeline = await front.get(f"/cases/{front.case_id}/timeline", role="auditor")
    paid_by = {"PaymentScheduled", "PaymentIssued"} if first_due_now else {"ArrearsPaymentIssued"}
    assert paid_by <= {row["event"] for row in timeline["items"]}
    view = (await front.get(f"/cases/{front.case_id}"))["case"]
    assert view["stage"] == "in_service" and view["next_review_due"] is not None

    figures = await front.get("/carers-register/figures", role="team_manager")
    assert figures["figures"]["carers_identified"] >= 1 and figures["figures"]["carers_assessed"] >= 1

    # An auditor reconstructs the case, explains and verifies its budget, and checks the chain.
    decisions = await front.get(f"/audit/cases/{front.case_id}/decisions", role="auditor")
    budget = next(d for d in decisions if d["decision"] == "IndicativeBudgetCalculated")
    check = await front.get(f"/audit/cases/{front.case_id}/decisions/{budget['version']}/verify", role="auditor")
    assert check["verified"] and check["method"] == "recomputed"
    chain = await front.get(f"/audit/cases/{front.case_id}/verify", role="auditor")
    # The payments workflow may have added to the case since the view was read.
    assert chain["intact"] and chain["events"] >= view["version"]
    as_of = await front.get(f"/audit/cases/{front.case_id}/as-of", role="auditor", at=datetime.now(UTC).isoformat())
    assert as_of["exists"] and as_of["state"]["stage"] == "in_service"
    reads = await front.get("/audit/access-log", role="auditor", case_id=front.case_id)
    assert {"case", "timeline", "ledger", "decisions"} <= {r["what"] for r in reads}
    assert date.fromisoformat(view["next_review_due"]) > today


async def test_a_fact_about_a_person_is_corrected_through_http(http: httpx.AsyncClient, tokens):
    front = FrontEnd(http, tokens[1])
    s = Scenario()
    await front.do(s.referral(), "social_worker")
    await front.do(s.screen(), "social_worker")
    identified = await front.do(s.identify_carer("carer-1"), "social_worker")
    carer_version = next(e["version"] for e in identified["events"] if e["type"] == "CarerIdentified")

    # An auditor reads and verifies but never corrects; a figure or a decision is not a fact to correct.
    forbidden = await http.post(
        f"/cases/{front.case_id}/correct-recorded-fact",
        json=body_of(s.correct(carer_version, "name", "Danny Oduya")),
        headers=front.as_("auditor"),
    )
    assert forbidden.status_code == 403
    wrong = await http.post(
        f"/cases/{front.case_id}/correct-recorded-fact",
        json=body_of(s.correct(2, "reasons", "needs appear short-term")),
        headers=front.as_("social_worker"),
    )
    assert wrong.status_code == 409, wrong.text
    assert (wrong.json()["code"], wrong.json()["field"]) == ("fact_not_correctable", "event_version")

    corrected = await front.do(
        s.correct(carer_version, "name", "Danny Oduya", reason="the name he goes by"), "team_manager"
    )
    assert [e["type"] for e in corrected["events"]] == ["RecordedFactCorrected"]
    view = await front.get(f"/cases/{front.case_id}")
    assert {p["person_id"]: p["name"] for p in view["people"]} == {ADULT: "Margaret Oduya", "carer-1": "Danny Oduya"}
    timeline = (await front.get(f"/cases/{front.case_id}/timeline", role="auditor"))["items"]
    assert "name: Daniel Oduya;" in timeline[carer_version - 1]["summary"]
    assert timeline[-1]["summary"] == (
        f"corrects CarerIdentified (version {carer_version}), name: Daniel Oduya → Danny Oduya; "
        "reason: the name he goes by"
    )
    assert (timeline[-1]["actor"], timeline[-1]["role"]) == ("team-manager-1", "team_manager")
