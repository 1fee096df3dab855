"""Answer figures with the configured model, side by side: the seed dev set,
the EU AI Act dev corpus, and the held-out set (never used for tuning).
Prints; asserts nothing.

    .venv/bin/python benchmarks/bench_answers.py
    ASSISTANT_CHAT_MODEL=qwen2.5-coder-0.5b-instruct .venv/bin/python benchmarks/bench_answers.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.evaluation import run_eval  # noqa: E402

DATA = ROOT / "tests/data"
CORPORA = {  # name: (articles, questions, conversations)
    "seeds (dev)": (ROOT / "seeds", DATA / "dev_qa.jsonl", DATA / "dev_conversations.jsonl"),
    "AI Act (dev)": (DATA / "ai_act", DATA / "ai_act_qa.jsonl", None),
    "held-out": (DATA / "heldout/articles", DATA / "heldout/qa.jsonl", DATA / "heldout/conversations.jsonl"),
}


def main() -> None:
    results = {}
    for name, (folder, qa, conversations) in CORPORA.items():
        with tempfile.TemporaryDirectory() as tmp:
            a = Assistant(data_dir=tmp)
            a.ingest([folder])
            a.ask("warm-up: what do the articles say?")
            articles = {p.stem: p.read_text() for p in folder.glob("*.txt")}
            results[name] = run_eval(a, qa, conversations, articles).metrics()
            model = a.settings.chat_model
    print(f"chat model: {model}")
    keys = list(next(iter(results.values())))
    print(f"{'metric':<20}" + "".join(f"{n:>16}" for n in results))
    for k in keys:
        print(f"{k:<20}" + "".join(f"{str(results[n][k]):>16}" for n in results))


if __name__ == "__main__":
    main()
