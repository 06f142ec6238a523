"""GET /returns/asc-cld over HTTP: the return as CSV and its validation report for a returns
officer or an admin, refused to casework, a period end that is not a month's last day (or not a
date) one problem naming the field, and every read logged with the cases the return drew on."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date

import httpx

from api.backend import Backend
from domain.application import CaseRecord
from domain.returns.asc_cld import build_return, period_ending
from simulation.caseload import generate_caseload, load


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_the_return_and_its_report_for_a_returns_officer_each_read_logged(
    http: httpx.AsyncClient, tokens, backend: Backend, case_record: CaseRecord
):
    keys = tokens[1]
    await asyncio.to_thread(load, case_record, generate_caseload(30, seed=15, person_details=True))
    expected = build_return(case_record, period_ending(date(2025, 12, 31)), backend.council.council_code)

    made = await http.get(
        "/returns/asc-cld", params={"period_end": "2025-12-31"}, headers=bearer(keys["returns_officer"])
    )

    assert made.status_code == 200 and made.headers["content-type"].startswith("text/csv")
    assert "asc-cld-" in made.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(made.text, newline="")))
    assert rows == expected.rows and rows
    logged = backend.log.reads(case_id=None, user_id="returns-officer-1", limit=1)[0]
    assert (logged["what"], logged["path"]) == ("asc-cld return 2025-12-31", "/returns/asc-cld")
    assert sorted(logged["case_ids"]) == sorted(expected.case_ids)

    report = await http.get(
        "/returns/asc-cld/report", params={"period_end": "2025-12-31"}, headers=bearer(keys["admin"])
    )
    assert report.status_code == 200
    assert report.json() == expected.report.model_dump(mode="json")
    assert report.json()["rows"] == len(rows)
    assert backend.log.reads(case_id=None, user_id="admin-1", limit=1)[0]["what"] == (
        "asc-cld validation report 2025-12-31"
    )


async def test_casework_is_refused_and_a_bad_period_end_names_the_field(http: httpx.AsyncClient, tokens):
    keys = tokens[1]
    for role in ("social_worker", "auditor", "ops"):
        refused = await http.get("/returns/asc-cld", params={"period_end": "2025-12-31"}, headers=bearer(keys[role]))
        assert refused.status_code == 403, role

    bad_ends = (
        ("2025-12-30", "period_end_not_a_month_end"),
        ("0001-01-31", "period_end_out_of_range"),
        ("9999-12-31", "period_end_out_of_range"),
        ("the-end", None),
    )
    for bad, code in bad_ends:
        answer = await http.get("/returns/asc-cld", params={"period_end": bad}, headers=bearer(keys["returns_officer"]))
        assert answer.status_code == 422, answer.text
        problem = answer.json()
        assert problem["field"] == "period_end", problem
        if code:
            assert problem["code"] == code
