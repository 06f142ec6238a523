"""Exact idempotency: an ``Idempotency-Key`` names one request. Sent again with the same body it
gets the first answer, marked ``duplicate``, and nothing is appended; sent with anything else (a
different body, another command) it is refused with 409 ``idempotency_key_reused`` and nothing is
appended either. The case record's own per-command digests decide, so this holds across
restarts, workflow runs, and after the case's workflow has finished."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from api.app import create_app
from api.backend import Backend
from tests.builders import Scenario
from tests.reliability.steps import assert_problem, auth, body_of, events_of, post, run
from workflows.case_workflow import case_workflow_id

KEY_FIELD = "Idempotency-Key"


def fresh_key(name: str) -> str:
    """A key for a referral that no other test (or repeat of this one) sends: the case id derives
    from the caller and the key, and every test shares one Temporal server, so a reused key would
    reach a case workflow that an earlier test started on its own task queue."""
    return f"{name}-{uuid.uuid4().hex[:12]}"


def same_answer(first: dict[str, Any], again: dict[str, Any]) -> None:
    """The repeat is the first answer: the same command, the same events at the same versions."""
    assert again["duplicate"] is True and first["duplicate"] is False
    assert (again["case_id"], again["command"], again["command_id"]) == (
        first["case_id"],
        first["command"],
        first["command_id"],
    )
    assert [(e["event_id"], e["type"], e["version"]) for e in again["events"]] == [
        (e["event_id"], e["type"], e["version"]) for e in first["events"]
    ]
    assert again["position"] >= first["position"]


async def test_a_referral_sent_again_with_its_key_is_the_first_answer_marked_duplicate(
    http: httpx.AsyncClient, tokens, backend: Backend
):
    s, key = Scenario(), fresh_key("referral")
    first = await post(http, tokens, s.referral(), key=key)
    assert first.status_code == 201, first.text
    case_id = first.json()["case_id"]
    for _ in range(5):
        again = await post(http, tokens, s.referral(), key=key)
        assert again.status_code == 201, again.text
        same_answer(first.json(), again.json())
    assert events_of(backend, case_id) == 1


async def test_a_command_sent_again_with_its_key_appends_nothing(http: httpx.AsyncClient, tokens, backend: Backend):
    s = Scenario()
    case_id, _ = await run(http, tokens, [s.referral()])
    first = await post(http, tokens, s.screen(), case_id, key="screen-1")
    assert first.status_code == 200, first.text
    held = events_of(backend, case_id)
    for _ in range(5):
        again = await post(http, tokens, s.screen(), case_id, key="screen-1")
        assert again.status_code == 200, again.text
        same_answer(first.json(), again.json())
    assert events_of(backend, case_id) == held


async def test_a_key_reused_with_a_different_body_is_refused_and_appends_nothing(
    http: httpx.AsyncClient, tokens, backend: Backend
):
    s = Scenario()
    case_id, _ = await run(http, tokens, [s.referral()])
    first = await post(http, tokens, s.screen(), case_id, key="screen-2")
    assert first.status_code == 200, first.text
    held = events_of(backend, case_id)
    changed = {**body_of(s.screen()), "reasons": "a different reason, sent under the same key"}
    refused = await post(http, tokens, s.screen(), case_id, key="screen-2", body=changed)
    body = assert_problem(refused, 409, "idempotency_key_reused", KEY_FIELD)
    assert body["details"]["command_id"] == first.json()["command_id"]
    assert events_of(backend, case_id) == held
    # The first request, repeated, still gets its own answer.
    again = await post(http, tokens, s.screen(), case_id, key="screen-2")
    same_answer(first.json(), again.json())


async def test_a_key_reused_for_another_command_is_refused_and_appends_nothing(
    http: httpx.AsyncClient, tokens, backend: Backend
):
    s = Scenario()
    case_id, _ = await run(http, tokens, [s.referral()])
    assert (await post(http, tokens, s.screen(), case_id, key="step-1")).status_code == 200
    held = events_of(backend, case_id)
    refused = await post(http, tokens, s.identify_carer(), case_id, key="step-1")
    assert_problem(refused, 409, "idempotency_key_reused", KEY_FIELD)
    assert events_of(backend, case_id) == held


async def test_a_referral_key_reused_with_a_different_body_is_refused(
    http: httpx.AsyncClient, tokens, backend: Backend
):
    s, key = Scenario(), fresh_key("referral")
    first = await post(http, tokens, s.referral(), key=key)
    assert first.status_code == 201, first.text
    other = {**body_of(s.referral()), "adult_name": "Someone Else"}
    refused = await post(http, tokens, s.referral(), key=key, body=other)
    assert_problem(refused, 409, "idempotency_key_reused", KEY_FIELD)
    assert events_of(backend, first.json()["case_id"]) == 1


async def test_concurrent_repeats_record_once_and_all_but_one_say_duplicate(
    http: httpx.AsyncClient, tokens, backend: Backend
):
    """A client that retries before its first request was answered: one recording, and every other
    answer says it is a repeat of that one."""
    s = Scenario()
    case_id, _ = await run(http, tokens, [s.referral()])
    answers = await asyncio.gather(*(post(http, tokens, s.screen(), case_id, key="screen-3") for _ in range(6)))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    flags = sorted(a.json()["duplicate"] for a in answers)
    assert flags == [False] + [True] * 5
    first = next(a.json() for a in answers if not a.json()["duplicate"])
    for answer in answers:
        if answer.json()["duplicate"]:
            same_answer(first, answer.json())
    assert events_of(backend, case_id) == 2


async def test_a_different_body_racing_the_first_appends_nothing(http: httpx.AsyncClient, tokens, backend: Backend):
    """Two different bodies under one key at the same moment: one is recorded, the other refused."""
    s = Scenario()
    case_id, _ = await run(http, tokens, [s.referral()])
    bodies = [{**body_of(s.screen()), "reasons": f"reason {i}"} for i in range(4)]
    answers = await asyncio.gather(*(post(http, tokens, s.screen(), case_id, key="screen-4", body=b) for b in bodies))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 409, 409, 409], [a.text for a in answers]
    for answer in answers:
        if answer.status_code == 409:
            assert_problem(answer, 409, "idempotency_key_reused", KEY_FIELD)
    assert events_of(backend, case_id) == 2


async def test_the_key_holds_across_a_restart_and_after_the_case_is_closed(
    http: httpx.AsyncClient, tokens, backend: Backend
):
    """A fresh API process (a new app on the same record) still knows the key; so does the record
    after the case's workflow has finished, when there is no workflow left to ask."""
    s = Scenario()
    case_id, _ = await run(http, tokens, [s.referral()])
    closed = await post(http, tokens, s.close(), case_id, key="close-1")
    assert closed.status_code == 200, closed.text
    await backend.temporal.get_workflow_handle(case_workflow_id(uuid.UUID(case_id))).result()
    held = events_of(backend, case_id)

    transport = httpx.ASGITransport(app=create_app(backend))
    async with httpx.AsyncClient(transport=transport, base_url="http://carecase.test", timeout=60) as restarted:
        again = await post(restarted, tokens, s.close(), case_id, key="close-1")
        assert again.status_code == 200, again.text
        same_answer(closed.json(), again.json())
        other = await post(
            restarted,
            tokens,
            s.close(),
            case_id,
            key="close-1",
            body={**body_of(s.close()), "notes": "changed my mind"},
        )
        assert_problem(other, 409, "idempotency_key_reused", KEY_FIELD)
        # Without a key a closed case still refuses, as before.
        late = await restarted.post(
            f"/cases/{case_id}/screen-referral", json=body_of(s.screen()), headers=auth(tokens, "social_worker")
        )
        assert_problem(late, 409, "case_closed")
    assert events_of(backend, case_id) == held
