"""One person's record exported over HTTP: only that person's facts, each with the version it came
from and the chain hash of the last, for those who may read the case (404 for anyone else, as for
no case), every export in the access log, and its giving recorded on the case."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from api.backend import Backend
from tests.api.test_lifecycle_over_http import body_of, path_of
from tests.api.test_need_to_know import Desk, keys  # noqa: F401 - the module's staff keys, a fixture
from tests.builders import ADULT, Scenario


@pytest.mark.workflow_timeout(180)
async def test_a_persons_export_holds_only_their_facts_with_versions_and_is_logged(
    http: httpx.AsyncClient,
    keys: dict[str, str],  # noqa: F811 - the fixture imported above
    backend: Backend,
):
    desk = Desk(http, keys)
    s = Scenario()
    case_id = await desk.open_case(s, allocated_to="sw-east")
    for command in [
        s.identify_carer(),
        s.start_adult(),
        s.complete_adult(),
        s.accept(),
        s.start_carer(),
        s.complete_carer(),
        s.eligibility(),
    ]:
        await desk.do("sw-east", path_of(command, case_id), body_of(command))

    answer = await desk.get("sw-east", f"/cases/{case_id}/people/{ADULT}/export")
    assert answer.status_code == 200, answer.text
    exported = answer.json()
    events = backend.record.stored_events(uuid.UUID(case_id))
    by_version = {e.originator_version: e for e in events}
    facts = [fact for section in exported["sections"].values() for fact in section]
    assert {f["event"] for f in facts} >= {"ReferralReceived", "NeedsAssessmentCompleted", "EligibilityDetermined"}
    # Every fact is the event at its version; nothing of the carer's is in the adult's export.
    assert all(type(by_version[f["version"]]).__name__ == f["event"] for f in facts)
    assert not {"CarerIdentified", "CarerAssessmentCompleted"} & {f["event"] for f in facts}
    assert "carer-1" not in json.dumps(exported["sections"])
    last = max(f["version"] for f in facts)
    assert (exported["version"], exported["chain_hash"]) == (last, by_version[last].chain_hash)
    assert exported["sections"]["referral"][0]["fields"]["adult_name"] == "Margaret Oduya"

    carer = (await desk.get("sw-east", f"/cases/{case_id}/people/carer-1/export")).json()
    carer_events = {f["event"] for section in carer["sections"].values() for f in section}
    assert "CarerAssessmentCompleted" in carer_events and "NeedsAssessmentCompleted" not in carer_events

    # A social worker of another team gets the answer a case that does not exist gets.
    hidden = await desk.get("sw-north", f"/cases/{case_id}/people/{ADULT}/export")
    unknown = await desk.get("sw-north", f"/cases/{uuid.UUID(int=7).hex}/people/{ADULT}/export")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "unknown_case") == (unknown.status_code, "unknown_case")
    nobody = await desk.get("sw-east", f"/cases/{case_id}/people/nobody/export")
    assert (nobody.status_code, nobody.json()["code"]) == (404, "unknown_person")

    reads = (await desk.get("auditor", "/audit/access-log", query={"case_id": case_id})).json()
    exports = [(r["user_id"], r["what"]) for r in reads if r["what"].startswith("person export")]
    assert ("sw-east", f"person export {ADULT}") in exports and ("sw-east", "person export carer-1") in exports
    assert not [r for r in reads if r["user_id"] == "sw-north"]

    # Giving it to the person is recorded on the case, with the version it was exported at.
    given = s.record_given(version=exported["case_version"])
    answer = await desk.do("sw-east", path_of(given, case_id), body_of(given))
    assert [e["type"] for e in answer["events"]] == ["PersonRecordGiven"]
