"""Hybrid retrieval: dense (Chroma) and lexical (BM25) rankings fused by RRF,
near-duplicate passages removed, optionally within a `Where` filter (some
articles, a date range) that both rankings honour."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from .chunking import Chunk
from .embedder import Embedder
from .errors import QuestionError, StoreError
from .fusion import drop_near_duplicates, jaccard, reciprocal_rank_fusion
from .lexical import DocMeta, LexicalIndex
from .loading import page_at
from .store import VectorStore
from .text import terms

if TYPE_CHECKING:
    from .library import Library

DUPLICATE_JACCARD = 0.7
LEXICAL_FLOOR = 0.5
"""BM25 hits scoring under this fraction of the best one are left out of the fusion."""


NO_MATCH = {
    "en": "No article matches the filter (the chosen articles or dates); widen it or clear it and ask again.",
    "fr": "Aucun article ne correspond au filtre (articles ou dates choisis) ; élargissez-le ou retirez-le, "
          "puis reposez la question.",
}
"""The refusal when a `Where` leaves no article, by question language."""


def no_match_text(language: str) -> str:
    return NO_MATCH.get(language, NO_MATCH["en"])


@dataclass(frozen=True)
class Where:
    """Which articles retrieval may use: `doc_ids` (empty: all), published from
    `since` to `until` (ISO dates YYYY-MM-DD, inclusive; "" for no bound). An
    article with no known date is left out whenever a date bound is set."""

    doc_ids: tuple[str, ...] = ()
    since: str = ""
    until: str = ""

    def __post_init__(self) -> None:
        ids = self.doc_ids
        if isinstance(ids, str):
            ids = (ids,)
        if not isinstance(ids, (tuple, list, set, frozenset)) or not all(isinstance(i, str) and i for i in ids):
            raise QuestionError(
                f"where.doc_ids must be a list of document ids (see `assistant documents`). Currently, it is {ids!r:.80}.")
        object.__setattr__(self, "doc_ids", tuple(dict.fromkeys(i.strip() for i in ids)))
        for name in ("since", "until"):
            object.__setattr__(self, name, _iso(name, getattr(self, name)))
        if self.since and self.until and self.since > self.until:
            raise QuestionError(f"where.since ({self.since}) is after where.until ({self.until}); swap them.")

    @property
    def unfiltered(self) -> bool:
        return not (self.doc_ids or self.since or self.until)

    @classmethod
    def of(cls, obj: Any) -> Where:
        """A Where from None (no filter), a Where, or a dict with the keys
        doc_ids, since, until; anything else is a QuestionError saying why."""
        if obj is None:
            return cls()
        if isinstance(obj, cls):
            return obj
        if not isinstance(obj, Mapping):
            raise QuestionError(
                f"where must be a dict with doc_ids, since and until. Currently, it is {type(obj).__name__}.")
        unknown = sorted(str(k) for k in obj if k not in ("doc_ids", "since", "until"))
        if unknown:
            raise QuestionError(f"where has unknown key(s) {', '.join(unknown)}; use doc_ids, since and until.")
        return cls(doc_ids=obj.get("doc_ids") or (), since=obj.get("since") or "", until=obj.get("until") or "")


def _iso(name: str, value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()[:10]
    if not isinstance(value, str):
        raise QuestionError(f"where.{name} must be an ISO date YYYY-MM-DD. Currently, it is {value!r:.40}.")
    value = value.strip()
    if not value:
        return ""
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise QuestionError(f"where.{name} must be an ISO date YYYY-MM-DD. Currently, it is {value!r:.40}.") from None


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
    url: str = ""
    published: str = ""
    """ISO date YYYY-MM-DD of the article, or "" when unknown."""
    author: str = ""
    page: int | None = None
    """PDF page (1-based) where the passage starts; None for other files."""
    page_starts: tuple[int, ...] = field(default=(), repr=False)
    """Where each page of the article starts (PDF only)."""

    def page_at(self, offset: int) -> int | None:
        """The page holding character `offset` of the article (None without pages)."""
        return page_at(self.page_starts, offset)


class Retriever:
    def __init__(self, embedder: Embedder, store: VectorStore, lexical: LexicalIndex,
                 library: Library | None = None) -> None:
        self.embedder = embedder
        self.store = store
        self.lexical = lexical
        self.library = library
        """When given: other processes' changes are picked up, and a search never
        sees half of a batch that an ingest or remove in this process applies."""

    def search(self, query: str, k: int = 5, query_vector: np.ndarray | None = None,
               where: Where | None = None, per_language: int = 0) -> list[Passage]:
        """The `k` best passages, and then, when `per_language` is set, the
        best by meaning alone in each language not already among them."""
        vector = self.embedder.embed([query])[0] if query_vector is None else query_vector
        if self.library is None:
            return self._search(query, k, vector, where, per_language)
        self.library.refresh()
        with self.library.rw.read():
            return self._search(query, k, vector, where, per_language)

    def allowed(self, where: Where | None) -> list[str] | None:
        """The ids of the articles `where` lets through; None when it filters nothing."""
        if where is None or where.unfiltered:
            return None
        return self.lexical.matching_docs(where.doc_ids, where.since, where.until)

    def _search(self, query: str, k: int, vector: np.ndarray, where: Where | None = None,
                per_language: int = 0) -> list[Passage]:
        allowed = self.allowed(where)
        if allowed is not None and not allowed:
            return []
        pool = max(4 * k, 20)
        dense = self.store.query(vector, pool, allowed)
        by_id: dict[str, Chunk] = {c.chunk_id: c for c, _ in dense}
        sims = {c.chunk_id: s for c, s in dense}
        lexical = self.lexical.search(query, pool, allowed)
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
        # (see AnswerPolicy.language_slots)
        taken: dict[str, int] = {}
        for c, _ in dense:
            if taken.get(c.language, 0) < per_language:
                taken[c.language] = taken.get(c.language, 0) + 1
                if c.chunk_id not in unique:
                    unique.append(c.chunk_id)
        scores = dict(fused)
        metas = self.lexical.doc_meta(by_id[cid].doc_id for cid in unique)
        return [_passage(by_id[cid], scores[cid], sims.get(cid, 0.0), metas.get(by_id[cid].doc_id, DocMeta()))
                for cid in unique]


def _passage(c: Chunk, score: float, similarity: float, meta: DocMeta) -> Passage:
    return Passage(
        chunk_id=c.chunk_id, doc_id=c.doc_id, title=c.title, source=c.source, language=c.language,
        text=c.text, start=c.start, end=c.end, score=round(score, 4), similarity=round(similarity, 4),
        url=meta.url, published=meta.published, author=meta.author,
        page=page_at(meta.page_starts, c.start), page_starts=meta.page_starts,
    )
