"""Stage 6, the verifier: every generated sentence is checked against the
evidence sentence it cites, and nothing else (not the question, not the rest
of the passage).

A sentence is supported by a cited sentence when
- every figure in it is in the source with the same scale and unit
  ("208 milliards" is never "$208 million"),
- every name in it is in the source, and no more often than there,
- the words that bind each figure or name to its claim sit next to the same
  figure or name in the source ("revenue $5 billion" needs "revenue" beside
  "$5 billion", not "market value"),
- every quoted phrase is in the source verbatim,
- whoever it says spoke ("the company said") is reported speaking there,
- it does not negate what the source affirms, or the reverse,
- and nearly all of its content words are in the source.
Words copied from the question get no free pass. Sentences that fail are
dropped; a sentence that cites the wrong evidence but is supported by another
is re-cited to the evidence that supports it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Sequence

from .figures import Quantity, names, quantities, tokens
from .policy import DEFAULT_POLICY, AnswerPolicy
from .text import STOPWORDS, fold, folded_words, sentence_spans, stem, term_in, terms, words

_MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_QUOTED = re.compile(r"[\"“«]\s*([^\"”»]{3,}?)\s*[\"”»]")
# Talk about the evidence rather than about the news: "The evidence shows that ..."
_META = re.compile(
    r"(?im)^\s*(the )?(evidence|answer|sources?)( \[\d+\])? (is|are|shows?|says?|states?|indicates?|suggests?)( that)?\s*:?\s*"
    r"|^\s*according to the evidence,?\s*"
)
_QUOTE_MARK = re.compile(r"[\"“”«»]")
_LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
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
    """Why each cited evidence failed, when it did."""

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
        sentence = _LIST_MARK.sub("", sentence)
        sentence = re.sub(r"\s+([.!?,;:])", r"\1", sentence)
        if re.search(r"\w", sentence):
            claims.append((sentence, cited))
    return claims


def check(sentence: str, source: str, policy: AnswerPolicy = DEFAULT_POLICY) -> str | None:
    """None if `source` supports `sentence`, else the reason it does not."""
    ws = words(sentence)
    if len(ws) < 3 or len(ws) <= policy.fragment_max_words and not _states(ws, policy):
        return "it is a fragment, not a sentence"
    if sentence.rstrip().endswith(":"):  # "has made four demands:" announces what it does not say
        return "it announces a list it does not give"
    mine, theirs = quantities(sentence, policy), quantities(source, policy)
    for q in mine:
        if not _matching(q, theirs):
            same_value = [t for t in theirs if t.value == q.value]
            if same_value:
                return f"figure {_show(q)} is {_show(same_value[0])} in the source"
            return f"number {q.value} is not in the source"
    folded_source = fold(source)
    for phrase in _QUOTED.findall(sentence):
        if fold(phrase) not in folded_source:
            return f"quoted phrase “{phrase}” is not in the source"
    speaker = _unreported_speaker(sentence, source, policy)
    if speaker:
        return f"the source does not report {speaker!r} as saying it"
    source_terms = set(terms(source))
    # A name is matched exactly, never by a shared prefix: "Trainium" is not
    # "training", "Austria" is not "Australia".
    source_words = source_terms | {w for t in tokens(source) for w in (t.folded, stem(t.text))}
    mine_names = names(sentence, policy)
    for name in mine_names:
        if not all(t in source_words for t in terms(name)):
            return f"name {name!r} is not in the source"
    # A name said more often than its source says it has been given a second
    # role: "Il sera remplacé par Aurélie Fontaine" does not make her the one
    # replaced ("Aurélie Fontaine sera remplacée par Aurélie Fontaine").
    source_stems = [stem(t.folded) for t in tokens(source)]
    for name in set(mine_names):
        said = source_stems.count(stem(name))
        if mine_names.count(name) > said:
            return f"it names {name!r} {mine_names.count(name)} times, the source {said}"
    if bool(_NEGATION.search(sentence)) != bool(_NEGATION.search(source)):
        return "it negates what the source says, or the reverse"
    content = terms(sentence)
    if not content:
        return "it says nothing checkable"
    unsupported = [t for t in content if not term_in(t, source_terms)]
    if (len(content) - len(unsupported)) / len(content) < policy.min_content_support or len(unsupported) > policy.max_unsupported:
        return f"words not in the source: {', '.join(unsupported[:4])}"
    return _binding(sentence, source, policy)


def _unreported_speaker(sentence: str, source: str, policy: AnswerPolicy) -> str | None:
    """The speaker of a `speech_verbs` verb in `sentence` ("the family *said*")
    whom the source does not report as speaking: the speaker's word must sit
    within `source_binding_window` words of a reporting word in the source
    ("the company said", "according to Carrasco"), or, in a source whose only
    sign of speech is a quotation mark, be in it at all. The speaker is the
    nearest content word before the verb. A pronoun cannot be resolved here:
    one for a person ("she said") needs a person by a reporting word of the
    source (see `_person_by`); any other is left to the other checks."""
    mine = [fold(w) for w in words(sentence)]
    speech = folded_words(policy.speech_verbs)
    if not speech.intersection(mine):
        return None  # most sentences report no speech: leave the source unread
    source_words = words(source)
    theirs = [stem(w) for w in source_words]
    reporting = folded_words(policy.reporting_words)
    marks = [j for j, w in enumerate(source_words) if fold(w) in reporting]
    for i, w in enumerate(mine):
        if w not in speech:
            continue
        if i and mine[i - 1] in policy.anaphors:  # "she said", "it said": no word of the source to find
            if mine[i - 1] in policy.person_pronouns and marks and not any(
                    _person_by(source_words, k, policy) for k in marks):
                return mine[i - 1]
            continue
        speaker = next((x for x in reversed(mine[:i]) if x not in STOPWORDS and len(x) > 1), None)
        if speaker is None:
            continue
        at = [j for j, x in enumerate(theirs) if x == stem(speaker)]
        if marks:
            if not any(abs(j - k) <= policy.source_binding_window for j in at for k in marks):
                return speaker
        elif not (at and _QUOTE_MARK.search(source)):
            return speaker
    return None


def _person_by(ws: list[str], k: int, policy: AnswerPolicy) -> bool:
    """Whether a person stands by the source's `k`th word (a reporting word):
    a name written inside the sentence, a title, or a pronoun for one person,
    within two words ("Carrasco *told*", "*said* a spokeswoman", "*selon*
    elle"), not "the company *said*"."""
    near = [(j, ws[j]) for j in range(max(0, k - 2), min(len(ws), k + 3)) if j != k]
    return any(fold(w) in policy.person_pronouns or fold(w) in policy.role_nouns
               or j and w[:1].isupper() and fold(w) not in policy.months and fold(w) not in policy.relative_dates
               for j, w in near)


def _states(ws: list[str], policy: AnswerPolicy) -> bool:
    """Whether a short sentence has a verb (see AnswerPolicy.finite_verbs)."""
    for i, w in enumerate(ws):
        f = fold(w)
        if f in policy.finite_verbs:
            return True
        if not w[:1].islower() or len(f) < 4:
            continue
        if f.endswith(("ed", "ent", "ait")) or f.endswith("s") and not f.endswith(("ss", "us", "is")) and i < len(ws) - 1:
            return True
    return False


def _matching(q: Quantity, theirs: list[Quantity]) -> bool:
    """The same figure: same value and scale; the same unit when the sentence gives one."""
    return any(t.value == q.value and t.scale == q.scale and (not q.unit or t.unit == q.unit) for t in theirs)


def _show(q: Quantity) -> str:
    scale = {"e3": " thousand", "e6": " million", "e9": " billion", "e12": " trillion"}.get(q.scale, "")
    return f"{q.value}{scale}{(' ' + q.unit) if q.unit else ''}"


def _binding(sentence: str, source: str, policy: AnswerPolicy) -> str | None:
    """Each figure and name must keep, in the source, its nearest word on each
    side and at least half of the words that stand next to it in the
    sentence: those words say what it is and what it did."""
    s_toks, u_toks = tokens(sentence), tokens(source)
    s_terms = [terms(t.text) for t in s_toks]
    u_terms = [terms(t.text) for t in u_toks]
    name_set = set(names(sentence, policy))
    s_quants, u_quants = quantities(sentence, policy), quantities(source, policy)
    # (index in sentence, label, indexes in source, reach)
    anchors: list[tuple[int, str, list[int], int]] = []
    for q in s_quants:
        where = [t.index for t in u_quants if t.value == q.value and t.scale == q.scale]
        anchors.append((q.index, _show(q), where, policy.source_binding_window))
    for i, t in enumerate(s_toks):
        if t.folded in name_set:
            where = [j for j, u in enumerate(u_toks) if u.folded == t.folded or (s_terms[i] and u_terms[j] and term_in(s_terms[i][0], set(u_terms[j])))]
            anchors.append((i, t.text, where, policy.name_binding_window))
    anchor_positions = {i for i, *_ in anchors}
    plain = {fold(w) for w in policy.scale_words} | set(policy.currency_words) | set(policy.percent_words)

    def binder(k: int) -> bool:
        return k not in anchor_positions and bool(s_terms[k]) and s_toks[k].folded not in name_set and s_toks[k].folded not in plain

    for i, label, where, reach in anchors:
        left = [k for k in range(i - 1, -1, -1) if binder(k)][: policy.binding_window]
        right = [k for k in range(i + 1, len(s_toks)) if binder(k)][: policy.binding_window]
        near = [s_terms[k][0] for k in left + right]
        if not near or not where:
            continue
        # The nearest word on each side says what a figure counts ("bans
        # apply nine months" is not "codes of practice after nine months") or
        # what a name did ("written by Sherbrooke's tram line" is not "the
        # auditor said in a report"): those must be near it in the source,
        # and half of the rest.
        closest = [s_terms[k[0]][0] for k in (left, right) if k]
        bound = False
        for j in where:
            pool = {t for k in range(max(0, j - reach), min(len(u_toks), j + reach + 1)) for t in u_terms[k]}
            if all(term_in(w, pool) for w in closest) and sum(term_in(w, pool) for w in near) >= math.ceil(len(near) / 2):
                bound = True
                break
        if not bound:
            missing = [w for w in near if not any(term_in(w, set(u_terms[k])) for k in range(len(u_toks)))]
            return f"{label} is not said to be {' '.join(missing or near)} in the source"
    return None


def verify(text: str, evidence: Sequence[str], policy: AnswerPolicy = DEFAULT_POLICY) -> list[Verdict]:
    """Check each sentence of `text` against the evidence texts it cites
    (numbered from 1). An uncited sentence, or one whose citations fail, is
    checked against every evidence text and kept only where one supports it."""
    verdicts = []
    for sentence, cited in split_claims(text):
        valid = tuple(n for n in cited if 1 <= n <= len(evidence))
        reasons = []
        supported = []
        for n in valid:
            reason = check(sentence, evidence[n - 1], policy)
            if reason is None:
                supported.append(n)
            else:
                reasons.append(f"[{n}]: {reason}")
        reasons.extend(f"[{n}]: no such source" for n in cited if n not in valid)
        if not supported:
            supported = [n for n in range(1, len(evidence) + 1) if n not in valid and check(sentence, evidence[n - 1], policy) is None][:1]
        verdicts.append(Verdict(sentence, cited, tuple(supported), tuple(reasons)))
    return verdicts
