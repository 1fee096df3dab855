"""The Slack adapter end to end: the real adapter as an HTTP server on
127.0.0.1, the real Assistant and model over seeded articles, and a local
Slack Web API (tests/slack_mock.py) receiving what the bot posts. Requests
are signed with Slack's real v0 algorithm (slack_sdk SignatureVerifier)."""

from __future__ import annotations

import http.client
import itertools
import json
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from slack_sdk.signature import SignatureVerifier

import slackbot
from assistant import Answer, Assistant, Citation
from slackbot.render import SECTION_LIMIT, escape, question_text, render_answer, split_text
try:
    from tests.slack_mock import BOT_ID, BOT_USER_ID, TEAM_ID, SlackMock, block_kit_problem
except ImportError:  # tests/ on sys.path rather than the repository root
    from slack_mock import BOT_ID, BOT_USER_ID, TEAM_ID, SlackMock, block_kit_problem

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-test"
USER = "U0ALICE01"
CHIP_Q = "Which AWS chip is Apple evaluating for pre-training its models?"
FOLLOW_UP = "What efficiency improvement does Apple expect from it?"
OFF_TOPIC = "Who won the 2022 football World Cup?"

_counter = itertools.count(1)


# -- fixtures ------------------------------------------------------------------
@pytest.fixture(scope="module")
def slack():
    mock = SlackMock(token=TOKEN, fail_channels={"C0FAILING"}).start()
    yield mock
    mock.stop()


@pytest.fixture(scope="module")
def slack_assistant(module_assistant):
    return module_assistant


@pytest.fixture(scope="module")
def server(slack, slack_assistant):
    env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url}
    srv = slackbot.create_server(slack_assistant, env=env, port=0, max_body_bytes=64 * 1024).start()
    yield srv
    srv.stop()


# -- helpers -------------------------------------------------------------------
def new_ts() -> str:
    return f"{int(time.time())}.{next(_counter):06d}"


def sign(body: str, timestamp: int | None = None, secret: str = SECRET) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body),
    }


def post(server, body: str | bytes, headers: dict[str, str], content_type="application/json"):
    """POST to the bot's endpoint; (status, parsed body, seconds taken)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    t0 = time.monotonic()
    conn.request("POST", "/slack/events", body=body, headers={"Content-Type": content_type, **headers})
    resp = conn.getresponse()
    raw = resp.read().decode()
    elapsed = time.monotonic() - t0
    conn.close()
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = raw
    return resp.status, data, elapsed


def send_event(server, event: dict, event_id: str | None = None, headers: dict[str, str] | None = None):
    event_id = event_id or f"Ev{next(_counter):08d}"
    payload = {
        "token": "legacy", "team_id": TEAM_ID, "api_app_id": "A0APP0001", "type": "event_callback",
        "event_id": event_id, "event_time": int(time.time()), "event": event,
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }
    body = json.dumps(payload)
    status, data, elapsed = post(server, body, {**sign(body), **(headers or {})})
    return status, data, elapsed, event_id


def mention(text: str, channel="C0GENERAL", ts=None, thread_ts=None, user=USER) -> dict:
    event = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER_ID}> {text}", "ts": ts or new_ts(),
             "channel": channel, "team": TEAM_ID, "event_ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def dm(text: str, channel="D0ALICE01", ts=None, **extra) -> dict:
    return {"type": "message", "channel_type": "im", "user": USER, "text": text, "ts": ts or new_ts(),
            "channel": channel, "team": TEAM_ID, **extra}


def blocks_text(call) -> str:
    parts = []
    for b in call.body.get("blocks") or []:
        if b["type"] == "section":
            parts.append(b["text"]["text"])
        elif b["type"] == "context":
            parts += [e["text"] for e in b["elements"]]
    return "\n".join(parts)


def wait_until(condition, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def idle(server, timeout=60.0):
    wait_until(lambda: server.bot.queues.pending == 0, timeout, "the answer queue to drain")


def assert_answer_with_sources(call):
    blocks = call.body["blocks"]
    assert block_kit_problem(blocks) is None
    assert blocks[0]["type"] == "section" and blocks[0]["text"]["type"] == "mrkdwn"
    contexts = [b for b in blocks if b["type"] == "context"]
    assert contexts, f"no sources context block in {blocks}"
    first = contexts[0]["elements"][0]["text"]
    assert first.startswith("*[1]*") and "“" in first  # numbered source with a quote
    assert "[1]" in blocks[0]["text"]["text"]  # the answer cites it inline
    assert call.body["text"] and "Sources:" in call.body["text"]  # plain-text fallback


# -- protocol: no model needed ---------------------------------------------------
def test_url_verification(server):
    body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"})
    status, data, _ = post(server, body, sign(body))
    assert status == 200
    assert data == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_forged_and_stale_requests_get_401_and_no_work(server, slack):
    event = mention(OFF_TOPIC, channel="C0FORGED")
    body = json.dumps({"type": "event_callback", "team_id": TEAM_ID, "event_id": "EvFORGED1", "event": event})
    forged = sign(body, secret="not-the-signing-secret")
    stale_ts = int(time.time()) - 6 * 60
    for headers in (forged, sign(body, timestamp=stale_ts), {}, {**sign(body), "X-Slack-Signature": "v0=00"}):
        status, data, _ = post(server, body, headers)
        assert status == 401, headers
        assert data == {"error": "invalid request"}
    # Rejected before Bolt: nothing recorded, nothing queued, nothing posted.
    assert server.bot.outcome("EvFORGED1") == []
    assert server.bot.queues.pending == 0
    assert slack.posts("C0FORGED") == []
    # A signature for another body does not carry over.
    other = json.dumps({"type": "url_verification", "challenge": "x"})
    status, _, _ = post(server, body, sign(other))
    assert status == 401


def test_malformed_and_oversized_payloads_get_400(server):
    for body in ["{not json", "[1, 2]", json.dumps({"type": "event_callback", "event_id": "EvBAD"}),
                 json.dumps({"no": "type"}), "just=a&form=body"]:
        ctype = "application/json" if body.startswith(("{", "[")) else "application/x-www-form-urlencoded"
        status, data, _ = post(server, body, sign(body), content_type=ctype)
        assert status == 400, body
        assert "malformed" in data["error"]
    big = json.dumps({"type": "event_callback", "event": {"type": "app_mention", "text": "x" * 70_000}})
    status, data, _ = post(server, big, sign(big))
    assert status == 400 and "larger" in data["error"]
    # Still serving.
    body = json.dumps({"type": "url_verification", "challenge": "still-up"})
    assert post(server, body, sign(body))[:2] == (200, {"challenge": "still-up"})


def test_bot_and_system_messages_are_ignored(server, slack):
    channel = "D0BOTS001"
    cases = [
        dm("I am another bot", channel=channel, subtype="bot_message", bot_id="B0OTHER01", user=None),
        dm("bot with a user id", channel=channel, bot_id="B0OTHER02", user="U0OTHERBOT"),
        dm("edited", channel=channel, subtype="message_changed"),
        mention("hello from a bot", channel="C0BOTS001", user="U0OTHERBOT") | {"bot_id": "B0OTHER03"},
    ]
    ids = []
    for event in cases:
        status, _, _, event_id = send_event(server, event)
        assert status == 200
        ids.append(event_id)
    for event_id in ids:
        wait_until(lambda: server.bot.outcome(event_id), 5, f"a decision on {event_id}")
        assert server.bot.outcome(event_id) == ["ignored: bot or system message"]
    # The bot's own messages are dropped by Bolt's self-event middleware before any listener.
    own = dm("my own answer", channel=channel, user=BOT_USER_ID, bot_id=BOT_ID)
    status, _, _, own_id = send_event(server, own)
    assert status == 200 and server.bot.outcome(own_id) == []
    assert slack.posts(channel) == [] and slack.posts("C0BOTS001") == []


def test_missing_settings_are_named():
    with pytest.raises(slackbot.SlackConfigError, match="SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET"):
        slackbot.SlackSettings.from_env({})
    with pytest.raises(slackbot.SlackConfigError, match="SLACK_SIGNING_SECRET"):
        slackbot.SlackSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"})
    with pytest.raises(slackbot.SlackConfigError, match="SLACK_BOT_TOKEN"):
        slackbot.create_server(object(), env={"SLACK_SIGNING_SECRET": "s"})
    settings = slackbot.SlackSettings.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s",
                                                "SLACK_APP_TOKEN": "xapp-1"})
    assert settings.socket_mode and settings.api_url == "https://slack.com/api/"


def test_rejected_token_fails_at_start(slack):
    env = {"SLACK_BOT_TOKEN": "xoxb-wrong", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url}
    with pytest.raises(slackbot.SlackConfigError, match="invalid_auth"):
        slackbot.create_server(object(), env=env, port=0)


def test_socket_mode_selected_by_app_token(slack):
    env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url,
           "SLACK_APP_TOKEN": "xapp-1-test"}
    server = slackbot.create_server(object(), env=env)  # built, not connected
    assert isinstance(server, slackbot.SocketModeServer)
    assert server.handler.client.app_token == "xapp-1-test"
    assert server.handler.client.web_client.base_url == slack.api_url
    server.bot.close()


def test_internal_error_posts_an_apology(slack, tmp_path):
    # A real Assistant whose chat model file is corrupt: it fails when asked.
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF but not really")
    assistant = Assistant(data_dir=tmp_path / "data", chat_model=str(broken))
    assistant.ingest([SEEDS])
    env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url}
    with slackbot.create_server(assistant, env=env, port=0) as server:
        channel, ts = "C0BROKEN1", new_ts()
        status, _, elapsed, _ = send_event(server, mention(CHIP_Q, channel=channel, ts=ts))
        assert status == 200 and elapsed < 3.0
        [call] = slack.wait_for(lambda c: c.method == "chat.postMessage" and c.body.get("thread_ts") == ts, timeout=30)
        assert call.body["text"].startswith("Sorry, something went wrong")
        assert call.body["blocks"][0]["text"]["text"].startswith(":warning: Sorry")
        # Still serving.
        body = json.dumps({"type": "url_verification", "challenge": "alive"})
        assert post(server, body, sign(body))[:2] == (200, {"challenge": "alive"})


# -- rendering (real dataclasses) --------------------------------------------------
def _citation(n: int, quote: str = "Apple is evaluating Trainium2 for pre-training.") -> Citation:
    return Citation(number=n, doc_id=f"doc{n}", title=f"Article <{n}> & more", source=f"{n:03d}_seed.txt",
                    quote=quote, start=0, end=len(quote), context=quote, context_start=0)


def test_render_escapes_mrkdwn():
    answer = Answer(question="q", text="Apple & AWS <!channel> <@U123> use chips > GPUs [1].", refused=False,
                    citations=[_citation(1, quote="A <b>bold</b> & <https://evil.example|link> claim")],
                    mode="generated")
    message = render_answer(answer)
    section = message["blocks"][0]["text"]["text"]
    assert section == "Apple &amp; AWS &lt;!channel&gt; &lt;@U123&gt; use chips &gt; GPUs [1]."
    source = message["blocks"][1]["elements"][0]["text"]
    assert "Article &lt;1&gt; &amp; more" in source
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;https://evil.example|link&gt;" in source
    for text in (section, source, message["text"]):
        assert "<" not in text and ">" not in text
    assert escape("a&b<c>d") == "a&amp;b&lt;c&gt;d"


def test_render_long_answer_respects_slack_limits():
    sentence = "Apple & Amazon <AWS> said Trainium2 could improve pre-training efficiency by up to 50% [1]. "
    text = sentence * 2000  # ~180k chars, far over 50 sections
    answer = Answer(question="q", text=text, refused=False, citations=[_citation(n) for n in range(1, 15)],
                    mode="generated")
    message = render_answer(answer)
    blocks = message["blocks"]
    assert block_kit_problem(blocks) is None
    assert len(blocks) <= 50
    sections = [b for b in blocks if b["type"] == "section"]
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in sections)
    contexts = [b for b in blocks if b["type"] == "context"]
    assert len(contexts) == 1 and len(contexts[0]["elements"]) == 10
    # Sources 11..14 spill into a section after the context block.
    spill = blocks[blocks.index(contexts[0]) + 1]["text"]["text"]
    assert [f"*[{n}]*" in spill for n in range(11, 15)] == [True] * 4 and "*[10]*" not in spill
    assert "_(answer truncated)_" in sections[-2]["text"]["text"]
    assert len(message["text"]) <= 3000

    # A moderately long answer is split, not truncated, and loses nothing.
    medium = Answer(question="q", text=sentence * 80, refused=False, citations=[_citation(1)], mode="generated")
    blocks = render_answer(medium)["blocks"]
    parts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert len(parts) == 3 and all(len(p) <= SECTION_LIMIT for p in parts)
    assert " ".join(parts).split() == escape(sentence * 80).split()
    assert all("&amp;" in p and not p.endswith("&") for p in parts)


def test_split_never_cuts_an_entity():
    text = escape("&" * 7000)  # no spaces: hard cuts
    pieces = split_text(text, 3000)
    assert "".join(pieces) == text
    assert all(len(p) <= 3000 and p.startswith("&amp;") and p.endswith("&amp;") for p in pieces)


def test_render_refusal_is_short():
    answer = Answer(question=OFF_TOPIC, text="The articles don't answer this question. They cover: " + "x; " * 400,
                    refused=True)
    message = render_answer(answer)
    assert len(message["blocks"]) == 1
    assert message["blocks"][0]["text"]["text"].startswith(":grey_question: The articles don't answer this question.")
    assert len(message["text"]) <= 500


def test_question_text_from_slack_markup():
    raw = f"<@{BOT_USER_ID}> what did <@U0BOB|bob> say about <https://aws.amazon.com|AWS> &amp; <#C0123|general> &lt;3"
    assert question_text(raw) == "what did say about AWS & #general <3"
    assert question_text(f"<@{BOT_USER_ID}>") == ""


def test_history_and_dedupe_are_bounded():
    from slackbot.state import Conversations, Deduper

    conv = Conversations(max_turns=4, max_threads=2)
    for i in range(3):
        conv.add("t1", f"q{i}", f"a{i}")
    assert [t["content"] for t in conv.history("t1")] == ["q1", "a1", "q2", "a2"]
    conv.add("t2", "q", "a")
    conv.history("t1")  # t1 used most recently: t2 is the one dropped
    conv.add("t3", "q", "a")
    assert len(conv) == 2 and conv.history("t2") == [] and conv.history("t1")

    seen = Deduper(ttl=0.2)
    assert seen.first_time([("event", "Ev1"), ("message", "C1", "1.1")])
    assert not seen.first_time([("event", "Ev2"), ("message", "C1", "1.1")])  # same message, other event id
    assert not seen.first_time([("event", "Ev1")])
    wait_until(lambda: seen.first_time([("event", "Ev1")]), 5, "the dedupe window to pass")


# -- end to end with the real model -------------------------------------------------
@pytest.mark.slow
def test_mention_acked_fast_then_answered_once_in_thread_and_follow_up(server, slack):
    channel, ts = "C0GENERAL", new_ts()
    status, _, elapsed, _ = send_event(server, mention(CHIP_Q, channel=channel, ts=ts))
    assert status == 200 and elapsed < 3.0
    [first] = slack.wait_for(lambda c: c.method == "chat.postMessage" and c.body.get("thread_ts") == ts, timeout=90)
    assert first.body["channel"] == channel
    assert first.headers["authorization"] == f"Bearer {TOKEN}"
    assert_answer_with_sources(first)

    # Follow-up in the same thread (a reply: its own ts, the thread's thread_ts).
    status, _, elapsed, _ = send_event(server, mention(FOLLOW_UP, channel=channel, thread_ts=ts))
    assert status == 200 and elapsed < 3.0
    posts = slack.wait_for(lambda c: c.method == "chat.postMessage" and c.body.get("thread_ts") == ts,
                           count=2, timeout=90)
    second = posts[1]
    assert second.body["channel"] == channel
    history = server.bot.conversations.history(("thread", TEAM_ID, channel, ts))
    assert [t["role"] for t in history] == ["user", "assistant", "user", "assistant"]
    assert history[0]["content"] == CHIP_Q and history[2]["content"] == FOLLOW_UP
    assert "Trainium2" in blocks_text(first) + blocks_text(second)
    idle(server)
    assert len(slack.posts(channel, ts)) == 2  # one answer per question


@pytest.mark.slow
def test_direct_message_answered_in_its_thread(server, slack):
    channel, ts = "D0ALICE01", new_ts()
    status, _, elapsed, event_id = send_event(server, dm(CHIP_Q, channel=channel, ts=ts))
    assert status == 200 and elapsed < 3.0
    [call] = slack.wait_for(lambda c: c.method == "chat.postMessage" and c.body.get("channel") == channel, timeout=90)
    assert call.body["thread_ts"] == ts
    assert_answer_with_sources(call)
    assert server.bot.outcome(event_id) == ["queued"]


@pytest.mark.slow
def test_refusal_and_retries_answered_once(server, slack):
    channel, ts = "C0RETRY01", new_ts()
    event = mention(OFF_TOPIC, channel=channel, ts=ts)
    status, _, _, event_id = send_event(server, event)
    assert status == 200
    # Slack retries the same event_id, e.g. after a slow first response.
    for n in (1, 2):
        status, _, elapsed, _ = send_event(server, event, event_id=event_id,
                                           headers={"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"})
        assert status == 200 and elapsed < 3.0
    # The same message delivered again under another event id (e.g. also as message.channels).
    status, _, _, other_id = send_event(server, event | {"type": "message", "channel_type": "channel"})
    status, _, _, third_id = send_event(server, event)
    wait_until(lambda: len(server.bot.outcome(event_id)) == 3 and server.bot.outcome(third_id), 10, "decisions")
    assert sorted(server.bot.outcome(event_id)) == ["duplicate", "duplicate", "queued"]
    assert server.bot.outcome(third_id) == ["duplicate"]
    assert server.bot.outcome(other_id) == ["ignored: not a direct message"]
    slack.wait_for(lambda c: c.method == "chat.postMessage" and c.body.get("channel") == channel, timeout=30)
    idle(server)
    [call] = slack.posts(channel)
    assert call.body["thread_ts"] == ts
    blocks = call.body["blocks"]
    assert len(blocks) == 1 and "articles don't answer" in blocks[0]["text"]["text"]
    assert not any(b["type"] == "context" for b in blocks)


@pytest.mark.slow
def test_slash_command_ephemeral_and_public(server, slack):
    for text, kind in [(CHIP_Q, "ephemeral"), (f"--public {OFF_TOPIC}", "in_channel")]:
        name = f"cmd{next(_counter)}"
        form = {
            "token": "legacy", "team_id": TEAM_ID, "channel_id": "C0GENERAL", "channel_name": "general",
            "user_id": USER, "user_name": "alice", "command": "/ask", "text": text, "api_app_id": "A0APP0001",
            "response_url": slack.response_url(name), "trigger_id": f"1337.{next(_counter)}.abc",
        }
        body = urlencode(form)
        status, data, elapsed = post(server, body, sign(body), content_type="application/x-www-form-urlencoded")
        assert status == 200 and elapsed < 3.0
        assert data["response_type"] == "ephemeral" and "Looking that up" in data["text"]
        [call] = slack.wait_for(lambda c: c.method == "response_url" and c.path.endswith(name), timeout=90)
        assert call.body["response_type"] == kind
        assert call.body["replace_original"] is False
        blocks = call.body["blocks"]
        assert block_kit_problem(blocks) is None
        if kind == "in_channel":  # who asked what, then the (refusal) answer
            assert blocks[0]["type"] == "context" and f"<@{USER}> asked:" in blocks[0]["elements"][0]["text"]
            assert "articles don't answer" in blocks[1]["text"]["text"]
        else:
            assert any(b["type"] == "context" and b["elements"][0]["text"].startswith("*[1]*") for b in blocks)
    # No text: usage, right in the ack, nothing queued.
    body = urlencode({"command": "/ask", "text": "", "user_id": USER, "response_url": slack.response_url("help"),
                      "trigger_id": "1.2.3", "team_id": TEAM_ID, "channel_id": "C0GENERAL"})
    status, data, _ = post(server, body, sign(body), content_type="application/x-www-form-urlencoded")
    assert status == 200 and "/ask --public" in data["text"]


@pytest.mark.slow
def test_concurrent_mentions_each_answered_in_own_thread(server, slack):
    import concurrent.futures as cf

    channel = "C0BUSY001"
    questions = [CHIP_Q, OFF_TOPIC, FOLLOW_UP.replace("it", "Trainium2"), "Quel est le nom de la puce d'Amazon ?"]
    events = [mention(q, channel=channel) for q in questions]
    with cf.ThreadPoolExecutor(len(events)) as pool:
        results = list(pool.map(lambda e: send_event(server, e), events))
    assert all(r[0] == 200 and r[2] < 3.0 for r in results)
    slack.wait_for(lambda c: c.method == "chat.postMessage" and c.body.get("channel") == channel,
                   count=len(events), timeout=90)
    idle(server)
    for event in events:
        assert len(slack.posts(channel, event["ts"])) == 1


@pytest.mark.slow
def test_errors_are_reported_and_server_keeps_running(server, slack):
    # A question the assistant rejects: its message is posted in the thread.
    channel, ts = "C0ERRORS1", new_ts()
    send_event(server, mention("why " * 400, channel=channel, ts=ts))
    [call] = slack.wait_for(lambda c: c.method == "chat.postMessage" and c.body.get("thread_ts") == ts, timeout=30)
    assert "limit is 1,000" in call.body["text"]
    # An empty mention gets a hint.
    ts2 = new_ts()
    send_event(server, mention("", channel=channel, ts=ts2))
    [hint] = slack.wait_for(lambda c: c.method == "chat.postMessage" and c.body.get("thread_ts") == ts2, timeout=10)
    assert "Ask me a question" in hint.body["text"]
    # Slack refuses the post (bot not in channel): logged, and the bot carries on.
    send_event(server, mention(OFF_TOPIC, channel="C0FAILING"))
    slack.wait_for(lambda c: c.method == "chat.postMessage" and c.body.get("channel") == "C0FAILING", count=2,
                   timeout=30)  # the answer, then a text-only apology attempt
    idle(server)
    ts3 = new_ts()
    send_event(server, mention(OFF_TOPIC, channel=channel, ts=ts3))
    slack.wait_for(lambda c: c.method == "chat.postMessage" and c.body.get("thread_ts") == ts3, timeout=30)


# -- hardening: wire types, encodings, bursts ------------------------------------
def test_wrong_types_on_the_wire_get_400_not_an_internal_error(server, slack, caplog):
    caplog.set_level("WARNING", logger="slackbot")
    bad_events = [
        mention(OFF_TOPIC) | {"text": 5},
        mention(OFF_TOPIC) | {"user": ["U0ALICE01"]},
        mention(OFF_TOPIC) | {"ts": 1700000000.5},
        mention(OFF_TOPIC) | {"thread_ts": {"ts": "1.2"}},
        dm("hi") | {"subtype": ["bot_message"]},
        dm("hi") | {"channel_type": 3},
    ]
    for event in bad_events:
        status, data, _, event_id = send_event(server, event)
        assert status == 400 and "must be" in data["error"], event
        assert server.bot.outcome(event_id) == []
    payloads = [
        {"type": "event_callback", "event_id": 7, "event": mention(OFF_TOPIC)},
        {"type": "event_callback", "team_id": TEAM_ID, "event": mention(OFF_TOPIC), "authorizations": [5]},
        {"type": "event_callback", "event": mention(OFF_TOPIC), "authorizations": [{"user_id": 5}]},
        {"type": "url_verification", "challenge": 12},
    ]
    for payload in payloads:
        body = json.dumps(payload)
        status, data, _ = post(server, body, sign(body))
        assert status == 400, payload
    form = urlencode({"payload": json.dumps({"type": "block_actions", "user": {"id": 42}})})
    status, _, _ = post(server, form, sign(form), content_type="application/x-www-form-urlencoded")
    assert status == 400
    assert not [r for r in caplog.records if r.levelname == "ERROR"], [r.getMessage() for r in caplog.records]
    body = json.dumps({"type": "url_verification", "challenge": "still-up"})
    assert post(server, body, sign(body))[:2] == (200, {"challenge": "still-up"})


def test_signed_body_that_is_not_utf8_gets_400_not_401(server):
    raw = b'{"type": "url_verification", "challenge": "caf\xe9"}'
    ts = str(int(time.time()))
    import hashlib
    import hmac as hmac_

    signature = "v0=" + hmac_.new(SECRET.encode(), b"v0:" + ts.encode() + b":" + raw, hashlib.sha256).hexdigest()
    status, data, _ = post(server, raw, {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature})
    assert status == 400 and "utf-8" in data["error"].lower()
    forged = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + "0" * 64}
    assert post(server, raw, forged)[0] == 401


@pytest.mark.slow
def test_burst_of_200_signed_events_all_acked_fast_and_answered_once(slack, slack_assistant):
    import socket
    import threading

    env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url}
    srv = slackbot.create_server(slack_assistant, env=env, port=0, max_pending=256).start()
    n, channel = 200, "C0BURST01"
    events = [mention(OFF_TOPIC, channel=channel) for _ in range(n)]
    requests = []
    for i, event in enumerate(events):
        payload = {"type": "event_callback", "team_id": TEAM_ID, "event_id": f"EvBURST{i:04d}", "event": event,
                   "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}]}
        body = json.dumps(payload).encode()
        head = "".join(f"{k}: {v}\r\n" for k, v in sign(body.decode()).items())
        requests.append((f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{head}"
                         f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body)
    start = threading.Barrier(n)
    outcomes: list[tuple[str, float]] = [("", 0.0)] * n

    def fire(i: int) -> None:
        start.wait()
        t0 = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
                s.sendall(requests[i])
                reply = b""
                while chunk := s.recv(65536):
                    reply += chunk
            outcomes[i] = (reply.split(b" ", 2)[1].decode() if reply else "empty", time.monotonic() - t0)
        except OSError as exc:
            outcomes[i] = (type(exc).__name__, time.monotonic() - t0)

    try:
        threads = [threading.Thread(target=fire, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        failures = [o for o in outcomes if o[0] != "200"]
        assert not failures, f"{len(failures)} of {n} not acked: {failures[:5]}"
        slowest = max(t for _, t in outcomes)
        assert slowest < 3.0, f"slowest ack took {slowest:.2f} s"
        slack.wait_for(lambda c: c.method == "chat.postMessage" and c.body.get("channel") == channel,
                       count=n, timeout=240)
        wait_until(lambda: srv.bot.queues.pending == 0, 60, "the burst to be answered")
        for event in events:
            [answer] = slack.posts(channel, event["ts"])
            assert "articles don't answer" in answer.body["text"]
    finally:
        srv.stop()


@pytest.mark.slow
def test_full_queue_answers_busy_at_once(slack, slack_assistant):
    env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url}
    srv = slackbot.create_server(slack_assistant, env=env, port=0, max_pending=1).start()
    try:
        channel = "C0QUEUE01"
        first, second = mention(CHIP_Q, channel=channel), mention(OFF_TOPIC, channel=channel)
        # Hold the real model's lock so the first answer stays in its one place
        # until the second has been turned away, however fast answering is.
        model_lock = slack_assistant.model._lock
        with model_lock:
            assert send_event(srv, first)[0] == 200  # takes the one place while the model waits
            wait_until(lambda: srv.bot.queues.pending == 1, 10, "the first question to be queued")
            assert send_event(srv, second)[0] == 200
            [busy] = slack.wait_for(lambda c: c.method == "chat.postMessage" and c.body.get("thread_ts") == second["ts"],
                                    timeout=30)
        assert "Please ask again in a minute" in busy.body["text"]
        [answer] = slack.wait_for(lambda c: c.method == "chat.postMessage" and c.body.get("thread_ts") == first["ts"],
                                  timeout=60)
        assert "Trainium" in answer.body["text"]
        wait_until(lambda: srv.bot.queues.pending == 0, 60, "the queue to drain")
        assert len(slack.posts(channel, second["ts"])) == 1
    finally:
        srv.stop()


def test_socket_mode_payloads_with_wrong_types_are_ignored(server, caplog):
    # Socket Mode hands payloads to Bolt directly, without the HTTP endpoint's checks.
    from slack_bolt.request import BoltRequest

    caplog.set_level("WARNING", logger="slackbot")
    event_id = f"Ev{next(_counter):08d}"
    payload = {"type": "event_callback", "team_id": TEAM_ID, "event_id": event_id,
               "event": mention(OFF_TOPIC) | {"text": 5, "subtype": ["x"]},
               "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}]}
    body = json.dumps(payload)
    response = server.bot.app.dispatch(BoltRequest(body=body, headers={k.lower(): v for k, v in sign(body).items()}))
    assert response.status == 200
    wait_until(lambda: server.bot.outcome(event_id) == ["ignored: malformed event"], 10, "the event to be ignored")
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
