"""ASGI middleware in front of the Gradio app: a request body limit, and
throttled sign-ins for `--share-auth`.

Gradio checks a password as fast as it is asked (100 wrong ones took 1.1 s).
Here each failed sign-in from a client is answered after a growing delay,
MAX_FAILURES in a row lock that client out for LOCKOUT_SECONDS, a client
may try one sign-in at a time, and every failure is logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qs

log = logging.getLogger("ui.signin")

MAX_FAILURES = 5
LOCKOUT_SECONDS = 300.0
DELAY_STEP = 0.25
"""Seconds added to the answer of each further failed sign-in, up to MAX_DELAY."""
MAX_DELAY = 2.0
FORGET_AFTER = 900.0
"""A client's failures are forgotten after this long without another."""
MAX_BODY_BYTES = 1_000_000
"""Largest request body outside file uploads (those have their own limit)."""

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class _Client:
    failures: int = 0
    last: float = 0.0
    locked_until: float = 0.0
    in_flight: bool = False


class Guard:
    def __init__(self, app: Callable, max_failures: int | None = None, lockout_seconds: float | None = None,
                 max_body_bytes: int | None = None) -> None:
        self.app = app
        self.max_failures = max_failures or MAX_FAILURES
        self.lockout = lockout_seconds if lockout_seconds is not None else LOCKOUT_SECONDS
        self.max_body = max_body_bytes or MAX_BODY_BYTES
        self._clients: dict[str, _Client] = {}
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        path = scope["path"].rstrip("/")
        if "/upload" not in path:  # uploads are streamed to disk by Gradio, within max_file_size
            headers = dict(scope["headers"])
            length = headers.get(b"content-length", b"0")
            too_big = f"The request body is over the limit of {self.max_body:,} bytes."
            if not length.isdigit() or int(length) > self.max_body:
                return await _reply(send, 413, too_big)
            body = await _read(receive, self.max_body)
            if body is None:
                return await _reply(send, 413, too_big)
            if b"json" in headers.get(b"content-type", b"") and _lone_surrogate(body):
                # Gradio fails with a 500 while reporting such a body as invalid.
                return await _reply(send, 400, "The request body holds a lone surrogate (such as \\ud800): "
                                               "it is not valid Unicode text.")
            if path.endswith(("/run/ask", "/call/ask")):
                body, problem = _ask_inputs(body)
                if problem:
                    return await _reply(send, 400, problem)
            receive = _replay(body, receive)
        if path.endswith("/login"):
            return await self._sign_in(scope, receive, send)
        if "/run/" in path:
            return await self.app(scope, receive, _client_errors_as_400(send))
        await self.app(scope, receive, send)

    async def _sign_in(self, scope: Scope, receive: Receive, send: Send) -> None:
        who = (scope.get("client") or ("unknown",))[0]
        now = time.monotonic()
        with self._lock:
            client = self._clients.setdefault(who, _Client())
            if client.failures and now - client.last > FORGET_AFTER:
                client.failures = 0
            wait = client.locked_until - now
            busy = client.in_flight
            if wait <= 0 and not busy:
                client.in_flight = True
        if wait > 0:
            log.warning("Sign-in refused for %s: locked out for another %.0f s", who, wait)
            return await _reply(send, 429, f"Too many failed sign-ins. Try again in {wait:.0f} seconds.",
                                retry_after=int(wait) + 1)
        if busy:
            return await _reply(send, 429, "One sign-in at a time, please.", retry_after=1)
        body = bytearray()

        async def recording_receive() -> dict[str, Any]:
            message = await receive()
            if message["type"] == "http.request" and len(body) < 4096:
                body.extend(message.get("body", b"")[:4096])
            return message

        async def throttled_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                if message["status"] == 400:  # Gradio's "Incorrect credentials."
                    delay = self._failed(who, _username(bytes(body)))
                    await asyncio.sleep(delay)
                elif message["status"] < 400:
                    with self._lock:
                        self._clients.pop(who, None)
            await send(message)

        try:
            await self.app(scope, recording_receive, throttled_send)
        finally:
            with self._lock:
                if who in self._clients:
                    self._clients[who].in_flight = False

    def _failed(self, who: str, user: str) -> float:
        """Count a failure; the seconds to wait before answering it."""
        with self._lock:
            client = self._clients.setdefault(who, _Client())
            client.failures += 1
            client.last = time.monotonic()
            n = client.failures
            if n >= self.max_failures:
                client.locked_until = client.last + self.lockout
                client.failures = 0
        if n >= self.max_failures:
            log.warning("Failed sign-in as %r from %s (%d in a row): locked out for %.0f s", user, who, n, self.lockout)
        else:
            log.warning("Failed sign-in as %r from %s (%d in a row)", user, who, n)
        return min(DELAY_STEP * n, MAX_DELAY)


async def _read(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None once it passes `limit` bytes."""
    parts, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        size += len(parts[-1])
        if size > limit:
            return None
        more = message.get("more_body", False)
    return b"".join(parts)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _ask_inputs(body: bytes) -> tuple[bytes, str | None]:
    """The /ask API's inputs are {"data": [question]} or {"data": [question, history]};
    the history may be left out. Gradio fails with a bare 500 on any other count."""
    try:
        request = json.loads(body)
    except (ValueError, RecursionError):
        return body, "The request body is not valid JSON."
    data = request.get("data") if isinstance(request, dict) else None
    if not isinstance(data, list) or len(data) not in (1, 2):
        return body, 'Send {"data": [question]} or {"data": [question, history]}.'
    if len(data) == 1:
        body = json.dumps({**request, "data": [data[0], None]}).encode()
    return body, None


def _lone_surrogate(body: bytes) -> bool:
    if b"\\ud" not in body.lower():
        return False
    try:
        json.dumps(json.loads(body), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    except (ValueError, RecursionError):
        return False
    return False


def _client_errors_as_400(send: Send) -> Send:
    """Gradio's REST route (/gradio_api/run/NAME) answers 500 even for errors
    raised on purpose with a message (gr.Error: an empty question, bad history);
    those become 400. Unexpected failures carry no message and stay 500."""
    held: dict[str, Any] = {}

    async def wrapped(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and message["status"] == 500:
            held["start"], held["body"] = message, b""
            return
        if "start" not in held:
            return await send(message)
        held["body"] += message.get("body", b"")
        if message.get("more_body"):
            return
        start = held.pop("start")
        try:
            error = json.loads(held["body"]).get("error")
        except (ValueError, AttributeError):
            error = None
        if isinstance(error, str) and error:
            start = {**start, "status": 400}
        await send(start)
        await send({"type": "http.response.body", "body": held["body"]})

    return wrapped


def _username(body: bytes) -> str:
    try:
        return parse_qs(body.decode("utf-8", "replace")).get("username", [""])[0][:64]
    except ValueError:
        return ""


async def _reply(send: Send, status: int, detail: str, retry_after: int | None = None) -> None:
    data = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    if retry_after:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
