"""The role matrix: every endpoint × every role is either allowed or 403; no key or a wrong key is
401; an auditor can never write. Allowed calls here name a case that does not exist, so they get
past the role check and stop at 404 (or are well-formed reads)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from api.app import create_app
from api.examples import command_examples
from domain.people import Role

# /health says only whether the service is up; the documentation pages say what the API is. No case data.
UNGUARDED = {"/health", "/docs", "/docs/oauth2-redirect", "/redoc"}
STAFF = [r for r in Role if r != Role.SYSTEM]
PATH_VALUES = {
    "case_id": uuid.UUID(int=7).hex,
    "worker_id": "sw-nobody",
    "team": "east-locality",
    "stage": "assessment",
    "version": "3",
    "person_id": "adult-1",
    "key_id": "k-0000000000000000",  # no such key: an admin gets past the role check to a 404
    "rule_set_id": "northmoor-ras",
    "instruction_id": "999999",  # no such message: a finance officer gets past the role check to a 404
    "kind": "eligibility_determination",
}
QUERY = {
    "/audit/cases/{case_id}/as-of": {"at": "2026-01-01T00:00:00Z"},
    "/finance/batch": {"date": "2026-01-05"},
    "/returns/asc-cld": {"period_end": "2026-12-31"},
    "/returns/asc-cld/report": {"period_end": "2026-12-31"},
}


def allowed_roles(route: APIRoute) -> frozenset[Role] | None:
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        roles = getattr(dependant.call, "allowed_roles", None)
        if roles is not None:
            return roles
        pending.extend(dependant.dependencies)
    return None


def flatten(items: list[Any]) -> list[Any]:
    # FastAPI keeps an included router whole (its routes are under `original_router`).
    out = []
    for item in items:
        inner = getattr(item, "original_router", None)
        out.extend(flatten(inner.routes) if inner is not None else [item])
    return out


def routes() -> list[APIRoute]:
    # The console's pages take a session cookie, not a bearer key, and call the same guards inside
    # (allow(), need to know); tests/api/test_console.py holds them to the roles.
    return [
        r
        for r in flatten(create_app().routes)
        if isinstance(r, APIRoute) and r.path not in UNGUARDED and not r.path.startswith("/console")
    ]


def body_for(route: APIRoute) -> dict[str, Any] | None:
    if "POST" not in route.methods:
        return None
    examples = command_examples()
    if route.name in examples:
        return examples[route.name]
    model = route.body_field.field_info.annotation if route.body_field else None
    extra = getattr(model, "model_config", {}).get("json_schema_extra") or {}
    return (extra.get("examples") or [{}])[0]


def test_every_endpoint_declares_its_roles_and_no_write_admits_an_auditor():
    for route in routes():
        roles = allowed_roles(route)
        assert roles, f"{route.methods} {route.path} declares no roles"
        if "POST" in route.methods:
            assert Role.AUDITOR not in roles, route.path


async def call(http: httpx.AsyncClient, route: APIRoute, headers: dict[str, str]) -> httpx.Response:
    path = route.path.format(**{k: v for k, v in PATH_VALUES.items() if "{" + k + "}" in route.path})
    method = sorted(route.methods)[0]
    return await http.request(method, path, headers=headers, json=body_for(route), params=QUERY.get(route.path, {}))


@pytest.mark.workflow_timeout(180)
async def test_every_endpoint_for_every_role(http: httpx.AsyncClient, tokens):
    keys = tokens[1]
    matrix: dict[str, dict[str, int]] = {}
    for route in routes():
        roles = allowed_roles(route)
        assert roles is not None
        label = f"{sorted(route.methods)[0]} {route.path}"
        matrix[label] = {}
        assert (await call(http, route, {})).status_code == 401, label
        assert (await call(http, route, {"Authorization": "Bearer not-a-key"})).status_code == 401, label
        for role in STAFF:
            response = await call(http, route, {"Authorization": f"Bearer {keys[role.value]}"})
            matrix[label][role.value] = response.status_code
            if role in roles:
                assert response.status_code not in (401, 403), (label, role, response.text)
                assert response.status_code < 500, (label, role, response.text)
            else:
                assert response.status_code == 403, (label, role, response.status_code, response.text)
                assert response.json()["code"] == "forbidden"
    writes = [label for label in matrix if label.startswith("POST")]
    assert writes and all(matrix[label]["auditor"] == 403 for label in writes)
