"""`SignatureMethod`: rank stored rows by the cosine of a RepT-family signature with the test cases'.

The signature (`provenance.attribution.signatures`) is scored at one layer against the training-time captures of
the selected epochs, through a scoring backend (`provenance.attribution.backends`: streamed locally, dask, or the
query index); every backend gives the local path's ranking.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from provenance.attribution.backends import get_backend
from provenance.attribution.method import AttributionMethod, Ranking, Requirements
from provenance.attribution.signatures import (
    DEFAULT_VARIANT,
    Epochs,
    Signature,
    SignatureSpec,
    check_layer,
    default_layer,
    get_signature,
)

if TYPE_CHECKING:
    from provenance.attribution.attributor import Attributor
    from provenance.attribution.case_signatures import TestSignatures

__all__ = ["SignatureMethod"]


class SignatureMethod(AttributionMethod):
    """Cosine of a RepT-family signature between each stored row and each test case.

    Args:
        signature: A variant name (`VARIANTS`), parts like ``"h_mean+g_mean"`` or a `Signature`; default
            `DEFAULT_VARIANT`.
        layer: The layer (default: the run's default layer, `default_layer`).
        epochs: Rows of one epoch (an int), ``"last"``, ``"all"`` (every row on its own) or ``"mean"`` (per sample,
            the mean of its epochs' scores).
        chunk_rows: Rows per streamed block (local backend).
        backend: ``"local"``, ``"dask"``, ``"index"`` or ``"dask-index"`` (`provenance.attribution.backends`).
        client: A dask.distributed Client for the dask backends (default: dask's current scheduler).

    Raises:
        ValueError: An unknown signature or backend.
    """

    def __init__(self, signature: SignatureSpec = DEFAULT_VARIANT, layer: int | None = None, epochs: Epochs = "last",
                 chunk_rows: int = 8192, *, backend: str = "local", client: Any = None):
        self.signature: Signature = get_signature(signature)
        self.layer, self.epochs, self.chunk_rows = layer, epochs, chunk_rows
        self.backend, self.client = get_backend(backend).name, client

    @property
    def name(self) -> str:
        return f"{self.signature.label}@{self.layer if self.layer is not None else 'default'}/{self.epochs}"

    def layer_of(self, att: Attributor) -> int:
        """The layer this method scores through ``att``: its own, else the run's default."""
        return self.layer if self.layer is not None else default_layer(att.store)

    def requirements(self, att: Attributor) -> Requirements:
        return Requirements(layers=(self.layer_of(att),), parts=self.signature.parts)

    def row_table(self, att: Attributor, rows: np.ndarray) -> pd.DataFrame | None:
        return get_backend(self.backend).row_table(att.store, self.layer_of(att), self.signature, rows)

    def rank(self, att: Attributor, test: TestSignatures, k: int) -> Ranking:
        return self._rank(att, test, k, combine=False)

    def rank_behaviour(self, att: Attributor, test: TestSignatures, k: int) -> Ranking:
        """Top-k of each row's mean score over the cases, streamed like `rank` (one running top-k)."""
        return self._rank(att, test, k, combine=True)

    def _rank(self, att: Attributor, test: TestSignatures, k: int, combine: bool) -> Ranking:
        layer = self.layer_of(att)
        check_layer(att.store, layer, self.signature)
        if layer not in test.arrays:
            raise ValueError(f"test signatures were computed for layers {sorted(test.arrays)}, not {layer}")
        backend = get_backend(self.backend)
        scores, rows = backend.top_k(att.store, layer, self.signature, test.arrays[layer], k, epochs=self.epochs,
                                     samples=att.samples if backend.reads_samples_table else None, combine=combine,
                                     client=self.client, chunk_rows=self.chunk_rows)
        return Ranking(scores, rows, epochs_averaged=self.epochs == "mean")
