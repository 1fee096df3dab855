"""Evidence selection: the sentences of the retrieved passages that bear on the
question, scored, and the decision whether they answer it at all.

An evidence unit is a verbatim span of the cleaned article: one sentence, or a
sentence with the one before it when it opens with a pronoun ("He", "This
collaboration", "Il"), so that a quote carries its own referent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .embedder import Embedder
from .retrieval import Passage
from .text import QUESTION_WORDS, fold, numbers, sentence_spans, term_in, terms, words

_ANAPHOR = re.compile(
    r"^(he|she|it|they|this|that|these|those|his|her|its|their|such|il|elle|ils|elles|ce|cet|cette|ces|cela|son|sa|ses|leur)\b",
    re.IGNORECASE,
)
# "Prior to joining Apple in 2014, he held ...": a personal pronoun early in the sentence.
_EARLY_PRONOUN = re.compile(r"^(?:\W*\w+\W+){0,8}?(he|she|they|il|elle|ils|elles)\b", re.IGNORECASE)
# Questions that can only be answered with a number.
_NEEDS_NUMBER = re.compile(
    r"\b(how (many|much|long|old|often)|what (percentage|percent|share|number|amount|price)|combien|quel(le)? (pourcentage|prix|montant|nombre)|what year|in which year|en quelle année|"
    r"price|cost|salary|revenue|profit|prix|salaire|co[uû]t)\b",
    re.IGNORECASE,
)
# Finer answer types: a percentage, a sum of money, or a count of something named.
_ASKS_PERCENT = re.compile(r"\b(what|which) (percentage|percent|share)\b|\bquel pourcentage\b", re.IGNORECASE)
_HAS_PERCENT = re.compile(r"\d\s?%|\bpercent\b|\bpour ?cent\b", re.IGNORECASE)
_ASKS_MONEY = re.compile(
    r"\b(how much (did|does|do|will|would|is|are|was|were)\b.*\b(pay|paid|cost|spend|spent|worth|charge|earn|invest)|"
    r"price|cost|salary|revenue|profit|combien (co[uû]t|pa[iy]|gagn|vaut|d[ée]pens)|prix|salaire|co[uû]t)",
    re.IGNORECASE,
)
_HAS_MONEY = re.compile(
    r"[$€£¥]\s?\d|\d\s?(\$|€|£|dollars?|euros?|usd|eur|million|billion|trillion|milliards?|millions?)\b",
    re.IGNORECASE,
)
_ASKS_COUNT = re.compile(r"\bhow many\s+([^\W\d_][\w-]*(?:\s+[^\W\d_][\w-]*)?)|\bcombien d(?:e |')\s*([^\W\d_][\w-]*)", re.IGNORECASE)
_NEEDS_DATE = re.compile(r"^\s*(when|quand)\b", re.IGNORECASE)
_DATE_WORDS = re.compile(
    r"\b(\d{4}|january|february|march|april|may|june|july|august|september|october|november|december|"
    r"janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|this (year|fall|spring|summer|winter|week|month)|"
    r"last (year|week|month)|earlier this year|ago|recently)\b",
    re.IGNORECASE,
)

# How the score mixes meaning and wording; the thresholds decide answerability.
DENSE_WEIGHT = 0.6
MIN_SCORE = 0.35
SAME_LANGUAGE_BONUS = 0.08


@dataclass(frozen=True)
class Evidence:
    doc_id: str
    title: str
    source: str
    text: str
    """Verbatim from the cleaned article."""
    start: int
    end: int
    passage: Passage
    dense: float
    coverage: float
    score: float
    """Relevance to the question, from meaning and wording; decides answerability."""
    fits_type: bool
    same_language: bool


def question_terms(question: str) -> list[str]:
    return [t for t in dict.fromkeys(terms(question)) if fold(t) not in QUESTION_WORDS]


def select_evidence(
    question: str,
    passages: list[Passage],
    embedder: Embedder,
    idf: Callable[[str], float],
    question_vector: np.ndarray | None = None,
    context_terms: list[str] | None = None,
    language: str = "",
    preceding: Callable[[Passage], tuple[int, str] | None] | None = None,
) -> list[Evidence]:
    """Score every sentence of `passages` against `question`, best first.

    `context_terms` are terms carried from earlier turns of a conversation; a
    sentence may match them as well as the question's own terms. Sentences in
    the question's `language` get a small bonus. `preceding(passage)` gives the
    sentence before a passage (its start and text), for a passage that opens
    with a pronoun.
    """
    units = _units(passages, preceding)
    if not units:
        return []
    qvec = embedder.embed([question])[0] if question_vector is None else question_vector
    vectors = embedder.embed([text for _, _, text, _ in units])
    q_terms = question_terms(question)
    carried = [t for t in (context_terms or []) if t not in q_terms]
    weights = {t: idf(t) for t in q_terms + carried}
    number_wanted = needs_number(question)
    needs_date = bool(_NEEDS_DATE.search(question))
    out = []
    for (start, end, text, passage), vec in zip(units, vectors):
        pool = set(terms(text)) | set(terms(passage.title))
        coverage = _coverage(q_terms, carried, pool, weights)
        dense = float(vec @ qvec)
        fits = (not number_wanted or _fits_number(question, text)) and (not needs_date or bool(_DATE_WORDS.search(text)))
        score = DENSE_WEIGHT * dense + (1 - DENSE_WEIGHT) * coverage
        out.append(Evidence(passage.doc_id, passage.title, passage.source, text, start, end, passage,
                            round(dense, 4), round(coverage, 4), round(score, 4), fits,
                            bool(language) and passage.language == language))
    # A quote in the reader's language wins when it answers about as well.
    out.sort(key=lambda e: (-e.fits_type, -(e.score + SAME_LANGUAGE_BONUS * e.same_language)))
    return out


def _fits_number(question: str, text: str) -> bool:
    """Whether `text` holds the kind of number `question` asks for."""
    if not numbers(text):
        return False
    if _ASKS_PERCENT.search(question):
        return bool(_HAS_PERCENT.search(text))
    if _ASKS_MONEY.search(question):
        return bool(_HAS_MONEY.search(text))
    count = _ASKS_COUNT.search(question)
    if count:
        # "How many employees": some number must count employees, within three words.
        wanted = [t for t in terms(count.group(1) or count.group(2) or "")]
        for m in re.finditer(r"(?<!\w)\d[\d,.]*(?!\w)", text):
            after = set(terms(" ".join(words(text[m.end():])[:3])))
            if all(term_in(t, after) for t in wanted[-1:]):
                return True
        return False
    return True


def needs_number(question: str) -> bool:
    return bool(_NEEDS_NUMBER.search(question))


def answerable(best: Evidence | None) -> bool:
    """Whether an evidence unit plausibly answers the question."""
    return best is not None and best.fits_type and best.score >= MIN_SCORE


def _coverage(q_terms: list[str], carried: list[str], pool: set[str], weights: dict[str, float]) -> float:
    """Share of the question's term weight found in `pool`; carried terms
    count only as a bonus, so they never dilute the question's own terms."""
    if not q_terms:
        return 0.0
    total = sum(weights[t] for t in q_terms)
    found = sum(weights[t] for t in q_terms if term_in(t, pool))
    if not found:
        return 0.0  # words carried from earlier turns cannot answer a question on their own
    bonus = sum(weights[t] for t in carried if term_in(t, pool))
    return min(1.0, (found + 0.5 * bonus) / total)


def _units(
    passages: list[Passage], preceding: Callable[[Passage], tuple[int, str] | None] | None
) -> list[tuple[int, int, str, Passage]]:
    """(start, end, text, passage) per evidence unit, in article coordinates, de-duplicated."""
    seen: set[tuple[str, int, int]] = set()
    units = []
    for p in passages:
        spans = sentence_spans(p.text)
        for i, (a, b) in enumerate(spans):
            start, text = p.start + a, p.text[a:b]
            leans = _ANAPHOR.match(text) or _EARLY_PRONOUN.match(text)
            if leans and i > 0 and "\n\n" not in p.text[spans[i - 1][1]:a]:
                start, text = p.start + spans[i - 1][0], p.text[spans[i - 1][0]:b]
            elif leans and i == 0 and preceding:
                before = preceding(p)  # the referent sits at the end of the previous chunk
                if before and before[0] + len(before[1]) <= p.start:
                    gap = p.start - before[0] - len(before[1])
                    if gap <= 2:
                        start, text = before[0], before[1] + (" " if gap else "") * gap + p.text[a:b]
            key = (p.doc_id, start, p.start + b)
            if key in seen or len(words(text)) < 4:
                continue
            seen.add(key)
            units.append((start, p.start + b, text, p))
    return units


def idf_from(index_idf: dict[str, float]) -> Callable[[str], float]:
    """An idf lookup where unseen terms weigh like the rarest seen ones."""
    top = max(index_idf.values(), default=1.0)

    def idf(term: str) -> float:
        return index_idf.get(term, top) if not term.isdigit() else top

    return idf
