"""The int8 query index: its layout, its score bound, and an index top-k equal to the local exact top-k, without
the store's samples table."""
from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import zarr

from attribution_helpers import PARTS, synthetic_rows, write_synthetic
from provenance.attribution import Attributor, SignatureMethod, TestCase, TestSignatures
from provenance.attribution.signatures import VARIANTS, iter_features, part_means
from provenance.attribution.topk_index import (
    QueryCodes,
    _int_dots,
    build_topk_index,
    index_top_k,
    load_topk_index,
    quantize_rows,
    score_slack,
)
from provenance.capture import model_fingerprint
from provenance.errors import StoreCorruptError, StoreMismatchError, StoreNotFoundError
from provenance.models import tiny_causal_lm, tiny_tokenizer
from provenance.store import CaptureRows, StoreWriter, open_store

N, EPOCHS, D, K = 60, 2, 12, 25
INDEXED = ("rept_c", "rept_norm", "h_last", "all_c")  # with the copy of the stored rows
NO_COPY = "rept"                                         # re-scored from the store


@pytest.fixture(scope="module")
def model():
    return tiny_causal_lm("llama", seed=0)


def build_all(reader):
    for name in INDEXED:
        build_topk_index(reader, 3, name, chunk_rows=16)  # 120 rows: 8 chunks, the last one partial
    build_topk_index(reader, 3, NO_COPY, chunk_rows=16, row_copy=False)


@pytest.fixture(scope="module")
def store(tmp_path_factory, model):
    path = tmp_path_factory.mktemp("index") / "s.zarr"
    write_synthetic(path, model, n=N, epochs=EPOCHS, ranks=2, d=D, encoding="float16-rowscale")
    reader = open_store(str(path))
    build_all(reader)
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


def test_quantizers_by_hand():
    # Query levels: q = (0.6, 0.8): s1 = 0.8/127, a1 = (rint(95.25), 127); residual (0.6 - 95 s1, 0) -> a2 = (127, 0).
    qc = QueryCodes.of(np.array([[0.6, 0.8]], np.float32))
    np.testing.assert_array_equal(qc.levels, [[95, 127], [127, 0]])
    s1 = np.float64(np.float32(0.8)) / 127
    assert qc.s[0, 0] == s1 and qc.s[0, 1] == pytest.approx((np.float64(np.float32(0.6)) - 95 * s1) / 127, rel=1e-12)
    assert qc.error[0] < 1e-7 and qc.norm[0] == pytest.approx(1.0, abs=1e-7)
    # Rows: scale = max|f| / 127 per row; (127, -64, 32) has scale 1 and codes equal to itself; (1, 0.3, -0.2) has
    # scale 1/127: 0.3 * 127 = 38.1 -> 38, -0.2 * 127 = -25.4 -> -25; an all-zero row keeps scale 1.
    codes, scale, error = quantize_rows(np.array([[127, -64, 32], [1, 0.3, -0.2], [0, 0, 0]], np.float32))
    np.testing.assert_array_equal(codes, [[127, -64, 32], [127, 38, -25], [0, 0, 0]])
    np.testing.assert_array_equal(scale, np.float32([1, 1 / 127, 1]))
    assert error[0] == 0 and error[2] == 0
    s = np.float64(np.float32(1 / 127))
    want = np.linalg.norm([127 * s - 1, 38 * s - np.float64(np.float32(0.3)), -25 * s - np.float64(np.float32(-0.2))])
    assert error[1] >= want and error[1] == pytest.approx(want, rel=1e-6) and error[1] == pytest.approx(0.003246, abs=1e-6)
    # Exact int32 dot products (the 1-wide case avoids torch._int_mm, which sums those wrongly).
    rng = np.random.default_rng(0)
    for w in (1, 2, 24):
        c = rng.integers(-127, 128, (7, w)).astype(np.int8)
        a = rng.integers(-127, 128, (4, w)).astype(np.int8)
        np.testing.assert_array_equal(_int_dots(a, c), c.astype(np.int64) @ a.astype(np.int64).T)


def test_index_layout(store, monkeypatch):
    group = zarr.open_group(store.url, path="run/topk-index/layer-3/h_last-g_last.per_part", mode="r")
    meta = group.attrs["topk_index"]
    assert meta == {"format": 2, "layer": 3, "parts": ["h_last", "g_last"], "normalize": "per_part", "center": False,
                    "rows": 120, "width": 24, "chunk_rows": 16, "committed": {"0": 60, "1": 60},
                    "encoding": "float16-rowscale", "projection": None, "row_copy": True}
    codes, scale, error = group["codes"], group["scale"], group["error"]
    assert codes.dtype == np.int8 and codes.shape == (120, 24) and codes.chunks == (16, 24)
    assert codes.compressors == () and codes.shards is None  # uncompressed: memory-mappable chunk files
    exact = np.concatenate([f for _, f in iter_features(store, 3, VARIANTS["rept_norm"], 1000)])
    want_codes, want_scale, want_error = quantize_rows(exact)
    np.testing.assert_array_equal(codes[:], want_codes)
    np.testing.assert_array_equal(scale[:], want_scale)
    np.testing.assert_array_equal(error[:], want_error)
    recon = codes[:].astype(np.float64) * scale[:].astype(np.float64)[:, None]
    assert (np.linalg.norm(recon - exact, axis=1) <= error[:]).all()
    assert 1e-4 < error[:].max() < 0.02  # int8 keeps unit rows of 24 dims to ~1%
    # The stored rows' bits, per part, and the row columns of the samples table.
    samples = store.samples()
    for p in ("h_last", "g_last"):
        pay = np.concatenate([store._ranks[r].array(f"layer-3/{p}")[:60] for r in (0, 1)])
        np.testing.assert_array_equal(group[f"payload-{p}"][:], pay)
        np.testing.assert_array_equal(group[f"payload-{p}_scale"][:],
                                      np.concatenate([store._ranks[r].array(f"layer-3/{p}_scale")[:60] for r in (0, 1)]))
    for name in ("sample_id", "epoch", "prompt_len"):
        np.testing.assert_array_equal(group[name][:], samples[name].to_numpy())
    assert list(group["source_names"][:]) == ["src0", "src1", "src2"]
    np.testing.assert_array_equal(np.asarray(group["source_names"][:])[group["source"][:]], samples["source"])
    assert not any(k.startswith("payload") for k in
                   zarr.open_group(store.url, path="run/topk-index/layer-3/h_last-g_last.none", mode="r").array_keys())
    # The reader does not mistake the index for a rank or a layer.
    assert store.layers == [1, 3] and sorted(store.committed) == [0, 1]
    # A centered signature's index keeps the means it was built with: the local path's last-epoch means.
    centered = zarr.open_group(store.url, path="run/topk-index/layer-3/h_last-g_last.per_part.centered", mode="r")
    means = part_means(store, 3, ("h_last", "g_last"))
    for p in ("h_last", "g_last"):
        np.testing.assert_array_equal(centered[f"mean-{p}"][...], means[p])
    last = samples.epoch.to_numpy() == EPOCHS - 1
    np.testing.assert_allclose(means["h_last"], store.array(3, "h_last")[last].mean(0), rtol=1e-5)
    index = load_topk_index(store, 3, VARIANTS["rept_norm"])
    block, _, _ = index.read_block(7)
    assert isinstance(block, np.memmap) and block.shape == (8, 24)  # last chunk: 120 - 7 * 16 rows
    with ThreadPoolExecutor(3) as pool, monkeypatch.context() as m:
        m.setattr("provenance.attribution.topk_index.READ_PIECE", 100)  # a 16 x 24 chunk in 4 pieces
        for i in range(8):  # the scan's read-ahead gives the memory-mapped block
            for got, want in zip(index.read_block_ahead(pool, i)(), index.read_block(i)):
                np.testing.assert_array_equal(got, want)
                assert got.shape[0] == (8 if i == 7 else 16)
    table = index.row_table([77, 3, 77])
    assert table.index.tolist() == [3, 77] and table.columns.tolist() == ["sample_id", "source", "epoch", "prompt_len"]
    assert table.to_dict("list") == samples.loc[[3, 77], ["sample_id", "source", "epoch", "prompt_len"]].to_dict("list")


def test_indexed_scores_stay_within_their_bound(store):
    index = load_topk_index(store, 3, VARIANTS["rept_norm"])
    codes, scale, error = (np.asarray(index.array(n)[:]) for n in ("codes", "scale", "error"))
    exact = np.concatenate([f for _, f in iter_features(store, 3, VARIANTS["rept_norm"], 1000)])
    q = VARIANTS["rept_norm"].features(queries(store).arrays[3])
    qc = QueryCodes.of(q)
    dots = _int_dots(qc.levels, codes).astype(np.float64).reshape(len(codes), len(q), 2)
    approx = scale.astype(np.float64)[:, None] * (dots * qc.s[None]).sum(2)
    bound = error[:, None] + (1 + error[:, None]) * qc.error[None, :] + score_slack(24)
    gap = np.abs(approx - exact @ q.T)
    assert (gap <= bound).all()
    assert gap.max() > 1e-4  # the bound is not vacuous: int8 does move the scores
    assert score_slack(24) == 2.0 ** -20 + 24 * 2.0 ** -23


@pytest.mark.parametrize("name", INDEXED + (NO_COPY,))
@pytest.mark.parametrize("epochs", ["last", "all", 0])
def test_index_top_k_equals_local(att, store, name, epochs):
    test = queries(store)
    local = SignatureMethod(name, 3, epochs).top_k(att, test, K)
    for backend in ("index", "dask-index"):
        got = SignatureMethod(name, 3, epochs, backend=backend).top_k(att, test, K)
        np.testing.assert_array_equal(got[1], local[1])
        np.testing.assert_allclose(got[0], local[0], rtol=0, atol=1e-6)


def test_index_query_never_reads_the_samples_table(tmp_path, store, model):
    """A copy of the store without its 1-D sample columns: the index query and its ranking still work."""
    test = queries(store)
    tok = tiny_tokenizer()
    want = Attributor(store, model, tok).query(test, signature="rept_c", layer=3, k=K, snippet_chars=30)
    copy = tmp_path / "copy.zarr"
    shutil.copytree(store.url, copy)
    for rank in (0, 1):
        for column in ("sample_id", "source", "epoch", "step", "loss", "prompt_len"):
            shutil.rmtree(copy / "run" / f"rank-{rank}" / column)
    reader = open_store(str(copy))
    with pytest.raises(StoreCorruptError, match="sample_id: the array is missing"):
        reader.samples()  # the table is gone: any load of it fails the query below
    att = Attributor(reader, model, tok)
    for backend in ("index", "dask-index"):
        got = att.query(test, signature="rept_c", layer=3, k=K, snippet_chars=30, backend=backend)
        assert got.ranking.drop(columns="score").equals(want.ranking.drop(columns="score"))
        np.testing.assert_allclose(got.ranking.score, want.ranking.score, rtol=0, atol=1e-6)
        assert got.sources.equals(want.sources)
    assert att._samples is None
    assert want.ranking.prompt.str.len().gt(0).all() and set(want.ranking.source) <= {"src0", "src1", "src2"}


def test_string_sample_ids_are_reported_from_the_index(tmp_path, model):
    path = tmp_path / "ids.zarr"
    w = StoreWriter(str(path), "run", model=model_fingerprint(model), run_attrs={"layers": [1, 3], "hidden_size": D},
                    shard_rows=16, chunk_rows=8)
    ids = np.arange(40)
    w.put(CaptureRows(sample_id=[f"doc-{i}" for i in ids], source=["b", "a"] * 20, epoch=0, step=0,
                      loss=np.ones(40, np.float32), prompt_len=np.full(40, 1, np.int32),
                      token_ids=[np.array([2, 3], np.int32)] * 40, signatures=synthetic_rows(ids, epoch=0, d=D)))
    w.close()
    reader = open_store(str(path))
    build_topk_index(reader, 3, "rept_c", chunk_rows=16)
    att = Attributor(reader, model, tiny_tokenizer())
    test = queries(reader, copy_rows=(7,))
    got = att.query(test, signature="rept_c", layer=3, k=5, snippet_chars=0, backend="index").ranking
    want = att.query(test, signature="rept_c", layer=3, k=5, snippet_chars=0).ranking
    assert got.drop(columns="score").equals(want.drop(columns="score"))
    top = got[got["query"] == "q4"].iloc[0]  # the copy of row 7
    assert (top["row"], top["sample_id"], top["source"]) == (7, "doc-7", "a")


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
    scores, rows = index_top_k(store, 3, sig, sig.features(test.arrays[3])[4:5], 3, "all", stats=stats)
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
    # An index of the earlier (float16) format is refused with the command that rebuilds it.
    group = zarr.open_group(str(path), path="run/topk-index/layer-3/h_last-g_last.per_part", mode="r+")
    group.update_attributes({"topk_index": dict(group.attrs["topk_index"], format=1)})
    with pytest.raises(StoreMismatchError, match=r"has format 1, this version reads format 2.*provenance topk-index"):
        load_topk_index(open_store(str(path)), 3, VARIANTS["rept_norm"])
    build_topk_index(str(path), 3, "rept_norm")
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
