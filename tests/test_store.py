"""One behaviour suite for the vector store and the library above it, run
against embedded Chroma and against a real `chroma run` server."""

from __future__ import annotations

import itertools
import shutil

import numpy as np
import pytest

from assistant import Assistant
from assistant.check import check
from assistant.chunking import Chunk
from assistant.errors import StoreError
from assistant.settings import Settings
from assistant.store import open_store
from conftest import SEEDS
from store_support import chroma_server, free_port

_names = (f"suite{i}" for i in itertools.count())


@pytest.fixture(scope="module")
def embedder():
    from assistant import modelfiles
    from assistant.embedder import OnnxUSEEmbedder

    s = Settings.load()
    return OnnxUSEEmbedder(modelfiles.resolve(s.embed_model, "embedding", s), s.threads)


@pytest.fixture(scope="module")
def chroma_port(tmp_path_factory):
    with chroma_server(tmp_path_factory.mktemp("chroma-server") / "db") as port:
        yield port


@pytest.fixture(params=["embedded", "http"])
def settings(request, tmp_path) -> Settings:
    """Settings for a new, empty collection on one backend."""
    extra = {}
    if request.param == "http":
        extra = {"chroma_port": request.getfixturevalue("chroma_port")}
    return Settings.load(data_dir=tmp_path / "data", store=request.param, collection=next(_names),
                         refresh_seconds=0, **extra)


def _chunks(doc_id: str, n: int) -> list[Chunk]:
    return [Chunk(f"{doc_id}:{i}", doc_id, f"Title {doc_id}", f"{doc_id}.txt", "en", i, 10 * i, 10 * i + 9,
                  f"text {doc_id} {i}") for i in range(n)]


def test_store_round_trip(settings, embedder):
    store = open_store(settings)
    assert store.count() == 0 and store.query(np.ones(512, dtype=np.float32), 3) == []
    a, b = _chunks("aaaa", 3), _chunks("bbbb", 2)
    va, vb = embedder.embed([c.text for c in a]), embedder.embed(["zebra crossing", "tax law"])
    store.add(a, va, {"aaaa": {"n_chunks": 3, "added": 1.5}})
    store.add(b, vb)
    assert store.count() == 5
    assert store.ids() == {c.chunk_id for c in a + b}
    (best, sim), *_ = store.query(vb[1], 2)
    assert best == b[1] and sim == pytest.approx(1.0, abs=1e-3)
    assert store.get(["aaaa:2", "nope:0"]) == [a[2]]
    ((chunk, meta),) = store.records(["aaaa:0"])
    assert chunk == a[0]
    assert meta["n_chunks"] == 3 and meta["added"] == 1.5
    assert sorted(c.chunk_id for c, _ in store.records()) == sorted(store.ids())
    vectors = store.embeddings(["aaaa:1", "gone:0"])
    assert vectors["gone:0"] is None and vectors["aaaa:1"] @ va[1] == pytest.approx(1.0, abs=1e-3)
    assert max(store.nearest_distances(va)) < 1e-3

    store.delete_doc("aaaa")
    assert store.ids() == {"bbbb:0", "bbbb:1"}
    store.delete(["bbbb:0"])
    assert store.ids() == {"bbbb:1"}


def test_generation_changes_on_touch_and_is_seen_by_another_client(settings):
    first, second = open_store(settings), open_store(settings)
    before = second.generation()
    first.touch()
    assert second.generation() != before


def test_library_ingest_update_remove(settings, embedder, tmp_path):
    a = Assistant(settings=settings, embedder=embedder)
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    report = a.ingest([folder])
    assert len(report.added) == 5
    assert [p.source for p in a.search("Which AWS chip is Apple evaluating for pre-training?", k=5)]
    assert any("Trainium2" in p.text for p in a.search("Trainium2 pre-training", k=5))
    generation = a.library.store.generation()
    assert len(a.ingest([folder]).unchanged) == 5
    assert a.library.store.generation() == generation  # nothing changed: no reader reloads

    target = folder / "004_f4b611562b8eb4e0.txt"
    target.write_text(target.read_text() + "\n\nThe zeppelin fleet of Quentin Marmalade grew to 17 airships.\n")
    report = a.ingest([target])
    assert len(report.updated) == 1
    docs = {d.source: d for d in a.documents()}
    assert len(docs) == 5 and docs[target.name].doc_id == report.updated[0].doc_id
    assert a.search("Quentin Marmalade zeppelin", k=1)[0].doc_id == report.updated[0].doc_id
    assert a.library.store.ids() == a.library.lexical.ids()
    assert check(a.library).ok

    removed = a.remove(target.name)
    assert removed.doc_id == report.updated[0].doc_id
    assert len(a.documents()) == 4
    assert not any(cid.startswith(removed.doc_id) for cid in a.library.store.ids() | a.library.lexical.ids())


def test_another_process_sees_changes_without_restart(settings, embedder, tmp_path):
    """Two Assistants stand for two processes; with `http` each has its own
    data dir, as on two machines sharing one Chroma server."""
    writer = Assistant(settings=settings, embedder=embedder)
    reader_settings = settings.replace(data_dir=tmp_path / "reader") if settings.store == "http" else settings
    reader = Assistant(settings=reader_settings, embedder=embedder)
    assert reader.documents() == []
    writer.ingest([SEEDS / "001_86487e3ea9ab498c.txt"])
    assert [d.source for d in reader.documents()] == ["001_86487e3ea9ab498c.txt"]
    hits = reader.search("Benoit Dupin re:Invent", k=3)
    assert hits and hits[0].source == "001_86487e3ea9ab498c.txt"
    writer.remove("001_86487e3ea9ab498c.txt")
    assert reader.documents() == []


def test_check_repairs_a_catalog_that_lost_rows_and_a_vector_that_lost_its_chunk(settings, embedder):
    a = Assistant(settings=settings, embedder=embedder)
    a.ingest([SEEDS / "000_c9fa0d67a8b7c485.txt", SEEDS / "003_7cd2e3e73de4bcac.txt"])
    assert check(a.library).ok
    lost = sorted(a.library.lexical.ids())[:2]
    a.library.lexical.delete(lost)                 # as if killed between Chroma and the catalog
    a.library.store.delete(["d94b659675533210:6"])   # as if a vector were lost
    report = check(a.library)
    kinds = sorted({d.kind for d in report.differences})
    assert kinds == ["incomplete-document", "only-in-catalog", "only-in-store"]
    check(a.library, repair=True)
    after = check(a.library)
    assert after.ok, after.differences
    assert {d.source for d in a.documents()} == {"000_c9fa0d67a8b7c485.txt"}
    assert len(a.ingest([SEEDS / "003_7cd2e3e73de4bcac.txt"]).added) == 1
    assert check(a.library).ok


def test_unreachable_server_is_a_clear_store_error(tmp_path):
    settings = Settings.load(data_dir=tmp_path, store="http", chroma_port=free_port())
    with pytest.raises(StoreError, match="chroma run"):
        open_store(settings)


def test_repair_re_embeds_a_chunk_reported_missing_from_the_vector_index(settings, embedder):
    from assistant.check import CheckReport, Difference, _repair

    a = Assistant(settings=settings, embedder=embedder)
    a.ingest([SEEDS / "001_86487e3ea9ab498c.txt"])
    target = "1b6c2752ed77e8e9:1"
    before = a.library.store.embeddings([target])[target]
    report = CheckReport(differences=[Difference("not-in-vector-index", target, "as reported by check")])
    _repair(a.library, report)
    assert report.repaired == ["re-embedded 1 chunk(s)"]
    after = a.library.store.embeddings([target])[target]
    assert after @ before == pytest.approx(1.0, abs=1e-3)  # the same text, embedded again
    assert a.library.store.nearest_distances(after[None, :])[0] < 1e-3
    assert check(a.library).ok


def test_query_asks_for_more_than_stored_and_get_with_vectors(settings, embedder):
    store = open_store(settings)
    a = _chunks("cccc", 2)
    va = embedder.embed([c.text for c in a])
    store.add(a, va)
    assert [c.chunk_id for c, _ in store.query(va[0], 50)] == ["cccc:0", "cccc:1"]
    ((chunk, vector),) = store.get_with_vectors(["cccc:1", "none:0"])
    assert chunk == a[1] and vector @ va[1] == pytest.approx(1.0, abs=1e-3)
    assert store.get_with_vectors([]) == []
