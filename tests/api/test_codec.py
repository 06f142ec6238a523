"""The codec endpoint the Temporal Web UI and CLI decode payloads through: operations and admins
only, every decode logged without its content, and a browser only from the Web UI's origin."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
import structlog.testing
from temporalio.api.common.v1 import Payload

from api.backend import Backend

NAME = "Zebedee Quillfeather"
UI = "http://127.0.0.1:8233"  # the Backend's default Web UI origin: the dev server's UI


def auth(tokens: tuple[object, dict[str, str]], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[1][role]}"}


def as_json(payload: Payload) -> dict[str, object]:
    return {
        "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
        "data": base64.b64encode(payload.data).decode(),
    }


async def sealed(backend: Backend) -> Payload:
    assert backend.payload_codec is not None
    plain = Payload(metadata={"encoding": b"json/plain"}, data=json.dumps({"adult_name": NAME}).encode())
    [encrypted] = await backend.payload_codec.encode([plain])
    return encrypted


@pytest.mark.parametrize("role", ["ops", "admin"])
async def test_operations_and_admins_decode_and_each_decode_is_logged_without_its_content(
    http: httpx.AsyncClient, tokens, backend: Backend, role: str
) -> None:
    encrypted = await sealed(backend)
    assert NAME.encode() not in encrypted.SerializeToString()
    with structlog.testing.capture_logs() as logs:
        answer = await http.post(
            "/codec/decode",
            json={"payloads": [as_json(encrypted), as_json(encrypted)]},
            headers={**auth(tokens, role), "X-Namespace": "default"},
        )
    assert answer.status_code == 200, answer.text
    [first, second] = answer.json()["payloads"]
    assert json.loads(base64.b64decode(first["data"])) == {"adult_name": NAME} and first == second
    assert base64.b64decode(first["metadata"]["encoding"]) == b"json/plain"
    [logged] = [e for e in logs if e["event"] == "payloads_decoded"]
    assert logged["user_id"] == f"{role}-1" and logged["role"] == role and logged["payloads"] == 2
    assert NAME not in repr(logs)


async def test_what_the_codec_encodes_decodes_back(http: httpx.AsyncClient, tokens) -> None:
    plain = {
        "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
        "data": base64.b64encode(b"{}").decode(),
    }
    encoded = await http.post("/codec/encode", json={"payloads": [plain]}, headers=auth(tokens, "ops"))
    assert encoded.status_code == 200, encoded.text
    [sealed_payload] = encoded.json()["payloads"]
    assert base64.b64decode(sealed_payload["metadata"]["encoding"]) == b"binary/encrypted"
    decoded = await http.post("/codec/decode", json=encoded.json(), headers=auth(tokens, "ops"))
    assert decoded.json() == {"payloads": [plain]}


async def test_other_roles_are_refused_and_no_key_is_unauthorised(http: httpx.AsyncClient, tokens, backend) -> None:
    body = {"payloads": [as_json(await sealed(backend))]}
    for role in ("social_worker", "team_manager", "auditor"):
        refused = await http.post("/codec/decode", json=body, headers=auth(tokens, role))
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden", refused.text
        assert NAME not in refused.text
    missing = await http.post("/codec/decode", json=body)
    assert missing.status_code == 401 and missing.json()["code"] == "unauthorised"


async def test_a_payload_that_does_not_decrypt_is_named_and_nothing_is_answered(
    http: httpx.AsyncClient, tokens, backend: Backend
) -> None:
    good, bad = await sealed(backend), await sealed(backend)
    altered = Payload(metadata=dict(bad.metadata), data=bad.data[:-1] + bytes([bad.data[-1] ^ 1]))
    answer = await http.post(
        "/codec/decode", json={"payloads": [as_json(good), as_json(altered)]}, headers=auth(tokens, "ops")
    )
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "payload_not_decrypted" and body["field"] == "payloads.1"
    assert NAME not in answer.text


async def test_bad_input_and_another_namespace_are_refused_naming_the_field(http: httpx.AsyncClient, tokens) -> None:
    bad = await http.post("/codec/decode", json={"payloads": [{"data": "not base64!"}]}, headers=auth(tokens, "ops"))
    assert bad.status_code == 422 and bad.json()["field"] == "payloads.0.data", bad.text
    elsewhere = await http.post(
        "/codec/decode", json={"payloads": []}, headers={**auth(tokens, "ops"), "X-Namespace": "payroll"}
    )
    assert elsewhere.status_code == 422, elsewhere.text
    assert elsewhere.json()["code"] == "namespace_not_served" and elsewhere.json()["field"] == "X-Namespace"


async def test_a_preflight_from_the_web_ui_is_granted_and_from_any_other_origin_refused(
    http: httpx.AsyncClient, tokens, backend: Backend
) -> None:
    asked = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-namespace"}
    granted = await http.options("/codec/decode", headers={"Origin": UI, **asked})
    assert granted.status_code == 204
    assert granted.headers["access-control-allow-origin"] == UI
    assert granted.headers["access-control-allow-credentials"] == "true"
    assert "POST" in granted.headers["access-control-allow-methods"]
    allowed = {h.strip() for h in granted.headers["access-control-allow-headers"].split(",")}
    assert {"content-type", "x-namespace", "authorization"} <= allowed

    for origin in ("http://evil.example", "http://localhost:8233", "http://127.0.0.1:8234"):
        refused = await http.options("/codec/decode", headers={"Origin": origin, **asked})
        assert refused.status_code == 403 and refused.json()["field"] == "Origin", origin
        assert "access-control-allow-origin" not in refused.headers

    # The UI's own calls carry the grant; a call from another origin is refused before it decodes.
    body = {"payloads": [as_json(await sealed(backend))]}
    from_ui = await http.post("/codec/decode", json=body, headers={"Origin": UI, **auth(tokens, "ops")})
    assert from_ui.status_code == 200 and from_ui.headers["access-control-allow-origin"] == UI
    from_elsewhere = await http.post(
        "/codec/decode", json=body, headers={"Origin": "http://evil.example", **auth(tokens, "ops")}
    )
    assert from_elsewhere.status_code == 403 and NAME not in from_elsewhere.text
    # Other endpoints grant no origin at all.
    assert "access-control-allow-origin" not in (await http.get("/health", headers={"Origin": UI})).headers


async def test_a_preflight_asking_for_more_than_the_ui_sends_is_refused(http: httpx.AsyncClient) -> None:
    for asked in (
        {"Access-Control-Request-Method": "DELETE"},
        {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-forwarded-user"},
    ):
        refused = await http.options("/codec/decode", headers={"Origin": UI, **asked})
        assert refused.status_code == 403, asked
