"""A front end reads the council's RAS over HTTP and completes the assessments and the budgets with
what it read, on each shipped council: points-based (Northmoor), banded and tiered (Eastvale), and
a flat carer amount (Southfield). Publishing over HTTP is for admins only (issue 13, decision 0034)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from api.backend import Backend
from domain.application import CaseRecord
from domain.commands import CouncilSettings
from domain.policy import policy_stream_id
from policy.catalogue import COUNCILS_FOLDER, RuleSetCatalogue
from policy.publishing import publish_shipped_rule_sets
from tests.api.test_lifecycle_over_http import FrontEnd
from tests.builders import ADULT, Scenario

pytestmark = pytest.mark.e2e

CARER = "carer-1"


@pytest.fixture
def catalogue() -> RuleSetCatalogue:
    return RuleSetCatalogue(COUNCILS_FOLDER)


@pytest.fixture(params=["northmoor-ras", "eastvale-ras", "southfield-ras"])
def council(request: pytest.FixtureRequest) -> CouncilSettings:
    return CouncilSettings(ras_rule_set_id=request.param)


@pytest.fixture
def published(backend: Backend, case_record: CaseRecord, catalogue: RuleSetCatalogue, council: CouncilSettings):
    """The API over a record started as a process starts it (the shipped rule sets published), for
    the council under test."""
    publish_shipped_rule_sets(case_record, catalogue)
    backend.council = council
    return backend


def answers_from(section: dict[str, Any]) -> dict[str, str]:
    """What a person filling in the questionnaire might pick: the last answer offered to each question."""
    return {question["id"]: question["answers"][-1]["code"] for question in section["questions"]}


async def assessments_started(front: FrontEnd) -> Scenario:
    """A case referred, screened and allocated, its carer identified, both assessments started."""
    s = Scenario()
    await front.do(s.referral(), "social_worker")
    await front.do(s.allocate("social-worker-1"), "team_manager")
    await front.do(s.screen(), "social_worker")
    await front.do(s.identify_carer(CARER), "social_worker")
    await front.do(s.start_adult(), "social_worker")
    await front.do(s.accept(CARER), "social_worker")
    await front.do(s.start_carer(CARER), "social_worker")
    return s


async def test_a_front_end_completes_the_assessments_and_budgets_from_the_ras_it_reads(
    http: httpx.AsyncClient, tokens, published: Backend, case_record: CaseRecord, council: CouncilSettings
):
    front = FrontEnd(http, tokens[1])
    ras = await front.get(f"/policy/ras/{council.ras_rule_set_id}")
    assert (ras["rule_set_id"], ras["on"]) == (council.ras_rule_set_id, datetime.now(UTC).date().isoformat())
    assert ras["published_by"] == {"user_id": "carecase", "role": "system"}
    assert all(question["answers"] for question in ras["adult"]["questions"])
    policy = await front.get("/policy")
    ours = [v for v in policy["in_force"] if v["used_by_this_council"]]
    assert [(v["rule_set_id"], v["content_hash"]) for v in ours] == [(council.ras_rule_set_id, ras["content_hash"])]
    assert policy["service_levels"]["first_review_weeks"] == published.service_levels.first_review_weeks

    s = await assessments_started(front)
    await front.do(s.complete_adult(ras_answers=answers_from(ras["adult"])), "social_worker")
    impact = ras["wellbeing_impacts"][-1]
    await front.do(
        s.complete_carer(CARER, ras_answers=answers_from(ras["carer"]), wellbeing_impact=impact), "social_worker"
    )
    for person in (ADULT, CARER):
        await front.do(s.eligibility(person), "social_worker")
        await front.do(s.budget(person), "social_worker")

    people = case_record.get_case(UUID(front.case_id)).state.people
    for person in (ADULT, CARER):
        budget = people[person].budget
        assert budget is not None
        assert (budget.rule_set_id, budget.rule_set_version, budget.rule_set_hash) == (
            ras["rule_set_id"],
            ras["version"],
            ras["content_hash"],
        )
        assert budget.indicative_pence > 0
    if ras["carer"]["method"] == "flat":
        assert people[CARER].budget.indicative_pence == ras["carer"]["amount_pence"]
    if ras["carer"]["method"] == "tiered":
        assert people[CARER].budget.indicative_pence == ras["carer"]["tiers"][impact]


@pytest.mark.parametrize("council", ["northmoor-ras"], indirect=True)
async def test_an_admin_publishes_a_version_for_tomorrow_which_only_tomorrow_s_ras_shows(
    http: httpx.AsyncClient, tokens, published: Backend, case_record: CaseRecord, catalogue: RuleSetCatalogue
):
    front = FrontEnd(http, tokens[1])
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    text = (catalogue.folder / "northmoor" / "ras-2026.1.toml").read_text(encoding="utf-8")
    text = text.replace('version = "2026.1"', 'version = "2026.2"').replace(
        "effective_from = 2026-04-01", f"effective_from = {tomorrow.isoformat()}"
    )
    body = {"content": text, "reason": "Cabinet decision 2026/14: new version from tomorrow"}

    for role in ("social_worker", "team_manager", "auditor", "ops"):
        refused = await http.post("/policy/rule-sets", json=body, headers=front.as_(role))
        assert refused.status_code == 403, role
    made = await http.post("/policy/rule-sets", json=body, headers=front.as_("admin"))
    assert made.status_code == 201, made.text
    assert made.json()["publication"]["published_by"] == {"user_id": "admin-1", "role": "admin"}
    again = await http.post("/policy/rule-sets", json=body, headers=front.as_("admin"))
    assert (again.status_code, again.json()["duplicate"]) == (200, True)
    changed = await http.post(
        "/policy/rule-sets", json={**body, "content": text.replace("25_000", "26_000", 1)}, headers=front.as_("admin")
    )
    assert (changed.status_code, changed.json()["code"]) == (409, "rule_set_version_exists")

    assert (await front.get("/policy/ras/northmoor-ras"))["version"] == "2026.1"
    assert (await front.get("/policy/ras/northmoor-ras", on=tomorrow.isoformat()))["version"] == "2026.2"
    policy = await front.get("/policy")
    assert [(v["version"], v["published_by"]["user_id"]) for v in policy["future"]] == [("2026.2", "admin-1")]
    stream = case_record.stored_events(policy_stream_id("Northmoor Council"))
    assert stream[-1].published_by.user_id == "admin-1"


@pytest.mark.parametrize("council", ["eastvale-ras"], indirect=True)
async def test_the_openapi_examples_of_the_assessments_fit_the_council_s_rule_set(
    http: httpx.AsyncClient, tokens, published: Backend
):
    front = FrontEnd(http, tokens[1])
    document = (await http.get("/openapi.json")).json()["components"]["schemas"]
    await assessments_started(front)

    for path, name in (
        ("complete-needs-assessment", "CompleteNeedsAssessment"),
        ("complete-carer-assessment", "CompleteCarerAssessment"),
    ):
        example = document[f"{name}Request"]["examples"][0]
        answered = await http.post(f"/cases/{front.case_id}/{path}", json=example, headers=front.as_("social_worker"))
        assert answered.status_code == 200, answered.text
