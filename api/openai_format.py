"""OpenAI's wire format on one side, our question, history and Answer on the other.

    question, history = to_question(request.messages)
    completion(answer, model_id)           # a `chat.completion` object
    chunk(cid, model_id, delta={...})      # one `chat.completion.chunk` of a stream
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict

from assistant import Answer, QuestionError

SOURCES_HEADING = "Sources:"
_SOURCES_TAIL = re.compile(r"\n\n" + SOURCES_HEADING + r"\n\[\d+\] .*\Z", re.DOTALL)
# Roles that carry instructions for a generic model; ours answers only from the articles.
_IGNORED_ROLES = {"system", "developer", "tool", "function"}


def _unicode(value: str) -> str:
    """JSON can carry lone surrogates ("\\ud800"), which no UTF-8 encoder accepts."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (it holds a lone surrogate such as \\ud800)") from None
    return value


Text = Annotated[str, AfterValidator(_unicode)]


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: Text | None = None


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: Text | list[ContentPart] | None = None


class ChatRequest(BaseModel):
    """The fields we use; the others (temperature, max_tokens, ...) are accepted
    and ignored: answers are always verified, at temperature 0."""

    model_config = ConfigDict(extra="allow")
    model: str | None = None
    messages: list[Message]
    stream: bool = False
    where: dict[str, Any] | None = None
    """Our extension: only these articles, e.g. {"doc_ids": [...], "since": "2024-01-01", "until": ""}."""


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: Text
    k: int | None = None
    where: dict[str, Any] | None = None


class EmbeddingRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    input: Text | list[Text]
    model: str | None = None
    encoding_format: Literal["float", "base64"] | None = None


def to_question(messages: list[Message]) -> tuple[str, list[dict[str, str]]]:
    """The last user message is the question; earlier user and assistant
    messages are the history (our own "Sources:" lists taken off)."""
    turns: list[dict[str, str]] = []
    for i, m in enumerate(messages):
        if m.role in _IGNORED_ROLES:
            continue
        if m.role not in ("user", "assistant"):
            raise QuestionError(
                f"messages[{i}].role must be 'user', 'assistant' or 'system'. Currently, it is {m.role!r:.40}."
            )
        text = _text(m.content)
        if m.role == "assistant":
            text = _SOURCES_TAIL.sub("", text)
        turns.append({"role": m.role, "content": text})
    if not turns or turns[-1]["role"] != "user":
        raise QuestionError("The last message must have role 'user': it is the question to answer.")
    return turns[-1]["content"], turns[:-1]


def _text(content: str | list[ContentPart] | None) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "\n".join(p.text for p in content if p.type == "text" and p.text)


def sources_block(answer: Answer) -> str:
    """The short source list appended to the answer text ('' for a refusal)."""
    if not answer.citations:
        return ""
    lines = [f"[{c.number}] {c.title} ({c.source})" for c in answer.citations]
    return f"\n\n{SOURCES_HEADING}\n" + "\n".join(lines)


def citations(answer: Answer) -> list[dict[str, Any]]:
    return [
        {"number": c.number, "doc_id": c.doc_id, "title": c.title, "source": c.source, "quote": c.quote,
         "start": c.start, "end": c.end, "url": c.url or None, "date": c.published or None,
         "author": c.author or None, "page": c.page}
        for c in answer.citations
    ]


def new_id() -> str:
    return "chatcmpl-" + uuid.uuid4().hex


def completion(answer: Answer, model_id: str) -> dict[str, Any]:
    return {
        "id": new_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model_id,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": answer.text + sources_block(answer)},
            "finish_reason": "stop",
            "logprobs": None,
        }],
        "citations": citations(answer),
        "refused": answer.refused,
    }


def chunk(cid: str, model_id: str, delta: dict[str, Any], finish_reason: str | None = None,
          **extra: Any) -> dict[str, Any]:
    return {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model_id,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}],
        **extra,
    }


def error_body(message: str, type_: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "code": code, "param": None}}
