"""Several real processes on one data dir: kill -9 during ingest, two
concurrent ingests, and a long-lived reader while the CLI ingests."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant.errors import StoreError
from store_support import ROOT, cli, write_articles


def _catalog_rows(data: Path, since: float = 0.0) -> int:
    """Chunks in the catalog stored after `since` (read the way another process would)."""
    try:
        with sqlite3.connect(f"file:{data / 'lexical.sqlite'}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM chunk WHERE added > ?", (since,)).fetchone()[0]
    except sqlite3.Error:
        return 0


def _ingest_process(folder: Path, data: Path, batch: int = 8, stderr=subprocess.DEVNULL) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "--data-dir", str(data), "ingest", str(folder)],
        stdout=subprocess.DEVNULL, stderr=stderr, cwd=ROOT,
        env={**os.environ, "ASSISTANT_INGEST_BATCH": str(batch)},
    )


def _kill_when(proc: subprocess.Popen, ready) -> None:
    deadline = time.monotonic() + 120
    while not ready():
        assert proc.poll() is None, "the ingest finished before the kill point"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def _assert_whole(data: Path, n_files: int) -> None:
    check = cli("check", "--json", data_dir=data)
    assert check.returncode == 0, check.stdout + check.stderr
    report = json.loads(check.stdout)
    assert report["differences"] == [] and report["documents"] == n_files
    docs = json.loads(cli("documents", "--json", data_dir=data).stdout)
    assert len(docs) == n_files == len({d["source"] for d in docs})
    assert sum(d["n_chunks"] for d in docs) == report["chunks"]  # no duplicates, none missing


def test_kill_9_during_ingest_and_update_then_rerun_completes(tmp_path):
    folder, data = tmp_path / "articles", tmp_path / "data"
    paths = write_articles(folder, 40, seed=1)
    # kill points: while loading (nothing stored yet), after the first batch, half way
    for ready in (lambda: True, lambda: _catalog_rows(data) > 0, lambda: _catalog_rows(data) > 60):
        _kill_when(_ingest_process(folder, data), ready)
        assert cli("documents", data_dir=data).returncode == 0  # the store opens
    done = cli("ingest", str(folder), data_dir=data)
    assert done.returncode == 0, done.stderr
    _assert_whole(data, len(paths))

    for p in paths:  # every file gets a new version; kill the update half way
        p.write_text(p.read_text() + "\nA late correction was published.\n", encoding="utf-8")
    t0 = time.time()
    _kill_when(_ingest_process(folder, data), lambda: _catalog_rows(data, since=t0) > 30)
    assert cli("ingest", str(folder), data_dir=data).returncode == 0
    _assert_whole(data, len(paths))
    hits = json.loads(cli("search", "late correction", "--json", "-k", "3", data_dir=data).stdout)
    assert hits and all("late correction" in h["text"] for h in hits)


def _small_index_collection(data: Path) -> None:
    """Create the collection with Chroma flushing its vector index every 10
    records, so the writers' stale in-memory indexes would meet on disk (by
    default only every 1,000, beyond what a quick test stores)."""
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(path=str(data / "chroma"), settings=Settings(anonymized_telemetry=False))
    client.create_collection("news", embedding_function=None,
                             configuration={"hnsw": {"space": "cosine", "sync_threshold": 10, "batch_size": 10}})
    client.close()


def test_two_concurrent_ingests_then_check_finds_no_difference(tmp_path):
    data = tmp_path / "data"
    _small_index_collection(data)
    write_articles(tmp_path / "a", 30, seed=2, tag="A")
    write_articles(tmp_path / "b", 30, seed=3, tag="B")
    procs = [_ingest_process(tmp_path / name, data, batch=16, stderr=subprocess.PIPE) for name in ("a", "b")]
    ends = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err.decode()[-3000:] for _, err in ends]
    _assert_whole(data, 60)


READER = """
import json, sys
from assistant import Assistant
a = Assistant(data_dir=sys.argv[1], refresh_seconds=1)
print("ready", flush=True)
for line in sys.stdin:
    print(json.dumps([p.source for p in a.search(line.strip(), k=3)] if a.documents() else []), flush=True)
"""


def test_a_long_lived_process_finds_what_the_cli_ingests(tmp_path):
    data = tmp_path / "data"
    write_articles(tmp_path / "old", 5, seed=4)
    assert cli("ingest", str(tmp_path / "old"), data_dir=data).returncode == 0
    reader = subprocess.Popen([sys.executable, "-c", READER, str(data)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert reader.stdout.readline().strip() == "ready"

        def ask(q: str) -> list[str]:
            reader.stdin.write(q + "\n")
            reader.stdin.flush()
            return json.loads(reader.stdout.readline())

        assert "article_5_0000.txt" not in ask("Town5x0 residents")
        write_articles(tmp_path / "new", 1, seed=5)
        assert cli("ingest", str(tmp_path / "new"), data_dir=data).returncode == 0
        t0 = time.monotonic()
        while (found := ask("Town5x0 residents")) and found[0] != "article_5_0000.txt":
            assert time.monotonic() - t0 < 5, found
            time.sleep(0.2)
        assert found[0] == "article_5_0000.txt"
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
    check = cli("check", data_dir=data)  # the reader wrote nothing stale back
    assert check.returncode == 0, check.stdout


def test_searches_in_threads_while_another_thread_ingests_and_removes(tmp_path):
    from assistant import Assistant

    a = Assistant(data_dir=tmp_path / "data")
    paths = write_articles(tmp_path / "articles", 12, seed=6)
    a.ingest(paths[:4])
    errors: list[BaseException] = []
    stop = threading.Event()

    def search() -> None:
        while not stop.is_set():
            try:
                a.search("residents of the harbor", k=5)
                a.library.lexical.idf
                a.documents()
            except BaseException as exc:  # noqa: BLE001 - any error is the failure
                errors.append(exc)
                return

    threads = [threading.Thread(target=search) for _ in range(6)]
    for t in threads:
        t.start()
    try:
        for round_ in range(3):
            a.ingest(paths[4:])
            for p in paths[4:]:
                a.remove(p.name)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert len(a.documents()) == 4


def test_a_second_writer_says_it_waits_then_fails_clearly(tmp_path):
    from assistant.locking import WriteLock

    data = tmp_path / "data"
    write_articles(tmp_path / "articles", 2, seed=8)
    assert cli("ingest", str(tmp_path / "articles"), data_dir=data).returncode == 0
    write_articles(tmp_path / "more", 1, seed=9)
    with WriteLock(data / "write.lock", timeout=1).hold():  # another writer holds the library
        blocked = cli("ingest", str(tmp_path / "more"), data_dir=data, env={"ASSISTANT_LOCK_TIMEOUT": "1"})
    assert blocked.returncode == 1
    assert "Another process is writing to this library" in blocked.stderr and "waiting" in blocked.stderr
    assert "error: Another process has been writing to this library" in blocked.stderr
    assert cli("ingest", str(tmp_path / "more"), data_dir=data).returncode == 0  # free again
    assert len(json.loads(cli("documents", "--json", data_dir=data).stdout)) == 3


REMOVER = """
import sys
from assistant import Assistant
a = Assistant(data_dir=sys.argv[1])
for d in a.documents():
    a.remove(d.doc_id)
"""


def test_kill_9_during_removes_leaves_a_consistent_store(tmp_path):
    data = tmp_path / "data"
    # enough articles that removing them all takes seconds, not the 0.5 s that 30
    # took on a fast machine (the kill came after the last one, once, in CI)
    paths = write_articles(tmp_path / "articles", 150, seed=10)
    assert cli("ingest", str(tmp_path / "articles"), data_dir=data).returncode == 0
    total = _catalog_rows(data)
    proc = subprocess.Popen([sys.executable, "-c", REMOVER, str(data)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _kill_when(proc, lambda: _catalog_rows(data) < total // 2)
    docs = json.loads(cli("documents", "--json", data_dir=data).stdout)
    assert 0 < len(docs) < len(paths)
    _assert_whole(data, len(docs))
    assert cli("remove", docs[0]["source"], data_dir=data).returncode == 0
    rest = subprocess.run([sys.executable, "-c", REMOVER, str(data)], cwd=ROOT)  # completes the job
    assert rest.returncode == 0
    assert json.loads(cli("documents", "--json", data_dir=data).stdout) == []


@pytest.mark.slow
def test_asks_in_threads_while_another_thread_ingests_and_removes(fresh, tmp_path):
    """The issue's race: raw KeyError / 'dictionary changed size' from the index
    while `ask` ran beside ingest and remove. Answers must stay answers."""
    paths = write_articles(tmp_path / "articles", 8, seed=11)
    errors: list[BaseException] = []
    answers = []
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            try:
                answers.append(fresh.ask("Which AWS chip is Apple evaluating for pre-training its models?"))
            except BaseException as exc:  # noqa: BLE001 - any error is the failure
                errors.append(exc)
                return

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for _ in range(2):
            fresh.ingest(paths)
            for p in paths:
                fresh.remove(p.name)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert answers and all("Trainium2" in a.text for a in answers)


def test_a_reader_that_has_not_reloaded_yet_still_searches_new_chunks(tmp_path):
    """Between another process's write and this one's reload, the shared catalog
    already lists new chunks whose vectors this process's Chroma cannot read."""
    from assistant import Assistant

    data = tmp_path / "data"
    write_articles(tmp_path / "old", 3, seed=12)
    assert cli("ingest", str(tmp_path / "old"), data_dir=data).returncode == 0
    reader = Assistant(data_dir=data, refresh_seconds=100_000)  # never reloads within the test
    assert reader.search("Town13x0 residents", k=3)
    write_articles(tmp_path / "new", 1, seed=13)
    assert cli("ingest", str(tmp_path / "new"), data_dir=data).returncode == 0
    new_ids = [cid for cid, _ in reader.library.lexical.search("Town13x0", 5)]
    with pytest.raises(StoreError):  # the window this test is about
        reader.library.store.get_with_vectors(new_ids)
    hits = reader.search("Town13x0 residents", k=3)
    (new,) = [h for h in hits if h.source == "article_13_0000.txt"]
    assert new.similarity > 0.2  # its vector was computed again from its text
