"""The OpenAI-compatible API over real HTTP on 127.0.0.1: uvicorn in a thread,
the real Assistant (model, embedder, Chroma), driven with the official
`openai` client where it applies and with raw httpx for the error cases."""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import openai
import pytest

from api import ApiServer, ApiSettings, bind, create_app
from assistant import ConfigError
from assistant.errors import PortInUseError

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
KEY = "sk-test-key-123"
CHIP_Q = "Which AWS chip is Apple evaluating for pre-training its models?"
FOLLOW_UP = "What efficiency improvement does Apple expect from it?"
OFF_TOPIC = "Who won the 2022 football World Cup?"


def seed_text(source: str) -> str:
    return " ".join((SEEDS / source).read_text(encoding="utf-8").split())


# -- fixtures ------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(module_assistant):
    settings = ApiSettings(port=0, api_key=KEY)
    srv = ApiServer(create_app(module_assistant, settings), settings).start()
    with httpx.Client(base_url=srv.url, timeout=120) as http:
        for _ in range(600):
            if http.get("/readyz").status_code == 200:
                break
            threading.Event().wait(0.1)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=server.url + "/v1", api_key=KEY, max_retries=0, timeout=120)


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {KEY}"}, timeout=120) as c:
        yield c


def ask(client, *messages: tuple[str, str], **kw):
    return client.chat.completions.create(
        model="news-assistant", messages=[{"role": r, "content": c} for r, c in messages], **kw)


# -- answers (the official client) ---------------------------------------------
@pytest.mark.slow
def test_answer_has_markers_sources_and_citations(client):
    r = ask(client, ("user", CHIP_Q))
    content = r.choices[0].message.content
    assert r.model == "news-assistant" and r.choices[0].finish_reason == "stop"
    assert r.refused is False
    text, _, sources = content.partition("\n\nSources:\n")
    assert "Trainium" in text and sources
    cites = r.citations
    assert cites and [c["number"] for c in cites] == list(range(1, len(cites) + 1))
    assert {int(n) for n in re.findall(r"\[(\d+)\]", text)} <= {c["number"] for c in cites}
    for c in cites:
        assert {"doc_id", "title", "source", "quote", "start", "end", "url", "date"} <= set(c)
        assert " ".join(c["quote"].split()) in seed_text(c["source"])  # verbatim from the article
        assert f"[{c['number']}] {c['title']} ({c['source']})" in sources


@pytest.mark.slow
def test_follow_up_through_messages(client):
    first = ask(client, ("user", CHIP_Q))
    r = ask(client, ("system", "You are a helpful assistant."), ("user", CHIP_Q),
            ("assistant", first.choices[0].message.content), ("user", FOLLOW_UP))
    assert r.refused is False
    assert "50" in r.choices[0].message.content.partition("\n\nSources:")[0]


@pytest.mark.slow
def test_refusal_is_a_normal_message_marked_refused(client):
    r = ask(client, ("user", OFF_TOPIC))
    assert r.refused is True and r.citations == []
    assert r.choices[0].message.content.startswith("The articles don't answer")
    assert "Sources:" not in r.choices[0].message.content


@pytest.mark.slow
def test_streaming_relays_the_answer_then_citations_and_done(client, http):
    plain = ask(client, ("user", CHIP_Q)).choices[0].message.content
    pieces, finals = [], []
    for chunk in ask(client, ("user", CHIP_Q), stream=True):
        assert chunk.object == "chat.completion.chunk"
        delta = chunk.choices[0].delta
        if delta.content:
            pieces.append(delta.content)
        if chunk.choices[0].finish_reason:
            finals.append(chunk)
    assert len(finals) == 1 and finals[0].choices[0].finish_reason == "stop"
    assert finals[0].refused is False and finals[0].citations
    assert len(pieces) >= 2
    # Every piece is part of the verified answer: together they are exactly the non-streamed reply.
    assert "".join(pieces) == plain
    raw = http.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": OFF_TOPIC}],
                                                  "stream": True})
    assert raw.headers["content-type"].startswith("text/event-stream")
    events = [line[6:] for line in raw.text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    assert json.loads(events[-2])["refused"] is True


@pytest.mark.slow
def test_concurrent_clients_each_get_their_own_answer(client, module_assistant):
    questions = [CHIP_Q, OFF_TOPIC, "What is Benoit Dupin's role at Apple?", "Who won the Tour de France in 1990?"]
    expected = [module_assistant.ask(q).text for q in questions]
    with ThreadPoolExecutor(len(questions) * 2) as pool:
        replies = list(pool.map(lambda q: ask(client, ("user", q)), questions * 2))
    for q, want, r in zip(questions * 2, expected * 2, replies):
        assert r.choices[0].message.content.partition("\n\nSources:")[0] == want, q


# -- the library ---------------------------------------------------------------
@pytest.mark.slow
def test_models_documents_search_embeddings(client, http, tmp_path):
    assert [m.id for m in client.models.list()] == ["news-assistant"]
    before = http.get("/v1/documents").json()["data"]
    assert {d["source"] for d in before} == {p.name for p in SEEDS.iterdir()}
    article = ("Zorblat Mining Report\n\nThe Zorblat mine in Quebec produced 4,200 tonnes of lithium in 2023, "
               "its operator Nordvale said on Tuesday. Production is expected to double by 2026.")
    up = http.post("/v1/documents", files={"file": ("zorblat.txt", article.encode(), "text/plain")})
    assert up.status_code == 200, up.text
    assert up.json()["data"][0]["status"] == "added"
    doc_id = up.json()["data"][0]["id"]
    hits = http.post("/v1/search", json={"query": "Zorblat lithium tonnes", "k": 3}).json()["data"]
    assert hits[0]["source"] == "zorblat.txt" and "4,200" in hits[0]["text"]
    gone = http.delete(f"/v1/documents/{doc_id}")
    assert gone.status_code == 200 and gone.json()["deleted"] is True
    assert http.delete(f"/v1/documents/{doc_id}").status_code == 404
    assert len(http.get("/v1/documents").json()["data"]) == len(before)
    emb = client.embeddings.create(model="news-assistant", input=["Trainium2 chips", "puces Trainium2"])
    assert len(emb.data) == 2 and len(emb.data[0].embedding) == len(emb.data[1].embedding) > 100


# -- errors, in OpenAI's shape ----------------------------------------------------
def error_of(resp, status: int) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and {"message", "type", "code"} <= set(body["error"])
    assert body["error"]["message"]
    return body["error"]


@pytest.mark.slow
def test_bad_requests_are_400(http, client):
    chat = "/v1/chat/completions"
    err = error_of(http.post(chat, json={"messages": [{"role": "user", "content": "   "}]}), 400)
    assert "empty" in err["message"]
    err = error_of(http.post(chat, json={"messages": [{"role": "user", "content": "why " * 400}]}), 400)
    assert "1,000" in err["message"]
    err = error_of(http.post(chat, content=b'{"messages": [', headers={"Content-Type": "application/json"}), 400)
    assert err["code"] == "invalid_json"
    error_of(http.post(chat, json={"messages": "hello"}), 400)
    error_of(http.post(chat, json={"messages": []}), 400)
    error_of(http.post(chat, json={"messages": [{"role": "assistant", "content": "hi"}]}), 400)
    error_of(http.post(chat, json={"messages": [{"role": "user", "content": 5}]}), 400)
    err = error_of(http.post(chat, json={"messages": [{"role": "user", "content": "hi"}] * 102}), 400)
    assert "101" in err["message"]
    error_of(http.post("/v1/search", json={"query": "x", "k": 0}), 400)
    error_of(http.post("/v1/embeddings", json={"input": []}), 400)
    err = error_of(http.post("/v1/documents", files={"file": ("x.exe", b"MZ", "application/octet-stream")}), 400)
    assert err["code"] == "unsupported_file"
    # A PDF is a supported kind: a damaged one is skipped with its reason, and nothing is added.
    broken = http.post("/v1/documents", files={"file": ("x.pdf", b"%PDF", "application/pdf")})
    assert broken.status_code == 200 and broken.json()["data"][0]["status"] == "skipped"
    assert "damaged" in broken.json()["data"][0]["reason"]
    error_of(http.get("/v1/nothing-here"), 404)
    with pytest.raises(openai.BadRequestError, match="question is empty"):
        ask(client, ("user", ""))


@pytest.mark.slow
def test_auth_is_required_on_every_v1_route(server):
    with httpx.Client(base_url=server.url, timeout=30) as anon:
        for method, path in [("GET", "/v1/models"), ("POST", "/v1/chat/completions"), ("GET", "/v1/documents"),
                             ("POST", "/v1/documents"), ("DELETE", "/v1/documents/x"), ("POST", "/v1/search"),
                             ("POST", "/v1/embeddings")]:
            assert error_of(anon.request(method, path), 401)["code"] == "invalid_api_key"
            wrong = anon.request(method, path, headers={"Authorization": "Bearer nope"})
            assert "Incorrect API key" in error_of(wrong, 401)["message"]
        assert anon.get("/healthz").status_code == 200 and anon.get("/readyz").status_code == 200
    bad = openai.OpenAI(base_url=server.url + "/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.models.list()


@pytest.mark.slow
def test_oversized_body_is_413(http):
    big = {"messages": [{"role": "user", "content": "x" * 300_000}]}
    assert error_of(http.post("/v1/chat/completions", json=big), 413)["code"] == "body_too_large"

    def chunked():  # no Content-Length: refused while reading
        for _ in range(40):
            yield b"x" * 10_000

    error_of(http.post("/v1/chat/completions", content=chunked()), 413)
    error_of(http.post("/v1/documents", files={"file": ("big.txt", b"a" * 6_000_000, "text/plain")}), 413)


@pytest.mark.slow
def test_full_queue_is_429_then_recovers(server, http):
    queue = server.app.state.queue
    taken = 0
    while queue.try_acquire():  # what in-flight requests do: fill every slot
        taken += 1
    assert taken == 16
    try:
        err = error_of(http.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": CHIP_Q}]}),
                       429)
        assert err["code"] == "queue_full" and "Retry" in err["message"]
        assert error_of(http.post("/v1/search", json={"query": "Trainium"}), 429)
    finally:
        for _ in range(taken):
            queue.release()
    assert http.post("/v1/search", json={"query": "Trainium"}).status_code == 200


@pytest.mark.slow
def test_503_while_loading_then_ready(module_assistant):
    gate = threading.Event()

    def slow_factory():
        gate.wait(30)
        return module_assistant

    settings = ApiSettings(port=0)
    with ApiServer(create_app(slow_factory, settings), settings) as srv, httpx.Client(base_url=srv.url) as c:
        assert c.get("/healthz").status_code == 200
        assert c.get("/readyz").json() == {"status": "loading"}
        err = error_of(c.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": CHIP_Q}]}), 503)
        assert err["code"] == "loading"
        gate.set()
        for _ in range(100):
            if c.get("/readyz").status_code == 200:
                break
            threading.Event().wait(0.05)
        assert c.get("/readyz").json() == {"status": "ready"}
        assert c.get("/v1/documents").status_code == 200  # no key set: loopback only, no auth


def test_no_key_means_loopback_only(monkeypatch):
    monkeypatch.delenv("ASSISTANT_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="without an API key"):
        ApiSettings(host="0.0.0.0")
    assert ApiSettings(host="0.0.0.0", api_key="k").host == "0.0.0.0"
    assert ApiSettings(host="::1").api_key is None
    monkeypatch.setenv("ASSISTANT_API_KEY", "from-env")
    assert ApiSettings.from_env(host="0.0.0.0").api_key == "from-env"


def test_port_in_use_is_an_assistant_error():
    taken = bind("127.0.0.1", 0, 16)
    try:
        with pytest.raises(PortInUseError, match=r"already in use.*--port"):
            bind("127.0.0.1", taken.getsockname()[1], 16)
    finally:
        taken.close()


@pytest.mark.slow
def test_empty_library_is_409_with_what_to_do(tmp_path):
    from assistant import Assistant

    settings = ApiSettings(port=0)
    empty = Assistant(data_dir=tmp_path / "empty")
    with ApiServer(create_app(empty, settings), settings) as srv, httpx.Client(base_url=srv.url, timeout=60) as c:
        for _ in range(300):
            if c.get("/readyz").status_code == 200:
                break
            threading.Event().wait(0.1)
        err = error_of(c.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": CHIP_Q}]}), 409)
        assert err["code"] == "empty_library" and "POST /v1/documents" in err["message"]
