"""A tiny two-rank store with known float32 parts, for the scoring core's tests and its callers' (attribution,
behaviour)."""
import numpy as np

from provenance import open_store
from provenance.store import CaptureRows, StoreWriter

LAYER = 1
D = 5
PARTS = ("h_last", "g_last", "h_mean", "g_mean")
# (rank, epoch, sample ids) in write order: rank 0 holds rows 0..6, rank 1 rows 7..12. Sample 3 has one epoch only;
# epoch 1 visits the samples in another order than epoch 0.
VISITS = ((0, 0, [0, 1, 2, 3]), (0, 1, [2, 0, 1]), (1, 0, [4, 5, 6]), (1, 1, [6, 4, 5]))


def two_rank_store(path, seed: int = 0):
    """(store, {part: [13, D] float64 as stored, in global row order}, sample ids [13], epochs [13]).

    Random values (no two scores tie); ``g_*`` are ~1e-3 times ``h_*`` like real representation gradients."""
    rng = np.random.default_rng(seed)
    url = str(path / "scores.zarr")
    writers = [StoreWriter(url, "r", rank=r, world_size=2, model={"name": "t", "config_hash": "h"}, run_attrs={},
                           encoding="float32") for r in (0, 1)]
    per_rank = {0: {p: [] for p in PARTS}, 1: {p: [] for p in PARTS}}
    ids, epochs = {0: [], 1: []}, {0: [], 1: []}
    for rank, epoch, sample_ids in VISITS:
        n = len(sample_ids)
        parts = {p: (rng.normal(size=(n, D)) * (1e-3 if p.startswith("g") else 1.0) + (2.0 if p == "h_mean" else 0))
                 .astype(np.float32) for p in PARTS}
        writers[rank].put(CaptureRows(sample_id=list(sample_ids), source=[f"s{i % 2}" for i in sample_ids],
                                      epoch=epoch, step=epoch, loss=np.ones(n, np.float32),
                                      prompt_len=np.ones(n, np.int32), token_ids=[np.array([1, 2], np.int32)] * n,
                                      signatures={LAYER: parts}))
        for p in PARTS:
            per_rank[rank][p].append(parts[p])
        ids[rank] += sample_ids
        epochs[rank] += [epoch] * n
    for w in writers:
        w.close()
    arrays = {p: np.concatenate(per_rank[0][p] + per_rank[1][p]).astype(np.float64) for p in PARTS}
    return open_store(url), arrays, np.array(ids[0] + ids[1]), np.array(epochs[0] + epochs[1])
