"""Small text tools shared by chunking, the lexical index, evidence selection
and the verifier: sentence spans, terms, and a forgiving term match."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

WORD = re.compile(r"[^\W_]+", re.UNICODE)
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "inc", "ltd", "co", "corp",
    "no", "fig", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "gen", "gov", "sen", "rep", "mt", "u.s", "e.g", "i.e", "m", "mme", "mlle", "av", "approx",
}
# A sentence ends at . ! ? or … (optionally followed by closing quotes/brackets) before
# whitespace; a line break always ends one.
_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)|\n+")

ARTICLES = frozenset({"the", "le", "la", "l", "les"})
"""Definite articles, folded: skipped between a word and the name it points to."""
STOPWORDS = frozenset(
    """
    a an the and or but if then else of to in on at by for from with without into onto over under
    about above below after before between through during since until within across against among
    is are was were be been being am do does did done doing have has had having will would shall
    should can could may might must ought it its it's this that these those there here he she they
    we you i me him her them us my our your their his hers theirs ours yours what which who whom
    whose when where why how not no nor so than too very just also only own same such both each
    few more most other some any all as up down out off again further once s t d ll m o re ve y
    per via yes one ones get got make made use used using say said says tell told
    le la les un une des du de d l j n qu au aux et ou mais donc or ni car que qui quoi quel quelle quels
    quelles dont où ce cet cette ces c ça cela ceci se sa son ses leur leurs lui elle elles il ils
    on nous vous je tu me te mon ma mes ton ta tes notre nos votre vos y en ne pas plus moins
    est sont été être était étaient a ont avait avaient fait faire dans par pour sur avec sans sous
    entre vers chez comme aussi très tout tous toute toutes si est-ce combien comment pourquoi quand
    selon according actually really exactly precisely vraiment exactement précisément precisement
    """.split()
)


def fold(text: str) -> str:
    """Lowercase without accents: 'Évalue' -> 'evalue'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# Terms are matched folded ("était" -> "etait"), so each stopword is kept in
# both writings. "été" is no stopword: "l'été" is the summer; the auxiliary
# in "ont été secourues" is dropped by the question parser.
STOPWORDS = (STOPWORDS | {fold(w) for w in STOPWORDS}) - {"été", "ete"}


@lru_cache(maxsize=16)
def folded_words(ws: frozenset[str]) -> frozenset[str]:
    """A policy word list folded, worked out once per list."""
    return frozenset(fold(w) for w in ws)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light, language-agnostic stem: folded, plural and possessive stripped."""
    w = fold(word)
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def words(text: str) -> list[str]:
    return WORD.findall(text)


def plain(text: str) -> str:
    """`text` as its folded words, one space apart and at both ends, so that
    `plain(a) in plain(b)` finds a's words as they stand inside b's."""
    return " " + " ".join(fold(w) for w in words(text)) + " "


FUNCTION_PHRASES = tuple(tuple(p.split()) for p in (
    "based on", "based upon", "due to", "thanks to", "owing to", "in spite of", "on behalf of", "in order to",
    "compared with", "compared to", "in addition to", "instead of", "ahead of", "as well as",
    "en raison de", "en raison du", "en raison des", "grace a", "grace au", "grace aux", "a partir de",
    "a partir du", "a la suite de", "suite a", "en vue de", "face a", "compte tenu de",
))
"""Phrases that work as one preposition or conjunction ("*Based on* its
revenue", "*en raison de* la grève"), folded: their words are no content,
so "In which country is it based?" does not find "Based on Veltrane's
revenue"."""
_PHRASES_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _p in FUNCTION_PHRASES:
    _PHRASES_BY_FIRST.setdefault(_p[0], []).append(_p)


def _in_phrases(folded: list[str]) -> set[int]:
    """The positions of `folded` that belong to a FUNCTION_PHRASES phrase.
    Phrases are looked up by their first word: "in", "a" and "en" open many
    words' runs, and terms() reads every chunk and every evidence unit."""
    out: set[int] = set()
    for i, w in enumerate(folded):
        for p in _PHRASES_BY_FIRST.get(w, ()):
            if tuple(folded[i:i + len(p)]) == p:
                out.update(range(i, i + len(p)))
    return out


def terms(text: str) -> list[str]:
    """Content terms of `text`: stems of its words, stopwords, words of a
    function phrase and single letters dropped."""
    out = []
    ws = words(text)
    folded = [fold(w) for w in ws]
    phrased = _in_phrases(folded)
    for i, w in enumerate(ws):
        s = stem(w)
        if s in STOPWORDS or folded[i] in STOPWORDS or i in phrased:
            continue
        if len(s) < 2 and not s.isdigit():
            continue
        out.append(s)
    return out


def same_term(a: str, b: str) -> bool:
    """Two stems match when equal, or when they share a long common prefix
    ('evaluating' ~ 'evalue', 'powered' ~ 'power'): this forgives inflection
    and French/English cognates without a per-language stemmer."""
    if a == b:
        return True
    if a.isdigit() or b.isdigit() or any(c.isdigit() for c in a + b):
        return False
    short, long_ = sorted((a, b), key=len)
    if len(short) == 3 and long_.startswith(short) and long_[3:] in _INFLECTIONS:
        return True  # 'ban' ~ 'banned', 'use' ~ 'used'
    if len(short) < 4 or len(long_) - len(short) > 5:
        return False  # "cyber" is not "cybercriminal", nor "invest" "investigation"
    n = 0
    for x, y in zip(short, long_):
        if x != y:
            break
        n += 1
    return n >= max(4, round(0.7 * len(short))) and n >= len(short) - 2


_INFLECTIONS = {"s", "es", "d", "ed", "ing", "ned", "ning", "ted", "ting", "er", "ers", "e", "es", "ée", "ee", "é"}


def term_in(term: str, pool: set[str]) -> bool:
    return term in pool or any(same_term(term, p) for p in pool)


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character spans of the sentences in text[start:end], whitespace trimmed."""
    end = len(text) if end is None else end
    spans = []
    pos = start
    for m in _END.finditer(text, start, end):
        if m.group().startswith((".",)) and (is_abbreviation(text, m.start()) or _lowercase_follows(text, m.end(), end)):
            continue
        if m.group()[0] == "." and _is_decimal(text, m.start()):
            continue
        _add_span(text, pos, m.end(), spans)
        pos = m.end()
    _add_span(text, pos, end, spans)
    return spans


def _add_span(text: str, a: int, b: int, spans: list[tuple[int, int]]) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a and re.search(r"\w", text[a:b]):
        spans.append((a, b))


def is_abbreviation(text: str, dot: int) -> bool:
    """Whether the dot at `dot` closes an abbreviation ('Dr.', 'U.S.', 'M.') rather than a sentence."""
    m = re.search(r"([\w.]+)$", text[max(0, dot - 12):dot])
    if not m:
        return False
    token = m.group(1).lower()
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha() and text[dot - 1].isupper())


def _lowercase_follows(text: str, pos: int, end: int) -> bool:
    """A dot followed, on the same line, by a lowercase word ends no
    sentence ("5:30 a.m. carrying"): sentences open with a capital."""
    m = re.compile(r"[ \t]+(\w)").match(text, pos, end)
    return bool(m) and m.group(1).islower()


def _is_decimal(text: str, dot: int) -> bool:
    return dot > 0 and dot + 1 < len(text) and text[dot - 1].isdigit() and text[dot + 1].isdigit()


def numbers(text: str) -> set[str]:
    """Standalone numbers in `text`, normalized ('40 %' -> '40', '1,500' -> '1500');
    digits inside a name ('Trainium2', 'A9') belong to the name, not here."""
    found = re.findall(r"(?<!\w)(\d[\d,.\u202f]*\d|\d)(?!\w)", text)
    return {n.replace(",", "").replace("\u202f", "").rstrip(".") for n in found}
