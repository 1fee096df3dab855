"""Stage 3, evidence: the sentences of the retrieved passages, each scored
against the parsed question and checked for whether it can answer it.

An evidence unit is a verbatim span of the cleaned article: one sentence, or
a sentence with the one before it when it opens with a pronoun ("He", "This
collaboration", "Il"), so that a quote carries its own referent.

A unit *answers* when it holds the question's focus and an answer of the
asked kind:
- every name of the question is in the unit, its headline, or its article,
  and at least one is in the unit or headline;
- enough of the question's other terms are there (or, across languages or
  in paraphrase, the meaning is close);
- a figure is bound to what the question measures ("fine", "budget"), in
  the unit it asks for ("in euros") and for the time span it names;
- it holds an answer of the asked kind (a sum, a date, a name...) and says
  something the question does not.

Units that state the answer fully (a full date, a located place, a full
name, a counted noun beside its figure) rank above those that only hint at
it, and a lead paragraph under a dateline carries the dateline.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .embedder import Embedder
from .figures import (counted_nouns, fits_kind, has_date, has_year, holds_units, is_specific, is_year, names,
                      number_values, offices, placed_words, span_contexts, undated, word_stems, years_by)
from .policy import AnswerPolicy
from .question import Question, tied_holders
from .retrieval import Passage
from .text import ARTICLES, STOPWORDS, WORD, fold, folded_words, plain, same_term, sentence_spans, stem, term_in, terms, words

Preceding = Callable[[Passage], "tuple[int, str] | None"]


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
    """Cosine of the unit to the question."""
    coverage: float
    """Idf-weighted share of the question's terms in the unit and headline."""
    score: float
    """Relevance from meaning and wording."""
    same_language: bool
    answers: bool
    """Holds the question's focus and an answer of the asked kind."""
    why_not: str = ""
    """When it does not answer, the first reason."""
    specific: bool = False
    """States the asked kind fully, not only a hint of it (see
    AnswerPolicy.specific_answer_bonus)."""
    rank: float = 0.0
    """`score` with the bonuses for the reader's language, a specific answer
    and its passage's retrieval score: what evidence is ordered and compared by."""


def select_evidence(
    question: Question,
    passages: list[Passage],
    embedder: Embedder,
    idf: Callable[[str], float],
    policy: AnswerPolicy,
    question_vector: np.ndarray | None = None,
    preceding: Preceding | None = None,
    doc_terms: Callable[[str], set[str]] | None = None,
) -> list[Evidence]:
    """Every unit of `passages`, those that answer first, best first."""
    units = _units(passages, preceding, policy, question)
    if not units:
        return []
    qvec = embedder.embed([question.query])[0] if question_vector is None else question_vector
    # A query may add words to the question (a follow-up's names from earlier
    # turns, other writings of a title); a short question ("Over how many
    # years must it be repaid?") is drowned by them, so a unit close in
    # meaning to the question as asked is close enough.
    own_vec = embedder.embed([question.text])[0] if question.query != question.text else None
    vectors = embedder.embed([text for _, _, text, _, _ in units])
    asked = question.all_terms
    asked_set = set(asked)
    known = _Known(question, policy)
    # A pronoun stands for one of the names it points to: "What sum is *it*
    # asking for?", "it" being Clarimont, asks about Clarimont as if it named
    # it. It is one word of the question, whichever name it is.
    referred = [t for t in dict.fromkeys(stem(w) for w in known.pointed) if t not in asked_set]
    carried = [t for n in question.carried for t in terms(n) if t not in asked and t not in referred]
    weights = {t: idf(t) for t in asked + referred + carried}
    meaning = _Meaning(embedder, policy)
    # The question's own words, as written, for matching their translations;
    # its names are matched as names, never translated.
    asked_words = {w.casefold(): stem(w) for w in words(question.text)
                   if stem(w) in asked_set and fold(w) not in known.own_names}
    articles: dict[str, set[str]] = {}  # one read of each article's terms, however many of its sentences
    nearby: dict[str, set[str]] = {}  # each passage's terms
    out = []
    for (start, end, text, passage, before), vec in zip(units, vectors):
        own = set(terms(text))
        spelled = {acronym for acronym, _, _ in known.acronyms if acronym in own}
        # A name in the unit is matched exactly, never by a shared prefix, as
        # in the verifier: "Trainium" does not hold "training". A capitalized
        # title ("Chief Executive Mathilde Carrasco") is no name.
        own -= {stem(n) for n in names(text, policy) if n not in policy.role_nouns} - asked_set - set(referred) - spelled
        # "ARTE" says "Autorité régionale de transport de l'Estrie" in full
        own |= {t for acronym, _, stands_for in known.acronyms if acronym in spelled for t in stands_for}
        own |= set(offices(own, policy))  # "director general" says who the CEO is
        if known.leads and any(term_in(w, word_stems(policy.role_nouns)) for w in own):
            own |= known.leads  # "secretary-general of SWIS" says who leads SWIS
        same = bool(question.language) and passage.language == question.language
        if not same:
            # In the other language a question's word is said by its
            # translation: "children" by "enfants", "workers" by "salariés".
            own |= meaning.translated(asked_words, text)
        window = own | set(terms(passage.title))
        dense = float(vec @ qvec) if own_vec is None else max(float(vec @ qvec), float(vec @ own_vec))
        # Scored on the sentence; its headline counts at a discount, since it
        # is shared by every sentence of its article and would rank them alike.
        coverage = max(_coverage(asked, carried, own, weights, referred),
                       policy.headline_weight * _coverage(asked, carried, window, weights, referred))
        score = policy.dense_weight * dense + (1 - policy.dense_weight) * coverage
        if doc_terms and passage.doc_id not in articles:
            articles[passage.doc_id] = doc_terms(passage.doc_id)
        article = articles.get(passage.doc_id, window)
        if question.carried and passage.chunk_id not in nearby:
            nearby[passage.chunk_id] = set(terms(passage.text))
        why = _why_not(question, known, text, window, article, dense, weights, same, policy, meaning,
                       nearby.get(passage.chunk_id, window), set(terms(before)),
                       f"{passage.title}. {passage.text}" if question.pointed else "")
        specific = is_specific(question.kind, text, question.is_list, known.words, policy, question.attribute)
        # A quote in the reader's language, or one that states the answer
        # fully, wins when it answers about as well.
        rank = (score + policy.same_language_bonus * same + policy.specific_answer_bonus * specific
                + policy.passage_weight * passage.score)
        out.append(Evidence(passage.doc_id, passage.title, passage.source, text, start, end, passage,
                            round(dense, 4), round(coverage, 4), round(score, 4), same, not why, why, specific,
                            round(rank, 4)))
    first = question.kind in policy.specific_first_kinds and not question.identifies
    out.sort(key=lambda e: (-e.answers, -(first and e.specific), -e.rank))
    return out


def unknown_entities(question: Question, passages: list[Passage]) -> list[str]:
    """Names of the question that no retrieved passage mentions: the question
    is about something the articles don't cover ("the CEO of X")."""
    pools = [set(terms(p.text)) | set(terms(p.title)) for p in passages]
    # A year is looked for in each sentence's whole article (see _why_not):
    # the passage that answers may say "last year" under a lead that dates it.
    return [e for e in question.entities if not e.isdigit()
            and not any(all(term_in(t, pool) for t in terms(e)) for pool in pools)]


class _Known:
    """What the question already says, worked out once for all its evidence."""

    def __init__(self, q: Question, policy: AnswerPolicy) -> None:
        self.heads = _heads(q)
        self.acronyms = _acronyms(q)
        self.own_names = q.name_words
        self.pointed = _own_words(q.pointed, policy)  # what a follow-up's pronoun points to, by its own words
        # "Who took over from him?" asks for another person than "him".
        self.not_asked = self.pointed if q.kind == "person" and any(
            fold(w) in policy.person_references for w in words(q.text)) else set()
        self.names = q.known_names
        self.terms = set(q.all_terms) | {t for n in q.carried for t in terms(n)}
        self.numbers = number_values(q.text, policy)
        self.words = {fold(w) for w in words(q.text)} | self.names
        # The titles whose holder a "who" question asks for ("Who is the chief
        # executive of X?"); a word that asks only who leads is held by any title.
        titles = word_stems(policy.role_nouns) - word_stems(policy.leadership_words)
        self.titles = [t for t in q.topic if t in titles] if q.kind == "person" else []
        # "Who leads it?": a title says who ("secretary-general of SWIS"); in
        # another question "run" is a verb like any ("services run on AWS").
        self.leads = {t for t in q.topic if t in word_stems(policy.leadership_words)} if q.kind == "person" else set()


def _heads(q: Question) -> set[str]:
    """Stems of the common nouns the question puts with its names: after the
    name ("the Kessel *tunnel*", "the Quai des Tanneurs *flood wall*") or
    before "de" ("le *barrage* de Cornimont")."""
    ws = words(q.text)
    named = q.name_words
    out = set()
    for i, w in enumerate(ws):
        if fold(w) not in named:
            continue
        for nxt in ws[i + 1:i + 3]:
            if fold(nxt) in named or fold(nxt) in STOPWORDS or not nxt.islower():
                break
            out.add(stem(fold(nxt)))
        if i >= 2 and fold(ws[i - 1]) in ("de", "du", "des", "d") and ws[i - 2].islower() and fold(ws[i - 2]) not in STOPWORDS:
            out.add(stem(fold(ws[i - 2])))
    return out


def _refers_back(text: str, sentence: set[str], known: "_Known", policy: AnswerPolicy) -> bool:
    """The unit has a pronoun among its first words ("It was built", "Anna
    Berg, *its* secretary-general") or names a noun the question puts with
    its names: it goes on about what the sentence before named."""
    ws = [fold(w) for w in words(text)][:9]
    return any(w in policy.anaphors and w not in policy.weak_anaphors for w in ws) or any(
        term_in(h, sentence) for h in known.heads)


def _acronyms(q: Question) -> list[tuple[str, set[str], set[str]]]:
    """(acronym, names of the question it covers, terms it stands for) for each
    run of words that opens and closes with a capital: its content words'
    initials, folded."""
    ws = words(q.text)
    out = []
    for i, w in enumerate(ws):
        if not w[:1].isupper() or i == 0 and fold(w) in STOPWORDS:
            continue
        for j in range(len(ws) - 1, i, -1):
            if not ws[j][:1].isupper():
                continue
            content = [x for x in ws[i:j + 1] if fold(x) not in STOPWORDS]
            if len(content) >= 3:  # two letters ("EP") match too many words
                span = {fold(x) for x in ws[i:j + 1]}
                named = {e for e in q.entities if all(fold(x) in span for x in words(e))}
                if named:
                    out.append(("".join(fold(x)[0] for x in content), named, set(terms(" ".join(content)))))
            break
    return out


def _why_not(
    q: Question, known: _Known, text: str, window: set[str], article: set[str], dense: float,
    weights: dict[str, float], same_language: bool, policy: AnswerPolicy, meaning: "_Meaning", near: set[str],
    before: set[str], context: str,
) -> str:
    """'' when the unit answers the question, else the first reason it doesn't."""
    sentence = set(terms(text))  # the unit's own words, without its headline
    sentence |= set(offices(sentence, policy))
    # A name written as its acronym ("ARTE" for "Autorité régionale de
    # transport de l'Estrie") is the name.
    short = {e for acronym, named, _ in known.acronyms if acronym in window for e in named}
    # In one language a name is said by its own word, as the unit's names are
    # matched (see select_evidence), not by a common word sharing its first
    # letters ("Pharmadis" is not "pharmacies"); across languages a cognate
    # says it ("européenne", "European").
    in_window = [e for e in q.entities if e in short or e in q.text and _shortened(e, text, policy) or all(
        t in window or not same_language and term_in(t, window) for t in terms(e))]
    for e in q.entities:
        if e not in in_window and not all(term_in(t, article) for t in terms(e)):
            return f"its article does not mention {e}"
    # A news sentence names its subject and the next says "the building":
    # the name may be in the sentence just before, when the unit refers back
    # to it, by a pronoun or by the noun the question puts with the name
    # ("the Kessel *tunnel*"): "The new station was designed by ..." after
    # a sentence on the tunnel is about the station.
    def referred(names: Sequence[str]) -> bool:
        return any(all(term_in(t, before) for t in terms(e)) for e in names) and _refers_back(text, sentence, known, policy)

    if q.entities and not in_window and not referred(q.entities):
        return "it mentions none of the question's names"
    # An office is someone's: Estrémont's chief executive does not answer
    # "Who is the chief executive of Pharmadis, which distributes Estrémont's products?"
    if q.holder and q.holder not in in_window and not referred([q.holder]):
        return f"it is not about {q.holder}"
    # The sentence may tie the title to its own holder, as the question does:
    # "Nadia Bellamy, the lawyer representing Clarimont" is not the lawyer
    # defending Veltrane, whatever else the sentence says of Veltrane.
    tied = tied_holders(text, policy) if q.holder else set()
    if tied and not any(_names_holder(run, q, known) for run in tied):
        return f"it ties the title to {', '.join(' '.join(run) for run in sorted(tied))}, not to {q.holder}"
    # "Who is its leader?": the sentence itself names what "its" points to,
    # and ties the title to nothing else.
    if q.referents:
        # A name is found by any of its words: "Nordvik" for "Nordvik Forensics", "Dupin" for "Benoit Dupin".
        said = sentence | (before if _refers_back(text, sentence, known, policy) else set())
        if not any(term_in(t, said) for r in q.referents for t in terms(r)):
            return f"it is not about {q.referents[0]}"
        theirs = {fold(w) for r in q.referents for w in words(r)}
        tied = tied_holders(text, policy)
        if tied and not any(set(run) & theirs for run in tied):
            return f"it ties the title to {', '.join(' '.join(run) for run in sorted(tied))}, not to {q.referents[0]}"
    # The pronoun's referent must be near: in the unit, its headline or the
    # passage around it ("its vehicles" in the paragraph about Alstom's trams).
    # A name of several words is found by its last ("Dupin" for "Benoit Dupin").
    if q.carried and not any(term_in(t[-1], window) or term_in(t[-1], near) for t in map(terms, q.carried) if t):
        return "it is not about what the question's pronoun refers to"
    # "Who designed the A220?" is not answered by "..., chief executive Sophie
    # Marchetti told a news conference": whoever a sentence has speaking is
    # its source, not the doer of a deed it does not name. A verb of speech
    # asked about ("Who called the strike irresponsible?") is the deed.
    if q.relation and q.kind in ("person", "choice") and not term_in(q.relation, word_stems(policy.reporting_words)) \
            and not (term_in(q.relation, window) or meaning.held(q.relation, sentence, not same_language)) \
            and _speakers_only(text, known.names, policy):
        return f"it names only who spoke, not who {q.relation}"
    # A follow-up's pronoun points to what the last turn was about: a
    # sentence that opens on another name and names none of those is about
    # that other one ("Veltrane, founded in 2004, ..." when "it" is the
    # hospital group). A name asked for may open its sentence, so "who" and
    # "which" questions are left to the checks above.
    if q.pointed and q.kind not in ("person", "choice"):
        opening = _opening_name(text, context, policy)
        pointed = known.pointed
        if opening and not set(opening) & (pointed | q.name_words) and not pointed & {fold(w) for w in words(text)}:
            return f"it is about {' '.join(opening)}, not {q.pointed[0]}"
    # A question whose only word of its own is the kind asked ("Quel âge
    # a-t-il ?", "Quelle est sa nationalité ?") is on that word's topic too.
    if (q.topic or q.category) and not _topic_held(q, window, dense, weights, same_language, policy, meaning):
        return "it is about something else"
    # "When will the second line open?" is not answered by "the first tram
    # line opened on Saturday"; "the second half of 2027" ranks no line.
    asked_ranks = _ranked(q.text, policy)
    if asked_ranks:
        rank, ranked = asked_ranks[0]
        said = {policy.ordinals[w]: w for w, after in _ranked(text, policy) if after & ranked}
        if said and policy.ordinals[rank] not in said:
            return f"it is about the {min(said.items())[1]}, not the {rank}"
    for t in q.quoted:
        # Words the question quotes are what was said: the sentence says them.
        if not (term_in(t, sentence) or not same_language and meaning.held(t, sentence, True)):
            return f"it does not say \"{t}\""
    if known.titles and not any(term_in(t, sentence) for t in known.titles) and (
            same_language or not any(meaning.held(t, sentence, True) for t in known.titles)):
        return f"it names no {known.titles[-1]}"
    leading = word_stems(policy.leadership_words)
    if q.kind == "person" and any(t in leading for t in q.topic):
        # "Who is in charge of it?" is answered by a sentence that gives
        # someone a title or a lead ("Marc Dubois, secretary-general of the
        # SWIS", "led by ..."), in either language; one that names only the
        # group ("Le groupe criminel Black Lantern, qui réclamait une
        # rançon ...") says no one leads it, however close its meaning.
        titles = leading | word_stems(policy.role_nouns)
        if not any(term_in(w, titles) for w in sentence):
            return "it names no one who leads"
    if q.kind == "person" and q.category in word_stems(policy.role_nouns) and not (
            term_in(q.category, window) or meaning.held(q.category, window, not same_language)):
        # "Which minister announced ...": a unit naming a member of
        # parliament does not answer; "la ministre" does, in either language.
        return f"it names no {q.category}"
    if q.relation and term_in(q.relation, article) and _other_agent(text, policy) and not (
            term_in(q.relation, window) or meaning.held(q.relation, sentence, not same_language)):
        # "Who designed the dam?" is not answered by "built by Delcourt" in
        # an article that says elsewhere what was "designed by" whom: its
        # writer tells the two deeds apart. Where the article never uses the
        # verb asked about, another verb may be its paraphrase ("Which union
        # led the strike?": "called by the SWIS"), and word vectors cannot
        # tell a paraphrase from a neighbouring deed ("built" / "designed":
        # 0.63; "led" / "called": under 0.65 too).
        return f"it names who did something other than '{q.relation}'"
    if q.relation and _deed_without_doer(text, q.relation, policy):
        # "Veltrane, founded in 2004, employs 3,400 people" says when, not
        # who: a name elsewhere in it is no answer to "Who founded Veltrane?".
        return f"it does not say who {q.relation}"
    if q.attribute and q.kind in ("money", "percent"):
        # A sum is bound to its own word ("revenue" is not "profit"); the base
        # of a share is often worded another way ("of the cost": "of the
        # bill"), and so is a payment ("payer": "financera"); across
        # languages only meaning can bind any of them.
        paid = all(a in word_stems(policy.money_verbs) for a in q.attribute)
        loose = q.kind == "percent" or paid or not same_language
        if not any(term_in(a, window) or loose and meaning.held(a, window, not same_language) for a in q.attribute):
            return f"its figure is not said to be the {' / '.join(q.attribute)}"
    elif q.attribute and q.kind == "count" and not _counts(q, text, window, article, same_language, meaning, policy):
        return f"it does not count {q.attribute[0]}"
    elif q.kind == "duration" and not _spans_bound(q, text, meaning, policy):
        return "its span of time is not said to be what the question asks about"
    joined = [t for t in q.alone if q.wants_figure and _joined_only(text, t, policy)]  # as written, or a cognate
    if joined:
        # "rescued 212 people by boat or helicopter" counts more than those
        # rescued by helicopter alone
        return f"its figure is not for the {joined[0]} alone"
    if q.wants_figure and _withholds_figure(text, policy):
        return "it says the figure was not given"
    # A figure asked for a year is not one said for another: "bénéfice net
    # en 2023" is not answered by "a dégagé en 2024 un bénéfice net de 86
    # millions", even when the article names 2023 elsewhere.
    asked_years = {e for e in q.entities if is_year(e)}
    if asked_years and q.wants_figure and q.attribute:
        bound = years_by(text, q.attribute, policy)  # None: a year said from the article's date
        if bound and not bound & asked_years:
            return f"its figure is for {min(bound)}, not {min(asked_years)}"
    # A follow-up may ask again for a name the conversation already gave
    # ("Where is its plant?" after "... its plant in La Pocatière").
    if not any(fits_kind(k, text, known.own_names | known.not_asked | _spelled_out(q, text), policy, q.category)
               for k in q.kinds):
        return f"it holds no {q.kind}"
    # "In what year ...?" is not answered by a day or a month: "on Feb. 25"
    # in a dateline is when the article was filed, and of no stated year.
    if q.kind == "date" and q.category in word_stems(policy.year_words) and not has_year(text, policy):
        return "it gives no year"
    if q.units and not holds_units(text, q.units, policy):
        return f"it gives no figure in {' / '.join(q.units)}"
    # Whose it is: "how many passengers can each bus carry" is not answered
    # by the train's passengers; "who leads the doctors' union" is not
    # answered by the nurses' union's leader. In one language it must be the
    # question's own word: word meaning passes the neighbours that get
    # confused ("bus" / "train": 0.7); across languages only meaning can.
    def said(t: str) -> bool:
        return term_in(t, window) if same_language else meaning.held(t, window)

    for t in q.owners if q.wants_figure else ():
        if not said(t):
            return f"its figure is not said to be for the {t}"
    for t in q.possessors:
        if not said(t):
            return f"it is not about the {t}'s"
    # A figure per span of time says so in its own sentence ("31 million
    # euros a year" for "annual", "180 euros par mois" for "monthly").
    if q.period and q.wants_figure:
        for f in q.period:
            forms = [stem(f), stem(policy.frequency_words[f])]
            if not any(term_in(w, sentence) or not same_language and meaning.held(w, sentence) for w in forms):
                return f"its figure is not said to be {f}"
    # A figure for a span of time says which ("in its first week"); in the
    # other language, by the word's translation ("semaine" / "week" 0.95,
    # "semaine" / "day" 0.66: see AnswerPolicy.translation_similarity).
    # Across languages a year is not looked for, as it is said by a number
    # as often as by a word ("that year": "en 2024"), nor a month: "the April
    # agreement" names which agreement, and its month is often only in the
    # other article's dateline.
    unsaid = [t for t in q.scope if not term_in(t, window) and (same_language or (
        t in word_stems(policy.time_units) and t not in word_stems(policy.year_words)))]
    if unsaid and q.wants_figure and (same_language or not meaning.translated(
            {w.casefold(): stem(w) for w in words(q.text) if stem(w) in unsaid}, text) >= set(unsaid)):
        return f"its figure is not said to be for the {' / '.join(unsaid)} asked about"
    new = [t for t in terms(text) if not term_in(t, known.terms)] + sorted(number_values(text, policy) - known.numbers)
    if not new:
        return "it only repeats the question"
    return ""


def _speakers_only(text: str, question_names: set[str], policy: AnswerPolicy) -> bool:
    """Whether every name `text` gives, other than the question's names (not
    its other words: "Which *bank*" is answered by "the European Investment
    Bank") and places ("near Geneva Airport"), stands by a reporting word:
    "Marchetti told", "said Marc Delacroix", "according to CNBC". False when
    it gives none. A capitalized word opening the sentence alone
    ("Deliveries are due") is no name, unless it is said to speak
    ("Marchetti said")."""
    body = undated(text, policy)
    found = list(WORD.finditer(body))
    toks = [fold(m.group()) for m in found]
    reporting = folded_words(policy.reporting_words)
    placed = placed_words(body, policy)
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(found):
        j = i
        # punctuation but a hyphen ends a name: "the European Investment Bank (EIB)" is two
        while j < len(found) and found[j].group()[:1].isupper() and toks[j] not in STOPWORDS \
                and toks[j] not in policy.role_nouns and (j == i or body[found[j - 1].end():found[j].start()].strip() in ("", "-")):
            j += 1
        alone = i == 0 and j == 1 and not (len(toks) > 1 and toks[1] in reporting)  # "Marchetti said" names her
        if j > i and not alone and not any(
                toks[k] in question_names or toks[k] in placed or toks[k] in policy.months for k in range(i, j)):
            runs.append((i, j))
        i = max(j, i + 1)
    near = policy.speaker_window
    return bool(runs) and all(any(w in reporting for w in toks[max(0, a - near):a] + toks[b:b + near])
                              for a, b in runs)


def _own_words(names: Sequence[str], policy: AnswerPolicy) -> set[str]:
    """The folded words of `names` that tell one name from another: not
    "Group" or "the", which many names share."""
    generic = STOPWORDS | folded_words(policy.named_categories) | folded_words(policy.role_nouns)
    return {fold(w) for n in names for w in words(n)} - generic


def _opening_name(text: str, context: str, policy: AnswerPolicy) -> list[str]:
    """The name a sentence opens on, its subject, as folded words: "Veltrane,
    founded in 2004, employs ...", "The Groupe Hospitalier Sambre-Meuse
    (GHSM), which runs ...", or the name after a short opening phrase set off
    by a comma ("Arrivé dans l'entreprise en 2022, M. Verbeke quitte ...").
    One capitalized word at the start is a name only when `context`, its
    passage, also writes it capitalized inside a sentence: "Deliveries are
    due" opens on no name. [] when the sentence opens otherwise."""
    body = undated(text, policy)
    ws = list(WORD.finditer(body))

    def run_at(i: int) -> list[str]:
        if i < len(ws) and fold(ws[i].group()) in ARTICLES:
            i += 1
        first = i
        run: list[str] = []
        while i < len(ws) and ws[i].group()[:1].isupper() and (
                not run or not body[ws[i - 1].end():ws[i].start()].strip(" .-'’")):
            run.append(ws[i].group())
            i += 1
        # "In Lyon, ..." opens on a preposition; "M. Verbeke" on a title
        titled = len(run) > 1 and body[ws[first].end():ws[first].end() + 1] == "."
        if not run or fold(run[0]) in STOPWORDS and not titled:
            return []
        folded = [fold(w) for w in run]
        if all(f in policy.months or f in policy.relative_dates for f in folded):
            return []
        if len(run) == 1 and not re.search(rf"[\w,;:]\s+{re.escape(run[0])}\b", context):
            return []
        return folded

    opening = run_at(0)
    if opening or not ws or fold(ws[0].group()) in policy.anaphors:
        return opening
    comma = body.find(",")
    if 0 < comma and len(WORD.findall(body[:comma])) <= policy.opening_phrase_words:
        return run_at(next((i for i, m in enumerate(ws) if m.start() > comma), len(ws)))
    return []


def _shortened(name: str, text: str, policy: AnswerPolicy) -> bool:
    """Whether `text` names `name`, a name of several words, by part of it
    ("Corvalis" for "Corvalis Pharma", "Estrémont" for "Laboratoires
    Estrémont"): a run of capitalized words all of which are the name's."""
    own = [fold(w) for w in words(name)]
    if len(own) < 2:
        return False
    categories, roles = folded_words(policy.named_categories), folded_words(policy.role_nouns)
    run: list[str] = []
    for w in words(text) + [""]:
        if w[:1].isupper():
            run.append(fold(w))
            continue
        if run and set(run) <= set(own) and not all(r in STOPWORDS or r in categories or r in roles for r in run):
            return True
        run = []
    return False


def _joined_only(text: str, term: str, policy: AnswerPolicy) -> bool:
    """Whether `text` says `term` and says it only joined to another thing
    ("by boat *or helicopter*", "helicopters and boats")."""
    ws = [fold(w) for w in words(text)]
    at = [i for i, w in enumerate(ws) if same_term(stem(w), term)]

    def joined(i: int) -> bool:
        return any(0 <= i + 2 * d < len(ws) and ws[i + d] in policy.coordinators and ws[i + 2 * d] not in STOPWORDS
                   for d in (-1, 1))

    return bool(at) and all(joined(i) for i in at)


def _withholds_figure(text: str, policy: AnswerPolicy) -> bool:
    """Whether `text` says a figure was not given (AnswerPolicy.withheld_figure)."""
    said = plain(text)
    return any(f" {phrase} " in said for phrase in policy.withheld_figure)


def _ranked(text: str, policy: AnswerPolicy) -> list[tuple[str, set[str]]]:
    """Each ordinal of `text` (folded: "second") with the stems of the
    content words just after it: what it ranks ("tram", "line")."""
    ws = [fold(w) for w in words(text)]
    return [(w, {stem(x) for x in ws[i + 1:i + 4] if x not in STOPWORDS})
            for i, w in enumerate(ws) if w in policy.ordinals]


def _names_holder(run: tuple[str, ...], q: Question, known: _Known) -> bool:
    """Whether a run of folded words names the question's holder: by a word
    of it, by its acronym ("GHSM" for "Groupe Hospitalier Sambre-Meuse"), or
    written out from it."""
    own = {fold(w) for w in words(q.holder)}
    own |= {acronym for acronym, named, _ in known.acronyms if q.holder in named}
    parts = [part for w in run for part in w.split("-") if part]  # "maubray-sur-semois"
    initials = "".join(w[0] for w in parts if w not in STOPWORDS)
    return bool(own & set(parts)) or initials in own


def _other_agent(text: str, policy: AnswerPolicy) -> bool:
    """Whether `text` names an agent with a passive verb: "built *by* Airbus",
    "conçu *par* le cabinet Verhaegen"."""
    ws = [fold(w) for w in words(text)]
    for i, w in enumerate(ws[1:-1], 1):
        # the verb may stand a few words before: "built between 1975 and 1979 by"
        if w in policy.agent_markers and any(
                v in policy.finite_verbs or v.endswith(policy.participle_endings) and v not in STOPWORDS
                for v in ws[max(0, i - policy.agent_verb_window):i]):
            return True
    return False


def _deed_without_doer(text: str, verb: str, policy: AnswerPolicy) -> bool:
    """Whether `text` says `verb` only as a participle without its agent:
    after a passive auxiliary ("was built in 1975"), or after a comma and
    before a time or place ("X, founded in 2004,"; not "Keller, called the
    strike"), with no "by" / "par" in the few words after it."""
    found = False
    for m in WORD.finditer(text):
        if not same_term(stem(m.group()), verb) or fold(m.group()).endswith(("ing", "ant")):
            continue  # "said the minister, announcing the fund": its doer is just before
        found = True
        head = text[:m.start()].rstrip()
        previous = fold(next(iter(WORD.findall(head)[-1:]), ""))
        after = [fold(w) for w in WORD.findall(text[m.end():])][:policy.agent_verb_window]
        # "X, founded in 2004, employs ...": one comma opens the participle's
        # clause. Two close a name's apposition, and the verb is the
        # sentence's own, its doer just before: "Corvalis Pharma's chief
        # operating officer, Pieter Vanhoutte, resigned on Thursday". A
        # dateline's commas ("NAMUR, Belgium, Feb. 25 (Wire) - ") count for nothing.
        clause = re.split(r"\s[-–—]\s", head)[-1]
        apposed = head.endswith(",") and clause.count(",") % 2 == 1 and bool(after) and (
            after[0].isdigit() or after[0] in policy.circumstance_words)
        if not (apposed or previous in policy.passive_auxiliaries) or any(w in policy.agent_markers for w in after):
            return False
    return found


def _counts(q: Question, text: str, window: set[str], article: set[str], same_language: bool, meaning: "_Meaning",
            policy: AnswerPolicy) -> bool:
    """The unit's article speaks of what the question counts: its noun (the
    sentence itself may say "the vote was 523 in favour" of "MEPs"; across
    languages, a word of the unit means it: "infirmiers"), and each word
    that narrows it ("*parking* spaces"), in the article or, in the unit, by
    a word close in meaning."""
    head, *narrowing = q.attribute
    if not term_in(head, article) and not meaning.held(head, window):  # "nurses" / "infirmiers"
        return False
    # A count written with its own noun counts that: "a hotline staffed by
    # 120 operators" does not say how many calls it took. In one language
    # the noun shares a word with the question's ("Eleven *bus* routes" for
    # "bus lines") or is close in meaning ("people" / "residents"); a count
    # with no noun may count the one asked about.
    written = counted_nouns(text, policy)
    if same_language and written and all(
            w and not any(term_in(a, w) or meaning.held(a, w) for a in q.attribute) for w in written):
        return False
    return not same_language or all(term_in(a, article) or meaning.held(a, window) for a in narrowing)


def _spans_bound(q: Question, text: str, meaning: "_Meaning", policy: AnswerPolicy) -> bool:
    """A span of time is the length of what it is written with: "how long
    did the nurses' strike last" is answered by "after 12 days of strike",
    not by "the average wait still exceeds two hours" in a piece on the
    strike. Some span must have a word of the question's topic near it (see
    figures.span_contexts), or a word close in meaning ("grève"); whose it
    is (the possessor, "nurses'") is checked on its own."""
    heads = [t for t in q.topic if t not in q.possessors] or list(q.topic)
    contexts = span_contexts(text, policy)
    return not heads or not contexts or any(
        any(term_in(h, c) or meaning.held(h, c) for h in heads) for c in contexts)


def _spelled_out(q: Question, text: str) -> set[str]:
    """The folded words of a question's acronym written out in `text` ("SWIS"
    in "the Syndicat Wallon des Infirmiers et Soignants (SWIS)"): the same
    name, so no answer to "who founded SWIS"."""
    out: set[str] = set()
    for e in q.entities:
        if not (e.isupper() and 2 < len(e) <= 8):
            continue
        at = text.find(f"({e})")
        if at < 0:
            continue
        run = words(text[:at])
        content = [fold(w) for w in run if fold(w) not in STOPWORDS]
        if len(content) >= len(e) and "".join(w[0] for w in content[-len(e):]) == fold(e):
            out |= set(content[-len(e):])
    return out


def _topic_held(
    q: Question, window: set[str], dense: float, weights: dict[str, float], same_language: bool, policy: AnswerPolicy,
    meaning: "_Meaning",
) -> bool:
    """Enough of the question's topic terms are in the unit; across languages,
    or when the wording is paraphrased, close meaning stands in for the words:
    the whole unit's, or one of its words' for a term."""
    # The category asked about ("which services") is part of the topic: a
    # unit that names the category is on it however the verb is worded.
    topic = list(q.topic) + ([q.category] if q.category else [])
    total = sum(weights.get(t, 1.0) for t in topic) or 1.0
    leading = word_stems(policy.leadership_words)
    roles = word_stems(policy.role_nouns)
    titled = any(t in leading for t in topic) and any(term_in(w, roles) for w in window)  # "secretary-general"
    # A date's category ("in what *year*") is the answer's unit, not its
    # topic: "two and a half years" does not put a sentence on "when was it
    # founded". It still weighs in the share, so the other topic words must
    # carry it.
    unit = q.category if q.kind in ("date", "duration") else ""
    held = {t for t in topic if t != unit and (term_in(t, window) or titled and t in leading)}
    found = sum(weights.get(t, 1.0) for t in held)
    if found / total >= policy.min_topic_coverage:
        return True
    if not same_language and dense >= policy.cross_language_dense:
        return True
    if dense >= policy.paraphrase_dense:
        return True
    # Only the unit's own words can paraphrase a term: "margin" is not held
    # by "profit" when the question asks for the "profit margin". In one
    # language a title is its own word (see AnswerPolicy.role_nouns).
    own = {w for w in window if not term_in(w, set(q.all_terms))}
    found += sum(weights.get(t, 1.0) for t in topic
                 if t not in held and t != unit and not (same_language and t in roles) and meaning.held(t, own))
    return found / total >= policy.min_topic_coverage


class _Meaning:
    """Word-to-word closeness in meaning, by the embedder, with word vectors
    cached for the embedder's lifetime."""

    _vectors: "weakref.WeakKeyDictionary[Embedder, dict[str, np.ndarray]]" = weakref.WeakKeyDictionary()

    def __init__(self, embedder: Embedder, policy: AnswerPolicy) -> None:
        self.embedder = embedder
        self.threshold = policy.term_meaning_similarity
        self.translation = policy.translation_similarity
        self.min_letters = policy.meaning_min_letters
        try:
            self.cache = self._vectors.setdefault(embedder, {})
        except TypeError:  # an embedder that cannot be weakly referenced
            self.cache = {}

    def held(self, term: str, window: set[str], short: bool = False) -> bool:
        """Whether a word of `window` means `term`; `short` lets a term one
        letter shorter than the policy's minimum through, for the other
        language, where meaning is the only way ("pay" / "salariale")."""
        candidates = [w for w in window if len(w) >= self.min_letters and not any(c.isdigit() for c in w)]
        if len(term) < self.min_letters - short or not candidates:
            return False
        self._embed([term, *candidates])
        t = self.cache[term]
        return max(float(t @ self.cache[w]) for w in candidates) >= self.threshold

    def translated(self, asked: dict[str, str], text: str) -> set[str]:
        """The terms of `asked` (question words as written -> their terms)
        that a word of `text`, as written, translates (see
        AnswerPolicy.translation_similarity). Words are compared as written:
        folding and stemming cut the endings the embedder reads a word's
        language and meaning by ("conçu" / "designed" 0.92, "concu" /
        "designed" 0.36)."""
        theirs = [w for w in dict.fromkeys(w.casefold() for w in words(text))
                  if len(w) >= self.min_letters and w not in STOPWORDS and not any(c.isdigit() for c in w)]
        mine = [w for w in asked if len(w) >= self.min_letters]
        if not theirs or not mine:
            return set()
        self._embed([*mine, *theirs])
        matrix = np.stack([self.cache[w] for w in theirs])
        return {asked[w] for w in mine if float((matrix @ self.cache[w]).max()) >= self.translation}

    def _embed(self, ws: list[str]) -> None:
        missing = [w for w in dict.fromkeys(ws) if w not in self.cache]
        if missing and len(self.cache) > 50_000:
            self.cache.clear()
            missing = list(dict.fromkeys(ws))
        # One word per run: the quantized embedder scales a batch as a
        # whole, so a word's vector would shift with the words beside it
        # and a question's answer with what was asked before (0.3 ms a word).
        for w in missing:
            self.cache[w] = self.embedder.embed([w])[0]


def _coverage(asked: list[str], carried: list[str], pool: set[str], weights: dict[str, float],
              referred: Sequence[str] = ()) -> float:
    """Share of the question's term weight found in `pool`, its pronoun
    counting as one term, found when a word of a name it points to
    (`referred`) is; carried terms count only as a bonus, so they never
    dilute the question's own terms."""
    if not asked and not referred:
        return 0.0
    total = sum(weights[t] for t in asked) + max((weights[t] for t in referred), default=0.0)
    found = sum(weights[t] for t in asked if term_in(t, pool)) + max(
        (weights[t] for t in referred if term_in(t, pool)), default=0.0)
    if not found:
        return 0.0  # words carried from earlier turns cannot answer a question on their own
    bonus = sum(weights[t] for t in carried if term_in(t, pool))
    return min(1.0, (found + 0.5 * bonus) / total)


def _leans_back(text: str, policy: AnswerPolicy) -> bool:
    """A sentence that opens with a pronoun, or has a personal pronoun among
    its first words ("Prior to joining Apple in 2014, he held ...")."""
    ws = [fold(w) for w in words(text)]
    if ws and ws[0] in policy.anaphors:
        return True
    return any(w in policy.personal_pronouns for w in ws[:9])


def _units(passages: list[Passage], preceding: Preceding | None, policy: AnswerPolicy,
           question: Question) -> list[tuple[int, int, str, Passage, str]]:
    """(start, end, text, passage, the sentence before) per evidence unit, in
    article coordinates, de-duplicated."""
    seen: set[tuple[str, int, int]] = set()
    units = []
    for p in passages:
        spans = sentence_spans(p.text)
        lead = _lead(p, spans, policy)
        for i, (a, b) in enumerate(spans):
            b = _list_end(p.text, spans, i)
            start, text = p.start + a, p.text[a:b]
            leans = _leans_back(text, policy)
            # The sentence before: in this passage, or at the end of the chunk
            # before it, read from the store only when something needs it (a
            # unit leaning on it, or a question name it may hold).
            prior = None
            if i:
                before = p.text[spans[i - 1][0]:spans[i - 1][1]]
            else:
                prior = preceding(p) if preceding and (leans or question.entities) else None
                prior = prior if prior and prior[0] + len(prior[1]) <= p.start else None
                before = prior[1] if prior else ""
            if i in lead and question.kind in ("date", "place") and not is_specific(
                    question.kind, text, False, frozenset(), policy):
                # "on Wednesday" in the lead is the dateline's day: quote them together
                start, text = p.start + spans[0][0], p.text[spans[0][0]:b]
            elif leans and i > 0 and "\n\n" not in p.text[spans[i - 1][1]:a]:
                start, text = p.start + spans[i - 1][0], p.text[spans[i - 1][0]:b]
            elif leans and prior:  # the referent sits at the end of the previous chunk
                gap = p.start - prior[0] - len(prior[1])
                if gap <= 2:
                    start, text = prior[0], prior[1] + " " * gap + p.text[a:b]
            key = (p.doc_id, start, p.start + b)
            if key in seen or len(words(text)) < policy.min_unit_words:
                continue
            seen.add(key)
            units.append((start, p.start + b, text, p, before))
    return units


def _list_end(text: str, spans: list[tuple[int, int]], i: int) -> int:
    """Where the `i`th sentence ends, with the list it opens: a sentence that
    ends in a colon ("has set out four demands:") is quoted with the lines
    that follow it, to the end of its paragraph."""
    a, b = spans[i]
    if not text[a:b].rstrip().endswith(":"):
        return b
    for j in range(i + 1, len(spans)):
        if "\n\n" in text[spans[j - 1][1]:spans[j][0]]:
            break
        b = spans[j][1]
    return b


def _lead(p: Passage, spans: list[tuple[int, int]], policy: AnswerPolicy) -> set[int]:
    """Indexes of the sentences of an article's lead paragraph when the
    passage opens the article with a dateline (see AnswerPolicy.dateline_max_words)."""
    if p.start != 0 or len(spans) < 2:
        return set()
    first = p.text[spans[0][0]:spans[0][1]]
    if "\n" not in p.text[spans[0][1]:spans[1][0] + 1] or len(words(first)) > policy.dateline_max_words \
            or not has_date(first, policy):
        return set()
    lead = {1}
    for i in range(2, len(spans)):
        if "\n" in p.text[spans[i - 1][1]:spans[i][0]]:
            break
        lead.add(i)
    return lead


def idf_from(index_idf: dict[str, float]) -> Callable[[str], float]:
    """An idf lookup where unseen terms weigh like the rarest seen ones."""
    top = max(index_idf.values(), default=1.0)

    def idf(term: str) -> float:
        return index_idf.get(term, top) if not term.isdigit() else top

    return idf


def distinct(ranked: list[Evidence]) -> list[Evidence]:
    """Drop evidence units that repeat a better one's wording almost exactly."""
    kept: list[Evidence] = []
    for e in ranked:
        mine = set(terms(e.text))
        if all(len(mine & set(terms(k.text))) < 0.8 * max(1, len(mine)) for k in kept):
            kept.append(e)
    return kept


__all__ = ["Evidence", "select_evidence", "unknown_entities", "idf_from", "distinct"]
