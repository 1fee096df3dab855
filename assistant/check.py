"""`assistant check [--repair]`: compare the vector store and the catalog.

It looks for chunks in one but not the other, chunks without an embedding or
missing from Chroma's vector index (search would never return them),
documents missing some of their chunks, and files stored in two versions
(an update interrupted between storing the new and deleting the old).
`repair` re-embeds what can be re-embedded and removes what cannot be made
whole; re-ingesting the file brings a removed document back.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from .library import Library

INDEX_TOLERANCE = 1e-3
"""A stored vector's own nearest neighbour must be this close (cosine distance)."""


@dataclass(frozen=True)
class Difference:
    kind: str
    """only-in-store, only-in-catalog, no-embedding, not-in-vector-index, incomplete-document, two-versions"""
    target: str
    """A chunk id or a document id."""
    detail: str


@dataclass
class CheckReport:
    documents: int = 0
    chunks: int = 0
    differences: list[Difference] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    def summary(self) -> str:
        head = f"{self.documents} documents, {self.chunks} chunks: "
        if self.ok:
            return head + "no differences between the vector store and the catalog."
        return head + f"{len(self.differences)} difference(s)" + (
            f", {len(self.repaired)} repaired." if self.repaired else ". Run `assistant check --repair` to fix them."
        )


def check(library: Library, repair: bool = False) -> CheckReport:
    with library.write_lock.hold():
        generation = library.store.generation()
        if generation != library._seen_generation:  # see other processes' vectors, not a stale index
            with library.rw.write():
                library.store.reopen()
            library._seen_generation = generation
        report = _inspect(library)
        if repair and report.differences:
            _repair(library, report)
            library._touch()
        return report


def _inspect(library: Library) -> CheckReport:
    store, catalog = library.store, library.lexical
    stored, indexed = store.ids(), catalog.ids()
    report = CheckReport()
    diffs = report.differences
    diffs += [Difference("only-in-store", cid, "stored in Chroma but not in the catalog") for cid in sorted(stored - indexed)]
    diffs += [Difference("only-in-catalog", cid, "in the catalog but not in Chroma") for cid in sorted(indexed - stored)]
    both = sorted(stored & indexed)
    for i in range(0, len(both), 500):
        part = both[i : i + 500]
        vectors = store.embeddings(part)
        good = []
        for cid, v in vectors.items():
            if v is None or not v.size or not np.isfinite(v).all():
                diffs.append(Difference("no-embedding", cid, "has no usable embedding"))
            else:
                good.append((cid, v))
        if good:
            distances = store.nearest_distances(np.stack([v for _, v in good]))
            diffs += [
                Difference("not-in-vector-index", cid, f"its own vector's nearest neighbour is {d:.3f} away")
                for (cid, _), d in zip(good, distances) if d > INDEX_TOLERANCE
            ]
    docs = catalog.documents()
    report.documents, report.chunks = len(docs), len(stored)
    by_source = defaultdict(list)
    for d in docs:
        by_source[d.source].append(d)
        if d.expected and d.n_chunks != d.expected:
            diffs.append(Difference("incomplete-document", d.doc_id, f"{d.source} has {d.n_chunks} of its {d.expected} chunks"))
    for source, versions in by_source.items():
        if len(versions) > 1:
            ids = ", ".join(v.doc_id for v in versions)
            diffs.append(Difference("two-versions", source, f"{len(versions)} versions stored ({ids})"))
    return report


def _repair(library: Library, report: CheckReport) -> None:
    store, catalog = library.store, library.lexical
    kinds = defaultdict(list)
    for d in report.differences:
        kinds[d.kind].append(d.target)
    added, removed = library._sync()  # only-in-store / only-in-catalog
    if added or removed:
        report.repaired.append(f"catalog: {added} chunk(s) indexed, {removed} dropped")
    reembed = kinds["no-embedding"] + kinds["not-in-vector-index"]
    if reembed:
        records = list(store.records(reembed))
        chunks = [c for c, _ in records]
        extra = {c.doc_id: {k: m[k] for k in ("n_chunks", "added") if k in m} for c, m in records}
        vectors = library.embedder.embed([f"{c.title}\n{c.text}" for c in chunks])
        with library.rw.write():
            store.delete([c.chunk_id for c in chunks])  # a plain upsert may keep a broken index entry
            store.add(chunks, vectors, extra)
        report.repaired.append(f"re-embedded {len(chunks)} chunk(s)")
    # Only now, with the catalog in line with the store, are documents judged.
    docs = catalog.documents()
    broken = [d.doc_id for d in docs if d.expected and d.n_chunks != d.expected]
    library._delete_docs(broken)
    report.repaired += [f"removed incomplete document {d}: ingest its file again" for d in broken]
    newest: dict[str, str] = {}
    stale = []
    for d in sorted((d for d in docs if d.doc_id not in broken), key=lambda d: d.added):
        if d.source in newest:
            stale.append(newest[d.source])
        newest[d.source] = d.doc_id
    library._delete_docs(stale)
    if stale:
        report.repaired.append(f"removed {len(stale)} older version(s) of updated files")
