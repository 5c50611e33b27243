"""The query's dask path on a dask.distributed LocalCluster of worker processes with a memory limit: the top-k is
the local path's, and no worker holds the store (its memory grows by a fraction of the store's decoded size)."""
from __future__ import annotations

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
from provenance.store import open_store

pytest.importorskip("distributed")
pytest.importorskip("psutil")

ROWS, D, K = 400_000, 64, 50


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
