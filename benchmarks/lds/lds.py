"""The linear datamodeling score (LDS) and the random subsets it is measured on.

LDS (Park et al., "TRAK: Attributing Model Behavior at Scale", ICML 2023, Definition 2.3): draw subsets S_1..S_m of
the training set, each a random fraction alpha of the rows; retrain a model on each. For a test case z, the
attribution scores tau(z) predict the outcome of training on S_j as the sum of the scores of the rows S_j contains,
g_j(z) = sum_{i in S_j} tau(z)_i. LDS(z) is the Spearman rank correlation, over the m subsets, between g_j(z) and
the actual outcome f(z; theta_{S_j}); the reported LDS is its mean over the test cases.

Sign convention here: a score is positive when the row *helps* the test case (lowers its loss), as every cosine
method of the project and TracIn's gradient dot product are. The outcome is therefore the *benefit*
f(z; theta_S) = L(z; theta_full) - L(z; theta_S) (the test loss lowered, relative to the full model: a constant
per test case, which a rank correlation ignores). bergson's ``evaluate_retrained`` (bergson/validate.py, 2.5.1) is
the same statistic written the other way round: its subsets list the rows *left out*, its scores are loss-signed
(proponents negative), and it correlates ``scores[subset].sum()`` with ``baseline_loss - subset_loss`` per query
(``scipy.stats.spearmanr``), then averages over queries. With 50 % subsets the left-out set is the complement of
the kept one, so the two give the same number.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr

MIN_SUBSETS = 5


def sample_subsets(n_train: int, n_subsets: int, *, fraction: float = 0.5, seed: int = 0) -> np.ndarray:
    """Boolean masks ``[n_subsets, n_train]`` of random training subsets of exactly ``round(fraction * n_train)``
    rows each.

    Subset j depends only on ``(seed, j)``, so a bank can be extended later (more subsets) without changing the
    subsets it already has.

    Args:
        n_train: Number of training rows.
        n_subsets: Number of subsets.
        fraction: Share of the rows each subset keeps, in (0, 1).
        seed: Base seed.

    Returns:
        bool array ``[n_subsets, n_train]``; row j is True on the rows subset j keeps.

    Raises:
        ValueError: a non-positive size, a fraction outside (0, 1), or a subset that would be empty or full.
    """
    if int(n_train) < 2:
        raise ValueError(f"n_train must be >= 2 to draw proper subsets, got {n_train}")
    if int(n_subsets) < 1:
        raise ValueError(f"n_subsets must be >= 1, got {n_subsets}")
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    size = int(round(fraction * n_train))
    if not 0 < size < n_train:
        raise ValueError(f"a {fraction:.0%} subset of {n_train} rows has {size} rows: it must keep some rows and drop some")
    masks = np.zeros((int(n_subsets), int(n_train)), bool)
    for j in range(int(n_subsets)):
        keep = np.random.default_rng([int(seed), j]).permutation(int(n_train))[:size]
        masks[j, keep] = True
    return masks


@dataclass
class LdsResult:
    """Per-test-case LDS and its summary.

    Attributes:
        per_case: Spearman correlation per test case (NaN where undefined: see ``undefined``).
        mean: Mean over the defined test cases.
        ci_low, ci_high: Bootstrap percentile interval of the mean over test cases.
        undefined: Indices of test cases whose correlation is undefined (predicted or actual outcome constant
            over the subsets); they are left out of the mean and counted, never scored as 0.
    """

    per_case: np.ndarray
    mean: float
    ci_low: float
    ci_high: float
    undefined: list[int]


def predicted_outcomes(scores: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """``g[j, q] = sum of scores[q, i] over the rows i that subset j keeps``: ``[n_subsets, n_queries]``."""
    scores = np.asarray(scores, np.float64)
    masks = np.asarray(masks, bool)
    return masks.astype(np.float64) @ scores.T


def lds(scores: np.ndarray, masks: np.ndarray, benefit: np.ndarray, *, n_boot: int = 2000, ci: float = 0.95,
        seed: int = 0) -> LdsResult:
    """LDS of attribution scores against a retrain bank.

    Args:
        scores: ``[n_queries, n_train]`` attribution scores, positive = the row helps the test case.
        masks: ``[n_subsets, n_train]`` bool, the rows each retrained model was trained on.
        benefit: ``[n_subsets, n_queries]`` actual outcome of each retrained model on each test case, higher =
            better (e.g. full-model test loss minus the subset model's test loss).
        n_boot: Bootstrap resamples of the test cases for the interval.
        ci: Coverage of the interval.
        seed: Seed of the bootstrap.

    Returns:
        An `LdsResult`.

    Raises:
        ValueError: shapes that do not line up, fewer than `MIN_SUBSETS` subsets, non-finite values, or no test
            case with a defined correlation.
    """
    scores = np.asarray(scores, np.float64)
    masks = np.asarray(masks)
    benefit = np.asarray(benefit, np.float64)
    if scores.ndim != 2 or masks.ndim != 2 or benefit.ndim != 2:
        raise ValueError(f"scores, masks and benefit must be 2-D; got shapes {scores.shape}, {masks.shape}, "
                         f"{benefit.shape}")
    if masks.dtype != bool:
        raise ValueError(f"masks must be boolean (rows kept per subset), got dtype {masks.dtype}")
    n_q, n_train = scores.shape
    if masks.shape[1] != n_train:
        raise ValueError(f"masks cover {masks.shape[1]} training rows but scores have {n_train}")
    if benefit.shape != (masks.shape[0], n_q):
        raise ValueError(f"benefit must be [n_subsets={masks.shape[0]}, n_queries={n_q}], got {benefit.shape}")
    if masks.shape[0] < MIN_SUBSETS:
        raise ValueError(f"the bank has {masks.shape[0]} subsets; a rank correlation over subsets needs at least "
                         f"{MIN_SUBSETS} (retrain more subsets)")
    for name, x in (("scores", scores), ("benefit", benefit)):
        if not np.isfinite(x).all():
            raise ValueError(f"{name} holds {int((~np.isfinite(x)).sum())} non-finite values")
    pred = predicted_outcomes(scores, masks)
    per_case = np.full(n_q, np.nan)
    undefined = []
    for q in range(n_q):
        if np.ptp(pred[:, q]) == 0 or np.ptp(benefit[:, q]) == 0:
            undefined.append(q)
            continue
        per_case[q] = spearmanr(pred[:, q], benefit[:, q]).statistic
    ok = per_case[~np.isnan(per_case)]
    if len(ok) == 0:
        raise ValueError("no test case has a defined LDS: the predicted or the actual outcomes are constant over "
                         "the subsets for every test case")
    rng = np.random.default_rng(seed)
    boots = ok[rng.integers(0, len(ok), (int(n_boot), len(ok)))].mean(1)
    lo, hi = np.quantile(boots, [(1 - ci) / 2, 1 - (1 - ci) / 2])
    return LdsResult(per_case=per_case, mean=float(ok.mean()), ci_low=float(lo), ci_high=float(hi),
                     undefined=undefined)


def partial_lds(scores: np.ndarray, masks: np.ndarray, benefit: np.ndarray, control: np.ndarray, **kw) -> LdsResult:
    """LDS with a control's prediction partialled out: per test case, the Pearson correlation of the ranks of the
    predicted and the actual outcomes after each is regressed (least squares, with intercept) on the ranks of the
    control's predicted outcome (a partial Spearman correlation). Says how much of a method's LDS is not already
    carried by the control (here: how many rows of the test case's own source a subset keeps).

    Args:
        scores, masks, benefit: As in `lds`.
        control: ``[n_queries, n_train]`` scores of the control.
        **kw: ``n_boot``, ``ci``, ``seed`` as in `lds`.

    Returns:
        An `LdsResult` of the partial correlations (undefined where a residual is constant, e.g. the control
        itself).
    """
    from scipy.stats import rankdata

    base = lds(scores, masks, benefit, **kw)   # validates the inputs the same way
    pred = predicted_outcomes(scores, masks)
    ctrl = predicted_outcomes(np.asarray(control, np.float64), masks)
    benefit = np.asarray(benefit, np.float64)
    per_case = np.full(pred.shape[1], np.nan)
    undefined = []
    for q in range(pred.shape[1]):
        design = np.column_stack([np.ones(len(ctrl)), rankdata(ctrl[:, q])])
        res = []
        for v in (rankdata(pred[:, q]), rankdata(benefit[:, q])):
            coef, *_ = np.linalg.lstsq(design, v, rcond=None)
            res.append(v - design @ coef)
        if min(np.linalg.norm(r) for r in res) < 1e-9 * len(ctrl):
            undefined.append(q)
            continue
        per_case[q] = float(res[0] @ res[1] / (np.linalg.norm(res[0]) * np.linalg.norm(res[1])))
    ok = per_case[~np.isnan(per_case)]
    if len(ok) == 0:
        return LdsResult(per_case=per_case, mean=float("nan"), ci_low=float("nan"), ci_high=float("nan"),
                         undefined=undefined)
    n_boot, ci, seed = kw.get("n_boot", 2000), kw.get("ci", 0.95), kw.get("seed", 0)
    boots = ok[np.random.default_rng(seed).integers(0, len(ok), (int(n_boot), len(ok)))].mean(1)
    lo, hi = np.quantile(boots, [(1 - ci) / 2, 1 - (1 - ci) / 2])
    del base
    return LdsResult(per_case=per_case, mean=float(ok.mean()), ci_low=float(lo), ci_high=float(hi),
                     undefined=undefined)
