"""Stage 1, the question: parsed once into what every later stage needs.

    >>> q = parse_question("What is the maximum fine for using a banned AI practice?")
    >>> q.kind, q.attribute
    ('money', ('fine',))

The parse is shallow and general: question words, capitalized names, and a
few word resources of the policy (slot nouns, money nouns, time units). It
knows nothing of any topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from .answer import question_language
from .figures import names, offices, units_asked, word_stems
from .figures import tokens as figure_tokens
from .policy import DEFAULT_POLICY, AnswerPolicy
from .text import ARTICLES, STOPWORDS, fold, folded_words, sentence_spans, stem, terms, words


# Kinds of answer a question wants. Each later stage checks evidence and
# generated sentences for an answer of this kind.
KINDS = ("person", "place", "date", "duration", "percent", "money", "count", "number",
         "reason", "yesno", "choice", "other")


@dataclass(frozen=True)
class Question:
    text: str
    language: str
    kind: str
    """One of KINDS: what an answer must hold."""
    entities: tuple[str, ...] = ()
    """Names in the question as written ("Benoit Dupin", "AI Act", "2022")."""
    topic: tuple[str, ...] = ()
    """Stems of the other words it asks about, question and slot words left out."""
    attribute: tuple[str, ...] = ()
    """For figures: stems of what the figure measures ("fine", "employee")."""
    category: str = ""
    """The noun after which/what ("Which chip"): the answer names an instance of it."""
    is_list: bool = False
    """The question asks for several things ("Which services...")."""
    is_request: bool = False
    """Not a question about the articles ("write a poem", "ignore your instructions")."""
    follow_up: bool = False
    """It leans on the conversation (a pronoun, or too little of its own)."""
    carried: tuple[str, ...] = ()
    """Names carried from the conversation, for a follow-up."""
    query: str = ""
    """What retrieval searches for."""
    units: tuple[str, ...] = ()
    """Units the question asks its figure in ("in euros": 'eur', "in miles":
    'mile'): a figure in another unit does not answer it."""
    scope: tuple[str, ...] = ()
    """Time words that scope a figure ("in its first month": 'month'): the
    figure's sentence must say them too."""
    period: tuple[str, ...] = ()
    """Words that make the figure one per span of time ("*monthly* pay"), as
    written: see AnswerPolicy.frequency_words."""
    change: bool = False
    """It asks for a change in a figure ("what pay rise"): see AnswerPolicy.change_words."""
    owners: tuple[str, ...] = ()
    """Topic stems after a distributive ("each *bus*", "par *rame*"): the
    thing a figure is counted per, which a sentence giving it must name."""
    possessors: tuple[str, ...] = ()
    """Stems of common nouns in the possessive ("the *doctors'* union", "the
    *tram's* costs"): whose thing is asked about, which a sentence answering
    must name, or it speaks of another's ("the nurses' union")."""
    alone: tuple[str, ...] = ()
    """For a figure: the stems next to a word that restricts it to one thing
    ("rescued by *helicopter* alone", "*only* by *helicopter*", "par
    *hélicoptère* uniquement"), see AnswerPolicy.exclusives. The word may
    stand before or after what it restricts, so both neighbours are kept."""
    quoted: tuple[str, ...] = ()
    """Stems of the words the question quotes ("called the strike
    «irresponsible»"): what someone said, which the answer's sentence must say."""
    holder: str = ""
    """For "who": the name whose office or lead is asked about ("Who is the
    chief executive *of Pharmadis*", "*Veltrane*'s CEO", "Qui dirige
    *l'IFM* ?"). Other names of the question only narrow it down, so an answer
    must name this one: the chief executive of Estrémont is not Pharmadis's."""
    referents: tuple[str, ...] = ()
    """For a follow-up that asks who leads what its pronoun points to ("Who
    is *its* leader?", "Who runs *it*?", "Qui *la* dirige ?"): the names the
    conversation's last turn is about, one of which the answer's sentence
    must name. The leader of another body in the same passage (the hospital
    network's director, when "its" is the nurses' union) is no answer."""
    pointed: tuple[str, ...] = ()
    """For a follow-up: the names its pronoun points to, those the
    conversation's last turn is about (see conversation.referred_names). A
    sentence that opens on another name, and names none of these, is about
    that other one: "Veltrane, founded in 2004" does not say when "it" was
    founded when "it" is the hospital group asked about just before."""
    relation: str = ""
    """For "who" and "which X": the stem of the verb that ties the one asked
    for to the rest ("Who *designed* the A220?", "Quelle entreprise a
    *construit* le mur ?"), or '' when the question has none ("Who is ...")."""

    @property
    def entity_terms(self) -> list[str]:
        return [t for e in self.entities for t in terms(e)]

    @property
    def name_words(self) -> set[str]:
        """The folded words of the question's own names: an answer must name something else."""
        return {fold(w) for e in self.entities for w in words(e)}

    @property
    def known_names(self) -> set[str]:
        """`name_words` and the words of the names carried from the conversation."""
        return self.name_words | {fold(w) for n in self.carried for w in words(n)}

    @property
    def all_terms(self) -> list[str]:
        """Every content term the question asks about, entities first."""
        return list(dict.fromkeys(self.entity_terms + list(self.topic) + list(self.attribute)))

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of answer that answer it: a change in a sum may be a percent."""
        return (self.kind, "percent") if self.kind == "money" and self.change else (self.kind,)

    @property
    def wants_figure(self) -> bool:
        return self.kind in ("percent", "money", "count", "number", "duration")

    @property
    def identifies(self) -> bool:
        """"Who is Benoit Dupin?": asks what a named one is, not for a name."""
        return self.kind == "person" and bool(self.entities) and not (self.topic or self.attribute)


def parse_question(text: str, history: Sequence[dict] = (), policy: AnswerPolicy = DEFAULT_POLICY) -> Question:
    """Parse `text`; `history` ([{role, content}]) is used only if the question leans on it."""
    language = question_language(text)
    # A message may add a remark to its question ("How many records were
    # taken? I keep seeing different numbers."): the sentences that ask set
    # what is asked about; the others only name what they may refer to.
    pieces = [text[a:b] for a, b in sentence_spans(text)] or [text]
    asking = _unlinked(" ".join(p for p in pieces if p.rstrip().endswith("?")) or text, policy)
    tokens = words(asking)
    folded = [fold(t) for t in tokens]
    kind, attr_words = _kind(asking, folded, [t.casefold() for t in tokens], policy)
    entities = tuple(dict.fromkeys(e for p in pieces for e in _entities(p, words(p), policy)))
    entity_stems = {t for e in entities for t in terms(e)}
    category = _category(folded, entity_stems, policy, language)
    if kind == "choice" and category in word_stems(policy.role_nouns):
        kind = "person"  # "which minister", "quel dirigeant": a person, named
    # The word after "how" ("how long", "how much") belongs to the question
    # phrase that sets the kind, not to what the question is about.
    phrase = {folded[i + 1] for i, w in enumerate(folded[:-1]) if w == "how"}
    phrase |= {"temps"} if _DURATION.search(" ".join(folded)) else set()
    phrase |= {"appelle", "appellent"} if _CALLED.search(" ".join(folded)) else set()
    # An exclusive word ("alone", "uniquement") says which figure, not what about.
    ignored = (policy.question_words | policy.slot_nouns | policy.light_verbs | phrase | set(policy.frequency_words)
               | policy.exclusives)
    attribute = tuple(dict.fromkeys(stem(w) for w in attr_words if fold(w) not in ignored))
    # A counted noun's narrowing words ("*parking* spaces") stay in the topic.
    measured = attribute[:1] if kind == "count" else attribute
    # "ont *été* secourues", "has *been* hired": an auxiliary, no topic ("l'été", the summer, stays)
    auxiliary = {stem(f) for f, before in zip(folded[1:], folded) if f in policy.passive_auxiliaries
                 and before in policy.finite_verbs}
    topic = tuple(
        t for t in dict.fromkeys(terms(asking))
        if t not in entity_stems and t not in measured and t != category and fold(t) not in ignored
        and t not in {stem(w) for w in ignored} and t not in auxiliary
    )
    is_list = bool(category) and _plural(category, tokens) or kind == "choice" and any(
        f in ("kinds", "types", "sortes", "genres") for f in folded)
    follow_up = _leans_on_context(folded, entities, policy) and any(t.get("role") == "user" for t in history)
    # An office is asked about as one term, however it is written ("chief
    # executive", "CEO"), and looked for in its first two writings.
    named = offices(set(topic), policy)
    written = set().union(*named.values())
    topic = tuple(t for t in topic if t not in written) + tuple(stem(o) for o in named)
    carried: tuple[str, ...] = ()
    query = " ".join([text, *(f for g in policy.title_synonyms if g[0] in named for f in g[:2] if fold(f) not in fold(text))])
    if follow_up:
        from .conversation import carried_names

        carried = tuple(n for n in carried_names(history, policy) if fold(n) not in {fold(e) for e in entities})
        if carried:
            query = f"{text} ({' '.join(carried)})"
    holder = _holder(tokens, folded, entities, kind, policy)
    pointed: tuple[str, ...] = ()
    if follow_up:
        from .conversation import referred_names

        # A figure is no name a pronoun points to, though a run of capitals
        # may open with one ("12 Airbus A220" for "Airbus A220").
        referred = (" ".join(w for w in n.split() if any(c.isalpha() for c in w)) for n in referred_names(history, policy))
        pointed = tuple(dict.fromkeys(n for n in referred if n))
    referents = pointed if follow_up and kind == "person" and not holder and any(
        f in policy.role_nouns or f in policy.leadership_words for f in folded) else ()
    return Question(
        text=text, language=language, kind=kind, entities=entities, topic=topic, attribute=attribute,
        category=category, is_list=is_list, is_request=is_request(text, policy), follow_up=follow_up,
        carried=carried, query=query, units=units_asked(text, policy),
        scope=tuple(dict.fromkeys(stem(f) for w, f in zip(tokens, folded)
                                  if f in policy.time_units or f in policy.months and w[:1].isupper())),
        period=tuple(dict.fromkeys(f for f in folded if f in policy.frequency_words)),
        change=any(f in policy.change_words for f in folded),
        owners=tuple(o for o in dict.fromkeys(
            next((stem(w) for w in folded[i + 1:i + 4] if stem(w) in topic), "")
            for i, d in enumerate(folded) if d in policy.distributives) if o),
        possessors=tuple(dict.fromkeys(stem(m.group(1)) for m in _POSSESSIVE.finditer(text)
                                       if m.group(1).islower() and stem(m.group(1)) in topic)),
        relation=_relation(tokens, folded, kind, topic, policy),
        holder=holder, referents=referents, pointed=pointed,
        alone=_restricted(folded, topic, policy),
        quoted=tuple(dict.fromkeys(t for m in _QUOTED.finditer(text) for t in terms(m.group(1)))),
    )


def _restricted(folded: list[str], topic: tuple[str, ...], policy: AnswerPolicy) -> tuple[str, ...]:
    """The topic stems next to an exclusive word: the nearest content word on
    each side ("helicopter alone", "only by helicopter")."""
    out = []
    for i, w in enumerate(folded):
        if w in policy.exclusives:
            before = [f for f in reversed(folded[max(0, i - 2):i]) if f not in STOPWORDS][:1]
            after = [f for f in folded[i + 1:i + 3] if f not in STOPWORDS][:1]
            out += [stem(f) for f in before + after if stem(f) in topic]
    return tuple(dict.fromkeys(out))


def _unlinked(text: str, policy: AnswerPolicy) -> str:
    """`text` without the connectives that open it (see AnswerPolicy.connectives),
    nor an opening clause of function words alone, set off by a comma ("If
    not, who took over?", "Si oui, quand ?"): it says when to ask, not what."""
    while True:
        m = re.match(r"\W*(\w+)\b[\s,;:]*", text)
        clause = re.match(r"\W*((?:\w+\s+){0,2}\w+)\s*,\s*", text)
        if clause and all(fold(w) in STOPWORDS or fold(w) in policy.connectives for w in words(clause.group(1))) \
                and clause.end() < len(text):
            text = text[clause.end():]
        elif not m or fold(m.group(1)) not in policy.connectives or m.end() == len(text):
            return text
        else:
            text = text[m.end():]


def _holder(tokens: list[str], folded: list[str], entities: tuple[str, ...], kind: str, policy: AnswerPolicy) -> str:
    """The entity a title or a leadership verb is tied to (see
    Question.holder): after "<title> of / de / at / chez", after a
    leadership verb, or before "'s <title>"; '' when none is."""
    if kind != "person":
        return ""
    for e in entities:
        ws = [fold(w) for w in words(e)]
        for i in range(len(folded) - len(ws) + 1):
            if folded[i:i + len(ws)] == ws and _titled(folded, i, len(ws), policy):
                return e
    return ""


def tied_holders(text: str, policy: AnswerPolicy = DEFAULT_POLICY) -> set[tuple[str, ...]]:
    """The names (runs of folded words) that `text` ties a title to, the way
    a question ties its holder (see _holder): "Nadia Bellamy, the lawyer
    representing *Clarimont*", "*Veltrane*'s chief executive", "director
    general of the *Groupe Hospitalier Sambre-Meuse*"."""
    toks = figure_tokens(text)  # as names() reads them: "sambre-meuse" is one
    folded = [t.folded for t in toks]
    named = set(names(text, policy))
    out = set()
    i = 0
    while i < len(toks):
        if folded[i] not in named:
            i += 1
            continue
        # a name runs over the next names up to a punctuation mark:
        # "Thomas Verhaegen, AMA's chief executive" names two
        n = 1
        while (i + n < len(toks) and folded[i + n] in named
               and not text[toks[i + n - 1].start + len(toks[i + n - 1].text):toks[i + n].start].strip()):
            n += 1
        if _titled(folded, i, n, policy):
            out.add(tuple(folded[i:i + n]))
        i += n
    return out


def _titled(folded: list[str], i: int, n: int, policy: AnswerPolicy) -> bool:
    """Whether the name at folded[i:i + n] holds a title or a lead."""
    titles = policy.role_nouns | policy.leadership_words
    before = [f for f in folded[max(0, i - 4):i] if f not in ARTICLES]
    # a title of two words ends either way: "chief executive", "directeur général"
    if before and (before[-1] in policy.leadership_words or before[-1] in policy.holder_links
                   and any(f in titles for f in before[-3:-1])):
        return True
    # a title and the deed that ties it: "the lawyer *representing*
    # Clarimont", "l'avocat *qui défend* Veltrane"
    if _tied_by_deed(before, titles, policy):
        return True
    after = folded[i + n:i + n + 2]
    return after[:1] == ["s"] and after[1:] != [] and after[1] in titles


def _tied_by_deed(before: list[str], titles: frozenset[str], policy: AnswerPolicy) -> bool:
    """Whether the words before a name end with a title and a verb tied to it:
    a participle ("lawyer representing"), or "who" / "qui" and a verb, past an
    auxiliary ("avocat qui a défendu")."""
    if len(before) >= 2 and before[-2] in titles and before[-1].endswith(("ing", "ant")):
        return True
    for r in (len(before) - 2, len(before) - 3):
        if r >= 1 and before[r] in _RELATIVE and before[r - 1] in titles and all(
                f in policy.auxiliaries or f in policy.perfect_auxiliaries for f in before[r + 1:-1]):
            return True
    return False


_RELATIVE = ("who", "that", "qui")


_QUOTED = re.compile(r"[«“\"]\s*([^«»“”\"]{1,60}?)\s*[»”\"]")
"""A span the question puts in quotation marks."""


_AGENT_WH = ("who", "qui", "which", "quel", "quelle", "quels", "quelles")


def _relation(tokens: list[str], folded: list[str], kind: str, topic: tuple[str, ...], policy: AnswerPolicy) -> str:
    """The verb after "who" / "which X" (past an auxiliary): "Who *designed*",
    "Which union *called*", "Qui *dirige*", "Quelle entreprise a *construit*".
    A word is taken for that verb when it is a known finite verb, an English
    past form (-ed), or follows "who"/"qui" or an auxiliary directly."""
    if kind not in ("person", "choice"):
        return ""
    start = next((i for i, f in enumerate(folded[:3]) if f in _AGENT_WH), None)
    if start is None:
        return ""
    after_aux = False
    for i in range(start + 1, min(start + 5, len(folded))):
        f, w = folded[i], tokens[i]
        if f in policy.auxiliaries or f in policy.perfect_auxiliaries:
            after_aux = True
            continue
        if f in policy.preverbal_adverbs:  # "Who *first* noticed", "Qui a *aussi* signalé"
            continue
        if f in STOPWORDS or w[:1].isupper():
            return ""
        verb = (f in policy.finite_verbs or f.endswith("ed") or after_aux or i == start + 1 and folded[start] in ("who", "qui"))
        if verb:
            return stem(f) if stem(f) in topic and f not in policy.light_verbs else ""
        if after_aux:
            return ""
    return ""


_WH = ("who|whom|whose|what|which|when|where|why|how|qui|que|quel|quelle|quels|quelles|quand|où|ou|pourquoi|"
       "comment|combien")
_PART_BREAK = re.compile(rf"\s*(?:[,;]?\s+(?:and|et|but|mais)|[?;])\s+(?=(?:{_WH})\b)|(?<=\?)\s+(?=[^?]+\?)", re.IGNORECASE)


def split_parts(text: str, policy: AnswerPolicy = DEFAULT_POLICY) -> list[str]:
    """The questions a message asks, in order: "Which union called the strike,
    and who is its leader?" asks two, each answered on its own (the second
    reads the first's answer for "its"). A part is cut where a question word
    opens the next one, or where a question mark ends one question and
    another follows ("Is he still in post? If not, who took over?"), and
    only when both have a word to ask about."""
    parts = [p.strip(" ,;") for p in _PART_BREAK.split(text)]
    if len(parts) < 2 or len(parts) > policy.max_question_parts or any(len(words(p)) < 3 for p in parts):
        return [text]
    mark = " ?" if question_language(text) == "fr" else "?"
    return [p[:1].upper() + p[1:] + ("" if p.endswith("?") else mark) for p in parts]


def is_request(text: str, policy: AnswerPolicy = DEFAULT_POLICY) -> bool:
    """A message that asks for something other than facts from the articles:
    a creative piece, or a change to the assistant's instructions."""
    folded = [fold(w) for w in words(text)]
    if not folded:
        return False
    creative = any(w in policy.creative_nouns for w in folded)
    tampering = any(w in policy.dismiss_verbs for w in folded) and any(w in policy.instruction_nouns for w in folded)
    opener = folded[0] if folded[0] not in ("please", "svp", "stp") or len(folded) < 2 else folded[1]
    # "Tell me who ..." asks for facts: "tell" is a request verb (so never a
    # name), but it does not make a message a request.
    imperative = opener in policy.request_verbs and opener != "tell"
    return creative or tampering or imperative


_OPENERS = {"who": "person", "whom": "person", "whose": "person", "qui": "person", "where": "place", "ou": "place",
            "où": "place", "when": "date", "quand": "date", "why": "reason", "pourquoi": "reason"}
"""Question words that set the kind when they open the question, whatever nouns follow."""
_POSSESSIVE = re.compile(r"(\w+)['’](?:s\b|(?<=s['’]))")
"""A word in the English possessive: "the tram's", "the doctors'"."""
_CALLED = re.compile(r"\bcomment s (appelle|appellent)\b")
"""'Comment s'appelle X ?': what X is called, a name (folded words)."""
_WHICH = frozenset({"which", "what", "quel", "quelle", "quels", "quelles"})
"""Words that ask which one of a kind: the noun after them names the kind."""
_DURATION = re.compile(r"\bhow long\b|\bcombien de temps\b|\bdepuis quand\b|\bpendant combien\b|\bdepuis combien\b")


def _kind(text: str, folded: list[str], lowered: list[str], policy: AnswerPolicy) -> tuple[str, list[str]]:
    """The kind of answer and the words a figure must be bound to. Money nouns
    are looked up with their accents ("salariés" is staff, "salaries" pay)."""
    joined = " ".join(folded)
    head = folded[:3]
    money_nouns = [w for w in lowered if w in policy.money_nouns]

    def after(*phrase: str, n: int = 3) -> list[str]:
        """The words the phrase is about: up to two, to the first verb
        ("how many *extra nurses* will", "nombre de *passagers*")."""
        for i in range(len(folded) - len(phrase) + 1):
            if tuple(folded[i:i + len(phrase)]) == phrase:
                out = []
                for w in folded[i + len(phrase):]:  # "how many *of the* sick children"
                    if len(out) == n or w in policy.auxiliaries or w in policy.finite_verbs or w in policy.question_words:
                        break
                    if w not in STOPWORDS:
                        out.append(w)
                return out[:2]
        return []

    if re.search(r"\b(percentage|percent|proportion|pourcentage)\b", joined) or re.search(r"\bwhat share\b|\bquelle part\b", joined):
        of_what = (after("percentage") or after("percent") or after("pourcentage") or after("proportion")
                   or after("share", "of") or after("part", "des") or after("part", "de") or after("part", "du"))
        return "percent", of_what[:1]
    opener = re.match(r"^\W*(\w+)", joined)
    if opener and opener.group(1) in _OPENERS:  # "Who wrote the report on the costs?" asks for a person
        return _OPENERS[opener.group(1)], []
    if _DURATION.search(joined):
        return "duration", []
    if re.search(r"\bhow many\b|\bnumber of\b|\bnombre de\b", joined) or re.search(r"\bcombien d(e|es)?\b(?! temps)", joined):
        counted = after("how", "many") or after("number", "of") or after("nombre", "de") or after("combien", "de") or after("combien", "d")
        # The counted noun is the head of its phrase: first in French
        # ("*infirmiers* supplémentaires"); in English, the plural one
        # ("extra *nurses*", "sick *children*"), else the first.
        # Its modifiers ("*parking* spaces") follow it in the attribute.
        plural = [w for w in counted if w.endswith("s") and not w.endswith("ss") or w in policy.irregular_plurals]
        head = counted[:1] if question_language(text) == "fr" or not plural else plural[-1:]
        counted = head + [w for w in counted if w not in head]
        if counted and lowered[folded.index(counted[0])] in policy.money_nouns:
            return "money", counted[:1]
        if counted and counted[0] in policy.time_units:  # "how many years": a span of time
            return "duration", []
        return "count", counted
    if money_nouns or (re.search(r"\bhow much\b|\bcombien\b", joined) and any(w in policy.money_verbs for w in folded)):
        verbs = [w for w in folded if w in policy.money_verbs]
        return "money", money_nouns or verbs
    if re.search(r"\bhow (much|old|far|often|big|large|high|fast)\b|\bcombien\b|\bwhat number\b|\bquel nombre\b", joined):
        return "number", []
    if re.search(r"\b(what|which|quel|quelle|in which|in what|en quelle|à quelle|a quelle) (year|date|day|month|time|année|annee|date|jour|mois|heure)\b", joined):
        return "date", []
    places = folded_words(policy.place_nouns)  # "in which *village*", "quelles *communes*"
    if any(w in _WHICH and nxt in places for w, nxt in zip(folded, folded[1:])):
        return "place", []
    if re.search(r"\b(which|what|quel|quelle) (person|people|official|personne)\b", joined):
        return "person", []
    if head and (head[0] in policy.auxiliaries or joined.startswith("est-ce")):
        return "yesno", []
    if re.search(r"^\W*(which|what|quel|quelle|quels|quelles|lequel|laquelle|lesquels|lesquelles)\b", joined) or \
            re.match(r"^\W*" + _CALLED.pattern, joined):
        return "choice", []
    return "other", []


def _entities(text: str, tokens: list[str], policy: AnswerPolicy) -> tuple[str, ...]:
    """Runs of capitalized words, and words with digits, as written; role
    titles ("CEO") and words that are capitalized only because they open the
    question are left out."""
    out: list[str] = []
    run: list[str] = []
    for i, w in enumerate(tokens):
        f = fold(w)
        common = f in STOPWORDS or f in policy.question_words or f in policy.request_verbs or f in policy.auxiliaries
        # The opening word is capitalized by the sentence: alone ("Selon le
        # syndicat", "According to"), it is a name only if written as one.
        opener = i == 0 and not (len(tokens) > 1 and tokens[1][:1].isupper()) and not _written_as_name(w)
        # "65 million euros", "40 euros": a figure, not part of the name before it ("Sambre-Meuse 65")
        figure = w.isdigit() and i + 1 < len(tokens) and (
            fold(tokens[i + 1]) in policy.scale_words or fold(tokens[i + 1]) in policy.currency_words)
        is_name = (
            (w[0].isupper() or any(c.isdigit() for c in w))
            and f not in policy.role_nouns
            # a month or weekday dates what is asked ("in April"), see `scope`
            and f not in policy.months and f not in policy.relative_dates
            and not opener and not figure
            and not (common and (i == 0 or w.islower() or len(w) < 3 and not w.isupper()))
        )
        if is_name:
            run.append(w)
        else:
            if run:
                out.append(" ".join(run))
            run = []
    if run:
        out.append(" ".join(run))
    return tuple(dict.fromkeys(e for e in out if terms(e)))


def _written_as_name(word: str) -> bool:
    """An acronym, a word with digits or an inner capital ("GHSM", "A9", "iPhone")."""
    return any(c.isdigit() for c in word) or any(c.isupper() for c in word[1:])


def _category(folded: list[str], entity_stems: set[str], policy: AnswerPolicy, language: str = "en") -> str:
    """The noun right after which/what/quel ("Which AWS chip" -> chip), if any.
    An English noun is the last of a compound, seen where a verb form follows
    it: "What security failings did ..." asks for failings."""
    # "What is the name of the lawyer ...", "Comment s'appelle l'avocat ...":
    # the noun whose name is asked.
    for i, w in enumerate(folded[:-1]):
        if w in ("name", "nom") and folded[i + 1] in ("of", "de", "du") or w in ("appelle", "appellent") and i and folded[i - 1] == "s":
            nxt = next((f for f in folded[i + 1:i + 4] if f not in STOPWORDS), "")
            if nxt and stem(nxt) not in entity_stems and nxt not in policy.auxiliaries:
                return stem(nxt)
    for i, w in enumerate(folded[:-1]):
        if w not in _WHICH:
            continue
        for j in range(i + 1, min(i + 4, len(folded))):
            nxt = folded[j]
            s = stem(nxt)
            if s in entity_stems:
                continue
            # "Quel *était* le déficit": a verb, not the noun asked for
            if nxt in STOPWORDS or nxt in policy.auxiliaries or nxt in policy.finite_verbs:
                return ""
            if nxt in policy.slot_nouns or nxt in ("of", "de"):
                continue
            after = folded[j + 1:j + 3]
            if language == "en" and after and after[0] in policy.role_nouns:
                return stem(after[0])  # "Which regional *minister*": the title, not its adjective
            # A noun used as a modifier is singular in English ("*security*
            # failings"): a plural one is the head ("Which *countries*
            # initially had ...").
            if (language == "en" and len(after) == 2 and after[1] in policy.auxiliaries and not _plural(s, [nxt])
                    and after[0] not in STOPWORDS and after[0] not in policy.auxiliaries
                    and after[0] not in policy.slot_nouns):
                return stem(after[0])
            return s
    return ""


def _plural(category: str, tokens: list[str]) -> bool:
    return any(stem(t) == category and fold(t) != category and fold(t).endswith(("s", "x")) for t in tokens)


def _leans_on_context(folded: list[str], entities: tuple[str, ...], policy: AnswerPolicy) -> bool:
    """A pronoun or demonstrative, or a short question with no name of its own.
    A possessive after a name of the question ("Apple ... its devices") points
    inside the question; "that" and "there" are too often not pronouns to count."""
    seen_name = False
    names = {fold(w) for e in entities for w in words(e)}
    for w in folded:
        if w in names:
            seen_name = True
        if w in policy.anaphors and w not in policy.weak_anaphors:
            if seen_name and w in policy.possessives:
                continue
            return True
    return not entities and len(folded) <= 5
