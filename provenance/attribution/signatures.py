"""RepT-family signatures built from the stored per-sample vectors, and their cosine scores.

A signature is a list of stored parts (``h_last``, ``g_last``, ``h_mean``, ``g_mean``) at one layer, concatenated:

* ``normalize="none"``: the raw concatenation, compared by cosine. That is RepT as published for
  ``concat(h_last, g_last)``; since |H| is ~1e4 times |G| for hidden states vs representation gradients, the
  gradient half then barely counts.
* ``normalize="per_part"``: each part scaled to unit norm before concatenating (and the whole divided by sqrt of
  the number of parts, so the result has unit norm): the cosine of the concatenation is the mean of the per-part
  cosines.

For a single part both are the plain cosine. Scores are cosines in [-1, 1] (a standardized signature's, below, are
mean z-scores).

``h_fused`` averages two cosines: h_last with the query-adaptive projection (``pcs``, below) and
h_mean centered; the last position carries style and stance, the response mean the content words. ``h_fused_k1``,
the default, is the same with ``keep_z`` 1.0.

``standardize=True`` (centered signatures): each part's cosine is read in its own units, as a z-score over the
stored rows (the last epoch's), before the parts are averaged. The two sides of a signature spread differently from
query to query (a prompt-side cosine may range over 0.05 where the response side ranges over 0.5), so a plain mean of
cosines lets whichever side spreads more decide the ranking; the z-score gives each side the same say, with no
constant. It stays a dot product of fixed row features: for unit rows u (centered), the cosine with a unit query v
has mean m.v and variance v'Sv - (m.v)^2 over the rows (m, S: the mean and second moment of u, one streaming pass),
so z = (u.v - m.v) / sd is the row's per-part features against the query scaled by 1 / sd, less a per-query
constant (`Signature.query_features`, `Signature.query_offset`). Every backend scores it.

``center=True`` subtracts, per part, the mean of the stored rows of the layer's last epoch before normalising
(training and test side alike): hidden states share a large common component that makes all cosines high and lets prompt
content dominate; removing it leaves what distinguishes samples. The means come from one streaming pass over the
store (cached per store, layer and part).

Epoch handling (``epochs=``): an int (that epoch's rows), ``"last"`` (the last epoch each run captured), ``"all"``
(every captured row ranked on its own) or ``"mean"`` (TracIn-style: per sample id, the mean over its epochs of the
per-epoch cosine scores).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from provenance.attribution.row_scores import cosine, iter_part_blocks
from provenance.errors import MissingCaptureError, StoreNotFoundError

PARTS = ("h_last", "g_last", "h_mean", "g_mean")
# An epoch selection: an epoch number or one of `EPOCH_MODES`.
Epochs = int | str
NORMALIZATIONS = ("none", "per_part")
EPOCH_MODES = ("last", "all", "mean")
_EPS = 1e-30
# Floor of a cosine variance over the stored rows: a query whose cosines do not vary (a single stored row, or a
# part identical in every row) scores 0 on that part instead of dividing by zero.
_MIN_VAR = 1e-12


@dataclass(frozen=True)
class Signature:
    """What to compare: stored ``parts`` of one layer, concatenated with ``normalize``."""

    parts: tuple[str, ...]
    normalize: str = "per_part"
    name: str | None = None
    center: bool = False
    # Query-adaptive projection (``pcs`` > 0, centered per-part signatures only): of the ``pcs`` top principal
    # directions of the stored rows, each query drops those on which it is typical (|z| < ``keep_z``).
    pcs: int = 0
    keep_z: float = 1.5
    # The parts the projection applies to (None: every part); the other parts are compared centered only.
    pcs_parts: tuple[str, ...] | None = None
    # Each part's cosine as a z-score over the stored rows before the parts are averaged (see the module doc).
    standardize: bool = False
    # A centered signature bound to a store (`bind`) carries that store's per-part means (principal directions,
    # cosine spread) to every scoring backend.
    means: dict | None = field(default=None, compare=False, repr=False)
    basis: dict | None = field(default=None, compare=False, repr=False)
    spread: dict | None = field(default=None, compare=False, repr=False)

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
        if self.pcs and not (self.center and (self.normalize == "per_part" or len(parts) == 1)):
            raise ValueError("a query-adaptive projection (pcs > 0) needs a centered, per-part normalised signature")
        if self.standardize and (self.pcs or not self.center or self.normalize != "per_part"):
            raise ValueError("a standardized signature (standardize=True) needs a centered, per-part normalised "
                             "signature without a query-adaptive projection (pcs=0)")
        if self.pcs_parts is not None:
            extra = [p for p in self.pcs_parts if p not in parts]
            if extra or not self.pcs:
                raise ValueError(f"pcs_parts {tuple(self.pcs_parts)} must name parts of {parts} of a signature with pcs > 0")
            object.__setattr__(self, "pcs_parts", tuple(self.pcs_parts))
        object.__setattr__(self, "parts", parts)

    @property
    def projected(self) -> tuple[str, ...]:
        """The parts the query-adaptive projection applies to."""
        if not self.pcs:
            return ()
        return self.parts if self.pcs_parts is None else self.pcs_parts

    def bind(self, store, layer: int) -> Signature:
        """This signature with the store's per-part means at ``layer`` attached (itself when not centered)."""
        if not self.center:
            return self
        if self.pcs:
            stats = part_stats(store, layer, self.projected, self.pcs)
            plain = [p for p in self.parts if p not in stats]
            means = {**(part_means(store, layer, plain) if plain else {}), **{p: m for p, (m, _, _) in stats.items()}}
            return replace(self, means=means, basis={p: (v, sd) for p, (_, v, sd) in stats.items()})
        means = part_means(store, layer, self.parts)
        if self.standardize:
            return replace(self, means=means, spread=cosine_spread(store, layer, self.parts, means))
        return replace(self, means=means)

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        base = self.parts[0] if len(self.parts) == 1 else \
            f"concat({', '.join(self.parts)}){'' if self.normalize == 'none' else ' per-part-norm'}"
        if self.pcs and self.pcs_parts is not None and len(self.pcs_parts) < len(self.parts):
            return f"{base} centered, query-adaptive top-{self.pcs} projection of {', '.join(self.pcs_parts)}"
        if self.pcs:
            return f"{base} centered, query-adaptive top-{self.pcs} projection"
        if self.standardize:
            return f"{base} centered, per-part z-scores"
        return f"{base} centered" if self.center else base

    def scores(self, blocks: dict[str, np.ndarray], test_blocks: dict[str, np.ndarray]) -> np.ndarray:
        """Scores ``[n, queries]`` of stored rows ``blocks`` against test rows ``test_blocks``: cosines, or a
        standardized signature's mean z-scores (a bound signature when centered)."""
        if not self.pcs:
            return self.features(blocks) @ self.query_features(test_blocks).T - self.query_offset(test_blocks)
        if self.basis is None:
            raise ValueError(f"signature {self.label} needs Signature.bind(store, layer) first")
        per_part = [_adaptive_cos(np.asarray(blocks[p], np.float64), np.asarray(test_blocks[p], np.float64),
                                  self.means[p], *self.basis[p], self.keep_z) if p in self.basis else
                    cosine(np.asarray(blocks[p], np.float64), np.asarray(test_blocks[p], np.float64), mean=self.means[p])
                    for p in self.parts]
        return (sum(per_part) / len(per_part)).astype(np.float32)

    def query_features(self, test_blocks: dict[str, np.ndarray]) -> np.ndarray:
        """Test-side rows ``[Q, W]`` whose dot product with the stored rows' `features`, less `query_offset`, is
        this signature's score: the features themselves, or for a standardized signature each part's unit vector
        divided by its cosine spread over the stored rows (a bound signature)."""
        if not self.standardize:
            return self.features(test_blocks)
        return np.concatenate([v / sd[:, None] for v, _, sd in self._part_moments(test_blocks)], axis=1) \
            / np.float32(np.sqrt(len(self.parts)))

    def query_offset(self, test_blocks: dict[str, np.ndarray]) -> np.ndarray | float:
        """Per query ``[Q]``, what `query_features` adds to every row's score and the z-score does not: the mean
        of the per-part z-scores' offsets (0 for an unstandardized signature)."""
        if not self.standardize:
            return 0.0
        return (sum(mu / sd for _, mu, sd in self._part_moments(test_blocks)) / len(self.parts)).astype(np.float32)

    def _part_moments(self, test_blocks: dict[str, np.ndarray]) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per part: (the queries' centered unit vectors [Q, d], their cosines' mean [Q] and standard deviation
        [Q] over the stored rows)."""
        if self.spread is None or self.means is None:
            raise ValueError(f"signature {self.label} is standardized: bind it to a store (Signature.bind) first")
        out = []
        for p in self.parts:
            v = _unit_rows(np.asarray(test_blocks[p], np.float64) - np.asarray(self.means[p], np.float64))
            mean_unit, second = self.spread[p]
            mu = v @ mean_unit
            var = np.einsum("qd,de,qe->q", v, second, v) - mu * mu
            out.append((v.astype(np.float32), mu, np.sqrt(np.maximum(var, _MIN_VAR))))
        return out

    def features(self, blocks: dict[str, np.ndarray], means: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Unit-norm rows ``[n, sum of widths]`` from per-part blocks ``{part: [n, d]}``: their dot products are
        this signature's cosines. A centered signature needs ``means`` ({part: [d]}, see `part_means`)."""
        if self.pcs:
            raise ValueError(f"signature {self.label} projects per query: it has no fixed features; score it with "
                             "signatures.score_blocks (the local backend), or use its centered form without the "
                             "projection (h_last_c, rept_c) with the dask / index backends")
        means = self.means if means is None else means
        if self.center and means is None:
            raise ValueError(f"signature {self.label} is centered: bind it to a store (Signature.bind) or pass the "
                             "per-part means of the stored rows")
        mats = [np.asarray(blocks[p], dtype=np.float32) for p in self.parts]
        if self.center:
            mats = [m - np.asarray(means[p], np.float32) for m, p in zip(mats, self.parts)]
        if self.normalize == "per_part" and len(mats) > 1:
            mats = [_unit_rows(m) for m in mats]
        x = np.concatenate(mats, axis=1) if len(mats) > 1 else mats[0]
        return _unit_rows(x)


# What a signature option accepts (`get_signature`): a variant name, parts, or a Signature.
SignatureSpec = str | Signature | tuple | list

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
    "rept_c": Signature(("h_last", "g_last"), "per_part", "rept_c", center=True),
    "h_last_c": Signature(("h_last",), name="h_last_c", center=True),
    "h_mean_c": Signature(("h_mean",), name="h_mean_c", center=True),
    "all_c": Signature(("h_last", "g_last", "h_mean", "g_mean"), "per_part", "all_c", center=True),
    "rept_pc": Signature(("h_last", "g_last"), "per_part", "rept_pc", center=True, pcs=10),
    "h_last_pc": Signature(("h_last",), name="h_last_pc", center=True, pcs=10),
    # The mean of the h_last_pc and h_mean_c cosines: the last position carries style and stance, the response
    # mean the content words (measured: each fails where the other holds; the mean holds on both).
    "h_fused": Signature(("h_last", "h_mean"), name="h_fused", center=True, pcs=10, pcs_parts=("h_last",)),
    # The same two sides, centered, each cosine read as a z-score over the stored rows before averaging: the
    # sides weigh equally in their own units, with no projection constants (issue 19, candidate 8).
    "h_fused_z": Signature(("h_last", "h_mean"), name="h_fused_z", center=True, standardize=True),
    # h_fused dropping only the directions where the query is within one standard deviation (keep_z 1.0, not 1.5).
    # Candidate 9 (issue 19), found by the sensitivity sweep over rounds 1-3 (results/projection_sensitivity.md),
    # committed, then scored on the held-out round 4 and adopted by the rule (DEFAULT_VARIANT below).
    "h_fused_k1": Signature(("h_last", "h_mean"), name="h_fused_k1", center=True, pcs=10, keep_z=1.0,
                            pcs_parts=("h_last",)),
    # The same two centered sides with no projection at all: nothing to set, and no dependence on the query beyond
    # its own states. Under the per-answer default's even split it scored as well as h_fused_k1 over 36
    # task-behaviours (benchmarks/attribution/results/answer_sensitivity.md, pcs 0); issue 19's candidate 15
    # (joint-equal-c) put it in the per-answer default (`auto_choice.ANSWER_SIGNATURE`) after round 13.
    "h_fused_c": Signature(("h_last", "h_mean"), name="h_fused_c", center=True),
}
# Default of a signature method built by name on the local backend: h_fused_k1, adopted per answer by issue 19's
# committed rule after the held-out round 4 (over 21 task-behaviours: mean P@n 0.795 against h_fused's 0.720, worst
# 0.47 against 0.34, no task more than 0.04 below; benchmarks/attribution/results/default_choice.md); the per-answer
# default has since moved to the joint lines with h_fused_c (`auto_choice`). Its projection depends on the query, so
# only the local backend scores it; elsewhere the registry's default is h_fused_c, or h_last_c on the index backends.
DEFAULT_VARIANT = "h_fused_k1"


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
    """Clear errors when the store has no rows, or the layer / parts of ``signature`` were not captured."""
    check_stored(store, layer, signature.parts, needed_by=f"signature {signature.label}")


def check_stored(store, layer: int, parts=(), *, needed_by: str) -> None:
    """Raise unless ``store`` holds rows at ``layer`` with every signature part of ``parts``.

    Args:
        store: The `StoreReader`.
        layer: The layer a query reads.
        parts: Signature parts it reads there.
        needed_by: Who reads them, for the message (e.g. "signature h_fused").

    Raises:
        StoreNotFoundError: The store has no committed rows.
        MissingCaptureError: The layer or a part was not captured (the message names the capture option).
    """
    if len(store) == 0:
        raise StoreNotFoundError(f"store {store.url} (run {store.run!r}) has no committed rows: nothing to attribute to")
    if layer not in store.layers:
        raise MissingCaptureError(
            f"layer {layer} has no rows in run {store.run!r}; captured layers: {store.layers} ({needed_by} reads "
            f"layer {layer}: query a captured layer, or capture this one with layers=[..., {layer}])"
        )
    have = set(store._sigs.get(layer, ()))
    missing = [p for p in parts if p not in have]
    if missing:
        raise MissingCaptureError(
            f"{needed_by} needs {missing} at layer {layer}, but the run stored only {sorted(have)} there: capture "
            f"them (signatures={sorted(have | set(missing))}) or choose a signature of the stored parts"
        )


def default_layer(store) -> int:
    """Default layer of signature queries: the last layer of the run's spread (L-1), else its highest layer.

    The last spread layer is the output of the last decoder block; runs without a spread (explicit layers) use
    their highest captured layer.

    Raises:
        StoreNotFoundError: The store has no committed rows.
    """
    layers = store.layers
    if not layers:
        raise StoreNotFoundError(f"store {store.url} (run {store.run!r}) has no committed rows: nothing to attribute to")
    spread = (store.run_attrs.get("layer_choice") or {}).get("spread") or layers
    return int(spread[-1]) if spread[-1] in layers else int(layers[-1])


_MEANS: dict[tuple, np.ndarray] = {}


def part_means(store, layer: int, parts, chunk_rows: int = 8192) -> dict[str, np.ndarray]:
    """Mean of each part at ``layer`` over the rows of the last captured epoch (the state of training closest to
    the final model that computes the test signatures; measured better than the mean over all epochs). One
    streaming pass, cached per store, layer, part and row count (rows committed later refresh it)."""
    out, last = {}, None
    for p in parts:
        key = (str(store.url), store.run, int(layer), p, len(store))
        if key not in _MEANS:
            last = _last_epoch(store) if last is None else last
            total = sum(x.sum(0) for x in _rows(store, layer, p, last, chunk_rows))
            _MEANS[key] = (total / max(int(last.sum()), 1)).astype(np.float32)
        out[p] = _MEANS[key]
    return out


_STATS: dict[tuple, tuple] = {}


def part_stats(store, layer: int, parts, pcs: int, chunk_rows: int = 8192) -> dict[str, tuple]:
    """Per part at ``layer``, over the last epoch's rows: (mean [d], top-``pcs`` principal directions [d, pcs],
    their standard deviations [pcs]), from one streaming pass accumulating the scatter matrix (cached)."""
    out, last = {}, None
    for p in parts:
        key = (str(store.url), store.run, int(layer), p, len(store), int(pcs))
        if key not in _STATS:
            last = _last_epoch(store) if last is None else last
            _STATS[key] = principal_directions(*_sum_and_scatter(_rows(store, layer, p, last, chunk_rows)), pcs)
        out[p] = _STATS[key]
    return out


_SPREADS: dict[tuple, tuple] = {}


def cosine_spread(store, layer: int, parts, means: dict[str, np.ndarray], chunk_rows: int = 8192) -> dict[str, tuple]:
    """Per part at ``layer``, over the last epoch's rows centered with ``means`` and scaled to unit norm: (their
    mean [d], their second moment [d, d]), from which any query's cosine mean and spread over the rows follow
    (`Signature.query_features`). One streaming pass, cached per store, layer, part and row count."""
    out, last = {}, None
    for p in parts:
        key = (str(store.url), store.run, int(layer), p, len(store))
        if key not in _SPREADS:
            last = _last_epoch(store) if last is None else last
            mean = np.asarray(means[p], np.float64)
            total, second, n = _sum_and_scatter(_unit_rows(x - mean) for x in _rows(store, layer, p, last, chunk_rows))
            _SPREADS[key] = (total / max(n, 1), second / max(n, 1))
        out[p] = _SPREADS[key]
    return out


def _last_epoch(store) -> np.ndarray:
    """Mask of the store's rows of the last captured epoch."""
    epoch = store.samples()["epoch"].to_numpy()
    return epoch == epoch.max()


def _rows(store, layer: int, part: str, mask: np.ndarray, chunk_rows: int):
    """The rows of ``part`` at ``layer`` selected by ``mask``, block by block (float64)."""
    for start, block in store.iter_chunks(layer, part, chunk_rows):
        yield np.asarray(block, np.float64)[mask[start: start + len(block)]]


def _sum_and_scatter(blocks) -> tuple[np.ndarray, np.ndarray, int]:
    """(sum [d], scatter matrix [d, d], row count) of the rows of ``blocks``."""
    total, scatter, n = None, None, 0
    for x in blocks:
        total = x.sum(0) if total is None else total + x.sum(0)
        scatter = x.T @ x if scatter is None else scatter + x.T @ x
        n += len(x)
    return total, scatter, n


def unit_row_moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean [d], second moment [d, d]) of the rows of ``x`` scaled to unit norm: `cosine_spread` of rows held in
    memory (the re-pass centers on its own rows)."""
    u = _unit_rows(np.asarray(x, np.float64))
    return u.mean(0), u.T @ u / max(len(u), 1)


def principal_directions(total: np.ndarray, scatter: np.ndarray, n: int, pcs: int) -> tuple:
    """(mean, top-``pcs`` eigenvectors [d, pcs] of the covariance, their standard deviations) from the sum and
    scatter matrix of ``n`` rows."""
    mean = total / max(n, 1)
    cov = scatter / max(n, 1) - np.outer(mean, mean)
    w, v = np.linalg.eigh(cov)
    top = np.argsort(w)[::-1][: min(pcs, len(w))]
    return mean.astype(np.float32), v[:, top], np.sqrt(np.maximum(w[top], 1e-300))


def _adaptive_cos(x, q, mean, basis, sd, keep_z: float) -> np.ndarray:
    """cos(P_i (x - mean), P_i (q_i - mean)) for every row x and query i, P_i projecting out the principal
    directions on which query i is typical (|z| < keep_z): the directions where the query stands out (its
    behaviour) are kept, the ones that only say which kind of sample it is (prompt content) are dropped.
    Uses (P x).(P q) = x.q - (V'x).(R_i V'q) and |P x|^2 = |x|^2 - |R_i V'x|^2: one pass, no per-query copy."""
    x, q = x - mean, q - mean
    cx, cq = x @ basis, q @ basis                       # [n, D], [Q, D]
    drop = (np.abs(cq / sd) < keep_z).astype(np.float64)   # [Q, D]
    dot = x @ q.T - cx @ (drop * cq).T
    nx2 = (x * x).sum(1)[:, None] - (cx * cx) @ drop.T
    nq2 = (q * q).sum(1) - (drop * cq * cq).sum(1)
    return dot / np.sqrt(np.maximum(nx2, 1e-300) * np.maximum(nq2, 1e-300)[None, :])


def score_blocks(store, layer: int, signature: Signature, test_blocks: dict[str, np.ndarray], chunk_rows: int):
    """Stream ``(start row, scores [rows, queries])`` of a (bound) signature against test rows."""
    sig = signature.bind(store, layer) if signature.center and signature.means is None else signature
    for start, blocks in iter_part_blocks(store, layer, sig.parts, chunk_rows):
        yield start, sig.scores(blocks, test_blocks)


def query_features(store, layer: int, signature: Signature, blocks: dict[str, np.ndarray]) -> np.ndarray:
    """Test-side features of ``signature`` (centered with the store's means when the signature is centered)."""
    return signature.bind(store, layer).features(blocks)


def iter_features(store, layer: int, signature: Signature, chunk_rows: int):
    """Stream ``(start row, unit-norm feature block)`` of every stored row."""
    means = part_means(store, layer, signature.parts, chunk_rows) if signature.center and signature.means is None else None
    for start, blocks in iter_part_blocks(store, layer, signature.parts, chunk_rows):
        yield start, signature.features(blocks, means)
