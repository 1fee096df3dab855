"""The article library: ingesting files, listing and removing documents.

A file is known by its name (`source`). Its document id is a hash of its
cleaned content, so re-ingesting an unchanged file changes nothing, and a
changed file replaces the chunks of its earlier version.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .chunking import chunk_article
from .embedder import Embedder
from .errors import AssistantError, IngestError
from .lexical import LexicalIndex
from .loading import SUFFIXES, read_article
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
        self.lexical = LexicalIndex(settings.data_dir / "lexical.json")
        self.lexical.sync(store.chunks())
        self._write_lock = threading.Lock()

    def documents(self) -> list[Document]:
        docs: dict[str, dict] = {}
        for c in self.store.chunks():
            d = docs.setdefault(c.doc_id, {"title": c.title, "source": c.source, "language": c.language, "n": 0})
            d["n"] += 1
        return sorted(
            (Document(doc_id, d["title"], d["source"], d["language"], d["n"]) for doc_id, d in docs.items()),
            key=lambda d: d.source,
        )

    def ingest(self, paths: Iterable[str | Path], progress: Progress | None = None) -> IngestReport:
        files, report = expand_paths(paths)
        with self._write_lock:
            by_source = {d.source: d for d in self.documents()}
            by_id = {d.doc_id: d for d in by_source.values()}
            for i, path in enumerate(files):
                if progress:
                    progress(i, len(files), path.name)
                result = self._ingest_one(path, by_source, by_id)
                report.results.append(result)
                if result.status in ("added", "updated"):
                    doc = Document(result.doc_id, result.title, path.name, "", result.n_chunks)
                    by_source[path.name] = by_id[result.doc_id] = doc
            if progress:
                progress(len(files), len(files), "")
        return report

    def _ingest_one(self, path: Path, by_source: dict[str, Document], by_id: dict[str, Document]) -> FileResult:
        try:
            article = read_article(path, self.settings.max_file_bytes)
        except IngestError as exc:
            return FileResult(str(path), "skipped", reason=str(exc))
        old = by_source.get(article.source)
        if old and old.doc_id == article.doc_id:
            return FileResult(str(path), "unchanged", article.doc_id, article.title, n_chunks=old.n_chunks)
        if article.doc_id in by_id:
            return FileResult(str(path), "skipped", article.doc_id, article.title,
                              reason=f"same content as {by_id[article.doc_id].source}, already in the library")
        chunks = chunk_article(article, self.settings.chunk_tokens, self.settings.chunk_overlap)
        try:
            vectors = self.embedder.embed([f"{c.title}\n{c.text}" for c in chunks])
            if old:
                self._delete(old.doc_id)
            self.store.add(chunks, vectors)
            self.lexical.add(chunks)
        except AssistantError:
            raise
        except Exception as exc:  # a store failure must name the file and not lose the others
            return FileResult(str(path), "skipped", article.doc_id, article.title, reason=f"could not store it: {exc}")
        return FileResult(str(path), "updated" if old else "added", article.doc_id, article.title, n_chunks=len(chunks))

    def remove(self, doc_id: str) -> Document:
        with self._write_lock:
            docs = {d.doc_id: d for d in self.documents()}
            if doc_id not in docs:
                matches = [d for d in docs.values() if d.source == doc_id]
                if not matches:
                    raise IngestError(f"No document with id or file name {doc_id!r}. `assistant documents` lists them.")
                doc_id = matches[0].doc_id
            self._delete(doc_id)
            return docs[doc_id]

    def _delete(self, doc_id: str) -> None:
        ids = [cid for cid in self.lexical.ids() if cid.split(":", 1)[0] == doc_id]
        self.store.delete_doc(doc_id)
        self.lexical.delete(ids)


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], IngestReport]:
    """Files to ingest under `paths` (folders searched recursively), plus a
    report already holding the paths that cannot be ingested."""
    report = IngestReport()
    files: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUFFIXES and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                report.results.append(FileResult(str(path), "skipped", reason="folder holds no .txt, .md or .html files"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            report.results.append(FileResult(str(path), "skipped", reason="no such file or folder"))
    return files, report
