"""Streaming top-k, signature variants, epoch modes, source shares and errors, on synthetic stores."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from attribution_helpers import PARTS, synthetic_rows, write_synthetic
from provenance.attribution import Attributor, SignatureMethod, TestCase, TestSignatures, VARIANTS, get_signature
from provenance.attribution.topk import RunningTopK
from provenance.errors import StoreMismatchError, StoreNotFoundError
from provenance.models import tiny_causal_lm, tiny_tokenizer
from provenance.store import StoreWriter, open_store
from provenance.capture import model_fingerprint

N, EPOCHS, D = 60, 2, 12


@pytest.fixture(scope="module")
def model():
    return tiny_causal_lm("llama", seed=0)


@pytest.fixture(scope="module")
def store(tmp_path_factory, model):
    path = tmp_path_factory.mktemp("attr") / "s.zarr"
    write_synthetic(path, model, n=N, epochs=EPOCHS, ranks=2, d=D)
    return open_store(str(path))


@pytest.fixture(scope="module")
def att(store, model):
    return Attributor(store, model, tiny_tokenizer())


def queries(store, n_random=4, copy_rows=(0, 45, 77)):
    """Test signatures at layers 1 and 3: some random, some exact copies of stored rows."""
    rng = np.random.default_rng(7)
    arrays = {}
    for layer in (1, 3):
        arrays[layer] = {}
        for part in PARTS:
            rand = rng.standard_normal((n_random, D)).astype(np.float32) * (1e3 if part[0] == "h" else 1e-6)
            arrays[layer][part] = np.concatenate([rand, store.array(layer, part, rows=list(copy_rows))])
    n = n_random + len(copy_rows)
    return TestSignatures(cases=[TestCase("p", "r") for _ in range(n)], arrays=arrays,
                          input_ids=[np.zeros(1, np.int32)] * n, prompt_len=np.zeros(n, np.int32),
                          loss=np.zeros(n, np.float32))


def brute_force(store, test, layer, signature, mask):
    """Full numpy ranking by (-cosine, row) of the signature's concatenation."""
    def feats(blocks):
        mats = [np.asarray(blocks[p], np.float64) for p in signature.parts]
        if signature.normalize == "per_part":
            mats = [m / np.linalg.norm(m, axis=1, keepdims=True) for m in mats]
        x = np.concatenate(mats, axis=1)
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    train = feats({p: store.array(layer, p) for p in signature.parts})
    q = feats(test.arrays[layer])
    scores = q @ train.T
    rows = np.flatnonzero(mask)
    order = [rows[np.lexsort((rows, -scores[i, rows]))] for i in range(len(q))]
    return np.array(order), np.take_along_axis(scores, np.array(order), 1)


@pytest.mark.parametrize("name", ["rept", "rept_norm", "h_mean", "g_last", "all_norm"])
@pytest.mark.parametrize("epochs", ["last", "all", 0])
def test_top_k_equals_brute_force_ranking(att, store, name, epochs):
    test = queries(store)
    df = store.samples()
    mask = {"last": df.epoch.to_numpy() == EPOCHS - 1, "all": np.ones(len(df), bool), 0: df.epoch.to_numpy() == 0}[epochs]
    want_rows, want_scores = brute_force(store, test, 3, get_signature(name), mask)
    k = 25
    scores, rows = SignatureMethod(name, 3, epochs, chunk_rows=13).top_k(att, test, k)
    np.testing.assert_array_equal(rows, want_rows[:, :k])
    np.testing.assert_allclose(scores, want_scores[:, :k], rtol=0, atol=2e-6)
    # The synthetic store has exact ties (every 10th sample copies its predecessor): the lower row wins.
    assert rows.shape == (len(test), k)


def test_streaming_top_k_equals_in_memory(att, store):
    test = queries(store)
    for name in ("rept", "mean_concat"):
        for epochs in ("last", "all", "mean", 1):
            small = SignatureMethod(name, 1, epochs, chunk_rows=7).top_k(att, test, 40)
            big = SignatureMethod(name, 1, epochs, chunk_rows=10**6).top_k(att, test, 40)
            np.testing.assert_array_equal(small[1], big[1])
            # A 7-row chunk and one 10**6-row chunk are different matmul shapes (BLAS may pick another kernel and
            # summation order): the float32 cosines agree to 1e-6, the random test data has no ties that close.
            np.testing.assert_allclose(small[0], big[0], rtol=0, atol=1e-6)


def test_k_larger_than_selection_returns_every_selected_row(att, store):
    test = queries(store)
    scores, rows = SignatureMethod("h_last", 3, 0).top_k(att, test, 10**4)
    assert rows.shape == (len(test), N)
    assert set(rows[0].tolist()) == set(np.flatnonzero(store.samples().epoch.to_numpy() == 0).tolist())


def test_running_top_k_random_blocks_equals_full_sort():
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 20, size=(500, 3)).astype(np.float32)  # many ties
    top = RunningTopK(3, 37)
    for start in range(0, 500, 23):
        top.update(np.arange(start, min(start + 23, 500)), scores[start: start + 23])
    s, r = top.result()
    for q in range(3):
        order = np.lexsort((np.arange(500), -scores[:, q]))[:37]
        np.testing.assert_array_equal(r[q], order)
        np.testing.assert_array_equal(s[q], scores[order, q])


def test_mean_over_epochs_is_mean_of_per_epoch_cosines(att, store):
    test = queries(store)
    sig = VARIANTS["mean_concat"]
    df = store.samples()
    per_epoch = []
    for e in range(EPOCHS):
        mask = df.epoch.to_numpy() == e
        rows, scores = brute_force(store, test, 3, sig, mask)
        s = np.zeros((len(test), N))
        for q in range(len(test)):
            s[q, df.sample_id.to_numpy()[rows[q]]] = scores[q]
        per_epoch.append(s)
    mean = np.mean(per_epoch, axis=0)
    scores, rows = SignatureMethod(sig, 3, "mean").top_k(att, test, 15)
    ids = df.sample_id.to_numpy()[rows]
    for q in range(len(test)):
        np.testing.assert_allclose(scores[q], mean[q, ids[q]], atol=2e-6)
        np.testing.assert_allclose(np.sort(scores[q])[::-1], np.sort(mean[q])[::-1][:15], atol=2e-6)
    assert (df.epoch.to_numpy()[rows] == EPOCHS - 1).all()  # the reported row is each sample's last one


def test_query_equal_to_stored_row_ranks_it_first_with_score_one(att, store):
    copies = (0, 45, 77)
    test = queries(store, copy_rows=copies)
    df = store.samples()
    for name in ("rept", "rept_norm", "h_last", "g_mean", "mean_concat", "all_norm"):
        for epochs in ("all", "last", 0):
            scores, rows = SignatureMethod(name, 3, epochs).top_k(att, test, 5)
            for j, row in enumerate(copies):
                q = 4 + j
                if epochs != "all" and df.epoch[row] != (EPOCHS - 1 if epochs == "last" else epochs):
                    continue
                assert rows[q, 0] == row, (name, epochs, row)
                assert scores[q, 0] == pytest.approx(1.0, abs=1e-6)


def test_ranking_and_source_shares(att, store):
    test = queries(store)
    res = att.query(test, signature="mean_concat", layer=1, epochs="all", k=20)
    assert len(res.ranking) == len(test) * 20
    assert res.ranking.groupby("query")["rank"].apply(list).map(lambda r: r == list(range(1, 21))).all()
    shares = res.sources.groupby("query")["share"].sum()
    np.testing.assert_allclose(shares.to_numpy(), 1.0)
    counts = res.ranking.groupby(["query", "source"]).size()
    merged = res.sources.set_index(["query", "source"])["count"]
    pd.testing.assert_series_equal(counts.sort_index(), merged.sort_index(), check_names=False)
    assert res.summary()["share"].sum() == pytest.approx(1.0)
    df = store.samples()
    assert (res.ranking["sample_id"].to_numpy() == df.sample_id.to_numpy()[res.rows.ravel()]).all()
    assert (res.ranking["score"].to_numpy() == res.scores.ravel()).all()


def test_default_layer_is_a_captured_layer(att, store):
    assert att.default_layer() in store.layers


def test_clear_errors(tmp_path, att, store, model):
    test = queries(store)
    with pytest.raises(StoreNotFoundError, match=r"layer 2 has no rows.*captured layers: \[1, 3\]"):
        SignatureMethod("h_mean", 2).top_k(att, test, 5)
    with pytest.raises(ValueError, match="unknown signature part"):
        SignatureMethod("h_middle", 3)
    # A store of another model: refused unless overridden.
    with pytest.raises(StoreMismatchError, match="config_hash.*allow_model_mismatch"):
        Attributor(store, tiny_causal_lm("gpt2"), tiny_tokenizer())
    Attributor(store, tiny_causal_lm("gpt2"), tiny_tokenizer(), allow_model_mismatch=True)
    # An empty store: the run exists, no row was ever committed.
    empty = tmp_path / "empty.zarr"
    StoreWriter(str(empty), "run", model=model_fingerprint(model), run_attrs={}).close()
    with pytest.raises(StoreNotFoundError, match="no committed rows"):
        Attributor(open_store(str(empty)), model, tiny_tokenizer())
    # A store whose run only captured h parts: a gradient signature names what is missing.
    hs = tmp_path / "h_only.zarr"
    w = StoreWriter(str(hs), "run", model=model_fingerprint(model), run_attrs={})
    from provenance.store import CaptureRows
    sig = synthetic_rows(np.arange(4), epoch=0, layers=(3,), d=D)
    w.put(CaptureRows(sample_id=[0, 1, 2, 3], source=["a"] * 4, epoch=0, step=0, loss=np.ones(4, np.float32),
                      prompt_len=np.ones(4, np.int32), token_ids=[np.array([2, 5, 3], np.int32)] * 4,
                      signatures={3: {"h_mean": sig[3]["h_mean"]}}))
    w.close()
    a = Attributor(open_store(str(hs)), model, tiny_tokenizer())
    with pytest.raises(StoreNotFoundError, match=r"needs \['g_mean'\] at layer 3"):
        SignatureMethod("mean_concat", 3).top_k(a, test, 2)
