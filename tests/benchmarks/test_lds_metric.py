"""LDS computation and the subset sampler (benchmarks/lds/lds.py), against hand computations."""
import numpy as np
import pytest

from benchmarks.lds.lds import MIN_SUBSETS, lds, predicted_outcomes, sample_subsets


# ---- the subset sampler -------------------------------------------------------------------------------------

def test_subsets_are_exactly_half_and_reproducible():
    a = sample_subsets(40, 12, seed=3)
    b = sample_subsets(40, 12, seed=3)
    assert a.dtype == bool and a.shape == (12, 40)
    assert (a.sum(1) == 20).all()
    assert np.array_equal(a, b)
    assert not np.array_equal(a, sample_subsets(40, 12, seed=4))
    assert len({tuple(np.flatnonzero(r)) for r in a}) == 12   # all distinct


def test_subset_j_does_not_depend_on_the_number_of_subsets():
    # A bank extended from 5 to 9 subsets keeps its first 5.
    assert np.array_equal(sample_subsets(31, 9, seed=0)[:5], sample_subsets(31, 5, seed=0))


def test_odd_sizes_and_fractions_round():
    assert (sample_subsets(31, 4).sum(1) == 16).all()          # round(0.5 * 31) = round(15.5) = 16
    assert (sample_subsets(10, 3, fraction=0.3).sum(1) == 3).all()


def test_every_row_is_kept_about_half_the_time():
    m = sample_subsets(50, 400, seed=1)
    share = m.mean(0)
    assert np.abs(share - 0.5).max() < 0.1


@pytest.mark.parametrize("kw, msg", [
    (dict(n_train=1, n_subsets=3), "n_train must be >= 2"),
    (dict(n_train=10, n_subsets=0), "n_subsets must be >= 1"),
    (dict(n_train=10, n_subsets=3, fraction=1.0), "fraction must be in"),
    (dict(n_train=3, n_subsets=3, fraction=0.1), "must keep some rows and drop some"),
])
def test_sampler_bad_input(kw, msg):
    with pytest.raises(ValueError, match=msg):
        sample_subsets(**kw)


# ---- LDS -----------------------------------------------------------------------------------------------------

def test_known_linear_bank_gives_one_and_reversed_gives_minus_one():
    rng = np.random.default_rng(0)
    masks = sample_subsets(30, 25, seed=0)
    true = rng.normal(size=(6, 30))
    benefit = masks @ true.T                      # the outcome is exactly the sum of the true scores kept
    r = lds(true, masks, benefit)
    assert r.mean == pytest.approx(1.0)
    assert np.allclose(r.per_case, 1.0)
    assert (r.ci_low, r.ci_high) == (pytest.approx(1.0), pytest.approx(1.0))
    assert r.undefined == []
    rev = lds(true, masks, -benefit)
    assert rev.mean == pytest.approx(-1.0)
    # Any increasing transform of the outcome keeps LDS at 1 (rank correlation).
    assert lds(true, masks, np.exp(benefit / 10)).mean == pytest.approx(1.0)


def test_hand_computed_spearman():
    scores = np.array([[1.0, 2.0, 4.0, 8.0],       # query 0
                       [1.0, 2.0, 4.0, 8.0]])      # query 1
    kept = [(0, 1), (0, 2), (1, 3), (2, 3), (0, 3)]
    masks = np.zeros((5, 4), bool)
    for j, rows in enumerate(kept):
        masks[j, list(rows)] = True
    # Predicted sums 3, 5, 10, 12, 9 -> ranks 1, 2, 4, 5, 3.
    assert np.array_equal(predicted_outcomes(scores, masks)[:, 0], [3, 5, 10, 12, 9])
    # Query 0 outcomes rank 1, 3, 2, 5, 4: d = 0, -1, 2, 0, -1, sum d^2 = 6, rho = 1 - 6*6 / (5*24) = 0.7.
    # Query 1 outcomes rank 5, 4, 2, 1, 3 (the reverse of the predicted ranks): rho = -1.
    benefit = np.array([[0.1, 0.5], [0.3, 0.4], [0.2, 0.2], [0.5, 0.1], [0.4, 0.3]])
    r = lds(scores, masks, benefit)
    assert r.per_case == pytest.approx([0.7, -1.0])
    assert r.mean == pytest.approx(-0.15)
    assert r.ci_low <= r.mean <= r.ci_high


def test_constant_case_is_counted_not_scored():
    masks = sample_subsets(12, 8, seed=2)
    rng = np.random.default_rng(1)
    true = rng.normal(size=(3, 12))
    scores = true.copy()
    scores[1] = 0.0                               # a method that gives query 1 no signal at all
    r = lds(scores, masks, masks @ true.T)
    assert r.undefined == [1]
    assert np.isnan(r.per_case[1])
    assert r.mean == pytest.approx(1.0)           # the mean over the two defined cases, not (1 + 0 + 1) / 3


def test_too_few_subsets_is_a_clear_error():
    masks = sample_subsets(10, MIN_SUBSETS - 1)
    with pytest.raises(ValueError, match=f"the bank has {MIN_SUBSETS - 1} subsets.*at least {MIN_SUBSETS}"):
        lds(np.ones((2, 10)), masks, np.zeros((MIN_SUBSETS - 1, 2)))


@pytest.mark.parametrize("case, msg", [
    ("train_mismatch", "masks cover 10 training rows but scores have 9"),
    ("benefit_shape", r"benefit must be \[n_subsets=6, n_queries=2\]"),
    ("not_bool", "masks must be boolean"),
    ("nan", "scores holds 1 non-finite values"),
    ("all_constant", "no test case has a defined LDS"),
])
def test_bad_input(case, msg):
    masks = sample_subsets(10, 6)
    scores = np.random.default_rng(0).normal(size=(2, 10))
    benefit = np.random.default_rng(1).normal(size=(6, 2))
    if case == "train_mismatch":
        scores = scores[:, :9]
    elif case == "benefit_shape":
        benefit = benefit.T
    elif case == "not_bool":
        masks = masks.astype(int)
    elif case == "nan":
        scores[0, 3] = np.nan
    elif case == "all_constant":
        benefit = np.ones_like(benefit)
    with pytest.raises(ValueError, match=msg):
        lds(scores, masks, benefit)


def test_partial_lds_removes_what_the_control_explains():
    from benchmarks.lds.lds import partial_lds

    rng = np.random.default_rng(5)
    masks = sample_subsets(24, 40, seed=1)
    group = np.zeros((2, 24))
    group[:, :12] = 1.0                                   # the control: rows 0-11 are "the test case's source"
    signal = rng.normal(size=(2, 24)) * (1 - group)       # what the control does not see: rows 12-23
    benefit = masks @ (5 * group + signal).T              # the outcome: group count plus the signal
    full = lds(5 * group + signal, masks, benefit)
    assert full.mean == pytest.approx(1.0)
    only_signal = partial_lds(signal, masks, benefit, group)
    assert only_signal.mean > 0.8                         # the signal explains what remains (ranks: not exactly 1)
    noise = partial_lds(rng.normal(size=(2, 24)), masks, benefit, group)
    assert abs(noise.mean) < 0.35
    only_group = partial_lds(group, masks, benefit, group)
    assert only_group.undefined == [0, 1] and np.isnan(only_group.mean)   # the control itself: nothing left
    # Hand check on one case: the partial correlation equals the Pearson correlation of rank residuals.
    from scipy.stats import rankdata

    x, y, z = (rankdata(v) for v in (masks @ signal[0], benefit[:, 0], masks @ group[0]))
    d = np.column_stack([np.ones(40), z])
    rx = x - d @ np.linalg.lstsq(d, x, rcond=None)[0]
    ry = y - d @ np.linalg.lstsq(d, y, rcond=None)[0]
    assert only_signal.per_case[0] == pytest.approx(np.corrcoef(rx, ry)[0, 1])
