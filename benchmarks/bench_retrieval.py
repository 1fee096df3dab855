"""Ingestion and retrieval figures: ingestion time and chunks per second,
search latency p50/p95, hit@5 and MRR on the dev questions. Prints; asserts nothing.

    .venv/bin/python benchmarks/bench_retrieval.py
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        a = Assistant(data_dir=tmp)
        t_open = time.perf_counter() - t0
        t1 = time.perf_counter()
        report = a.ingest([ROOT / "seeds"])
        t_ingest = time.perf_counter() - t1
        chunks = sum(d.n_chunks for d in a.documents())
        print(f"open (embedder + Chroma): {t_open:.2f} s")
        print(f"ingest: {report.summary()}; {chunks} chunks in {t_ingest:.2f} s = {chunks / t_ingest:.1f} chunks/s")
        qa = [json.loads(l) for l in (ROOT / "tests/data/dev_qa.jsonl").read_text().splitlines() if l.strip()]
        answerable = [q for q in qa if q["answerable"]]
        latencies, hits, rr = [], 0, []
        for _ in range(5):
            for q in qa:
                t = time.perf_counter()
                a.search(q["question"], k=5)
                latencies.append(time.perf_counter() - t)
        for q in answerable:
            sources = [Path(p.source).stem for p in a.search(q["question"], k=5)]
            ranks = [i for i, s in enumerate(sources, 1) if s in q["gold_sources"]]
            hits += bool(ranks)
            rr.append(1 / ranks[0] if ranks else 0.0)
        lat = sorted(latencies)
        print(f"search latency: p50 {statistics.median(lat) * 1000:.0f} ms, p95 {lat[int(0.95 * len(lat))] * 1000:.0f} ms ({len(lat)} searches)")
        print(f"retrieval on {len(answerable)} answerable dev questions: hit@5 {hits / len(answerable):.2f}, MRR {statistics.mean(rr):.2f}")


if __name__ == "__main__":
    main()
