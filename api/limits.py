"""A ceiling on request bodies, enforced before anything parses them.

The largest command a council sends (a support plan at its bounds of lines and text) is a few
hundred kilobytes; a body many times that is a mistake or an attack, and parsing it first would
already cost the memory the limit is there to protect. So a body over ``max_body_bytes`` is
refused with 413 from its ``Content-Length`` alone, or — sent in chunks without one — as soon as
the bytes received pass the limit, and the endpoint never runs: nothing is written.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem_body

MAX_BODY_BYTES = 1_048_576  # 1 MiB


def too_large_body(limit: int) -> bytes:
    """The one problem shape the API answers with (api.errors), for a body over the limit."""
    detail = f"the request body is larger than the API accepts ({limit:,} bytes)"
    return json.dumps(
        problem_body(413, "body_too_large", detail, field="body", details={"max_body_bytes": limit})
    ).encode()


class BodySizeLimit:
    """ASGI middleware: 413 for any HTTP request whose body is over ``max_body_bytes``."""

    def __init__(self, app: ASGIApp, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.limit
            except ValueError:
                too_big = False  # the server rejects a malformed length itself
            if too_big:
                await self._refuse(send)
                return
        received = 0
        refused = False

        async def counting_receive() -> Message:
            # Past the limit, answer 413 at once and tell the app the client has gone: it stops
            # reading, and whatever it answers then is dropped (tracking_send).
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    refused = True
                    await self._refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counting_receive, tracking_send)

    async def _refuse(self, send: Send) -> None:
        body = too_large_body(self.limit)
        headers: list[Any] = [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
