"""Discovery: cluster preference pairs by their activation differences to surface behaviours nobody named.

    from provenance.behaviour import discover

    found = discover("runs/dpo/store.zarr", tokenizer, layer=22)     # k chosen by silhouette
    found.clusters      # cluster, size, cohesion, dominant sources, top chosen / rejected tokens, example pairs
    found.assignments   # pair_id, source, cluster, cos_to_centroid, rows

Features (``features=``): ``"pairs"`` clusters the normalised v_d themselves (METHODS.md section 3); ``"behaviour"``
clusters the rows of the behaviour x datapoint cosine matrix cos(v_d, v_b,j) against a set of behaviour directions
(e.g. the per-example differences of a BehaviourVector). k is chosen by the silhouette score unless given.

A cluster's top tokens are the tokens most distinctive of its chosen responses against its rejected ones: the
log-odds ratio with an informative Dirichlet prior (all pairs' response tokens), as a z-score (Monroe et al. 2008).
"""
from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from collections.abc import Sequence

import numpy as np
import pandas as pd

from provenance.behaviour.actdiff import PairVectors, cosine_to, pair_vectors
from provenance.errors import BehaviourInputError

log = logging.getLogger(__name__)

CLUSTER_METHODS = ("kmeans", "agglomerative")
FEATURES = ("pairs", "behaviour")


@dataclass
class Discovery:
    assignments: pd.DataFrame     # pair_id, source, cluster (-1: v_d = 0), cos_to_centroid, chosen_row, rejected_row
    clusters: pd.DataFrame        # one row per cluster, largest first
    k: int
    silhouette: dict = field(default_factory=dict)   # k -> mean silhouette (when k was chosen)
    method: str = "kmeans"
    features: str = "pairs"
    layer: int | None = None
    skipped: dict = field(default_factory=dict)    # reason -> pairs left out of the clustering


def unit_rows(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, np.float64)
    n = np.linalg.norm(X, axis=1, keepdims=True)
    return np.divide(X, n, out=np.zeros_like(X), where=n > 0)


def _cluster(X: np.ndarray, k: int, method: str, seed: int) -> np.ndarray:
    if method == "kmeans":
        from sklearn.cluster import KMeans

        return KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(X)
    if method == "agglomerative":
        from sklearn.cluster import AgglomerativeClustering

        return AgglomerativeClustering(n_clusters=k, metric="cosine", linkage="average").fit_predict(X)
    raise BehaviourInputError(f"cluster method must be one of {CLUSTER_METHODS}, got {method!r}")


def cluster_rows(X: np.ndarray, *, k: int | None = None, k_max: int = 8, method: str = "kmeans",
                 seed: int = 0) -> tuple[np.ndarray, int, dict]:
    """(labels, k, {k: silhouette}) for the rows of ``X`` (clustered as given; normalise first for cosine geometry).
    With ``k=None`` every k in 2..k_max is tried and the best mean silhouette (cosine) wins."""
    from sklearn.metrics import silhouette_score

    n = len(X)
    if n < 3:
        raise BehaviourInputError(f"clustering needs at least 3 items, got {n}")
    if k is not None:
        if not 1 <= k <= n:
            raise BehaviourInputError(f"k must be in 1..{n}, got {k}")
        return _cluster(X, k, method, seed), int(k), {}
    scores = {}
    best = None
    for kk in range(2, min(k_max, n - 1) + 1):
        labels = _cluster(X, kk, method, seed)
        if len(set(labels.tolist())) < 2:
            continue
        scores[kk] = float(silhouette_score(X, labels, metric="cosine"))
        if best is None or scores[kk] > scores[best[0]]:
            best = (kk, labels)
    if best is None:
        raise BehaviourInputError("no k in 2..k_max gave two or more clusters (identical vectors?)")
    return best[1], best[0], scores


def log_odds_z(counts_a: Counter, counts_b: Counter, prior: Counter, prior_scale: float = 100.0) -> dict:
    """Token -> z-score of the log-odds ratio of ``a`` vs ``b`` with an informative Dirichlet prior (``prior``
    counts rescaled to ``prior_scale`` pseudo-counts). Positive = more typical of ``a``."""
    total_prior = float(sum(prior.values()))
    if total_prior <= 0:
        return {}
    na, nb = float(sum(counts_a.values())), float(sum(counts_b.values()))
    out = {}
    for w, c in prior.items():
        alpha = prior_scale * c / total_prior
        ya, yb = counts_a.get(w, 0), counts_b.get(w, 0)
        da = np.log((ya + alpha) / (na + prior_scale - ya - alpha))
        db = np.log((yb + alpha) / (nb + prior_scale - yb - alpha))
        out[w] = float((da - db) / np.sqrt(1.0 / (ya + alpha) + 1.0 / (yb + alpha)))
    return out


def response_tokens(store, pairs: pd.DataFrame) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Response token ids (after the prompt) of each pair's chosen and rejected row."""
    plen = store.samples()["prompt_len"].to_numpy()
    chosen = [store.tokens(int(r))[plen[r]:] for r in pairs["chosen_row"]]
    rejected = [store.tokens(int(r))[plen[r]:] for r in pairs["rejected_row"]]
    return chosen, rejected


def _token_label(tokenizer, tid: int) -> str:
    if tokenizer is None:
        return str(tid)
    return tokenizer.decode([int(tid)])


def discover(store, tokenizer=None, *, layer: int | None = None, k: int | None = None, k_max: int = 8,
             method: str = "kmeans", features: str = "pairs", behaviour=None, n_tokens: int = 8,
             n_examples: int = 3, snippet_chars: int = 100, seed: int = 0, run: str | None = None) -> Discovery:
    """Cluster the pairs of a DPO store (or precomputed PairVectors) and describe each cluster.

    ``behaviour`` (features="behaviour"): a BehaviourVector (its per-example differences at the layer) or an array
    [B, d] of behaviour directions. Special tokens are left out of the top tokens when a tokenizer is given."""
    from provenance.behaviour.actdiff import BehaviourVector, _open, pair_texts

    if features not in FEATURES:
        raise BehaviourInputError(f"features must be one of {FEATURES}, got {features!r}")
    reader = None if isinstance(store, PairVectors) else _open(store, run)
    pv = store if isinstance(store, PairVectors) else pair_vectors(reader, layer)
    if features == "pairs":
        X = unit_rows(pv.vectors)
    else:
        if behaviour is None:
            raise BehaviourInputError("features='behaviour' needs behaviour directions (BehaviourVector or [B, d])")
        B = behaviour.diffs[pv.layer] if isinstance(behaviour, BehaviourVector) else np.atleast_2d(behaviour)
        X = cosine_to(pv.vectors, B)
    # A pair whose chosen and rejected activations are equal has no direction: it joins no cluster (label -1).
    moved = np.linalg.norm(pv.vectors, axis=1) > 0
    skipped = {"zero_difference": int((~moved).sum())} if not moved.all() else {}
    if skipped:
        log.warning("discovery: %d pairs with v_d = 0 (identical chosen and rejected activations) left out",
                    skipped["zero_difference"])
    labels = np.full(len(X), -1)
    labels[moved], k, sil = cluster_rows(X[moved], k=k, k_max=k_max, method=method, seed=seed)
    U = unit_rows(pv.vectors)
    assign = pv.pairs.copy()
    assign["cluster"] = labels
    cos_c = np.zeros(len(U))
    for c in np.unique(labels[moved]):
        m = labels == c
        centroid = U[m].mean(0)
        cos_c[m] = cosine_to(U[m], centroid)[:, 0]
    assign["cos_to_centroid"] = cos_c

    special = set(getattr(tokenizer, "all_special_ids", []) or [])
    tokens_c = tokens_r = None
    if reader is not None:
        tokens_c, tokens_r = response_tokens(reader, pv.pairs)
        prior = Counter()
        for t in tokens_c + tokens_r:
            prior.update(int(x) for x in t if int(x) not in special)
    records = []
    for c in sorted(np.unique(labels[moved]).tolist()):
        idx = np.flatnonzero(labels == c)
        members = assign.iloc[idx]
        shares = members["source"].value_counts(normalize=True)
        rec = {"cluster": int(c), "size": int(len(idx)), "cohesion": float(cos_c[idx].mean()),
               "dominant_sources": ", ".join(f"{s} {v:.2f}" for s, v in shares.head(3).items())}
        if tokens_c is not None:
            ca, cb = Counter(), Counter()
            for i in idx:
                ca.update(int(x) for x in tokens_c[i] if int(x) not in special)
                cb.update(int(x) for x in tokens_r[i] if int(x) not in special)
            z = log_odds_z(ca, cb, prior)
            ranked = sorted(z.items(), key=lambda kv: (-kv[1], kv[0]))
            rec["top_chosen_tokens"] = [(_token_label(tokenizer, t), round(s, 2)) for t, s in ranked[:n_tokens] if s > 0]
            rec["top_rejected_tokens"] = [(_token_label(tokenizer, t), round(s, 2)) for t, s in ranked[::-1][:n_tokens]
                                          if s < 0]
        best = idx[np.argsort(-cos_c[idx], kind="stable")[:n_examples]]
        rec["example_pairs"] = assign.iloc[best]["pair_id"].tolist()
        if tokenizer is not None and reader is not None:
            ex = pair_texts(reader, tokenizer, assign.iloc[best], snippet_chars=snippet_chars)
            rec["examples"] = ex[["pair_id", "prompt", "chosen", "rejected"]].to_dict(orient="records")
        records.append(rec)
    clusters = pd.DataFrame.from_records(records).sort_values(["size", "cluster"], ascending=[False, True],
                                                              ignore_index=True)
    return Discovery(assignments=assign, clusters=clusters, k=int(k), silhouette=sil, method=method,
                     features=features, layer=pv.layer, skipped=skipped)


def cluster_purity(truth: Sequence, predicted: Sequence) -> float:
    """Share of items whose cluster's majority true group is their own group."""
    df = pd.DataFrame({"t": list(truth), "p": list(predicted)})
    if df.empty:
        raise BehaviourInputError("purity of an empty clustering")
    return float(df.groupby("p")["t"].agg(lambda s: s.value_counts().iloc[0]).sum() / len(df))


def clustering_agreement(truth: Sequence, predicted: Sequence) -> dict:
    """Purity, inverse purity (each true group's best cluster share), adjusted Rand index and NMI."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return {"purity": cluster_purity(truth, predicted), "inverse_purity": cluster_purity(predicted, truth),
            "ari": float(adjusted_rand_score(truth, predicted)),
            "nmi": float(normalized_mutual_info_score(truth, predicted))}
