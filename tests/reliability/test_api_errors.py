"""Errors a client can act on: every error is an RFC 9457 problem (``application/problem+json``
with ``type``, ``title``, ``status`` and ``detail``, and the ``code``, ``message``, ``field`` and
``details`` clients already read), whatever went wrong: a refusal, bad input, a number out of
range, Temporal away, or a fault nobody planned for. A refused write appends nothing."""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
import structlog.testing
from fastapi import HTTPException
from fastapi.routing import APIRoute
from temporalio.client import Client
from temporalio.service import RetryConfig
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.backend import Backend
from config.temporal_settings import TemporalSettings, temporal_binary
from projections.store import SQLiteViewStore
from tests.api.test_roles import PATH_VALUES, QUERY, allowed_roles, routes
from tests.builders import Scenario
from tests.postgres_cluster import free_port
from tests.reliability.steps import assert_problem, auth, body_of, events_of, post, run
from tests.temporal_fixtures import DATA_CONVERTER
from workers.dev_server import dev_server_command, start_dev_server, wait_until_serving

TOO_BIG = 2**63  # one past the largest integer SQLite and PostgreSQL's BIGINT hold


def store_size(backend: Backend) -> int:
    return backend.record.last_position()


async def test_no_key_a_wrong_key_and_a_role_that_may_not(http: httpx.AsyncClient, tokens, backend: Backend):
    s = Scenario()
    before = store_size(backend)
    missing = await http.post("/cases", json=body_of(s.referral()))
    assert_problem(missing, 401, "unauthorised", "Authorization")
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong = await http.get("/cases", headers={"Authorization": "Bearer not-a-key"})
    assert_problem(wrong, 401, "unauthorised", "Authorization")
    forbidden = await http.post("/cases", json=body_of(s.referral()), headers=auth(tokens, "auditor"))
    body = assert_problem(forbidden, 403, "forbidden")
    assert body["details"]["role"] == "auditor"
    assert store_size(backend) == before


async def test_unknown_things_and_wrong_methods(http: httpx.AsyncClient, tokens, backend: Backend):
    s = Scenario()
    nobody = uuid.uuid4().hex
    case = await http.get(f"/cases/{nobody}", headers=auth(tokens, "social_worker"))
    assert_problem(case, 404, "unknown_case", "case_id")
    command = await post(http, tokens, s.screen(), nobody)
    assert_problem(command, 404, "unknown_case", "case_id")
    route = await http.get("/no-such-thing", headers=auth(tokens, "social_worker"))
    assert_problem(route, 404, "not_found")
    method = await http.delete("/cases", headers=auth(tokens, "social_worker"))
    assert_problem(method, 405, "method_not_allowed")
    assert "POST" in method.headers["allow"]
    assert events_of(backend, nobody) == 0


async def test_a_refusal_of_the_case_record_is_a_409_problem_and_appends_nothing(
    http: httpx.AsyncClient, tokens, backend: Backend
):
    s = Scenario()
    case_id, _ = await run(http, tokens, [s.referral()])
    held = events_of(backend, case_id)
    refused = await post(http, tokens, s.draft(), case_id)
    body = assert_problem(refused, 409, refused.json().get("code", "?"))
    assert body["code"] not in ("", "http_error", "internal_error")
    assert body["type"].endswith(body["code"])
    assert events_of(backend, case_id) == held


async def test_bad_input_names_the_field_and_appends_nothing(http: httpx.AsyncClient, tokens, backend: Backend):
    s = Scenario()
    case_id, _ = await run(http, tokens, [s.referral()])
    held = events_of(backend, case_id)
    unknown = await post(http, tokens, s.screen(), case_id, body={**body_of(s.screen()), "colour": "blue"})
    body = assert_problem(unknown, 422, "invalid_input", "colour")
    assert body["details"]["errors"][0]["rule"] == "extra_forbidden"
    wrong_outcome = await post(http, tokens, s.screen(), case_id, body={**body_of(s.screen()), "outcome": "maybe"})
    assert_problem(wrong_outcome, 422, "invalid_input", "outcome")
    not_json = await http.post(
        f"/cases/{case_id}/screen-referral",
        content=b"{not json",
        headers={**auth(tokens, "social_worker"), "Content-Type": "application/json"},
    )
    assert_problem(not_json, 422, "invalid_input")
    bad_key = await post(http, tokens, s.screen(), case_id, key="no spaces allowed")
    assert_problem(bad_key, 422, "invalid_input", "Idempotency-Key")
    assert events_of(backend, case_id) == held


async def test_numbers_out_of_range_are_422_never_500(http: httpx.AsyncClient, tokens, backend: Backend):
    s = Scenario()
    case_id, _ = await run(http, tokens, [s.referral()])
    auditor = auth(tokens, "auditor")
    for path in (
        f"/audit/cases/{case_id}/decisions/{TOO_BIG}",
        f"/audit/cases/{case_id}/decisions/{10**25}/verify",
        f"/audit/cases/{case_id}/decisions/{-TOO_BIG}",
    ):
        assert_problem(await http.get(path, headers=auditor), 422, "invalid_input", "version")
    # The largest version there can be is simply not a decision on this case.
    largest = await http.get(f"/audit/cases/{case_id}/decisions/{TOO_BIG - 1}/verify", headers=auditor)
    assert_problem(largest, 404, "no_decision_there", "version")
    far = await http.get(f"/cases/{case_id}", params={"min_position": TOO_BIG}, headers=auth(tokens, "social_worker"))
    assert_problem(far, 422, "invalid_input", "min_position")


def int_parameters(route: APIRoute) -> list[tuple[str, str]]:
    """Every integer path and query parameter of a route: (where, name)."""
    found = []
    for where, params in (("path", route.dependant.path_params), ("query", route.dependant.query_params)):
        for param in params:
            annotation = param.field_info.annotation
            if annotation is int or annotation == (int | None):
                found.append((where, param.alias))
    return found


async def test_every_integer_parameter_is_bounded(http: httpx.AsyncClient, tokens):
    checked = []
    for route in routes():
        roles = allowed_roles(route)
        assert roles
        headers = auth(tokens, sorted(r.value for r in roles)[0])
        method = sorted(route.methods)[0]
        for where, name in int_parameters(route):
            for value in (TOO_BIG, -TOO_BIG):
                values = {**PATH_VALUES, name: str(value)} if where == "path" else PATH_VALUES
                path = route.path.format(**{k: v for k, v in values.items() if "{" + k + "}" in route.path})
                params = {**QUERY.get(route.path, {}), **({name: str(value)} if where == "query" else {})}
                response = await http.request(
                    method, path, params=params, headers=headers, json={} if method == "POST" else None
                )
                assert_problem(response, 422, "invalid_input", name)
                checked.append(f"{method} {route.path} {name}")
    assert len(checked) >= 20, checked  # min_position and limit on every read, version on the audit


async def test_views_behind_is_a_503_with_retry_after(http: httpx.AsyncClient, tokens, backend: Backend):
    s = Scenario()
    _, answer = await run(http, tokens, [s.referral()])
    # A view that never moves (as if its runner had stopped) holds every read behind it.
    lagging = dataclasses.replace(
        backend, view_names=[*backend.view_names, "a_view_nobody_runs"], position_patience_seconds=0.2
    )
    transport = httpx.ASGITransport(app=create_app(lagging))
    async with httpx.AsyncClient(transport=transport, base_url="http://carecase.test", timeout=60) as client:
        behind = await client.get(
            "/cases", params={"min_position": answer["position"]}, headers=auth(tokens, "team_manager")
        )
    body = assert_problem(behind, 503, "views_behind", "min_position")
    assert behind.headers["retry-after"] == "1"
    assert body["details"]["wanted"] == answer["position"]


async def test_a_position_past_the_end_of_the_log_is_refused_at_once_not_waited_on(
    http: httpx.AsyncClient, tokens, backend: Backend
):
    """No command answered it, so no wait can make it true: 422, not ten seconds then 503."""
    s = Scenario()
    _, answer = await run(http, tokens, [s.referral()])
    last = backend.record.last_position()
    for beyond in (last + 1, last + 1_000_000, TOO_BIG - 1):
        started = time.monotonic()
        response = await http.get("/cases", params={"min_position": beyond}, headers=auth(tokens, "team_manager"))
        body = assert_problem(response, 422, "position_beyond_log", "min_position")
        assert body["details"] == {"last_position": last, "wanted": beyond}
        assert time.monotonic() - started < backend.position_patience_seconds
    assert (
        await http.get("/cases", params={"min_position": answer["position"]}, headers=auth(tokens, "team_manager"))
    ).status_code == 200


@pytest_asyncio.fixture(loop_scope="session")
async def temporal_away() -> AsyncIterator[Client]:
    """A client of a Temporal server that has stopped: a real server, started and shut down."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_binary(), data_converter=DATA_CONVERTER
    )
    try:
        # The same client the API makes, but giving up after two quick retries, not ten seconds.
        client = await Client.connect(
            env.client.service_client.config.target_host,
            data_converter=DATA_CONVERTER,
            retry_config=RetryConfig(initial_interval_millis=20, max_retries=2),
        )
    finally:
        await env.shutdown()
    yield client


async def test_temporal_unreachable_is_a_503_with_retry_after_and_appends_nothing(
    http: httpx.AsyncClient, tokens, backend: Backend, temporal_away: Client
):
    s = Scenario()
    case_id, _ = await run(http, tokens, [s.referral()])  # opened while Temporal was there
    away = dataclasses.replace(backend, temporal=temporal_away)
    before = store_size(backend)
    transport = httpx.ASGITransport(app=create_app(away))
    async with httpx.AsyncClient(transport=transport, base_url="http://carecase.test", timeout=60) as client:
        # A command's update cannot be proven undelivered once it was sent, so it is "pending":
        # the same key asked again gives its outcome. Everything else is plainly "unavailable".
        calls: list[tuple[Any, str]] = [
            (post(client, tokens, s.referral()), "temporal_unavailable"),  # the workflow could not start
            (post(client, tokens, s.screen(), case_id, key="screen-away"), "command_pending"),
            (client.get("/ops/workflow-problems", headers=auth(tokens, "ops")), "temporal_unavailable"),
            (
                client.post(f"/ops/cases/{case_id}/escalate", json={"reason": "stuck"}, headers=auth(tokens, "ops")),
                "command_pending",  # escalating is a command on the case
            ),
        ]
        for call, code in calls:
            response = await call
            body = assert_problem(response, 503, code)
            assert int(response.headers["retry-after"]) >= 1
            assert "tcp" not in body["detail"].lower()
        # Reads of the views do not need Temporal at all.
        view = await client.get(f"/cases/{case_id}", headers=auth(tokens, "social_worker"))
        assert view.status_code == 200
    assert store_size(backend) == before


async def test_an_unexpected_fault_is_a_500_problem_that_leaks_nothing_and_is_logged(
    http: httpx.AsyncClient, tokens, backend: Backend, sqlite_env: dict[str, str]
):
    closed = SQLiteViewStore(sqlite_env["SQLITE_DBNAME"])
    closed.close()  # the views' database is gone from under the API
    broken = dataclasses.replace(backend, views=closed)
    transport = httpx.ASGITransport(app=create_app(broken))
    with structlog.testing.capture_logs() as logs:
        async with httpx.AsyncClient(transport=transport, base_url="http://carecase.test", timeout=60) as client:
            response = await client.get("/cases", headers=auth(tokens, "team_manager"))
    body = assert_problem(response, 500, "internal_error")
    text = response.text.lower()
    assert "sqlite" not in text and "closed" not in text and "traceback" not in text
    assert body["instance"] == "/cases"
    [logged] = [e for e in logs if e["event"] == "unexpected_error"]
    assert logged["log_level"] == "error" and logged["error_id"] == body["details"]["error_id"]
    assert "closed database" in str(logged["exc_info"]).lower()


async def test_health_is_down_with_a_503_problem_when_the_views_cannot_be_read(
    tokens, backend: Backend, sqlite_env: dict[str, str]
):
    closed = SQLiteViewStore(sqlite_env["SQLITE_DBNAME"])
    closed.close()
    transport = httpx.ASGITransport(app=create_app(dataclasses.replace(backend, views=closed)))
    async with httpx.AsyncClient(transport=transport, base_url="http://carecase.test", timeout=60) as client:
        response = await client.get("/health")
    body = assert_problem(response, 503, "service_down")
    assert body["problems"] == ["the case record or its views cannot be read"]
    assert "sqlite" not in response.text.lower()


async def test_a_body_too_large_is_a_413_problem_and_appends_nothing(http: httpx.AsyncClient, tokens, backend: Backend):
    s = Scenario()
    before = store_size(backend)
    huge = {**body_of(s.referral()), "reason": "x" * 2_000_000}
    response = await http.post("/cases", json=huge, headers=auth(tokens, "social_worker"))
    assert_problem(response, 413, "body_too_large", "body")
    assert store_size(backend) == before


async def test_any_http_status_raised_in_front_of_a_handler_is_a_problem(backend: Backend):
    """Whatever status is raised as Starlette's HTTPException (by a dependency, say) comes out in
    the same shape, with its stable code."""
    app = create_app(backend)

    async def refuse() -> None:
        raise HTTPException(415, "send JSON")

    app.add_api_route("/refuse", refuse, methods=["POST"])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://carecase.test") as client:
        response = await client.post("/refuse", content=b"x")
    body = assert_problem(response, 415, "unsupported_media_type")
    assert body["detail"] == "send JSON" and body["instance"] == "/refuse"


async def test_temporal_dying_while_a_command_waits_is_a_503_command_pending_never_a_500(
    http: httpx.AsyncClient, tokens, backend: Backend, tmp_path: Path
):
    """Seen under load: the server SIGKILLed while the API waited on an update gave
    ``RPCError(UNKNOWN, "transport error")`` and a 500, though the command may have been recorded.
    The outcome is unknown, so the answer is 503 ``command_pending``: ask again with the same key."""
    settings = TemporalSettings(
        address=f"127.0.0.1:{free_port()}", ui_port=free_port(), db_filename=tmp_path / "temporal.db"
    )
    binary = temporal_binary()
    server = start_dev_server(dev_server_command(settings, binary=binary), output=subprocess.DEVNULL)
    sent: asyncio.Task[httpx.Response] | None = None
    try:
        wait_until_serving(binary, settings, server)
        client = await Client.connect(
            settings.address,
            data_converter=DATA_CONVERTER,
            retry_config=RetryConfig(initial_interval_millis=20, max_retries=2),
        )
        # No worker polls this queue, so the referral's update waits until the server is killed.
        waiting = dataclasses.replace(backend, temporal=client, task_queue=f"nobody-{uuid.uuid4().hex}")
        before = store_size(backend)
        transport = httpx.ASGITransport(app=create_app(waiting))
        async with httpx.AsyncClient(transport=transport, base_url="http://carecase.test", timeout=60) as caller:
            sent = asyncio.create_task(post(caller, tokens, Scenario().referral(), key=f"cut-{uuid.uuid4().hex}"))
            # Past the first round of the update's long poll (about ten seconds): a server killed
            # then cuts the call off as UNKNOWN "transport error", not UNAVAILABLE.
            await asyncio.sleep(13)
            assert not sent.done()
            server.send_signal(signal.SIGKILL)
            response = await asyncio.wait_for(sent, 60)
    finally:
        if sent is not None and not sent.done():
            sent.cancel()
        if server.poll() is None:
            server.kill()
        server.wait(timeout=30)
    assert_problem(response, 503, "command_pending")
    assert int(response.headers["retry-after"]) >= 1
    assert store_size(backend) == before
