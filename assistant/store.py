"""The vector store: chunks and their embeddings, behind a small interface.

`open_store(settings)` is the one factory: `store = "embedded"` keeps Chroma
in a folder of the data dir, `store = "http"` talks to a `chroma run` server.
A third backend is one more class and one more entry in `BACKENDS`.
Embeddings always come from our own embedder; Chroma's default one would try
to download a model. Chroma's exceptions become `StoreError` here.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import time
from typing import Any, Callable, Iterator, Protocol, Sequence

import numpy as np

from .chunking import Chunk
from .errors import StoreError
from .settings import Settings

_META_FIELDS = ("doc_id", "title", "source", "language", "position", "start", "end")
PAGE = 1000
"""Records per request when reading the whole collection (bounded memory)."""


class VectorStore(Protocol):
    name: str

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray, extra: dict[str, dict[str, Any]] | None = None) -> None:
        """Store (or replace) chunks; `extra` adds metadata per doc_id."""
        ...

    def delete(self, chunk_ids: Sequence[str]) -> None: ...
    def delete_doc(self, doc_id: str) -> None: ...

    def query(self, vector: np.ndarray, k: int, doc_ids: Sequence[str] | None = None) -> list[tuple[Chunk, float]]:
        """The `k` nearest chunks with cosine similarity, best first (only
        chunks of the articles `doc_ids`, when given)."""
        ...

    def get(self, chunk_ids: Sequence[str]) -> list[Chunk]: ...
    def get_with_vectors(self, chunk_ids: Sequence[str]) -> list[tuple[Chunk, np.ndarray]]:
        """Chunks with their stored vectors, in one call (ids not found are left out)."""
        ...

    def records(self, chunk_ids: Sequence[str] | None = None) -> Iterator[tuple[Chunk, dict[str, Any]]]:
        """Chunks with their full metadata, page by page (all of them by default)."""
        ...

    def ids(self) -> set[str]: ...
    def embeddings(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray | None]: ...
    def nearest_distances(self, vectors: np.ndarray) -> list[float]:
        """Distance from each vector to its nearest stored neighbour (the vector index's view)."""
        ...

    def count(self) -> int: ...
    def generation(self) -> str:
        """Changes whenever a writer calls `touch`, in any process."""
        ...

    def touch(self) -> str:
        """Record a change for other processes; returns the new generation."""
        ...

    def reopen(self) -> None:
        """Forget what this process cached, to see other processes' writes."""
        ...


class ChromaStore:
    """A Chroma collection through any Chroma client."""

    def __init__(self, open_client: Callable[[int], Any], settings: Settings, where: str, reopens: bool) -> None:
        self.name = where
        self._open_client = open_client
        self._reopens = reopens
        self._collection_name = settings.collection
        self._slot = 0
        self._retired: Any = None
        self._client, self._collection = self._open(0)

    def _open(self, slot: int) -> tuple[Any, Any]:
        client = self._open_client(slot)
        try:
            collection = client.get_or_create_collection(
                self._collection_name, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
        except Exception as exc:
            raise StoreError(f"Cannot open the collection {self._collection_name!r} in {self.name}: {exc}") from exc
        return client, collection

    def reopen(self) -> None:
        """Drop what this process cached of the collection. Embedded Chroma keeps
        its vector index in memory: without this, vectors another process
        added are invisible here ("Error finding id"), and a writer would flush
        a stale index over them. The client before last is closed only now, so
        a call still running on the previous one can finish."""
        if not self._reopens:
            return
        if self._retired is not None:
            with contextlib.suppress(Exception):
                self._retired.close()
        slot = 1 - self._slot
        client, collection = self._open(slot)
        self._retired = self._client
        self._client, self._collection, self._slot = client, collection, slot

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(
                f"The article store ({self.name}) failed to {what}: {exc}. "
                "Check that it is reachable, then run `assistant check` (add --repair to fix what it reports)."
            ) from exc

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray, extra: dict[str, dict[str, Any]] | None = None) -> None:
        if not chunks:
            return
        extra = extra or {}
        metas = [{**{f: getattr(c, f) for f in _META_FIELDS}, **extra.get(c.doc_id, {})} for c in chunks]
        self._call("store chunks", lambda: self._collection.upsert(
            ids=[c.chunk_id for c in chunks],
            embeddings=np.asarray(vectors, dtype=np.float32),
            documents=[c.text for c in chunks],
            metadatas=metas,
        ))

    def delete(self, chunk_ids: Sequence[str]) -> None:
        ids = list(chunk_ids)
        for i in range(0, len(ids), PAGE):
            part = ids[i : i + PAGE]
            self._call("delete chunks", lambda: self._collection.delete(ids=part))

    def delete_doc(self, doc_id: str) -> None:
        self._call("delete a document", lambda: self._collection.delete(where={"doc_id": doc_id}))

    def query(self, vector: np.ndarray, k: int, doc_ids: Sequence[str] | None = None) -> list[tuple[Chunk, float]]:
        if k < 1 or doc_ids is not None and not doc_ids:
            return []
        where = None if doc_ids is None else {"doc_id": {"$in": list(doc_ids)}}
        # No count() first: Chroma returns fewer results when it holds fewer, and
        # on a server every call is a round trip.
        res = self._call("search", lambda: self._collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32).tolist()], n_results=k,
            include=["documents", "metadatas", "distances"], where=where,
        ))
        return [
            (_chunk(cid, doc, meta), 1.0 - float(dist))
            for cid, doc, meta, dist in zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0])
        ]

    def get(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        return [c for c, _ in self.records(chunk_ids)]

    def get_with_vectors(self, chunk_ids: Sequence[str]) -> list[tuple[Chunk, np.ndarray]]:
        ids = list(chunk_ids)
        if not ids:
            return []
        res = self._call("read chunks", lambda: self._collection.get(
            ids=ids, include=["documents", "metadatas", "embeddings"]))
        return [(_chunk(cid, d, m), np.asarray(e, dtype=np.float32))
                for cid, d, m, e in zip(res["ids"], res["documents"], res["metadatas"], res["embeddings"])]

    def records(self, chunk_ids: Sequence[str] | None = None) -> Iterator[tuple[Chunk, dict[str, Any]]]:
        if chunk_ids is not None:
            ids = list(chunk_ids)
            for i in range(0, len(ids), PAGE):
                part = ids[i : i + PAGE]
                res = self._call("read chunks", lambda: self._collection.get(ids=part, include=["documents", "metadatas"]))
                yield from ((_chunk(cid, d, m), m) for cid, d, m in zip(res["ids"], res["documents"], res["metadatas"]))
            return
        offset = 0
        while True:
            res = self._call("read chunks", lambda: self._collection.get(
                include=["documents", "metadatas"], limit=PAGE, offset=offset))
            yield from ((_chunk(cid, d, m), m) for cid, d, m in zip(res["ids"], res["documents"], res["metadatas"]))
            if len(res["ids"]) < PAGE:
                return
            offset += PAGE

    def ids(self) -> set[str]:
        found: set[str] = set()
        offset = 0
        while True:
            res = self._call("list chunk ids", lambda: self._collection.get(include=[], limit=PAGE * 10, offset=offset))
            found.update(res["ids"])
            if len(res["ids"]) < PAGE * 10:
                return found
            offset += PAGE * 10

    def embeddings(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray | None]:
        out: dict[str, np.ndarray | None] = {cid: None for cid in chunk_ids}
        ids = list(chunk_ids)
        for i in range(0, len(ids), PAGE):
            part = ids[i : i + PAGE]
            res = self._call("read embeddings", lambda: self._collection.get(ids=part, include=["embeddings"]))
            for cid, emb in zip(res["ids"], res["embeddings"]):
                out[cid] = None if emb is None else np.asarray(emb, dtype=np.float32)
        return out

    def nearest_distances(self, vectors: np.ndarray) -> list[float]:
        out: list[float] = []
        for i in range(0, len(vectors), 200):
            part = np.asarray(vectors[i : i + 200], dtype=np.float32)
            res = self._call("search", lambda: self._collection.query(
                query_embeddings=part.tolist(), n_results=1, include=["distances"]))
            out.extend(float(d[0]) if d else float("inf") for d in res["distances"])
        return out

    def count(self) -> int:
        return self._call("count chunks", self._collection.count)

    def generation(self) -> str:
        meta = self._call("read its state", lambda: self._client.get_collection(self._collection_name).metadata) or {}
        return str(meta.get("generation", ""))

    def touch(self) -> str:
        # A fresh unique value, so writers never read-modify-write it.
        mark = f"{time.time_ns()}-{os.getpid()}"
        self._call("record a change", lambda: self._collection.modify(metadata={"generation": mark}))
        return mark


def _chroma_settings():
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False)


def _embedded(settings: Settings) -> ChromaStore:
    import chromadb

    path = settings.data_dir / "chroma"
    instance = next(_instances)

    def open_client(slot: int) -> Any:
        # Chroma shares one cached client per path string in a process; an alias
        # of the path ("chroma/./.") gives this store clients of its own to reopen.
        alias = os.path.join(str(path), *["."] * (2 * instance + slot))
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=alias, settings=_chroma_settings())
        except Exception as exc:
            raise StoreError(
                f"Cannot open the article store in {path}: {exc}. Check that the data directory is writable "
                "and was not made by another version of Chroma."
            ) from exc

    return ChromaStore(open_client, settings, f"the data directory {settings.data_dir}", reopens=True)


_instances = itertools.count()


def _http(settings: Settings) -> ChromaStore:
    import chromadb

    where = f"the Chroma server at http://{settings.chroma_host}:{settings.chroma_port}"

    def open_client(slot: int) -> Any:
        try:
            client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=_chroma_settings())
            client.heartbeat()
            return client
        except Exception as exc:
            raise StoreError(
                f"Cannot reach {where} ({type(exc).__name__}: {exc}). Start it with "
                f"`chroma run --path DIR --host {settings.chroma_host} --port {settings.chroma_port}`, "
                "or set chroma_host / chroma_port (ASSISTANT_CHROMA_HOST / ASSISTANT_CHROMA_PORT) to where it runs."
            ) from exc

    return ChromaStore(open_client, settings, where, reopens=False)  # the server holds the one index


BACKENDS: dict[str, Callable[[Settings], VectorStore]] = {"embedded": _embedded, "http": _http}


def open_store(settings: Settings) -> VectorStore:
    """The vector store named by `settings.store` (the one factory for store backends)."""
    try:
        import chromadb  # noqa: F401
    except ImportError as exc:
        raise StoreError("chromadb is not installed. Run `make setup` (or `pip install -e .`).") from exc
    return BACKENDS[settings.store](settings)


def _chunk(chunk_id: str, text: str, meta: dict) -> Chunk:
    return Chunk(chunk_id=chunk_id, text=text, **{f: meta[f] for f in _META_FIELDS})
