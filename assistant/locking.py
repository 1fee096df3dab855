"""Locks for several writers and readers of one data directory.

- `WriteLock`: one writer at a time, across threads (an RLock) and across
  processes (`filelock` on `data_dir/write.lock`; the OS drops it when the
  holder dies, even by `kill -9`, so there are no stale locks).
- `ReadWriteLock`: within one process, searches share the library while a
  writer applies a batch alone, so a search sees a batch entirely or not at all.
"""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

from .errors import StoreError


class WriteLock:
    def __init__(self, path: Path, timeout: float) -> None:
        from filelock import FileLock

        self.path = path
        self.timeout = timeout
        self._thread_lock = threading.RLock()
        self._file_lock = FileLock(str(path), thread_local=False)

    @contextlib.contextmanager
    def hold(self, notify: Callable[[str], None] | None = None, wait: bool = True) -> Iterator[bool]:
        """Hold the lock; tell `notify` when another writer makes us wait.

        With `wait=False`, yields False at once instead of waiting."""
        from filelock import Timeout

        if not self._thread_lock.acquire(blocking=wait):
            yield False
            return
        try:
            try:
                self._file_lock.acquire(timeout=0)
            except Timeout:
                if not wait:
                    yield False
                    return
                if notify:
                    notify(f"Another process is writing to this library ({self.path}); waiting for it to finish...")
                t0 = time.monotonic()
                try:
                    self._file_lock.acquire(timeout=self.timeout)
                except Timeout:
                    raise StoreError(
                        f"Another process has been writing to this library for over {time.monotonic() - t0:.0f} s "
                        f"(lock {self.path}). Wait for that ingest or remove to finish, then retry; "
                        "raise lock_timeout (ASSISTANT_LOCK_TIMEOUT) to wait longer."
                    ) from None
            try:
                yield True
            finally:
                self._file_lock.release()
        finally:
            self._thread_lock.release()


class ReadWriteLock:
    """Many readers or one writer; a waiting writer is not starved by new readers."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()
