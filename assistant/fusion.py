"""Rank fusion and near-duplicate removal: pure functions over ids and scores."""

from __future__ import annotations

from typing import Callable, Hashable, Sequence, TypeVar

T = TypeVar("T", bound=Hashable)

RRF_K = 60


def reciprocal_rank_fusion(rankings: Sequence[Sequence[T]], k: int = RRF_K) -> list[tuple[T, float]]:
    """Fuse best-first rankings: score(x) = sum over rankings of 1 / (k + rank).

    Scores are divided by the best possible score (first in every ranking), so
    they fall in (0, 1]. Ties keep the order of first appearance.
    """
    if k < 0:
        raise ValueError(f"k must be at least 0. Currently, k is {k}.")
    scores: dict[T, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    best = len(rankings) / (k + 1) if rankings else 1.0
    return sorted(((item, s / best) for item, s in scores.items()), key=lambda p: -p[1])


def drop_near_duplicates(items: Sequence[T], similar: Callable[[T, T], bool], limit: int | None = None) -> list[T]:
    """Keep each item unless it is `similar` to one already kept (order kept),
    stopping once `limit` items are kept."""
    kept: list[T] = []
    for item in items:
        if limit is not None and len(kept) >= limit:
            break
        if not any(similar(item, other) for other in kept):
            kept.append(item)
    return kept


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0
