"""What runs beside the routes: the bounded answer queue, the background
loader that makes /readyz true, and the thread that relays a streamed answer."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Callable

from assistant import Assistant

from .errors import ApiError

log = logging.getLogger("api")


class AnswerQueue:
    """At most `limit` requests answering or waiting; beyond that, 429 at once
    rather than an ever longer wait (the model answers one question at a time)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._n = 0
        self._lock = threading.Lock()

    @property
    def in_use(self) -> int:
        return self._n

    def try_acquire(self) -> bool:
        with self._lock:
            if self._n >= self.limit:
                return False
            self._n += 1
            return True

    def release(self) -> None:
        with self._lock:
            self._n -= 1

    def acquire_or_429(self) -> None:
        if not self.try_acquire():
            raise ApiError(429, f"The server is busy: {self.limit} requests are already answering or waiting. "
                                "Retry in a few seconds.", "rate_limit_error", "queue_full", {"Retry-After": "5"})


class Loader:
    """Builds the Assistant in the background; `get()` is it, or 503."""

    def __init__(self, factory: Callable[[], Assistant], on_failure: Callable[[Exception], None] | None = None) -> None:
        self.factory = factory
        self.on_failure = on_failure
        self.assistant: Assistant | None = None
        self.error: Exception | None = None
        self.started = time.monotonic()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._load, name="api-loader", daemon=True)
            self._thread.start()

    def _load(self) -> None:
        try:
            assistant = self.factory()
            assistant.model  # the chat model loads lazily; ready means ready to answer
            assistant.documents()  # the store answers
            self.assistant = assistant
            log.info("Ready after %.1f s", time.monotonic() - self.started)
        except Exception as exc:
            self.error = exc
            log.error("Could not load the assistant: %s", exc)
            if self.on_failure:
                self.on_failure(exc)

    @property
    def state(self) -> str:
        return "ready" if self.assistant else "failed" if self.error else "loading"

    def get(self) -> Assistant:
        if self.assistant is not None:
            return self.assistant
        if self.error is not None:
            raise ApiError(503, f"The assistant could not start: {self.error}", "server_error", "load_failed")
        raise ApiError(503, "The assistant is still loading its models. Retry in a few seconds.", "server_error",
                       "loading", {"Retry-After": "2"})


def relay(a: Assistant, question: str, history: list[dict], queue: AnswerQueue,
          where: dict | None = None) -> "asyncio.Queue[tuple]":
    """Run a.stream() to completion in its own thread and relay its items.

    The worker finishes even if the client goes away, so the model's lock is
    always released; the queue slot is freed when it ends."""
    loop = asyncio.get_running_loop()
    items: asyncio.Queue[tuple] = asyncio.Queue()

    def put(item: tuple) -> None:
        loop.call_soon_threadsafe(items.put_nowait, item)

    def work() -> None:
        try:
            for item in a.stream(question, history, where=where):
                put(("item", item))
        except Exception as exc:
            put(("error", exc))
        finally:
            queue.release()
            put(("end", None))

    threading.Thread(target=work, name="api-answer", daemon=True).start()
    return items
