"""Follow-up questions: make a question stand alone using the conversation.

"Where did he work before Apple?" after a question about Benoit Dupin is
retrieved as if it said who "he" is: the names and key terms of the most
recent earlier turn are carried into the query when the question leans on
them (a pronoun, a demonstrative, or too few terms of its own).
"""

from __future__ import annotations

import re
from typing import Sequence

from .errors import QuestionError
from .text import STOPWORDS, fold, words

_LEANS_ON_CONTEXT = re.compile(
    r"\b(he|him|his|she|her|hers|it|its|they|them|their|this|that|these|those|there|"
    r"il|elle|ils|elles|lui|leur|leurs|son|sa|ses|ce|cet|cette|ces|cela|ça|y|en)\b",
    re.IGNORECASE,
)
_CARRY_LIMIT = 8
_ANSWER_NAMES = 4


def validate_history(history: Sequence[dict] | None) -> list[dict[str, str]]:
    out = []
    for i, turn in enumerate(history or []):
        if not isinstance(turn, dict) or turn.get("role") not in ("user", "assistant") or not isinstance(turn.get("content"), str):
            raise QuestionError(
                f"history[{i}] must be a dict with role 'user' or 'assistant' and a string content. "
                f"Currently, it is {turn!r:.120}."
            )
        out.append({"role": turn["role"], "content": turn["content"]})
    return out


def needs_context(question: str, history: Sequence[dict]) -> bool:
    if not any(t["role"] == "user" for t in history):
        return False
    return bool(_LEANS_ON_CONTEXT.search(question)) or len(words(question)) <= 4


def carried_names(history: Sequence[dict]) -> list[str]:
    """Names from the most recent user turn and the answer that followed it:
    what a pronoun in the next question most likely points to."""
    last_user = max((i for i, t in enumerate(history) if t["role"] == "user"), default=None)
    if last_user is None:
        return []
    names = _names(history[last_user]["content"])
    if last_user + 1 < len(history) and history[last_user + 1]["role"] == "assistant":
        answer = re.sub(r"\[\d+\]", "", history[last_user + 1]["content"])
        names += [n for n in _names(answer) if n not in names][:_ANSWER_NAMES]
    return names[:_CARRY_LIMIT]


def _names(text: str) -> list[str]:
    return list(dict.fromkeys(
        w for w in words(text)
        if (w[0].isupper() or any(c.isdigit() for c in w)) and fold(w) not in STOPWORDS and len(w) > 1
    ))
