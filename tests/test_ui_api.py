"""The web UI's JSON API (`/ask`), driven with gradio_client against a real
server: real Assistant, real model, real Chroma."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from gradio_client import Client  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402

from assistant import Assistant  # noqa: E402
from ui_support import SEED_NAMES, fold, start  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore:::gradio.queueing")]


@pytest.fixture(scope="module")
def assistant(module_assistant):
    return module_assistant


@pytest.fixture(scope="module")
def server(assistant):
    app, url = start(assistant)
    yield url
    app.close()


@pytest.fixture(scope="module")
def client(server):
    return Client(server, verbose=False)


def test_ask_returns_verified_answer_with_citations(client):
    r = client.predict("Which AWS chip is Apple evaluating for pre-training its models?", api_name="/ask")
    assert isinstance(r, dict)
    assert r["refused"] is False
    assert r["text"] and "draft" not in r
    assert r["citations"], r
    for c in r["citations"]:
        assert {"number", "title", "source", "quote"} <= set(c)
        assert c["source"] in SEED_NAMES
        assert fold(c["quote"]) in fold((SEEDS / c["source"]).read_text(encoding="utf-8"))
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", r["text"])}
    assert numbers <= {c["number"] for c in r["citations"]}
    quoted = " ".join(c["context"] for c in r["citations"]) + r["text"]
    assert "Trainium" in quoted


def test_off_topic_question_is_refused(client):
    r = client.predict("Who won the 2022 football World Cup?", api_name="/ask")
    assert r["refused"] is True
    assert r["citations"] == []
    assert r["text"].startswith("The articles don't answer")


def test_follow_up_uses_history(client):
    first = client.predict("What is Benoit Dupin's role at Apple?", api_name="/ask")
    history = [
        {"role": "user", "content": first["question"]},
        {"role": "assistant", "content": first["text"]},
    ]
    r = client.predict("Where did he work before Apple?", history, api_name="/ask")
    # the follow-up is retrieved with the earlier turn's names carried over
    assert "Dupin" in r["query"]


def test_bad_question_is_a_clear_error(client):
    with pytest.raises(AppError, match="question is empty"):
        client.predict("   ", api_name="/ask")
    with pytest.raises(AppError, match="limit is"):
        client.predict("why " * 2000, api_name="/ask")


def test_concurrent_clients_each_get_their_own_answer(server, client):
    questions = [
        "Which AWS chip is Apple evaluating for pre-training its models?",
        "What is Benoit Dupin's role at Apple?",
        "Who won the 2022 football World Cup?",
        "What efficiency gain did Apple report with Amazon's chips?",
    ]
    expected = {q: client.predict(q, api_name="/ask") for q in questions}  # one at a time
    results: dict[str, dict] = {}
    errors: list[BaseException] = []

    def ask(q: str) -> None:
        try:
            results[q] = Client(server, verbose=False).predict(q, api_name="/ask")
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(q,)) for q in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors
    assert set(results) == set(questions)
    for q, r in results.items():
        assert r["question"] == q
        assert r["refused"] == expected[q]["refused"]
        assert r["text"] == expected[q]["text"]
        assert [c["quote"] for c in r["citations"]] == [c["quote"] for c in expected[q]["citations"]]


def test_empty_library_and_missing_model_say_what_to_do(tmp_path):
    empty = Assistant(data_dir=tmp_path / "empty")
    app, url = start(empty)
    try:
        with pytest.raises(AppError, match="No articles have been ingested"):
            Client(url, verbose=False).predict("What is Trainium2?", api_name="/ask")
    finally:
        app.close()
    broken = Assistant(data_dir=tmp_path / "broken", chat_model=str(tmp_path / "missing.gguf"))
    broken.ingest([SEEDS / "000_c9fa0d67a8b7c485.txt"])
    app, url = start(broken)
    try:
        with pytest.raises(AppError, match="chat model .*missing.gguf"):
            Client(url, verbose=False).predict("Which AWS chip is Apple evaluating for pre-training?", api_name="/ask")
    finally:
        app.close()


def test_sign_in_protects_the_api(assistant):
    app, url = start(assistant, auth=("ann", "s3cret"))
    try:
        with pytest.raises(Exception):
            Client(url, verbose=False).predict("Who won the 2022 football World Cup?", api_name="/ask")
        with pytest.raises(Exception):
            Client(url, auth=("ann", "wrong"), verbose=False)
        r = Client(url, auth=("ann", "s3cret"), verbose=False).predict(
            "Who won the 2022 football World Cup?", api_name="/ask")
        assert r["refused"] is True
    finally:
        app.close()


# -- hardening -------------------------------------------------------------------
@pytest.mark.parametrize("history", [5, "what about it?", {"role": "user", "content": "hi"}])
def test_bad_history_message_reaches_the_client(client, history):
    with pytest.raises(AppError, match="history must be a list of turns"):
        client.predict("Which AWS chip is Apple evaluating?", history, api_name="/ask")


def test_failed_sign_ins_are_delayed_then_locked_out(assistant, monkeypatch, caplog):
    import time

    import httpx

    from ui import guard

    monkeypatch.setattr(guard, "MAX_FAILURES", 3)
    monkeypatch.setattr(guard, "LOCKOUT_SECONDS", 3.0)
    caplog.set_level("WARNING", logger="ui.signin")
    app, url = start(assistant, auth=("ann", "s3cret"))
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            def sign_in(password: str) -> httpx.Response:
                return http.post("login", data={"username": "ann", "password": password})

            t0 = time.monotonic()
            assert [sign_in(f"guess{i}").status_code for i in range(3)] == [400, 400, 400]
            assert time.monotonic() - t0 >= 0.25 + 0.5 + 0.75  # each failure answered after a growing delay
            locked = sign_in("s3cret")  # even the right password waits out the lockout
            assert locked.status_code == 429 and "Too many failed sign-ins" in locked.json()["detail"]
            assert {sign_in("guess").status_code for _ in range(100)} == {429}
            failed = [r.getMessage() for r in caplog.records if "Failed sign-in as 'ann'" in r.getMessage()]
            assert len(failed) == 3 and "locked out" in failed[-1]
            time.sleep(3.1)
            assert sign_in("s3cret").status_code == 200
    finally:
        app.close()


def test_oversized_request_body_is_413(server):
    import httpx

    r = httpx.post(server + "gradio_api/queue/join", content=b"{" + b" " * 2_000_000 + b"}",
                   headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 413 and "limit" in r.json()["detail"]


def test_full_queue_tells_clients_to_retry(assistant):
    app, url = start(assistant, queue_max=1)
    try:
        clients = [Client(url, verbose=False) for _ in range(4)]
        jobs = [c.submit("Which AWS chip is Apple evaluating for pre-training its models?", api_name="/ask")
                for c in clients]
        outcomes = []
        for job in jobs:
            try:
                outcomes.append(job.result(timeout=120)["refused"])
            except Exception as exc:  # gradio_client's QueueError
                outcomes.append(str(exc))
        assert False in outcomes  # answered
        assert any(isinstance(o, str) and "Queue is full" in o and "try again" in o for o in outcomes), outcomes
    finally:
        app.close()
