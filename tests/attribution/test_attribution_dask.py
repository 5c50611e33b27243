"""The dask path (dask.array over the store's Zarr arrays) ranks exactly like the local streaming path."""
from __future__ import annotations

import numpy as np
import pytest

from attribution_helpers import PARTS, write_synthetic
from provenance.attribution import Attributor, SignatureMethod, TestCase, TestSignatures
from provenance.attribution.dask_topk import dask_top_k, part_arrays
from provenance.attribution.signatures import VARIANTS
from provenance.models import tiny_causal_lm, tiny_tokenizer
from provenance.store import open_store

N, EPOCHS, D, K = 60, 2, 12, 25


@pytest.fixture(scope="module")
def model():
    return tiny_causal_lm("llama", seed=0)


@pytest.fixture(scope="module")
def store(tmp_path_factory, model):
    # The default encoding, two ranks (blocks never span ranks), 32-row shards: several dask blocks per rank.
    path = tmp_path_factory.mktemp("dask") / "s.zarr"
    write_synthetic(path, model, n=N, epochs=EPOCHS, ranks=2, d=D, encoding="float16-rowscale")
    return open_store(str(path))


@pytest.fixture(scope="module")
def att(store, model):
    return Attributor(store, model, tiny_tokenizer())


def queries(store, copy_rows=(0, 45, 77)) -> TestSignatures:
    """4 random test signatures at layers 1 and 3 and exact copies of stored rows ``copy_rows``."""
    rng = np.random.default_rng(11)
    arrays = {}
    for layer in (1, 3):
        arrays[layer] = {}
        for part in PARTS:
            rand = rng.standard_normal((4, D)).astype(np.float32) * (1e3 if part[0] == "h" else 1e-6)
            arrays[layer][part] = np.concatenate([rand, store.array(layer, part, rows=list(copy_rows))])
    n = 4 + len(copy_rows)
    return TestSignatures(cases=[TestCase("p", "r")] * n, arrays=arrays, input_ids=[np.zeros(1, np.int32)] * n,
                          prompt_len=np.zeros(n, np.int32), loss=np.zeros(n, np.float32))


def test_dask_arrays_are_chunked_per_shard_and_decode_like_the_reader(store):
    arrays = part_arrays(store, 3, VARIANTS["rept_norm"])
    # 2 ranks x 60 rows (30 samples x 2 epochs) in 32-row shards: 32 + 28 rows per rank.
    assert arrays[0].chunks[0] == (32, 28, 32, 28) == arrays[1].chunks[0]
    np.testing.assert_array_equal(arrays[1].compute(), store.array(3, "g_last"))


@pytest.mark.parametrize("name", ["rept_c", "rept_norm", "rept", "mean_concat", "h_fused_c"])
@pytest.mark.parametrize("epochs", ["last", "all", 0, "mean"])
def test_dask_top_k_equals_local(att, store, name, epochs):
    test = queries(store)
    local = SignatureMethod(name, 3, epochs, chunk_rows=13).top_k(att, test, K)
    dask = SignatureMethod(name, 3, epochs, backend="dask").top_k(att, test, K)
    np.testing.assert_array_equal(dask[1], local[1])
    np.testing.assert_allclose(dask[0], local[0], rtol=0, atol=1e-6)
    assert dask[1].shape == (len(test), K)
    # The exact copies of stored rows 0, 45, 77 (queries 4..6) find their row first with cosine 1, where selected
    # (epochs="mean" averages the copy's cosine 1 with the other epoch's: the local path is the reference there).
    df = store.samples()
    for j, row in enumerate((0, 45, 77)):
        if epochs == "all" or (epochs != "mean" and df.epoch[row] == (EPOCHS - 1 if epochs == "last" else epochs)):
            assert dask[0][4 + j, 0] == pytest.approx(1.0, abs=1e-6)
            assert dask[1][4 + j, 0] == row


@pytest.mark.parametrize("encoding", ["float32", "bfloat16", "int8"])
def test_dask_respects_every_encoding(tmp_path, model, encoding):
    path = tmp_path / f"{encoding}.zarr"
    write_synthetic(path, model, n=40, epochs=1, ranks=1, d=D, encoding=encoding)
    a = Attributor(open_store(str(path)), model, tiny_tokenizer())
    test = queries(a.store, copy_rows=(3, 17, 33))  # not 10th rows: those tie their predecessor
    local = SignatureMethod("all_norm", 1, "all").top_k(a, test, 10)
    dask = SignatureMethod("all_norm", 1, "all", backend="dask").top_k(a, test, 10)
    np.testing.assert_array_equal(dask[1], local[1])
    np.testing.assert_allclose(dask[0], local[0], rtol=0, atol=1e-6)
    np.testing.assert_array_equal(dask[1][4:, 0], [3, 17, 33])


def test_dask_on_a_distributed_local_cluster(att, store):
    from distributed import Client, get_task_stream

    test = queries(store)
    local = SignatureMethod("rept_norm", 3, "last").top_k(att, test, K)
    with Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as client:
        with get_task_stream(client) as ts:
            explicit = SignatureMethod("rept_norm", 3, "last", backend="dask", client=client).top_k(att, test, K)
        # 4 shards: 4 block tasks and 1 merge ran on the cluster's worker (plus the shard reads).
        names = [t["key"][0] if isinstance(t["key"], tuple) else t["key"] for t in ts.data]
        assert sum(str(n).startswith("_block_top_k") for n in names) == 4
        assert sum(str(n).startswith("_merge") for n in names) == 1
        # No client passed: dask uses the current one.
        res = att.query(test, signature="rept_norm", layer=3, epochs="last", k=K, snippet_chars=0, backend="dask")
        mean = dask_top_k(store, 3, VARIANTS["rept_norm"], VARIANTS["rept_norm"].features(test.arrays[3]), K, "mean",
                          att.samples)
    np.testing.assert_array_equal(explicit[1], local[1])
    np.testing.assert_allclose(explicit[0], local[0], rtol=0, atol=1e-6)
    np.testing.assert_array_equal(res.rows, local[1])
    local_mean = SignatureMethod("rept_norm", 3, "mean").top_k(att, test, K)
    np.testing.assert_array_equal(mean[1], local_mean[1])


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match=r"backend must be one of \('local', 'dask', 'index', 'dask-index'\)"):
        SignatureMethod("rept_norm", backend="spark")
