"""Temporal's codec server protocol, so the Temporal Web UI and CLI can show a workflow's payloads
(which the server holds encrypted, decision 0023) to the staff who unstick workflows.

``POST /codec/decode`` and ``POST /codec/encode`` take and answer a ``Payloads`` message as
protobuf JSON (``{"payloads": [{"metadata": {...}, "data": "..."}]}``, bytes base64). Only
``PAYLOAD_DECODERS`` (operations and admins) may call them, with their API key; each decode is
logged with who asked and how many payloads, never what they hold. A browser may call them only
from the Temporal Web UI's origin (``CodecCors``); any other origin is refused.
"""

# FastAPI reads these endpoints' annotations at run time; see api/commands.py.

import base64
import binascii
import json
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Header
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from api.auth import allow, backend
from api.backend import Backend
from api.errors import PROBLEM_JSON, problem_body
from api.keys import ApiUser
from api.roles import PAYLOAD_DECODERS
from domain.errors import InvalidInput, NotFound
from workflows.encryption import PayloadNotDecrypted

PREFIX = "/codec"
# What the Web UI and the CLI send: a JSON body, the namespace, and (the CLI's --codec-auth) a key.
ALLOWED_HEADERS = ("authorization", "content-type", "x-namespace")
PREFLIGHT_MAX_AGE_SECONDS = 600
MAX_PAYLOADS = 1_000

router = APIRouter(prefix=PREFIX, tags=["operations"])
Decoder = Annotated[ApiUser, Depends(allow(PAYLOAD_DECODERS))]
App = Annotated[Backend, Depends(backend)]
Namespace = Annotated[
    str | None,
    Header(
        alias="X-Namespace",
        max_length=255,
        description="The namespace the payloads are from (the Web UI and CLI send it); only the API's own",
    ),
]


def _is_base64(text: str) -> str:
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("must be standard base64 (RFC 4648 alphabet, padded), as protobuf JSON writes bytes") from None
    return text


Base64 = Annotated[str, StringConstraints(max_length=2_000_000), AfterValidator(_is_base64)]
MetadataKey = Annotated[str, StringConstraints(min_length=1, max_length=256)]


class CodecPayload(BaseModel):
    """One ``temporal.api.common.v1.Payload`` in protobuf JSON."""

    model_config = ConfigDict(extra="ignore")  # newer servers add fields a codec does not touch
    metadata: dict[MetadataKey, Base64] = Field(default_factory=dict, max_length=64)
    data: Base64 = ""

    def proto(self) -> Payload:
        return Payload(
            metadata={key: base64.b64decode(value) for key, value in self.metadata.items()},
            data=base64.b64decode(self.data),
        )

    @classmethod
    def of(cls, payload: Payload) -> "CodecPayload":
        return cls(
            metadata={key: base64.b64encode(value).decode() for key, value in payload.metadata.items()},
            data=base64.b64encode(payload.data).decode(),
        )


class CodecPayloads(BaseModel):
    """``temporal.api.common.v1.Payloads`` in protobuf JSON."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"payloads": [{"metadata": {"encoding": "anNvbi9wbGFpbg=="}, "data": "eyJhIjoxfQ=="}]}]
        },
    )
    payloads: list[CodecPayload] = Field(default_factory=list, max_length=MAX_PAYLOADS)


def codec_for(app: Backend, namespace: str | None) -> PayloadCodec:
    """The API's codec, for its own namespace only (keys are the deployment's, not another's)."""
    if app.payload_codec is None:
        raise NotFound("this API has no payload codec configured", code="codec_not_configured")
    served = app.temporal.namespace
    if namespace is not None and namespace != served:
        raise InvalidInput(
            f"X-Namespace: this API decodes the payloads of namespace {served!r} only, not {namespace!r}",
            code="namespace_not_served",
            field="X-Namespace",
            details={"served": served},
        )
    return app.payload_codec


@router.post(
    "/decode",
    summary="Decrypt payloads for the Temporal Web UI or CLI (operations and admins; logged)",
    response_model=CodecPayloads,
)
async def decode(body: CodecPayloads, user: Decoder, app: App, namespace: Namespace = None) -> CodecPayloads:
    """Each payload decrypted with the key its metadata names; one that is not encrypted comes back
    as it is. A payload that does not decrypt (an unknown key, altered ciphertext) is a 422 naming
    it, and nothing is answered for the others."""
    codec = codec_for(app, namespace)
    decoded: list[Payload] = []
    for number, payload in enumerate(body.payloads):
        try:
            decoded.extend(await codec.decode([payload.proto()]))
        except PayloadNotDecrypted as error:
            raise InvalidInput(str(error), code="payload_not_decrypted", field=f"payloads.{number}") from None
    structlog.get_logger("carecase.codec").info(
        "payloads_decoded",
        user_id=user.user_id,
        role=user.role.value,
        payloads=len(decoded),
        namespace=app.temporal.namespace,
    )
    return CodecPayloads(payloads=[CodecPayload.of(p) for p in decoded])


@router.post(
    "/encode",
    summary="Encrypt payloads the Temporal Web UI or CLI sends (a signal's input, say), with the current key",
    response_model=CodecPayloads,
)
async def encode(body: CodecPayloads, user: Decoder, app: App, namespace: Namespace = None) -> CodecPayloads:
    encoded = await codec_for(app, namespace).encode([p.proto() for p in body.payloads])
    structlog.get_logger("carecase.codec").info(
        "payloads_encoded", user_id=user.user_id, role=user.role.value, payloads=len(encoded)
    )
    return CodecPayloads(payloads=[CodecPayload.of(p) for p in encoded])


class CodecCors:
    """ASGI middleware: cross-origin calls to ``/codec`` from the Temporal Web UI's origin only.

    A preflight (``OPTIONS`` with ``Access-Control-Request-Method``) from that origin, asking for
    ``POST`` with no headers beyond the UI's and the CLI's, is answered 204 with the grant. Any
    request to ``/codec`` from another origin is refused 403 before it reaches an endpoint.
    Answers to the UI's own origin carry the grant only when they succeed: the UI reads any
    answer it may read as decoded payloads, so a refusal it cannot read leaves it showing the
    encrypted payloads and its "codec failed" mark rather than an error body as data.

    Requests with no ``Origin`` (the CLI, a script) pass as they are: the key is what guards them.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == PREFIX or path.startswith(PREFIX + "/")):
            await self.app(scope, receive, send)
            return
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        allowed = scope["app"].state.backend.web_ui_origin
        if origin != allowed:
            await _refuse(send, path, f"Origin: {origin} may not call {PREFIX}; only the Temporal Web UI's origin may")
            return
        grant = [
            (b"access-control-allow-origin", allowed.encode("latin-1")),
            (b"access-control-allow-credentials", b"true"),
            (b"vary", b"Origin"),
        ]
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(headers, grant, path, send)
            return

        async def granting(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                message = {**message, "headers": [*message.get("headers", []), *grant]}
            await send(message)

        await self.app(scope, receive, granting)

    async def _preflight(
        self, headers: dict[str, str], grant: list[tuple[bytes, bytes]], path: str, send: Send
    ) -> None:
        method = headers["access-control-request-method"].strip().upper()
        asked = [h.strip().lower() for h in headers.get("access-control-request-headers", "").split(",") if h.strip()]
        refused = [h for h in asked if h not in ALLOWED_HEADERS]
        if method != "POST" or refused:
            what = f"method {method}" if method != "POST" else f"header(s) {', '.join(refused)}"
            await _refuse(send, path, f"{PREFIX} takes POST with {', '.join(ALLOWED_HEADERS)} only, not {what}")
            return
        allow_headers = ", ".join(ALLOWED_HEADERS).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 204,
                "headers": [
                    *grant,
                    (b"access-control-allow-methods", b"POST"),
                    (b"access-control-allow-headers", allow_headers),
                    (b"access-control-max-age", str(PREFLIGHT_MAX_AGE_SECONDS).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})


async def _refuse(send: Send, path: str, message: str) -> None:
    body: dict[str, Any] = problem_body(403, "forbidden", message, field="Origin", instance=path)
    encoded = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(encoded)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": encoded})
