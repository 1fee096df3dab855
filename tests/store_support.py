"""Real servers for the scale-out tests: a `chroma run` process on a free
loopback port, stopped after use, and small helpers for real subprocesses."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def chroma_server(path: Path) -> Iterator[int]:
    """`chroma run --path PATH` on 127.0.0.1; yields its port."""
    port = free_port()
    log = open(path.parent / f"chroma-{port}.log", "wb")
    proc = subprocess.Popen(
        [str(BIN / "chroma"), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc)
        yield port
    finally:
        stop(proc)
        log.close()


def cli(*args: str, data_dir: Path, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    """Run the real `assistant` command."""
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=ROOT, **kw,
    )


_WORDS = ("harbor council budget river festival orchard railway museum glacier vineyard satellite "
          "quarry lighthouse bakery ferry tunnel meadow archive foundry canal observatory mill "
          "clinic stadium bridge market forest library theatre airport").split()


def write_articles(folder: Path, n: int, seed: int = 0, tag: str = "") -> list[Path]:
    """`n` distinct small articles, each naming its own made-up town."""
    import random

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        town = f"{tag}Town{seed}x{i}"
        sentences = [
            f"The {rng.choice(_WORDS)} of {town} opened in {1900 + rng.randrange(120)}."
            for _ in range(rng.randrange(8, 20))
        ] + [f"{town} has {rng.randrange(2, 900)} residents who like the {rng.choice(_WORDS)}."]
        path = folder / f"{tag}article_{seed}_{i:04d}.txt"
        path.write_text(f"News from {town}\n\n" + " ".join(sentences) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
