"""`Assistant`: the one facade the CLI, the web UI and the Slack bot use.

The model proposes, the system verifies. An answer is made in named stages,
each in its own module:

    question -> retrieve -> evidence -> decide -> generate -> verify -> assemble

and `Assistant.stream` reads as those calls.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from .answer import UNANSWERED_PART, Answer, Citation, refusal_text
from .assemble import Assembler
from .conversation import validate_history
from .decide import decide
from .embedder import Embedder, OnnxUSEEmbedder
from .errors import EmptyLibraryError, QuestionError
from .evidence import idf_from, select_evidence
from .generate import prompt_for, sentences
from .library import Document, IngestReport, Library, Progress
from .llm import ChatModel, open_model
from .question import parse_question, split_parts
from .retrieval import Passage, Retriever, Where, no_match_text
from .settings import Settings
from .store import VectorStore, open_store
from .text import fold, sentence_spans, words
from .verify import verify
from . import modelfiles

# Control and invisible characters, and lone surrogates (text that is not
# valid Unicode, e.g. from a mis-decoded argument): removed from questions.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


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

    def search(self, query: str, k: int | None = None, *, where: Where | dict | None = None) -> list[Passage]:
        """The `k` best passages for `query` (default: settings.top_k), only from
        the articles `where` lets through (see `Where`)."""
        query = self._clean(query)
        k = self._top_k(k)
        where = Where.of(where)
        self._require_articles()
        return self.retriever.search(query, k, where=where)

    @property
    def model(self) -> ChatModel:
        """The chat model, loaded on first use (search and ingest never need it)."""
        with self._model_lock:
            if self._model is None:
                self._model = open_model(self.settings)
            return self._model

    # -- answers ------------------------------------------------------------
    def ask(self, question: str, history: Sequence[dict] | None = None, *,
            where: Where | dict | None = None, top_k: int | None = None) -> Answer:
        """The verified answer to `question` (see `stream`)."""
        answer = None
        for item in self.stream(question, history, where=where, top_k=top_k):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def stream(self, question: str, history: Sequence[dict] | None = None, *,
               where: Where | dict | None = None, top_k: int | None = None) -> Iterator[str | Answer]:
        """Yield the answer's text piece by piece, each piece a sentence that has
        passed verification, then the final Answer. The pieces joined are
        exactly `Answer.text`: nothing shown is ever taken back.

        `where` limits the articles used (a `Where` or a dict with doc_ids,
        since, until); `top_k` replaces settings.top_k for this call only."""
        text = self._clean(question)
        turns = validate_history(history)
        where = Where.of(where)
        k = self._top_k(top_k)
        self._require_articles()
        policy = self.settings.answer_policy
        parts = split_parts(text, policy)
        if len(parts) > 1:
            yield from self._stream_parts(text, parts, turns, where, k)
            return
        yield from self._stream_one(text, turns, where, k)

    def _stream_parts(self, text: str, parts: list[str], turns: list[dict[str, str]], where: Where,
                      k: int) -> Iterator[str | Answer]:
        """Each part of a several-part question answered in turn, the later
        ones reading the earlier answers ("who is *its* leader"), as one
        answer: citations numbered on, a refused part said in one line."""
        answers: list[Answer] = []
        pieces: list[str] = []
        citations: list[Citation] = []
        policy = self.settings.answer_policy
        for part in parts:
            # Only a part that points back ("who is *its* leader") reads the
            # earlier parts; a short one that does not is no follow-up.
            back = any(fold(w) in policy.anaphors for w in words(part))
            history = turns + [t for a in answers if back for t in ({"role": "user", "content": a.question},
                                                                   {"role": "assistant", "content": a.text})]
            held: list[str] = []
            answer = None
            # Numbered on from the earlier parts' citations (see Assembler).
            for item in self._stream_one(part, history, where, k, earlier=citations):
                if isinstance(item, Answer):
                    answer = item
                elif answer is None and not held:
                    held.append(item)  # a refusal comes as one piece: wait for the Answer to know
                else:
                    for piece in held + [item]:
                        yield self._part_piece(piece, pieces)
                    held = []
            assert answer is not None
            answers.append(answer)
            if answer.refused:
                continue
            for piece in held:
                yield self._part_piece(piece, pieces)
            numbered = {c.number for c in citations}
            citations += [c for c in answer.citations if c.number not in numbered]
        answered = [a for a in answers if not a.refused]
        first = answers[0]
        if not answered:
            yield first.text
            yield dataclasses.replace(first, question=text, timings=_summed(answers))
            return
        for a in answers:
            if a.refused:
                note = UNANSWERED_PART.get(first.language, UNANSWERED_PART["en"]).format(part=a.question)
                yield self._part_piece(note, pieces)
        yield Answer(
            question=text, text="".join(pieces), refused=False, citations=citations, mode=answered[0].mode,
            language=first.language, query=" | ".join(a.query for a in answers),
            draft=" ".join(a.draft for a in answers), dropped=[d for a in answers for d in a.dropped],
            refusal_reason="; ".join(f"{a.question}: {a.refusal_reason}" for a in answers if a.refused),
            conflict=any(a.conflict for a in answered), timings=_summed(answers))

    @staticmethod
    def _part_piece(piece: str, pieces: list[str]) -> str:
        """`piece` with a space before it when something was said already."""
        if pieces and not pieces[-1].endswith(" ") and not piece.startswith(" "):
            piece = " " + piece
        pieces.append(piece)
        return piece

    def _stream_one(self, text: str, turns: list[dict[str, str]], where: Where, k: int,
                    earlier: Sequence[Citation] = ()) -> Iterator[str | Answer]:
        policy = self.settings.answer_policy
        clock = _Clock()
        q = parse_question(text, turns, policy)
        allowed = self.retriever.allowed(where)
        if allowed is not None and not allowed:
            answer = Answer(question=text, text=no_match_text(q.language), refused=True, language=q.language,
                            query=q.query, refusal_reason="no article matches the filter")
            answer.timings = clock.done()
            yield answer.text
            yield answer
            return
        qvec = self.embedder.embed([q.query])[0]
        passages = self.retriever.search(q.query, max(k, 6), query_vector=qvec, where=where,
                                         per_language=policy.language_slots)
        clock.lap("retrieve")
        evidence = [] if q.is_request else select_evidence(
            q, passages, self.embedder, idf_from(self.library.lexical.idf), policy, qvec, self._preceding,
            self.library.lexical.doc_terms)
        clock.lap("evidence")
        decision = decide(q, passages, evidence, policy)
        answer = Answer(question=text, text="", refused=True, language=q.language, query=q.query)
        if not decision.answer:
            answer.text = refusal_text(q.language, _topics(passages, self.documents))
            answer.refusal_reason = decision.reason
            answer.timings = clock.done()
            yield answer.text
            yield answer
            return
        assembler = Assembler(q, decision.evidence, policy, self.library.lexical.doc_terms, earlier)
        model = self.model
        shown = decision.evidence[: policy.prompt_evidence]
        messages, n_used = prompt_for(text, [e.text for e in shown], q.language, model,
                                      self.settings.context_tokens, self.settings.max_answer_tokens)
        draft: list[str] = []
        cut: list[str] = []
        for sentence in sentences(model, messages, self.settings.max_answer_tokens, cut):
            draft.append(sentence)
            for verdict in verify(sentence, [e.text for e in shown[:n_used]], policy):
                piece = assembler.offer(verdict)
                if piece:
                    yield piece
        answer.draft = " ".join(draft + cut)
        for tail in cut:
            piece = assembler.offer_cut(tail)
            if piece:
                yield piece
        clock.lap("generate")
        for piece in assembler.finish():
            yield piece
        assembler.fill(answer)
        clock.lap("verify")
        answer.timings = clock.done()
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

    def _top_k(self, k: int | None) -> int:
        if k is None:
            return self.settings.top_k
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= 100:
            raise QuestionError(f"top_k must be a whole number from 1 to 100. Currently, it is {k!r:.40}.")
        return k

    def _require_articles(self) -> None:
        if self.library.store.count() == 0:
            raise EmptyLibraryError()


class _Clock:
    """Seconds spent in each stage, for Answer.timings."""

    def __init__(self) -> None:
        self.t0 = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self.last, 3)
        self.last = now

    def done(self) -> dict[str, float]:
        return {**self.laps, "total": round(time.perf_counter() - self.t0, 3)}


def _summed(answers: list[Answer]) -> dict[str, float]:
    total: dict[str, float] = {}
    for a in answers:
        for stage, seconds in a.timings.items():
            total[stage] = round(total.get(stage, 0.0) + seconds, 3)
    return total


def _topics(passages: list[Passage], documents) -> list[str]:
    titles = list(dict.fromkeys(p.title for p in passages))
    if not titles:
        titles = [d.title for d in documents()]
    return titles[:3]
