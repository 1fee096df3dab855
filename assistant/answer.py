"""What an answer is: text with [n] markers, verified citations, and the
standard refusal, in the language of the question."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from .text import fold, words


@dataclass(frozen=True)
class Citation:
    number: int
    doc_id: str
    title: str
    source: str
    quote: str
    """The exact supporting span, verbatim from the cleaned article."""
    start: int
    """Character span of `quote` in the cleaned article."""
    end: int
    context: str
    """The passage around the quote (verbatim too)."""
    context_start: int
    """Where `context` starts in the cleaned article."""
    url: str = ""
    """The article's link (canonical URL), or "" when unknown."""
    published: str = ""
    """The article's publication date, ISO YYYY-MM-DD, or "" when unknown."""
    author: str = ""
    page: int | None = None
    """PDF page (1-based) where the quote starts; None for other files."""


@dataclass
class Answer:
    question: str
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    mode: str = "refused"
    """generated (model sentences that passed verification), extractive
    (verbatim evidence) or refused"""
    language: str = "en"
    query: str = ""
    """The question as retrieved: made standalone for follow-ups."""
    draft: str = ""
    """What the model wrote before verification (never shown to users)."""
    dropped: list[dict[str, str]] = field(default_factory=list)
    """Sentences removed by the verifier, each with its reason."""
    refusal_reason: str = ""
    """Why the question was refused (for logs and evaluation; not shown as the answer)."""
    conflict: bool = False
    """The articles disagree, and the answer says so."""
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent: retrieve, evidence, generate, verify, total."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def sources_text(self) -> str:
        """A numbered source list: title, source file, quote."""
        return "\n".join(f"[{c.number}] {c.title} ({c.source})\n    “{c.quote}”" for c in self.citations)


REFUSALS = {
    "en": ("The articles don't answer this question.", "They cover: {topics}."),
    "fr": ("Les articles ne répondent pas à cette question.", "Ils traitent de : {topics}."),
    "es": ("Los artículos no responden a esta pregunta.", "Tratan de: {topics}."),
    "de": ("Die Artikel beantworten diese Frage nicht.", "Sie behandeln: {topics}."),
    "it": ("Gli articoli non rispondono a questa domanda.", "Trattano di: {topics}."),
    "pt": ("Os artigos não respondem a esta pergunta.", "Tratam de: {topics}."),
}
UNANSWERED_PART = {
    "en": "The articles don't answer: {part}",
    "fr": "Les articles ne répondent pas à : {part}",
}
"""Said in place of one part of a several-part question that is refused."""
CONFLICT_NOTE = {
    "en": "The articles differ on this:",
    "fr": "Les articles divergent sur ce point :",
}
CONFLICT_BETWEEN = {
    "en": "The articles differ on this: compare [{a}] and [{b}].",
    "fr": "Les articles divergent sur ce point : comparez [{a}] et [{b}].",
}
"""Said when the model's sentences already cite both versions of one fact."""
_FRENCH_MARKERS = set(
    "qui que quoi quel quelle quels quelles est sont combien comment pourquoi où quand le la les des du une "
    "est-ce dans pour avec sur au aux ce cette il elle ils elles a-t-il a-t-elle".split()
)
_ENGLISH_MARKERS = set("the what which who how is are does did do of in for with when where why was were".split())
_LANGS = ["en", "fr", "de", "es", "it", "pt", "nl", "pl", "ru", "tr", "ar", "zh", "ja", "ko", "th"]


def refusal_text(language: str, topics: list[str]) -> str:
    head, cover = REFUSALS.get(language, REFUSALS["en"])
    return f"{head} {cover.format(topics='; '.join(topics))}" if topics else head


def question_language(question: str) -> str:
    """Language of a (short) question: function words first, langid otherwise."""
    tokens = [fold(w) for w in words(question)]
    fr = sum(t in _FRENCH_MARKERS for t in tokens)
    en = sum(t in _ENGLISH_MARKERS for t in tokens)
    if fr != en and (fr or en):
        return "fr" if fr > en else "en"
    return _identifier().classify(question)[0]


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    identifier.set_languages(_LANGS)
    return identifier
