"""In-memory state: what was already answered, per-thread history, and
per-thread answer queues (a thread's questions are answered in order)."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Hashable, Iterable

log = logging.getLogger("slackbot")


class Deduper:
    """Remembers keys for `ttl` seconds; `first_time` is atomic check-and-set."""

    def __init__(self, ttl: float, max_keys: int = 100_000) -> None:
        self.ttl = ttl
        self.max_keys = max_keys
        self._seen: OrderedDict[Hashable, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, keys: Iterable[Hashable]) -> bool:
        """True (and remember them all) unless one of `keys` was seen within ttl."""
        keys = [k for k in keys if k is not None]
        now = time.monotonic()
        with self._lock:
            while self._seen and (next(iter(self._seen.values())) < now - self.ttl or len(self._seen) > self.max_keys):
                self._seen.popitem(last=False)
            if any(k in self._seen for k in keys):
                return False
            for k in keys:
                self._seen[k] = now
            return True


class Conversations:
    """One Slack thread = one conversation: the last `max_turns` turns of each
    of the `max_threads` most recently used threads."""

    def __init__(self, max_turns: int, max_threads: int) -> None:
        self.max_turns = max_turns
        self.max_threads = max_threads
        self._threads: OrderedDict[Hashable, list[dict[str, str]]] = OrderedDict()
        self._lock = threading.Lock()

    def history(self, key: Hashable) -> list[dict[str, str]]:
        with self._lock:
            turns = self._threads.get(key)
            if turns is None:
                return []
            self._threads.move_to_end(key)
            return [dict(t) for t in turns]

    def add(self, key: Hashable, question: str, answer: str) -> None:
        with self._lock:
            turns = self._threads.pop(key, [])
            turns += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
            self._threads[key] = turns[-self.max_turns:]
            while len(self._threads) > self.max_threads:
                self._threads.popitem(last=False)

    def __len__(self) -> int:
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
