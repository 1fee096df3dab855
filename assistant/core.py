"""`Assistant`: the one facade the CLI, the web UI and the Slack bot use.

The model proposes, the system verifies:
  retrieve -> pick evidence sentences -> refuse if they don't answer ->
  generate over numbered evidence -> verify every sentence -> keep what the
  cited evidence supports -> otherwise answer with the evidence verbatim.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from . import modelfiles
from .answer import CONFLICT_NOTE, Answer, Citation, question_language, refusal_text, renumber
from .conversation import carried_names, needs_context, validate_history
from .embedder import Embedder, OnnxUSEEmbedder
from .errors import EmptyLibraryError, QuestionError
from .evidence import Evidence, answerable, idf_from, needs_number, question_terms, select_evidence
from .library import Document, IngestReport, Library, Progress
from .llm import ChatModel, open_model
from .prompt import build_messages
from .retrieval import Passage, Retriever
from .settings import Settings
from .store import VectorStore, open_store
from .text import numbers, paraphrases, sentence_spans, term_in, terms, words
from .verify import verify

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
PROMPT_EVIDENCE = 4
# Requests to do something other than answer from the articles ("write a poem",
# "ignore your instructions"): refused outright, whatever the articles contain.
_NOT_A_QUESTION = re.compile(
    r"^\W*(please\W+)?(ignore|forget|disregard|pretend|act as|roleplay|role-play|write|compose|draw|sing|imagine|"
    r"oublie|écris|ecris|invente)\b"
    r"|\b(ignore|disregard|forget) (all |any |your |the |previous |prior )*(instructions|rules|articles|prompt)\b"
    r"|\b(poem|joke|song|limerick|haiku|poème|blague|chanson)s?\b",
    re.IGNORECASE,
)
CONFLICT_MARGIN = 0.12
ON_TOPIC_MARGIN = 0.1
MIN_SENTENCE_COVERAGE = 0.25


class Assistant:
    """A grounded news assistant over a folder of ingested articles.

    >>> a = Assistant(data_dir="data")
    >>> a.ingest(["seeds/"]).summary()
    >>> a.ask("Which AWS chip is Apple evaluating?").text
    """

    def __init__(
        self,
        data_dir: str | Path | None = None,
        *,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        store: VectorStore | None = None,
        model: ChatModel | None = None,
        **overrides,
    ) -> None:
        self.settings = settings or Settings.load(data_dir=data_dir, **overrides)
        s = self.settings
        self.embedder = embedder or OnnxUSEEmbedder(modelfiles.resolve(s.embed_model, "embedding", s), s.threads)
        self.library = Library(s, self.embedder, store or open_store(s))
        self.retriever = Retriever(self.embedder, self.library.store, self.library.lexical, library=self.library)
        self._model = model
        self._model_lock = threading.Lock()

    # -- the library --------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path] | str | Path, progress: Progress | None = None) -> IngestReport:
        if isinstance(paths, (str, Path)):
            paths = [paths]
        return self.library.ingest(paths, progress)

    def documents(self) -> list[Document]:
        return self.library.documents()

    def remove(self, doc_id: str) -> Document:
        return self.library.remove(doc_id)

    def search(self, query: str, k: int | None = None) -> list[Passage]:
        query = self._clean(query)
        self._require_articles()
        return self.retriever.search(query, k or self.settings.top_k)

    @property
    def model(self) -> ChatModel:
        """The chat model, loaded on first use (search and ingest never need it)."""
        with self._model_lock:
            if self._model is None:
                self._model = open_model(self.settings)
            return self._model

    # -- answers ------------------------------------------------------------
    def ask(self, question: str, history: Sequence[dict] | None = None) -> Answer:
        answer = None
        for item in self.stream(question, history):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def stream(self, question: str, history: Sequence[dict] | None = None) -> Iterator[str | Answer]:
        """Yield the draft text as the model writes it, then the verified Answer.

        The final Answer is authoritative: the draft may hold sentences that
        failed verification, the Answer never does.
        """
        question = self._clean(question)
        turns = validate_history(history)
        self._require_articles()
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        language = question_language(question)
        query, carried = question, []
        if needs_context(question, turns):
            extra = carried_names(turns)
            carried = list(dict.fromkeys(terms(" ".join(extra))))
            query = f"{question} ({' '.join(extra)})" if extra else question
        alike = paraphrases(question)
        carried += [t for t in dict.fromkeys(terms(" ".join(alike))) if t not in carried]
        if alike:
            query = f"{query} [{' '.join(alike)}]"
        qvec = self.embedder.embed([query])[0]
        passages = self.retriever.search(query, max(self.settings.top_k, 6), query_vector=qvec)
        timings["retrieve"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        idf = idf_from(self.library.lexical.idf)
        good = []
        if not _NOT_A_QUESTION.search(question):  # the passages still name the topics a refusal offers
            ranked = select_evidence(question, passages, self.embedder, idf, qvec, carried, language, self._preceding)
            good = [e for e in ranked if answerable(e)]
        timings["evidence"] = time.perf_counter() - t1
        answer = Answer(question=question, text="", refused=True, language=language, query=query)
        if not good:
            answer.text = refusal_text(language, _topics(passages, self.documents))
            timings["total"] = time.perf_counter() - t0
            answer.timings = _round(timings)
            yield answer
            return
        evidence = _distinct(good)[:PROMPT_EVIDENCE]
        model = self.model
        budget = self.settings.context_tokens - self.settings.max_answer_tokens - 64
        messages, n_used = build_messages(question, [e.text for e in evidence], language, model.count_tokens, budget)
        evidence = evidence[:n_used]
        t2 = time.perf_counter()
        draft = []
        for piece in model.stream_chat(messages, self.settings.max_answer_tokens):
            draft.append(piece)
            yield piece
        answer.draft = "".join(draft)
        timings["generate"] = time.perf_counter() - t2
        t3 = time.perf_counter()
        focus = {t: idf(t) for t in question_terms(question) + carried}
        _assemble(answer, evidence, focus, self.library.lexical.doc_terms, needs_number(question))
        timings["verify"] = time.perf_counter() - t3
        timings["total"] = time.perf_counter() - t0
        answer.timings = _round(timings)
        yield answer

    # -- helpers ------------------------------------------------------------
    def _preceding(self, passage: Passage) -> tuple[int, str] | None:
        """The last sentence before `passage`, from the chunk before it."""
        doc_id, _, position = passage.chunk_id.rpartition(":")
        if not position.isdigit() or int(position) == 0:
            return None
        found = self.library.store.get([f"{doc_id}:{int(position) - 1}"])
        if not found:
            return None
        prev = found[0]
        spans = [(a, b) for a, b in sentence_spans(prev.text) if prev.start + b <= passage.start]
        if not spans:
            return None
        a, b = spans[-1]
        return prev.start + a, prev.text[a:b]

    def _clean(self, question: str) -> str:
        if not isinstance(question, str):
            raise QuestionError(f"The question must be text. Currently, it is {type(question).__name__}.")
        question = " ".join(_CONTROL.sub("", question).split())
        if not question:
            raise QuestionError("The question is empty. Type a question about the articles.")
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise QuestionError(
                f"The question is {len(question):,} characters long; the limit is {limit:,} "
                "(ASSISTANT_MAX_QUESTION_CHARS). Shorten it and ask again."
            )
        return question

    def _require_articles(self) -> None:
        if self.library.store.count() == 0:
            raise EmptyLibraryError()


def _assemble(
    answer: Answer,
    evidence: list[Evidence],
    focus_weights: dict[str, float],
    doc_terms: Callable[[str], set[str]],
    numbers_only: bool,
) -> None:
    """Fill `answer` from the verified draft, or from the evidence verbatim.

    `focus_weights` weighs the question's terms (and those carried from the
    conversation) by rarity."""
    texts = [e.text for e in evidence]
    kept: list[tuple[str, int]] = []
    for v in verify(answer.draft, texts, answer.question):
        if not v.supported:
            answer.dropped.append({"sentence": v.sentence, "reason": "; ".join(v.reasons) or "no evidence supports it"})
        elif not _on_topic(v.sentence, focus_weights, evidence[v.supported_by[0] - 1], evidence[0]):
            answer.dropped.append({"sentence": v.sentence, "reason": "it does not address the question"})
        else:
            kept.append((v.sentence, v.supported_by[0]))
    if kept:
        answer.mode = "generated"
        parts = [(_with_marker(s, n), n) for s, n in kept]
        said = set(terms(" ".join(s for s, _ in kept))) | numbers(" ".join(s for s, _ in kept))
        asked = set(terms(answer.question))
        if any(not term_in(x, said) for x in _specifics(evidence[0].text, False) - asked):
            # The model's sentence leaves out names or figures of the best evidence
            # ("Tensor processors" without "Google"): give the evidence too, verbatim.
            parts.append((_with_marker(evidence[0].text, 1), 1))
    else:
        answer.mode = "extractive"
        parts = [(_with_marker(evidence[0].text, 1), 1)]
    rival = _conflicting(evidence, {n for _, n in parts}, doc_terms, numbers_only) if _asks_choice(answer.question) else None
    if rival:
        answer.conflict = True
        note = CONFLICT_NOTE.get(answer.language, CONFLICT_NOTE["en"])
        parts.append((f"{note} {_with_marker(evidence[rival - 1].text, rival)}", rival))
    order = list(dict.fromkeys(n for _, n in parts))
    mapping = {old: new for new, old in enumerate(order, start=1)}
    answer.text = renumber(" ".join(p for p, _ in parts), mapping)
    answer.refused = False
    answer.citations = [_citation(mapping[n], evidence[n - 1]) for n in order]


def _with_marker(sentence: str, n: int) -> str:
    sentence = sentence.strip()
    if sentence[-1:] in ".!?":
        return f"{sentence[:-1]} [{n}]{sentence[-1]}"
    return f"{sentence} [{n}]."


def _on_topic(sentence: str, focus_weights: dict[str, float], support: Evidence, best: Evidence) -> bool:
    """A supported sentence answers the question only if it covers a fair share
    of the question's terms and rests on evidence nearly as relevant as the best."""
    pool = set(terms(sentence))
    total = sum(focus_weights.values()) or 1.0
    covered = sum(w for t, w in focus_weights.items() if term_in(t, pool)) / total
    return support.score >= best.score - ON_TOPIC_MARGIN and covered >= MIN_SENTENCE_COVERAGE


def _conflicting(
    evidence: list[Evidence], used: set[int], doc_terms: Callable[[str], set[str]], numbers_only: bool
) -> int | None:
    """The number of an evidence unit from another article that answers as
    strongly but disagrees: each names a figure or name (only figures when the
    question asks for a number) that the other's whole article never mentions."""
    best = evidence[min(used) - 1]
    mine = _specifics(best.text, numbers_only)
    for n, e in enumerate(evidence, start=1):
        if n in used or e.doc_id == best.doc_id or e.passage.language != best.passage.language:
            continue  # names read differently across languages; compare like with like
        if e.score < best.score - CONFLICT_MARGIN or not answerable(e):
            continue
        theirs = _specifics(e.text, numbers_only)
        if not (mine & theirs):
            continue  # nothing in common: two different facts, not two versions of one
        if (mine - doc_terms(e.doc_id)) and (theirs - doc_terms(best.doc_id)):
            return n
    return None


_CHOICE = re.compile(r"^\s*(which|what|quel|quelle|quels|quelles|how (long|many|much)|combien)\b", re.IGNORECASE)


def _asks_choice(question: str) -> bool:
    """Questions whose answer is one of several named things or figures, where
    articles can disagree ("Which chips...", "How long..."); others are not
    checked for disagreement, as differing details there are not a conflict."""
    return bool(_CHOICE.search(question))


def _specifics(text: str, numbers_only: bool) -> set[str]:
    """Numbers, and unless `numbers_only` the stems of capitalized names, in `text`."""
    found = set(numbers(text))
    if not numbers_only:
        found |= {t for w in words(text)[1:] if w[0].isupper() for t in terms(w)}
    return found


def _distinct(ranked: list[Evidence]) -> list[Evidence]:
    """Drop evidence units that repeat a better one's wording almost exactly."""
    kept: list[Evidence] = []
    for e in ranked:
        mine = set(terms(e.text))
        if all(len(mine & set(terms(k.text))) < 0.8 * max(1, len(mine)) for k in kept):
            kept.append(e)
    return kept


def _citation(number: int, e: Evidence) -> Citation:
    context, context_start = e.passage.text, e.passage.start
    if e.start < context_start:  # the quote reaches back into the previous chunk
        context, context_start = e.text, e.start
    return Citation(
        number=number, doc_id=e.doc_id, title=e.title, source=e.source, quote=e.text,
        start=e.start, end=e.end, context=context, context_start=context_start,
    )


def _topics(passages: list[Passage], documents) -> list[str]:
    titles = list(dict.fromkeys(p.title for p in passages))
    if not titles:
        titles = [d.title for d in documents()]
    return titles[:3]


def _round(timings: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 3) for k, v in timings.items()}
