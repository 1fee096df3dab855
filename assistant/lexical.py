"""A persistent BM25 index over chunk terms, kept beside the Chroma collection.

Embedded Chroma has no sparse index, so exact-word matching (names, numbers,
chip models like "Trainium2") lives here. The index stores each chunk's terms
and is rewritten atomically on every change; `sync` rebuilds it whenever its
chunk ids differ from the vector store's, so the two never drift apart.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

from .chunking import Chunk
from .text import terms

K1 = 1.5
B = 0.75


class LexicalIndex:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._docs: dict[str, list[str]] = {}
        if path.is_file():
            try:
                self._docs = json.loads(path.read_text(encoding="utf-8"))["chunks"]
            except (ValueError, KeyError):
                self._docs = {}  # a damaged index is rebuilt by sync()
        self._refresh()

    @property
    def idf(self) -> dict[str, float]:
        """Inverse document frequency of every indexed term."""
        return self._idf

    def doc_terms(self, doc_id: str) -> set[str]:
        """Every term of one document (chunk ids are `doc_id:position`)."""
        return {t for cid, ts in self._docs.items() if cid.split(":", 1)[0] == doc_id for t in ts}

    def ids(self) -> set[str]:
        return set(self._docs)

    def add(self, chunks: Sequence[Chunk]) -> None:
        for c in chunks:
            self._docs[c.chunk_id] = terms(f"{c.title}\n{c.text}")
        self._save()

    def delete(self, chunk_ids: Iterable[str]) -> None:
        for cid in chunk_ids:
            self._docs.pop(cid, None)
        self._save()

    def sync(self, chunks: Sequence[Chunk]) -> bool:
        """Rebuild from `chunks` if the ids differ. Returns True if it rebuilt."""
        if {c.chunk_id for c in chunks} == set(self._docs):
            return False
        self._docs = {}
        self.add(chunks)
        return True

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """Chunk ids with BM25 scores, best first; chunks sharing no term are left out."""
        q = set(terms(query))
        scores: Counter[str] = Counter()
        for cid, tf in self._tf.items():
            length = self._len[cid]
            s = 0.0
            for t in q:
                f = tf.get(t)
                if f:
                    s += self._idf.get(t, 0.0) * f * (K1 + 1) / (f + K1 * (1 - B + B * length / self._avg))
            if s > 0:
                scores[cid] = s
        return scores.most_common(k)

    def _refresh(self) -> None:
        self._tf = {cid: Counter(ts) for cid, ts in self._docs.items()}
        self._len = {cid: len(ts) for cid, ts in self._docs.items()}
        n = len(self._docs)
        self._avg = (sum(self._len.values()) / n) if n else 1.0
        df: Counter[str] = Counter()
        for tf in self._tf.values():
            df.update(tf.keys())
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}

    def _save(self) -> None:
        self._refresh()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".lexical-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"version": 1, "chunks": self._docs}, fh)
        os.replace(tmp, self.path)
