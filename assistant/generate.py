"""Stage 5, generate: the model writes over the numbered evidence, and its
reply is cut into whole sentences as it streams, so each can be verified
before anyone sees it."""

from __future__ import annotations

import re
from typing import Iterator, Sequence

from .llm import ChatModel
from .prompt import build_messages
from .text import is_abbreviation

# A sentence's end: its end mark, closing quotes and any trailing [n] markers.
_END = r"[.!?…][\"'”’»)]*(?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])*"
# A sentence is complete once its end is followed by the start of the next one.
_COMPLETE = re.compile(_END + r"\s+(?=[^\s\[])")
_ENDED = re.compile(_END + r"\s*$")


def prompt_for(question: str, evidence: Sequence[str], language: str, model: ChatModel, context_tokens: int,
               max_answer_tokens: int) -> tuple[list[dict[str, str]], int]:
    """The chat messages and how many evidence sentences fit the context window."""
    budget = context_tokens - max_answer_tokens - 64
    return build_messages(question, evidence, language, model.count_tokens, budget)


def sentences(model: ChatModel, messages: list[dict[str, str]], max_tokens: int,
              cut: list[str] | None = None) -> Iterator[str]:
    """The model's reply, one complete sentence (with its markers) at a time.

    A reply that stops at `max_tokens` (one piece a token) ends in the middle
    of a sentence ("... even though heavy rain and a rapid"): that last part
    states less than its source, or something else, so it is not yielded but
    put in `cut`. A reply the model ended itself may close its last sentence
    without a full stop; that sentence is yielded."""
    buffer = ""
    pieces = 0
    for piece in model.stream_chat(messages, max_tokens):
        buffer += piece
        pieces += 1
        while True:
            m = _COMPLETE.search(buffer)
            if not m or buffer[m.start()] == "." and is_abbreviation(buffer, m.start()):
                break
            yield buffer[: m.end()].strip()
            buffer = buffer[m.end():]
    if buffer.strip():
        if pieces >= max_tokens and not _ENDED.search(buffer):
            if cut is not None:
                cut.append(buffer.strip())
            return
        yield buffer.strip()
