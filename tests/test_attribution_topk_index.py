"""The float16 query index: its layout, its score bound, and an index top-k equal to the local exact top-k."""
from __future__ import annotations

import numpy as np
import pytest
import torch
import zarr

from attribution_helpers import PARTS, synthetic_rows, write_synthetic
from provenance.attribution import Attributor, SignatureMethod, TestCase, TestSignatures
from provenance.attribution.signatures import VARIANTS, iter_features, part_means
from provenance.attribution.topk_index import (
    SCORE_SLACK, build_topk_index, index_top_k, load_topk_index,
)
from provenance.capture import model_fingerprint
from provenance.errors import StoreMismatchError, StoreNotFoundError
from provenance.models import tiny_causal_lm, tiny_tokenizer
from provenance.store import CaptureRows, StoreWriter, open_store

N, EPOCHS, D, K = 60, 2, 12, 25


@pytest.fixture(scope="module")
def model():
    return tiny_causal_lm("llama", seed=0)


@pytest.fixture(scope="module")
def store(tmp_path_factory, model):
    path = tmp_path_factory.mktemp("index") / "s.zarr"
    write_synthetic(path, model, n=N, epochs=EPOCHS, ranks=2, d=D, encoding="float16-rowscale")
    reader = open_store(str(path))
    for name in ("rept_c", "rept_norm", "h_last", "all_c"):
        build_topk_index(reader, 3, name, chunk_rows=16)  # 120 rows: 8 chunks, the last one partial
    return reader


@pytest.fixture(scope="module")
def att(store, model):
    return Attributor(store, model, tiny_tokenizer())


def queries(store, copy_rows=(0, 45, 77)) -> TestSignatures:
    rng = np.random.default_rng(11)
    arrays = {3: {}}
    for part in PARTS:
        rand = rng.standard_normal((4, D)).astype(np.float32) * (1e3 if part[0] == "h" else 1e-6)
        arrays[3][part] = np.concatenate([rand, store.array(3, part, rows=list(copy_rows))])
    n = 4 + len(copy_rows)
    return TestSignatures(cases=[TestCase("p", "r")] * n, arrays=arrays, input_ids=[np.zeros(1, np.int32)] * n,
                          prompt_len=np.zeros(n, np.int32), loss=np.zeros(n, np.float32))


def test_index_layout(store):
    group = zarr.open_group(store.url, path="run/topk-index/layer-3/h_last-g_last.per_part", mode="r")
    meta = group.attrs["topk_index"]
    assert meta == {"format": 1, "layer": 3, "parts": ["h_last", "g_last"], "normalize": "per_part", "center": False,
                    "rows": 120,
                    "width": 24, "chunk_rows": 16, "committed": {"0": 60, "1": 60}, "encoding": "float16-rowscale",
                    "projection": None}
    feats, error = group["features"], group["error"]
    assert feats.dtype == np.float16 and feats.shape == (120, 24) and feats.chunks == (16, 24)
    assert feats.compressors == () and feats.shards is None  # uncompressed: memory-mappable chunk files
    exact = np.concatenate([f for _, f in iter_features(store, 3, VARIANTS["rept_norm"], 1000)])
    want = torch.from_numpy(exact).half().numpy()
    np.testing.assert_array_equal(feats[:], want)
    np.testing.assert_allclose(error[:], np.linalg.norm(want.astype(np.float32) - exact, axis=1), rtol=1e-5, atol=1e-9)
    assert 0 < error[:].max() < 2.0 ** -10  # float16 keeps unit rows to ~5e-4
    # The reader does not mistake the index for a rank or a layer.
    assert store.layers == [1, 3] and sorted(store.committed) == [0, 1]
    # A centered signature's index keeps the means it was built with: the local path's last-epoch means.
    centered = zarr.open_group(store.url, path="run/topk-index/layer-3/h_last-g_last.per_part.centered", mode="r")
    means = part_means(store, 3, ("h_last", "g_last"))
    for p in ("h_last", "g_last"):
        np.testing.assert_array_equal(centered[f"mean-{p}"][...], means[p])
    last = store.samples().epoch.to_numpy() == EPOCHS - 1
    np.testing.assert_allclose(means["h_last"], store.array(3, "h_last")[last].mean(0), rtol=1e-5)
    index = load_topk_index(store, 3, VARIANTS["rept_norm"])
    block, _ = index.read_block(7)
    assert isinstance(block, np.memmap) and block.shape == (8, 24)  # last chunk: 120 - 7 * 16 rows


def test_indexed_scores_stay_within_their_bound(store):
    index = load_topk_index(store, 3, VARIANTS["rept_norm"])
    feats, error = (np.asarray(a[:]) for a in index.arrays())
    exact = np.concatenate([f for _, f in iter_features(store, 3, VARIANTS["rept_norm"], 1000)])
    q = VARIANTS["rept_norm"].features(queries(store).arrays[3])
    qh = torch.from_numpy(q).half()
    approx = np.stack([torch.mv(torch.from_numpy(feats), qh[j]).float().numpy() for j in range(len(q))], axis=1)
    e_q = np.linalg.norm(qh.float().numpy() - q, axis=1)
    bound = error[:, None] + e_q[None, :] * (1 + error[:, None]) + SCORE_SLACK
    gap = np.abs(approx - exact @ q.T)
    assert (gap <= bound).all()
    assert gap.max() > 1e-5  # the bound is not vacuous: float16 does move the scores


@pytest.mark.parametrize("name", ["rept_c", "rept_norm", "h_last", "all_c"])
@pytest.mark.parametrize("epochs", ["last", "all", 0])
def test_index_top_k_equals_local(att, store, name, epochs):
    test = queries(store)
    local = SignatureMethod(name, 3, epochs).top_k(att, test, K)
    for backend in ("index", "dask-index"):
        got = SignatureMethod(name, 3, epochs, backend=backend).top_k(att, test, K)
        np.testing.assert_array_equal(got[1], local[1])
        np.testing.assert_allclose(got[0], local[0], rtol=0, atol=1e-6)


def test_centered_index_query_needs_no_pass_over_the_store(att, store, monkeypatch):
    test = queries(store)
    local = SignatureMethod("rept_c", 3, "last").top_k(att, test, K)

    def no_pass(*args, **kwargs):
        raise AssertionError("part_means was called: the index's means should have been used")

    monkeypatch.setattr("provenance.attribution.signatures.part_means", no_pass)
    got = SignatureMethod("rept_c", 3, "last", backend="index").top_k(att, test, K)
    np.testing.assert_array_equal(got[1], local[1])
    np.testing.assert_allclose(got[0], local[0], rtol=0, atol=1e-6)


def test_few_candidates_are_rescored(att, store):
    sig = VARIANTS["rept_norm"]
    test = queries(store)
    stats: dict = {}
    scores, rows = index_top_k(store, 3, sig, sig.features(test.arrays[3])[4:5], 3, "all", att.samples, stats=stats)
    assert rows[0, 0] == 0 and scores[0, 0] == pytest.approx(1.0, abs=1e-6)
    # Only rows whose bound reaches the 3rd best lower bound are re-scored, not all 120.
    assert 3 <= stats["candidates"] < 40 and stats["rows"] == 120


def test_missing_stale_and_rewritten_index_are_refused(tmp_path, model, att, store):
    test = queries(store)
    with pytest.raises(StoreNotFoundError, match=r"no query index for h_mean at layer 3.*--layer 3 --signature h_mean`"):
        SignatureMethod("h_mean", 3, backend="index").top_k(att, test, 5)
    with pytest.raises(ValueError, match="epochs='mean' is not supported by the index backends"):
        SignatureMethod("rept_norm", 3, "mean", backend="index").top_k(att, test, 5)
    path = tmp_path / "s.zarr"
    write_synthetic(path, model, n=20, epochs=1, d=D)
    build_topk_index(str(path), 3, "rept_norm")
    assert load_topk_index(open_store(str(path)), 3, VARIANTS["rept_norm"]).rows == 20
    write_synthetic(path, model, n=24, epochs=1, d=D)  # more rows since the build
    with pytest.raises(StoreMismatchError, match=r"built over committed rows \{'0': 20\}.*now holds \{'0': 24\}"):
        load_topk_index(open_store(str(path)), 3, VARIANTS["rept_norm"])
    build_topk_index(str(path), 3, "rept_norm")
    # Same row count, other values: the spot check sees it.
    w = StoreWriter(str(path), "run", model=model_fingerprint(model), run_attrs={"layers": [1, 3], "hidden_size": D},
                    encoding="float32", overwrite=True)
    ids = np.arange(24)
    w.put(CaptureRows(sample_id=ids.tolist(), source=["a"] * 24, epoch=0, step=0, loss=np.ones(24, np.float32),
                      prompt_len=np.full(24, 2, np.int32), token_ids=[np.array([2, 3], np.int32)] * 24,
                      signatures=synthetic_rows(ids, epoch=0, d=D, seed=5)))
    w.close()
    with pytest.raises(StoreMismatchError, match="does not match the stored rows"):
        load_topk_index(open_store(str(path)), 3, VARIANTS["rept_norm"])
