"""RepT as published: signatures of the training samples recomputed with the *final* model (a re-pass).

Training-time captures come from the model at each step (free, and per epoch); RepT used the final model. This
method re-runs the stored token ids of the selected rows (prompt length rebuilds the labels) through the same
`CaptureEngine` as the test cases, in eval mode, and scores them with a RepT-family signature. The re-pass costs
one forward+backward per sample; it is computed once per (rows, layers) and kept by the `Attributor` for the next
query (`Attributor.cached`).

`write_repass` (``provenance index``) writes such a re-pass as a run of the store schema instead.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from provenance.attribution.case_signatures import run_engine
from provenance.attribution.method import AttributionMethod, Ranking, Requirements
from provenance.attribution.signatures import (
    DEFAULT_VARIANT,
    Signature,
    get_signature,
    principal_directions,
    unit_row_moments,
)
from provenance.attribution.topk import select_rows, top_k_rows
from provenance.capture import find_layout, model_fingerprint, resolve_token_layers
from provenance.capture.engine import SIGNATURES
from provenance.data import IGNORE_INDEX
from provenance.errors import StoreNotFoundError
from provenance.store import CaptureRows, StoreWriter, open_store, projection_matrix

if TYPE_CHECKING:
    from provenance.attribution.attributor import Attributor
    from provenance.attribution.case_signatures import TestSignatures


def repass_signatures(att: Attributor, rows: np.ndarray, layers: list[int], batch: int = 8) -> dict:
    """``{layer: {part: [len(rows), d]}}`` of the stored rows recomputed with ``att.model`` (projected like the store)."""
    out = run_engine(att.model, engine_features(att, rows)[1], layers, parts=SIGNATURES, pad_token_id=_pad(att),
                     batch=batch)
    res = {l: dict(out[l]) for l in layers}
    proj = att.store.run_attrs.get("projection")
    if proj:
        for l in res:
            for p, x in res[l].items():
                res[l][p] = x @ projection_matrix(proj["seed"], x.shape[1], proj["dim"])
    return res


def engine_features(att: Attributor, rows) -> tuple[list[np.ndarray], list[dict]]:
    """The stored token ids of ``rows`` and the engine's inputs for them (labels rebuilt from the prompt length)."""
    plen = att.samples["prompt_len"].to_numpy()
    ids = [att.store.tokens(int(r)).astype(np.int64) for r in rows]
    feats = [{"input_ids": x.tolist(), "attention_mask": [1] * len(x),
              "labels": [IGNORE_INDEX] * int(plen[r]) + x[int(plen[r]):].tolist(), "sample_id": i}
             for i, (x, r) in enumerate(zip(ids, rows))]
    return ids, feats


def _pad(att: Attributor) -> int:
    return att.tokenizer.pad_token_id if att.tokenizer.pad_token_id is not None else 0


class RepassMethod(AttributionMethod):
    """Cosine of RepT-family signatures, training side recomputed with the final model.

    Args:
        signature: The signature variant (default `DEFAULT_VARIANT`).
        layer: Its layer (default: the run's default layer).
        epochs: The rows to re-pass: an epoch number or "last" ("mean": the last epoch's rows, each standing for
            its sample).
        layers_cached: Layers computed in the one re-pass (default: every captured layer), so that queries at
            other layers reuse it.
    """

    def __init__(self, signature=DEFAULT_VARIANT, layer: int | None = None, epochs="last", layers_cached=None):
        self.signature: Signature = get_signature(signature)
        self.layer, self.epochs = layer, epochs
        self.layers_cached = layers_cached

    @property
    def name(self) -> str:
        return f"repass {self.signature.label}@{self.layer if self.layer is not None else 'default'}"

    def requirements(self, att: Attributor) -> Requirements:
        # The re-pass computes every part itself; the test signatures need the layer captured.
        return Requirements(layers=(self.layer if self.layer is not None else att.default_layer(),))

    def train_side(self, att: Attributor, rows: np.ndarray) -> dict:
        """``{layer: {part: [len(rows), d]}}`` of the re-passed ``rows``, computed once per attributor."""
        layers = list(self.layers_cached or att.store.layers)
        return att.cached("repass: training-side signatures", (tuple(layers), tuple(rows.tolist())),
                          lambda: repass_signatures(att, rows, layers))

    def _bound(self, blocks: dict) -> Signature:
        """The signature centered (and projected) on the re-passed rows themselves: the final model's statistics."""
        sig = self.signature
        if not sig.center:
            return sig
        x = {p: np.asarray(blocks[p], np.float64) for p in sig.parts}
        if sig.pcs:
            stats = {p: principal_directions(x[p].sum(0), x[p].T @ x[p], len(x[p]), sig.pcs) for p in sig.projected}
            means = {p: x[p].mean(0).astype(np.float32) for p in sig.parts}
            return replace(sig, means={**means, **{p: m for p, (m, _, _) in stats.items()}},
                           basis={p: (v, sd) for p, (_, v, sd) in stats.items()})
        means = {p: x[p].mean(0).astype(np.float32) for p in sig.parts}
        if sig.standardize:
            spread = {p: unit_row_moments(x[p] - means[p]) for p in sig.parts}
            return replace(sig, means=means, spread=spread)
        return replace(sig, means=means)

    def rank(self, att: Attributor, test: TestSignatures, k: int) -> Ranking:
        layer = self.layer if self.layer is not None else att.default_layer()
        mask = select_rows(att.samples, self.epochs if self.epochs != "mean" else "last")
        rows = np.flatnonzero(mask)
        train = self.train_side(att, rows)
        if layer not in train:
            raise ValueError(f"re-pass computed layers {sorted(train)}, not {layer}")
        full = np.zeros((len(mask), len(test)), np.float32)
        full[rows] = self._bound(train[layer]).scores(train[layer], test.arrays[layer])
        return Ranking(*top_k_rows([(0, full)], len(test), k, mask), epochs_averaged=self.epochs == "mean")


REPASS_ATTR = "repass"


def write_repass(att: Attributor, *, out_run: str | None = None, out_url: str | None = None, epochs="last",
                 layers=None, batch: int = 8, block_rows: int = 256, overwrite: bool = False,
                 model_label: str | None = None, token_layers=None) -> tuple[str, str, int]:
    """``provenance index``: the selected rows' signatures recomputed with the final model, written as a run in the
    store schema (any query, backend or index then works on it as on a training-time run).

    Rows of ``epochs`` (an epoch number or "last") are re-passed in row order, ``block_rows`` at a time, each block
    committed before the next: a killed run resumes where its committed rows end (nothing lost, nothing twice).
    Written to run ``out_run`` (default ``<run>-final``) of ``out_url`` (default: the same store), with the source
    run's layers, encoding and projection; the run attribute "repass" records what it was computed from.
    ``token_layers`` ("auto" = 3/4 of the depth, or layer numbers) also writes the final model's per-token states
    there (what token match reads from a store). Returns (url, run, committed rows)."""
    src = att.store
    if epochs == "all" or epochs == "mean":
        raise ValueError("a re-pass computes one row per sample: pass epochs='last' or an epoch number")
    rows = np.flatnonzero(select_rows(att.samples, epochs))
    layers = list(src.layers if layers is None else layers)
    missing = [l for l in layers if l not in src.layers]
    if missing:
        raise ValueError(f"layers {missing} were not captured in run {src.run!r}; captured: {src.layers}")
    token_layers = resolve_token_layers(token_layers, find_layout(att.model))
    url = str(out_url or src.url)
    run = out_run or f"{src.run}-final"
    if url == str(src.url) and run == src.run:
        raise ValueError(f"the re-pass cannot overwrite its source run {run!r}; choose another out_run")
    epoch = int(att.samples["epoch"].iloc[rows[0]]) if len(rows) else 0
    info = {"of_url": str(src.url), "of_run": src.run, "epoch": epoch, "rows": int(len(rows)),
            "source_committed": int(len(src)), "model": model_label or model_fingerprint(att.model).get("name")}
    run_attrs = {k: v for k, v in src.run_attrs.items() if k not in ("encoding", "projection")}
    run_attrs.update({"layers": layers, "token_layers": token_layers, REPASS_ATTR: info})
    done = 0
    if not overwrite:
        try:
            prev = open_store(url, run=run)
        except StoreNotFoundError:   # no such store or run yet: start fresh
            prev = None
        if prev is not None and len(prev):
            if prev.run_attrs.get(REPASS_ATTR) != info:
                raise ValueError(f"run {run!r} of {url} holds a re-pass of something else "
                                 f"({prev.run_attrs.get(REPASS_ATTR)}); pass overwrite=True or another out_run")
            done = len(prev)
    writer = StoreWriter(url, run, model=src.model or model_fingerprint(att.model), run_attrs=run_attrs,
                         encoding=src.encoding, projection=src.run_attrs.get("projection"),
                         resume_committed=done if done else None, overwrite=overwrite)
    samples = att.samples
    plen = samples["prompt_len"].to_numpy()
    extra = [c for c in samples.columns if c not in ("sample_id", "source", "epoch", "step", "rank", "loss",
                                                     "prompt_len", "n_tokens")]
    with writer:
        for start in range(done, len(rows), block_rows):
            sel = rows[start: start + block_rows]
            ids, feats = engine_features(att, sel)
            out = run_engine(att.model, feats, layers, parts=SIGNATURES, pad_token_id=_pad(att), batch=batch,
                             token_layers=token_layers)
            writer.put(CaptureRows(
                sample_id=samples["sample_id"].iloc[sel].tolist(), source=samples["source"].iloc[sel].tolist(),
                epoch=epoch, step=0, loss=np.asarray(out["loss"], np.float32),
                prompt_len=plen[sel].astype(np.int32), token_ids=[x.astype(np.int32) for x in ids],
                signatures={l: dict(out[l]) for l in layers},
                columns={c: samples[c].iloc[sel].to_numpy() for c in extra},
                token_states=out.get("token_states", {})))
            writer.flush()   # committed block by block: a killed re-pass resumes here
    return url, run, writer.committed
