"""What the chat needs around one answer: the core's stream relayed from a
worker thread (so Stop can end it), a turn's history for the model, this
session's place in the answer queue, and an article's text for a preview."""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any, Iterator, Sequence

import gradio as gr

from assistant import Answer, Assistant, AssistantError

log = logging.getLogger(__name__)

ANSWER_QUEUE = "answers"
"""Concurrency group shared by the chat and the /ask API: one answer at a time."""


def stream_answer(a: Assistant, question: str, history: list[dict], **kwargs: Any) -> Iterator[str | Answer]:
    """a.stream() run in its own thread, its items relayed here.

    If the browser goes away or the user presses Stop, this generator is
    closed: the worker then stops at the next sentence and closes a.stream(),
    which releases the model for the next question."""
    q: queue.Queue = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        gen = a.stream(question, history, **kwargs)
        try:
            for item in gen:
                if stop.is_set():
                    break
                q.put(("item", item))
        except BaseException as exc:  # relayed to the caller
            q.put(("error", exc))
        finally:
            gen.close()
            q.put(("end", None))

    threading.Thread(target=work, name="answer", daemon=True).start()
    try:
        while True:
            kind, value = q.get()
            if kind == "item":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()


def turn_history(turn: dict) -> list[dict]:
    answer = turn.get("answer")
    if not answer:
        return []
    return [{"role": "user", "content": answer.get("question") or turn.get("question", "")},
            {"role": "assistant", "content": answer.get("text", "")}]


def place_in_line(app: gr.Blocks, session_hash: str | None) -> int | None:
    """1 for the next answer to run, 2 for the one after... None when this
    session has no answer waiting (it runs, or it has not joined yet)."""
    q = getattr(app, "_queue", None)
    waiting = q.event_queue_per_concurrency_id.get(ANSWER_QUEUE) if q and session_hash else None
    if waiting is None:
        return None
    for i, event in enumerate(list(waiting.queue), 1):
        if event.session_hash == session_hash:
            return i
    return None


def article_text(a: Assistant, doc_id: str) -> str:
    """An article's cleaned text, rebuilt from its stored chunks (they overlap)."""
    try:
        chunks = sorted(a.library.store.get(a.library.lexical.doc_chunk_ids(doc_id)), key=lambda c: c.start)
    except (AssistantError, AttributeError) as exc:
        log.warning("preview of %s: %s", doc_id, exc)
        return ""
    text, end = "", 0
    for c in chunks:
        if c.start >= end:
            text += ("\n" if text else "") + c.text
        elif c.end > end:
            text += c.text[end - c.start:]
        end = max(end, c.end)
    return text


def kinds(suffixes: Sequence[str]) -> str:
    names = [s for s in suffixes if s not in (".markdown", ".htm")]
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)
