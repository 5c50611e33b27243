"""Top-k of signature cosines with dask: the local path's ranking, computed over dask.array views of the store.

The parts of a signature are `StoreReader.to_dask` arrays: lazy views of the Zarr payload (and per-row scale)
arrays, decoded block by block with the store's own `decode`, so every encoding (float16-rowscale, bfloat16,
float32, int8) reads exactly as in the local path. Each block of rows is one task: build the unit-norm features
with `Signature.features` (the local path's function), score them against the queries and keep the block's top k
in a `RunningTopK`; the blocks' top-k lists are merged in a tree. `RunningTopK` orders by (-score, row), so the
merge order cannot change the result: it is the local path's ranking.

``epochs="mean"`` needs every row's score per sample: there the scores [rows, queries] (4 bytes per row and query)
are gathered and aggregated with the local path's `top_k_mean_over_epochs`.

Runs on dask's default scheduler (threads), or on a dask.distributed cluster: pass ``client=`` or create a Client
beforehand (dask then uses the current one).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from provenance.attribution.signatures import Signature
from provenance.attribution.topk import RunningTopK, select_rows, top_k_mean_over_epochs

# Blocks' top-k lists merged per task: a tree of depth log_8(blocks).
MERGE_FAN_IN = 8


def part_arrays(store, layer: int, signature: Signature) -> list:
    """The signature's stored parts as dask arrays [N, d] with identical row chunks (one chunk per shard)."""
    arrays = [store.to_dask(layer, p) for p in signature.parts]
    return [arrays[0]] + [a.rechunk({0: arrays[0].chunks[0]}) for a in arrays[1:]]


def score_array(store, layer: int, signature: Signature, q: np.ndarray):
    """Lazy dask array [N, Q] of cosines against unit-norm queries ``q`` [Q, W]."""
    import dask.array as da  # dask is optional (the analysis extra): imported only by the dask backends

    arrays = part_arrays(store, layer, signature)
    args = []
    for n, a in enumerate(arrays):
        args += [a, ("row", f"dim{n}")]  # parts may differ in width: one dimension index each
    return da.blockwise(_block_scores, ("row", "query"), *args, signature=signature, q=np.asarray(q, np.float32),
                        new_axes={"query": len(q)}, concatenate=True, dtype=np.float32)


def _block_scores(*blocks, signature: Signature, q: np.ndarray) -> np.ndarray:
    return signature.features(dict(zip(signature.parts, blocks))) @ q.T


def _block_top_k(signature: Signature, q: np.ndarray, k: int, start: int, packed_mask: np.ndarray | None,
                 *blocks) -> RunningTopK:
    """The top k of one block of rows; ``packed_mask``: the selected rows as `np.packbits` bits, None: all."""
    top = RunningTopK(len(q), k)
    scores = _block_scores(*blocks, signature=signature, q=q)
    rows = np.arange(start, start + len(scores))
    if packed_mask is None:
        top.update(rows, scores)
    else:
        mask = np.unpackbits(packed_mask, count=len(scores)).astype(bool)
        top.update(rows[mask], scores[mask])
    return top


def _merge(k: int, *tops: RunningTopK) -> RunningTopK:
    out = RunningTopK(tops[0].scores.shape[0], k)
    for t in tops:
        out.merge(t)
    return out


def compute(obj, client=None):
    """Compute a dask collection on ``client`` when given, else on dask's current scheduler (a Client if one
    is active)."""
    if client is not None:
        return client.compute(obj, sync=True)
    import dask  # optional (the analysis extra)

    return dask.compute(obj)[0]


def top_k_graph(store, layer: int, signature: Signature, q: np.ndarray, k: int, mask: np.ndarray):
    """The lazy top-k over the rows selected by ``mask``: a `dask.delayed` `RunningTopK`, or None when no row
    is selected.

    The graph's size does not grow with the row count beyond one small task per block: the queries and the
    signature are one key each (sent to a worker once, not copied into every block's task), a block's row
    selection travels as None (every row) or as packed bits (1 bit per row), and blocks with no selected row get
    no task, so they are never read.

    Args:
        store: The `StoreReader`.
        layer: The signature's layer.
        signature: The bound signature.
        q: Unit-norm query features [Q, W] float32.
        k: Rows kept per query.
        mask: Selected rows [N] bool (`select_rows`).

    Raises:
        ValueError: ``mask`` does not have one entry per stored row.
    """
    import dask  # optional (the analysis extra)

    if mask.shape != (len(store),):
        raise ValueError(f"the row mask has shape {mask.shape}, the store has {len(store)} rows: "
                         f"build it from this store's samples table (select_rows(store.samples(), epochs))")
    arrays = part_arrays(store, layer, signature)
    blocks = [a.to_delayed().ravel() for a in arrays]
    bounds = np.cumsum((0,) + arrays[0].chunks[0])
    shared_signature = dask.delayed(signature, traverse=False)
    shared_q = dask.delayed(q, traverse=False)
    tops = []
    for i in range(len(bounds) - 1):
        selected = mask[bounds[i]: bounds[i + 1]]
        if not selected.any():
            continue
        packed = None if selected.all() else np.packbits(selected)
        tops.append(dask.delayed(_block_top_k)(shared_signature, shared_q, k, int(bounds[i]), packed,
                                               *(b[i] for b in blocks)))
    if not tops:
        return None
    while len(tops) > 1:
        tops = [dask.delayed(_merge)(k, *tops[i: i + MERGE_FAN_IN]) for i in range(0, len(tops), MERGE_FAN_IN)]
    return tops[0]


def dask_top_k(store, layer: int, signature: Signature, q: np.ndarray, k: int, epochs, samples: pd.DataFrame,
               *, client=None) -> tuple[np.ndarray, np.ndarray]:
    """(scores [Q, k'], rows [Q, k']) best first: the same as the local path's `top_k_rows` /
    `top_k_mean_over_epochs` over `iter_features`."""
    signature = signature.bind(store, layer) if signature.center and signature.means is None else signature
    q = np.asarray(q, np.float32)
    if epochs == "mean":
        scores = compute(score_array(store, layer, signature, q), client)
        return top_k_mean_over_epochs([(0, scores)], len(q), k, samples)
    graph = top_k_graph(store, layer, signature, q, k, select_rows(samples, epochs))
    if graph is None:
        return np.zeros((len(q), 0), np.float32), np.zeros((len(q), 0), np.int64)
    top: RunningTopK = compute(graph, client)
    return top.result()
