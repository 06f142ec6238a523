"""Documents for the person over HTTP: listed with their source versions, read as HTML and PDF by
the case's social worker and team manager (and auditors), never by another team's (404, as for no
case), the same bytes as of a later instant, every read in the access log, and each issue to the
person recorded on the case."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from tests.api.test_lifecycle_over_http import body_of, path_of
from tests.api.test_need_to_know import Desk, keys  # noqa: F401 - the module's staff keys, a fixture
from tests.builders import ADULT, Scenario

ELIGIBILITY = "eligibility_determination"


@pytest.mark.workflow_timeout(180)
async def test_documents_are_read_by_the_cases_team_and_their_issue_is_recorded(
    http: httpx.AsyncClient,
    keys: dict[str, str],  # noqa: F811 - the fixture imported above
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
        s.eligibility("carer-1"),
    ]:
        await desk.do("sw-east", path_of(command, case_id), body_of(command))
    decided_at = datetime.now(UTC)

    listed = await desk.get("sw-east", f"/cases/{case_id}/documents")
    assert listed.status_code == 200, listed.text
    documents = {(d["kind"], d["person_id"]): d for d in listed.json()["documents"]}
    assert set(documents) == {(ELIGIBILITY, ADULT), (ELIGIBILITY, "carer-1")}
    versions = documents[(ELIGIBILITY, ADULT)]["source_versions"]

    pdf = await desk.get("sw-east", f"/cases/{case_id}/documents/{ELIGIBILITY}", query={"format": "pdf"})
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["x-document-sha256"] == hashlib.sha256(pdf.content).hexdigest()
    assert pdf.headers["x-document-source-versions"] == ",".join(str(v) for v in versions)
    html = await desk.get("tm-east", f"/cases/{case_id}/documents/{ELIGIBILITY}", query={"person_id": "carer-1"})
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "Our decision about your needs as a carer" in html.text and "Daniel Oduya" in html.text
    assert (await desk.get("auditor", f"/cases/{case_id}/documents")).status_code == 200

    # Another team's worker and manager learn nothing: the answer a case that does not exist gets.
    unknown = await desk.get("sw-east", f"/cases/{uuid.UUID(int=7).hex}/documents/{ELIGIBILITY}")
    for outsider in ("sw-north", "tm-north"):
        hidden = await desk.get(outsider, f"/cases/{case_id}/documents/{ELIGIBILITY}")
        assert (
            (hidden.status_code, hidden.json()["code"])
            == (404, "unknown_case")
            == (unknown.status_code, "unknown_case")
        )
    assert (await desk.get("panel_member", f"/cases/{case_id}/documents")).status_code == 403

    # Nothing to make a support plan from yet; a bad format or instant names its field.
    none_yet = await desk.get("sw-east", f"/cases/{case_id}/documents/support_plan")
    assert (none_yet.status_code, none_yet.json()["code"], none_yet.json()["field"]) == (
        404,
        "no_such_document_yet",
        "kind",
    )
    for query, field in (({"format": "docx"}, "format"), ({"as_of": "2026-01-05T09:00:00"}, "as_of")):
        bad = await desk.get("sw-east", f"/cases/{case_id}/documents/{ELIGIBILITY}", query=query)
        assert (bad.status_code, bad.json()["field"]) == (422, field), bad.text
    before = await desk.get("sw-east", f"/cases/{case_id}/documents", query={"as_of": "2000-01-01T00:00:00Z"})
    assert (before.status_code, before.json()["code"]) == (404, "case_not_yet_recorded")

    # Given to the person by post: recorded with the versions and the digest of the bytes given.
    issue = s.document_issued(source_versions=versions, sha256=pdf.headers["x-document-sha256"], sent_by="post")
    answer = await desk.do("sw-east", path_of(issue, case_id), body_of(issue))
    assert [e["type"] for e in answer["events"]] == ["DocumentIssued"]
    timeline = (await desk.get("auditor", f"/cases/{case_id}/timeline")).json()["items"]
    assert timeline[-1]["event"] == "DocumentIssued" and timeline[-1]["actor"] == "sw-east"

    # As of an instant after the decision (and after the issue), the same document, byte for byte.
    for as_of in (decided_at, datetime.now(UTC)):
        again = await desk.get(
            "tm-east", f"/cases/{case_id}/documents/{ELIGIBILITY}", query={"format": "pdf", "as_of": as_of.isoformat()}
        )
        assert again.status_code == 200 and again.content == pdf.content

    reads = (await desk.get("auditor", "/audit/access-log", query={"case_id": case_id})).json()
    documents_read = {(r["user_id"], r["what"]) for r in reads if r["what"].startswith("document")}
    assert ("sw-east", f"document {ELIGIBILITY} {ADULT} pdf") in documents_read
    assert ("tm-east", f"document {ELIGIBILITY} carer-1 html") in documents_read
    assert not [r for r in reads if r["user_id"] in ("sw-north", "tm-north")]
    assert not [r for r in reads if "Oduya" in r["what"]]
