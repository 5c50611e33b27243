"""`GradKernelMethod`: the representation-gradient product kernel, a pooled TracIn on virtual residual-stream maps.

Derivation. Let h_l(t) be the residual stream after layer l at position t and g_l(t) = dL/dh_l(t) its gradient, L the
sample's mean response cross-entropy (what the capture stores, at the per-sample scale). Add a virtual linear map W_l
that reads the stream at layer l and writes into it, h_l(t) <- h_l(t) + W_l h_l(t), acting on a set of positions P,
at W_l = 0 (so the model is unchanged). Its per-sample gradient is

    dL/dW_l = sum_{t in P} g_l(t) h_l(t)^T,

so two samples' TracIn inner product is sum_{s in P_q, t in P_r} (h_q(s) . h_r(t)) (g_q(s) . g_r(t)): for a linear map,
the gradient inner product is a sum over position pairs of (input . input')(output-grad . output-grad'). The stored
parts give it in closed form for two position sets:

* prompt side, P = {p} (the last prompt position, which predicts the first response token): exactly
  k = (h_last_q . h_last_r) (g_last_q . g_last_r);
* response side, P = the n positions that predict response tokens: sum_t g(t) h(t)^T = n g_mean h_mean^T + sum_t
  (g(t) - g_mean)(h(t) - h_mean)^T. The kernel keeps the first (rank-one) term,
  k = n_q n_r (h_mean_q . h_mean_r) (g_mean_q . g_mean_r): exact when the response has one token (then P = {p} and
  the two sides coincide), an approximation that drops the within-response covariance otherwise. n is the row's
  token count after its prompt (``n_tokens - prompt_len``; the engine's response count for single-turn SFT rows).

At the final norm (layer L, only the per-position LM head above it) a map acting on every position has gradient zero
at prompt positions, so there the response side is the all-position map's gradient inner product, up to the pooling.
At lower layers the gradient also reaches prompt positions through attention; the kernel is then the TracIn inner
product of maps restricted to the positions above. The score of a training row r for a query q sums the kernel over
layers (and sides): the TracIn inner product of all the virtual maps at once, i.e. of their concatenated parameters.
It reads what the callbacks capture by default (the four pooled parts): no per-token state, no model pass over the
training rows. Concatenating h and g and taking a cosine (RepT) is not this quantity: a sum of two similarities is not
their product.

Options (`KernelSpec`; ``--signature`` on the command line, e.g. ``--signature none,equal,response``):

* ``normalize``: ``"none"``: the TracIn scale above; ``"cosine"``: each factor a cosine, k = cos(h_q, h_r) cos(g_q,
  g_r), which is the cosine of the two samples' virtual-map gradients vec(h g^T) (|h g^T| = |h| |g|; the n factors
  cancel), as LESS normalises gradients so that short, high-loss rows do not dominate.
* ``weighting``: ``"equal"``: terms summed as they are; ``"standardized"``: each (layer, side) term divided by its own
  standard deviation over the ranked store rows for that query, after subtracting its mean, so every layer and side
  counts by how much it separates rows rather than by its scale (a second streaming pass; a term that is constant over
  the rows adds nothing). No constant is fitted: the spread is measured on the store at hand.
* ``sides``: ``"response"`` (h_mean, g_mean), ``"prompt"`` (h_last, g_last) or ``"both"`` (the two maps together).

Defaults: cosine, equal, both. How close each form is to what it approximates (tests/attribution/test_grad_kernel.py,
Pearson over all (query, row) pairs): exact (to 2e-7) against the batch-size-1 autograd gradients of the map for
one-token responses; 0.53-0.60 with 2-7-token responses of a random tiny llama; against the per-sample LoRA (q/v)
gradients of a trained tiny llama 0.85 for the cosine form with equal weights (0.71 standardized; RepT's
concatenation 0.09-0.29), 0.49 at the TracIn scale over every layer, whose sum the final norm's large terms dominate
(0.81 without that layer, which no LoRA map reads). Which form ranks best is for the attribution benchmark to say.

Rows are streamed from the store block by block (``local``, bounded memory) or as dask tasks (``dask``); epochs as the
signatures: one epoch, ``"last"``, ``"all"``, or ``"mean"`` (per sample, the mean of its epochs' scores, TracIn over
checkpoints). Per behaviour (``combine="mean"``) a row's score is the mean of its per-case scores (with ``"none"`` and
``"equal"``: the TracIn inner product with the mean of the cases' losses).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from provenance.attribution.dask_topk import MERGE_FAN_IN, compute
from provenance.attribution.method import AttributionMethod, Ranking, Requirements
from provenance.attribution.row_scores import iter_aligned_blocks
from provenance.attribution.signatures import Epochs
from provenance.attribution.topk import RunningTopK, select_rows, top_k_mean_over_epochs, top_k_rows

if TYPE_CHECKING:
    from provenance.attribution.attributor import Attributor
    from provenance.attribution.case_signatures import TestSignatures

__all__ = ["KERNEL_BACKENDS", "KERNEL_NORMALIZATIONS", "KERNEL_SIDES", "KERNEL_WEIGHTINGS", "SIDE_PARTS",
           "GradKernelMethod", "KernelSpec", "get_kernel_spec", "kernel_terms"]

KERNEL_NORMALIZATIONS = ("none", "cosine")
KERNEL_WEIGHTINGS = ("equal", "standardized")
KERNEL_SIDES = ("response", "prompt", "both")
# The (input, output-gradient) parts of each side's virtual map.
SIDE_PARTS = {"response": ("h_mean", "g_mean"), "prompt": ("h_last", "g_last")}
# Backends that stream the stored parts; the query index holds int8 features of one signature, not these parts.
KERNEL_BACKENDS = ("local", "dask")
_EPS = 1e-300


@dataclass(frozen=True)
class KernelSpec:
    """How the kernel is normalised, weighted over layers and sides, and which sides enter (see the module doc).

    Raises:
        ValueError: A value outside `KERNEL_NORMALIZATIONS`, `KERNEL_WEIGHTINGS` or `KERNEL_SIDES`.
    """

    normalize: str = "cosine"
    weighting: str = "equal"
    sides: str = "both"

    def __post_init__(self):
        for value, allowed, what in ((self.normalize, KERNEL_NORMALIZATIONS, "normalize"),
                                     (self.weighting, KERNEL_WEIGHTINGS, "weighting"),
                                     (self.sides, KERNEL_SIDES, "sides")):
            if value not in allowed:
                raise ValueError(f"grad-kernel {what} must be one of {allowed}, got {value!r}")

    @property
    def side_list(self) -> tuple[str, ...]:
        """The sides that enter, response first."""
        return ("response", "prompt") if self.sides == "both" else (self.sides,)

    @property
    def parts(self) -> tuple[str, ...]:
        """The stored parts the kernel reads at every layer."""
        return tuple(p for side in self.side_list for p in SIDE_PARTS[side])

    @property
    def label(self) -> str:
        return f"{self.normalize}, {self.weighting}, {self.sides}"


def get_kernel_spec(spec: str | KernelSpec | None) -> KernelSpec:
    """A `KernelSpec` from None (the defaults), a KernelSpec, or words joined by ``,`` or ``+`` naming any of its
    values (each value belongs to one option): e.g. ``"none,equal,response"``, ``"cosine"``, ``"prompt+standardized"``.

    Raises:
        ValueError: An unknown word, or two values of one option.
    """
    if spec is None:
        return KernelSpec()
    if isinstance(spec, KernelSpec):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"a grad-kernel spec is a string or a KernelSpec, got {type(spec).__name__}")
    owners = {**{v: "normalize" for v in KERNEL_NORMALIZATIONS}, **{v: "weighting" for v in KERNEL_WEIGHTINGS},
              **{v: "sides" for v in KERNEL_SIDES}}
    chosen: dict[str, str] = {}
    for word in (w.strip() for w in spec.replace("+", ",").split(",")):
        if not word:
            continue
        if word not in owners:
            raise ValueError(f"unknown grad-kernel option {word!r} in {spec!r}; choose normalize from "
                             f"{KERNEL_NORMALIZATIONS}, weighting from {KERNEL_WEIGHTINGS}, sides from {KERNEL_SIDES} "
                             "(e.g. 'none,equal,response')")
        option = owners[word]
        if option in chosen and chosen[option] != word:
            raise ValueError(f"grad-kernel spec {spec!r} sets {option} twice ({chosen[option]!r} and {word!r})")
        chosen[option] = word
    return KernelSpec(**chosen)


def kernel_terms(rows: dict[tuple[int, str], np.ndarray], queries: dict[tuple[int, str], np.ndarray],
                 layers: Sequence[int], spec: KernelSpec, n_rows: np.ndarray | None = None,
                 n_queries: np.ndarray | None = None) -> np.ndarray:
    """The kernel's terms ``[rows, queries, terms]``, one term per (layer, side) in the order layers x sides.

    Args:
        rows: Stored parts of a block of rows: ``{(layer, part): [n, d]}``.
        queries: The test cases' parts: ``{(layer, part): [Q, d]}``.
        layers: The layers summed over.
        spec: Normalisation and sides.
        n_rows: Response tokens of each row ``[n]`` (needed for the response side with ``normalize="none"``).
        n_queries: Response tokens of each case ``[Q]`` (likewise).

    Returns:
        float64 kernel values.

    Raises:
        ValueError: The response side at the TracIn scale without the token counts.
    """
    first = next(iter(rows.values()))
    n_q = len(next(iter(queries.values())))
    terms = np.empty((len(first), n_q, len(layers) * len(spec.side_list)), np.float64)
    t = 0
    for layer in layers:
        for side in spec.side_list:
            h_part, g_part = SIDE_PARTS[side]
            k = _similarity(rows[layer, h_part], queries[layer, h_part], spec.normalize)
            k *= _similarity(rows[layer, g_part], queries[layer, g_part], spec.normalize)
            if side == "response" and spec.normalize == "none":
                if n_rows is None or n_queries is None:
                    raise ValueError("the response side at the TracIn scale (normalize='none') needs the response "
                                     "token counts of the rows and the cases")
                k *= np.asarray(n_rows, np.float64)[:, None] * np.asarray(n_queries, np.float64)[None, :]
            terms[:, :, t] = k
            t += 1
    return terms


def _similarity(x: np.ndarray, q: np.ndarray, normalize: str) -> np.ndarray:
    """Dot products (or cosines) ``[n, Q]`` in float64: representation gradients can be ~1e-10 per entry, whose
    squares underflow float32."""
    x, q = np.asarray(x, np.float64), np.asarray(q, np.float64)
    if normalize == "cosine":
        x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), _EPS)
        q = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), _EPS)
    return x @ q.T


class _Moments:
    """Running count, mean and sum of squared deviations per (query, term), merged block by block (Chan et al.),
    so the spread is accurate even where the mean dwarfs it."""

    def __init__(self, shape: tuple[int, int]):
        self.n = 0
        self.mean = np.zeros(shape, np.float64)
        self.m2 = np.zeros(shape, np.float64)

    def add(self, terms: np.ndarray) -> None:
        """Fold in the terms ``[rows, queries, terms]`` of one block's ranked rows."""
        if len(terms):
            self.merge(len(terms), terms.mean(0), ((terms - terms.mean(0)) ** 2).sum(0))

    def merge(self, n: int, mean: np.ndarray, m2: np.ndarray) -> None:
        if n == 0:
            return
        total = self.n + n
        delta = mean - self.mean
        self.mean = self.mean + delta * (n / total)
        self.m2 = self.m2 + m2 + delta ** 2 * (self.n * n / total)
        self.n = total

    def scale(self) -> tuple[np.ndarray, np.ndarray]:
        """(mean, 1 / standard deviation) per (query, term); 0 where a term does not vary over the rows."""
        sd = np.sqrt(self.m2 / max(self.n, 1))
        inv = np.divide(1.0, sd, out=np.zeros_like(sd), where=sd > 0)
        return self.mean, inv


@dataclass(frozen=True)
class _Scorer:
    """Everything one query's block scoring needs (picklable: dask ships it to its workers)."""

    layers: tuple[int, ...]
    spec: KernelSpec
    queries: dict
    n_queries: np.ndarray
    combine: bool
    mean: np.ndarray | None = None
    inv_sd: np.ndarray | None = None

    def terms(self, blocks: dict, n_rows: np.ndarray) -> np.ndarray:
        return kernel_terms(blocks, self.queries, self.layers, self.spec, n_rows, self.n_queries)

    def scores(self, blocks: dict, n_rows: np.ndarray) -> np.ndarray:
        """Row scores ``[rows, queries]`` (``[rows, 1]`` when combined) in float32."""
        terms = self.terms(blocks, n_rows)
        if self.mean is not None:
            terms = (terms - self.mean[None]) * self.inv_sd[None]
        s = terms.sum(2)
        if self.combine:
            s = s.mean(1, keepdims=True)
        return s.astype(np.float32)


class GradKernelMethod(AttributionMethod):
    """Rank stored rows by the representation-gradient product kernel with the test cases (see the module doc).

    Args:
        spec: A `KernelSpec` or its words (`get_kernel_spec`), e.g. ``"none,equal,response"``; None: the defaults
            (cosine, equal, both).
        layers: The layers summed over: one layer, several, or None (every captured layer).
        epochs: Rows of one epoch (an int), ``"last"``, ``"all"`` (every row on its own) or ``"mean"`` (per sample,
            the mean of its epochs' scores).
        chunk_rows: Rows per streamed block (local backend).
        backend: ``"local"`` (streamed in this process) or ``"dask"`` (dask tasks over `StoreReader.to_dask`).
        client: A dask.distributed Client for the dask backend (default: dask's current scheduler).

    Raises:
        ValueError: A bad spec, backend, layer list or chunk size.
    """

    def __init__(self, spec: str | KernelSpec | None = None, layers: int | Sequence[int] | None = None,
                 epochs: Epochs = "last", chunk_rows: int = 8192, *, backend: str = "local", client: Any = None):
        self.spec = get_kernel_spec(spec)
        if layers is not None:
            layers = (int(layers),) if isinstance(layers, (int, np.integer)) else tuple(int(l) for l in layers)
            if not layers or len(set(layers)) != len(layers):
                raise ValueError(f"grad-kernel layers must be distinct and at least one, got {layers}")
        self.layers: tuple[int, ...] | None = layers
        if backend not in KERNEL_BACKENDS:
            raise ValueError(f"grad-kernel streams the stored parts on the backends {KERNEL_BACKENDS}, not "
                             f"{backend!r} (the query index holds int8 features of one signature, not the h and g "
                             "parts the kernel multiplies)")
        if int(chunk_rows) <= 0:
            raise ValueError(f"chunk_rows must be positive, got {chunk_rows}")
        self.epochs, self.chunk_rows, self.backend, self.client = epochs, int(chunk_rows), backend, client

    @property
    def name(self) -> str:
        layers = "all" if self.layers is None else "+".join(map(str, self.layers))
        return f"grad-kernel({self.spec.label})@{layers}/{self.epochs}"

    def layers_of(self, att: Attributor) -> tuple[int, ...]:
        """The layers summed over through ``att``: its own, else every layer the store captured."""
        return self.layers if self.layers is not None else tuple(int(l) for l in att.store.layers)

    def requirements(self, att: Attributor) -> Requirements:
        return Requirements(layers=self.layers_of(att), parts=self.spec.parts)

    def rank(self, att: Attributor, test: TestSignatures, k: int) -> Ranking:
        return self._rank(att, test, k, combine=False)

    def rank_behaviour(self, att: Attributor, test: TestSignatures, k: int) -> Ranking:
        """Top-k of each row's mean score over the cases, streamed like `rank` (one running top-k)."""
        return self._rank(att, test, k, combine=True)

    def _rank(self, att: Attributor, test: TestSignatures, k: int, combine: bool) -> Ranking:
        layers = self.layers_of(att)
        self.check(att)
        missing = [l for l in layers if l not in test.arrays]
        if missing:
            raise ValueError(f"test signatures were computed for layers {sorted(test.arrays)}, not {missing}")
        samples = att.samples
        mask = select_rows(samples, self.epochs)
        n_rows = (samples["n_tokens"].to_numpy() - samples["prompt_len"].to_numpy()).astype(np.float64)
        n_queries = np.array([len(ids) for ids in test.input_ids], np.float64) - np.asarray(test.prompt_len, np.float64)
        queries = {(l, p): np.asarray(test.arrays[l][p]) for l in layers for p in self.spec.parts}
        scorer = _Scorer(layers, self.spec, queries, n_queries, combine)
        stream = _DaskStream(att.store, layers, self.spec.parts, self.client) if self.backend == "dask" else \
            _LocalStream(att.store, layers, self.spec.parts, self.chunk_rows)
        if self.spec.weighting == "standardized":
            moments = stream.moments(scorer, n_rows, mask, len(test), len(layers) * len(self.spec.side_list))
            mean, inv = moments.scale()
            scorer = _Scorer(layers, self.spec, queries, n_queries, combine, mean, inv)
        scores, rows = stream.top_k(scorer, n_rows, mask, 1 if combine else len(test), k, self.epochs, samples)
        explanation = {"kernel": self.spec.label, "layers": list(layers)}
        return Ranking(scores, rows, explanation=explanation, epochs_averaged=self.epochs == "mean")

    def row_table(self, att: Attributor, rows: np.ndarray) -> pd.DataFrame | None:
        return None


class _LocalStream:
    """The parts of every layer streamed in aligned blocks (`row_scores.iter_aligned_blocks`)."""

    def __init__(self, store, layers: Sequence[int], parts: Sequence[str], chunk_rows: int):
        self.store, self.keys, self.chunk_rows = store, [(l, p) for l in layers for p in parts], chunk_rows

    def blocks(self) -> Iterator[tuple[int, dict]]:
        return iter_aligned_blocks(self.store, self.keys, self.chunk_rows)

    def moments(self, scorer: _Scorer, n_rows, mask, n_queries: int, n_terms: int) -> _Moments:
        out = _Moments((n_queries, n_terms))
        for start, blocks in self.blocks():
            sel = mask[start: start + len(next(iter(blocks.values())))]
            if sel.any():
                out.add(scorer.terms({key: b[sel] for key, b in blocks.items()}, n_rows[start: start + len(sel)][sel]))
        return out

    def top_k(self, scorer: _Scorer, n_rows, mask, n_queries: int, k: int, epochs, samples):
        scored = ((start, scorer.scores(blocks, n_rows[start: start + len(next(iter(blocks.values())))]))
                  for start, blocks in self.blocks())
        if epochs == "mean":
            return top_k_mean_over_epochs(scored, n_queries, k, samples)
        return top_k_rows(scored, n_queries, k, mask)


class _DaskStream:
    """The same blocks as dask tasks over `StoreReader.to_dask` views (one task per shard of rows)."""

    def __init__(self, store, layers: Sequence[int], parts: Sequence[str], client):
        self.keys, self.client = [(l, p) for l in layers for p in parts], client
        arrays = [store.to_dask(l, p) for l, p in self.keys]
        arrays = [arrays[0]] + [a.rechunk({0: arrays[0].chunks[0]}) for a in arrays[1:]]
        self.delayed = [a.to_delayed().ravel() for a in arrays]
        self.bounds = np.cumsum((0,) + arrays[0].chunks[0])

    def _tasks(self, fn, *args, n_rows, mask):
        import dask  # optional (the analysis extra): imported only by the dask backend

        return [dask.delayed(fn)(*args, self.keys, n_rows[lo: hi], mask[lo: hi], int(lo), *(d[i] for d in self.delayed))
                for i, (lo, hi) in enumerate(zip(self.bounds[:-1], self.bounds[1:]))]

    def moments(self, scorer: _Scorer, n_rows, mask, n_queries: int, n_terms: int) -> _Moments:
        out = _Moments((n_queries, n_terms))
        for n, mean, m2 in compute(self._tasks(_block_moments, scorer, n_rows=n_rows, mask=mask), self.client):
            out.merge(n, mean, m2)
        return out

    def top_k(self, scorer: _Scorer, n_rows, mask, n_queries: int, k: int, epochs, samples):
        import dask  # optional (the analysis extra)

        if epochs == "mean":
            blocks = compute(self._tasks(_block_scores, scorer, n_rows=n_rows, mask=mask), self.client)
            return top_k_mean_over_epochs(blocks, n_queries, k, samples)
        tops = self._tasks(_block_top_k, scorer, k, n_rows=n_rows, mask=mask)
        if not tops:
            return np.zeros((n_queries, 0), np.float32), np.zeros((n_queries, 0), np.int64)
        while len(tops) > 1:
            tops = [dask.delayed(_merge)(k, *tops[i: i + MERGE_FAN_IN]) for i in range(0, len(tops), MERGE_FAN_IN)]
        return compute(tops[0], self.client).result()


def _block_moments(scorer: _Scorer, keys, n_rows, mask, start, *blocks) -> tuple[int, np.ndarray, np.ndarray]:
    if not mask.any():
        return 0, 0.0, 0.0
    terms = scorer.terms({key: np.asarray(b)[mask] for key, b in zip(keys, blocks)}, n_rows[mask])
    mean = terms.mean(0)
    return len(terms), mean, ((terms - mean) ** 2).sum(0)


def _block_scores(scorer: _Scorer, keys, n_rows, mask, start, *blocks) -> tuple[int, np.ndarray]:
    return start, scorer.scores(dict(zip(keys, blocks)), n_rows)


def _block_top_k(scorer: _Scorer, k: int, keys, n_rows, mask, start, *blocks) -> RunningTopK:
    top = RunningTopK(1 if scorer.combine else len(scorer.n_queries), k)
    if mask.any():
        scores = scorer.scores({key: np.asarray(b)[mask] for key, b in zip(keys, blocks)}, n_rows[mask])
        top.update(np.arange(start, start + len(mask))[mask], scores)
    return top


def _merge(k: int, *tops: RunningTopK) -> RunningTopK:
    out = RunningTopK(tops[0].scores.shape[0], k)
    for t in tops:
        out.merge(t)
    return out
