"""Probes and concept influence: planted directions are recovered, scores equal the hand-computed projections."""
import numpy as np
import pytest

from provenance import open_store
from provenance.behaviour import concept_scores, fit_probe, precision_at_n, probe_from_store
from provenance.errors import BehaviourInputError
from provenance.store import CaptureRows, StoreWriter

D = 32


def planted(n=6000, shift=3.0, seed=0):
    """Isotropic noise around a large per-dimension offset (like a massive activation), class 1 shifted along u."""
    rng = np.random.default_rng(seed)
    u = rng.normal(size=D)
    u /= np.linalg.norm(u)
    offset = np.zeros(D)
    offset[0], offset[5] = 3e3, -8e2
    y = np.r_[np.ones(n // 2), np.zeros(n - n // 2)].astype(int)
    X = offset + rng.normal(size=(n, D)) + shift * y[:, None] * u
    return X, y, u


@pytest.mark.parametrize("method", ["logreg", "diffmeans"])
def test_planted_direction_is_recovered(method):
    X, y, u = planted()
    probe = fit_probe(X, y, method=method)
    assert float(probe.direction @ u) >= 0.99
    assert np.linalg.norm(probe.direction) == pytest.approx(1.0, abs=1e-12)
    assert probe.train_accuracy >= 0.92 and (probe.n_positive, probe.n_negative) == (3000, 3000)


def test_difference_of_means_is_exact():
    X = np.array([[1.0, 2.0], [3.0, 2.0], [0.0, 0.0], [0.0, 4.0]])
    probe = fit_probe(X, [1, 1, 0, 0], method="diffmeans")
    np.testing.assert_allclose(probe.direction, np.array([2.0, 0.0]) / 2.0)  # means (2, 2) - (0, 2)


def test_probe_input_errors():
    with pytest.raises(BehaviourInputError, match="both classes"):
        fit_probe(np.ones((3, 2)), [1, 1, 1])
    with pytest.raises(BehaviourInputError, match="do not match"):
        fit_probe(np.ones((3, 2)), [1, 0])
    with pytest.raises(BehaviourInputError, match="must be one of"):
        fit_probe(np.eye(2), [1, 0], method="svm")


def _store(tmp_path):
    """Two epochs of 5 rows; h_mean and g_mean known exactly (float32 encoding)."""
    rng = np.random.default_rng(1)
    h = rng.normal(size=(2, 5, 4)).astype(np.float32)
    g = rng.normal(size=(2, 5, 4)).astype(np.float32) * 1e-3
    url = str(tmp_path / "s.zarr")
    w = StoreWriter(url, "r", model={"name": "t", "config_hash": "h"}, run_attrs={}, encoding="float32")
    for e in range(2):
        w.put(CaptureRows(sample_id=list(range(5)), source=[f"s{i % 2}" for i in range(5)], epoch=e, step=e,
                          loss=np.ones(5, np.float32), prompt_len=np.ones(5, np.int32),
                          token_ids=[np.array([1, 2], np.int32)] * 5,
                          signatures={3: {"h_mean": h[e], "g_mean": g[e]}}))
    w.close()
    return open_store(url), h, g


def test_concept_scores_equal_hand_projection_and_gradient_forms(tmp_path):
    store, h, g = _store(tmp_path)
    v = np.array([1.0, -2.0, 0.5, 2.0])
    vhat = v / np.linalg.norm(v)
    proj = concept_scores(store, v, layer=3)                       # last epoch (1): rows 5..9
    want = h[1].astype(np.float64) @ vhat
    order = np.argsort(-want)
    assert list(proj.row) == list(5 + order) and list(proj.sample_id) == list(order)
    np.testing.assert_allclose(proj.score, want[order], rtol=1e-12)
    grad = concept_scores(store, 3 * v, layer=3, form="gradient", epochs=0)   # the scale of v does not matter
    want_g = -(g[0].astype(np.float64) @ vhat)
    np.testing.assert_allclose(grad.score, np.sort(want_g)[::-1], rtol=1e-9)
    assert list(grad.row) == list(np.argsort(-want_g))
    everything = concept_scores(store, v, layer=3, epochs="all", chunk_rows=3)   # chunked streaming, all rows
    np.testing.assert_allclose(np.sort(everything.score)[::-1], np.sort(h.reshape(10, 4) @ vhat)[::-1], rtol=1e-12)
    with pytest.raises(BehaviourInputError, match="width 4, the direction 3"):
        concept_scores(store, np.ones(3), layer=3)


def test_probe_from_labelled_store_rows_ranks_the_planted_rows_first(tmp_path):
    store, h, _ = _store(tmp_path)
    probe = probe_from_store(store, 3, rows=[5, 6, 7, 8], labels=[1, 0, 0, 0], method="diffmeans")
    want = h[1][0] - h[1][1:4].mean(0)
    np.testing.assert_allclose(probe.direction, want / np.linalg.norm(want), rtol=1e-6)
    ranking = concept_scores(store, probe, layer=3)
    assert ranking.row.iloc[0] == 5
    assert precision_at_n(ranking.sample_id, {0}) == 1.0
    assert precision_at_n(["a", "b", "c", "d"], {"a", "d", "x"}) == pytest.approx(1 / 3)


def test_normalised_scores_and_the_mean_over_epochs(tmp_path):
    store, h, g = _store(tmp_path)
    v = np.array([0.0, 1.0, 0.0, 0.0])
    cos = concept_scores(store, v, layer=3, normalize=True, form="gradient", epochs=1)
    want = -(g[1][:, 1] / np.linalg.norm(g[1], axis=1))
    np.testing.assert_allclose(cos.score, np.sort(want)[::-1], rtol=1e-6)
    mean = concept_scores(store, v, layer=3, epochs="mean")
    want = (h[0][:, 1].astype(np.float64) + h[1][:, 1]) / 2
    order = np.argsort(-want)
    assert list(mean.sample_id) == list(order) and list(mean.row) == list(5 + order)   # each sample's last row
    np.testing.assert_allclose(mean.score, want[order], rtol=1e-6)
