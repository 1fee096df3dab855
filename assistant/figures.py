"""Figures and answer kinds in text: numbers with their scale and unit, dates,
durations, names. Shared by evidence selection (does this sentence hold an
answer of the asked kind?) and the verifier (is this figure the source's?).

    >>> [(q.value, q.scale, q.unit) for q in quantities("208 milliards de dollars")]
    [('208', 'e9', 'usd')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from .policy import DEFAULT_POLICY, AnswerPolicy
from .text import ARTICLES, STOPWORDS, WORD, fold, folded_words, same_term, stem, term_in, terms, words

# Tokens: currency symbols, %, numbers (with thousands separators or a decimal
# comma/point), and words (with inner hyphens; an apostrophe separates: d'euros).
_TOKEN = re.compile(r"[$€£¥%]|\d(?:[\d\u202f\u00a0]|[.,](?=\d))*|[^\W\d_]+(?:-[^\W\d_]+)*|\w+", re.UNICODE)
_YEAR = re.compile(r"(1[89]|20)\d\d")


@dataclass(frozen=True)
class Token:
    text: str
    folded: str
    start: int


@dataclass(frozen=True)
class Quantity:
    value: str
    """Normalized digits: '1,500' -> '1500', '7,5' -> '7.5', 'ten' -> '10'."""
    scale: str
    """'' or a magnitude: 'e3', 'e6', 'e9', 'e12'."""
    unit: str
    """'' , '%', or a currency code."""
    index: int
    """Token index of the number."""


def tokens(text: str) -> list[Token]:
    return [Token(m.group(), fold(m.group()), m.start()) for m in _TOKEN.finditer(text)]


def normalize_number(raw: str) -> str:
    s = raw.replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"\d{1,3}([,.]\d{3})+", s) and not re.fullmatch(r"\d+[.,]\d{3}", s) or re.fullmatch(r"\d{1,3}(,\d{3})+", s):
        return s.replace(",", "").replace(".", "")  # 1,500,000 or 1.500.000 or 1,500
    s = s.replace(",", ".")
    if "." in s:
        s = s.rstrip("0").rstrip(".") if re.fullmatch(r"\d+\.\d+", s) else s
    return s


def quantities(text: str, policy: AnswerPolicy = DEFAULT_POLICY) -> list[Quantity]:
    """Every number in `text` (digits, or number words) with the scale and unit
    written beside it. Digits inside a name ('Trainium2', 'A9') are not numbers."""
    toks = tokens(text)
    out = []
    for i, t in enumerate(toks):
        if t.text[0].isdigit():
            if _glued_to_word(text, t, policy):
                continue
            value = normalize_number(t.text)
        elif t.folded in policy.number_words and t.folded not in ("un", "une", "one"):
            value = policy.number_words[t.folded]
        else:
            continue
        scale, unit = "", ""
        j = i + 1
        glued = j < len(toks) and toks[j].start == t.start + len(t.text)
        if j < len(toks) and toks[j].folded in policy.scale_words and (glued or _scale_context(toks, j, policy)):
            scale = policy.scale_words[toks[j].folded]
            j += 1
        for k in range(j, min(j + 3, len(toks))):  # "35 millions d'euros", "40 %", "5 billion dollars"
            f = toks[k].folded
            if f in policy.currency_words:
                unit = policy.currency_words[f]
                break
            if f == "%" or f in ("percent", "pourcent") or (f in ("per", "pour") and k + 1 < len(toks) and toks[k + 1].folded == "cent"):
                unit = "%"
                break
            if f not in ("d", "de", "of", "in", "en"):
                break
        if not unit and i > 0 and toks[i - 1].folded in policy.currency_words and toks[i - 1].text in "$€£¥":
            unit = policy.currency_words[toks[i - 1].folded]
        if not unit and i > 1 and toks[i - 1].folded in ("us", "a", "c", "hk") and toks[i - 2].text == "$":
            unit = "usd"
        out.append(Quantity(value, scale, unit, i))
    return out


def _glued_to_word(text: str, t: Token, policy: AnswerPolicy) -> bool:
    """Digits inside a name ('Trainium2', 'A9'); a short scale glued on ('5bn',
    '3m') still leaves a number."""
    before = text[t.start - 1] if t.start > 0 else " "
    end = t.start + len(t.text)
    after = text[end] if end < len(text) else " "
    if before.isalpha():
        return True
    suffix = re.match(r"[a-zA-Z]+", text[end:])
    return after.isalpha() and not (suffix and len(suffix.group()) <= 3 and suffix.group().lower() in policy.scale_words)


def _scale_context(toks: list[Token], j: int, policy: AnswerPolicy) -> bool:
    """Single-letter scales ('5 m') count only before a currency word or glued."""
    f = toks[j].folded
    if len(f) > 2:
        return True
    return j + 1 < len(toks) and toks[j + 1].folded in policy.currency_words


def number_values(text: str, policy: AnswerPolicy = DEFAULT_POLICY) -> set[str]:
    return {q.value for q in quantities(text, policy)}


# -- answer kinds -------------------------------------------------------------

def has_percent(text: str, policy: AnswerPolicy = DEFAULT_POLICY) -> bool:
    return any(q.unit == "%" for q in quantities(text, policy))


def has_money(text: str, policy: AnswerPolicy = DEFAULT_POLICY) -> bool:
    return any(q.unit not in ("", "%") for q in quantities(text, policy))


_DATELINE = re.compile(r"([^\n]{3,100}?)\s+[-–—]\s+(?=\S)")
"""A news sentence's opening dateline, up to the dash after it."""


def undated(text: str, policy: AnswerPolicy = DEFAULT_POLICY) -> str:
    """`text` without the dateline that opens it ("LYON, France, March 10
    (Meridian Wire) - "): a few words, a date among them, then a dash. It
    says where and when the article was filed, not what the sentence says."""
    m = _DATELINE.match(text)
    if m and len(words(m.group(1))) <= policy.dateline_max_words and has_date(m.group(1), policy):
        return text[m.end():]
    return text


def has_date(text: str, policy: AnswerPolicy = DEFAULT_POLICY) -> bool:
    for t in tokens(text):
        if t.folded in policy.months or t.folded in policy.relative_dates:
            return True
        if is_year(t.text):
            return True
    return False


def has_duration(text: str, policy: AnswerPolicy = DEFAULT_POLICY, *, counted: bool = False,
                 relative: bool = False) -> bool:
    """A span of time: "ten years", "36 mois", "a decade", "several years".
    `counted`: only with a figure. `relative`: only as a point in time
    ("after 24 months", "three years ago"; see AnswerPolicy.relative_markers)."""
    toks = tokens(text)
    return any(_time_spans(toks, text, policy, counted=counted, relative=relative))


def _time_spans(toks: list[Token], text: str, policy: AnswerPolicy, *, counted: bool = False,
                relative: bool = False):
    """The spans of time in `toks` (see has_duration), as (first, last) token indices."""
    nums = {q.index for q in quantities(text, policy)}
    for i, t in enumerate(toks):
        if t.folded in policy.time_units or t.folded.rstrip("s") in policy.time_units:
            numbered = next((i - k for k in (1, 2, 3) if i - k in nums), None)
            if numbered is None and t.folded.startswith(("decade", "décennie", "decennie")):
                numbered = i
            if numbered is None and (counted or not (i and toks[i - 1].folded in policy.vague_amounts)):
                continue
            first = numbered if numbered is not None else i - 1
            if not relative or any(x.folded in policy.relative_markers
                                   for x in toks[max(0, first - 2):first] + toks[i + 1:i + 3]):
                yield first, i


def span_contexts(text: str, policy: AnswerPolicy = DEFAULT_POLICY) -> list[set[str]]:
    """For each span of time or length in `text` ("12 days", "14.2
    kilometres"), the stems of the words within `source_binding_window`
    words of it: what the span may be the length of. "the average still
    exceeds two hours" is no strike's length."""
    toks = tokens(text)
    spans = list(_time_spans(toks, text, policy))
    spans += [(q.index, q.index + 1) for q in quantities(text, policy)
              if q.index + 1 < len(toks) and toks[q.index + 1].folded in policy.length_units]
    reach = policy.source_binding_window
    return [{stem(x.folded) for x in toks[max(0, a - reach):a] + toks[b + 1:b + 1 + reach]
             if x.text.isalpha() and x.folded not in STOPWORDS} for a, b in spans]


def has_year(text: str, policy: AnswerPolicy = DEFAULT_POLICY) -> bool:
    """A year: written ("in 1952"), or said from the article's date ("last
    year", "l'an dernier"). A day or a month alone ("on Feb. 25") is none."""
    toks = tokens(text)
    return any(is_year(t.text) or t.folded in policy.year_words and any(
        n.folded in policy.relative_year_words for n in toks[max(0, i - 1):i + 2]) for i, t in enumerate(toks))


def is_year(text: str) -> bool:
    """"2024", "1979": a word that is a year."""
    return bool(_YEAR.fullmatch(text))


def years_by(text: str, anchors: Sequence[str], policy: AnswerPolicy = DEFAULT_POLICY) -> set[str] | None:
    """The years written within `source_binding_window` words of a word of
    `anchors` (stems): the years what those words measure is said for ("a
    dégagé *en 2024* un bénéfice net de 86 millions"). None when a year said
    from the article's date is among them ("containers *last year*, against
    4.1 million in 2023"): which year the figure is for cannot be told."""
    toks = tokens(text)
    reach = policy.source_binding_window
    near = sorted({j for i, t in enumerate(toks) if any(same_term(stem(t.folded), a) for a in anchors)
                   for j in range(max(0, i - reach), min(len(toks), i + reach + 1))})
    for j in near:
        if toks[j].folded in policy.year_words and any(
                toks[k].folded in policy.relative_year_words for k in (j - 1, j + 1) if 0 <= k < len(toks)):
            return None
    return {toks[j].text for j in near if is_year(toks[j].text)}


def has_count(text: str, policy: AnswerPolicy = DEFAULT_POLICY) -> bool:
    """A number that counts things: not a year or a day of a date, a
    percentage, a sum of money, a span of time ("free for 90 minutes") or a
    measure ("5.11 metres"), and a whole number unless a scale follows ("1.2
    million people")."""
    toks = tokens(text)
    return any(_counts_things(toks, q, policy) for q in quantities(text, policy))


def _counts_things(toks: list[Token], q: Quantity, policy: AnswerPolicy) -> bool:
    """`q` counts things (see has_count)."""
    measures = policy.time_units | policy.length_units | policy.measure_units
    return (q.unit == "" and not _date_part(toks, q, policy)
            and not any(x.folded in measures for x in toks[q.index + 1:q.index + 2])
            and ("." not in q.value or bool(q.scale)))


def counted_nouns(text: str, policy: AnswerPolicy = DEFAULT_POLICY) -> list[set[str]]:
    """For each count in `text` (see has_count), the stems of the words it is
    written with: the run of words right after it, past a scale ("1.2
    million people") or a partitive ("900,000 of the people"), up to
    punctuation or a common word. An empty set when no word follows it: "the
    vote was 523 in favour" counts what the sentence leaves unsaid."""
    toks = tokens(text)
    out = []
    for q in quantities(text, policy):
        if not _counts_things(toks, q, policy):
            continue
        j = q.index + 1 + bool(q.scale)
        if j < len(toks) and toks[j].folded in _PARTITIVES:
            j += 1
            while j < len(toks) and toks[j].folded in STOPWORDS:
                j += 1
        run: set[str] = set()
        end = toks[j - 1].start + len(toks[j - 1].text)
        while j < len(toks) and len(run) < 3:
            t = toks[j]
            if not t.text.isalpha() or t.folded in STOPWORDS or re.search(r"[^\s'’-]", text[end:t.start]):
                break
            run.add(stem(t.folded))
            end = t.start + len(t.text)
            j += 1
        out.append(run)
    return out


_PARTITIVES = {"of", "de", "des", "d", "du"}


def _date_part(toks: list[Token], q: Quantity, policy: AnswerPolicy) -> bool:
    """`q` is a year written bare, or the day in a date ("February 21", "le
    21 février"): it counts nothing and measures nothing. A year is written
    bare: "2,021 lynxes" counts."""
    t = toks[q.index]
    if is_year(q.value) and is_year(t.text):
        return True
    return (t.text.isdigit() and int(t.text) <= 31
            and any(x.folded in policy.months for x in toks[max(0, q.index - 1):q.index] + toks[q.index + 1:q.index + 2]))


def names(text: str, policy: AnswerPolicy = DEFAULT_POLICY) -> list[str]:
    """Capitalized words (or words with digits or inner capitals) other than
    common words, folded; the first word counts only if it is not a common word."""
    out = []
    for i, t in enumerate(tokens(text)):
        w = t.text
        if not w[0].isalpha() and not w[0].isdigit():
            continue
        if t.folded in STOPWORDS or t.folded in policy.question_words:
            continue
        if w[0].isupper() or any(c.isupper() for c in w[1:]) or (any(c.isdigit() for c in w) and any(c.isalpha() for c in w)):
            out.append(t.folded)
    return out


def _names_other(text: str, known: set[str], policy: AnswerPolicy) -> bool:
    """A name in `text` that is not in `known`, nor a day or month ("Today
    they have space"); the first word only when it is the only name."""
    found = names(text, policy)
    return any(n not in known and n not in policy.relative_dates and n not in policy.months for n in found[1:] or found)


def _runs_with(text: str, named: set[str], policy: AnswerPolicy) -> set[str]:
    """The folded words of each run of capitalized words in `text` (see
    _capital_runs) that holds a distinctive word of `named` ("Clarimont
    Hospital Group" for Clarimont): the same body, no person. An acronym
    ends a run too ("Veltrane CISO Jonas Verbeke")."""
    own = named - STOPWORDS - folded_words(policy.named_categories) - folded_words(policy.role_nouns)
    out: set[str] = set()
    for run in _capital_runs(text, tokens(text), policy):
        parts: list[list[str]] = [[]]
        for t in run:
            if len(t.text) > 1 and t.text.isupper():
                parts.append([])
            else:
                parts[-1] += [t.folded, *t.folded.split("-")]  # "sambre-meuse" and its words
        out.update(*(part for part in parts if own & set(part)))
    return out


def placed_words(text: str, policy: AnswerPolicy) -> set[str]:
    """The capitalized words right after a locative ("in Lyon", "at the Saint-Lambert
    Hospital", "à Namur"), folded: places, not people."""
    toks = tokens(text)
    out: set[str] = set()
    for i, t in enumerate(toks):
        if t.folded not in policy.locatives:
            continue
        j = i + 1
        if j < len(toks) and toks[j].folded in ARTICLES:
            j += 1
        while j < len(toks) and toks[j].text[0].isupper() and not text[toks[j - 1].start:toks[j].start].count(","):
            out.add(toks[j].folded)
            j += 1
    return out


def _articled(text: str, policy: AnswerPolicy) -> set[str]:
    """The capitalized words right after a definite article ("the Semois",
    "du Groupe hospitalier", "le GHSM"), folded: a person's name takes no
    article in English or French; a place's, a body's or a river's does. A
    title between them ("the Chief Executive Mathilde Carrasco") introduces
    a person: that run is left alone."""
    toks = tokens(text)
    out: set[str] = set()
    for i, t in enumerate(toks[:-1]):
        if t.folded not in _DEFINITE:
            continue
        run = []
        j = i + 1
        while j < len(toks) and toks[j].text[0].isupper() and "," not in text[toks[j - 1].start:toks[j].start]:
            run.append(toks[j].folded)
            j += 1
        if not any(w in policy.role_nouns for w in run):
            out.update(run)
    return out


_DEFINITE = ARTICLES | {"du", "des", "au", "aux"}


def has_length(text: str, policy: AnswerPolicy = DEFAULT_POLICY) -> bool:
    """A figure followed by a unit of length: "14.2 kilometres"."""
    toks = tokens(text)
    return any(q.index + 1 < len(toks) and toks[q.index + 1].folded in policy.length_units
               for q in quantities(text, policy))


def units_asked(text: str, policy: AnswerPolicy = DEFAULT_POLICY) -> tuple[str, ...]:
    """The currencies (codes) and units of length (stems) a question names:
    "How much did it cost in euros?" -> ('eur',)."""
    out = []
    for t in tokens(text):
        if t.folded in policy.currency_words and t.text not in "$€£¥":
            out.append(policy.currency_words[t.folded])
        elif t.folded in policy.length_units:
            out.append(stem(t.folded))
    return tuple(dict.fromkeys(out))


def holds_units(text: str, units: tuple[str, ...], policy: AnswerPolicy = DEFAULT_POLICY) -> bool:
    """Whether `text` gives a figure in one of `units` (see units_asked)."""
    toks = tokens(text)
    for q in quantities(text, policy):
        if q.unit in units:
            return True
        after = toks[q.index + 1:q.index + 3]
        if any(x.folded in policy.length_units and stem(x.folded) in units for x in after):
            return True
    return False


def has_full_date(text: str, policy: AnswerPolicy = DEFAULT_POLICY) -> bool:
    """A date that stands on its own: a month or a year, not only a weekday."""
    return any(t.folded in policy.months or is_year(t.text) for t in tokens(text))


def is_specific(kind: str, text: str, is_list: bool, question_names: set[str] = frozenset(),
                policy: AnswerPolicy = DEFAULT_POLICY, counted: tuple[str, ...] = ()) -> bool:
    """Whether `text` states an answer of `kind` fully rather than hinting at it
    (see AnswerPolicy.specific_answer_bonus)."""
    toks = tokens(text)
    if kind == "date":
        return has_full_date(text, policy) or has_duration(text, policy, counted=True, relative=True)
    if kind == "duration":
        return has_duration(text, policy, counted=True)
    if kind == "place":
        for i, t in enumerate(toks):
            if t.text[0].isupper() and t.folded not in question_names and t.folded not in STOPWORDS:
                before = [x.folded for x in toks[max(0, i - 2):i]]
                if any(b in policy.locatives for b in before):
                    return True
                if i == 0 and text[t.start + len(t.text):].lstrip().startswith(","):
                    return True  # a dateline: "Strasbourg, March 13"
        return False
    if kind == "person" or kind == "choice" and not is_list:  # "which firm": named in full, not "a Belgian firm"
        # A dateline's place and agency ("GENEVA, March 14 (Alpine Wire) - ")
        # are where and by whom the article was filed, not who did anything.
        text = undated(text, policy)
        return _full_name(text, tokens(text), question_names, policy)
    if kind == "reason":
        return gives_reason(text, toks, policy)
    if kind == "count" and counted:  # "21 stations" for "how many stations"
        return any(stem(x.folded) in counted for q in quantities(text, policy) for x in toks[q.index + 1:q.index + 3])
    if is_list:  # "including ...", or a colon that opens a list of lines or of items ("three steps: a, b and c")
        return any(t.folded in policy.enumerators for t in toks) or bool(re.search(r":\s*\n", text)) or bool(
            _INLINE_LIST.search(text))
    return False


_INLINE_LIST = re.compile(r":[^:;.]+,[^:;]+\b(?:and|or|et|ou)\b")
"""A colon, then a series of items separated by commas and ending with
"and" / "et": "three steps: a full stop, an audit, and a helpline"."""


def gives_reason(text: str, toks: list[Token], policy: AnswerPolicy = DEFAULT_POLICY) -> bool:
    """A word that gives a reason (see AnswerPolicy.causal_words). One that
    also marks time ("since", "after", "depuis") gives a point in time when a
    date or a span of time follows it in its clause: "postponed *since* the
    strike began on Tuesday" says when, not why."""
    for t in toks:
        if t.folded not in policy.causal_words:
            continue
        if t.folded not in policy.relative_markers:
            return True
        clause = _CLAUSE_END.split(text[t.start + len(t.text):], maxsplit=1)[0]
        if not (has_date(clause, policy) or has_duration(clause, policy)):
            return True
    return False


_CLAUSE_END = re.compile(r"[,;:.!?()\n]")


def _full_name(text: str, toks: list[Token], question_names: set[str], policy: AnswerPolicy) -> bool:
    """A run of capitalized words, none from the question: "Dr Amélie
    Dufrasne", "Wathelet Frères". A title is not part of the name it precedes
    ("Chief Executive Mathilde Carrasco" names Mathilde Carrasco), and
    punctuation ends a name ("Verhaegen, AMA's chief executive" is two). The
    first word of the sentence may be a capitalized common word; it is part
    of a name only when a capitalized word follows it ("Thomas Verhaegen")."""
    return any(len(r) >= 2 and not any(t.folded in question_names for t in r) for r in _capital_runs(text, toks, policy))


def _capital_runs(text: str, toks: list[Token], policy: AnswerPolicy) -> list[list[Token]]:
    """The runs of capitalized words joined by spaces alone: a stop word, a
    title or a mark ends one."""
    runs: list[list[Token]] = [[]]
    for t in toks:
        if t.text[0].isupper() and t.folded not in STOPWORDS and t.folded not in policy.role_nouns:
            if runs[-1] and text[runs[-1][-1].start + len(runs[-1][-1].text):t.start].strip():
                runs.append([])
            runs[-1].append(t)
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if r]


@lru_cache(maxsize=8)
def word_stems(words: frozenset[str]) -> frozenset[str]:
    """The stems of a policy word list, worked out once per list."""
    return frozenset(stem(w) for w in words)


def offices(pool: set[str], policy: AnswerPolicy = DEFAULT_POLICY) -> dict[str, set[str]]:
    """The offices `pool` names, each by the first way of writing it in
    AnswerPolicy.title_synonyms ("director general" names the "ceo"), with
    the terms of the ways `pool` writes it."""
    out: dict[str, set[str]] = {}
    for office, forms in _office_forms(policy.title_synonyms):
        for form in forms:
            if all(term_in(t, pool) for t in form):
                out.setdefault(office, set()).update(form)
    return out


@lru_cache(maxsize=4)
def _office_forms(groups: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]:
    """Each office's ways of writing it as terms, worked out once per policy."""
    return tuple((group[0], tuple(tuple(terms(form)) for form in group)) for group in groups)


def fits_kind(kind: str, text: str, question_names: set[str] = frozenset(), policy: AnswerPolicy = DEFAULT_POLICY,
              category: str = "") -> bool:
    """Whether `text` holds an answer of `kind` (see question.KINDS); for a
    "which X" question, `category` is X."""
    if kind == "percent":
        return has_percent(text, policy)
    if kind == "money":
        return has_money(text, policy)
    if kind == "date":  # "when": a date, or a time relative to another ("after 24 months")
        return has_date(text, policy) or has_duration(text, policy, relative=True)
    if kind == "duration":  # "how long": a time, or a length ("14.2 kilometres")
        return has_duration(text, policy) or has_length(text, policy)
    if kind == "count":
        return has_count(text, policy)
    if kind == "number":  # "how big", "how high": neither a year nor a day of a date
        toks = tokens(text)
        return any(not _date_part(toks, q, policy) for q in quantities(text, policy))
    if kind == "person":
        # A person is not written in capitals: "GHSM" names an organisation;
        # nor put in a place: "the court in Lyon", "à Namur".
        # Nor is a dateline's agency one ("(Meridian Wire) - "), nor a body
        # named by a run holding the question's name ("Clarimont Hospital Group").
        text = undated(text, policy)
        acronyms = {fold(w) for w in WORD.findall(text) if len(w) > 1 and w.isupper()}
        known = question_names | acronyms | placed_words(text, policy) | _articled(text, policy)
        return _names_other(text, known | _runs_with(text, question_names, policy), policy)
    if kind == "choice" and category and category in word_stems(policy.named_categories):
        # "which company": answered by a name, and not by a place ("felt
        # across Wallonia") unless a place is asked for ("which countries")
        placed = set() if category in word_stems(policy.place_nouns) else placed_words(text, policy)
        return _names_other(text, question_names | placed, policy)
    if kind == "place":
        return _names_other(text, question_names, policy)
    return True
