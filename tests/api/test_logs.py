"""The API's JSON log, as the process writes it: a refused command, a 403, a 404 and reads each have
a line naming the logger, the case in the API's form (hex, whatever form the URL used), the actor
and, for a command, its id and the refusal's code; the names and details recorded on the case
appear nowhere in it."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import structlog

from config.logging import logging_config
from tests.api.test_lifecycle_over_http import FrontEnd, body_of
from tests.builders import Scenario

PERSONAL = ("Margaret", "Oduya", "Daniel", "1941-03-02", "1968-07-11", "discharge after a fall at home")


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The product's own log configuration, writing into a buffer for the length of the test."""
    previous = structlog.get_config()
    buffer = io.StringIO()
    structlog.configure(**{**logging_config("debug", buffer), "cache_logger_on_first_use": False})
    try:
        yield buffer
    finally:
        structlog.configure(**previous)


def lines_of(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def the_one(lines: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    found = [line for line in lines if all(line.get(k) == v for k, v in fields.items())]
    assert len(found) == 1, (fields, found)
    return found[0]


async def test_refusals_403s_404s_and_reads_are_logged_without_personal_details(
    http: httpx.AsyncClient, tokens, json_log: io.StringIO
):
    front = FrontEnd(http, tokens[1])
    s = Scenario()
    await front.do(s.referral(), "social_worker")
    await front.do(s.screen(), "social_worker")
    await front.do(s.identify_carer("carer-1"), "social_worker")
    case_id = front.case_id

    refused = await http.post(
        f"/cases/{case_id}/draft-support-plan",
        json=body_of(s.draft()),
        headers={**front.as_("social_worker"), "Idempotency-Key": "logs-early-1"},
    )
    assert refused.status_code == 409
    screen = f"/cases/{case_id}/screen-referral"
    forbidden = await http.post(screen, json=body_of(s.screen()), headers=front.as_("auditor"))
    assert forbidden.status_code == 403
    unknown = uuid.UUID(int=99)
    missing = await http.get(f"/cases/{unknown}", headers=front.as_("social_worker"))  # hyphens in the URL
    assert missing.status_code == 404
    read = await http.get(f"/cases/{uuid.UUID(case_id)}", headers=front.as_("team_manager"))
    assert read.status_code == 200

    lines = lines_of(json_log)
    assert lines and all(line.get("logger") and line.get("level") and line.get("timestamp") for line in lines)
    refusal = the_one(lines, event="command_refused", command_id="api:logs-early-1")
    assert refusal["logger"] == "carecase.api" and refusal["level"] == "warning"
    assert (refusal["case_id"], refusal["actor"], refusal["role"]) == (case_id, "social-worker-1", "social_worker")
    assert (refusal["command"], refusal["code"]) == ("DraftSupportPlan", refused.json()["code"])
    answered = the_one(lines, event="http_request", status=409)
    assert (answered["route"], answered["case_id"], answered["actor"]) == (
        "/cases/{case_id}/draft-support-plan",
        case_id,
        "social-worker-1",
    )
    denied = the_one(lines, event="http_request", status=403)
    assert (denied["level"], denied["case_id"], denied["actor"], denied["role"]) == (
        "warning",
        case_id,
        "auditor-1",
        "auditor",
    )
    not_found = the_one(lines, event="http_request", status=404)
    assert (not_found["route"], not_found["case_id"], not_found["actor"]) == (
        "/cases/{case_id}",
        unknown.hex,
        "social-worker-1",
    )
    the_read = the_one(lines, event="http_request", status=200, route="/cases/{case_id}", actor="team-manager-1")
    assert (the_read["level"], the_read["case_id"], the_read["method"]) == ("info", case_id, "GET")
    # Every command sent has its line, with the case in hex, never with hyphens.
    assert str(uuid.UUID(case_id)) not in json_log.getvalue()
    for detail in PERSONAL:
        assert detail not in json_log.getvalue(), detail
