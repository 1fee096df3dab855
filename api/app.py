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
import json
import logging
import shutil
import tempfile
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Callable

import numpy as np
from fastapi import Depends, FastAPI, Request, UploadFile
from fastapi.responses import JSONResponse
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from assistant import Answer, Assistant, IngestError
from assistant.loading import KINDS, SUFFIXES

from . import openai_format as oa
from .config import ApiSettings
from .errors import ApiError, error_response, install_handlers
from .limits import BodyLimit
from .runtime import AnswerQueue, Loader, relay

log = logging.getLogger("api")


def create_app(assistant: Assistant | Callable[[], Assistant], settings: ApiSettings | None = None, *,
               on_load_failure: Callable[[Exception], None] | None = None) -> FastAPI:
    """The API over `assistant` (an Assistant, or a function that builds one)."""
    settings = settings or ApiSettings()
    factory = (lambda: assistant) if isinstance(assistant, Assistant) else assistant
    loader = Loader(factory, on_load_failure)
    queue = AnswerQueue(settings.max_queue)

    app = FastAPI(title="News assistant API", version="1", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=_lifespan(loader))
    app.state.loader, app.state.queue, app.state.settings = loader, queue, settings
    app.add_middleware(BodyLimit, limit_for=lambda path: (
        settings.max_upload_bytes if path.rstrip("/") == "/v1/documents" else settings.max_body_bytes))
    install_handlers(app)

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
                answer = await run_in_threadpool(lambda: a.ask(question, history, where=req.where))
            finally:
                queue.release()
            return oa.completion(answer, settings.model_id)
        items = relay(a, question, history, queue, where=req.where)
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
                raise ApiError(400, f"Cannot ingest {f.filename!r:.80}: upload {KINDS} files "
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
        k = req.k
        if k is not None and not 1 <= k <= settings.max_search_k:
            raise ApiError(400, f"k must be between 1 and {settings.max_search_k}. Currently, k is {k}.", code="bad_k")
        a = loader.get()
        queue.acquire_or_429()
        try:
            passages = await run_in_threadpool(lambda: a.search(req.query, k, where=req.where))
        finally:
            queue.release()
        return {"object": "list", "data": [
            {"doc_id": p.doc_id, "title": p.title, "source": p.source, "language": p.language, "text": p.text,
             "start": p.start, "end": p.end, "score": round(p.score, 4), "similarity": round(p.similarity, 4),
             "url": p.url or None, "date": p.published or None, "author": p.author or None, "page": p.page}
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
            "language": d.language, "chunks": d.n_chunks, "url": d.url or None, "date": d.published or None,
            "author": d.author or None}


def _lifespan(loader: Loader):
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        loader.start()
        yield

    return lifespan


async def _sse(first: tuple, items: "asyncio.Queue[tuple]", model_id: str):
    """OpenAI chunks: the role, each piece of the answer as it comes, then the
    source list, the finish reason with `citations` and `refused`, and [DONE]."""
    cid = oa.new_id()
    yield {"data": _json(oa.chunk(cid, model_id, {"role": "assistant", "content": ""}))}
    item = first
    while item[0] != "end":
        kind, value = item
        if kind == "error":
            status, body, _ = error_response(value)
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
    return json.dumps(obj, ensure_ascii=False)
