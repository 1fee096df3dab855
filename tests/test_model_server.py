"""The OpenAI-compatible model backend against a real server: llama-cpp-python's
own (`python -m llama_cpp.server`) running the default GGUF on loopback."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.errors import ModelError
from assistant.llm import open_model
from assistant.openai_model import OpenAIChatModel
from assistant.settings import Settings
from conftest import SEEDS
from store_support import free_port, stop, wait_http

KEY = "test-key-9"


@pytest.fixture(scope="module")
def model_server(tmp_path_factory):
    from assistant import modelfiles

    s = Settings.load()
    path = modelfiles.resolve(s.chat_model, "chat", s)
    port = free_port()
    log = open(tmp_path_factory.mktemp("llm") / "server.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(path), "--model_alias", "local-chat",
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(s.context_tokens), "--n_threads", "2",
         "--api_key", KEY],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/docs", proc)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop(proc)
        log.close()


@pytest.mark.slow
def test_streams_a_reply_and_takes_the_key_from_the_environment(model_server, monkeypatch):
    monkeypatch.setenv("ASSISTANT_LLM_API_KEY", KEY)
    settings = Settings.load(llm="openai", llm_url=model_server)
    assert KEY not in repr(settings)
    model = open_model(settings)
    assert model.name == "local-chat"
    pieces = list(model.stream_chat([{"role": "user", "content": "Say hello."}], max_tokens=12))
    assert len(pieces) > 1 and "".join(pieces).strip()
    assert model.count_tokens("Trainium2 chips") >= 3


@pytest.mark.slow
def test_a_wrong_key_or_model_name_is_a_clear_model_error(model_server):
    with pytest.raises(ModelError, match="ASSISTANT_LLM_API_KEY"):
        OpenAIChatModel(model_server, api_key="wrong")
    with pytest.raises(ModelError, match=r"no model 'gpt-9'.*local-chat.*ASSISTANT_LLM_MODEL"):
        OpenAIChatModel(model_server, model="gpt-9", api_key=KEY)


@pytest.mark.slow
def test_a_grounded_answer_end_to_end_over_the_server(model_server, seeded_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(seeded_dir, data)
    a = Assistant(data_dir=data, llm="openai", llm_url=model_server, llm_api_key=KEY, llm_model="local-chat")
    answer = a.ask("Which AWS chip is Apple evaluating for pre-training its models?")
    assert not answer.refused and "Trainium2" in answer.text
    articles = {p.name: re.sub(r"\s+", " ", p.read_text()) for p in SEEDS.glob("*.txt")}
    assert answer.citations
    for c in answer.citations:  # every quote is verbatim from its article, as with the local model
        assert re.sub(r"\s+", " ", c.quote).strip() in articles[c.source]
    assert a.model.name == "local-chat"


def test_an_unreachable_server_is_a_clear_model_error():
    with pytest.raises(ModelError, match="Cannot reach the model server.*ASSISTANT_LLM_URL"):
        open_model(Settings.load(llm="openai", llm_url=f"http://127.0.0.1:{free_port()}/v1"))


def test_a_server_that_never_answers_times_out_with_a_clear_model_error():
    """A real socket that accepts the connection and then says nothing."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
        with pytest.raises(ModelError, match="did not answer within 1 s.*ASSISTANT_LLM_TIMEOUT"):
            open_model(Settings.load(llm="openai", llm_url=url, llm_timeout=1))
    finally:
        for conn, _ in accepted:
            conn.close()
        listener.close()
