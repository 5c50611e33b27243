"""Seed refinement: the coherence of a ranking's top rows and a classifier trained on them (seed_refine)."""
from __future__ import annotations

import numpy as np
import pytest

from attribution_helpers import PARTS
from provenance import open_store
from provenance.attribution.seed_refine import SeedClassifier, seed_coherence
from provenance.capture import model_fingerprint
from provenance.models import tiny_causal_lm
from provenance.store import CaptureRows, StoreWriter

N, D, PLANTED = 120, 12, 20   # samples 0..19 share a direction in every part; the rest are noise


def _signatures(ids: np.ndarray, epoch: int) -> dict:
    out = {}
    for layer in (1, 3):
        out[layer] = {}
        for k, part in enumerate(PARTS):
            noise = np.random.default_rng([layer, k, epoch]).standard_normal((N, D)).astype(np.float32)
            shared = np.random.default_rng([layer, k, 7]).standard_normal(D).astype(np.float32)
            x = noise.copy()
            x[:PLANTED] = 3.0 * shared + 0.5 * noise[:PLANTED]
            out[layer][part] = (x[ids] * 100.0).astype(np.float32)
    return out


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("seed") / "s.zarr"
    model = tiny_causal_lm("llama", seed=0)
    w = StoreWriter(str(path), "run", model=model_fingerprint(model), run_attrs={"layers": [1, 3], "hidden_size": D},
                    encoding="float32", shard_rows=64, chunk_rows=16, shard_tokens=4096, overwrite=True)
    ids = np.arange(N)
    for epoch in (0, 1):
        for start in range(0, N, 40):
            sel = ids[start: start + 40]
            w.put(CaptureRows(sample_id=sel.tolist(), source=["s"] * len(sel), epoch=epoch, step=epoch * 100 + start,
                              loss=np.ones(len(sel), np.float32), prompt_len=np.full(len(sel), 2, np.int32),
                              token_ids=[np.array([2, 5, 6, 3], np.int32) for _ in sel],
                              signatures=_signatures(sel, epoch)))
    w.close()
    return open_store(str(path))


def _last_rows(store, sample_ids):
    s = store.samples()
    last = s[s.epoch == s.epoch.max()]
    return last.index.to_numpy()[np.isin(last.sample_id.to_numpy(), sample_ids)]


def _reference_features(store, rows, parts):
    s = store.samples()
    last = (s.epoch == s.epoch.max()).to_numpy()
    feats = []
    for layer, part in parts:
        every = store.array(layer, part).astype(np.float64)
        x = every[rows] - every[last].mean(0)
        feats.append(x / np.linalg.norm(x, axis=1, keepdims=True))
    return np.concatenate(feats, axis=1)


def test_coherence_is_the_mean_pairwise_cosine_of_centered_h_mean(store):
    planted = _last_rows(store, np.arange(PLANTED))
    x = _reference_features(store, planted[:6], [(3, "h_mean")])
    sims = x @ x.T
    want = (sims.sum() - np.trace(sims)) / (6 * 5)
    assert seed_coherence(store, planted[:6], 3) == pytest.approx(want, rel=1e-5)
    assert seed_coherence(store, planted[:6], 3) > 0.8                 # rows that share a direction
    assert abs(seed_coherence(store, _last_rows(store, np.arange(60, 70)), 3)) < 0.2   # noise rows
    with pytest.raises(ValueError, match="at least 2 rows"):
        seed_coherence(store, planted[:1], 3)


def test_classifier_on_a_few_seeds_ranks_the_rows_that_share_their_direction(store):
    from sklearn.linear_model import LogisticRegression

    parts = [(1, "h_last"), (3, "h_mean")]
    planted = _last_rows(store, np.arange(PLANTED))
    s = store.samples()
    mask = (s.epoch == s.epoch.max()).to_numpy()
    seeds = planted[:5]
    negative = np.setdiff1d(np.flatnonzero(mask), planted)   # the other planted rows are left out, as in AutoMethod
    clf = SeedClassifier(parts, C=10.0).fit(store, seeds, negative)
    scores, rows = clf.top_k(store, mask, PLANTED)
    assert set(rows[0].tolist()) == set(planted.tolist())       # every planted row of the last epoch, nothing else
    assert np.all(np.diff(scores[0]) <= 0)
    # the decision values are sklearn's on the centered unit-norm features
    x_fit = _reference_features(store, np.r_[seeds, negative], parts)
    y = np.r_[np.ones(len(seeds)), np.zeros(len(negative))]
    ref = LogisticRegression(C=10.0, class_weight="balanced", max_iter=3000).fit(x_fit, y)
    np.testing.assert_allclose(scores[0], ref.decision_function(_reference_features(store, rows[0], parts)),
                               rtol=1e-4, atol=1e-4)


def test_negatives_are_subsampled_reproducibly(store):
    parts = [(3, "h_mean")]
    planted = _last_rows(store, np.arange(PLANTED))
    s = store.samples()
    mask = (s.epoch == s.epoch.max()).to_numpy()
    negative = np.setdiff1d(np.flatnonzero(mask), planted)
    a = SeedClassifier(parts, max_negatives=30).fit(store, planted[:5], negative).top_k(store, mask, 10)
    b = SeedClassifier(parts, max_negatives=30).fit(store, planted[:5], negative).top_k(store, mask, 10)
    np.testing.assert_array_equal(a[1], b[1])
    np.testing.assert_array_equal(a[0], b[0])
    full = SeedClassifier(parts).fit(store, planted[:5], negative).top_k(store, mask, 10)
    assert not np.allclose(a[0], full[0])      # 30 of the 100 negatives drawn: another fit


def test_bad_input_is_refused(store):
    planted = _last_rows(store, np.arange(PLANTED))
    with pytest.raises(ValueError, match="at least one"):
        SeedClassifier([])
    with pytest.raises(ValueError, match="C must be > 0"):
        SeedClassifier([(3, "h_mean")], C=0)
    clf = SeedClassifier([(3, "h_mean")])
    with pytest.raises(ValueError, match="fit the seed classifier first"):
        clf.top_k(store, np.ones(len(store), bool), 5)
    with pytest.raises(ValueError, match="positive and negative rows"):
        clf.fit(store, planted[:3], np.array([], np.int64))
    with pytest.raises(ValueError, match="both a positive and a negative"):
        clf.fit(store, planted[:3], planted[2:6])
    assert SeedClassifier([(3, "h_mean"), (9, "h_last")]).missing(store) == [(9, "h_last")]
