"""RepT-family signatures built from the stored per-sample vectors, and their cosine scores.

A signature is a list of stored parts (``h_last``, ``g_last``, ``h_mean``, ``g_mean``) at one layer, concatenated:

* ``normalize="none"``: the raw concatenation, compared by cosine. That is RepT as published for
  ``concat(h_last, g_last)``; since |H| is ~1e4 times |G| for hidden states vs representation gradients, the
  gradient half then barely counts.
* ``normalize="per_part"``: each part scaled to unit norm before concatenating (and the whole divided by sqrt of
  the number of parts, so the result has unit norm): the cosine of the concatenation is the mean of the per-part
  cosines.

For a single part both are the plain cosine. Scores are cosines in [-1, 1].

Epoch handling (``epochs=``): an int (that epoch's rows), ``"last"`` (the last epoch each run captured), ``"all"``
(every captured row ranked on its own) or ``"mean"`` (TracIn-style: per sample id, the mean over its epochs of the
per-epoch cosine scores).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from provenance.errors import StoreNotFoundError

PARTS = ("h_last", "g_last", "h_mean", "g_mean")
NORMALIZATIONS = ("none", "per_part")
EPOCH_MODES = ("last", "all", "mean")
_EPS = 1e-30


@dataclass(frozen=True)
class Signature:
    """What to compare: stored ``parts`` of one layer, concatenated with ``normalize``."""

    parts: tuple[str, ...]
    normalize: str = "per_part"
    name: str | None = None

    def __post_init__(self):
        parts = tuple(self.parts)
        if not parts:
            raise ValueError("a signature needs at least one part")
        bad = [p for p in parts if p not in PARTS]
        if bad:
            raise ValueError(f"unknown signature part(s) {bad}; choose from {list(PARTS)}")
        if len(set(parts)) != len(parts):
            raise ValueError(f"signature parts repeat: {parts}")
        if self.normalize not in NORMALIZATIONS:
            raise ValueError(f"normalize must be one of {NORMALIZATIONS}, got {self.normalize!r}")
        object.__setattr__(self, "parts", parts)

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        if len(self.parts) == 1:
            return self.parts[0]
        return f"concat({', '.join(self.parts)}){'' if self.normalize == 'none' else ' per-part-norm'}"

    def features(self, blocks: dict[str, np.ndarray]) -> np.ndarray:
        """Unit-norm rows ``[n, sum of widths]`` from per-part blocks ``{part: [n, d]}``: their dot products are
        this signature's cosines."""
        mats = [np.asarray(blocks[p], dtype=np.float32) for p in self.parts]
        if self.normalize == "per_part" and len(mats) > 1:
            mats = [_unit_rows(m) for m in mats]
        x = np.concatenate(mats, axis=1) if len(mats) > 1 else mats[0]
        return _unit_rows(x)


# Named variants the benchmark and the CLI know. "rept" is the published form.
VARIANTS: dict[str, Signature] = {
    "rept": Signature(("h_last", "g_last"), "none", "rept"),
    "rept_norm": Signature(("h_last", "g_last"), "per_part", "rept_norm"),
    "h_last": Signature(("h_last",), name="h_last"),
    "g_last": Signature(("g_last",), name="g_last"),
    "h_mean": Signature(("h_mean",), name="h_mean"),
    "g_mean": Signature(("g_mean",), name="g_mean"),
    "mean_concat": Signature(("h_mean", "g_mean"), "per_part", "mean_concat"),
    "all_norm": Signature(("h_last", "g_last", "h_mean", "g_mean"), "per_part", "all_norm"),
}
# Default, from benchmarks/attribution_results.md (SmolLM2-135M LoRA, training-time captures, last epoch, at the
# last block output L-1): rept_norm scored P@n 1.00 on the fixed-text backdoor and 0.64 on the varied-compliment
# style (where text matching is at chance), the best mean over both. h_mean (1.00 / 0.50) and the published
# un-normalised rept (= h_last there, 0.87 / 0.61) follow; mean_concat (0.94 / 0.30) and g_mean fail on the style.
DEFAULT_VARIANT = "rept_norm"


def get_signature(spec: str | Signature | tuple | list) -> Signature:
    """A `Signature` from a variant name (see `VARIANTS`), a part name, "h_mean+g_mean[:none]" or a Signature."""
    if isinstance(spec, Signature):
        return spec
    if isinstance(spec, (tuple, list)):
        return Signature(tuple(spec))
    if not isinstance(spec, str):
        raise TypeError(f"signature must be a name or a Signature, got {type(spec).__name__}")
    if spec in VARIANTS:
        return VARIANTS[spec]
    norm = "per_part"
    body = spec
    if ":" in spec:
        body, norm = spec.split(":", 1)
    parts = tuple(p.strip() for p in body.split("+"))
    try:
        return Signature(parts, norm)
    except ValueError as e:
        raise ValueError(f"{e}; named variants: {sorted(VARIANTS)}") from None


def _unit_rows(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(n, _EPS)


def check_layer(store, layer: int, signature: Signature) -> None:
    """Clear errors when the store has no rows, or the layer / parts were not captured."""
    if len(store) == 0:
        raise StoreNotFoundError(f"store {store.url} (run {store.run!r}) has no committed rows: nothing to attribute to")
    if layer not in store.layers:
        raise StoreNotFoundError(f"layer {layer} has no rows in run {store.run!r}; captured layers: {store.layers}")
    have = set(store._sigs.get(layer, ()))
    missing = [p for p in signature.parts if p not in have]
    if missing:
        raise StoreNotFoundError(
            f"signature {signature.label} needs {missing} at layer {layer}, but the run stored only {sorted(have)} there"
        )


def iter_features(store, layer: int, signature: Signature, chunk_rows: int):
    """Stream ``(start row, unit-norm feature block)`` of every stored row."""
    iters = [store.iter_chunks(layer, p, chunk_rows) for p in signature.parts]
    for blocks in zip(*iters):
        start = blocks[0][0]
        yield start, signature.features({p: b for p, (_, b) in zip(signature.parts, blocks)})
