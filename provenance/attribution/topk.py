"""Bounded-memory top-k over a stream of score blocks, and epoch selection / aggregation of store rows.

Every method produces scores for blocks of store rows (``[rows in block, queries]``); `RunningTopK` keeps, per
query, the k best (score, row) pairs seen so far. Ties are broken by the lower row, so the result equals a full
sort of all scores by (-score, row) whatever the block size. Where the scores are computed (streamed here, with
dask, or from the query index) is a scoring backend's business: `provenance.attribution.backends`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from provenance.attribution.row_scores import SampleMeans
from provenance.attribution.signatures import EPOCH_MODES


class RunningTopK:
    def __init__(self, n_queries: int, k: int):
        if k <= 0:
            raise ValueError(f"k must be positive, got {k}")
        self.k = int(k)
        self.scores = np.zeros((n_queries, 0), np.float32)
        self.rows = np.zeros((n_queries, 0), np.int64)

    def update(self, rows: np.ndarray, scores: np.ndarray) -> None:
        """``rows`` [n] global row ids, ``scores`` [n, queries]."""
        if len(rows) == 0:
            return
        q = self.scores.shape[0]
        self.absorb(np.asarray(scores, np.float32).T, np.broadcast_to(np.asarray(rows, np.int64), (q, len(rows))))

    def merge(self, other: RunningTopK) -> None:
        """Fold in another top-k kept over other rows (a dask block's): the result is as if it had seen them all."""
        self.absorb(other.scores, other.rows)

    def absorb(self, scores: np.ndarray, rows: np.ndarray) -> None:
        """Per-query candidates: ``scores`` [queries, m] (-inf = none), ``rows`` [queries, m]."""
        if scores.shape[1] == 0:
            return
        s = np.concatenate([self.scores, np.asarray(scores, np.float32)], axis=1)
        r = np.concatenate([self.rows, np.asarray(rows, np.int64)], axis=1)
        if s.shape[1] > self.k:
            # Keep a superset of the top k (everything >= the k-th score, ties included), then sort exactly.
            kth = -np.partition(-s, self.k - 1, axis=1)[:, self.k - 1: self.k]
            keep = s >= kth
            width = int(keep.sum(1).max())
            order = np.argsort(~keep, axis=1, kind="stable")[:, :width]
            s, r = np.take_along_axis(s, order, 1), np.take_along_axis(r, order, 1)
            s = np.where(np.take_along_axis(keep, order, 1), s, -np.inf)
        order = np.lexsort((r, -s), axis=-1)[:, : self.k]
        self.scores, self.rows = np.take_along_axis(s, order, 1), np.take_along_axis(r, order, 1)

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """(scores [Q, k'], rows [Q, k']) sorted best first; k' = min(k, rows seen); unselected rows never appear."""
        finite = np.isfinite(self.scores).all(0)
        return self.scores[:, finite], self.rows[:, finite]


def select_rows(samples: pd.DataFrame, epochs) -> np.ndarray:
    """Boolean mask over store rows for an epoch selection (int, "last", "all" or "mean": every row)."""
    epoch = samples["epoch"].to_numpy()
    if isinstance(epochs, (int, np.integer)) and not isinstance(epochs, bool):
        mask = epoch == int(epochs)
        if not mask.any():
            raise ValueError(f"no rows of epoch {epochs}; captured epochs: {sorted(set(epoch.tolist()))}")
        return mask
    if epochs not in EPOCH_MODES:
        raise ValueError(f"epochs must be an int or one of {EPOCH_MODES}, got {epochs!r}")
    if epochs == "last":
        return epoch == epoch.max()
    return np.ones(len(epoch), bool)


def top_k_rows(blocks, n_queries: int, k: int, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Top-k over ``blocks`` = iterable of (start row, scores [n, Q]) restricted to ``mask``."""
    top = RunningTopK(n_queries, k)
    for start, scores in blocks:
        rows = np.arange(start, start + len(scores))
        m = mask[rows]
        top.update(rows[m], scores[m])
    return top.result()


def top_k_mean_over_epochs(blocks, n_queries: int, k: int, samples: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """TracIn-style: per sample id, the mean over its rows (epochs) of the scores; top-k of those.

    Memory: one float64 sum per (distinct sample, query) (`row_scores.SampleMeans`). Returned rows are each sample's
    last row."""
    means = SampleMeans(samples["sample_id"], n_queries)
    for start, scores in blocks:
        means.add(start, scores)
    last_row, mean = means.result()
    mean = mean.astype(np.float32)
    top = RunningTopK(n_queries, k)
    order = np.argsort(last_row, kind="stable")  # rank samples by row so ties resolve like the row-level ranking
    top.update(last_row[order], mean[order])
    return top.result()


def mean_of_rankings(scores: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """One ranking ``([1, k'], [1, k'])`` from per-case rankings that each cover the same rows: every row's mean
    score; ties broken by the lower row (as `RunningTopK`).

    Raises:
        ValueError: The cases' rankings cover different rows.
    """
    uniq, inv = np.unique(rows, return_inverse=True)
    counts = np.bincount(inv.ravel(), minlength=len(uniq))
    if not (counts == rows.shape[0]).all():
        raise ValueError("mean_of_rankings needs every case ranked over the same rows (pass k = every row)")
    mean = np.bincount(inv.ravel(), weights=np.asarray(scores, np.float64).ravel(), minlength=len(uniq)) / rows.shape[0]
    order = np.lexsort((uniq, -mean))[:k]
    return mean[order][None].astype(np.float32), uniq[order][None]
