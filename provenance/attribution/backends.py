"""Scoring backends: where a signature's cosines with the test cases are computed and the top k rows kept.

Every backend returns the local path's ranking (same rows, same order; scores equal up to float32 rounding):

* ``local``: streams the store's chunks (`StoreReader.iter_chunks`) in this process; the only backend for
  query-adaptive signatures (``pcs``, e.g. the default ``h_fused_k1``), whose projection depends on the query;
* ``dask``: the same scores as dask tasks over `StoreReader.to_dask` views (`provenance.attribution.dask_topk`);
* ``index``: a scan of the store's int8 query index, then an exact re-score of the certified candidates
  (`provenance.attribution.topk_index`); rows are selected and described from the index, so the store's samples
  table is never loaded;
* ``dask-index``: the index scan as dask tasks.

`SignatureMethod` picks its backend from `BACKENDS` by name; `register_backend` adds one.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
import pandas as pd

from provenance.attribution.dask_topk import dask_top_k
from provenance.attribution.signatures import Signature, iter_features, score_blocks
from provenance.attribution.topk import select_rows, top_k_mean_over_epochs, top_k_rows
from provenance.attribution.topk_index import bind_to_index, index_row_table, index_top_k

__all__ = ["BACKENDS", "ScoringBackend", "get_backend", "register_backend"]


class ScoringBackend(ABC):
    """How one backend scores a signature at one layer against the test cases and keeps the top k.

    Attributes:
        name: The backend's name (``SignatureMethod(backend=...)``, ``provenance query --backend``).
        reads_samples_table: Rows are selected by epoch from the store's samples table; False: the backend reads
            the epochs (and the ranked rows' details, `row_table`) from its own data.
    """

    name: str
    reads_samples_table: bool = True

    def bind(self, signature: Signature, store, layer: int) -> Signature:
        """``signature`` with the per-part means it is centered with (itself when not centered)."""
        return signature.bind(store, layer)

    def top_k(self, store, layer: int, signature: Signature, test_blocks: dict[str, np.ndarray], k: int, *,
              epochs, samples: pd.DataFrame | None, combine: bool = False, client=None,
              chunk_rows: int = 8192) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` rows of ``signature`` cosines with the test cases.

        Args:
            store: The `StoreReader`.
            layer: The signature's layer.
            signature: The signature (bound or not).
            test_blocks: The test cases' parts at ``layer``: ``{part: [Q, d]}``.
            k: Rows kept per query.
            epochs: Row selection (`select_rows`), or "mean" (per-sample means over epochs).
            samples: The store's samples table; None for backends that do not read it.
            combine: One ranking of each row's mean cosine over the cases (the behaviour) instead of one per case.
            client: A dask.distributed Client for the dask backends (default: dask's current scheduler).
            chunk_rows: Rows per streamed block (local backend).

        Returns:
            ``(scores [Q or 1, k'], rows [Q or 1, k'])`` best first.

        Raises:
            ValueError: The backend cannot score this signature or epoch selection.
        """
        if signature.pcs:
            raise ValueError(f"signature {signature.label} is scored on the local backend only, not {self.name!r}")
        bound = self.bind(signature, store, layer)
        q, offset = bound.query_features(test_blocks), np.atleast_1d(bound.query_offset(test_blocks))
        if combine:   # the mean of a row's scores over the queries is its dot product with their mean
            q, offset = q.mean(0, keepdims=True), offset.mean(keepdims=True)
        scores, rows = self.top_k_features(store, layer, bound, q, k, epochs=epochs, samples=samples, client=client,
                                           chunk_rows=chunk_rows)
        # A per-query constant (a standardized signature's z-score offset) changes no ranking: applied after top-k.
        return (scores - offset[:, None]).astype(scores.dtype, copy=False), rows

    @abstractmethod
    def top_k_features(self, store, layer: int, signature: Signature, q: np.ndarray, k: int, *, epochs,
                       samples: pd.DataFrame | None, client=None, chunk_rows: int = 8192) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` rows by dot product of the bound ``signature``'s unit features with queries ``q`` [Q, W]."""

    def row_table(self, store, layer: int, signature: Signature, rows: np.ndarray) -> pd.DataFrame | None:
        """The ranked rows' sample_id / source / epoch / prompt_len when the backend holds them (index = row);
        None: the store's samples table."""
        return None


class LocalBackend(ScoringBackend):
    name = "local"

    def top_k(self, store, layer, signature, test_blocks, k, *, epochs, samples, combine=False, client=None,
              chunk_rows=8192):
        if not signature.pcs:
            return super().top_k(store, layer, signature, test_blocks, k, epochs=epochs, samples=samples,
                                 combine=combine, client=client, chunk_rows=chunk_rows)
        # A query-adaptive projection has no fixed features: score block by block against the raw test parts.
        blocks = score_blocks(store, layer, signature.bind(store, layer), test_blocks, chunk_rows)
        if combine:
            blocks = ((start, s.mean(1, keepdims=True)) for start, s in blocks)
        n_queries = 1 if combine else len(next(iter(test_blocks.values())))
        return _stream_top_k(blocks, n_queries, k, epochs, samples)

    def top_k_features(self, store, layer, signature, q, k, *, epochs, samples, client=None, chunk_rows=8192):
        blocks = ((start, feats @ q.T) for start, feats in iter_features(store, layer, signature, chunk_rows))
        return _stream_top_k(blocks, len(q), k, epochs, samples)


def _stream_top_k(blocks, n_queries: int, k: int, epochs, samples: pd.DataFrame):
    if epochs == "mean":
        return top_k_mean_over_epochs(blocks, n_queries, k, samples)
    return top_k_rows(blocks, n_queries, k, select_rows(samples, epochs))


class DaskBackend(ScoringBackend):
    name = "dask"

    def top_k_features(self, store, layer, signature, q, k, *, epochs, samples, client=None, chunk_rows=8192):
        return dask_top_k(store, layer, signature, q, k, epochs, samples, client=client)


class IndexBackend(ScoringBackend):
    """The query index scanned in this process, or (``use_dask``) as one dask task per index chunk."""

    reads_samples_table = False

    def __init__(self, name: str, use_dask: bool):
        self.name, self.use_dask = name, use_dask

    def bind(self, signature, store, layer):
        # A centered signature takes the means its index was built with (equal to the store's while the index is
        # fresh), sparing a pass over every row.
        if signature.center and signature.means is None:
            return bind_to_index(store, layer, signature)
        return signature.bind(store, layer)

    def top_k_features(self, store, layer, signature, q, k, *, epochs, samples, client=None, chunk_rows=8192):
        return index_top_k(store, layer, signature, q, k, epochs, samples, use_dask=self.use_dask, client=client)

    def row_table(self, store, layer, signature, rows):
        return index_row_table(store, layer, signature, rows)


BACKENDS: dict[str, ScoringBackend] = {}


def register_backend(backend: ScoringBackend) -> None:
    """Make ``backend`` available by its name.

    Raises:
        ValueError: Another backend has that name.
    """
    if backend.name in BACKENDS:
        raise ValueError(f"a scoring backend named {backend.name!r} is already registered")
    BACKENDS[backend.name] = backend


def get_backend(name: str) -> ScoringBackend:
    """The backend registered as ``name``.

    Raises:
        ValueError: No backend has that name (the message lists them).
    """
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {tuple(BACKENDS)}, got {name!r}")
    return BACKENDS[name]


for _backend in (LocalBackend(), DaskBackend(), IndexBackend("index", use_dask=False),
                 IndexBackend("dask-index", use_dask=True)):
    register_backend(_backend)
