"""Finance's side of the API, through HTTP only: the feed of outbox messages, acknowledging each
once, the day's batch file, the reconciliation, and operations' list of messages not acknowledged.

Story: Margaret's agreement began a fortnight ago, so its first slot is arrears; a finance officer
confirms the catch-up (a payment message) and her social worker suspends the payments while she is
in hospital (a suspension message). Finance reads both, acknowledges each with its own reference,
downloads the day's batch and reconciles it with the council's ledger.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from tests.api.test_lifecycle_over_http import FrontEnd
from tests.builders import Scenario
from tests.domain.story import adult_only_signed_off

PROBLEM_KEYS = {"type", "status", "code", "detail"}


async def margaret_paid_then_suspended(front: FrontEnd) -> Scenario:
    s = Scenario()
    for command in adult_only_signed_off(s):
        await front.do(command, command.actor.role.value)
    start = datetime.now(UTC).date() - timedelta(days=14)
    await front.do(s.agreement(start_date=start.isoformat()), "finance_officer")
    await front.do(s.confirm_arrears(), "finance_officer")
    await front.do(s.suspend(), "social_worker")
    return s


def refusal(response: httpx.Response, status: int) -> dict[str, str]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= PROBLEM_KEYS, body
    return body


async def test_finance_reads_each_message_once_acknowledges_it_once_and_reconciles(http: httpx.AsyncClient, tokens):
    front = FrontEnd(http, tokens[1])
    await margaret_paid_then_suspended(front)
    finance = front.as_("finance_officer")

    feed = (await http.get("/finance/instructions", headers=finance)).json()
    mine = [m for m in feed["items"] if m["case_id"] == front.case_id]
    assert [(m["kind"], m["amount_pence"], m["acknowledgement"]) for m in mine] == [
        ("payment", 92_000, None),
        ("suspension", 0, None),
    ]
    assert feed["next_after"] == feed["items"][-1]["instruction_id"]
    # Reading on from the position gives nothing new, and keeps the position.
    after = (await http.get("/finance/instructions", headers=finance, params={"after": feed["next_after"]})).json()
    assert after == {"items": [], "next_after": feed["next_after"]}
    # Paging one at a time sees each message once.
    seen, position = [], 0
    while page := (
        await http.get("/finance/instructions", headers=finance, params={"after": position, "limit": 1})
    ).json()["items"]:
        seen.append(page[0]["instruction_id"])
        position = page[0]["instruction_id"]
    assert seen == [m["instruction_id"] for m in feed["items"]] and len(set(seen)) == len(seen)

    payment, suspension = mine
    ack_path = f"/finance/instructions/{payment['instruction_id']}/ack"
    first = await http.post(ack_path, headers=finance, json={"finance_reference": "AP-2026-004417"})
    assert first.status_code == 200, first.text
    assert (first.json()["duplicate"], first.json()["acknowledgement"]["user_id"]) == (False, "finance-officer-1")
    again = await http.post(ack_path, headers=finance, json={"finance_reference": "AP-2026-004417"})
    assert again.json() == {**first.json(), "duplicate": True}
    other = refusal(await http.post(ack_path, headers=finance, json={"finance_reference": "AP-2026-9"}), 409)
    assert (other["code"], other["field"]) == ("instruction_acknowledged_under_another_reference", "finance_reference")

    marked = (await http.get("/finance/instructions", headers=finance)).json()["items"]
    by_id = {m["instruction_id"]: m["acknowledgement"] for m in marked}
    assert by_id[payment["instruction_id"]]["finance_reference"] == "AP-2026-004417"
    assert by_id[suspension["instruction_id"]] is None

    # The day's batch: a record per message and control totals that are the rows'.
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/London")).date()
    batch = await http.get("/finance/batch", headers=finance, params={"date": today.isoformat()})
    assert batch.status_code == 200 and batch.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(batch.text)))
    details = [r for r in rows if r[0] == "D"]
    assert rows[0][:5] == ["H", "carecase-finance-batch", "1", rows[0][3], today.isoformat()]
    assert [int(r[1]) for r in details] == [m["instruction_id"] for m in feed["items"]]
    assert rows[-1][0] == "T" and int(rows[-1][1]) == len(details) == int(batch.headers["x-control-count"])
    assert int(rows[-1][2]) == sum(int(r[7]) for r in details) == int(batch.headers["x-control-sum-pence"])
    assert (await http.get("/finance/batch", headers=finance, params={"date": today.isoformat()})).text == batch.text

    report = (
        await http.get("/finance/reconciliation", headers=finance, params={"min_position": front.position})
    ).json()
    assert report["differences"] == [] and report["matched"] == report["messages"] == len(feed["items"])
    assert report["unacknowledged"] == len(feed["items"]) - 1
    one = (
        await http.get(
            "/finance/reconciliation",
            headers=finance,
            params={"case_id": front.case_id, "min_position": front.position},
        )
    ).json()
    assert (one["case_id"], one["messages"], one["matched"]) == (front.case_id, 2, 2)

    # Nothing is late yet (the council allows 72 hours), and operations can see that.
    late = (await http.get("/ops/finance-unacknowledged", headers=front.as_("ops"))).json()
    assert (late["acknowledgement_hours"], late["count"], late["items"]) == (72, 0, [])

    # Every read of the feed is in the access log with the cases it returned.
    reads = (
        await http.get("/audit/access-log", headers=front.as_("auditor"), params={"case_id": front.case_id})
    ).json()
    assert {"finance instructions", "finance reconciliation"} & {r["what"] for r in reads} == {"finance instructions"}
    [chain] = [
        r
        for r in (await http.get("/audit/logs/verify", headers=front.as_("auditor"))).json()
        if r["log"] == "finance_ack_log"
    ]
    assert (chain["rows"], chain["intact"]) == (1, True)


async def test_finance_endpoints_refuse_the_wrong_staff_and_bad_input_naming_the_field(http: httpx.AsyncClient, tokens):
    front = FrontEnd(http, tokens[1])
    await margaret_paid_then_suspended(front)
    finance = front.as_("finance_officer")
    [first, *_] = (await http.get("/finance/instructions", headers=finance)).json()["items"]
    ack_path = f"/finance/instructions/{first['instruction_id']}/ack"

    for role in ("social_worker", "team_manager", "ops"):
        assert refusal(await http.get("/finance/instructions", headers=front.as_(role)), 403)["code"]
    assert (await http.get("/finance/instructions", headers=front.as_("auditor"))).status_code == 200
    for role in ("auditor", "social_worker", "admin"):
        refusal(await http.post(ack_path, headers=front.as_(role), json={"finance_reference": "AP-1"}), 403)
    refusal(await http.get("/ops/finance-unacknowledged", headers=front.as_("social_worker")), 403)

    for params, field in (
        ({"after": -1}, "after"),
        ({"after": "x"}, "after"),
        ({"limit": 0}, "limit"),
    ):
        body = refusal(await http.get("/finance/instructions", headers=finance, params=params), 422)
        assert body["field"] == field, body
    for payload, field in (
        ({"finance_reference": ""}, "finance_reference"),
        ({"finance_reference": " leading space"}, "finance_reference"),
        ({"finance_reference": "x" * 65}, "finance_reference"),
        ({"finance_reference": "AP-1", "amount_pence": 1}, "amount_pence"),
        ({}, "finance_reference"),
    ):
        body = refusal(await http.post(ack_path, headers=finance, json=payload), 422)
        assert body["field"] == field, body
    body = refusal(
        await http.post("/finance/instructions/999999/ack", headers=finance, json={"finance_reference": "AP-1"}), 404
    )
    assert (body["code"], body["field"]) == ("unknown_instruction", "instruction_id")
    body = refusal(
        await http.post("/finance/instructions/0/ack", headers=finance, json={"finance_reference": "AP-1"}), 422
    )
    assert body["field"] == "instruction_id"
    for day in ("2026-13-01", "tomorrow", ""):
        body = refusal(await http.get("/finance/batch", headers=finance, params={"date": day}), 422)
        assert body["field"] == "date", body
    body = refusal(await http.get("/finance/reconciliation", headers=finance, params={"case_id": "0" * 32}), 404)
    assert body["code"] == "unknown_case"
    # Nothing refused was recorded: no acknowledgement at all.
    feed = (await http.get("/finance/instructions", headers=finance)).json()["items"]
    assert [m["acknowledgement"] for m in feed] == [None] * len(feed)
