"""The statistics behind competing-group detection: a divisive 2-means split tested against a Gaussian null
(SigClust), a coherence test of each resulting cluster against random rows of the training data, a relevance test
against the rows ranked below, and a twin test of how two groups relate (their responses pair up across them).

Pure numpy on feature matrices (one row per ranked training row); `provenance.attribution.groups` builds the
features from a store and describes the groups. Why these tests:

* **Split test (SigClust; Liu, Hayes, Nobel & Marron 2008, "Statistical significance of clustering for
  high-dimension, low-sample-size data").** The null hypothesis is that the rows are one group: a single Gaussian
  with the rows' own covariance. The statistic is the 2-means cluster index CI = W2 / W1 (within-cluster sum of
  squares of the best 2-means split over the total). Null CIs come from Monte-Carlo draws of N points from
  N(0, diag(lambda)), lambda the sample covariance eigenvalues, split by the same 2-means; p = (1 + #{CI_null <=
  CI}) / (draws + 1). Taking the sample eigenvalues as they are (SigClust's conservative variant) lets the null
  keep the largest spread the data has, so one elongated or heavy-tailed group is not called two; only a split
  that explains more variance than any Gaussian of that shape allows is accepted. The null is rotation-invariant,
  so it is drawn in the principal-component basis (rank N - 1 at most): the cost does not grow with the width.
* **Coherence test.** A split only says the rows are not one Gaussian; a tight group plus scattered rows is also
  not Gaussian. A cluster is a *group* only when its rows are more alike than rows drawn at random from the
  training data: its mean squared distance to its centroid is compared with that of ``draws`` random subsets of
  the same size from a background sample of the store; p as above. Scattered rows (noise) are as spread as the
  background and are left unassigned.

* **Scattered rows first (before any split).** A few scattered rows among the top rows inflate the covariance
  the split test's null is drawn with, and hide two real groups. So the rows that cannot belong to any group are
  set aside first: a row is kept (a *core* row, as in density clustering) only when its ``min_size - 1``-th
  nearest neighbour among the top rows is closer than the ``alpha`` quantile of that same distance in sets of as
  many points drawn from a Gaussian with the background rows' covariance (the training data's spread without its
  clusters; random rows themselves would not do: a store of templated rows has close neighbours everywhere). The
  threshold is thus a quantile of a null, not a tuned radius; scattered rows are reported as unassigned.

* **Apart components (before any split).** The core rows are then joined wherever two lie closer than that same
  threshold, and each connected component is split on its own (density clustering's clusters, DBSCAN's with its
  radius and ``min_size`` points derived as above). Two components have no pair of rows as close as neighbours of
  a structureless cloud are, so they are apart whatever a 2-means split of their union says; and a 2-means split
  of the union can say little: a few core rows of a third, small group far from two large ones join one side of
  the best split, add their distance to its within-cluster sum, and push the cluster index into the null's range
  (measured on the benchmark's confusable task: its 36 planted and 36 translation rows alone split at the least
  attainable p, 0.0008 at level 0.0017; with 4 rows of another source among the core rows, p 0.026, no split, no
  report). A component of fewer than ``min_size`` rows is a scattered handful, in no group.

* **Relevance test (after the split).** A coherent group competes for an answer only when it explains it: its
  rows are closer to the query than the null rows are. The statistic is the group's mean squared distance to the
  query point; the null is that of ``draws`` random subsets of the null rows of the same size; p as above. The
  caller chooses the null rows: `provenance.attribution.groups` passes the ranking's continuation (the rows ranked
  just below the examined ones, since the examined rows were selected for closeness to the query and any group
  among them beats random rows), and random training rows only where the ranking has too few rows below them. A
  group no closer than its null is dropped, counted, never reported.

* **Twin test (how two groups relate).** Relevant coherent groups are still not *competing* explanations of one
  answer: a ranking's top rows always hold prompt-context structure (one sentence template asked in two wordings,
  toxic prompts vs false-claim prompts), and each such part is coherent and close to the query. What makes two
  groups compete for one answer is the relation the issue names: the same answer in another prompt context, or
  two sources teaching the same words. Both mean that the groups' *responses* pair up across the groups: a row of
  one group has a row of the other that says the same thing, closer to it than the rows of its own group (which
  say other things). The test is Rosenbaum's cross-match test (Rosenbaum 2005, "An exact distribution-free test
  comparing two multivariate distributions based on adjacency"), on its upper tail: the rows of the two groups
  are matched into disjoint pairs on the response side, closest first (`closest_pairs`); the statistic is the
  number of pairs that join the two groups. The null is that the split says nothing about which responses are
  alike: the labels are a random draw of the groups' sizes over the matched rows, and given the matching (built
  without the labels) the count's distribution is exact (`_cross_pmf`), so no Monte-Carlo size goes with the
  level; p = P(null count >= count). Rosenbaum uses the lower tail (few cross pairs: the groups differ); here the
  upper tail (more cross pairs than chance: each row's closest response is in the other group). A matching rather
  than each row's nearest neighbour: every row counts once, so a hub (a row that is the nearest neighbour of many,
  common in high dimension) does not move many counts at once and widen the null. A split of one templated answer
  by prompt wording fails it: the responses are alike within and across the groups alike, the count is at chance.
  Groups that answer with other words fail it harder: nearly every closest pair is inside one group. Rows
  answered with the same sentences after two prompts pass: nearly every closest pair joins the groups. Why not
  "the responses are as close across as within": that is also true of a template split by prompt wording (the
  false reports), and failing to reject is no evidence of it; the twin relation is what sets the two apart. Two
  sources that teach the same words *as different sentences* (one style, no shared answer) are therefore not
  reported: nothing in the response side tells them from one source asked two ways. The test needs enough twins:
  the labellings that split all of n twin pairs are 2^n of C(2n, n), so the smallest attainable p with n pairs is
  2^n / C(2n, n) (0.0015 at n = 12, 1e-10 at n = 35): at the level alpha / 6 of six configurations, two groups
  of fewer than 12 twin pairs are not reported however exactly they twin. Every pair of relevant groups of one
  split is tested, each at ``alpha / (m * P)`` for P pairs (Bonferroni over configurations and pairs); a group is
  kept when it twins some other group, and a report needs two kept groups.

The split is applied to each component and recursively to each accepted side (divisive clustering) while both
sides keep at least ``min_size`` rows. Every test runs at level ``alpha``; the defaults are a conventional 0.01 with
199 Monte-Carlo draws (the smallest attainable p is 1/200 = 0.005 < 0.01). When one ranking is split in ``m`` ways
(several sides and layers, `provenance.attribution.groups`), the split, coherence and relevance tests run at
``alpha / m`` (Bonferroni: the chance that any of the ``m`` splits reports a false group stays at most ``alpha``)
with ``(draws + 1) * m - 1`` draws, so that the smallest attainable p keeps the same ratio to the level
(`bonferroni`). The scattered-row threshold, and with it the components' radius, stays at the ``alpha`` quantile
(``core_alpha``): setting rows aside decides no report (a scattered row let through still has to form a group that
passes the corrected tests), so correcting it would only take rows away from real groups. Nothing here is fitted on
a benchmark (the twin test adds no setting: its statistic is a count, its null exact, its threshold the level; the
components add none: their radius is the scattered-row threshold): the only settings are the significance level,
the Monte-Carlo size and the smallest group (3 rows: the fewest for which "frequent in the group" says more than
one shared pair, and for which a within-group spread has more than one distance).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from math import lgamma, log

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

__all__ = ["ALPHA", "DRAWS", "MIN_GROUP_SIZE", "GroupSplit", "apart_components", "bonferroni", "coherence_pvalue",
           "core_rows", "closest_pairs", "detect_groups", "relevance_pvalue", "split_test", "twin_pvalue", "two_means"]

ALPHA = 0.01
DRAWS = 199
MIN_GROUP_SIZE = 3
_MAX_ITER = 100
_RANDOM_STARTS = 2
_BATCH = 25   # Monte-Carlo draws per batch (a test stops early once its decision is known)


def _centres(y: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per point set, the two cluster means ``[B, 2, r]`` and sizes ``[B, 2]`` of 2-cluster ``labels`` [B, N]."""
    onehot = np.stack([labels == 0, labels == 1], -1).astype(y.dtype)          # [B, N, 2]
    n = onehot.sum(1)                                                          # [B, 2]
    return np.matmul(onehot.transpose(0, 2, 1), y) / np.maximum(n, 1)[..., None], n


def _within(y: np.ndarray, sq: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Within-cluster sum of squares of 2-cluster ``labels`` [B, N] on points ``y`` [B, N, r] (``sq``: |y|^2)."""
    centres, n = _centres(y, labels)
    return sq.sum(1) - (n * (centres ** 2).sum(-1)).sum(1)


def _lloyd(y: np.ndarray, sq: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Lloyd iterations of 2-means from ``labels`` [B, N], each set until its labels stop changing."""
    labels = labels.copy()
    active = np.arange(y.shape[0])
    for _ in range(_MAX_ITER):
        ya, la = y[active], labels[active]
        centres, n = _centres(ya, la)
        # |y - c|^2 = |y|^2 - 2 y.c + |c|^2; an emptied cluster gets no centre (infinite distance), so the split
        # degenerates to one cluster (cluster index 1) and loses to any other start.
        d = sq[active][..., None] - 2 * np.matmul(ya, centres.transpose(0, 2, 1)) + (centres ** 2).sum(-1)[:, None, :]
        d = np.where((n > 0)[:, None, :], d, np.inf)
        new = np.argmin(d, -1)
        moved = (new != la).any(1)
        labels[active] = new
        active = active[moved]
        if not len(active):
            break
    return labels


def two_means(y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The best 2-means split of each point set in ``y`` [B, N, r].

    Starts: the sign of the first principal component (the split 2-means usually converges to) and
    ``_RANDOM_STARTS`` k-means++ seedings; the split with the smallest within-cluster sum of squares is kept. Data
    and null draws go through this same function, as the test requires.

    Returns:
        ``(labels [B, N] in {0, 1}, cluster index W2 / W1 [B])``.
    """
    y = y - y.mean(1, keepdims=True)
    sq = (y ** 2).sum(-1)
    total = sq.sum(1)
    b, n_points, _ = y.shape
    # First principal direction by power iteration (y^T y v, without forming the [B, r, r] scatter).
    v = rng.standard_normal((b, y.shape[2], 1))
    yt = y.transpose(0, 2, 1)
    for _ in range(30):
        v = np.matmul(yt, np.matmul(y, v))
        v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-300)
    starts = [(np.matmul(y, v)[..., 0] > 0).astype(np.int64)]
    rows = np.arange(b)
    for _ in range(_RANDOM_STARTS):
        first = rng.integers(0, n_points, b)
        d = ((y - y[rows, first][:, None, :]) ** 2).sum(-1)
        cum = np.cumsum(d, 1)
        pick = (rng.random(b) * cum[:, -1])[:, None]
        second = np.minimum((cum < pick).sum(1), n_points - 1)
        d2 = ((y - y[rows, second][:, None, :]) ** 2).sum(-1)
        starts.append((d2 < d).astype(np.int64))
    best_w = np.full(b, np.inf)
    best = starts[0]
    for start in starts:
        labels = _lloyd(y, sq, start)
        w = _within(y, sq, labels)
        better = w < best_w
        best = np.where(better[:, None], labels, best)
        best_w = np.where(better, w, best_w)
    return best, best_w / np.maximum(total, 1e-300)


def _batches(draws: int, alpha: float):
    """Sizes of the Monte-Carlo batches of a test with ``draws`` draws, and the exceedance count at which the
    decision is known to be "not significant" ((1 + count) / (draws + 1) >= alpha): the draws stop there."""
    stop = max(1, int(np.ceil(alpha * (draws + 1) - 1 - 1e-12)))
    sizes = [min(_BATCH, draws - i) for i in range(0, draws, _BATCH)]
    return sizes, stop


def _mc_pvalue(stat: float, null_batches, draws: int, alpha: float) -> float:
    """Monte-Carlo p-value of ``stat`` (small = extreme) against null statistics drawn batch by batch.

    The draws stop as soon as enough null statistics reach ``stat`` that the test cannot be significant at
    ``alpha``; the p-value is then (1 + count) / (done + 1) over the draws made (>= alpha, the same decision as
    the full test)."""
    sizes, stop = _batches(draws, alpha)
    count = done = 0
    for size in sizes:
        null = null_batches(size)
        count += int((null <= stat).sum())
        done += size
        if count >= stop:
            break
    return (1 + count) / (done + 1)


def split_test(x: np.ndarray, rng: np.random.Generator, draws: int = DRAWS,
               alpha: float = ALPHA) -> tuple[np.ndarray, float, float]:
    """SigClust test of the best 2-means split of the rows of ``x`` [N, D] (see the module doc).

    Returns:
        ``(labels [N], cluster index of the data, p-value)``.
    """
    xc = x - x.mean(0)
    u, s, _ = np.linalg.svd(xc, full_matrices=False)
    keep = s > s[0] * 1e-7 if s.size and s[0] > 0 else np.zeros_like(s, bool)
    if not keep.any():
        return np.zeros(len(x), np.int64), 1.0, 1.0
    y = (u[:, keep] * s[keep])[None]
    labels, ci = two_means(y, rng)
    sd = np.sqrt(s[keep] ** 2 / max(len(x) - 1, 1))

    def null(size: int) -> np.ndarray:
        return two_means(rng.standard_normal((size, len(x), int(keep.sum()))) * sd, rng)[1]

    return labels[0], float(ci[0]), _mc_pvalue(float(ci[0]), null, draws, alpha)


def _spread(x: np.ndarray) -> float:
    """Mean squared distance of the rows of ``x`` to their centroid."""
    return float(((x - x.mean(0)) ** 2).sum(1).mean())


def _subsets(rng: np.random.Generator, total: int, m: int, size: int) -> np.ndarray:
    """``[size, m]`` indices: ``size`` random subsets of ``m`` of ``total`` rows, each without repeats (the nulls of
    the coherence and relevance tests)."""
    return np.stack([rng.choice(total, m, replace=False) for _ in range(size)])


def coherence_pvalue(group: np.ndarray, background: np.ndarray, rng: np.random.Generator,
                     draws: int = DRAWS, alpha: float = ALPHA) -> float:
    """p-value of "the rows of ``group`` are no more alike than random rows": the share of ``draws`` random
    subsets of ``background`` (of the group's size) whose spread is at most the group's.

    Raises:
        ValueError: The background has fewer rows than the group.
    """
    m = len(group)
    if len(background) < m:
        raise ValueError(f"a coherence test of {m} rows needs at least {m} background rows, got {len(background)}")

    def null(size: int) -> np.ndarray:
        sub = background[_subsets(rng, len(background), m, size)]
        return ((sub - sub.mean(1, keepdims=True)) ** 2).sum(-1).mean(1)

    return _mc_pvalue(_spread(group), null, draws, alpha)


def relevance_pvalue(group: np.ndarray, background: np.ndarray, query: np.ndarray, rng: np.random.Generator,
                     draws: int = DRAWS, alpha: float = ALPHA) -> float:
    """p-value of "the rows of ``group`` are no closer to ``query`` than the null rows ``background``": the share
    of ``draws`` random subsets of ``background`` (of the group's size) whose mean squared distance to ``query`` is
    at most the group's.

    Args:
        group: ``[m, D]`` the group's features.
        background: ``[M, D]`` the null rows' features (M >= m): the ranking's continuation, or random training
            rows (see the module doc).
        query: ``[D]`` the query point in the same features.
        rng: Source of the subsets.
        draws: Monte-Carlo draws of the null.
        alpha: The test's level (the draws stop once it cannot be significant).

    Raises:
        ValueError: The background has fewer rows than the group, or ``query`` is not one point of width D.
    """
    m = len(group)
    query = np.asarray(query, np.float64)
    if len(background) < m:
        raise ValueError(f"a relevance test of {m} rows needs at least {m} background rows, got {len(background)}")
    if query.shape != (group.shape[1],):
        raise ValueError(f"the query point must have shape ({group.shape[1]},) like the rows, got {query.shape}")
    stat = float(((group - query) ** 2).sum(1).mean())
    to_query = ((background - query) ** 2).sum(1)      # each background row's squared distance, computed once

    def null(size: int) -> np.ndarray:
        return to_query[_subsets(rng, len(background), m, size)].mean(1)

    return _mc_pvalue(stat, null, draws, alpha)


def closest_pairs(x: np.ndarray) -> np.ndarray:
    """A matching of the rows of ``x`` [N, D] into ``N // 2`` disjoint pairs, closest first (greedy: the closest
    pair of unmatched rows, repeatedly; every mutual nearest-neighbour pair is among them). With N odd, the row
    left over is in no pair.

    Returns:
        ``[N // 2, 2]`` row indices.
    """
    x = np.asarray(x, np.float64)
    n = len(x)
    sq = (x ** 2).sum(1)
    d2 = sq[:, None] + sq[None, :] - 2 * x @ x.T
    i, j = np.triu_indices(n, 1)
    order = np.argsort(d2[i, j], kind="stable")
    used = np.zeros(n, bool)
    pairs = []
    for a, b in zip(i[order], j[order]):
        if not used[a] and not used[b]:
            used[a] = used[b] = True
            pairs.append((a, b))
            if len(pairs) == n // 2:
                break
    return np.asarray(pairs, np.int64).reshape(-1, 2)


def _cross_pmf(pairs: int, in_a: int) -> np.ndarray:
    """P(a1 cross pairs), a1 = 0..pairs, when ``in_a`` of the ``2 * pairs`` matched rows are drawn into group A at
    random (Rosenbaum 2005): 2^a1 I! / (C(2I, n_A) a0! a1! a2!) with a2 = (n_A - a1) / 2 pairs inside A and
    a0 = I - a1 - a2 inside B; zero where a2 or a0 is not a whole non-negative number."""
    pmf = np.zeros(pairs + 1)
    log_total = lgamma(2 * pairs + 1) - lgamma(in_a + 1) - lgamma(2 * pairs - in_a + 1)
    for a1 in range(pairs + 1):
        if (in_a - a1) % 2:
            continue
        a2 = (in_a - a1) // 2
        a0 = pairs - a1 - a2
        if a2 < 0 or a0 < 0:
            continue
        pmf[a1] = np.exp(a1 * log(2) + lgamma(pairs + 1) - log_total - lgamma(a0 + 1) - lgamma(a1 + 1)
                         - lgamma(a2 + 1))
    return pmf


def twin_pvalue(a: np.ndarray, b: np.ndarray) -> dict:
    """The twin test of groups ``a`` and ``b`` (see the module doc): Rosenbaum's cross-match test, upper tail.

    The rows of both groups are matched into disjoint closest pairs on the features given (`closest_pairs`; the
    response side); the statistic is the number of pairs that join a row of ``a`` with a row of ``b``. The null
    (the split says nothing about which rows are alike) draws the group labels at random with the groups' sizes;
    its distribution given the matching is exact (`_cross_pmf`; with an odd row count, the left-over row's label
    is drawn too). p = P(null count >= count).

    Args:
        a: ``[m_a, D]`` one group's features.
        b: ``[m_b, D]`` the other's.

    Returns:
        ``{"p", "cross": pairs joining the groups, "pairs", "expected": the null's mean, "rows"}``.

    Raises:
        ValueError: A group with no rows, or groups of different widths.
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or not len(a) or not len(b):
        raise ValueError(f"a twin test needs two non-empty groups [m, D] of one width, got {a.shape} and {b.shape}")
    n_rows, n_a = len(a) + len(b), len(a)
    pairs = closest_pairs(np.r_[a, b])
    cross = int(((pairs[:, 0] < n_a) != (pairs[:, 1] < n_a)).sum())
    n_pairs = len(pairs)
    if n_rows % 2:      # the left-over row is in A with probability n_a / n_rows
        pmf = (n_a / n_rows) * _cross_pmf(n_pairs, n_a - 1) + (1 - n_a / n_rows) * _cross_pmf(n_pairs, n_a)
    else:
        pmf = _cross_pmf(n_pairs, n_a)
    return {"p": float(min(1.0, pmf[cross:].sum())), "cross": cross, "pairs": n_pairs,
            "expected": float((np.arange(n_pairs + 1) * pmf).sum()), "rows": n_rows}


def bonferroni(alpha: float, draws: int, tests: int) -> tuple[float, int]:
    """The level and Monte-Carlo size of each of ``tests`` families of tests whose overall level is ``alpha``:
    ``alpha / tests`` and ``(draws + 1) * tests - 1`` draws (the smallest attainable p, 1 / (draws + 1), shrinks
    with the level, so a real group is as detectable at the corrected level as at ``alpha``).

    Raises:
        ValueError: ``tests`` below 1.
    """
    if tests < 1:
        raise ValueError(f"a Bonferroni correction needs at least one test, got {tests}")
    return alpha / tests, (draws + 1) * tests - 1


def _kth_neighbour(x: np.ndarray, k: int) -> np.ndarray:
    """Per row of ``x`` [..., n, D], the distance to its ``k``-th nearest other row."""
    sq = (x ** 2).sum(-1)
    d2 = sq[..., :, None] + sq[..., None, :] - 2 * np.matmul(x, np.swapaxes(x, -1, -2))
    n = x.shape[-2]
    d2[..., np.arange(n), np.arange(n)] = np.inf
    return np.sqrt(np.maximum(np.sort(d2, -1)[..., k - 1], 0))


def core_rows(x: np.ndarray, background: np.ndarray, rng: np.random.Generator, *, alpha: float = ALPHA,
              min_size: int = MIN_GROUP_SIZE) -> tuple[np.ndarray, float]:
    """Rows of ``x`` with ``min_size - 1`` neighbours closer than rows of a structureless cloud have theirs (see
    the module doc).

    The null: sets of ``len(x)`` points drawn from a Gaussian with the background rows' mean and covariance (the
    training data's spread, without its clusters: a store full of near-duplicate or templated rows would make
    random *rows* as close as a real group); each point's distance to its ``min_size - 1``-th nearest other point.
    A row of ``x`` is a core row when its own such distance is below the null's ``alpha`` quantile. Enough sets
    are drawn for ``10 / alpha`` null distances.

    Returns:
        ``(mask [N], the distance threshold)``.
    """
    n, k = len(x), min_size - 1
    if n <= k or len(background) < 2:
        return np.zeros(n, bool), 0.0
    centred = (background - background.mean(0)) / np.sqrt(len(background) - 1)
    sets = int(np.ceil(10 / alpha / n))
    null = _kth_neighbour(rng.standard_normal((sets, n, len(background))) @ centred, k).ravel()
    eps = float(np.quantile(null, alpha))
    return _kth_neighbour(x, k) < eps, eps


def apart_components(x: np.ndarray, radius: float) -> list[np.ndarray]:
    """The connected components of the rows of ``x`` [N, D] when two rows closer than ``radius`` are joined: index
    arrays, each ascending, ordered by their first row."""
    if not len(x):
        return []
    sq = (x ** 2).sum(1)
    near = sq[:, None] + sq[None, :] - 2 * x @ x.T < radius ** 2
    count, labels = connected_components(csr_matrix(near), directed=False)
    parts = [np.flatnonzero(labels == c) for c in range(count)]
    return sorted(parts, key=lambda part: int(part[0]))


@dataclass
class GroupSplit:
    """What `detect_groups` found.

    Attributes:
        labels: Per row, its group (0, 1, ...; groups numbered by their first row) or -1 (unassigned: in no
            coherent group).
        split_p: The p-value of every split test run, in the order they ran (the first is the root split).
        cluster_index: The cluster index (W2 / W1) of every split test, aligned with ``split_p``.
        coherence_p: Per group, its coherence p-value.
        rejected_p: Coherence p-values of the clusters that failed the test (left unassigned).
        scattered: Rows left out before splitting: no ``min_size - 1`` neighbours closer than random rows have.
        components: Apart components of at least ``min_size`` core rows (`apart_components`), each split on its
            own; with two or more, the first split test is the first component's, not one of all rows.
        radius: The distance below which two core rows join one component (the `core_rows` threshold).
    """

    labels: np.ndarray
    scattered: int = 0
    components: int = 0
    radius: float = 0.0
    split_p: list[float] = field(default_factory=list)
    cluster_index: list[float] = field(default_factory=list)
    coherence_p: list[float] = field(default_factory=list)
    rejected_p: list[float] = field(default_factory=list)

    @property
    def n_groups(self) -> int:
        return len(self.coherence_p)


def detect_groups(x: np.ndarray, background: np.ndarray, *, alpha: float = ALPHA, draws: int = DRAWS,
                  min_size: int = MIN_GROUP_SIZE, seed: int = 0, core_alpha: float | None = None) -> GroupSplit:
    """Coherent groups among the rows of ``x``: the `core_rows`, in their `apart_components`, each split by divisive
    2-means accepted by `split_test` at ``alpha``, each resulting cluster kept as a group when `coherence_pvalue`
    against ``background`` is below ``alpha``.

    Args:
        x: ``[N, D]`` features of the rows (the ranking's top rows).
        background: ``[M, D]`` features of rows drawn from the training data the same way (M >= N).
        alpha: Significance level of every test.
        draws: Monte-Carlo draws of each null.
        min_size: The smallest group; a split leaving fewer rows on a side is not made.
        seed: Seed of the Monte-Carlo draws and the 2-means starts (the result is reproducible).
        core_alpha: The quantile of the `core_rows` threshold (None: ``alpha``). A Bonferroni-corrected caller
            keeps it at the family level: setting rows aside decides no report (the split and coherence tests
            do), so correcting it would only drop rows of real groups.

    Raises:
        ValueError: Bad shapes or settings.
    """
    x, background = np.asarray(x, np.float64), np.asarray(background, np.float64)
    if x.ndim != 2 or background.ndim != 2 or x.shape[1] != background.shape[1]:
        raise ValueError(f"x [N, D] and background [M, D] must share D; got {x.shape} and {background.shape}")
    core_alpha = alpha if core_alpha is None else core_alpha
    if not 0 < alpha < 1 or not 0 < core_alpha < 1 or draws < 1 or min_size < 2:
        raise ValueError(f"need 0 < alpha, core_alpha < 1, draws >= 1 and min_size >= 2; got {alpha}, {core_alpha}, "
                         f"{draws}, {min_size}")
    rng = np.random.default_rng(seed)
    core, radius = core_rows(x, background, rng, alpha=core_alpha, min_size=min_size)
    core_idx = np.flatnonzero(core)
    # Components of fewer than min_size rows can hold no group: they stay unassigned, as scattered rows do.
    todo = [core_idx[part] for part in apart_components(x[core_idx], radius) if len(part) >= min_size]
    out = GroupSplit(labels=np.full(len(x), -1, np.int64), scattered=int((~core).sum()), components=len(todo),
                     radius=radius)
    leaves = []
    while todo:
        idx = todo.pop(0)
        if len(idx) < 2 * min_size:
            leaves.append(idx)
            continue
        labels, ci, p = split_test(x[idx], rng, draws, alpha)
        out.split_p.append(p)
        out.cluster_index.append(ci)
        sides = [idx[labels == 0], idx[labels == 1]]
        if p < alpha and min(len(s) for s in sides) >= min_size:
            todo += sides
        else:
            leaves.append(idx)
    leaves.sort(key=lambda s: int(s.min()))
    for leaf in leaves:
        if len(leaf) < min_size or len(background) < len(leaf):
            continue
        p = coherence_pvalue(x[leaf], background, rng, draws, alpha)
        if p < alpha:
            out.labels[leaf] = len(out.coherence_p)
            out.coherence_p.append(p)
        else:
            out.rejected_p.append(p)
    return out
