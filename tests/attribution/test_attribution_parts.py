"""Attribution building blocks: P@k and top-k auPRC, centered and query-adaptive signature variants, token ranking."""
from __future__ import annotations

import numpy as np
import pytest

from provenance.attribution.metrics import precision_at, top_k_auprc


def test_precision_at_k():
    rel = np.array([[1, 1, 0, 0, 1], [0, 1, 0, 0, 0]], bool)
    assert precision_at(rel, 2) == pytest.approx((2 / 2 + 1 / 2) / 2)
    assert precision_at(rel, 5) == pytest.approx((3 / 5 + 1 / 5) / 2)
    with pytest.raises(ValueError, match="fewer than k"):
        precision_at(rel, 6)


def test_top_k_auprc_pools_the_lists():
    scores = np.array([[0.9, 0.8, 0.1], [0.7, 0.6, 0.5]])
    rel = np.array([[1, 0, 1], [1, 0, 0]], bool)
    # Pooled ranking by score: 0.9 (1), 0.8 (0), 0.7 (1), 0.6 (0), 0.5 (0), 0.1 (1).
    want = (1 / 1 + 2 / 3 + 3 / 6) / 3
    assert top_k_auprc(scores, rel, 3) == pytest.approx(want)
    assert top_k_auprc(scores, np.zeros_like(rel), 3) == 0.0


def test_centered_signature_subtracts_the_store_mean(tmp_path):
    from attribution_helpers import write_synthetic
    from provenance import open_store
    from provenance.attribution.signatures import VARIANTS, iter_features, part_means, query_features
    from provenance.models import tiny_causal_lm

    write_synthetic(tmp_path / "s.zarr", tiny_causal_lm("llama", seed=0), n=20, epochs=2, layers=(1,), d=6)
    store = open_store(str(tmp_path / "s.zarr"))
    sig = VARIANTS["rept_c"]
    assert sig.center and sig.label == "rept_c"
    h, g = store.array(1, "h_last").astype(np.float64), store.array(1, "g_last").astype(np.float64)
    last = store.samples()["epoch"].to_numpy() == 1
    assert last.sum() == 20
    means = part_means(store, 1, sig.parts, chunk_rows=7)   # the last epoch's rows only
    np.testing.assert_allclose(means["h_last"], h[last].mean(0), rtol=1e-5)
    np.testing.assert_allclose(means["g_last"], g[last].mean(0), rtol=1e-4)
    assert not np.allclose(means["h_last"], h.mean(0), rtol=1e-3)
    feats = np.concatenate([b for _, b in iter_features(store, 1, sig, 7)])
    q = query_features(store, 1, sig, {"h_last": h[:2].astype(np.float32), "g_last": g[:2].astype(np.float32)})

    def ucos(a, b):
        return (a / np.linalg.norm(a, axis=1, keepdims=True)) @ (b / np.linalg.norm(b, axis=1, keepdims=True)).T
    hc, gc = h - h[last].mean(0), g - g[last].mean(0)
    want = (ucos(hc, hc[:2]) + ucos(gc, gc[:2])) / 2   # mean of the per-part centered cosines
    np.testing.assert_allclose(feats @ q.T, want, atol=1e-4)
    np.testing.assert_allclose(np.diag((feats @ q.T)[:2]), [1.0, 1.0], atol=1e-5)
    with pytest.raises(ValueError, match="centered"):
        sig.features({"h_last": h[:1], "g_last": g[:1]})


def test_query_adaptive_projection_equals_explicit_projection(tmp_path):
    """rept_pc: per query, project out the top principal directions of the last epoch's rows on which the query is
    typical (|z| < 1.5), then the mean of the per-part cosines; checked against explicit projection matrices."""
    from attribution_helpers import write_synthetic
    from provenance import open_store
    from provenance.attribution.signatures import VARIANTS, Signature, score_blocks
    from provenance.models import tiny_causal_lm

    write_synthetic(tmp_path / "s.zarr", tiny_causal_lm("llama", seed=0), n=40, epochs=2, layers=(1,), d=8)
    store = open_store(str(tmp_path / "s.zarr"))
    sig = Signature(("h_last", "g_last"), "per_part", "t", center=True, pcs=3)
    bound = sig.bind(store, 1)
    last = store.samples()["epoch"].to_numpy() == 1
    rng = np.random.default_rng(0)
    test = {p: (store.array(1, p)[:4] + rng.standard_normal((4, 8)) * store.array(1, p).std()).astype(np.float32)
            for p in sig.parts}
    got = np.concatenate([s for _, s in score_blocks(store, 1, bound, test, 9)])
    want = np.zeros_like(got, dtype=np.float64)
    dropped = 0
    for p in sig.parts:
        x = store.array(1, p).astype(np.float64)
        mu = x[last].mean(0)
        w, v = np.linalg.eigh(np.cov((x[last] - mu).T, bias=True))
        v, sd = v[:, ::-1][:, :3], np.sqrt(w[::-1][:3])
        q = test[p].astype(np.float64) - mu
        for i in range(4):
            r = v[:, np.abs(q[i] @ v / sd) < 1.5]
            dropped += r.shape[1]
            proj = np.eye(8) - r @ r.T
            a, b = (x - mu) @ proj, proj @ q[i]
            want[:, i] += (a @ b) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b)) / 2
    assert 0 < dropped < 2 * 4 * 3          # some directions dropped, some kept
    np.testing.assert_allclose(got, want, atol=2e-4)
    assert VARIANTS["rept_pc"].pcs == 10 and VARIANTS["rept_pc"].center
    with pytest.raises(ValueError, match="no fixed features"):
        bound.features(test)
    with pytest.raises(ValueError, match="centered, per-part"):
        Signature(("h_last", "g_last"), "none", pcs=3, center=True)


def test_top_tokens_auto_picks_the_candidate_per_part():
    import pandas as pd

    from provenance.attribution.tokens import _pct_rank, top_tokens

    df = pd.DataFrame({"query": "q", "row": 0, "position": range(6),
                       "is_response": [False, False, False, True, True, True],
                       "is_framing": [True, False, False, False, False, False],
                       "cos_h": [0.9, 0.1, 0.2, 0.3, 0.8, 0.1], "abs_gxa": [5.0, 1.0, 3.0, 9.0, 0.5, 0.1]})
    assert top_tokens(df, n=1)["position"].tolist() == [2]                    # prompt content by |g x a|
    assert top_tokens(df, n=1, where="response")["position"].tolist() == [4]  # response by cos(h)
    assert top_tokens(df, by="abs_gxa", n=1, where="all")["position"].tolist() == [3]
    with pytest.raises(ValueError, match="by must be"):
        top_tokens(df, by="nope")
    np.testing.assert_allclose(_pct_rank(np.array([3.0, 1.0, 2.0])), [1.0, 0.0, 0.5])


def test_standardized_signature_is_the_mean_of_per_part_z_scores(tmp_path):
    """h_fused_z: per part, the centered cosine as a z-score over the last epoch's rows, averaged over the parts;
    checked against the z-scores computed by hand, per query and (behaviour) averaged over the queries."""
    from attribution_helpers import write_synthetic
    from provenance import open_store
    from provenance.attribution.signatures import VARIANTS, Signature, score_blocks
    from provenance.models import tiny_causal_lm

    write_synthetic(tmp_path / "s.zarr", tiny_causal_lm("llama", seed=0), n=30, epochs=2, layers=(1,), d=8)
    store = open_store(str(tmp_path / "s.zarr"))
    sig = VARIANTS["h_fused_z"]
    assert sig.parts == ("h_last", "h_mean") and sig.standardize and not sig.pcs
    last = store.samples()["epoch"].to_numpy() == 1
    rng = np.random.default_rng(1)
    test = {p: (store.array(1, p)[:3] + rng.standard_normal((3, 8)) * store.array(1, p).std()).astype(np.float32)
            for p in sig.parts}
    bound = sig.bind(store, 1)
    got = np.concatenate([s for _, s in score_blocks(store, 1, bound, test, 7)])

    def unit(a):
        return a / np.linalg.norm(a, axis=1, keepdims=True)
    want = np.zeros((60, 3))
    for p in sig.parts:
        x = store.array(1, p).astype(np.float64)
        mu = x[last].mean(0)
        cos = unit(x - mu) @ unit(test[p] - mu).T                       # every row, both epochs
        want += (cos - cos[last].mean(0)) / cos[last].std(0) / 2        # in units of the last epoch's spread
    np.testing.assert_allclose(got, want, atol=2e-5)
    np.testing.assert_allclose(got[last].mean(0), 0, atol=2e-5)       # a z-score: mean 0 over the rows it is read on
    # The spreads differ by part, so the z-mean ranks differently from the plain mean of the cosines.
    plain = np.concatenate([s for _, s in score_blocks(store, 1, Signature(sig.parts, center=True), test, 7)])
    assert not (np.argsort(-plain, 0)[:10] == np.argsort(-got, 0)[:10]).all()
    with pytest.raises(ValueError, match="bind it to a store"):
        sig.query_features(test)
    with pytest.raises(ValueError, match="standardized signature"):
        Signature(("h_last", "h_mean"), standardize=True)                # not centered


def test_standardized_signature_scores_alike_on_every_backend(tmp_path):
    """The z-scores are a fixed-feature dot product plus a per-query offset: the local, dask and index backends give
    the same rows and scores, per query and per behaviour (mean over the queries)."""
    from attribution_helpers import write_synthetic
    from provenance import open_store
    from provenance.attribution.backends import get_backend
    from provenance.attribution.signatures import VARIANTS, score_blocks
    from provenance.attribution.topk_index import build_topk_index
    from provenance.models import tiny_causal_lm

    write_synthetic(tmp_path / "s.zarr", tiny_causal_lm("llama", seed=0), n=30, epochs=2, layers=(1,), d=8)
    store = open_store(str(tmp_path / "s.zarr"))
    sig = VARIANTS["h_fused_z"]
    build_topk_index(store, 1, sig, chunk_rows=16)
    test = {p: store.array(1, p)[[3, 40]].astype(np.float32) for p in sig.parts}
    samples = store.samples()
    last = samples["epoch"].to_numpy() == 1
    every = np.concatenate([s for _, s in score_blocks(store, 1, sig.bind(store, 1), test, 7)])[last]
    position = {row: i for i, row in enumerate(np.flatnonzero(last))}
    for combine, want in ((False, every.T), (True, every.mean(1, keepdims=True).T)):
        for backend in ("local", "dask", "index"):
            scores, rows = get_backend(backend).top_k(store, 1, sig, test, 5, epochs="last", samples=samples,
                                                      combine=combine)
            # Rows may tie (the synthetic store repeats some), so each returned row's own score is checked, and
            # the scores against the top 5 by hand.
            own = np.array([[want[q, position[r]] for r in qrows] for q, qrows in enumerate(rows)])
            np.testing.assert_allclose(own, scores, atol=1e-4, err_msg=f"{backend} combine={combine}")
            np.testing.assert_allclose(scores, -np.sort(-want, 1)[:, :5], atol=1e-4, err_msg=backend)
