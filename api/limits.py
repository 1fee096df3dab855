"""Request body limits, enforced before any route reads the body.

A declared Content-Length over the limit gets 413 without reading a byte;
a chunked body is read up to the limit and refused as soon as it passes it.
"""

from __future__ import annotations

import json
from typing import Any, Awaitable, Callable

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class BodyLimit:
    """Pure ASGI middleware: bodies over `limit_for(path)` bytes get 413 in OpenAI's error shape."""

    def __init__(self, app: Callable, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        limit = self.limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.isdigit():
                return await _reply(send, 400, "Content-Length must be a whole number of bytes.", "bad_length")
            if int(declared) > limit:
                return await _too_large(send, int(declared), limit)
        body, more = [], True
        size = 0
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return await _too_large(send, size, limit)
            body.append(chunk)
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(body), "more_body": False}
            return await receive()  # http.disconnect, for streaming responses

        await self.app(scope, replay, send)


async def _too_large(send: Send, size: int, limit: int) -> None:
    await _reply(send, 413, f"The request body is larger than the limit of {limit:,} bytes. Send less: "
                            "a shorter conversation, or smaller files.", "body_too_large")


async def _reply(send: Send, status: int, message: str, code: str) -> None:
    data = json.dumps({"error": {"message": message, "type": "invalid_request_error", "code": code,
                                 "param": None}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": data})
