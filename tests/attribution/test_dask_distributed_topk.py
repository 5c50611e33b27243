"""The query's dask path on a dask.distributed LocalCluster of worker processes with a memory limit: the top-k is
the local path's, no worker holds the store (its memory grows by a fraction of the store's decoded size), and the
task graph grows by one small task per block, not with the rows' data."""
from __future__ import annotations

import cloudpickle
import dask
import numpy as np
import pytest

from benchmarks.distributed_topk.distributed_topk import (
    BATCH_ROWS,
    cluster_top_k,
    local_top_k,
    queries,
    synthetic_parts,
    write_store,
)
from provenance.attribution.dask_topk import top_k_graph
from provenance.attribution.signatures import VARIANTS, iter_features
from provenance.attribution.topk import select_rows, top_k_rows
from provenance.store import open_store

pytest.importorskip("distributed")
pytest.importorskip("psutil")

ROWS, D, K = 400_000, 64, 50
SHARD_ROWS = 8192  # write_store's default: one dask block per shard


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("distributed") / "s.zarr"
    write_store(path, ROWS, D)
    return path


def test_synthetic_rows_are_stored_as_generated(store_path):
    store = open_store(str(store_path))
    assert len(store) == ROWS
    rows = [0, 8191, 8192, ROWS - 1]  # shard edges and the last (partial) shard
    last_batch = (ROWS - 1) // BATCH_ROWS * BATCH_ROWS  # rows are drawn per written batch
    for part, want in synthetic_parts(last_batch, ROWS - last_batch, D).items():
        got = store.array(1, part, rows=list(range(last_batch, ROWS)))
        np.testing.assert_allclose(got, want, rtol=2e-3, atol=np.abs(want).max() * 2e-3)  # float16-rowscale
    assert store.samples()["sample_id"].iloc[rows].tolist() == rows


@pytest.mark.slow
def test_cluster_top_k_equals_local_under_a_worker_memory_limit(store_path):
    q = queries(open_store(str(store_path)), 4)
    run = cluster_top_k(store_path, q, K, n_workers=2, memory_limit="1GiB", sample_s=0.05)
    ref_scores, ref_rows, _ = local_top_k(store_path, q, K, chunk_rows=10_000)
    np.testing.assert_array_equal(run.rows, ref_rows)
    np.testing.assert_allclose(run.scores, ref_scores, rtol=0, atol=1e-6)
    assert run.rows.shape == (4, K) and (np.diff(run.scores, axis=1) <= 0).all()
    assert run.restarts == 0 and len(run.rss_peak) == 2
    # Each worker's memory grew by less than half the decoded store (2 parts x d float32 per row): the
    # query streams shard-sized blocks, it never gathers the store.
    decoded = ROWS * 2 * D * 4
    growth = max(run.rss_peak[w] - run.rss_before[w] for w in run.rss_peak)
    assert growth < decoded / 2, (growth, decoded)
    assert max(run.rss_peak.values()) < run.memory_limit


def _task_bytes(graph) -> dict:
    """Pickled bytes of each task of a dask.delayed graph (what a scheduler ships to the workers)."""
    return {key: len(cloudpickle.dumps(task)) for key, task in dict(graph.__dask_graph__()).items()}


def test_top_k_graph_carries_the_queries_once_and_no_per_row_data(store_path):
    store = open_store(str(store_path))
    mask = select_rows(store.samples(), "all")  # samples() caches the token ends: 8 bytes per row, 3.2 MB here
    q = np.random.default_rng(0).standard_normal((64, 2 * D)).astype(np.float32)  # 32 KiB
    sizes = _task_bytes(top_k_graph(store, 1, VARIANTS["rept_norm"], q, K, mask))
    blocks = -(-ROWS // SHARD_ROWS)
    # No task holds more than the queries (the one key they live in): a graph that pickled the reader's cached
    # token ends with the store's arrays held 3.2 MB in one task (88 MB at 10M rows).
    assert max(sizes.values()) < q.nbytes + 1024, max(sizes.values())
    # Everything else is a few small tasks per block (read, decode, score, merge): the queries are not copied into
    # each block's task (that alone would be 49 x 32 KiB).
    assert sum(sizes.values()) - q.nbytes < blocks * 8192, (sum(sizes.values()), blocks)


def test_top_k_graph_skips_unselected_blocks_and_ranks_a_partial_selection_like_the_local_path(store_path):
    store = open_store(str(store_path))
    mask = np.zeros(ROWS, bool)
    mask[: 3 * SHARD_ROWS: 3] = True  # every third row of blocks 0-2
    mask[7 * SHARD_ROWS: 8 * SHARD_ROWS] = True  # all of block 7
    signature = VARIANTS["rept_norm"]
    q = queries(store, 4)
    graph = top_k_graph(store, 1, signature, q, K, mask)
    block_tasks = [key for key in dict(graph.__dask_graph__()) if str(key).startswith("_block_top_k")]
    assert len(block_tasks) == 4  # the 45 blocks with no selected row are neither scheduled nor read
    scores, rows = dask.compute(graph, scheduler="sync")[0].result()
    blocks = ((start, feats @ q.T) for start, feats in iter_features(store, 1, signature, 10_000))
    ref_scores, ref_rows = top_k_rows(blocks, len(q), K, mask)
    np.testing.assert_array_equal(rows, ref_rows)
    np.testing.assert_allclose(scores, ref_scores, rtol=0, atol=1e-6)
    assert mask[rows].all() and rows.shape == (4, K)
    assert top_k_graph(store, 1, signature, q, K, np.zeros(ROWS, bool)) is None
    with pytest.raises(ValueError, match=r"the row mask has shape \(10,\), the store has 400000 rows"):
        top_k_graph(store, 1, signature, q, K, np.ones(10, bool))
