"""The scoring core shared by signatures, concept scores and DPO activation differences: stored rows against directions.

Three tools score rows of vectors against one or more directions and rank them:

* signatures (`provenance.attribution.signatures`): stored parts streamed in aligned chunks, each row's (centered)
  cosine with the test rows; ``epochs="mean"`` averages a sample's scores over its epochs;
* concept scores (`provenance.behaviour.probes.concept_scores`): one stored part streamed in chunks, each row's
  projection on (or cosine with) a concept direction, the same epoch mean, ranked best first;
* DPO activation differences (`provenance.behaviour.actdiff.rank_pairs`): each pair vector's cosine with the
  behaviour vector, ranked best first.

What they share lives here, computed one way: the aligned chunk stream (`iter_aligned_blocks`, `iter_part_blocks`), the cosine with
optional centering (`cosine`), the projection (`projection`), the per-sample mean over epochs (`SampleMeans`) and the
best-first order (`best_first`). Everything is float64; a zero vector has cosine 0 with everything (it points
nowhere, so it says nothing).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd


def iter_aligned_blocks(store, keys: Sequence, chunk_rows: int) -> Iterator[tuple[int, dict]]:
    """Stream ``(start row, {key: block [n, d]})`` over every stored row, the chunks of every ``(layer, part)`` key
    aligned.

    Every key is read with the same chunk size, so the i-th chunk of each covers the same rows
    (`StoreReader.iter_chunks` never lets a chunk span two ranks).

    Args:
        store: A `StoreReader`.
        keys: ``(layer, part)`` pairs to read together, at least one, none repeated.
        chunk_rows: At most this many rows per block (positive).

    Raises:
        ValueError: ``keys`` is empty or repeats one, or ``chunk_rows`` is not a positive int.
        StoreNotFoundError: A layer or part was not captured (raised by the store when streaming starts).
    """
    keys = [tuple(k) for k in keys]
    if not keys:
        raise ValueError("aligned blocks need at least one (layer, part) to read")
    if len(set(keys)) != len(keys):
        raise ValueError(f"(layer, part) keys repeat: {keys}; name each stored part once")
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, (int, np.integer)) or chunk_rows <= 0:
        raise ValueError(f"chunk_rows must be a positive int, got {chunk_rows!r}")
    streams = [store.iter_chunks(layer, part, int(chunk_rows)) for layer, part in keys]
    for chunks in zip(*streams):
        yield chunks[0][0], {key: block for key, (_, block) in zip(keys, chunks)}


def iter_part_blocks(store, layer: int, parts: Sequence[str], chunk_rows: int) -> Iterator[tuple[int, dict]]:
    """Stream ``(start row, {part: block [n, d_part]})`` over every stored row of one ``layer``, the parts' chunks
    aligned (`iter_aligned_blocks`).

    Raises:
        ValueError: ``parts`` is empty or repeats a part, or ``chunk_rows`` is not a positive int.
        StoreNotFoundError: The layer or a part was not captured (raised by the store when streaming starts).
    """
    parts = tuple(parts)
    if not parts:
        raise ValueError("iter_part_blocks needs at least one part to read")
    if len(set(parts)) != len(parts):
        raise ValueError(f"parts repeat: {parts}; name each stored part once")
    for start, blocks in iter_aligned_blocks(store, [(layer, p) for p in parts], chunk_rows):
        yield start, {p: blocks[(layer, p)] for p in parts}


def _rows_and_directions(rows, directions, what: str) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(rows, np.float64)
    d = np.atleast_2d(np.asarray(directions, np.float64))
    if x.ndim != 2:
        raise ValueError(f"rows must be a 2-D array [n, d], got shape {x.shape}")
    if d.ndim != 2:
        raise ValueError(f"{what} must be [d] or [m, d], got shape {np.shape(directions)}")
    if x.shape[1] != d.shape[1]:
        raise ValueError(f"rows have width {x.shape[1]} but the {what} width {d.shape[1]}: both must come from the "
                         "same layer and part")
    return x, d


def cosine(rows, queries, *, mean=None) -> np.ndarray:
    """Cosine of every row with every query: ``[n, m]`` float64, 0 where either vector is zero.

    With ``mean`` both sides are centered first, ``cos(x - mean, q - mean)``: rows and queries are points of the same
    space (stored rows and test rows), and the mean of the stored rows is the common component all of them share.
    Without it the queries are used as they are (directions such as a behaviour vector).

    Args:
        rows: ``[n, d]`` vectors (any float dtype; computed in float64).
        queries: ``[d]`` or ``[m, d]``.
        mean: ``[d]`` to subtract from rows and queries alike, or None.

    Raises:
        ValueError: The shapes are not [n, d] / [m, d] / [d] of one width.
    """
    x, q = _rows_and_directions(rows, queries, "queries")
    if mean is not None:
        mu = np.asarray(mean, np.float64)
        if mu.shape != (x.shape[1],):
            raise ValueError(f"mean must have shape ({x.shape[1]},) like a row, got {mu.shape}")
        x, q = x - mu, q - mu
    dots = x @ q.T
    den = np.linalg.norm(x, axis=1)[:, None] * np.linalg.norm(q, axis=1)[None, :]
    return np.divide(dots, den, out=np.zeros_like(dots), where=den > 0)


def projection(rows, directions) -> np.ndarray:
    """Signed length of every row along every direction, ``<x, v> / |v|``: ``[n, m]`` float64.

    Args:
        rows: ``[n, d]`` vectors.
        directions: ``[d]`` or ``[m, d]``, each non-zero and finite (only their orientation counts).

    Raises:
        ValueError: The shapes do not match (see `cosine`), or a direction is zero or not finite.
    """
    x, d = _rows_and_directions(rows, directions, "directions")
    norms = np.linalg.norm(d, axis=1)
    if not (np.isfinite(norms).all() and (norms > 0).all()):
        raise ValueError("a direction is zero or not finite: it has no orientation to project on")
    return x @ (d / norms[:, None]).T


class SampleMeans:
    """Per sample, the mean of its rows' scores over its epochs (TracIn-style), accumulated one block at a time.

    Memory: one float64 sum per (distinct sample, query), whatever the number of rows. Each sample is reported on its
    last row (the latest epoch's), samples in the order of their first row.
    """

    def __init__(self, sample_ids, n_queries: int):
        """
        Args:
            sample_ids: The sample id of every stored row ``[N]`` (a samples table's ``sample_id`` column).
            n_queries: Columns of the score blocks to come (positive).

        Raises:
            ValueError: ``n_queries`` is not positive, or a row has no sample id.
        """
        if isinstance(n_queries, bool) or not isinstance(n_queries, (int, np.integer)) or n_queries < 1:
            raise ValueError(f"n_queries must be a positive int, got {n_queries!r}")
        ids = sample_ids if isinstance(sample_ids, (pd.Series, pd.Index, np.ndarray)) else np.asarray(sample_ids)
        self.codes, uniques = pd.factorize(ids, sort=False)
        if (self.codes < 0).any():
            raise ValueError(f"{int((self.codes < 0).sum())} rows have no sample id: the mean over epochs groups "
                             "rows by sample_id")
        n = len(uniques)
        self.sums = np.zeros((n, int(n_queries)), np.float64)
        self.counts = np.bincount(self.codes, minlength=n).astype(np.float64)

    def add(self, start: int, scores) -> None:
        """Fold in the scores ``[rows, queries]`` of rows ``start``, ``start + 1``, ...

        Raises:
            ValueError: The block does not fit the rows or the number of queries.
        """
        scores = np.asarray(scores, np.float64)
        if scores.ndim != 2 or scores.shape[1] != self.sums.shape[1]:
            raise ValueError(f"scores must be [rows, {self.sums.shape[1]}], got shape {scores.shape}")
        if start < 0 or start + len(scores) > len(self.codes):
            raise ValueError(f"rows {start}..{start + len(scores) - 1} are outside the {len(self.codes)} stored rows")
        if len(scores) == 0:
            return
        c = self.codes[start: start + len(scores)]
        order = np.argsort(c, kind="stable")
        sc = c[order]
        starts = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1]])
        # Rows of the block grouped by sample: one summed row per sample present in the block.
        self.sums[sc[starts]] += np.add.reduceat(scores[order], starts, axis=0)

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """(each sample's last row [S], its mean score [S, queries] float64), samples in order of their first row."""
        last_row = np.zeros(len(self.counts), np.int64)
        last_row[self.codes] = np.arange(len(self.codes))  # later rows overwrite earlier ones
        return last_row, self.sums / self.counts[:, None]


def best_first(scores) -> np.ndarray:
    """Positions of ``scores`` [n] ordered best (highest) first; equal scores keep their order (lower position first,
    like `RunningTopK`'s tie rule by row).

    Raises:
        ValueError: ``scores`` is not 1-D.
    """
    s = np.asarray(scores)
    if s.ndim != 1:
        raise ValueError(f"scores to rank must be 1-D, got shape {s.shape}")
    return np.argsort(-s, kind="stable")
