"""The conversation: history checked at the edge, and the names a follow-up
question's pronoun most likely points to ("Where did he work before Apple?"
after a question about Benoit Dupin). Whether a question leans on the
conversation at all is decided in question.py.
"""

from __future__ import annotations

import re
from typing import Sequence

from .errors import QuestionError
from .figures import undated
from .policy import DEFAULT_POLICY, AnswerPolicy
from .text import STOPWORDS, WORD, fold, sentence_spans

_CARRY_LIMIT = 8
_ANSWER_NAMES = 4
_INHERIT_TURNS = 2


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
    what a pronoun in the next question most likely points to.

    - When that turn asked for a name ("Which union led the strike?", "Who
      discovered it?"), the name the answer gave is what the next "it" or
      "she" points to ("Who is its leader?"), so the answer's names come first.
    - When that turn had no name of its own ("Who is its leader?"), it was
      itself a follow-up: what it pointed to is carried on ("How many nurses
      did they demand?" after it is still about the union).
    - A refusal names the articles' headlines, not what was talked about, and
      a quote's dateline ("NAMUR, 26 April 2026 (Wire) - ") names where it
      was filed: neither is carried."""
    own, inherited, given, named = _last_turn(history, policy)
    names = given + own + inherited if named else own + inherited + given
    return list(dict.fromkeys(names))[:_CARRY_LIMIT]


def referred_names(history: Sequence[dict], policy: AnswerPolicy = DEFAULT_POLICY) -> list[str]:
    """The names a pronoun in the next question points to, without the rest
    of the last turn: the answer's names when that turn asked for a name
    ("Which union called the strike?" -> the union, not the port it struck),
    else the names the turn itself asked about."""
    own, inherited, given, named = _last_turn(history, policy)
    return list(dict.fromkeys(given if named else own + inherited))


def _last_turn(history: Sequence[dict], policy: AnswerPolicy) -> tuple[list[str], list[str], list[str], bool]:
    """(the last user turn's own names, those it inherited as a follow-up,
    the names its answer gave, whether it asked for a name and got one)."""
    from .question import parse_question

    last_user = max((i for i, t in enumerate(history) if t["role"] == "user"), default=None)
    if last_user is None:
        return [], [], [], False
    text = history[last_user]["content"]
    earlier = history[max(0, last_user - 2 * _INHERIT_TURNS):last_user]
    asked = parse_question(text, earlier, policy)
    # A word capitalized only because it opens the question ("Depuis quand
    # ...", "Selon lui, ...") is no name: the question's parse knows its names.
    named_words = {fold(w) for e in asked.entities for w in WORD.findall(e)}
    own = [n for n in _names(text, policy) if {fold(w) for w in WORD.findall(n)} & named_words]
    inherited = [n for n in asked.carried if n not in own] if not own else []
    given: list[str] = []
    if last_user + 1 < len(history) and history[last_user + 1]["role"] == "assistant":
        known = {fold(w) for n in own + inherited for w in WORD.findall(n)}
        given = [n for n in _answer_names(history[last_user + 1]["content"], policy)
                 if not {fold(w) for w in WORD.findall(n)} & known][:_ANSWER_NAMES]
    return own, inherited, given, asked.kind in ("person", "choice") and not asked.identifies and bool(given)


def _answer_names(answer: str, policy: AnswerPolicy) -> list[str]:
    """The names an answer gives, in order, without citation marks, quotes'
    datelines and the part the articles did not answer; none for a refusal."""
    from .answer import CONFLICT_NOTE, REFUSALS, UNANSWERED_PART

    if any(answer.startswith(head) for head, _ in REFUSALS.values()):
        return []
    for part in UNANSWERED_PART.values():
        cut = answer.find(part.split("{")[0])
        answer = answer[:cut] if cut >= 0 else answer
    for note in CONFLICT_NOTE.values():  # the rival quote after it opens with its own dateline
        answer = answer.replace(note, "\n")
    answer = re.sub(r"\s*\[\d+\]", "", answer)
    return _names(" ".join(undated(answer[a:b], policy) for a, b in sentence_spans(answer)), policy)


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
        if run and m and gap == "-" and w[:1].isupper():
            run[-1] += gap + w  # "Sambre-Meuse" is one name
            end = m.end()
            continue
        if run and (not m or gap.strip()):  # punctuation ends a name
            out.append(" ".join(run))
            run = []
        f = fold(w)
        if ((len(w) > 1 or w.isdigit()) and (w[0].isupper() or any(c.isdigit() for c in w))
                and f not in STOPWORDS and f not in policy.connectives and f not in policy.months
                and f not in policy.relative_dates):
            run.append(w)
            end = m.end()
        elif run:
            out.append(" ".join(run))
            run = []
    return list(dict.fromkeys(out))
