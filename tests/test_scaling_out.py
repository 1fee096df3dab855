"""The README's "Scaling out" commands, run as written (free ports, a
temporary folder): a Chroma server, a model server, ingest, the web chat, the
Slack bot (against the local Slack Web API mock) and check, all real processes.
Then a question to the Slack bot is answered from the Chroma server through
the model server."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from slack_sdk.signature import SignatureVerifier

from slack_mock import BOT_USER_ID, TEAM_ID, SlackMock
from store_support import ROOT, free_port, stop

pytestmark = pytest.mark.slow
TOKEN, SECRET = "xoxb-scale", "scale-secret"


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Scaling out\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line.strip() for line in block.splitlines() if line.strip() and not line.startswith("#")]


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{proc.args} exited with {proc.returncode}"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise TimeoutError(f"nothing listens on {port}")


def test_the_readme_scaling_out_commands(tmp_path):
    commands = readme_commands()
    assert any(c.startswith("chroma run") for c in commands) and any(" slack " in c for c in commands)
    ports = {p: free_port() for p in ("8000", "8080", "7860", "3000")}
    mock = SlackMock(token=TOKEN).start()
    env = {**os.environ, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": mock.api_url,
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    background: list[subprocess.Popen] = []
    logs = tmp_path / "logs"
    logs.mkdir()
    try:
        for i, line in enumerate(commands):
            for default, port in ports.items():
                line = re.sub(rf"\b{default}\b", str(port), line)
            line = line.replace("/srv/news", str(tmp_path / "news"))
            if line.startswith("export "):
                env.update(dict(part.split("=", 1) for part in shlex.split(line)[1:]))
                continue
            args = shlex.split(line.rstrip("&").strip())
            if args[0] == "python":
                args[0] = sys.executable
            if line.endswith("&"):
                out = open(logs / f"{i}.log", "wb")
                proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
                background.append(proc)
                wait_port(int(next(a for a in args if a in map(str, ports.values()))), proc)
            else:
                done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
                assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
                if args[-1] == "check":
                    assert "no differences" in done.stdout

        with urllib.request.urlopen(f"http://127.0.0.1:{ports['7860']}/", timeout=30) as r:  # the web chat is up
            assert r.status == 200
        event = {"type": "app_mention", "user": "U0ALICE01", "text": f"<@{BOT_USER_ID}> Which AWS chip is Apple "
                 "evaluating for pre-training its models?", "ts": f"{int(time.time())}.000100", "channel": "C0GENERAL",
                 "team": TEAM_ID}
        body = json.dumps({"token": "legacy", "team_id": TEAM_ID, "api_app_id": "A0APP0001", "type": "event_callback",
                           "event_id": "Ev0SCALE01", "event_time": int(time.time()), "event": event,
                           "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}]})
        ts = str(int(time.time()))
        request = urllib.request.Request(
            f"http://127.0.0.1:{ports['3000']}/slack/events", data=body.encode(), method="POST",
            headers={"Content-Type": "application/json", "X-Slack-Request-Timestamp": ts,
                     "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)})
        with urllib.request.urlopen(request, timeout=30) as r:
            assert r.status == 200
        (post,) = mock.wait_for(lambda c: c.method == "chat.postMessage" and "Trainium2" in json.dumps(c.body), timeout=180)
        assert post.body["channel"] == "C0GENERAL"
    finally:
        for proc in reversed(background):
            stop(proc)
        mock.stop()
