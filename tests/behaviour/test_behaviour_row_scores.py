"""concept_scores and rank_pairs on the shared scoring core (provenance.attribution.row_scores) against their previous
formulas, computed here by hand.

Tolerances: rank_pairs' cosine is the same float64 operations in the same order as before, so it is compared bitwise
(ties included); concept_scores' projection now goes through a matrix product with the re-normalised direction
instead of a matrix-vector product, so its scores are compared at rtol 1e-12 (float64 round-off) and its orders
exactly (the stored rows are random: no two scores are within round-off of each other)."""
import numpy as np
import pandas as pd
import pytest

from provenance.behaviour import PairVectors, concept_scores, cosine_to, rank_pairs
from provenance.errors import BehaviourInputError
from scoring_store import LAYER, two_rank_store

RTOL = 1e-12


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    return two_rank_store(tmp_path_factory.mktemp("concept"))


def _old_concept_scores(arrays, ids, epochs, v, form, epoch_sel, normalize):
    """concept_scores before the core: (rows best first, their scores), from the whole arrays at once."""
    x = arrays["h_mean" if form == "projection" else "g_mean"]
    vhat = v / np.linalg.norm(v)
    scores = x @ vhat
    if normalize:
        scores = scores / np.linalg.norm(x, axis=1)
    if form == "gradient":
        scores = -scores
    if epoch_sel == "last":
        rows = np.flatnonzero(epochs == epochs.max())
    elif epoch_sel == "all":
        rows = np.arange(len(x))
    elif epoch_sel == "mean":
        agg = pd.DataFrame({"id": ids, "s": scores, "row": np.arange(len(x))}).groupby("id", sort=False).agg(
            s=("s", "mean"), row=("row", "max"))
        rows = agg["row"].to_numpy()
        scores[rows] = agg["s"].to_numpy()
    else:
        rows = np.flatnonzero(epochs == epoch_sel)
    order = rows[np.argsort(-scores[rows], kind="stable")]
    return order, scores[order]


@pytest.mark.parametrize("chunk_rows", [4, 5, 100])
@pytest.mark.parametrize("epoch_sel", ["last", "all", 0, "mean"])
@pytest.mark.parametrize("form, normalize", [("projection", False), ("projection", True), ("gradient", False),
                                             ("gradient", True)])
def test_concept_scores_equal_the_previous_formula(stored, chunk_rows, epoch_sel, form, normalize):
    store, arrays, ids, epochs = stored
    v = np.array([1.0, -2.0, 0.5, 2.0, -1.0])
    got = concept_scores(store, v, LAYER, form=form, epochs=epoch_sel, normalize=normalize, chunk_rows=chunk_rows)
    rows, scores = _old_concept_scores(arrays, ids, epochs, v, form, epoch_sel, normalize)
    assert list(got.row) == list(rows)
    assert list(got["rank"]) == list(range(1, len(rows) + 1))
    np.testing.assert_array_equal(got.sample_id, ids[rows])
    np.testing.assert_allclose(got.score, scores, rtol=RTOL)
    if epoch_sel == "mean":   # one row per sample, on its last row
        assert sorted(got.sample_id) == sorted(set(ids.tolist())) and 3 in set(got.row)


def test_concept_scores_still_name_a_width_mismatch(stored):
    with pytest.raises(BehaviourInputError, match="h_mean at layer 1 has width 5, the direction 3"):
        concept_scores(stored[0], np.ones(3), LAYER)


def _old_cosine_to(vectors, directions):
    """actdiff.cosine_to before the core (verbatim, less the width check)."""
    v = np.asarray(vectors, np.float64)
    b = np.atleast_2d(np.asarray(directions, np.float64))
    nv, nb = np.linalg.norm(v, axis=1), np.linalg.norm(b, axis=1)
    dots = v @ b.T
    den = nv[:, None] * nb[None, :]
    return np.divide(dots, den, out=np.zeros_like(dots), where=den > 0)


def test_rank_pairs_equals_the_previous_cosine_and_order_bitwise():
    rng = np.random.default_rng(8)
    vectors = rng.normal(size=(9, 6)).astype(np.float32)
    vectors[3] = 0.0                    # chosen == rejected: cosine 0
    vectors[6] = 2 * vectors[1]         # a tie with pair 1: training order keeps 1 first
    pairs = pd.DataFrame({"pair_id": [f"p{i}" for i in range(9)], "source": list("xyzxyzxyz"), "epoch": [0] * 9,
                          "chosen_row": np.arange(9) * 2, "rejected_row": np.arange(9) * 2 + 1})
    pv = PairVectors(pairs=pairs, vectors=vectors, layer=2, m0="t")
    b = rng.normal(size=6)
    want = _old_cosine_to(vectors, b.astype(np.float32))[:, 0]   # rank_pairs reads a raw v_b as float32
    order = np.argsort(-want, kind="stable")
    got = rank_pairs(pv, b)
    assert list(got.pair_id) == [f"p{i}" for i in order]
    np.testing.assert_array_equal(got.score, want[order])
    assert got.score[got.pair_id == "p3"].item() == 0.0
    if want[1] == want[6]:   # a scaled copy scores the same up to round-off; when equal, training order
        assert list(got.pair_id).index("p1") + 1 == list(got.pair_id).index("p6")
    np.testing.assert_array_equal(rank_pairs(pv, b, top_k=4).pair_id, got.pair_id[:4])
    B = rng.normal(size=(3, 6))
    np.testing.assert_array_equal(cosine_to(vectors, B), _old_cosine_to(vectors, B))


def test_cosine_to_names_bad_shapes():
    with pytest.raises(BehaviourInputError, match="width 2 but the direction"):
        cosine_to(np.ones((3, 2)), np.ones(3))
    with pytest.raises(BehaviourInputError, match="rows must be a 2-D array"):
        cosine_to(np.ones(3), np.ones(3))
