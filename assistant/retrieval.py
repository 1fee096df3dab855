"""Hybrid retrieval: dense (Chroma) and lexical (BM25) rankings fused by RRF,
near-duplicate passages removed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .chunking import Chunk
from .embedder import Embedder
from .errors import StoreError
from .fusion import drop_near_duplicates, jaccard, reciprocal_rank_fusion
from .lexical import LexicalIndex
from .store import VectorStore
from .text import terms

if TYPE_CHECKING:
    from .library import Library

DUPLICATE_JACCARD = 0.7
LEXICAL_FLOOR = 0.5
"""BM25 hits scoring under this fraction of the best one are left out of the fusion."""


@dataclass(frozen=True)
class Passage:
    chunk_id: str
    doc_id: str
    title: str
    source: str
    language: str
    text: str
    start: int
    """Character span of `text` in the cleaned article."""
    end: int
    score: float
    """Fused rank score in (0, 1]."""
    similarity: float
    """Cosine similarity of the passage to the query."""


class Retriever:
    def __init__(self, embedder: Embedder, store: VectorStore, lexical: LexicalIndex,
                 library: Library | None = None) -> None:
        self.embedder = embedder
        self.store = store
        self.lexical = lexical
        self.library = library
        """When given: other processes' changes are picked up, and a search never
        sees half of a batch that an ingest or remove in this process applies."""

    def search(self, query: str, k: int = 5, query_vector: np.ndarray | None = None) -> list[Passage]:
        vector = self.embedder.embed([query])[0] if query_vector is None else query_vector
        if self.library is None:
            return self._search(query, k, vector)
        self.library.refresh()
        with self.library.rw.read():
            return self._search(query, k, vector)

    def _search(self, query: str, k: int, vector: np.ndarray) -> list[Passage]:
        pool = max(4 * k, 20)
        dense = self.store.query(vector, pool)
        by_id: dict[str, Chunk] = {c.chunk_id: c for c, _ in dense}
        sims = {c.chunk_id: s for c, s in dense}
        lexical = self.lexical.search(query, pool)
        if lexical:  # matches on common words only are noise; in a big library they outnumber the rest
            floor = LEXICAL_FLOOR * lexical[0][1]
            lexical = [(cid, s) for cid, s in lexical if s >= floor]
        missing = [cid for cid, _ in lexical if cid not in by_id]
        if missing:  # their stored vectors: re-embedding would cost ~10 ms a chunk
            try:
                found = self.store.get_with_vectors(missing)
            except StoreError:
                # Chunks another process stored since this one last reloaded its vector
                # index: their text is readable, their vectors not yet ("Error finding id").
                chunks = self.store.get(missing)
                found = list(zip(chunks, self.embedder.embed([f"{c.title}\n{c.text}" for c in chunks])))
            for c, v in found:
                by_id[c.chunk_id] = c
                sims[c.chunk_id] = float(v @ vector)
        fused = reciprocal_rank_fusion([[c.chunk_id for c, _ in dense], [cid for cid, _ in lexical if cid in by_id]])
        term_sets: dict[str, set[str]] = {}

        def term_set(cid: str) -> set[str]:  # only for the candidates compared: terms() is the costly part
            if cid not in term_sets:
                term_sets[cid] = set(terms(by_id[cid].text))
            return term_sets[cid]

        unique = drop_near_duplicates(
            [cid for cid, _ in fused],
            lambda a, b: jaccard(term_set(a), term_set(b)) >= DUPLICATE_JACCARD,
            limit=k,
        )
        scores = dict(fused)
        return [_passage(by_id[cid], scores[cid], sims.get(cid, 0.0)) for cid in unique]


def _passage(c: Chunk, score: float, similarity: float) -> Passage:
    return Passage(
        chunk_id=c.chunk_id, doc_id=c.doc_id, title=c.title, source=c.source, language=c.language,
        text=c.text, start=c.start, end=c.end, score=round(score, 4), similarity=round(similarity, 4),
    )
