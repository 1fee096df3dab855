"""The verifier: every generated sentence is checked against the evidence it cites.

A sentence is supported by a cited text when
- every number in it appears in the text,
- every name (a capitalized word that is not a common word) appears in it,
- every quoted phrase appears in it verbatim,
- it does not negate what the text affirms, or the reverse,
- and most of its content words (all but two at most) are found in it.
Sentences that fail are dropped; a sentence that cites the wrong passage but
is supported by another one is re-cited to the passage that supports it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from .text import STOPWORDS, fold, numbers, sentence_spans, term_in, terms, words

MIN_CONTENT_SUPPORT = 0.75
MAX_UNSUPPORTED = 2
_MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_QUOTED = re.compile(r"[\"“«]\s*([^\"”»]{3,}?)\s*[\"”»]")
# Talk about the evidence rather than about the news: "The evidence shows that ..."
_META = re.compile(
    r"(?im)^\s*(the )?(evidence|answer|sources?)( \[\d+\])? (is|are|shows?|says?|states?|indicates?|suggests?)( that)?\s*:?\s*"
    r"|^\s*according to the evidence,?\s*"
)
_NEGATION = re.compile(r"\b(not|never|no|none|neither|nor|n't|cannot|ne|pas|jamais|aucun|aucune|sans)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    sentence: str
    """The sentence without its citation markers."""
    cited: tuple[int, ...]
    """Evidence numbers the model cited (1-based)."""
    supported_by: tuple[int, ...]
    """Evidence numbers that support it; empty when it fails."""
    reasons: tuple[str, ...] = field(default=())
    """Why each cited passage failed, when it did."""

    @property
    def supported(self) -> bool:
        return bool(self.supported_by)


def split_claims(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """Sentences of a generated answer, each with the evidence numbers it cites.

    Markers may trail a sentence ("... in 2014 [1]." or "... 2014. [1]") or,
    when the answer opens with one, lead it ("[1] ... [2] ...").
    """
    text = _META.sub("", text.strip())
    if not _MARKER.match(text):
        # Trailing style: a marker right after a sentence's end belongs to it.
        text = re.sub(r"([.!?])\s*((?:\[\d+(?:\s*[,;]\s*\d+)*\]\s*)+)", r" \2\1 ", text)
    claims = []
    for a, b in sentence_spans(text):
        raw = text[a:b]
        cited = tuple(dict.fromkeys(int(n) for m in _MARKER.finditer(raw) for n in re.split(r"[,;]", m.group(1))))
        sentence = _META.sub("", _MARKER.sub("", raw).strip()).strip()
        sentence = re.sub(r"\s+([.!?,;:])", r"\1", sentence)
        if re.search(r"\w", sentence):
            claims.append((sentence, cited))
    return claims


def check(sentence: str, source: str, given: frozenset[str] = frozenset()) -> str | None:
    """None if `source` supports `sentence`, else the reason it does not.

    `given` holds the terms of the question: a sentence may repeat the
    question's own words ("The AWS chip is Trainium2"), but numbers, quotes and
    at least one new term must come from the source.
    """
    if len(words(sentence)) < 3:
        return "it is a fragment, not a sentence"
    missing_numbers = numbers(sentence) - numbers(source)
    if missing_numbers:
        return f"number {sorted(missing_numbers)[0]} is not in the source"
    folded_source = fold(source)
    for phrase in _QUOTED.findall(sentence):
        if fold(phrase) not in folded_source:
            return f"quoted phrase “{phrase}” is not in the source"
    source_terms = set(terms(source))
    allowed = source_terms | given
    for name in _names(sentence):
        if not term_in(name, allowed):
            return f"name {name!r} is not in the source"
    if bool(_NEGATION.search(sentence)) != bool(_NEGATION.search(source)):
        return "it negates what the source says, or the reverse"
    content = terms(sentence)
    if not content:
        return "it says nothing checkable"
    found = sum(1 for t in content if term_in(t, allowed))
    if found / len(content) < MIN_CONTENT_SUPPORT or len(content) - found > MAX_UNSUPPORTED:
        unsupported = [t for t in content if not term_in(t, allowed)]
        return f"words not in the source: {', '.join(unsupported[:4])}"
    if not any(term_in(t, source_terms) and not term_in(t, given) for t in content):
        return "it only repeats the question"
    return None


def verify(text: str, evidence: Sequence[str], question: str = "") -> list[Verdict]:
    """Check each sentence of `text` against the evidence texts it cites
    (numbered from 1). An uncited sentence, or one whose citations fail, is
    checked against every evidence text and kept only where one supports it."""
    given = frozenset(terms(question))
    verdicts = []
    for sentence, cited in split_claims(text):
        valid = tuple(n for n in cited if 1 <= n <= len(evidence))
        reasons = []
        supported = []
        for n in valid:
            reason = check(sentence, evidence[n - 1], given)
            if reason is None:
                supported.append(n)
            else:
                reasons.append(f"[{n}]: {reason}")
        reasons.extend(f"[{n}]: no such source" for n in cited if n not in valid)
        if not supported:
            supported = [n for n in range(1, len(evidence) + 1) if n not in valid and check(sentence, evidence[n - 1], given) is None][:1]
        verdicts.append(Verdict(sentence, cited, tuple(supported), tuple(reasons)))
    return verdicts


def _names(sentence: str) -> list[str]:
    """Stems of capitalized words other than common words. The first word counts
    too: a sentence opening with an invented name must not slip through."""
    out = []
    for w in words(sentence):
        if not w[0].isupper() or fold(w) in STOPWORDS:
            continue
        out.extend(terms(w))
    return out
