"""A local stand-in for Slack's Web API, for tests: a real HTTP server on
127.0.0.1 answering like slack.com/api does (JSON with "ok", "error" codes,
bearer-token auth), plus response_url endpoints. It records every call.

    mock = SlackMock(token="xoxb-test").start()
    WebClient(token="xoxb-test", base_url=mock.api_url).chat_postMessage(...)
    mock.wait_for(lambda c: c.method == "chat.postMessage", timeout=20)
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl

TEAM_ID = "T0TEST001"
BOT_USER_ID = "U0BOT0001"
BOT_ID = "B0BOT0001"


@dataclass
class Call:
    method: str
    """Web API method (chat.postMessage) or "response_url"."""
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class SlackMock:
    def __init__(self, token: str = "xoxb-test", fail_channels: set[str] | None = None) -> None:
        self.token = token
        self.fail_channels = fail_channels or set()
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._ts = 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/commands/{TEAM_ID}/{name}"

    def start(self) -> "SlackMock":
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- inspecting --------------------------------------------------------------
    def find(self, predicate: Callable[[Call], bool]) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if predicate(c)]

    def posts(self, channel: str, thread_ts: str | None = None) -> list[Call]:
        return self.find(
            lambda c: c.method == "chat.postMessage"
            and c.body.get("channel") == channel
            and (thread_ts is None or c.body.get("thread_ts") == thread_ts)
        )

    def wait_for(self, predicate: Callable[[Call], bool], count: int = 1, timeout: float = 30.0) -> list[Call]:
        """Poll until `count` recorded calls match; AssertionError after `timeout` s."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.find(predicate)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} matching Slack call(s) within {timeout}s, got {len(found)}: {found}")
            time.sleep(0.05)

    # -- serving -------------------------------------------------------------------
    def _next_ts(self) -> str:
        with self._lock:
            self._ts += 1
            return f"{int(time.time())}.{self._ts:06d}"

    def _api(self, method: str, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        token = headers.get("authorization", "").removeprefix("Bearer ").strip() or body.get("token")
        if not token:
            return {"ok": False, "error": "not_authed"}
        if token != self.token:
            return {"ok": False, "error": "invalid_auth"}
        if method == "auth.test":
            return {
                "ok": True, "url": "https://newsbot-test.slack.com/", "team": "Newsbot Test", "user": "newsbot",
                "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID, "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            channel = body.get("channel")
            if not channel:
                return {"ok": False, "error": "channel_not_found"}
            if channel in self.fail_channels:
                return {"ok": False, "error": "not_in_channel"}
            blocks = body.get("blocks")
            if isinstance(blocks, str):
                blocks = json.loads(blocks)
            if not body.get("text") and not blocks:
                return {"ok": False, "error": "no_text"}
            problem = block_kit_problem(blocks or [])
            if problem:
                return {"ok": False, "error": "invalid_blocks", "errors": [problem]}
            ts = self._next_ts()
            message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": body.get("text", ""), "ts": ts}
            if blocks:
                message["blocks"] = blocks
            if body.get("thread_ts"):
                message["thread_ts"] = body["thread_ts"]
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        return {"ok": False, "error": "unknown_method"}

    def _handler(self):
        mock = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
                ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
                if ctype == "application/json":
                    body = json.loads(raw) if raw else {}
                else:
                    body = dict(parse_qsl(raw, keep_blank_values=True))
                headers = {k.lower(): v for k, v in self.headers.items()}
                path = self.path.partition("?")[0]
                if path.startswith("/api/"):
                    method = path.removeprefix("/api/")
                    with mock._lock:
                        mock.calls.append(Call(method, path, headers, body))
                    reply = mock._api(method, headers, body)
                    self._send(200, json.dumps(reply), "application/json; charset=utf-8")
                elif path.startswith("/commands/"):
                    with mock._lock:
                        mock.calls.append(Call("response_url", path, headers, body))
                    problem = block_kit_problem(body.get("blocks") or [])
                    if problem:
                        self._send(400, "invalid_blocks", "text/html")
                    else:
                        self._send(200, "ok", "text/html")
                else:
                    self._send(404, "not found", "text/plain")

            def _send(self, status: int, text: str, ctype: str) -> None:
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def block_kit_problem(blocks: list[dict]) -> str | None:
    """The first Block Kit limit `blocks` breaks (as Slack would reject it), or None."""
    if len(blocks) > 50:
        return f"too many blocks: {len(blocks)} > 50"
    for i, block in enumerate(blocks):
        kind = block.get("type")
        if kind == "section":
            text = block.get("text", {}).get("text", "")
            if not 1 <= len(text) <= 3000:
                return f"blocks[{i}] section text length {len(text)} not in 1..3000"
        elif kind == "context":
            elements = block.get("elements", [])
            if not 1 <= len(elements) <= 10:
                return f"blocks[{i}] context has {len(elements)} elements (1..10)"
            for e in elements:
                if not 1 <= len(e.get("text", "")) <= 3000:
                    return f"blocks[{i}] context element text length not in 1..3000"
        elif kind not in ("divider", "header", "actions", "image", "rich_text"):
            return f"blocks[{i}] unknown type {kind!r}"
    return None
