"""The article library: ingesting files, listing and removing documents.

A file is known by its name (`source`). Its document id is a hash of its
cleaned content, so re-ingesting an unchanged file changes nothing, and a
changed file replaces the chunks of its earlier version.

Ingest streams files in batches: read, chunk, embed a batch at once, store it
in Chroma, then index it in the catalog (`lexical.py`). The vector store is the
source of truth; the catalog is rebuilt from it wherever they differ (`sync`),
so a `kill -9` between the two loses nothing. A new version is stored before
the old one is deleted, and a document counts as present only when all its
chunks are, so re-running an interrupted ingest completes it.

Writers (ingest, remove, repair) hold `write.lock` in the data dir; readers
never write and notice other processes' changes within `refresh_seconds`.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .chunking import Chunk, chunk_article
from .embedder import Embedder
from .errors import IngestError
from .lexical import DocMeta, DocumentRow, LexicalIndex
from .loading import KINDS, SUFFIXES, Article, read_article
from .locking import ReadWriteLock, WriteLock
from .settings import Settings
from .store import VectorStore

Progress = Callable[[int, int, str], None]
"""progress(done, total, current_file_name)"""


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    source: str
    language: str
    n_chunks: int
    url: str = ""
    published: str = ""
    """ISO date YYYY-MM-DD, or "" when unknown."""
    author: str = ""

    @classmethod
    def of(cls, row: DocumentRow) -> Document:
        return cls(row.doc_id, row.title, row.source, row.language, row.n_chunks, row.url, row.published, row.author)


@dataclass(frozen=True)
class FileResult:
    path: str
    status: str
    """added, updated, unchanged or skipped"""
    doc_id: str = ""
    title: str = ""
    reason: str = ""
    n_chunks: int = 0


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)

    def _with(self, status: str) -> list[FileResult]:
        return [r for r in self.results if r.status == status]

    @property
    def added(self) -> list[FileResult]:
        return self._with("added")

    @property
    def updated(self) -> list[FileResult]:
        return self._with("updated")

    @property
    def unchanged(self) -> list[FileResult]:
        return self._with("unchanged")

    @property
    def skipped(self) -> list[FileResult]:
        return self._with("skipped")

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.skipped)} skipped"
        )


class Library:
    def __init__(self, settings: Settings, embedder: Embedder, store: VectorStore) -> None:
        self.settings = settings
        self.embedder = embedder
        self.store = store
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.lexical = LexicalIndex(settings.data_dir / "lexical.sqlite")
        self.write_lock = WriteLock(settings.data_dir / "write.lock", settings.lock_timeout)
        self.rw = ReadWriteLock()
        """Searches hold `rw.read()`; each batch a writer applies holds `rw.write()`."""
        self.chunks_stored = 0
        """Chunks stored by the ingest running now (the CLI shows chunks/s from it)."""
        self._seen_generation: str | None = None
        self._dirty = False
        self._checked_at = 0.0
        self._refresh_lock = threading.Lock()
        self.refresh(force=True)

    # -- reading --------------------------------------------------------------
    def refresh(self, force: bool = False) -> None:
        """Pick up what other processes wrote (at most every `refresh_seconds`)."""
        now = time.monotonic()
        if not force and now - self._checked_at < self.settings.refresh_seconds:
            return
        if not self._refresh_lock.acquire(blocking=False):
            return  # another thread is refreshing right now
        try:
            self._checked_at = now
            with self.write_lock.hold(wait=False) as held:
                if held:
                    self._catch_up()
                elif self.store.generation() != self._seen_generation:
                    # Another writer is busy: see its vectors now; it updates the catalog itself.
                    with self.rw.write():
                        self.store.reopen()
        finally:
            self._refresh_lock.release()

    def _catch_up(self) -> None:
        """Caller holds the write lock: reload the store if another process
        changed it, then bring the catalog in line with it."""
        generation = self.store.generation()
        if generation == self._seen_generation:
            return
        # Also the first time: the client may have been opened while another
        # process was writing, and what it cached then is stale now.
        with self.rw.write():
            self.store.reopen()
        self._sync()
        self._seen_generation = generation

    def _touch(self) -> None:
        self._seen_generation = self.store.touch()

    def documents(self) -> list[Document]:
        self.refresh()
        return [Document.of(d) for d in self.lexical.documents()]

    # -- writing --------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path], progress: Progress | None = None,
               notify: Callable[[str], None] | None = None) -> IngestReport:
        files, report = expand_paths(paths)
        results: list[FileResult | None] = [None] * len(files)
        with self.write_lock.hold(notify):
            self._catch_up()
            docs = self.lexical.documents()
            by_source: dict[str, list[DocumentRow]] = {}
            for d in docs:
                by_source.setdefault(d.source, []).append(d)
            complete = {d.doc_id: d for d in docs if _complete(d)}
            pending: list[_Pending] = []
            n_pending = 0
            self.chunks_stored = 0
            self._dirty = False
            try:
                for i, path in enumerate(files):
                    if progress:
                        progress(i, len(files), path.name)
                    item = self._prepare(i, path, by_source, complete, results)
                    if item is None:
                        continue
                    pending.append(item)
                    n_pending += len(item.chunks)
                    # the new version now owns its name, even before it is stored
                    by_source[item.article.source] = [DocumentRow(
                        item.article.doc_id, item.article.title, item.article.source, item.article.language,
                        len(item.chunks), len(item.chunks), 0.0)]
                    complete[item.article.doc_id] = by_source[item.article.source][0]
                    if n_pending >= self.settings.ingest_batch:
                        self._store(pending, results)
                        pending, n_pending = [], 0
                self._store(pending, results)
            finally:
                if self._dirty:  # an unchanged library must not make every reader reload
                    self._touch()
            if progress:
                progress(len(files), len(files), "")
        report.results.extend(r for r in results if r is not None)
        return report

    def _prepare(self, i: int, path: Path, by_source: dict[str, list[DocumentRow]],
                 complete: dict[str, DocumentRow], results: list[FileResult | None]) -> _Pending | None:
        try:
            article = read_article(path, self.settings.max_file_bytes)
        except IngestError as exc:
            results[i] = FileResult(str(path), "skipped", reason=str(exc))
            return None
        versions = by_source.get(article.source, [])
        current = complete.get(article.doc_id)
        if current is not None and current.source == article.source:
            stale = [v.doc_id for v in versions if v.doc_id != article.doc_id]
            if stale:  # an update interrupted after storing the new version: finish it
                self._delete_docs(stale)
                by_source[article.source] = [current]
            results[i] = FileResult(str(path), "unchanged", article.doc_id, article.title, n_chunks=current.n_chunks)
            return None
        if current is not None:
            results[i] = FileResult(str(path), "skipped", article.doc_id, article.title,
                                    reason=f"same content as {current.source}, already in the library")
            return None
        chunks = chunk_article(article, self.settings.chunk_tokens, self.settings.chunk_overlap)
        old = [v.doc_id for v in versions if v.doc_id != article.doc_id]
        return _Pending(i, path, article, chunks, old)

    def _store(self, pending: list[_Pending], results: list[FileResult | None]) -> None:
        """Embed and store one batch, then delete the versions it replaces."""
        if not pending:
            return
        chunks = [c for p in pending for c in p.chunks]
        vectors = self.embedder.embed([f"{c.title}\n{c.text}" for c in chunks])
        now = time.time()
        n_chunks = {p.article.doc_id: len(p.chunks) for p in pending}
        metas = {p.article.doc_id: _meta(p.article) for p in pending}
        extra = {doc_id: {"n_chunks": n, "added": now, **metas[doc_id].to_store()} for doc_id, n in n_chunks.items()}
        with self.rw.write():
            self._dirty = True
            self.store.add(chunks, vectors, extra)
            self.lexical.add(chunks, n_chunks, now, metas)
        self._delete_docs([d for p in pending for d in p.old])
        self.chunks_stored += len(chunks)
        self._touch()  # other processes see each batch within refresh_seconds
        for p in pending:
            results[p.index] = FileResult(str(p.path), "updated" if p.old else "added", p.article.doc_id,
                                          p.article.title, n_chunks=len(p.chunks))

    def remove(self, doc_id: str) -> Document:
        with self.write_lock.hold():
            self._catch_up()
            docs = {d.doc_id: d for d in self.lexical.documents()}
            if doc_id not in docs:
                matches = [d for d in docs.values() if d.source == doc_id]
                if not matches:
                    raise IngestError(f"No document with id or file name {doc_id!r}. `assistant documents` lists them.")
                doc_id = matches[0].doc_id
            try:
                self._delete_docs([doc_id])
            finally:
                self._touch()
            return Document.of(docs[doc_id])

    def _delete_docs(self, doc_ids: list[str]) -> None:
        """Delete from the vector store first: if we die in between, `_sync`
        drops the catalog rows whose chunks are gone."""
        for doc_id in doc_ids:
            ids = self.lexical.doc_chunk_ids(doc_id)
            with self.rw.write():
                self._dirty = True
                self.store.delete_doc(doc_id)
                self.lexical.delete(ids)

    def _sync(self) -> tuple[int, int]:
        """Make the catalog match the vector store (caller holds the write lock).
        Returns (rows added, rows removed)."""
        stored = self.store.ids()
        indexed = self.lexical.ids()
        extra = indexed - stored
        missing = stored - indexed
        if extra:
            with self.rw.write():
                self.lexical.delete(extra)
        added = 0
        batch: list[tuple[Chunk, dict]] = []
        for record in self.store.records(sorted(missing)) if missing else ():
            batch.append(record)
            if len(batch) >= 500:
                added += self._index_records(batch)
                batch = []
        added += self._index_records(batch)
        return added, len(extra)

    def _index_records(self, records: list[tuple[Chunk, dict]]) -> int:
        by_time: dict[float, list[Chunk]] = {}
        n_chunks: dict[str, int] = {}
        metas: dict[str, DocMeta] = {}
        for chunk, meta in records:
            by_time.setdefault(float(meta.get("added", 0.0)), []).append(chunk)
            n_chunks[chunk.doc_id] = int(meta.get("n_chunks", 0))
            metas[chunk.doc_id] = DocMeta.from_store(meta)
        with self.rw.write():
            for added, chunks in by_time.items():
                self.lexical.add(chunks, n_chunks, added, {c.doc_id: metas[c.doc_id] for c in chunks})
        return len(records)


@dataclass
class _Pending:
    index: int
    path: Path
    article: Article
    chunks: list[Chunk]
    old: list[str]
    """Doc ids of the earlier versions of this file, deleted once this one is stored."""


def _meta(article: Article) -> DocMeta:
    return DocMeta(article.url, article.published, article.author, article.page_starts)


def _complete(d: DocumentRow) -> bool:
    return d.expected == 0 or d.n_chunks >= d.expected


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], IngestReport]:
    """Files to ingest under `paths` (folders searched recursively), plus a
    report already holding the paths that cannot be ingested."""
    report = IngestReport()
    files: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            found = sorted(_walk(path, report))
            if not found:
                report.results.append(FileResult(str(path), "skipped", reason=f"folder holds no {KINDS} files"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problem = _bad_link(path) if path.is_symlink() else None
            report.results.append(FileResult(str(path), "skipped", reason=problem or "no such file or folder"))
    return files, report


def _walk(root: Path, report: IngestReport) -> list[Path]:
    """Article files under `root`, hidden ones left out. Symbolic links are
    followed, except broken ones and loops (a link to a folder it sits in),
    which are reported as skipped with the reason."""
    found: list[Path] = []

    def visit(folder: Path, ancestors: frozenset[Path]) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            report.results.append(FileResult(str(folder), "skipped", reason=f"cannot read folder: {exc.strerror or exc}"))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            if entry.is_symlink():
                problem = _bad_link(path)
                if problem is None and path.is_dir() and path.resolve() in ancestors:
                    problem = f"symbolic link loop: it points back to {path.resolve()}, a folder it is in"
                if problem:
                    if path.suffix.lower() in SUFFIXES or not path.suffix:
                        report.results.append(FileResult(str(path), "skipped", reason=problem))
                    continue
            if path.is_dir():
                visit(path, ancestors | {path.resolve()})
            elif path.suffix.lower() in SUFFIXES and path.is_file():
                found.append(path)

    visit(root, frozenset({root.resolve()}))
    return found


def _bad_link(path: Path) -> str | None:
    """Why the symbolic link `path` cannot be followed, or None if it can."""
    try:
        path.resolve(strict=True)
    except FileNotFoundError:
        return f"broken symbolic link: its target {os.readlink(path)} does not exist"
    except (RuntimeError, OSError):  # ELOOP (RuntimeError before Python 3.13)
        return "symbolic link loop: following it never reaches a file"
    return None
