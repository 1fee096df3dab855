"""Slack state in SQLite: bounded history and dedupe shared by processes, and
a real bot process restarted between an event and Slack's retry of it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest
from slack_sdk.signature import SignatureVerifier

from slack_mock import BOT_USER_ID, TEAM_ID, SlackMock
from slackbot.state import Conversations, Deduper
from store_support import ROOT, free_port, stop, wait_http

TOKEN, SECRET = "xoxb-state", "state-secret"


def test_history_is_bounded_and_survives_a_new_instance(tmp_path):
    path = tmp_path / "slack.sqlite"
    conv = Conversations(max_turns=4, max_threads=2, path=path)
    for i in range(3):
        conv.add("t1", f"q{i}", f"a{i}")
    assert [t["content"] for t in conv.history("t1")] == ["q1", "a1", "q2", "a2"]
    conv.add(("C1", "1.5"), "q", "a")
    conv.history("t1")  # t1 used most recently: the other thread is the one dropped
    conv.add("t3", "q", "a")
    assert len(conv) == 2 and conv.history(("C1", "1.5")) == []
    again = Conversations(max_turns=4, max_threads=2, path=path)  # as after a restart
    assert [t["content"] for t in again.history("t1")] == ["q1", "a1", "q2", "a2"]
    assert Conversations(4, 2).history("t1") == []  # no path: memory, as before


def test_dedupe_is_shared_with_another_process_and_expires(tmp_path):
    path = tmp_path / "slack.sqlite"
    code = ("import sys; from slackbot.state import Deduper; "
            "print(Deduper(600, path=sys.argv[1]).first_time([('event', 'Ev1'), ('message', 'C1', '1.1')]))")
    child = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, cwd=ROOT)
    assert child.stdout.strip() == "True", child.stderr
    seen = Deduper(600, path=path)
    assert not seen.first_time([("event", "Ev2"), ("message", "C1", "1.1")])  # same message, other event id
    assert not seen.first_time([("event", "Ev1")])
    assert seen.first_time([("event", "Ev3")])
    short = Deduper(0.3, path=path)
    time.sleep(0.4)
    assert short.first_time([("event", "Ev3")])


def _start_bot(data_dir, port: int, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "--data-dir", str(data_dir), "slack",
                             "--host", "127.0.0.1", "--port", str(port)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while True:  # up once it answers anything on its port
        assert proc.poll() is None and time.monotonic() < deadline
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return proc
        except urllib.error.HTTPError:
            return proc
        except OSError:
            time.sleep(0.3)


def _send(port: int, body: str, retry: int | None = None) -> int:
    ts = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": ts,
               "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)}
    if retry:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    request = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events", data=body.encode(), headers=headers)
    with urllib.request.urlopen(request, timeout=30) as r:
        return r.status


@pytest.mark.slow
def test_a_retry_after_a_restart_is_answered_once(seeded_dir, tmp_path):
    mock = SlackMock(token=TOKEN).start()
    port = free_port()
    env = {**os.environ, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": mock.api_url,
           "SLACK_STATE_PATH": str(tmp_path / "slack.sqlite")}
    ts = f"{int(time.time())}.000200"
    event = {"type": "app_mention", "user": "U0ALICE01", "ts": ts, "channel": "C0GENERAL", "team": TEAM_ID,
             "text": f"<@{BOT_USER_ID}> Which AWS chip is Apple evaluating for pre-training its models?"}
    body = json.dumps({"token": "legacy", "team_id": TEAM_ID, "api_app_id": "A0APP0001", "type": "event_callback",
                       "event_id": "Ev0RESTART1", "event_time": int(time.time()), "event": event,
                       "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}]})
    answered = lambda c: c.method == "chat.postMessage" and c.body.get("thread_ts") == ts  # noqa: E731
    bot = _start_bot(seeded_dir, port, env)
    try:
        assert _send(port, body) == 200
        (first,) = mock.wait_for(answered, timeout=120)
        stop(bot)
        bot = _start_bot(seeded_dir, port, env)
        assert _send(port, body, retry=1) == 200  # Slack's retry reaches the restarted bot
        follow = dict(event, ts=f"{int(time.time())}.000300", thread_ts=ts,
                      text=f"<@{BOT_USER_ID}> What efficiency improvement does Apple expect from it?")
        assert _send(port, body.replace("Ev0RESTART1", "Ev0RESTART2").replace(json.dumps(event), json.dumps(follow))) == 200
        # A thread's questions are answered in order: had the retry been queued, its
        # answer (the first one again) would come before the follow-up's.
        mock.wait_for(lambda c: answered(c) and c.body.get("text") != first.body.get("text"), timeout=120)
        posts = mock.find(answered)
        assert len(posts) == 2, [p.body.get("text") for p in posts]  # the question once, then the follow-up
    finally:
        stop(bot)
        mock.stop()
