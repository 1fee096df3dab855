"""The catalog: every stored chunk's metadata and terms, with BM25 search,
in SQLite (FTS5) beside the Chroma collection.

Embedded Chroma has no sparse index, so exact-word matching (names, numbers,
chip models like "Trainium2") lives here. SQLite gives what a JSON file did
not:

- writes are incremental transactions (an ingest adds its chunks, it never
  rewrites the whole index), so ingest does not grow quadratically;
- every read is one statement, so a search sees a consistent snapshot while
  another thread or process ingests (WAL mode: readers never block writers);
- several processes on one data dir share one index, and a reader never
  writes, so no process can put back a stale copy;
- a `kill -9` loses at most the last uncommitted batch, which `sync` fetches
  again from the vector store (the source of truth) on the next write.

Article metadata (link, date, author, PDF page offsets) is kept with the
chunks in the vector store, like the title, and mirrored here in one
`document` row per article, for listing, citations and `where` filters. A
catalog made before that table existed simply gains it (empty: those
articles' stored chunks carry no metadata either); nothing is rewritten.
"""

from __future__ import annotations

import json
import math
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from .chunking import Chunk
from .errors import StoreError
from .text import stem, terms, words

_SCHEMA = """
CREATE TABLE IF NOT EXISTS chunk (
    rowid INTEGER PRIMARY KEY,
    cid TEXT UNIQUE NOT NULL,
    doc_id TEXT NOT NULL,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    language TEXT NOT NULL,
    position INTEGER NOT NULL,
    n_chunks INTEGER NOT NULL,
    added REAL NOT NULL,
    terms TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunk_doc ON chunk(doc_id);
CREATE INDEX IF NOT EXISTS chunk_source ON chunk(source);
CREATE VIRTUAL TABLE IF NOT EXISTS lex USING fts5(terms, content='chunk', content_rowid='rowid');
CREATE VIRTUAL TABLE IF NOT EXISTS lex_vocab USING fts5vocab(lex, 'row');
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('generation', 0);
CREATE TABLE IF NOT EXISTS document (
    doc_id TEXT PRIMARY KEY,
    url TEXT NOT NULL DEFAULT '',
    published TEXT NOT NULL DEFAULT '',
    author TEXT NOT NULL DEFAULT '',
    page_starts TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS document_published ON document(published);
"""


@dataclass(frozen=True)
class DocMeta:
    """An article's metadata ("" / () when unknown)."""

    url: str = ""
    published: str = ""
    author: str = ""
    page_starts: tuple[int, ...] = ()

    def to_store(self) -> dict[str, str]:
        """As scalar metadata for the vector store."""
        return {"url": self.url, "published": self.published, "author": self.author,
                "page_starts": ",".join(map(str, self.page_starts))}

    @classmethod
    def from_store(cls, meta: Mapping) -> DocMeta:
        """From vector-store metadata; chunks stored before metadata existed have none."""
        return cls(str(meta.get("url") or ""), str(meta.get("published") or ""), str(meta.get("author") or ""),
                   _pages(str(meta.get("page_starts") or "")))


def _pages(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in text.replace("[", "").replace("]", "").split(",") if x.strip())
    except ValueError:
        return ()


@dataclass(frozen=True)
class DocumentRow:
    doc_id: str
    title: str
    source: str
    language: str
    n_chunks: int
    """Chunks present."""
    expected: int
    """Chunks the document was stored with (0: unknown)."""
    added: float
    url: str = ""
    published: str = ""
    author: str = ""


class LexicalIndex:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._idf_cache: tuple[int, dict[str, float]] = (-1, {})
        self._idf_lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = self._conn()
            with conn:
                conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(
                f"Cannot open the lexical index {path}: {exc}. Check that the data directory is writable; "
                "if the file is damaged, delete it and it is rebuilt from the article store."
            ) from exc

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # One connection per thread: sqlite3 connections must not be shared.
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=60000")
            self._local.conn = conn
        return conn

    # -- reading ------------------------------------------------------------
    def generation(self) -> int:
        """Bumped by every write, from any process."""
        return self._conn().execute("SELECT value FROM meta WHERE key='generation'").fetchone()[0]

    def count(self) -> int:
        return self._conn().execute("SELECT count(*) FROM chunk").fetchone()[0]

    def ids(self) -> set[str]:
        return {r[0] for r in self._conn().execute("SELECT cid FROM chunk")}

    def documents(self) -> list[DocumentRow]:
        rows = self._conn().execute(
            "SELECT c.*, coalesce(d.url, ''), coalesce(d.published, ''), coalesce(d.author, '') FROM ("
            "SELECT doc_id, min(title), min(source), min(language), count(*), max(n_chunks), max(added) "
            "FROM chunk GROUP BY doc_id) AS c LEFT JOIN document AS d ON d.doc_id = c.doc_id "
            "ORDER BY 3, 7"
        ).fetchall()
        return [DocumentRow(*r) for r in rows]

    def doc_meta(self, doc_ids: Iterable[str]) -> dict[str, DocMeta]:
        """Metadata of these articles (those without any are left out)."""
        ids = list(dict.fromkeys(doc_ids))
        if not ids:
            return {}
        rows = self._conn().execute(
            "SELECT doc_id, url, published, author, page_starts FROM document "
            "WHERE doc_id IN (SELECT value FROM json_each(?))", (json.dumps(ids),)).fetchall()
        return {r[0]: DocMeta(r[1], r[2], r[3], _pages(r[4])) for r in rows}

    def matching_docs(self, doc_ids: Sequence[str] = (), since: str = "", until: str = "") -> list[str]:
        """Ids of the present articles among `doc_ids` (all when empty) published
        from `since` to `until` (ISO dates, inclusive; an article with no known
        date never matches a date bound)."""
        only = "doc_id IN (SELECT value FROM json_each(?))"
        if not (since or until):  # the chunk index answers this alone
            if not doc_ids:
                return sorted(r[0] for r in self._conn().execute("SELECT DISTINCT doc_id FROM chunk"))
            rows = self._conn().execute(f"SELECT DISTINCT doc_id FROM chunk WHERE {only}", (json.dumps(list(doc_ids)),))
            return sorted(r[0] for r in rows)
        # Dates live in the document table: start there, not from every chunk.
        cond = ["published != ''", "EXISTS (SELECT 1 FROM chunk WHERE chunk.doc_id = document.doc_id)"]
        args: list[str] = []
        if since:
            cond.append("published >= ?")
            args.append(since)
        if until:
            cond.append("published <= ?")
            args.append(until)
        if doc_ids:
            cond.append(only)
            args.append(json.dumps(list(doc_ids)))
        sql = "SELECT doc_id FROM document WHERE " + " AND ".join(cond)
        return sorted(r[0] for r in self._conn().execute(sql, args))

    def doc_chunk_ids(self, doc_id: str) -> list[str]:
        return [r[0] for r in self._conn().execute("SELECT cid FROM chunk WHERE doc_id=?", (doc_id,))]

    def doc_terms(self, doc_id: str) -> set[str]:
        """Every term of one document."""
        cur = self._conn().execute("SELECT terms FROM chunk WHERE doc_id=?", (doc_id,))
        return {t for (ts,) in cur for t in ts.split()}

    @property
    def idf(self) -> dict[str, float]:
        """Inverse document frequency of every indexed term (cached until the next write)."""
        gen = self.generation()
        with self._idf_lock:
            if self._idf_cache[0] != gen:
                conn = self._conn()
                conn.execute("BEGIN")  # one snapshot for the count and the vocabulary
                try:
                    n = conn.execute("SELECT count(*) FROM chunk").fetchone()[0]
                    idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in conn.execute("SELECT term, doc FROM lex_vocab")}
                finally:
                    conn.execute("COMMIT")
                self._idf_cache = (gen, idf)
            return self._idf_cache[1]

    def search(self, query: str, k: int, doc_ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """Chunk ids with BM25 scores, best first; chunks sharing no term are left
        out, and so are chunks of articles not in `doc_ids` when it is given."""
        q = list(dict.fromkeys(terms(query)))
        if not q or k < 1 or doc_ids is not None and not doc_ids:
            return []
        match = " OR ".join(_match_phrases(query, q))
        only = "" if doc_ids is None else " AND chunk.doc_id IN (SELECT value FROM json_each(?))"
        args: tuple = (match, k) if doc_ids is None else (match, json.dumps(list(doc_ids)), k)
        rows = self._conn().execute(
            "SELECT chunk.cid, -bm25(lex) AS s FROM lex JOIN chunk ON chunk.rowid = lex.rowid "
            f"WHERE lex MATCH ?{only} ORDER BY bm25(lex) LIMIT ?",
            args,
        ).fetchall()
        return [(cid, float(s)) for cid, s in rows]

    # -- writing (callers hold the library's write lock) --------------------
    def add(self, chunks: Sequence[Chunk], n_chunks: Mapping[str, int] | None = None, added: float = 0.0,
            docs: Mapping[str, DocMeta] | None = None) -> None:
        """Index `chunks` in one transaction (chunks already present are replaced),
        with their articles' metadata `docs`."""
        if not chunks:
            return
        n_chunks = n_chunks or {}
        conn = self._conn()
        with _transaction(conn):
            self._delete_ids(conn, [c.chunk_id for c in chunks])
            for doc_id, m in (docs or {}).items():
                conn.execute("INSERT OR REPLACE INTO document VALUES (?,?,?,?,?)",
                             (doc_id, m.url, m.published, m.author, ",".join(map(str, m.page_starts))))
            for c in chunks:
                text = " ".join(terms(f"{c.title}\n{c.text}"))
                cur = conn.execute(
                    "INSERT INTO chunk (cid, doc_id, title, source, language, position, n_chunks, added, terms) "
                    "VALUES (?,?,?,?,?,?,?,?,?)",
                    (c.chunk_id, c.doc_id, c.title, c.source, c.language, c.position,
                     n_chunks.get(c.doc_id, 0), added, text),
                )
                conn.execute("INSERT INTO lex (rowid, terms) VALUES (?, ?)", (cur.lastrowid, text))
            _bump(conn)

    def delete(self, chunk_ids: Iterable[str]) -> None:
        conn = self._conn()
        with _transaction(conn):
            self._delete_ids(conn, list(chunk_ids))
            _bump(conn)

    @staticmethod
    def _delete_ids(conn: sqlite3.Connection, ids: list[str]) -> None:
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            marks = ",".join("?" * len(part))
            rows = conn.execute(f"SELECT rowid, terms, doc_id FROM chunk WHERE cid IN ({marks})", part).fetchall()
            for rowid, text, _ in rows:
                conn.execute("INSERT INTO lex (lex, rowid, terms) VALUES ('delete', ?, ?)", (rowid, text))
            conn.execute(f"DELETE FROM chunk WHERE cid IN ({marks})", part)
            for doc_id in {r[2] for r in rows}:  # an article's metadata goes with its last chunk
                conn.execute("DELETE FROM document WHERE doc_id = ? AND NOT EXISTS "
                             "(SELECT 1 FROM chunk WHERE chunk.doc_id = ?)", (doc_id, doc_id))

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


class _transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on error (autocommit connections)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind, exc, tb) -> None:
        self.conn.execute("COMMIT" if kind is None else "ROLLBACK")


def _bump(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE meta SET value = value + 1 WHERE key='generation'")


INFLECTION_LETTERS = 3
"""Letters a query word may lose to match its inflections in the index
("joining" finds "joined", "evaluating" "evaluation"); a prefix keeps at least
four letters. Names are matched exactly: "Apple" is not "application"."""


def _match_phrases(query: str, q: list[str]) -> list[str]:
    """FTS5 phrases for the query terms `q`: each exactly, and a common word
    also by its prefix, so an inflected form matches too. A chunk that holds
    the exact word matches both and ranks above one that holds another form;
    a short prefix that matches many chunks weighs little in BM25."""
    named = {stem(w) for i, w in enumerate(words(query)) if i and w[:1].isupper()}
    out = [f'"{t}"' for t in q]
    for t in q:
        if t not in named and t.isalpha() and len(t) >= 4:
            out.append(f'"{t[:max(4, len(t) - INFLECTION_LETTERS)]}" *')
    return out
