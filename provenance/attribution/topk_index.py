"""Query index: a float16 copy of a signature's unit-norm features, scanned fast, then an exact re-score.

Why: the local path decodes every stored part of every row per query (for rept_norm at d=576: two float16
payloads of 1,152 B per row, blosc-zstd compressed, plus a float32 cast); at a million rows that is seconds. The
index stores, per (layer, signature), what the query actually multiplies: the features of `Signature.features`
(unit rows, the concatenation of the parts), as float16, uncompressed, in large row chunks, so a local store's
chunk files are memory-mapped and scored with one float16 matrix-vector product per chunk and query.

Exactness: float16 rounds each feature row; the index keeps ``error[r] = |f16(f_r) - f_r|`` per row. With a
unit-norm query q (rounded to float16 with error e_q) the indexed score of row r is within
``b_r = error[r] + e_q (1 + error[r]) + 2**-11`` of its exact cosine (the last term covers float16 rounding of a
score in [-1, 1] and float32 accumulation). Every row whose upper bound ``s_r + b_r`` reaches the k-th largest lower
bound ``s_r - b_r`` is a candidate; no other row can be in the top k. The candidates are re-scored exactly from the
stored arrays (`StoreReader.array` on those rows, `Signature.features`, the local path's functions), so the
result is the local path's top k: same rows, same order, scores equal up to float32 rounding of the matmul.

Layout (additive to schema version 1; see README "Store schema"):
``<run>/topk-index/layer-<l>/<parts joined by '-'>.<normalize>[.centered]/`` with ``features`` [N, W] float16
(uncompressed, ``chunk_rows``-row chunks), ``error`` [N] float32, for a centered signature ``mean-<part>`` [d]
float32 (the means it was built with: queries use them instead of a pass over the store), and attrs
``topk_index`` = {format, layer, parts, normalize, center, rows, width, chunk_rows, committed (rank -> rows at
build), encoding, projection}. Rows are the
store's global rows (ranks in rank order), as in `StoreReader.samples()`. An index whose committed counts differ
from the store's, or whose spot-checked rows do not match the stored ones, is refused: rebuild it.
"""
from __future__ import annotations

import logging
import warnings
import weakref
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import zarr
from zarr.codecs import BytesCodec

from provenance.attribution.signatures import VARIANTS, Signature, check_layer, get_signature, iter_features
from provenance.attribution.topk import RunningTopK, select_rows
from provenance.errors import StoreMismatchError, StoreNotFoundError
from provenance.store import StoreReader, open_store
from provenance.store.schema import layer_group, open_zarr_store

log = logging.getLogger(__name__)

INDEX_GROUP = "topk-index"
INDEX_ATTR = "topk_index"
INDEX_FORMAT = 1
DEFAULT_CHUNK_ROWS = 65536
# Float16 rounding of a score in [-1, 1] (half an ulp at 1 is 2**-12) plus float32 accumulation over <= 1e5 dims.
SCORE_SLACK = 2.0 ** -11


def index_key(signature: Signature) -> str:
    return f"{'-'.join(signature.parts)}.{signature.normalize}{'.centered' if signature.center else ''}"


def index_path(layer: int, signature: Signature) -> str:
    """Path of the index group under the run group."""
    return f"{INDEX_GROUP}/{layer_group(layer)}/{index_key(signature)}"


def _to_half(x: np.ndarray):
    """float32 -> float16 with torch (numpy's float16 cast is ~20x slower)."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(x, np.float32)).half()


# The library default (h_last_pc) projects per query, which a precomputed index cannot hold; rept_c is the best
# index-compatible variant on the attribution benchmark (benchmarks/attribution_results.md).
INDEX_DEFAULT_VARIANT = "rept_c"


def build_topk_index(store: StoreReader | str, layer: int | None = None, signature=None, *,
                     chunk_rows: int = DEFAULT_CHUNK_ROWS, storage_options: dict | None = None) -> str:
    """Write the query index of ``signature`` (default: INDEX_DEFAULT_VARIANT) at ``layer`` (default: the default
    layer) for every committed row; replaces an existing one. Returns the index group's path in the store."""
    from provenance.attribution.query import default_layer

    reader = open_store(store, storage_options=storage_options) if isinstance(store, str) else store
    sig = get_signature(INDEX_DEFAULT_VARIANT if signature is None else signature)
    layer = default_layer(reader) if layer is None else int(layer)
    check_layer(reader, layer, sig)
    sig = sig.bind(reader, layer)  # a centered signature: the means the local path uses, kept with the index
    if chunk_rows <= 0:
        raise ValueError(f"chunk_rows must be positive, got {chunk_rows}")
    n = len(reader)
    width = sum(reader._width(layer, p) for p in sig.parts)
    path = f"{reader.run}/{index_path(layer, sig)}"
    group = zarr.open_group(open_zarr_store(reader.url, storage_options), path=path, mode="w")
    feats = group.create_array("features", shape=(n, width), dtype="float16", chunks=(chunk_rows, width),
                               compressors=None, fill_value=0, dimension_names=("row", "dim"))
    error = group.create_array("error", shape=(n,), dtype="float32", chunks=(chunk_rows,), compressors=None,
                               fill_value=0, dimension_names=("row",))
    for p, m in (sig.means or {}).items():
        group.create_array(f"mean-{p}", shape=m.shape, dtype="float32", chunks=m.shape, fill_value=0)[...] = m
    # Write whole index chunks: blocks of iter_features never span ranks, so re-block them.
    buf_f, buf_e, filled, start = [], [], 0, 0
    for _, block in iter_features(reader, layer, sig, chunk_rows):
        x = _to_half(block)
        buf_f.append(x.numpy())
        buf_e.append((x.float() - _torch(block)).norm(dim=1).numpy())
        filled += len(block)
        while filled >= chunk_rows or (filled and start + filled == n):
            f, e = np.concatenate(buf_f), np.concatenate(buf_e)
            m = min(chunk_rows, filled)
            feats[start: start + m], error[start: start + m] = f[:m], e[:m]
            buf_f, buf_e, filled, start = [f[m:]], [e[m:]], filled - m, start + m
    group.update_attributes({INDEX_ATTR: {
        "format": INDEX_FORMAT, "layer": layer, "parts": list(sig.parts), "normalize": sig.normalize,
        "center": sig.center, "rows": n,
        "width": width, "chunk_rows": chunk_rows, "committed": {str(r): c for r, c in reader.committed.items()},
        "encoding": reader.encoding, "projection": reader.run_attrs.get("projection"),
    }})
    return path


def _torch(x: np.ndarray):
    import torch

    return torch.from_numpy(np.ascontiguousarray(x, np.float32))


@dataclass
class TopKIndex:
    """An opened query index; picklable (dask tasks reopen the arrays)."""

    zarr_store: object
    path: str
    rows: int
    width: int
    chunk_rows: int
    means: dict | None = None  # a centered signature's per-part means when the index was built

    def __post_init__(self):
        self._arrays = None

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_arrays"}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._arrays = None

    @property
    def n_blocks(self) -> int:
        return -(-self.rows // self.chunk_rows)

    def arrays(self):
        if self._arrays is None:
            group = zarr.open_group(self.zarr_store, path=self.path, mode="r")
            self._arrays = (group["features"], group["error"])
        return self._arrays

    def read_block(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(features [n, W] float16, error [n] float32) of index chunk ``i``; a local uncompressed chunk file is
        memory-mapped (no copy, no decode)."""
        feats, error = self.arrays()
        start, stop = i * self.chunk_rows, min((i + 1) * self.chunk_rows, self.rows)
        f = self._mapped(feats, i, stop - start)
        if f is None:
            f = feats[start:stop]
        return f, np.asarray(error[start:stop])

    def _mapped(self, arr, i: int, n: int):
        store = arr.store
        if not isinstance(store, zarr.storage.LocalStore):
            return None
        codecs = arr.metadata.codecs
        if len(codecs) != 1 or not isinstance(codecs[0], BytesCodec) or arr.shards is not None:
            return None
        file = Path(store.root) / arr.path / arr.metadata.encode_chunk_key((i, 0))
        if not file.exists():  # an all-fill chunk is never written
            return None
        # Copy-on-write mapping: writable for torch.from_numpy, never written back.
        return np.memmap(file, dtype="<f2", mode="c", shape=(self.chunk_rows, self.width))[:n]


def _spec(signature: Signature) -> str:
    """A `get_signature` spec naming ``signature`` (for the CLI hint)."""
    if signature.name in VARIANTS and VARIANTS[signature.name] == signature:
        return signature.name
    return f"{'+'.join(signature.parts)}:{signature.normalize}"


# Opened indexes per reader (a reader is a snapshot of committed counts; refresh() changes the key).
_OPENED: "weakref.WeakKeyDictionary[StoreReader, dict]" = weakref.WeakKeyDictionary()


def load_topk_index(store: StoreReader, layer: int, signature: Signature) -> TopKIndex:
    """The index of ``signature`` at ``layer``; clear errors when it is missing or stale. Checked once per reader
    snapshot, then cached."""
    key = (index_path(layer, signature), tuple(sorted(store.committed.items())))
    cache = _OPENED.setdefault(store, {})
    if key not in cache:
        cache[key] = _open_index(store, layer, signature)
    return cache[key]


def _open_index(store: StoreReader, layer: int, signature: Signature) -> TopKIndex:
    try:
        group = store._run_group[index_path(layer, signature)]
        meta = dict(group.attrs[INDEX_ATTR])
    except KeyError:
        raise StoreNotFoundError(
            f"no query index for {signature.label} at layer {layer} in run {store.run!r}: build it with "
            f"`provenance topk-index {store.url} --layer {layer} --signature {_spec(signature)}` "
            "or provenance.attribution.topk_index.build_topk_index(store, layer, signature)"
        ) from None
    committed = {str(r): c for r, c in store.committed.items()}
    if meta["committed"] != committed:
        raise StoreMismatchError(
            f"the query index at {index_path(layer, signature)} was built over committed rows {meta['committed']} "
            f"(rank: rows) but the store now holds {committed}: rebuild it with build_topk_index"
        )
    means = {p: np.asarray(group[f"mean-{p}"][...]) for p in signature.parts} if signature.center else None
    index = TopKIndex(store._store, f"{store.run}/{index_path(layer, signature)}", int(meta["rows"]),
                      int(meta["width"]), int(meta["chunk_rows"]), means)
    _spot_check(store, layer, replace(signature, means=means), index)
    return index


def bind_to_index(store: StoreReader, layer: int, signature: Signature) -> Signature:
    """``signature`` with the means its index was built with (centered signatures; others unchanged): what
    `Signature.bind` computes, without its pass over the store."""
    if not signature.center or signature.means is not None:
        return signature
    return replace(signature, means=load_topk_index(store, layer, signature).means)


def _spot_check(store: StoreReader, layer: int, signature: Signature, index: TopKIndex) -> None:
    """A run overwritten with as many rows has the same committed counts: compare three rows with the store."""
    rows = sorted({0, index.rows // 2, index.rows - 1})
    exact = signature.features({p: store.array(layer, p, rows=rows) for p in signature.parts})
    feats, error = index.arrays()
    got = np.asarray(feats.get_orthogonal_selection((rows, slice(None))), np.float32)
    off = np.linalg.norm(got - exact, axis=1)
    if (off > np.asarray(error.get_orthogonal_selection((rows,))) + 1e-5).any():
        raise StoreMismatchError(
            f"the query index at {index_path(layer, signature)} does not match the stored rows {rows} "
            f"(distance {off.round(4).tolist()}): the run was rewritten since it was built; rebuild it"
        )


# ---- scoring ---------------------------------------------------------------------------------------------

def block_candidates(index: TopKIndex, i: int, q: np.ndarray, mask: np.ndarray, k: int):
    """Scan index chunk ``i``: (candidate rows [c], upper bounds [c, Q], the block's k largest lower bounds [k', Q]).

    A row is a candidate when its upper bound reaches the block's k-th largest lower bound for some query: k rows
    of the block score at least that much, so no other row of the block can be in the top k."""
    import torch

    start = i * index.chunk_rows
    feats, error = index.read_block(i)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a read-only zarr block: torch only reads it
        x = torch.from_numpy(feats)
    qh = _to_half(q)
    e_q = (qh.float() - _torch(q)).norm(dim=1).numpy()
    # One float16 matrix-vector product per query (torch's half mv is memory-bound; half mm is not).
    approx = np.stack([torch.mv(x, qh[j]).float().numpy() for j in range(len(q))], axis=1)
    bound = error[:, None] + e_q[None, :] * (1.0 + error[:, None]) + SCORE_SLACK
    lo = np.where(mask[:, None], approx - bound, -np.inf)
    hi = np.where(mask[:, None], approx + bound, -np.inf)
    kk = min(k, int(mask.sum()))
    if kk == 0:
        return np.zeros(0, np.int64), np.zeros((0, len(q)), np.float32), np.zeros((0, len(q)), np.float32)
    lo_top = -np.partition(-lo, kk - 1, axis=0)[:kk]
    keep = (hi >= lo_top[kk - 1][None, :]).any(axis=1)
    return np.flatnonzero(keep) + start, hi[keep].astype(np.float32), lo_top.astype(np.float32)


def merge_candidates(parts, k: int) -> np.ndarray:
    """Rows that can be in some query's top k, from every block's `block_candidates`."""
    rows = np.concatenate([p[0] for p in parts])
    if len(rows) == 0:
        return rows
    hi = np.concatenate([p[1] for p in parts])
    lo = np.concatenate([p[2] for p in parts])
    kk = min(k, len(lo))
    threshold = -np.partition(-lo, kk - 1, axis=0)[kk - 1]  # the k-th largest lower bound per query
    return rows[(hi >= threshold[None, :]).any(axis=1)]


def rescore(store: StoreReader, layer: int, signature: Signature, q: np.ndarray, rows: np.ndarray, k: int):
    """Exact top-k among ``rows`` (which hold every query's top k): the local path's features and scores."""
    rows = np.sort(rows)
    top = RunningTopK(len(q), k)
    if len(rows):
        feats = signature.features({p: store.array(layer, p, rows=rows) for p in signature.parts})
        top.update(rows, feats @ q.T)
    return top.result()


def index_top_k(store: StoreReader, layer: int, signature: Signature, q: np.ndarray, k: int, epochs,
                samples: pd.DataFrame, *, use_dask: bool = False, client=None,
                stats: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(scores [Q, k'], rows [Q, k']) best first, equal to the local path's; the scan runs locally or as one
    dask task per index chunk (``use_dask``, on ``client`` or the current scheduler). ``stats`` (a dict) receives
    the number of re-scored candidates and of indexed rows."""
    if epochs == "mean":
        raise ValueError("epochs='mean' is not supported by the index backends; use backend='local' or 'dask'")
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")
    q = np.asarray(q, np.float32)
    mask = select_rows(samples, epochs)
    index = load_topk_index(store, layer, signature)
    if signature.center and signature.means is None:
        signature = replace(signature, means=index.means)
    masks = [mask[i * index.chunk_rows: (i + 1) * index.chunk_rows] for i in range(index.n_blocks)]
    if use_dask:
        import dask

        from provenance.attribution.dask_topk import compute

        tasks = [dask.delayed(block_candidates)(index, i, q, masks[i], k) for i in range(index.n_blocks)]
        parts = compute(tasks, client)
    else:
        parts = [block_candidates(index, i, q, masks[i], k) for i in range(index.n_blocks)]
    candidates = merge_candidates(parts, k)
    log.debug("query index: %d candidates for top-%d of %d rows", len(candidates), k, index.rows)
    if stats is not None:
        stats.update(candidates=int(len(candidates)), rows=index.rows)
    return rescore(store, layer, signature, q, candidates, k)
