"""RepT's ranking metrics, computed as its code computes them.

RepT (https://github.com/plumprc/RepT, ``utils.compute_metrics_online``): every test answer is a query; a training row is
relevant when its label equals the query's label (the planted rows' label); for each k,

* P@k = the mean over queries of (relevant rows among the query's top k) / k;
* top-k auPRC = ``sklearn.metrics.average_precision_score`` over the pooled (score, relevant) pairs of every query's
  top-k list (one AP over all queries' lists together, not a mean of per-query APs).

`provenance.attribution.metrics` implements both (`precision_at`, `top_k_auprc`); this module applies them to an
`AttributionResult`. Per behaviour (``combine="mean"``) the result holds one ranking, so the same formulas give the
behaviour's P@k and the AP of its single top-k list.
"""
from __future__ import annotations

import numpy as np

from provenance.attribution.metrics import precision_at, top_k_auprc

KS = (10, 50, 100)


def relevance(rows: np.ndarray, row_labels: np.ndarray, query_labels: list[set[str]]) -> np.ndarray:
    """``[Q, k]`` bool: whether each ranked row's label is one of its query's labels (rows < 0 are padding: False).

    Args:
        rows: Ranked store rows per query, best first.
        row_labels: Label (store ``source``) of every store row.
        query_labels: Per query, the labels that count as relevant.
    """
    rows = np.asarray(rows)
    if len(query_labels) != rows.shape[0]:
        raise ValueError(f"{rows.shape[0]} rankings but {len(query_labels)} query label sets")
    labels = np.asarray(row_labels, dtype=object)
    out = np.zeros(rows.shape, bool)
    for q, want in enumerate(query_labels):
        valid = rows[q] >= 0
        out[q, valid] = [lab in want for lab in labels[rows[q, valid]]]
    return out


def rept_metrics(scores: np.ndarray, relevant: np.ndarray, ks=KS) -> dict[str, float]:
    """``{"P@k": ..., "auPRC@k": ...}`` for every k in ``ks`` that the rankings are long enough for.

    Args:
        scores: ``[Q, K]`` scores, best first.
        relevant: ``[Q, K]`` relevance of the same entries.
        ks: Cut-offs.
    """
    out: dict[str, float] = {}
    for k in ks:
        if k <= np.asarray(relevant).shape[1]:
            out[f"P@{k}"] = precision_at(relevant, k)
            out[f"auPRC@{k}"] = top_k_auprc(scores, relevant, k)
    return out
