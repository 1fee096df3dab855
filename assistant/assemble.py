"""Stage 7, assemble: the verified sentences become the answer, each yielded
as soon as it has passed, with citations numbered in the order they appear.

What is streamed is exactly what the final answer says: every piece is part
of `Answer.text`, and the pieces joined are `Answer.text`. When the model's
sentences leave out the best evidence's names or figures, that evidence is
added verbatim; when none survive, the evidence answers verbatim.
"""

from __future__ import annotations

import re
from typing import Callable, Sequence

from .answer import CONFLICT_BETWEEN, CONFLICT_NOTE, Answer, Citation
from .evidence import Evidence
from .figures import fits_kind, names, number_values, undated
from .policy import AnswerPolicy
from .question import Question
from .text import fold, plain, sentence_spans, term_in, terms, words
from .verify import Verdict, split_claims

_BULLET = re.compile(r"^(?:[-*•–]|\d+[.)])\s+")


class Assembler:
    """Collects verified sentences for one answer, yielding each as a piece."""

    def __init__(self, question: Question, evidence: list[Evidence], policy: AnswerPolicy,
                 doc_terms: Callable[[str], set[str]], earlier: Sequence[Citation] = ()) -> None:
        """`earlier`: the citations the answer already holds, when this is a
        later part of a several-part question. Numbers go on from theirs, and
        evidence one of them quoted keeps its number and is not quoted again
        ("Which insurer ..., and how much does it expect to pay out?", both
        answered by one lead)."""
        self.question = question
        self.evidence = evidence
        self.policy = policy
        self.doc_terms = doc_terms
        self.pieces: list[str] = []
        self.numbers: dict[int, int] = {}  # evidence index (1-based) -> number shown
        self.earlier = {(c.doc_id, c.start, c.end): c.number for c in earlier}
        self.first = max(self.earlier.values(), default=0) + 1  # the number this part's first new citation gets
        self.kept: list[str] = []
        self.cites: dict[int, list[str]] = {}  # evidence index (1-based) -> kept sentences resting on it
        self.dropped: list[dict[str, str]] = []
        self.mode = "generated"
        self.conflict = False
        self._own_names = question.name_words
        self._question_names = question.known_names

    # -- the model's sentences ------------------------------------------------
    def offer(self, verdict: Verdict) -> str | None:
        """The piece to show for a verified sentence, or None when it is dropped."""
        reason = self._rejection(verdict)
        if reason:
            self.dropped.append({"sentence": verdict.sentence, "reason": reason})
            return None
        n = verdict.supported_by[0]
        sentence = verdict.sentence
        self.kept.append(sentence)
        self.cites.setdefault(n, []).append(sentence)
        # A clause copied word for word from evidence that would be quoted
        # after it anyway ("The new wing has 86 beds [1]. The new wing has 86
        # beds, including 14 ... [1].") is shown as that quote instead, so
        # no words are shown twice.
        source = self.evidence[n - 1].text
        if plain(sentence) in plain(source) and self._needs_quote(n, _said(self.kept, self.policy)):
            sentence = self._unrepeated(source, self.kept[:-1])
            self.kept[-1] = self.cites[n][-1] = sentence
        return self._add(_with_marker(sentence, self._number(n)))

    def offer_cut(self, tail: str) -> str | None:
        """The piece to show for a sentence the answer's length limit cut off
        (see generate.sentences). Cut, it says less than it was going to, or
        something else; but when it was copying the evidence it cites word for
        word, that evidence, whole, is what it was going to say (the model's
        number may be wrong: the evidence it cites is tried first)."""
        for sentence, cited in split_claims(tail):
            if len(words(sentence)) < self.policy.min_unit_words:
                continue
            said = plain(sentence)
            for n in dict.fromkeys([*cited, *range(1, len(self.evidence) + 1)]):
                if 1 <= n <= len(self.evidence) and said in plain(self.evidence[n - 1].text):
                    return self.offer(Verdict(self.evidence[n - 1].text, (n,), (n,)))
        self.dropped.append({"sentence": tail, "reason": "the answer's length limit cut it off"})
        return None

    def _rejection(self, v: Verdict) -> str:
        if not v.supported:
            return "; ".join(v.reasons) or "no evidence supports it"
        support, best = self.evidence[v.supported_by[0] - 1], self.evidence[0]
        if support.rank < best.rank - self.policy.on_topic_margin:
            return "it rests on evidence that hardly bears on the question"
        if self.question.kind in self.policy.specific_first_kinds and best.specific and not support.specific:
            # "Who is its leader?": the best evidence names someone in full
            # (see AnswerPolicy.specific_first_kinds); a sentence resting on
            # evidence that gives only a surname or a group answers less.
            return f"it rests on evidence that does not state the {self.question.kind}, while other evidence does"
        if not any(fits_kind(k, v.sentence, self._own_names, self.policy, self.question.category)
                   for k in self.question.kinds):
            return f"it does not give the {self.question.kind} asked for"
        asked = set(self.question.all_terms) | {t for n in self.question.carried for t in terms(n)}
        # A word the sentence took from the question, not from its source, pins
        # the source's fact on what was asked about ("The *helipad* was
        # designed by ..." from "The wing was designed by ...").
        source = set(terms(support.text))
        pinned = [t for t in terms(v.sentence) if term_in(t, asked) and not term_in(t, source)]
        if pinned:
            return f"it says {', '.join(pinned)} of a source that does not"
        mine = set(terms(v.sentence)) | number_values(v.sentence, self.policy)
        if not any(not term_in(t, asked) for t in mine):
            return "it only repeats the question"
        said = _said(self.kept, self.policy)
        if self.kept and all(term_in(t, said) for t in mine):
            return "it repeats an earlier sentence"
        return ""

    # -- what follows the model -------------------------------------------------
    def finish(self) -> list[str]:
        """Pieces added after the model's sentences: the verbatim evidence when
        needed, and a note when the articles disagree."""
        out: list[str] = []
        note = CONFLICT_NOTE.get(self.question.language, CONFLICT_NOTE["en"])
        if not self.kept:
            self.mode = "extractive"
            chosen = self._extractive()
            first = chosen[0][1]
            for i, e in chosen:
                if self._quoted_before(i):
                    self._number(i)
                    continue
                text = _with_marker(e.text, self._number(i))
                if not self.conflict and e is not first and _pinned(e, self.question, self.policy) \
                        and _disagree(first, e, self.doc_terms, self.question, self.policy):
                    text, self.conflict = f"{note} {text}", True  # the list holds two versions of one fact
                out.append(self._add(text))
        else:
            said = _said(self.kept, self.policy)
            # The model's sentences leave out names or figures of the best
            # evidence ("Tensor processors" without "Google"), or of evidence
            # they cite (one of four demands): quote it too.
            for i in sorted({1} | set(self.numbers)):
                e = self.evidence[i - 1]
                if self._needs_quote(i, said):
                    out.append(self._add(_with_marker(self._unrepeated(e.text, self.kept), self._number(i))))
                    said |= _said([e.text], self.policy)
        used = sorted(self.numbers)
        if self.conflict or not used:
            return out
        unused = [n for n in range(1, len(self.evidence) + 1) if n not in self.numbers]
        rival = self._disagreeing(used[0], unused)
        if rival:
            out.append(self._add(f"{note} {_with_marker(self.evidence[rival - 1].text, self._number(rival))}"))
            self.conflict = True
        elif self.kept:
            # The model's sentences cite both versions of one fact: say they differ.
            other = self._disagreeing(used[0], used[1:])
            if other:
                between = CONFLICT_BETWEEN.get(self.question.language, CONFLICT_BETWEEN["en"])
                a, b = sorted((self.numbers[used[0]], self.numbers[other]))
                out.append(self._add(between.format(a=a, b=b)))
                self.conflict = True
        if not self.conflict:
            runner = self._runner_up()
            if runner:
                out.append(self._add(_with_marker(self.evidence[runner - 1].text, self._number(runner))))
        return out

    def _needs_quote(self, i: int, said: set[str]) -> bool:
        """Whether evidence `i` (1-based) must be quoted after the model's
        sentences, which say `said`: they leave out a name or figure of it
        that the question does not give."""
        e = self.evidence[i - 1]
        claim = self._claim(e.text)
        missing = {x for x in _specifics(claim, False, self.policy) - set(self.question.all_terms)
                   if not term_in(x, said)}
        if not missing:
            return False
        # A near copy that leaves out a name ("Selon CNBC, ..."), or a clause
        # copied word for word that leaves out only figures nobody asked for
        # ("Hélène Vandercammen, mayor of Maubray, standing on the steps"
        # from '"In six hours ...," said Hélène Vandercammen, mayor of
        # Maubray, standing ...'): quoting the evidence would show those
        # words twice. For a list the rest of the sentence holds the other
        # items ("1.6 million patient files and 2.7 million payroll records").
        figures = number_values(claim, self.policy)
        figures_asked = self.question.wants_figure or self.question.kind == "date" or self.question.is_list
        return not (self._quoted_before(i) or not missing & figures and self._copied(i, claim)
                    or missing <= figures and not figures_asked and self._clause_copied(i, e.text))

    def _runner_up(self) -> int | None:
        """The next evidence (its number) that answers nearly as well as the
        best (AnswerPolicy.on_topic_margin) with an answer of the asked kind
        that nothing shown gives: another name, figure or date. Relevance this
        close cannot tell which of the two answers, and a verbatim quote cannot
        be wrong about its source, so both are shown. It must pass the gates
        an answer passes (`Evidence.answers`). Not for an open question (a
        reason, a yes/no, "what did she say", "who is X"): it has no second
        answer, only more text; nor in another language than the question
        when the best evidence is in the reader's own."""
        q, best = self.question, self.evidence[0]
        if q.kind in ("reason", "yesno", "other") or q.kind == "choice" and not q.category or q.identifies:
            return None
        said = _said(self.pieces, self.policy)
        shown_names = self._own_names | {fold(w) for piece in self.pieces for w in words(piece)}
        shown = [self.evidence[i - 1] for i in self.numbers]
        for i, e in enumerate(self.evidence[1:], start=2):
            if i in self.numbers or self._quoted_before(i) or not e.answers \
                    or e.rank < best.rank - self.policy.on_topic_margin \
                    or best.same_language and not e.same_language:
                continue
            if any(c.doc_id == e.doc_id and c.start < e.end and e.start < c.end for c in shown):
                continue  # it quotes a sentence already shown
            new = _specifics(e.text, q.wants_figure or q.kind == "date", self.policy) - set(q.all_terms)
            if any(not term_in(x, said) for x in new) and any(
                    fits_kind(k, e.text, shown_names, self.policy, q.category) for k in q.kinds):
                return i
        return None

    def _disagreeing(self, best: int, candidates: list[int]) -> int | None:
        """The first of `candidates` (evidence numbers) that disagrees with
        evidence `best` (see `_disagree`), or None."""
        return next((n for n in candidates if _disagree(self.evidence[best - 1], self.evidence[n - 1],
                                                        self.doc_terms, self.question, self.policy)), None)

    def _claim(self, text: str) -> str:
        """`text` without the dateline that opens it ("LYON, France, March 10
        (Meridian Wire) - "), unless a date or place is asked: the dateline
        says where and when the article was filed, not what the sentence
        claims, so a sentence that leaves it out says all the rest."""
        return text if self.question.kind in ("date", "place") else undated(text, self.policy)

    def _copied(self, index: int, claim: str) -> bool:
        """Whether the kept sentences resting on evidence `index` repeat nearly
        all of the words of its claim (AnswerPolicy.near_copy_share)."""
        copied = {t for s in self.cites.get(index, []) for t in terms(s)}
        own = set(terms(claim))
        return bool(own) and sum(term_in(t, copied) for t in own) / len(own) >= self.policy.near_copy_share

    def _clause_copied(self, index: int, text: str) -> bool:
        """Whether a kept sentence resting on evidence `index` is a run of its
        words, copied as they stand (a clause of it)."""
        source = plain(text)
        return any(len(words(s)) >= self.policy.min_unit_words and plain(s) in source
                   for s in self.cites.get(index, []))

    def _unrepeated(self, text: str, kept: Sequence[str]) -> str:
        """`text` without an opening or closing sentence that one of `kept`
        already says word for word: the model copied one sentence of a
        two-sentence unit, and quoting the unit whole would show it twice.
        What is left is still one run of the article's words."""
        spans = sentence_spans(text)
        said = [plain(s) for s in kept]

        def shown(span: tuple[int, int]) -> bool:
            return any(plain(text[span[0]:span[1]]) in s for s in said)

        while len(spans) > 1 and shown(spans[0]):
            spans = spans[1:]
        while len(spans) > 1 and shown(spans[-1]):
            spans = spans[:-1]
        return text[spans[0][0]:spans[-1][1]] if spans else text

    def _extractive(self) -> list[tuple[int, Evidence]]:
        """The best evidence verbatim; for a list question, more evidence that
        names things the first does not."""
        chosen = [(1, self.evidence[0])]
        if self.question.is_list:
            said = set(terms(self.evidence[0].text))
            for i, e in enumerate(self.evidence[1:], start=2):
                if len(chosen) >= self.policy.list_evidence:
                    break
                new = set(names(e.text, self.policy)) - said - self._question_names
                if new and e.rank >= self.evidence[0].rank - self.policy.on_topic_margin:
                    chosen.append((i, e))
                    said |= set(terms(e.text))
        return chosen

    def fill(self, answer: Answer) -> None:
        """Put the assembled text and its citations into `answer`."""
        answer.text = "".join(self.pieces)
        answer.refused = False
        answer.mode = self.mode
        answer.conflict = self.conflict
        answer.dropped = self.dropped
        order = sorted(self.numbers.items(), key=lambda kv: kv[1])
        answer.citations = [_citation(shown, self.evidence[i - 1]) for i, shown in order]

    def _number(self, index: int) -> int:
        if index not in self.numbers:
            e = self.evidence[index - 1]
            new = sum(n >= self.first for n in self.numbers.values())
            self.numbers[index] = self.earlier.get((e.doc_id, e.start, e.end), self.first + new)
        return self.numbers[index]

    def _quoted_before(self, index: int) -> bool:
        """Whether an earlier part of the question quoted evidence `index`."""
        e = self.evidence[index - 1]
        return (e.doc_id, e.start, e.end) in self.earlier

    def _add(self, text: str) -> str:
        piece = text if not self.pieces else " " + text
        self.pieces.append(piece)
        return piece


def _with_marker(sentence: str, n: int) -> str:
    sentence = _BULLET.sub("", sentence.strip())  # an article's list item, quoted as a sentence
    if sentence[-1:] in ".!?":
        return f"{sentence[:-1]} [{n}]{sentence[-1]}"
    return f"{sentence} [{n}]."


def _said(texts: list[str], policy: AnswerPolicy) -> set[str]:
    """The terms and figures `texts` say."""
    return {t for s in texts for t in terms(s)} | {n for s in texts for n in number_values(s, policy)}


def _specifics(text: str, numbers_only: bool, policy: AnswerPolicy) -> set[str]:
    """Numbers, and unless `numbers_only` the stems of capitalized names, in `text`."""
    found = set(number_values(text, policy))
    if not numbers_only:
        found |= {t for w in words(text)[1:] if w[0].isupper() for t in terms(w)}
    return found


def _disagree(best: Evidence, e: Evidence, doc_terms: Callable[[str], set[str]], question: Question,
              policy: AnswerPolicy) -> bool:
    """`e`, from another article, answers as strongly as `best` but disagrees:
    each names a figure or name (only figures when the question asks for one)
    that the other's whole article never mentions. Only for questions whose
    answer is one figure or one thing of a named category."""
    if not (question.wants_figure or question.kind == "choice" and question.category):
        return False  # "What is X's role?" has many true answers; "Which chip?" has one
    if e.doc_id == best.doc_id or e.passage.language != best.passage.language or not e.answers:
        return False  # names read differently across languages; compare like with like
    # A unit that holds the question's figure and all its names is about the
    # same fact however it words the rest ("40% increase in efficiency" for
    # "40% efficiency gain"); otherwise it must rank nearly as well.
    if not _pinned(e, question, policy) and e.rank < best.rank - policy.conflict_margin:
        return False
    numbers_only = question.wants_figure
    mine, theirs = _specifics(best.text, numbers_only, policy), _specifics(e.text, numbers_only, policy)
    if not (mine & theirs):
        return False  # nothing in common: two different facts, not two versions of one
    return bool(mine - doc_terms(e.doc_id)) and bool(theirs - doc_terms(best.doc_id))


def _pinned(e: Evidence, question: Question, policy: AnswerPolicy) -> bool:
    """`e` holds the question's figures and all its names: it is about the
    fact the question pins down, however it words the rest. Without a figure
    in the question nothing is pinned (the items of a list differ by design)."""
    figures = number_values(question.text, policy)
    if not figures or not figures <= number_values(e.text, policy):
        return False
    pool = set(terms(e.text))
    return all(term_in(t, pool) for name in question.entities for t in terms(name))


def _citation(number: int, e: Evidence) -> Citation:
    context, context_start = e.passage.text, e.passage.start
    if e.start < context_start:  # the quote reaches back into the previous chunk
        context, context_start = e.text, e.start
    p = e.passage
    return Citation(
        number=number, doc_id=e.doc_id, title=e.title, source=e.source, quote=e.text,
        start=e.start, end=e.end, context=context, context_start=context_start,
        url=p.url, published=p.published, author=p.author, page=p.page_at(e.start),
    )
