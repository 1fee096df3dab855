"""`Assistant`: the one facade the CLI, the web UI and the Slack bot use.

The model proposes, the system verifies. An answer is made in named stages,
each in its own module:

    question -> retrieve -> evidence -> decide -> generate -> verify -> assemble

and `Assistant.stream` reads as those calls.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from .answer import Answer, refusal_text
from .assemble import Assembler
from .conversation import validate_history
from .decide import decide
from .embedder import Embedder, OnnxUSEEmbedder
from .errors import EmptyLibraryError, QuestionError
from .evidence import idf_from, select_evidence
from .generate import prompt_for, sentences
from .library import Document, IngestReport, Library, Progress
from .llm import ChatModel, open_model
from .question import parse_question
from .retrieval import Passage, Retriever, Where, no_match_text
from .settings import Settings
from .store import VectorStore, open_store
from .text import sentence_spans
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
        assembler = Assembler(q, decision.evidence, policy, self.library.lexical.doc_terms)
        model = self.model
        shown = decision.evidence[: policy.prompt_evidence]
        messages, n_used = prompt_for(text, [e.text for e in shown], q.language, model,
                                      self.settings.context_tokens, self.settings.max_answer_tokens)
        draft = []
        for sentence in sentences(model, messages, self.settings.max_answer_tokens):
            draft.append(sentence)
            for verdict in verify(sentence, [e.text for e in shown[:n_used]], policy):
                piece = assembler.offer(verdict)
                if piece:
                    yield piece
        answer.draft = " ".join(draft)
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


def _topics(passages: list[Passage], documents) -> list[str]:
    titles = list(dict.fromkeys(p.title for p in passages))
    if not titles:
        titles = [d.title for d in documents()]
    return titles[:3]
