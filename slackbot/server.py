"""Serving the bot: an HTTP endpoint for the Events API and slash commands,
or a Socket Mode connection when SLACK_APP_TOKEN is set.

    slackbot.run(assistant)                       # blocks; what `assistant slack` calls
    server = slackbot.create_server(assistant, port=0).start()   # tests: background
    ...; server.stop()
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Mapping
from urllib.parse import parse_qsl

from slack_bolt.request import BoltRequest

from assistant.errors import PortInUseError

from .bot import SlackBot
from .config import SlackSettings

log = logging.getLogger("slackbot")
READ_TIMEOUT = 10.0
BACKLOG = 1024
"""Connections the kernel queues while the server accepts: a burst of events
must wait there, not be reset (Python's default is 5)."""
SIGNATURE_WINDOW = 60 * 5

# The type of every wire field the bot or Bolt reads. A field of another type
# gets 400; it never reaches code that would fail on it.
_STR, _INT, _BOOL, _DICT, _LIST = (str,), (int,), (bool,), (dict,), (list,)
_PAYLOAD_FIELDS = {
    "type": _STR, "token": _STR, "team_id": _STR, "api_app_id": _STR, "event_id": _STR, "event_context": _STR,
    "event_time": _INT, "authorizations": _LIST, "authed_users": _LIST, "is_ext_shared_channel": _BOOL,
    "enterprise_id": _STR, "context_team_id": _STR, "context_enterprise_id": _STR, "event": _DICT,
    "challenge": _STR, "retry_attempt": _INT, "retry_reason": _STR,
}
_EVENT_FIELDS = {
    "type": _STR, "user": _STR, "text": _STR, "ts": _STR, "thread_ts": _STR, "channel": _STR, "channel_type": _STR,
    "subtype": _STR, "bot_id": _STR, "team": _STR, "event_ts": _STR, "client_msg_id": _STR, "bot_profile": _DICT,
    "blocks": _LIST, "files": _LIST, "user_team": _STR, "source_team": _STR, "parent_user_id": _STR,
    "app_id": _STR, "hidden": _BOOL, "message": _DICT, "previous_message": _DICT,
}
_AUTHORIZATION_FIELDS = {"team_id": _STR, "user_id": _STR, "enterprise_id": _STR, "is_bot": _BOOL,
                         "is_enterprise_install": _BOOL}
_INTERACTIVE_FIELDS = {"type": _STR, "user": _DICT, "team": _DICT, "channel": _DICT, "actions": _LIST,
                       "trigger_id": _STR, "response_url": _STR, "api_app_id": _STR, "token": _STR, "view": _DICT,
                       "callback_id": _STR, "enterprise": _DICT}
_ID_FIELDS = {"id": _STR, "name": _STR, "team_id": _STR, "domain": _STR, "username": _STR}


class _BadRequest(ValueError):
    pass


def _check_fields(obj: dict, types: Mapping[str, tuple[type, ...]], where: str) -> None:
    """Raise _BadRequest if a known field of `obj` has the wrong type (null is allowed: absent)."""
    for name, kinds in types.items():
        value = obj.get(name)
        if value is None:
            continue
        if not isinstance(value, kinds) or (kinds is _INT and isinstance(value, bool)):
            raise _BadRequest(f"{where}{name} must be {kinds[0].__name__}, not {type(value).__name__}")
        if kinds is _STR:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate ("\ud800"): Slack never sends one
                raise _BadRequest(f"{where}{name} is not valid Unicode text") from None


def check_payload(body: str, content_type: str) -> None:
    """Raise _BadRequest unless `body` is a well-formed Slack request body, with
    every field the bot reads of the type Slack sends."""
    if body.startswith("{") or content_type == "application/json":
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            raise _BadRequest("body is not valid JSON") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
            raise _BadRequest("JSON body must be an object with a 'type'")
        _check_fields(payload, _PAYLOAD_FIELDS, "")
        for i, auth in enumerate(payload.get("authorizations") or []):
            if not isinstance(auth, dict):
                raise _BadRequest(f"authorizations[{i}] must be an object")
            _check_fields(auth, _AUTHORIZATION_FIELDS, f"authorizations[{i}].")
        if payload["type"] == "event_callback":
            event = payload.get("event")
            if not isinstance(event, dict) or not isinstance(event.get("type"), str):
                raise _BadRequest("event_callback without an event object")
            _check_fields(event, _EVENT_FIELDS, "event.")
        if payload["type"] == "url_verification" and not isinstance(payload.get("challenge"), str):
            raise _BadRequest("url_verification without a challenge")
        return
    try:
        form = dict(parse_qsl(body, keep_blank_values=True, strict_parsing=True))
    except ValueError:
        raise _BadRequest("body is neither JSON nor a form") from None
    if "payload" in form:
        try:
            payload = json.loads(form["payload"])
            if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
                raise ValueError
        except (ValueError, RecursionError):
            raise _BadRequest("payload is not a JSON object with a 'type'") from None
        _check_fields(payload, _INTERACTIVE_FIELDS, "payload.")
        for name in ("user", "team", "channel", "enterprise"):
            if isinstance(payload.get(name), dict):
                _check_fields(payload[name], _ID_FIELDS, f"payload.{name}.")
    elif "command" not in form and "ssl_check" not in form:
        raise _BadRequest("form body is not a slash command")


def _valid_signature(secret: bytes, body: bytes, timestamp: str, signature: str) -> bool:
    """Slack's v0 HMAC-SHA256 check over the raw bytes, 5-minute window; False
    for any malformed header. The body need not be UTF-8: a signed body that
    is not gets 400 later, not 401."""
    timestamp = timestamp.strip()
    if not timestamp.isdigit() or len(timestamp) > 12 or not signature.startswith("v0="):
        return False
    if abs(time.time() - int(timestamp)) > SIGNATURE_WINDOW:
        return False
    expected = "v0=" + hmac.new(secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.strip().encode("utf-8", "replace"))


class _HTTPServer(ThreadingHTTPServer):
    request_queue_size = BACKLOG
    daemon_threads = True


class SlackServer:
    """The Events API / slash command endpoint on a threaded HTTP server.

    Every request is size-checked (400 past max_body_bytes), its signature
    verified (401 if forged or older than 5 minutes) and parsed (400 if
    malformed) before Bolt sees it.
    """

    def __init__(self, bot: SlackBot) -> None:
        self.bot = bot
        self.settings = bot.settings
        self._thread: threading.Thread | None = None
        try:
            self.httpd = _HTTPServer((self.settings.host, self.settings.port), self._handler())
        except OSError as exc:
            bot.close()
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(f"Port {self.settings.port} on {self.settings.host} is already in use. Stop the "
                                     "other server, or pick another port: assistant slack --port N.") from None
            raise PortInUseError(f"Cannot listen on {self.settings.host}:{self.settings.port}: "
                                 f"{exc.strerror or exc}. Check --host and --port.") from None

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.settings.host}:{self.port}{self.settings.path}"

    def start(self) -> "SlackServer":
        """Serve in a background thread; returns at once."""
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="slackbot-http", daemon=True)
        self._thread.start()
        log.info("Slack endpoint listening on %s", self.url)
        return self

    def serve_forever(self) -> None:
        log.info("Slack endpoint listening on %s", self.url)
        try:
            self.httpd.serve_forever()
        finally:
            self.httpd.server_close()
            self.bot.close()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)
        self.bot.close()

    def __enter__(self) -> "SlackServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _handler(self):
        bot, settings = self.bot, self.settings
        secret = settings.signing_secret.encode("utf-8")

        class Handler(BaseHTTPRequestHandler):
            server_version = "newsbot"
            timeout = READ_TIMEOUT

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("%s " + format, self.address_string(), *args)

            def do_GET(self) -> None:
                if self.path.partition("?")[0] in ("/health", "/healthz"):
                    return self._send(200, {"ok": True})
                self._send(404, {"error": "not found"})

            def do_POST(self) -> None:
                request_path, _, query = self.path.partition("?")
                if request_path != settings.path:
                    return self._send(404, {"error": "not found"})
                try:
                    length = int(self.headers.get("Content-Length", ""))
                except ValueError:
                    return self._send(400, {"error": "Content-Length required"}, close=True)
                if length < 0 or length > settings.max_body_bytes:
                    log.warning("Rejected a %s-byte Slack request (limit %s)", length, settings.max_body_bytes)
                    return self._send(400, {"error": f"body larger than {settings.max_body_bytes} bytes"}, close=True)
                raw = self.rfile.read(length)
                if len(raw) != length:
                    return self._send(400, {"error": "body shorter than Content-Length"}, close=True)
                timestamp = self.headers.get("X-Slack-Request-Timestamp", "")
                signature = self.headers.get("X-Slack-Signature", "")
                if not _valid_signature(secret, raw, timestamp, signature):
                    log.warning("Rejected a request with a bad or stale Slack signature from %s", self.address_string())
                    return self._send(401, {"error": "invalid request"})
                try:
                    body = raw.decode("utf-8")
                    content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                    check_payload(body, content_type)
                    request = BoltRequest(body=body, query=query, headers=self.headers)
                except (UnicodeDecodeError, _BadRequest, ValueError) as exc:
                    log.warning("Rejected a malformed Slack request: %s", exc)
                    return self._send(400, {"error": f"malformed request: {exc}"})
                try:
                    response = bot.app.dispatch(request)
                except Exception:
                    log.exception("Bolt failed on a Slack request")
                    return self._send(500, {"error": "internal error"})
                headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
                self._send(response.status, response.body, headers)

            def _send(self, status: int, body: Any, headers: Mapping[str, Any] | None = None, close: bool = False) -> None:
                data = (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
                self.send_response(status)
                has_type = False
                for name, values in (headers or {}).items():
                    has_type |= name.lower() == "content-type"
                    for value in values if isinstance(values, (list, tuple)) else [values]:
                        self.send_header(name, value)
                if not has_type:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                if close:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                self.wfile.write(data)

        return Handler


class SocketModeServer:
    """The same bot over Socket Mode (an outbound WebSocket; no public URL)."""

    def __init__(self, bot: SlackBot) -> None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        self.bot = bot
        self.settings = bot.settings
        self.handler = SocketModeHandler(bot.app, bot.settings.app_token)
        self.port = None
        self.url = None

    def start(self) -> "SocketModeServer":
        self.handler.connect()
        log.info("Connected to Slack in Socket Mode")
        return self

    def serve_forever(self) -> None:
        log.info("Connecting to Slack in Socket Mode")
        try:
            self.handler.start()
        finally:
            self.bot.close()

    def stop(self) -> None:
        self.handler.close()
        self.bot.close()

    def __enter__(self) -> "SocketModeServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def create_server(
    assistant: Any,
    settings: SlackSettings | None = None,
    *,
    env: Mapping[str, str] | None = None,
    **overrides: Any,
) -> SlackServer | SocketModeServer:
    """Build (not start) the server: settings from `settings`, or SLACK_* env
    plus `overrides` (port, host, api_url, …). Calls auth.test, so a bad token
    fails here with SlackConfigError. Socket Mode if an app token is set."""
    if settings is None:
        settings = SlackSettings.from_env(env, **overrides)
    elif overrides:
        settings = settings.replace(**{k: v for k, v in overrides.items() if v is not None})
    bot = SlackBot(assistant, settings)
    return SocketModeServer(bot) if settings.socket_mode else SlackServer(bot)


def run(assistant: Any, port: int = 3000, host: str = "127.0.0.1", settings: SlackSettings | None = None) -> None:
    """Serve `assistant` on Slack until interrupted: HTTP (POST /slack/events on
    host:port) or Socket Mode when SLACK_APP_TOKEN is set. Raises SlackConfigError
    if SLACK_BOT_TOKEN or SLACK_SIGNING_SECRET is missing or the token is rejected."""
    if not logging.getLogger().handlers:  # the CLI configures none: show start-up and errors
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = create_server(assistant, settings, port=port, host=host)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        log.info("Stopping the Slack bot")
