"""Fuzzing every HTTP surface over real loopback HTTP: the OpenAI-compatible
API, the Slack endpoint and the web UI. A seeded generator sends random bytes,
random JSON and valid requests with fields mutated; every answer must be a 4xx
or a valid reply (never a 5xx, never a dropped connection), and the server
must still answer a normal request afterwards. Hypothesis (derandomized)
drives the parsers behind them directly: the Slack payload check, the file
decoder and the chat request parser."""

from __future__ import annotations

import json
import logging
import random
import string
import time
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

CASES = 200
OFF_TOPIC = "Who won the 2022 football World Cup?"
_ALPHABET = "aé字\u0000\u001f\u200b\u202e\ud800\U0001f600 <>&\"'\\{}[]:,/%+=-0123456789"


# -- the generator ---------------------------------------------------------------
def random_text(rng: random.Random, n: int | None = None) -> str:
    n = rng.choice([0, 1, 5, 40, 300, 3000]) if n is None else n
    return "".join(rng.choice(_ALPHABET) for _ in range(n))


def random_header(rng: random.Random) -> str:
    return "".join(rng.choice(string.printable[:95]) for _ in range(rng.randint(0, 30))).strip()


def random_value(rng: random.Random, depth: int = 0) -> Any:
    kinds = ["none", "bool", "int", "float", "str", "list", "dict"] if depth < 3 else ["none", "int", "str"]
    kind = rng.choice(kinds)
    if kind == "none":
        return None
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "int":
        return rng.choice([0, -1, 1, 7, 2**31, -(2**63), 10**30])
    if kind == "float":
        return rng.choice([0.5, -1e308, 1e-300, 3.14])
    if kind == "str":
        return random_text(rng)
    if kind == "list":
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {random_text(rng, rng.randint(1, 8)): random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def mutate(rng: random.Random, value: Any, depth: int = 0) -> Any:
    """`value` with one field somewhere replaced, removed or added."""
    if isinstance(value, dict) and value and depth < 4:
        value = dict(value)
        key = rng.choice(list(value))
        action = rng.random()
        if action < 0.5:
            value[key] = mutate(rng, value[key], depth + 1) if rng.random() < 0.5 else random_value(rng)
        elif action < 0.7:
            del value[key]
        else:
            value[random_text(rng, 6)] = random_value(rng)
        return value
    if isinstance(value, list) and value and depth < 4:
        value = list(value)
        i = rng.randrange(len(value))
        value[i] = mutate(rng, value[i], depth + 1)
        return value
    return random_value(rng)


def random_body(rng: random.Random, template: Any) -> bytes:
    roll = rng.random()
    if roll < 0.15:
        return bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 10, 500])))
    if roll < 0.3:
        whole = json.dumps(template).encode()
        return whole[: rng.randrange(len(whole))]  # truncated JSON
    if roll < 0.45:
        return json.dumps(random_value(rng)).encode()
    return json.dumps(mutate(rng, template)).encode("utf-8", "surrogatepass")


def send(http: httpx.Client, method: str, path: str, body: bytes, content_type: str,
         headers: dict[str, str] | None = None) -> httpx.Response:
    return http.request(method, path, content=body, headers={"Content-Type": content_type, **(headers or {})})


# -- the parsers behind them, with Hypothesis (fast: no server) ----------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
slack_keys = st.sampled_from(["type", "event", "event_id", "team_id", "authorizations", "challenge", "text", "user",
                              "ts", "thread_ts", "channel", "subtype", "bot_id", "payload", "command"])
slack_shaped = st.recursive(
    json_values, lambda inner: st.dictionaries(slack_keys | st.text(max_size=8), inner, max_size=6), max_leaves=25)
FUZZ = settings(max_examples=CASES, derandomize=True, deadline=None, database=None)


@FUZZ
@given(slack_shaped, st.sampled_from(["application/json", "application/x-www-form-urlencoded", ""]))
def test_slack_payload_check_accepts_or_rejects_cleanly(value, content_type):
    from slackbot.server import _BadRequest, check_payload

    body = json.dumps(value) if content_type != "application/x-www-form-urlencoded" else \
        f"payload={json.dumps(value)}"
    try:
        check_payload(body, content_type)
    except _BadRequest:
        pass


@FUZZ
@given(st.binary(max_size=2000))
def test_decoding_any_bytes_is_text_or_a_clear_skip(raw):
    from assistant.errors import IngestError
    from assistant.loading import decode

    try:
        text = decode(raw)
    except IngestError as exc:
        assert str(exc)
    else:
        assert isinstance(text, str)


@FUZZ
@given(json_values)
def test_chat_request_parsing_accepts_or_rejects_cleanly(value):
    from pydantic import ValidationError

    from api.openai_format import ChatRequest, to_question
    from assistant import QuestionError

    try:
        question, history = to_question(ChatRequest.model_validate({"messages": value}).messages)
    except (ValidationError, QuestionError):
        return
    assert isinstance(question, str) and all(t["role"] in ("user", "assistant") for t in history)


# -- the OpenAI-compatible API -------------------------------------------------------
@pytest.mark.slow
def test_fuzz_api(module_assistant):
    from api import ApiServer, ApiSettings, create_app

    key = "fuzz-key"
    settings = ApiSettings(port=0, api_key=key)
    srv = ApiServer(create_app(module_assistant, settings), settings).start()
    rng = random.Random(11)
    chat = {"model": "news-assistant", "messages": [{"role": "system", "content": "Be brief."},
                                                     {"role": "user", "content": OFF_TOPIC}], "stream": False}
    targets = [
        ("POST", "/v1/chat/completions", chat),
        ("POST", "/v1/search", {"query": "Trainium2", "k": 3}),
        ("POST", "/v1/embeddings", {"input": ["Trainium2"], "model": "news-assistant"}),
        ("GET", "/v1/models", None),
        ("DELETE", "/v1/documents/", None),
        ("POST", "/v1/documents", None),
    ]
    try:
        with httpx.Client(base_url=srv.url, timeout=60) as http:
            for _ in range(http.get("/readyz").status_code != 200 and 300 or 0):
                time.sleep(0.1)
                if http.get("/readyz").status_code == 200:
                    break
            for case in range(CASES):
                method, path, template = rng.choice(targets)
                body = random_body(rng, template if template is not None else random_value(rng))
                auth = {"Authorization": f"Bearer {key}"} if rng.random() < 0.9 else {"Authorization": random_header(rng)}
                ctype = rng.choice(["application/json", "application/json", "text/plain", "multipart/form-data; boundary=x"])
                if path.endswith("/documents/"):
                    from urllib.parse import quote

                    path += quote(random_text(rng, 12).encode("utf-8", "surrogatepass"), safe="") or "x"
                r = send(http, method, path, body, ctype, auth)
                assert r.status_code < 500, (case, path, body[:200], r.status_code, r.text[:300])
                if r.status_code >= 400:
                    err = r.json()["error"]
                    assert isinstance(err["message"], str) and err["message"] and "type" in err, r.text
                elif path == "/v1/chat/completions" and not r.headers["content-type"].startswith("text/event-stream"):
                    reply = r.json()
                    assert isinstance(reply["choices"][0]["message"]["content"], str) and "refused" in reply
            ok = http.post("/v1/chat/completions", headers={"Authorization": f"Bearer {key}"},
                           json={"messages": [{"role": "user", "content": OFF_TOPIC}]})
            assert ok.status_code == 200 and ok.json()["refused"] is True
    finally:
        srv.stop()


# -- the Slack endpoint --------------------------------------------------------------
@pytest.mark.slow
def test_fuzz_slack(module_assistant, caplog):
    import slackbot
    from slack_mock import BOT_USER_ID, TEAM_ID, SlackMock
    from test_slack import SECRET, TOKEN, sign

    caplog.set_level(logging.WARNING, logger="slackbot")
    mock = SlackMock(token=TOKEN).start()
    env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": mock.api_url}
    srv = slackbot.create_server(module_assistant, env=env, port=0).start()
    rng = random.Random(12)
    event = {"type": "event_callback", "team_id": TEAM_ID, "event_id": "Ev0FUZZ", "event_time": 1,
             "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
             "event": {"type": "app_mention", "user": "U0FUZZ001", "text": f"<@{BOT_USER_ID}> {OFF_TOPIC}",
                       "ts": "1.000001", "channel": "C0FUZZ001", "channel_type": "channel"}}
    command = {"command": "/ask", "text": OFF_TOPIC, "user_id": "U0FUZZ001", "trigger_id": "1.2",
               "response_url": mock.response_url("fuzz"), "team_id": TEAM_ID, "channel_id": "C0FUZZ001"}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{srv.port}", timeout=30) as http:
            for case in range(CASES):
                roll = rng.random()
                if roll < 0.2:  # a form body: slash command or interactivity payload
                    from urllib.parse import urlencode

                    form = mutate(rng, command) if rng.random() < 0.7 else {"payload": json.dumps(random_value(rng))}
                    if not isinstance(form, dict):
                        form = {"x": str(form)}
                    body = urlencode({str(k): str(v) for k, v in form.items()}, errors="surrogatepass").encode()
                    ctype = "application/x-www-form-urlencoded"
                else:
                    body = random_body(rng, event)
                    ctype = "application/json"
                signed = rng.random() < 0.85
                ts = str(int(time.time()))
                if signed:
                    import hashlib
                    import hmac

                    sig = "v0=" + hmac.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
                else:
                    sig = rng.choice(["", "v0=", "v0=" + "a" * 64, random_header(rng)])
                r = send(http, "POST", "/slack/events", body, ctype,
                         {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig})
                assert r.status_code in (200, 400, 401, 404), (case, body[:200], r.status_code, r.text[:200])
                if not signed:
                    assert r.status_code == 401
            ok = json.dumps({"type": "url_verification", "challenge": "alive"})
            r = http.post("/slack/events", content=ok, headers={"Content-Type": "application/json", **sign(ok)})
            assert r.json() == {"challenge": "alive"}
        deadline = time.monotonic() + 60
        while srv.bot.queues.pending and time.monotonic() < deadline:
            time.sleep(0.05)
        internal = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert not internal, internal[:5]
    finally:
        srv.stop()
        mock.stop()


# -- the web UI ------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:::gradio.queueing")
def test_fuzz_web_ui(module_assistant):
    from ui_support import start

    app, url = start(module_assistant)
    rng = random.Random(13)
    join = {"data": [OFF_TOPIC, None], "fn_index": 0, "session_hash": "fuzz0001", "event_data": None,
            "trigger_id": None}
    call = {"data": [OFF_TOPIC, None]}
    targets = [("gradio_api/queue/join", join), ("gradio_api/call/ask", call), ("gradio_api/run/ask", call),
               ("login", None)]
    try:
        with httpx.Client(base_url=url, timeout=60) as http:
            for case in range(CASES):
                path, template = rng.choice(targets)
                if path == "login":
                    body = rng.choice([random_text(rng).encode("utf-8", "surrogatepass"),
                                       b"username=" + random_text(rng, 5).encode("utf-8", "surrogatepass")])
                    ctype = "application/x-www-form-urlencoded"
                else:
                    body, ctype = random_body(rng, template), "application/json"
                r = send(http, "POST", path, body, ctype)
                assert r.status_code < 500 or r.status_code == 503, (case, path, body[:200], r.status_code, r.text[:300])
            from gradio_client import Client

            assert Client(url, verbose=False).predict(OFF_TOPIC, api_name="/ask")["refused"] is True
    finally:
        app.close()
