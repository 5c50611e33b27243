"""The shared scoring core (provenance.attribution.row_scores) against hand computations, and its attribution callers
(signatures' centered cosine and chunk stream, top_k_mean_over_epochs) against their previous formulas.

Tolerances: the cosine, the chunk stream and the per-sample means replace code computing the same float64 operations
in the same order, so those callers are compared bitwise; hand computations (loops, pandas) sum in another order and
are compared at rtol 1e-12."""
import numpy as np
import pandas as pd
import pytest

from provenance.attribution.row_scores import (
    SampleMeans, best_first, cosine, iter_aligned_blocks, iter_part_blocks, projection,
)
from provenance.attribution.signatures import Signature, _adaptive_cos, iter_features, score_blocks
from provenance.attribution.topk import RunningTopK, top_k_mean_over_epochs
from scoring_store import LAYER, two_rank_store

RTOL = 1e-12


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    return two_rank_store(tmp_path_factory.mktemp("row_scores"))


# ---- the core against hand computations -----------------------------------------------------------------------------

@pytest.mark.parametrize("chunk_rows, starts", [(4, [0, 4, 7, 11]), (5, [0, 5, 7, 12]), (1, list(range(13))),
                                                (100, [0, 7])])
def test_part_blocks_are_aligned_and_split_unevenly_at_the_rank_boundary(stored, chunk_rows, starts):
    store, arrays, _, _ = stored
    got = list(iter_part_blocks(store, LAYER, ("h_mean", "g_last"), chunk_rows))
    assert [s for s, _ in got] == starts   # rank 0 holds 7 rows, rank 1 six: no block spans both
    for start, blocks in got:
        assert set(blocks) == {"h_mean", "g_last"}
        n = len(blocks["h_mean"])
        assert n <= chunk_rows and len(blocks["g_last"]) == n
        for p, b in blocks.items():
            np.testing.assert_array_equal(b, arrays[p][start: start + n])
    assert sum(len(b["h_mean"]) for _, b in got) == 13


def test_part_blocks_refuse_bad_arguments(stored):
    store = stored[0]
    with pytest.raises(ValueError, match="at least one part"):
        list(iter_part_blocks(store, LAYER, (), 4))
    with pytest.raises(ValueError, match="parts repeat"):
        list(iter_part_blocks(store, LAYER, ("h_mean", "h_mean"), 4))
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="chunk_rows must be a positive int"):
            list(iter_part_blocks(store, LAYER, ("h_mean",), bad))


def test_aligned_blocks_are_keyed_by_layer_and_part(stored):
    store, arrays, _, _ = stored
    got = list(iter_aligned_blocks(store, [(LAYER, "g_last"), (LAYER, "h_mean")], 5))
    assert [s for s, _ in got] == [0, 5, 7, 12]
    for start, blocks in got:
        assert list(blocks) == [(LAYER, "g_last"), (LAYER, "h_mean")]
        for (_, p), b in blocks.items():
            np.testing.assert_array_equal(b, arrays[p][start: start + len(b)])
    with pytest.raises(ValueError, match="at least one"):
        list(iter_aligned_blocks(store, [], 4))
    with pytest.raises(ValueError, match="keys repeat"):
        list(iter_aligned_blocks(store, [(LAYER, "h_mean"), (LAYER, "h_mean")], 4))


def _hand_cos(a, b):
    na, nb = np.sqrt(sum(t * t for t in a)), np.sqrt(sum(t * t for t in b))
    return 0.0 if na == 0 or nb == 0 else sum(s * t for s, t in zip(a, b)) / (na * nb)


def test_cosine_plain_and_centered_against_a_hand_computation():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(6, 4)).astype(np.float32)
    x[2] = 0.0                     # a zero row: cosine 0 with everything
    q = rng.normal(size=(3, 4))
    mean = x.mean(0)
    x[4] = mean                    # a row at the mean: centered cosine 0
    got = cosine(x, q)
    assert got.shape == (6, 3) and got.dtype == np.float64
    want = np.array([[_hand_cos(a, b) for b in q.astype(np.float64)] for a in x.astype(np.float64)])
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-15)
    assert (got[2] == 0).all()
    centered = cosine(x, q, mean=mean)
    want_c = np.array([[_hand_cos(a - mean, b - mean) for b in q] for a in x.astype(np.float64)])
    np.testing.assert_allclose(centered, want_c, rtol=RTOL, atol=1e-15)
    assert (centered[4] == 0).all()
    np.testing.assert_allclose(cosine(x, q[0]), got[:, :1], rtol=RTOL)    # one query as a [d] vector


def test_projection_against_a_hand_computation():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(5, 4))
    d = np.array([[1.0, -2.0, 0.5, 2.0], [0.0, 0.0, 3.0, 0.0]])
    want = np.array([[sum(a * b for a, b in zip(row, v)) / np.sqrt(sum(b * b for b in v)) for v in d] for row in x])
    np.testing.assert_allclose(projection(x, d), want, rtol=RTOL)
    np.testing.assert_allclose(projection(x, 7 * d[0]), want[:, :1], rtol=RTOL)   # the length of v does not count


def test_cosine_and_projection_refuse_bad_shapes_and_directions():
    with pytest.raises(ValueError, match="rows have width 3 but the queries width 2"):
        cosine(np.ones((4, 3)), np.ones(2))
    with pytest.raises(ValueError, match="rows must be a 2-D array"):
        cosine(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match=r"mean must have shape \(3,\)"):
        cosine(np.ones((4, 3)), np.ones(3), mean=np.ones(2))
    with pytest.raises(ValueError, match="rows have width 3 but the directions width 4"):
        projection(np.ones((4, 3)), np.ones(4))
    for bad in (np.zeros(3), np.array([1.0, np.nan, 0.0])):
        with pytest.raises(ValueError, match="zero or not finite"):
            projection(np.ones((4, 3)), bad)


@pytest.mark.parametrize("block_sizes", [(13,), (4, 3, 4, 2), (1,) * 13, (5, 8)])
def test_sample_means_equal_a_hand_groupby_whatever_the_blocks(stored, block_sizes):
    _, _, ids, _ = stored
    scores = np.random.default_rng(5).normal(size=(13, 2))
    means = SampleMeans(pd.Series(ids), 2)
    bounds = np.cumsum((0,) + block_sizes)
    for lo, hi in reversed(list(zip(bounds[:-1], bounds[1:]))):   # the order of the blocks does not matter
        means.add(int(lo), scores[lo:hi])
    rows, got = means.result()
    first_seen = list(dict.fromkeys(ids.tolist()))   # samples in the order of their first row
    assert list(rows) == [int(np.flatnonzero(ids == i).max()) for i in first_seen]
    want = np.array([scores[ids == i].mean(0) for i in first_seen])
    np.testing.assert_allclose(got, want, rtol=RTOL)
    assert rows[first_seen.index(3)] == 3 and got[first_seen.index(3)] == pytest.approx(scores[3])   # one epoch


def test_sample_means_refuse_bad_arguments():
    with pytest.raises(ValueError, match="n_queries must be a positive int"):
        SampleMeans([1, 2], 0)
    with pytest.raises(ValueError, match="1 rows have no sample id"):
        SampleMeans(np.array([1.0, np.nan]), 1)
    means = SampleMeans([1, 2, 1], 2)
    with pytest.raises(ValueError, match=r"scores must be \[rows, 2\]"):
        means.add(0, np.ones((2, 3)))
    with pytest.raises(ValueError, match="outside the 3 stored rows"):
        means.add(2, np.ones((2, 2)))


def test_best_first_breaks_ties_like_running_top_k():
    scores = np.array([0.5, 1.0, 0.5, -1.0, 1.0, 0.5, 0.0], np.float32)
    order = best_first(scores)
    assert list(order) == [1, 4, 0, 2, 5, 6, 3]
    top = RunningTopK(1, len(scores))
    top.update(np.arange(len(scores)), scores[:, None])
    assert list(top.result()[1][0]) == list(order)
    with pytest.raises(ValueError, match="must be 1-D"):
        best_first(np.ones((2, 2)))


# ---- attribution callers against their previous formulas -------------------------------------------------------------

def _old_centered_cos(x, q, mean):
    """signatures._centered_cos before the core (the formula verbatim)."""
    x, q = x - mean, q - mean
    return (x @ q.T) / np.maximum(np.linalg.norm(x, axis=1)[:, None] * np.linalg.norm(q, axis=1)[None, :], 1e-30)


def test_signature_blocks_equal_the_previous_centered_cosine_bitwise(stored):
    """h_fused's shape (h_last projected per query, h_mean centered): the centered half goes through the core."""
    store, arrays, _, _ = stored
    sig = Signature(("h_last", "h_mean"), name="t", center=True, pcs=2, pcs_parts=("h_last",)).bind(store, LAYER)
    test = {p: np.random.default_rng(6).normal(size=(3, 5)).astype(np.float32) for p in sig.parts}
    got = np.concatenate([s for _, s in score_blocks(store, LAYER, sig, test, 4)])
    adaptive = _adaptive_cos(arrays["h_last"], test["h_last"].astype(np.float64), sig.means["h_last"],
                             *sig.basis["h_last"], sig.keep_z)
    centered = _old_centered_cos(arrays["h_mean"], test["h_mean"].astype(np.float64), sig.means["h_mean"])
    np.testing.assert_array_equal(got, ((adaptive + centered) / 2).astype(np.float32))


def test_signature_features_stream_every_row_once(stored):
    store, arrays, _, _ = stored
    sig = Signature(("h_last", "g_last"), "per_part")
    got = list(iter_features(store, LAYER, sig, 5))
    assert [s for s, _ in got] == [0, 5, 7, 12]
    np.testing.assert_array_equal(np.concatenate([f for _, f in got]), sig.features(
        {p: arrays[p].astype(np.float32) for p in sig.parts}))


def _old_top_k_mean_over_epochs(blocks, n_queries, k, samples):
    """topk.top_k_mean_over_epochs before the core (verbatim)."""
    codes, uniques = pd.factorize(samples["sample_id"], sort=False)
    n = len(uniques)
    sums = np.zeros((n, n_queries), np.float64)
    counts = np.bincount(codes, minlength=n).astype(np.float64)
    for start, scores in blocks:
        c = codes[start: start + len(scores)]
        order = np.argsort(c, kind="stable")
        sc = c[order]
        starts = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1]])
        sums[sc[starts]] += np.add.reduceat(np.asarray(scores, np.float64)[order], starts, axis=0)
    last_row = np.zeros(n, np.int64)
    last_row[codes] = np.arange(len(codes))
    mean = (sums / counts[:, None]).astype(np.float32)
    top = RunningTopK(n_queries, k)
    order = np.argsort(last_row, kind="stable")
    top.update(last_row[order], mean[order])
    return top.result()


@pytest.mark.parametrize("k", [3, 7])
def test_top_k_mean_over_epochs_equals_its_previous_form_bitwise(stored, k):
    store, _, ids, _ = stored
    samples = store.samples()
    np.testing.assert_array_equal(samples["sample_id"].to_numpy(), ids)
    scores = np.random.default_rng(7).normal(size=(13, 2)).astype(np.float32)
    blocks = [(0, scores[:4]), (4, scores[4:7]), (7, scores[7:11]), (11, scores[11:])]
    got = top_k_mean_over_epochs(iter(blocks), 2, k, samples)
    want = _old_top_k_mean_over_epochs(iter(blocks), 2, k, samples)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    assert got[1].shape == (2, k)
