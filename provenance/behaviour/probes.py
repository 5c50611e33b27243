"""Concept directions and first-order concept influence of every training sample (METHODS.md section 4).

    from provenance.behaviour import fit_probe, concept_scores, case_activations

    X = case_activations(model, tok, behaviour_cases + normal_cases, layer=29)     # or store.array(29, "h_mean", rows)
    probe = fit_probe(X, labels, method="diffmeans")                               # or "logreg" (scikit-learn)
    concept_scores(store, probe, layer=29)                       # projection <h_mean(z), v>/|v|, best first
    concept_scores(store, probe, layer=29, form="gradient")      # -<g_mean(z), v>/|v|

A concept direction v at layer l is a linear probe on labelled activations (logistic regression on standardised
features, mapped back to raw activation space) or a difference of class means (a persona vector). The first-order
concept influence of a training sample z is the projection of its mean response activation on v; with a captured
representation gradient G_z there is a direct form: one SGD step on z moves h by -lr G_z, so -<G_z, v>/|v| is how far
training on z pushes the activation along the concept.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from provenance.attribution.case_signatures import compute_signatures
from provenance.attribution.row_scores import SampleMeans, best_first, cosine, iter_part_blocks, projection
from provenance.attribution.topk import select_rows
from provenance.errors import BehaviourInputError

PROBE_METHODS = ("logreg", "diffmeans")
FORMS = {"projection": "h_mean", "gradient": "g_mean"}


@dataclass
class Probe:
    """A concept direction: ``direction`` is a unit vector in raw activation space pointing to the positive class."""

    direction: np.ndarray
    method: str
    train_accuracy: float
    n_positive: int
    n_negative: int
    layer: int | None = None

    def project(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(X, np.float64) @ self.direction


def fit_probe(X: np.ndarray, y: Sequence, *, method: str = "logreg", C: float = 1.0, layer: int | None = None,
              seed: int = 0) -> Probe:
    """Direction separating ``y`` = 1 (the concept / behaviour) from ``y`` = 0 in activations ``X`` [n, d].

    ``logreg``: class-balanced L2 logistic regression on standardised features; the weight vector divided by the
    feature scales is the raw-space normal of its decision boundary. ``diffmeans``: mean(X | 1) - mean(X | 0)."""
    X = np.asarray(X, np.float64)
    y = np.asarray(y).astype(int).reshape(-1)
    if X.ndim != 2 or len(X) != len(y):
        raise BehaviourInputError(f"activations {X.shape} and labels {y.shape} do not match: expected [n, d] and [n]")
    if not set(np.unique(y)) <= {0, 1}:
        raise BehaviourInputError(f"labels must be 0 / 1, got values {sorted(set(y.tolist()))}")
    n_pos, n_neg = int((y == 1).sum()), int((y == 0).sum())
    if n_pos < 1 or n_neg < 1:
        raise BehaviourInputError(f"a probe needs examples of both classes; got {n_pos} positive, {n_neg} negative")
    if not np.isfinite(X).all():
        raise BehaviourInputError("activations hold non-finite values")
    if method == "diffmeans":
        w = X[y == 1].mean(0) - X[y == 0].mean(0)
    elif method == "logreg":
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler

        scaler = StandardScaler().fit(X)
        clf = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, random_state=seed)
        clf.fit(scaler.transform(X), y)
        w = clf.coef_[0] / scaler.scale_   # w . (x - mu) / s = (w / s) . x + const
    else:
        raise BehaviourInputError(f"probe method must be one of {PROBE_METHODS}, got {method!r}")
    norm = np.linalg.norm(w)
    if not norm > 0:
        raise BehaviourInputError("the two classes have identical activations: no direction separates them")
    direction = w / norm
    # Training accuracy of the direction itself: threshold halfway between the class means of the projection.
    proj = X @ direction
    cut = 0.5 * (proj[y == 1].mean() + proj[y == 0].mean())
    acc = float(((proj > cut).astype(int) == y).mean())
    return Probe(direction=direction, method=method, train_accuracy=acc, n_positive=n_pos, n_negative=n_neg,
                 layer=layer)


def probe_from_store(store, layer: int, rows: Sequence[int], labels: Sequence, *, name: str = "h_mean",
                     method: str = "logreg", C: float = 1.0) -> Probe:
    """A probe on labelled captured activations: store rows ``rows`` of ``name`` at ``layer`` with 0 / 1 ``labels``."""
    X = store.array(layer, name, rows=np.asarray(rows, np.int64))
    return fit_probe(X, labels, method=method, C=C, layer=layer)


def case_activations(model, tokenizer, cases, layer: int, *, part: str = "h_mean", chat: bool = True,
                     system: str | None = None, max_length: int = 512) -> np.ndarray:
    """[n, d] ``part`` at ``layer`` of (prompt, response) cases under ``model``, tokenised and computed like
    training-time capture of an SFT sample (provenance.attribution's test signatures)."""

    test = compute_signatures(model, tokenizer, cases, [layer], parts=(part,), chat=chat, system=system,
                              max_length=max_length)
    return test.arrays[layer][part]


def _unit(direction) -> np.ndarray:
    v = np.asarray(direction.direction if isinstance(direction, Probe) else direction, np.float64).reshape(-1)
    n = np.linalg.norm(v)
    if not (n > 0 and np.isfinite(n)):
        raise BehaviourInputError("the concept direction is zero or not finite")
    return v / n


def concept_scores(store, direction, layer: int, *, form: str = "projection", signature: str | None = None,
                   epochs="last", normalize: bool = False, chunk_rows: int = 8192) -> pd.DataFrame:
    """First-order concept influence of every stored training row, best first.

    ``form="projection"``: <h(z), v>/|v| with h = ``signature`` (default h_mean, the mean response activation);
    ``form="gradient"``: -<G(z), v>/|v| with G = ``signature`` (default g_mean). ``normalize=True`` divides by |h(z)|
    (|G(z)|) too: the cosine, blind to how large a row's activation or gradient is. ``epochs``: "last", "all", an
    epoch number, or "mean" (per sample id, the mean of its epochs' scores, TracIn-style; reported on the sample's last
    row). Returns DataFrame [rank, row, sample_id, source, epoch, score] (+ pair_id, role in DPO stores)."""
    from provenance.store import StoreReader, open_store

    if form not in FORMS:
        raise BehaviourInputError(f"form must be one of {sorted(FORMS)}, got {form!r}")
    store = store if isinstance(store, StoreReader) else open_store(str(store))
    name = signature or FORMS[form]
    v = _unit(direction)
    samples = store.samples()
    try:
        mask = select_rows(samples, epochs)
    except ValueError as err:
        raise BehaviourInputError(str(err)) from None
    score_block = cosine if normalize else projection
    scores = np.empty(len(samples), np.float64)
    for start, blocks in iter_part_blocks(store, layer, (name,), chunk_rows):
        block = blocks[name]
        if block.shape[1] != len(v):
            raise BehaviourInputError(f"{name} at layer {layer} has width {block.shape[1]}, the direction "
                                      f"{len(v)}: fit the probe at the same layer (and projection) as the store")
        scores[start: start + len(block)] = score_block(block, v)[:, 0]
    if form == "gradient":
        scores = -scores
    rows = np.flatnonzero(mask)
    if epochs == "mean":
        # Each sample's mean over its epochs, reported on its last row (samples in order of their first row).
        means = SampleMeans(samples["sample_id"], 1)
        means.add(0, scores[:, None])
        rows, per_sample = means.result()
        scores[rows] = per_sample[:, 0]
    order = rows[best_first(scores[rows])]
    cols = ["sample_id", "source", "epoch"] + [c for c in ("pair_id", "role") if c in samples.columns]
    out = samples.iloc[order][cols].reset_index(drop=True)
    out.insert(0, "row", order)
    out.insert(0, "rank", np.arange(1, len(order) + 1))
    out["score"] = scores[order]
    return out[["rank", "row", "sample_id", "source", "epoch", "score"] + cols[3:]]


def precision_at_n(ranked_ids: Sequence, relevant: set, n: int | None = None) -> float:
    """Share of relevant ids among the first ``n`` of a ranking (``n`` = number of relevant ids by default)."""
    n = len(relevant) if n is None else int(n)
    if n < 1:
        raise BehaviourInputError("precision at n needs n >= 1 (no relevant ids?)")
    head = list(ranked_ids)[:n]
    return float(sum(1 for i in head if i in relevant) / n)
