"""`assistant eval`: score the assistant on a question set in the schema of
shared/eval (dev_qa.jsonl, dev_conversations.jsonl)."""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .answer import Answer
from .errors import ConfigError


@dataclass
class EvalReport:
    rows: list[dict[str, Any]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    def metrics(self) -> dict[str, float | int | None]:
        qa = [r for r in self.rows if r["kind"] == "qa"]
        ans = [r for r in qa if r["answerable"]]
        unans = [r for r in qa if not r["answerable"]]
        turns = [r for r in self.rows if r["kind"] == "turn"]
        trap_turns = [r for r in turns if not r["answerable"]]
        cited = [c for r in self.rows if r["answerable"] and r.get("gold") for c in r["cited"]]
        gold_hits = [c for r in self.rows if r["answerable"] and r.get("gold") for c in r["cited"] if c in r["gold"]]
        quotes = [q for r in self.rows for q in r["quotes_ok"]]
        lat = sorted(self.latencies)
        return {
            "answer_accuracy": _share(ans, "correct"),
            "refusal_accuracy": _share(unans, "refused"),
            "false_refusals": _share(ans, "refused"),
            "citation_precision": round(len(gold_hits) / len(cited), 3) if cited else None,
            "quote_validity": round(sum(quotes) / len(quotes), 3) if quotes else None,
            "followup_accuracy": _share(turns, "correct"),
            "followup_refusals": _share(trap_turns, "refused"),
            "latency_p50": round(statistics.median(lat), 2) if lat else None,
            "latency_p95": round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 2) if lat else None,
            "questions": len(qa),
            "turns": len(turns),
        }


def _share(rows: list[dict], key: str) -> float | None:
    return round(sum(bool(r[key]) for r in rows) / len(rows), 3) if rows else None


def load_jsonl(path: str | Path) -> list[dict]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise ConfigError(f"Question set {path} does not exist.") from None
    try:
        return [json.loads(line) for line in lines if line.strip()]
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not JSON lines: {exc}. Each line must be one JSON object.") from exc


def matches(text: str, must_include: list[list[str]]) -> bool:
    low = text.casefold()
    return all(any(alt.casefold() in low for alt in group) for group in must_include)


def _fold_ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def run_eval(
    assistant,
    qa_path: str | Path | None,
    conversations_path: str | Path | None = None,
    articles: dict[str, str] | None = None,
    on_row: Callable[[dict], None] | None = None,
) -> EvalReport:
    """Ask every question; `articles` maps a source's file stem to its text, so
    quotes can be checked against the articles as the user has them."""
    report = EvalReport()
    articles = articles or {}

    def score(kind: str, item: dict, answer: Answer) -> dict:
        answerable = item.get("answerable", True)
        cited = [Path(c.source).stem for c in answer.citations]
        quotes_ok = []
        for c in answer.citations:
            body = articles.get(Path(c.source).stem)
            quotes_ok.append(_fold_ws(c.quote) in _fold_ws(body) if body is not None else True)
        correct = (not answer.refused and matches(answer.text, item.get("must_include", []))) if answerable else answer.refused
        row = {
            "kind": kind, "id": item.get("id", ""), "question": item["question"], "answerable": answerable,
            "refused": answer.refused, "correct": correct, "cited": cited, "gold": item.get("gold_sources", []),
            "quotes_ok": quotes_ok, "text": answer.text, "mode": answer.mode, "seconds": answer.timings.get("total", 0.0),
        }
        report.rows.append(row)
        report.latencies.append(row["seconds"])
        if on_row:
            on_row(row)
        return row

    if qa_path:
        for item in load_jsonl(qa_path):
            score("qa", item, assistant.ask(item["question"]))
    if conversations_path:
        for conv in load_jsonl(conversations_path):
            history: list[dict[str, str]] = []
            for i, turn in enumerate(conv["turns"]):
                answer = assistant.ask(turn["question"], history=history)
                score("turn", {**turn, "id": f"{conv.get('id', '')}#{i + 1}"}, answer)
                history += [{"role": "user", "content": turn["question"]}, {"role": "assistant", "content": answer.text}]
    return report
