"""The bot's state: what was already answered, per-thread history, and
per-thread answer queues (a thread's questions are answered in order).

Dedupe and history live in memory by default. Given a `path`, they live in a
SQLite file instead, so a restarted bot still knows what it answered (Slack's
retry of an event from before the restart is answered once) and its threads'
history, and several bot processes can share them:

    Deduper(15 * 60, path=data_dir / "slack.sqlite")
    Conversations(8, 1000, path=data_dir / "slack.sqlite")

Without a `path`, the environment variable SLACK_STATE_PATH names the file
(like the other SLACK_* settings); unset, the state is in memory.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Hashable, Iterable

log = logging.getLogger("slackbot")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS seen_at ON seen(at);
CREATE TABLE IF NOT EXISTS turn (n INTEGER PRIMARY KEY AUTOINCREMENT, thread TEXT NOT NULL, role TEXT NOT NULL,
                                 content TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS turn_thread ON turn(thread, n);
CREATE TABLE IF NOT EXISTS thread (key TEXT PRIMARY KEY, used REAL NOT NULL);
CREATE INDEX IF NOT EXISTS thread_used ON thread(used);
"""


class _Db:
    """One SQLite file shared by threads (a connection each) and processes (WAL)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.conn().executescript(_SCHEMA)

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
        return conn

    def transaction(self) -> "_Transaction":
        return _Transaction(self.conn())


class _Transaction:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")  # check-and-set must not interleave across processes
        return self.conn

    def __exit__(self, kind, exc, tb) -> None:
        self.conn.execute("COMMIT" if kind is None else "ROLLBACK")


def _path(path: str | Path | None) -> str | Path | None:
    return path or os.environ.get("SLACK_STATE_PATH") or None


def _key(key: Hashable) -> str:
    return json.dumps(key, default=str)


class Deduper:
    """Remembers keys for `ttl` seconds; `first_time` is atomic check-and-set
    (across processes too, when kept in the SQLite file at `path`)."""

    def __init__(self, ttl: float, max_keys: int = 100_000, path: str | Path | None = None) -> None:
        self.ttl = ttl
        self.max_keys = max_keys
        self._seen: OrderedDict[Hashable, float] = OrderedDict()
        self._lock = threading.Lock()
        path = _path(path)
        self._db = _Db(path) if path else None

    def first_time(self, keys: Iterable[Hashable]) -> bool:
        """True (and remember them all) unless one of `keys` was seen within ttl."""
        keys = [k for k in keys if k is not None]
        if self._db is not None:
            return self._first_time_db([_key(k) for k in keys])
        now = time.monotonic()
        with self._lock:
            while self._seen and (next(iter(self._seen.values())) < now - self.ttl or len(self._seen) > self.max_keys):
                self._seen.popitem(last=False)
            if any(k in self._seen for k in keys):
                return False
            for k in keys:
                self._seen[k] = now
            return True

    def _first_time_db(self, keys: list[str]) -> bool:
        now = time.time()  # wall clock: the record outlives this process
        with self._db.transaction() as conn:
            conn.execute("DELETE FROM seen WHERE at < ?", (now - self.ttl,))
            marks = ",".join("?" * len(keys))
            if keys and conn.execute(f"SELECT 1 FROM seen WHERE key IN ({marks}) LIMIT 1", keys).fetchone():
                return False
            conn.executemany("INSERT OR REPLACE INTO seen VALUES (?, ?)", [(k, now) for k in keys])
            conn.execute("DELETE FROM seen WHERE key IN (SELECT key FROM seen ORDER BY at DESC LIMIT -1 OFFSET ?)",
                         (self.max_keys,))
            return True


class Conversations:
    """One Slack thread = one conversation: the last `max_turns` turns of each
    of the `max_threads` most recently used threads."""

    def __init__(self, max_turns: int, max_threads: int, path: str | Path | None = None) -> None:
        self.max_turns = max_turns
        self.max_threads = max_threads
        self._threads: OrderedDict[Hashable, list[dict[str, str]]] = OrderedDict()
        self._lock = threading.Lock()
        path = _path(path)
        self._db = _Db(path) if path else None

    def history(self, key: Hashable) -> list[dict[str, str]]:
        if self._db is not None:
            k = _key(key)
            with self._db.transaction() as conn:
                # `used` is a counter, not a clock: least recently used is exact
                touched = conn.execute("UPDATE thread SET used = (SELECT max(used) + 1 FROM thread) WHERE key = ?", (k,))
                if not touched.rowcount:
                    return []
                rows = conn.execute("SELECT role, content FROM turn WHERE thread = ? ORDER BY n DESC LIMIT ?",
                                    (k, self.max_turns)).fetchall()
            return [{"role": r, "content": c} for r, c in reversed(rows)]
        with self._lock:
            turns = self._threads.get(key)
            if turns is None:
                return []
            self._threads.move_to_end(key)
            return [dict(t) for t in turns]

    def add(self, key: Hashable, question: str, answer: str) -> None:
        if self._db is not None:
            k = _key(key)
            with self._db.transaction() as conn:
                conn.executemany("INSERT INTO turn (thread, role, content) VALUES (?, ?, ?)",
                                 [(k, "user", question), (k, "assistant", answer)])
                conn.execute("DELETE FROM turn WHERE thread = ? AND n NOT IN "
                             "(SELECT n FROM turn WHERE thread = ? ORDER BY n DESC LIMIT ?)", (k, k, self.max_turns))
                conn.execute("INSERT OR REPLACE INTO thread VALUES (?, (SELECT coalesce(max(used), 0) + 1 FROM thread))", (k,))
                for (old,) in conn.execute("SELECT key FROM thread ORDER BY used DESC LIMIT -1 OFFSET ?",
                                           (self.max_threads,)).fetchall():
                    conn.execute("DELETE FROM thread WHERE key = ?", (old,))
                    conn.execute("DELETE FROM turn WHERE thread = ?", (old,))
            return
        with self._lock:
            turns = self._threads.pop(key, [])
            turns += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
            self._threads[key] = turns[-self.max_turns:]
            while len(self._threads) > self.max_threads:
                self._threads.popitem(last=False)

    def __len__(self) -> int:
        if self._db is not None:
            return self._db.conn().execute("SELECT count(*) FROM thread").fetchone()[0]
        return len(self._threads)


class ThreadQueues:
    """Runs jobs on a small pool; jobs with the same key run one at a time, in
    submission order (a follow-up waits for the answer it follows up on)."""

    def __init__(self, workers: int, max_pending: int) -> None:
        self.max_pending = max_pending
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slackbot-answer")
        self._queues: dict[Hashable, deque[Callable[[], None]]] = {}
        self._pending = 0
        self._lock = threading.Lock()

    @property
    def pending(self) -> int:
        return self._pending

    def submit(self, key: Hashable, job: Callable[[], None]) -> bool:
        """Queue `job`; False (not queued) when max_pending jobs are waiting."""
        with self._lock:
            if self._pending >= self.max_pending:
                return False
            self._pending += 1
            queue = self._queues.get(key)
            start = queue is None
            if start:
                queue = self._queues[key] = deque()
            queue.append(job)
        if start:
            self._pool.submit(self._drain, key)
        return True

    def _drain(self, key: Hashable) -> None:
        while True:
            with self._lock:
                queue = self._queues[key]
                if not queue:
                    del self._queues[key]
                    return
                job = queue.popleft()
            try:
                job()
            except Exception:  # jobs handle their own errors; this is the last resort
                log.exception("Slack answer job failed")
            finally:
                with self._lock:
                    self._pending -= 1

    def shutdown(self, wait: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=True)
