"""Answer figures with the configured model, side by side: the dev sets
(seeds, EU AI Act, tram, hospital, airline, flood, data breach, drug recall)
and the six held-out sets (never used for tuning); then, for the topics that
have them, the follow-up conversations whose later turns the articles half
the time do not answer (conversations_more.jsonl).
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
    "seeds": (ROOT / "seeds", DATA / "dev_qa.jsonl", DATA / "dev_conversations.jsonl"),
    "seeds+": (ROOT / "seeds", DATA / "extra/seeds_extra_qa.jsonl", None),
    "AI Act": (DATA / "ai_act", DATA / "ai_act_qa.jsonl", None),
    "AI Act+": (DATA / "ai_act", DATA / "extra/ai_act_extra_qa.jsonl", None),
    "tram (dev2)": (DATA / "dev2/articles", DATA / "dev2/qa.jsonl", DATA / "dev2/conversations.jsonl"),
    "hospital (dev3)": (DATA / "dev3/articles", DATA / "dev3/qa.jsonl", DATA / "dev3/conversations.jsonl"),
    "airline (dev4)": (DATA / "dev4/articles", DATA / "dev4/qa.jsonl", DATA / "dev4/conversations.jsonl"),
    "flood (dev5)": (DATA / "dev5/articles", DATA / "dev5/qa.jsonl", DATA / "dev5/conversations.jsonl"),
    "data breach (dev6)": (DATA / "dev6/articles", DATA / "dev6/qa.jsonl", DATA / "dev6/conversations.jsonl"),
    "drug recall (dev7)": (DATA / "dev7/articles", DATA / "dev7/qa.jsonl", DATA / "dev7/conversations.jsonl"),
    "held-out": (DATA / "heldout/articles", DATA / "heldout/qa.jsonl", DATA / "heldout/conversations.jsonl"),
    "held-out 2": (ROOT / "benchmarks/heldout2/articles", ROOT / "benchmarks/heldout2/qa.jsonl",
                   ROOT / "benchmarks/heldout2/conversations.jsonl"),
    "held-out 3": (ROOT / "benchmarks/heldout3/articles", ROOT / "benchmarks/heldout3/qa.jsonl",
                   ROOT / "benchmarks/heldout3/conversations.jsonl"),
    "held-out 4": (ROOT / "benchmarks/heldout4/articles", ROOT / "benchmarks/heldout4/qa.jsonl",
                   ROOT / "benchmarks/heldout4/conversations.jsonl"),
    "held-out 5": (ROOT / "benchmarks/heldout5/articles", ROOT / "benchmarks/heldout5/qa.jsonl",
                   ROOT / "benchmarks/heldout5/conversations.jsonl"),
    "held-out 6": (ROOT / "benchmarks/heldout6/articles", ROOT / "benchmarks/heldout6/qa.jsonl",
                   ROOT / "benchmarks/heldout6/conversations.jsonl"),
}
"""The dev sets (tuned on): the seeds, the AI Act, the tram, hospital,
airline, flood, data-breach and drug-recall corpora, with extra questions ("+") for the first two. The held-out
sets were never tuned on: only their totals were read."""
FOLLOW_UPS = {name: conversations.with_name("conversations_more.jsonl")
              for name, (_, _, conversations) in CORPORA.items()
              if conversations and conversations.with_name("conversations_more.jsonl").exists()}
"""Six more conversations per topic, half of whose follow-ups the articles
do not answer ("answerable": false): how often a follow-up about the same
person or company is refused when it should be (`followup_refusals`)."""


def main() -> None:
    results, follow_ups = {}, {}
    for name, (folder, qa, conversations) in CORPORA.items():
        with tempfile.TemporaryDirectory() as tmp:
            a = Assistant(data_dir=tmp)
            a.ingest([folder])
            a.ask("warm-up: what do the articles say?")
            articles = {p.stem: p.read_text() for p in folder.glob("*.txt")}
            results[name] = run_eval(a, qa, conversations, articles).metrics()
            if name in FOLLOW_UPS:
                follow_ups[name] = run_eval(a, None, FOLLOW_UPS[name], articles).metrics()
            model = a.settings.chat_model
    print(f"chat model: {model}")
    _table(results, list(next(iter(results.values()))))
    print("\nfollow-up traps (conversations_more.jsonl):")
    _table(follow_ups, ["followup_accuracy", "followup_refusals", "quote_validity", "latency_p50", "turns"])


def _table(results: dict[str, dict], keys: list[str]) -> None:
    print(f"{'metric':<20}" + "".join(f"{n:>16}" for n in results))
    for k in keys:
        print(f"{k:<20}" + "".join(f"{str(results[n][k]):>16}" for n in results))


if __name__ == "__main__":
    main()
