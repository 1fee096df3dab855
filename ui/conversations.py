"""Saved chat conversations: one SQLite file under the data dir, never Chroma.

    store = ConversationStore(Path(data_dir) / "conversations.sqlite3")
    cid = store.save("browser-id", None, turns)        # a new conversation
    store.save("browser-id", cid, turns + [turn])      # replace its turns
    store.list("browser-id"); store.get("browser-id", cid)
    store.rename("browser-id", cid, "Trainium"); store.delete("browser-id", cid)

Each conversation belongs to an owner (a random id kept in the browser, or
the signed-in user name) and is only ever read or changed by that owner.
Every call opens its own connection and writes in one transaction, so two
processes (or threads) can share the file, and a process killed mid-write
leaves the last committed state behind.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from assistant import AssistantError

TITLE_CHARS = 80
BUSY_TIMEOUT = 10.0
"""Seconds a write waits for another process's write before failing."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversation (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  title TEXT NOT NULL,
  turns TEXT NOT NULL,
  created REAL NOT NULL,
  updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS conversation_owner ON conversation(owner, updated);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class ConversationError(AssistantError):
    """The conversation store cannot do what was asked."""


class ConversationNotFound(ConversationError):
    pass


@dataclass(frozen=True)
class Summary:
    id: str
    title: str
    updated: float
    n_turns: int


@dataclass
class Conversation:
    id: str
    title: str
    turns: list[dict[str, Any]] = field(default_factory=list)
    created: float = 0.0
    updated: float = 0.0


class ConversationStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConversationError(
                f"Cannot open the conversation store {self.path}: {exc}. Check that the data directory "
                "is writable, or start the server with another --data-dir.") from None

    # -- reading ----------------------------------------------------------------
    def list(self, owner: str) -> list[Summary]:
        """The owner's conversations, most recently updated first."""
        rows = self._read("SELECT id, title, updated, turns FROM conversation WHERE owner = ? "
                          "ORDER BY updated DESC, rowid DESC", (_owner(owner),))
        return [Summary(r[0], r[1], r[2], len(json.loads(r[3]))) for r in rows]

    def get(self, owner: str, cid: str) -> Conversation:
        rows = self._read("SELECT id, title, turns, created, updated FROM conversation WHERE owner = ? AND id = ?",
                          (_owner(owner), cid))
        if not rows:
            raise ConversationNotFound(f"No saved conversation {cid!r}: it was deleted, or saved in another "
                                       "browser. Pick one from the list.")
        r = rows[0]
        return Conversation(r[0], r[1], json.loads(r[2]), r[3], r[4])

    def secret(self) -> str:
        """A random key made once per store (for encrypting the browser's id)."""
        def op(conn: sqlite3.Connection) -> str:
            conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('secret', ?)", (secrets.token_hex(16),))
            return conn.execute("SELECT value FROM meta WHERE key = 'secret'").fetchone()[0]
        return self._write(op)

    # -- writing ----------------------------------------------------------------
    def save(self, owner: str, cid: str | None, turns: Sequence[dict[str, Any]], title: str | None = None) -> str:
        """Store `turns` as conversation `cid` (a new one when None); its id.
        The title is the first question unless one is given or it was renamed."""
        owner = _owner(owner)
        try:
            data = json.dumps(list(turns), ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise ConversationError(f"Cannot save the conversation: {exc}") from None
        now = time.time()
        first = next((str(t.get("question", "")) for t in turns if t.get("question")), "")
        auto = _title(first) or "New conversation"

        def op(conn: sqlite3.Connection) -> str:
            if cid:
                row = conn.execute("SELECT owner, title FROM conversation WHERE id = ?", (cid,)).fetchone()
                if row and row[0] != owner:
                    raise ConversationNotFound(f"No saved conversation {cid!r} for this browser.")
                if row:
                    conn.execute("UPDATE conversation SET turns = ?, title = ?, updated = ? WHERE id = ?",
                                 (data, _title(title) if title else row[1], now, cid))
                    return cid
            new = cid or uuid.uuid4().hex
            conn.execute("INSERT INTO conversation(id, owner, title, turns, created, updated) VALUES (?,?,?,?,?,?)",
                         (new, owner, _title(title) if title else auto, data, now, now))
            return new
        return self._write(op)

    def rename(self, owner: str, cid: str, title: str) -> None:
        title = _title(title)
        if not title:
            raise ConversationError("A conversation's name cannot be empty: type a name, then press Rename.")
        self._change(owner, cid, "UPDATE conversation SET title = ? WHERE owner = ? AND id = ?",
                     (title, _owner(owner), cid))

    def delete(self, owner: str, cid: str) -> None:
        self._change(owner, cid, "DELETE FROM conversation WHERE owner = ? AND id = ?", (_owner(owner), cid))

    # -- plumbing ---------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = %d" % int(BUSY_TIMEOUT * 1000))
        return conn

    def _read(self, sql: str, args: tuple) -> list[tuple]:
        try:
            conn = self._connect()
            try:
                return conn.execute(sql, args).fetchall()
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise ConversationError(f"Cannot read saved conversations from {self.path}: {exc}") from None

    def _write(self, op):
        try:
            conn = self._connect()
            try:
                conn.execute("BEGIN IMMEDIATE")  # one writer at a time, across processes
                try:
                    result = op(conn)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
                return result
            finally:
                conn.close()
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise ConversationError(f"The conversation store {self.path} stayed busy for {BUSY_TIMEOUT:g} s "
                                        "(another process is writing); try again.") from None
            raise ConversationError(f"Cannot save to {self.path}: {exc}") from None
        except sqlite3.Error as exc:
            raise ConversationError(f"Cannot save to {self.path}: {exc}") from None

    def _change(self, owner: str, cid: str, sql: str, args: tuple) -> None:
        def op(conn: sqlite3.Connection) -> None:
            if conn.execute(sql, args).rowcount == 0:
                raise ConversationNotFound(f"No saved conversation {cid!r} for this browser: it may have been "
                                           "deleted in another tab. Pick one from the list.")
        self._write(op)


def to_markdown(conv: Conversation) -> str:
    """The conversation as Markdown: each question, its answer, and its numbered sources."""
    out = [f"# {conv.title}", ""]
    for t in conv.turns:
        out += [f"**Question:** {t.get('question', '')}", ""]
        a = t.get("answer")
        if a:
            out += [a.get("text", ""), ""]
            cites = a.get("citations") or []
            if cites:
                out.append("Sources:")
                for c in cites:
                    meta = ", ".join(x for x in (c.get("published") or "", c.get("author") or "",
                                                  f"p. {c['page']}" if c.get("page") else "") if x)
                    head = f"[{c.get('number')}] {c.get('title', '')} ({c.get('source', '')}"
                    head += f"; {meta})" if meta else ")"
                    if c.get("url"):
                        head += f" <{c['url']}>"
                    out += [f"- {head}", f"  > {c.get('quote', '')}"]
                out.append("")
        elif t.get("stopped"):
            out += ["_Stopped before it was answered._", ""]
        elif t.get("error"):
            out += [f"_Not answered: {t['error']}_", ""]
    return "\n".join(out).rstrip() + "\n"


def _owner(owner: str) -> str:
    owner = (owner or "").strip()
    if not owner:
        raise ConversationError("Saved conversations need a browser id or a signed-in user; reload the page.")
    return owner


def _title(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"
