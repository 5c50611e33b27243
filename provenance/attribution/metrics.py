"""Ranking metrics as in RepT: P@k and top-k auPRC over pooled per-query top-k lists."""
from __future__ import annotations

import numpy as np


def precision_at(relevant: np.ndarray, k: int) -> float:
    """Mean over queries of the share of the first ``k`` ranked items that are relevant. ``relevant``: [Q, >=k] bool."""
    relevant = np.asarray(relevant, bool)
    if relevant.shape[1] < k:
        raise ValueError(f"rankings hold {relevant.shape[1]} items, fewer than k={k}")
    return float(relevant[:, :k].mean())


def top_k_auprc(scores: np.ndarray, relevant: np.ndarray, k: int) -> float:
    """Average precision over the pooled (score, relevant) pairs of every query's top-k list."""
    # scikit-learn is slow to import: loaded when used
    from sklearn.metrics import average_precision_score

    s = np.asarray(scores)[:, :k].ravel()
    y = np.asarray(relevant, bool)[:, :k].ravel()
    if not y.any():
        return 0.0
    return float(average_precision_score(y, s))
