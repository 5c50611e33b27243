"""Refine a behaviour ranking from its own top rows: a linear classifier over the rows' stored sequence states.

Token match scores a row by its one response token closest to the behaviour's raised tokens. When the behaviour is
a stance that the culprit answers carry as a whole (agreeing with a false claim, doubt about a capital), that token
is often the end-of-turn token, whose state rows of the same prompt templates share, so rows of those templates that
do not show the behaviour rank among the culprits. The culprits of such a behaviour resemble each other as whole
responses, so a linear classifier trained on the ranking's top rows (positive) against the rows it ranks far below
(negative), over each row's stored sequence states (``h_last`` at the signature layer, ``h_mean`` at the token
layer, each centered and unit-norm), ranks the remaining rows by what the top rows share.

When the behaviour sits in one token of otherwise unrelated responses (a swapped entity, a compliment before varied
content), the top rows do not resemble each other as responses, and such a classifier learns their content instead.
`seed_coherence` tells the two apart without labels: the mean pairwise cosine of the top rows' centered ``h_mean``,
low where the behaviour sits in a token and high where it is a whole-response stance or text (the attribution
benchmark's measurements: benchmarks/attribution/README.md).
"""
from __future__ import annotations

import numpy as np

from provenance.attribution.row_scores import iter_aligned_blocks
from provenance.attribution.signatures import _unit_rows, part_means
from provenance.attribution.topk import top_k_rows

__all__ = ["seed_coherence", "SeedClassifier", "refine_ranking"]


def _centered(store, layer: int, part: str, block: np.ndarray) -> np.ndarray:
    """Rows of ``part`` at ``layer`` minus the last epoch's mean, unit-norm."""
    mean = part_means(store, layer, [part])[part].astype(np.float64)
    return _unit_rows(np.asarray(block, np.float64) - mean)


def seed_coherence(store, rows: np.ndarray, layer: int, part: str = "h_mean") -> float:
    """Mean pairwise cosine of ``rows``' centered ``part`` at ``layer`` (how much they resemble each other)."""
    rows = np.asarray(rows, np.int64)
    if len(rows) < 2:
        raise ValueError(f"coherence needs at least 2 rows, got {len(rows)}")
    x = _centered(store, layer, part, store.array(layer, part, rows))
    sims = x @ x.T
    return float((sims.sum() - np.trace(sims)) / (len(rows) * (len(rows) - 1)))


class SeedClassifier:
    """Logistic regression (L2, classes balanced) over the concatenated centered unit-norm ``parts`` (``[(layer,
    part), ...]``), fitted on positive and negative store rows, then scoring every row of the store."""

    def __init__(self, parts: list[tuple[int, str]], C: float = 10.0, max_negatives: int = 20000, seed: int = 0):
        if not parts:
            raise ValueError("a seed classifier needs at least one (layer, part)")
        if C <= 0 or max_negatives < 1:
            raise ValueError(f"C must be > 0 and max_negatives >= 1, got {C}, {max_negatives}")
        self.parts, self.C, self.max_negatives, self.seed = list(parts), float(C), int(max_negatives), seed
        self.model = None

    def missing(self, store) -> list[tuple[int, str]]:
        """The (layer, part) pairs the store does not hold."""
        return [(l, p) for l, p in self.parts if l not in store.layers or p not in store.signature_names]

    def _features(self, store, rows: np.ndarray) -> np.ndarray:
        return np.concatenate([_centered(store, l, p, store.array(l, p, rows)) for l, p in self.parts], axis=1)

    def fit(self, store, positive: np.ndarray, negative: np.ndarray) -> SeedClassifier:
        # scikit-learn is slow to import: loaded when fitted
        from sklearn.linear_model import LogisticRegression

        positive, negative = np.asarray(positive, np.int64), np.asarray(negative, np.int64)
        if len(positive) < 1 or len(negative) < 1:
            raise ValueError(f"a seed classifier needs positive and negative rows, got {len(positive)} and {len(negative)}")
        if np.intersect1d(positive, negative).size:
            raise ValueError("a row is both a positive and a negative")
        if len(negative) > self.max_negatives:   # bounded cost on a large store; a fixed draw keeps it reproducible
            negative = np.sort(np.random.default_rng(self.seed).choice(negative, self.max_negatives, replace=False))
        rows = np.concatenate([positive, negative])
        order = np.argsort(rows)   # the store gathers rows in order
        x = self._features(store, rows[order])
        y = np.r_[np.ones(len(positive)), np.zeros(len(negative))][order]
        self.model = LogisticRegression(C=self.C, class_weight="balanced", max_iter=3000).fit(x, y)
        return self

    def _blocks(self, store, chunk_rows: int):
        """(start row, decision values [n, 1]) over every stored row, one chunk of every part at a time."""
        coef = self.model.coef_[0]
        for start, blocks in iter_aligned_blocks(store, list(dict.fromkeys(self.parts)), chunk_rows):
            feats = [_centered(store, l, p, blocks[(l, p)]) for l, p in self.parts]
            yield start, (np.concatenate(feats, axis=1) @ coef + self.model.intercept_[0])[:, None]

    def top_k(self, store, mask: np.ndarray, k: int, chunk_rows: int = 8192) -> tuple[np.ndarray, np.ndarray]:
        """([1, k] decision values, [1, k] rows): the top-k rows of ``mask`` by the fitted classifier."""
        if self.model is None:
            raise ValueError("fit the seed classifier first")
        return top_k_rows(self._blocks(store, chunk_rows), 1, k, mask)


def refine_ranking(store, ranked: np.ndarray, mask: np.ndarray, parts: list[tuple[int, str]], coherence_layer: int,
                   k: int, *, seed_k: int, band: int, min_coherence: float, C: float):
    """(coherence of ``ranked``'s top ``seed_k`` rows at ``coherence_layer``, the classifier's ([1, k] scores,
    [1, k] rows) or None when they do not cohere). The classifier is trained on those rows against the rows of
    ``mask`` outside ``ranked``'s top ``band``."""
    seeds = ranked[:seed_k]
    coherence = seed_coherence(store, np.sort(seeds), coherence_layer)
    if coherence < min_coherence:
        return coherence, None
    negative = np.setdiff1d(np.flatnonzero(mask), ranked[:band])
    return coherence, SeedClassifier(parts, C=C).fit(store, seeds, negative).top_k(store, mask, k)
