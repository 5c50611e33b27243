"""RepT as published: signatures of the training samples recomputed with the *final* model (a re-pass).

Training-time captures come from the model at each step (free, and per epoch); RepT used the final model. This
method re-runs the stored token ids of the selected rows (prompt length rebuilds the labels) through the same
`CaptureEngine` as the test cases, in eval mode, and scores them with a RepT-family signature. The re-pass is
computed once per (model, rows, layers) and cached on the method object; it costs one forward+backward per sample.
"""
from __future__ import annotations

import numpy as np

from provenance.attribution.query import Attributor, TestSignatures, run_engine
from dataclasses import replace

from provenance.attribution.signatures import DEFAULT_VARIANT, Signature, get_signature, principal_directions
from provenance.attribution.topk import select_rows, top_k_rows
from provenance.capture.engine import SIGNATURES
from provenance.data import IGNORE_INDEX
from provenance.store import projection_matrix


def repass_signatures(att: Attributor, rows: np.ndarray, layers: list[int], batch: int = 8) -> dict:
    """``{layer: {part: [len(rows), d]}}`` of the stored rows recomputed with ``att.model`` (projected like the store)."""
    plen = att.samples["prompt_len"].to_numpy()
    feats = []
    for i, r in enumerate(rows):
        ids = att.store.tokens(int(r)).astype(np.int64).tolist()
        p = int(plen[r])
        feats.append({"input_ids": ids, "attention_mask": [1] * len(ids),
                      "labels": [IGNORE_INDEX] * p + ids[p:], "sample_id": i})
    pad = att.tokenizer.pad_token_id if att.tokenizer.pad_token_id is not None else 0
    out = run_engine(att.model, feats, layers, parts=SIGNATURES, pad_token_id=pad, batch=batch)
    res = {l: dict(out[l]) for l in layers}
    proj = att.store.run_attrs.get("projection")
    if proj:
        for l in res:
            for p, x in res[l].items():
                res[l][p] = x @ projection_matrix(proj["seed"], x.shape[1], proj["dim"])
    return res


class RepassMethod:
    """Cosine of RepT-family signatures, training side recomputed with the final model."""

    def __init__(self, signature=DEFAULT_VARIANT, layer: int | None = None, epochs="last", layers_cached=None):
        self.signature: Signature = get_signature(signature)
        self.layer, self.epochs = layer, epochs
        self.layers_cached = layers_cached   # compute these layers in the one re-pass (default: the store's)
        self._cache: dict = {}

    @property
    def name(self) -> str:
        return f"repass {self.signature.label}@{self.layer if self.layer is not None else 'default'}"

    def layers_needed(self, att: Attributor) -> list[int]:
        return [self.layer if self.layer is not None else att.default_layer()]

    def train_side(self, att: Attributor, rows: np.ndarray) -> dict:
        key = (id(att.model), att.store.url, att.store.run, tuple(rows.tolist()))
        if key not in self._cache:
            layers = list(self.layers_cached or att.store.layers)
            self._cache = {key: repass_signatures(att, rows, layers)}
        return self._cache[key]

    def _bound(self, blocks: dict) -> Signature:
        """The signature centered (and projected) on the re-passed rows themselves: the final model's statistics."""
        sig = self.signature
        if not sig.center:
            return sig
        x = {p: np.asarray(blocks[p], np.float64) for p in sig.parts}
        if sig.pcs:
            stats = {p: principal_directions(x[p].sum(0), x[p].T @ x[p], len(x[p]), sig.pcs) for p in sig.parts}
            return replace(sig, means={p: m for p, (m, _, _) in stats.items()},
                           basis={p: (v, sd) for p, (_, v, sd) in stats.items()})
        return replace(sig, means={p: x[p].mean(0).astype(np.float32) for p in sig.parts})

    def top_k(self, att: Attributor, test: TestSignatures, k: int):
        layer = self.layer if self.layer is not None else att.default_layer()
        mask = select_rows(att.samples, self.epochs if self.epochs != "mean" else "last")
        rows = np.flatnonzero(mask)
        train = self.train_side(att, rows)
        if layer not in train:
            raise ValueError(f"re-pass computed layers {sorted(train)}, not {layer}")
        full = np.zeros((len(mask), len(test)), np.float32)
        full[rows] = self._bound(train[layer]).scores(train[layer], test.arrays[layer])
        return top_k_rows([(0, full)], len(test), k, mask)
