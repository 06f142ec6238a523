"""People over HTTP: a second referral for a person with an open case is refused naming it, and
``GET /people`` answers "is this person known to us?" under need to know, every read logged."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from api.backend import Backend
from api.keys import KeyRing, add_key
from domain.people import Role
from tests.api.test_lifecycle_over_http import body_of
from tests.api.test_need_to_know import Desk
from tests.builders import Scenario

NHS_NUMBER = "9434765919"
STAFF = {
    "sw-east": (Role.SOCIAL_WORKER, ("east-locality",)),
    "sw-north": (Role.SOCIAL_WORKER, ("north-locality",)),
    "tm-east": (Role.TEAM_MANAGER, ("east-locality",)),
}


@pytest.fixture
def keys(backend: Backend, tokens, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "people-keys.toml"
    made = {user: add_key(path, user, role, teams) for user, (role, teams) in STAFF.items()}
    backend.keys = KeyRing([*backend.keys.keys, *KeyRing.load(path).keys])
    return {**tokens[1], **made}


async def refer(desk: Desk, s: Scenario, **fields: str) -> str:
    return str((await desk.do("sw-east", "/cases", body_of(s.referral(**fields))))["case_id"])


async def find(desk: Desk, who: str, **query: str) -> httpx.Response:
    return await desk.http.get("/people", params={**query, "min_position": desk.position}, headers=desk.as_(who))


async def test_a_second_referral_for_a_person_with_an_open_case_is_refused_naming_that_case(
    http: httpx.AsyncClient, keys: dict[str, str]
):
    desk = Desk(http, keys)
    first = await refer(desk, Scenario(), council_person_id="LA-42")
    response = await http.post(
        "/cases", json=body_of(Scenario().referral(council_person_id="LA-42")), headers=desk.as_("sw-east")
    )
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["code"] == "person_has_open_case"
    assert body["details"] == {"open_case_id": first}
    assert "Margaret" not in response.text


async def test_a_wrong_nhs_number_check_digit_is_refused_naming_the_field_and_the_rule(
    http: httpx.AsyncClient, keys: dict[str, str]
):
    desk = Desk(http, keys)
    body = {**body_of(Scenario().referral()), "nhs_number": "9434765918"}
    response = await http.post("/cases", json=body, headers=desk.as_("sw-east"))
    assert response.status_code == 422
    errors = response.json()["details"]["errors"]
    assert [(e["field"], e["rule"]) for e in errors] == [("nhs_number", "nhs_number_check_digit")]
    search = await find(desk, "sw-east", nhs_number="9434765918")
    assert search.status_code == 422
    assert (search.json()["field"], search.json()["code"]) == ("nhs_number", "nhs_number_check_digit")


async def test_people_finds_a_person_by_each_key_only_for_staff_who_may_see_them_and_logs_the_read(
    http: httpx.AsyncClient, keys: dict[str, str]
):
    desk = Desk(http, keys)
    case_id = await refer(desk, Scenario(), council_person_id="LA-42", nhs_number=NHS_NUMBER)
    expected = [
        {
            "council_person_id": "LA-42",
            "cases": [
                {
                    "case_id": case_id,
                    "person_id": "adult-1",
                    "role": "adult",
                    "council_person_id": "LA-42",
                    "team": "east-locality",
                    "stage": "screening",
                    "open": 1,
                    "closed": 0,
                }
            ],
            "other_cases_not_shown": 0,
        }
    ]
    for query in (
        {"council_person_id": "LA-42"},
        {"nhs_number": NHS_NUMBER},
        {"name": " margaret  ODUYA", "date_of_birth": "1941-03-02"},
    ):
        for who in ("sw-east", "tm-east", "auditor"):
            response = await find(desk, who, **query)
            assert response.status_code == 200, (who, query, response.text)
            assert response.json()["people"] == expected, (who, query)
            assert response.json()["other_cases_not_shown"] == 0

        # Another team's worker learns only that there is a case to ask about: no ids.
        outside = await find(desk, "sw-north", **query)
        assert outside.status_code == 200
        assert outside.json()["people"] == [] and outside.json()["other_cases_not_shown"] == 1
        assert case_id not in outside.text and "LA-42" not in outside.text

    # Those who neither take referrals nor audit may not search.
    for who in ("finance_officer", "panel_member", "ops", "admin"):
        assert (await find(desk, who, council_person_id="LA-42")).status_code == 403, who

    log = (await desk.get("auditor", "/audit/access-log")).json()
    people_reads = [(r["user_id"], r["what"], r["case_ids"]) for r in log if r["what"] == "people"]
    assert people_reads[0] == ("sw-north", "people", [])
    assert ("sw-east", "people", [case_id]) in people_reads
    assert ("auditor-1", "people", [case_id]) in people_reads
    assert len(people_reads) == 12


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "council_person_id"),
        ({"name": "Margaret Oduya"}, "date_of_birth"),
        ({"date_of_birth": "1941-03-02"}, "name"),
        ({"nhs_number": "12345"}, "nhs_number"),
    ],
)
async def test_a_bad_people_query_is_422_naming_the_field(
    http: httpx.AsyncClient, keys: dict[str, str], query: dict[str, str], field: str
):
    response = await http.get("/people", params=query, headers={"Authorization": f"Bearer {keys['sw-east']}"})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field


async def test_after_the_first_case_closes_a_re_referral_is_accepted_and_its_case_lists_the_earlier_case(
    http: httpx.AsyncClient, keys: dict[str, str]
):
    desk = Desk(http, keys)
    first = Scenario()
    first_id = await refer(desk, first, council_person_id="LA-42")
    await desk.do(
        "sw-east",
        f"/cases/{first_id}/screen-referral",
        body_of(first.signpost(reasons="signposted")),
    )
    second_id = await refer(desk, Scenario(), council_person_id="LA-42")
    view = (await desk.get("sw-east", f"/cases/{second_id}")).json()
    assert view["earlier_cases"] == [first_id]
