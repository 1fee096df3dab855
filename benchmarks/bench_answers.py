"""Answer figures on the dev set with the configured model: the eval metrics
and answer latency p50/p95. Prints; asserts nothing.

    .venv/bin/python benchmarks/bench_answers.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.evaluation import run_eval  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        a = Assistant(data_dir=tmp)
        a.ingest([ROOT / "seeds"])
        a.ask("warm-up: who is Benoit Dupin?")
        articles = {p.stem: p.read_text() for p in (ROOT / "seeds").glob("*.txt")}
        data = ROOT / "tests/data"
        report = run_eval(a, data / "dev_qa.jsonl", data / "dev_conversations.jsonl", articles)
        for k, v in report.metrics().items():
            print(f"{k:<20} {v}")


if __name__ == "__main__":
    main()
