"""The vector store: chunks and their embeddings, behind a small interface.

`ChromaStore` runs embedded (a folder on disk) or against a `chroma run`
server, chosen by `Settings.store`. Embeddings always come from our own
embedder; Chroma's default one would try to download a model.
"""

from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np

from .chunking import Chunk
from .errors import StoreError
from .settings import Settings

_META_FIELDS = ("doc_id", "title", "source", "language", "position", "start", "end")


class VectorStore(Protocol):
    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None: ...
    def delete_doc(self, doc_id: str) -> None: ...
    def query(self, vector: np.ndarray, k: int) -> list[tuple[Chunk, float]]:
        """The `k` nearest chunks with cosine similarity, best first."""
        ...
    def get(self, chunk_ids: Sequence[str]) -> list[Chunk]: ...
    def chunks(self) -> list[Chunk]: ...
    def count(self) -> int: ...


class ChromaStore:
    def __init__(self, settings: Settings) -> None:
        try:
            import chromadb
            from chromadb.config import Settings as ChromaSettings
        except ImportError as exc:
            raise StoreError("chromadb is not installed. Run `make setup` (or `pip install -e .`).") from exc
        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        try:
            if settings.store == "http":
                client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
            else:
                settings.data_dir.mkdir(parents=True, exist_ok=True)
                client = chromadb.PersistentClient(path=str(settings.data_dir / "chroma"), settings=chroma_settings)
            self._collection = client.get_or_create_collection(
                settings.collection, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
        except Exception as exc:
            where = (
                f"the Chroma server at {settings.chroma_host}:{settings.chroma_port} (is `chroma run` started?)"
                if settings.store == "http"
                else f"the data directory {settings.data_dir} (is it writable, and not used by another version of Chroma?)"
            )
            raise StoreError(f"Cannot open the article store in {where}: {exc}") from exc

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        if not chunks:
            return
        self._collection.upsert(
            ids=[c.chunk_id for c in chunks],
            embeddings=[v.tolist() for v in vectors],
            documents=[c.text for c in chunks],
            metadatas=[{f: getattr(c, f) for f in _META_FIELDS} for c in chunks],
        )

    def delete_doc(self, doc_id: str) -> None:
        self._collection.delete(where={"doc_id": doc_id})

    def query(self, vector: np.ndarray, k: int) -> list[tuple[Chunk, float]]:
        n = min(k, self.count())
        if n == 0:
            return []
        res = self._collection.query(
            query_embeddings=[vector.tolist()], n_results=n, include=["documents", "metadatas", "distances"]
        )
        return [
            (_chunk(cid, doc, meta), 1.0 - float(dist))
            for cid, doc, meta, dist in zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0])
        ]

    def get(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        if not chunk_ids:
            return []
        res = self._collection.get(ids=list(chunk_ids), include=["documents", "metadatas"])
        return [_chunk(cid, doc, meta) for cid, doc, meta in zip(res["ids"], res["documents"], res["metadatas"])]

    def chunks(self) -> list[Chunk]:
        res = self._collection.get(include=["documents", "metadatas"])
        return [_chunk(cid, doc, meta) for cid, doc, meta in zip(res["ids"], res["documents"], res["metadatas"])]

    def count(self) -> int:
        return self._collection.count()


def _chunk(chunk_id: str, text: str, meta: dict) -> Chunk:
    return Chunk(chunk_id=chunk_id, text=text, **{f: meta[f] for f in _META_FIELDS})


def open_store(settings: Settings) -> VectorStore:
    return ChromaStore(settings)
