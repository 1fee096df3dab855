"""The FastAPI app: OpenAI-compatible chat completions over verified answers,
plus the library (documents, search, embeddings) and health checks.

    app = create_app(lambda: Assistant(data_dir="data"), ApiSettings(api_key="k"))

The assistant is built in a background thread when the app starts, so the
server answers at once: /readyz and every /v1 route say 503 until the models
are loaded and the store is open.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import logging
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
from fastapi import Depends, FastAPI, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant import (
    Answer,
    Assistant,
    AssistantError,
    EmptyLibraryError,
    IngestError,
    QuestionError,
)
from assistant.loading import SUFFIXES

from . import openai_format as oa
from .config import ApiSettings
from .limits import BodyLimit

log = logging.getLogger("api")


class ApiError(Exception):
    """An error answered in OpenAI's shape: {"error": {"message", "type", "code"}}."""

    def __init__(self, status: int, message: str, type_: str = "invalid_request_error", code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.headers = status, message, type_, code, headers


class AnswerQueue:
    """At most `limit` requests answering or waiting; beyond that, 429 at once
    rather than an ever longer wait (the model answers one question at a time)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._n = 0
        self._lock = threading.Lock()

    @property
    def in_use(self) -> int:
        return self._n

    def try_acquire(self) -> bool:
        with self._lock:
            if self._n >= self.limit:
                return False
            self._n += 1
            return True

    def release(self) -> None:
        with self._lock:
            self._n -= 1

    def acquire_or_429(self) -> None:
        if not self.try_acquire():
            raise ApiError(429, f"The server is busy: {self.limit} requests are already answering or waiting. "
                                "Retry in a few seconds.", "rate_limit_error", "queue_full", {"Retry-After": "5"})


class Loader:
    """Builds the Assistant in the background; `get()` is it, or 503."""

    def __init__(self, factory: Callable[[], Assistant], on_failure: Callable[[Exception], None] | None = None) -> None:
        self.factory = factory
        self.on_failure = on_failure
        self.assistant: Assistant | None = None
        self.error: Exception | None = None
        self.started = time.monotonic()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._load, name="api-loader", daemon=True)
            self._thread.start()

    def _load(self) -> None:
        try:
            assistant = self.factory()
            assistant.model  # the chat model loads lazily; ready means ready to answer
            assistant.documents()  # the store answers
            self.assistant = assistant
            log.info("Ready after %.1f s", time.monotonic() - self.started)
        except Exception as exc:
            self.error = exc
            log.error("Could not load the assistant: %s", exc)
            if self.on_failure:
                self.on_failure(exc)

    @property
    def state(self) -> str:
        return "ready" if self.assistant else "failed" if self.error else "loading"

    def get(self) -> Assistant:
        if self.assistant is not None:
            return self.assistant
        if self.error is not None:
            raise ApiError(503, f"The assistant could not start: {self.error}", "server_error", "load_failed")
        raise ApiError(503, "The assistant is still loading its models. Retry in a few seconds.", "server_error",
                       "loading", {"Retry-After": "2"})


def create_app(assistant: Assistant | Callable[[], Assistant], settings: ApiSettings | None = None, *,
               on_load_failure: Callable[[Exception], None] | None = None) -> FastAPI:
    """The API over `assistant` (an Assistant, or a function that builds one)."""
    settings = settings or ApiSettings()
    factory = assistant if callable(assistant) and not isinstance(assistant, Assistant) else (lambda: assistant)
    loader = Loader(factory, on_load_failure)
    queue = AnswerQueue(settings.max_queue)

    app = FastAPI(title="News assistant API", version="1", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=_lifespan(loader))
    app.state.loader, app.state.queue, app.state.settings = loader, queue, settings
    app.add_middleware(BodyLimit, limit_for=lambda path: (
        settings.max_upload_bytes if path.rstrip("/") == "/v1/documents" else settings.max_body_bytes))
    _errors(app)

    def authorized(request: Request) -> None:
        if not settings.api_key:
            return
        scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
        if not token:
            raise ApiError(401, "Missing API key: send the header `Authorization: Bearer YOUR_KEY`.",
                           "invalid_request_error", "invalid_api_key")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), settings.api_key.encode()):
            raise ApiError(401, "Incorrect API key. Use the key the server was started with (--api-key or "
                                "ASSISTANT_API_KEY).", "invalid_request_error", "invalid_api_key")

    v1 = [Depends(authorized)]

    # -- health -------------------------------------------------------------
    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        state = loader.state
        body: dict[str, Any] = {"status": state}
        if loader.error:
            body["error"] = str(loader.error)
        return JSONResponse(body, status_code=200 if state == "ready" else 503)

    # -- models -------------------------------------------------------------
    model_card = {"id": settings.model_id, "object": "model", "created": 0, "owned_by": "news-assistant"}

    @app.get("/v1/models", dependencies=v1)
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [model_card]}

    @app.get("/v1/models/{model_id}", dependencies=v1)
    def model(model_id: str) -> dict[str, Any]:
        if model_id != settings.model_id:
            raise ApiError(404, f"No model {model_id!r}; this server has one: {settings.model_id!r}.",
                           "invalid_request_error", "model_not_found")
        return model_card

    # -- chat ---------------------------------------------------------------
    @app.post("/v1/chat/completions", dependencies=v1)
    async def chat(req: oa.ChatRequest) -> Any:
        if len(req.messages) > settings.max_messages:
            raise ApiError(400, f"{len(req.messages)} messages is over the limit of {settings.max_messages}. "
                                "Start a new conversation or send fewer earlier turns.", code="too_many_messages")
        a = loader.get()
        question, history = oa.to_question(req.messages)
        queue.acquire_or_429()
        if not req.stream:
            try:
                answer = await run_in_threadpool(a.ask, question, history)
            finally:
                queue.release()
            return oa.completion(answer, settings.model_id)
        items = _relay(a, question, history, queue)
        first = await items.get()  # errors before the first piece (bad question, empty library) keep their status
        if first[0] == "error":
            raise first[1]
        return EventSourceResponse(_sse(first, items, settings.model_id), ping=15, sep="\n")

    # -- library ------------------------------------------------------------
    @app.get("/v1/documents", dependencies=v1)
    def documents() -> dict[str, Any]:
        docs = loader.get().documents()
        return {"object": "list", "data": [_document(d) for d in docs]}

    @app.post("/v1/documents", dependencies=v1)
    async def upload(file: list[UploadFile]) -> dict[str, Any]:
        a = loader.get()
        names = []
        for f in file:
            name = Path((f.filename or "").replace("\\", "/")).name
            if not name or name.startswith(".") or Path(name).suffix.lower() not in SUFFIXES:
                raise ApiError(400, f"Cannot ingest {f.filename!r:.80}: upload .txt, .md or .html files "
                                    "(multipart form field 'file').", code="unsupported_file")
            names.append(name)
        queue.acquire_or_429()
        folder = Path(tempfile.mkdtemp(prefix="news-upload-"))
        try:
            paths = []
            for f, name in zip(file, names):
                target = folder / str(len(paths)) / name  # a folder each: two uploads may share a name
                target.parent.mkdir()
                with target.open("wb") as out:
                    shutil.copyfileobj(f.file, out)
                paths.append(target)
            report = await run_in_threadpool(a.ingest, paths)
        finally:
            queue.release()
            shutil.rmtree(folder, ignore_errors=True)
        results = [{"file": Path(r.path).name, "status": r.status, "id": r.doc_id or None, "title": r.title or None,
                    "chunks": r.n_chunks, "reason": r.reason or None} for r in report.results]
        return {"object": "list", "data": results, "summary": report.summary()}

    @app.delete("/v1/documents/{doc_id}", dependencies=v1)
    def delete(doc_id: str) -> dict[str, Any]:
        a = loader.get()
        try:
            doc = a.remove(doc_id)
        except IngestError as exc:
            raise ApiError(404, str(exc), "invalid_request_error", "document_not_found") from None
        return {**_document(doc), "deleted": True}

    @app.post("/v1/search", dependencies=v1)
    async def search(req: oa.SearchRequest) -> dict[str, Any]:
        k = req.k if req.k is not None else None
        if k is not None and not 1 <= k <= settings.max_search_k:
            raise ApiError(400, f"k must be between 1 and {settings.max_search_k}. Currently, k is {k}.", code="bad_k")
        a = loader.get()
        queue.acquire_or_429()
        try:
            passages = await run_in_threadpool(a.search, req.query, k)
        finally:
            queue.release()
        return {"object": "list", "data": [
            {"doc_id": p.doc_id, "title": p.title, "source": p.source, "language": p.language, "text": p.text,
             "start": p.start, "end": p.end, "score": round(p.score, 4), "similarity": round(p.similarity, 4)}
            for p in passages]}

    @app.post("/v1/embeddings", dependencies=v1)
    async def embeddings(req: oa.EmbeddingRequest) -> dict[str, Any]:
        texts = [req.input] if isinstance(req.input, str) else req.input
        if not texts or len(texts) > settings.max_embedding_inputs:
            raise ApiError(400, f"input must hold 1 to {settings.max_embedding_inputs} strings. "
                                f"Currently, it holds {len(texts)}.", code="bad_input")
        for i, t in enumerate(texts):
            if not t.strip() or len(t) > settings.max_embedding_chars:
                raise ApiError(400, f"input[{i}] must be non-empty text of at most {settings.max_embedding_chars:,} "
                                    f"characters. Currently, it has {len(t):,}.", code="bad_input")
        a = loader.get()
        queue.acquire_or_429()
        try:
            vectors = await run_in_threadpool(a.embedder.embed, texts)
        finally:
            queue.release()
        n_chars = sum(len(t) for t in texts)
        if req.encoding_format == "base64":  # what the openai client asks for by default
            encode = lambda v: base64.b64encode(np.asarray(v, dtype="<f4").tobytes()).decode()  # noqa: E731
        else:
            encode = lambda v: [float(x) for x in v]  # noqa: E731
        return {"object": "list", "model": settings.model_id,
                "data": [{"object": "embedding", "index": i, "embedding": encode(v)} for i, v in enumerate(vectors)],
                "usage": {"prompt_tokens": n_chars // 4, "total_tokens": n_chars // 4}}

    return app


def _document(d) -> dict[str, Any]:
    return {"id": d.doc_id, "object": "document", "title": d.title, "source": d.source,
            "language": d.language, "chunks": d.n_chunks}


def _lifespan(loader: Loader):
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        loader.start()
        yield

    return lifespan


def _relay(a: Assistant, question: str, history: list[dict], queue: AnswerQueue) -> "asyncio.Queue[tuple]":
    """Run a.stream() to completion in its own thread and relay its items.

    The worker finishes even if the client goes away, so the model's lock is
    always released; the queue slot is freed when it ends."""
    loop = asyncio.get_running_loop()
    items: asyncio.Queue[tuple] = asyncio.Queue()

    def put(item: tuple) -> None:
        loop.call_soon_threadsafe(items.put_nowait, item)

    def work() -> None:
        try:
            for item in a.stream(question, history):
                put(("item", item))
        except Exception as exc:
            put(("error", exc))
        finally:
            queue.release()
            put(("end", None))

    threading.Thread(target=work, name="api-answer", daemon=True).start()
    return items


async def _sse(first: tuple, items: "asyncio.Queue[tuple]", model_id: str):
    """OpenAI chunks: the role, each piece of the answer as it comes, then the
    source list, the finish reason with `citations` and `refused`, and [DONE]."""
    cid = oa.new_id()
    yield {"data": _json(oa.chunk(cid, model_id, {"role": "assistant", "content": ""}))}
    item = first
    while item[0] != "end":
        kind, value = item
        if kind == "error":
            status, body, _ = _error_response(value)
            yield {"data": _json(body)}
            break
        if isinstance(value, Answer):
            sources = oa.sources_block(value)
            if sources:
                yield {"data": _json(oa.chunk(cid, model_id, {"content": sources}))}
            yield {"data": _json(oa.chunk(cid, model_id, {}, "stop", citations=oa.citations(value),
                                          refused=value.refused))}
        elif value:
            yield {"data": _json(oa.chunk(cid, model_id, {"content": value}))}
        item = await items.get()
    yield {"data": "[DONE]"}


def _json(obj: Any) -> str:
    import json

    return json.dumps(obj, ensure_ascii=False)


def _error_response(exc: Exception) -> tuple[int, dict[str, Any], dict[str, str] | None]:
    """Status, OpenAI-shaped body and headers for any exception."""
    if isinstance(exc, ApiError):
        return exc.status, oa.error_body(exc.message, exc.type, exc.code), exc.headers
    if isinstance(exc, QuestionError):
        return 400, oa.error_body(str(exc), "invalid_request_error", "invalid_question"), None
    if isinstance(exc, EmptyLibraryError):
        return 409, oa.error_body(str(exc) + " Or upload articles: POST /v1/documents.", "invalid_request_error",
                                  "empty_library"), None
    if isinstance(exc, IngestError):
        return 400, oa.error_body(str(exc), "invalid_request_error", "ingest_failed"), None
    if isinstance(exc, AssistantError):
        log.error("%s: %s", type(exc).__name__, exc)
        return 500, oa.error_body(f"{exc} (This must be fixed on the server.)", "server_error",
                                  type(exc).__name__), None
    log.error("Unexpected error", exc_info=exc)
    return 500, oa.error_body("Internal error; the details are in the server log.", "server_error", None), None


def _errors(app: FastAPI) -> None:
    def respond(exc: Exception) -> JSONResponse:
        status, body, headers = _error_response(exc)
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return respond(exc)

    @app.exception_handler(AssistantError)
    async def assistant_error(request: Request, exc: AssistantError) -> JSONResponse:
        return respond(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for e in exc.errors()[:3]:
            where = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
            problems.append(f"{where}: {e.get('msg', 'invalid')}")
        code = "invalid_json" if any(e.get("type") == "json_invalid" for e in exc.errors()) else "invalid_request"
        message = "The request body is not valid JSON." if code == "invalid_json" else (
            "Invalid request: " + "; ".join(problems) + ".")
        return JSONResponse(oa.error_body(message, "invalid_request_error", code), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code)
        message = {404: f"No route {request.url.path}.", 405: f"{request.method} is not allowed on {request.url.path}."
                   }.get(exc.status_code, str(exc.detail))
        return JSONResponse(oa.error_body(message, "invalid_request_error", code), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        return respond(exc)
