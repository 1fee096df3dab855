"""The conversation: history checked at the edge, and the names a follow-up
question's pronoun most likely points to ("Where did he work before Apple?"
after a question about Benoit Dupin). Whether a question leans on the
conversation at all is decided in question.py.
"""

from __future__ import annotations

import re
from typing import Sequence

from .errors import QuestionError
from .policy import DEFAULT_POLICY, AnswerPolicy
from .text import STOPWORDS, WORD, fold

_CARRY_LIMIT = 8
_ANSWER_NAMES = 4


def validate_history(
    history: Sequence[dict] | None, max_turns: int = 100, max_chars: int = 100_000
) -> list[dict[str, str]]:
    """The conversation so far as a clean list of {"role", "content"} turns, or
    QuestionError saying what is wrong with it: not a list (a number, a string,
    a single dict), a malformed turn, more than `max_turns` turns or more than
    `max_chars` characters in all."""
    if history is None:
        return []
    if isinstance(history, (str, bytes, dict)) or not isinstance(history, (list, tuple)):
        hint = " (a single turn must still be in a list)" if isinstance(history, dict) else ""
        raise QuestionError(
            "history must be a list of turns like [{\"role\": \"user\", \"content\": \"...\"}, "
            f"{{\"role\": \"assistant\", \"content\": \"...\"}}]{hint}. "
            f"Currently, it is {history!r:.80} ({type(history).__name__})."
        )
    if len(history) > max_turns:
        raise QuestionError(
            f"history has {len(history):,} turns; the limit is {max_turns:,}. "
            "Send only the most recent turns, or start a new conversation."
        )
    out = []
    total = 0
    for i, turn in enumerate(history):
        if not isinstance(turn, dict) or turn.get("role") not in ("user", "assistant") or not isinstance(turn.get("content"), str):
            raise QuestionError(
                f"history[{i}] must be a dict with role 'user' or 'assistant' and a string content. "
                f"Currently, it is {turn!r:.120}."
            )
        total += len(turn["content"])
        if total > max_chars:
            raise QuestionError(
                f"history holds over {max_chars:,} characters; that is the limit. "
                "Send only the most recent turns, or start a new conversation."
            )
        out.append({"role": turn["role"], "content": turn["content"]})
    return out


def carried_names(history: Sequence[dict], policy: AnswerPolicy = DEFAULT_POLICY) -> list[str]:
    """Names from the most recent user turn and the answer that followed it:
    what a pronoun in the next question most likely points to."""
    last_user = max((i for i, t in enumerate(history) if t["role"] == "user"), default=None)
    if last_user is None:
        return []
    names = _names(history[last_user]["content"], policy)
    if last_user + 1 < len(history) and history[last_user + 1]["role"] == "assistant":
        answer = re.sub(r"\[\d+\]", "", history[last_user + 1]["content"])
        names += [n for n in _names(answer, policy) if n not in names][:_ANSWER_NAMES]
    return names[:_CARRY_LIMIT]


def _names(text: str, policy: AnswerPolicy) -> list[str]:
    """Runs of capitalized words, each one name ("Benoit Dupin"), so that a
    long answer's first names do not crowd out the person it is about.
    Figures stay: "it" is often the fact just stated, and its figure finds that
    passage again. Days and months are not what a pronoun points to."""
    out: list[str] = []
    run: list[str] = []
    end = 0
    for m in [*WORD.finditer(text), None]:
        w = m.group() if m else ""
        gap = text[end:m.start()] if m else ""
        if run and m and run[-1][-1:].isdigit() and w.isdigit() and len(w) == 3 and gap in (",", ".", "\u202f", "\xa0", " "):
            run[-1] += gap + w  # "14,500" is one figure
            end = m.end()
            continue
        if run and (not m or gap.strip()):  # punctuation ends a name
            out.append(" ".join(run))
            run = []
        f = fold(w)
        if (len(w) > 1 and (w[0].isupper() or any(c.isdigit() for c in w))
                and f not in STOPWORDS and f not in policy.months and f not in policy.relative_dates):
            run.append(w)
            end = m.end()
        elif run:
            out.append(" ".join(run))
            run = []
    return list(dict.fromkeys(out))
