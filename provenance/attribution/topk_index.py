"""Query index: an int8 copy of a signature's unit-norm features, scanned fast, then an exact re-score.

Why: the local path decodes every stored part of every row per query (for rept_c at d=576: two float16 payloads
of 1,152 B per row, blosc-zstd compressed, plus a float32 cast); at a million rows that is seconds. The index
stores, per (layer, signature), what a query needs, uncompressed, in large row chunks that a local store
memory-maps:

- ``codes`` [N, W] int8 and ``scale`` [N] float32: row r's features (`Signature.features`, unit rows) are
  ``f_r ~ scale[r] * codes[r]`` (per-row scale max|f_r| / 127), 1 B per value:
  half of float16's bytes, so a cold scan reads half as much from disk;
- ``error`` [N] float32: ``|scale[r] * codes[r] - f_r|`` (rounded up);
- ``payload-<part>`` [N, d] (and ``payload-<part>_scale`` [N] for scaled encodings): the stored rows of each part,
  bit for bit in the store's encoding, so the re-score of a few hundred candidates decodes them from flat files
  instead of one compressed 256-row store chunk per candidate and part (``row_copy=False`` leaves them out: the
  re-score then reads the store);
- ``epoch``, ``sample_id``, ``source`` (codes into ``source_names``), ``prompt_len`` [N]: what a query selects rows
  by and reports, so an index query never loads the store's samples table (its 1-D columns are stored in 256-row
  chunks: about a second per column at 10^6 rows);
- ``mean-<part>`` [d] float32 for a centered signature: the means it was built with (no pass over the store).

Scan and exactness: a unit query q (float32) is written as two int8 levels, ``q~ = s1 a1 + s2 a2`` (residual
``e_q = |q - q~|``, ~1e-6). One exact int32 matrix product per chunk (``torch._int_mm``) gives
``approx_r = scale[r] (s1 codes_r.a1 + s2 codes_r.a2) = f^_r . q~`` (combined in float64), and
``|approx_r - f_r . q| <= error[r] |q| + |f^_r| e_q`` with ``|f^_r| <= 1 + error[r]``. The local path's float32
cosine adds at most ``W 2**-24 |q|`` of rounding (any summation order); `score_slack` covers it twice over plus the
unit norms' float32 rounding.
Every row whose upper bound reaches the k-th largest lower bound is a candidate; no other row can be in the top
k. The candidates are re-scored with the local path's functions (`decode` of the stored bits, `Signature.features`,
a float32 product), so the result is the local path's top k: same rows, same order, scores equal up to float32
rounding of the product.

Layout (additive to schema version 1; see README "Store schema"):
``<run>/topk-index/layer-<l>/<parts joined by '-'>.<normalize>[.centered]/`` holding the arrays above, and attrs
``topk_index`` = {format, layer, parts, normalize, center, rows, width, chunk_rows, committed (rank -> rows at
build), encoding, projection, row_copy}. Rows are the store's global rows (ranks in rank order), as in
`StoreReader.samples()`. An index of another format, or whose committed counts differ from the store's, or whose
spot-checked rows do not match the stored ones, is refused: rebuild it.
"""
from __future__ import annotations

import logging
import mmap
import os
import warnings
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import zarr
from zarr.codecs import BytesCodec

from provenance.attribution.dask_topk import compute
from provenance.attribution.signatures import (
    VARIANTS,
    Signature,
    check_layer,
    cosine_spread,
    default_layer,
    get_signature,
)
from provenance.attribution.topk import RunningTopK, select_rows
from provenance.errors import StoreMismatchError, StoreNotFoundError
from provenance.store import StoreReader, decode, open_store
from provenance.store.encoding import get_encoding
from provenance.store.schema import layer_group, open_zarr_store, scale_path, signature_path

log = logging.getLogger(__name__)

INDEX_GROUP = "topk-index"
INDEX_ATTR = "topk_index"
INDEX_FORMAT = 2
DEFAULT_CHUNK_ROWS = 65536
# A query faults index chunks in with this many threads, READ_PIECE bytes each (measured on this VM's disk, cold:
# 0.9 GB/s with one sequential reader, 2.0 GB/s with eight).
READ_THREADS = 8
READ_PIECE = 16 << 20
# int32 accumulation of 127 * 127 products must not overflow: 2**31 / 127**2.
MAX_WIDTH = 133_000
# The reported row columns the index keeps (global rows, like StoreReader.samples()).
ROW_COLUMNS = ("sample_id", "source", "epoch", "prompt_len")


def score_slack(width: int) -> float:
    """Bound on what the score bound leaves out: the local path's float32 rounding of a cosine over ``width``
    dims (at most ``width * 2**-24``, doubled) and the unit norms' float32 rounding."""
    return 2.0 ** -20 + width * 2.0 ** -23


def index_key(signature: Signature) -> str:
    return f"{'-'.join(signature.parts)}.{signature.normalize}{'.centered' if signature.center else ''}"


def index_path(layer: int, signature: Signature) -> str:
    """Path of the index group under the run group."""
    return f"{INDEX_GROUP}/{layer_group(layer)}/{index_key(signature)}"


# The library default (h_fused_k1) projects per query, which a precomputed index cannot hold; h_last_c is the best
# index-compatible variant on the attribution benchmark (benchmarks/attribution/README.md).
INDEX_DEFAULT_VARIANT = "h_last_c"


# ---- build -----------------------------------------------------------------------------------------------

def quantize_rows(f: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(codes [n, W] int8 in [-127, 127], scale [n] float32 = max|f_r| / 127, error [n] float32 >=
    |scale * codes - f|) of float32 rows ``f``. (Clipping a row's largest values never pays here: the error that
    bounds a score is a norm over the row, where one clipped value costs more than finer steps for all others.)"""
    f = np.asarray(f, np.float32)
    amax = np.abs(f).max(axis=1) if f.shape[1] else np.zeros(len(f), np.float32)
    scale = np.where(amax > 0, amax / np.float32(127), 1).astype(np.float32)
    codes = np.clip(np.rint(f / scale[:, None]), -127, 127).astype(np.int8)
    # The bound needs the exact error: float64 products of float32 scales and small integers are exact.
    exact = np.linalg.norm(codes * scale.astype(np.float64)[:, None] - f.astype(np.float64), axis=1)
    error = exact.astype(np.float32)
    return codes, scale, np.where(error < exact, np.nextafter(error, np.float32(np.inf)), error).astype(np.float32)


def build_topk_index(store: StoreReader | str, layer: int | None = None, signature=None, *,
                     chunk_rows: int = DEFAULT_CHUNK_ROWS, row_copy: bool = True,
                     storage_options: dict | None = None) -> str:
    """Write the query index of ``signature`` (default: INDEX_DEFAULT_VARIANT) at ``layer`` (default: the default
    layer) for every committed row; replaces an existing one. ``row_copy``: also keep the stored rows of the
    signature's parts (the store's bits, about the size of those parts in the store) for a fast re-score; without
    it the re-score reads the store. Returns the index group's path in the store."""
    reader = open_store(store, storage_options=storage_options) if isinstance(store, str) else store
    sig = get_signature(INDEX_DEFAULT_VARIANT if signature is None else signature)
    layer = default_layer(reader) if layer is None else int(layer)
    check_layer(reader, layer, sig)
    sig = sig.bind(reader, layer)  # a centered signature: the means the local path uses, kept with the index
    if chunk_rows <= 0:
        raise ValueError(f"chunk_rows must be positive, got {chunk_rows}")
    n = len(reader)
    width = sum(reader._width(layer, p) for p in sig.parts)
    if width > MAX_WIDTH:
        raise ValueError(f"signature {sig.label} is {width} wide; the int8 index holds at most {MAX_WIDTH} dims")
    path = f"{reader.run}/{index_path(layer, sig)}"
    group = zarr.open_group(open_zarr_store(reader.url, storage_options), path=path, mode="w")

    def flat(name, shape, dtype, fill=0):  # uncompressed, unsharded: one memory-mappable file per chunk
        return group.create_array(name, shape=shape, dtype=dtype, chunks=(chunk_rows,) + tuple(shape[1:]),
                                  compressors=None, fill_value=fill)

    codes = flat("codes", (n, width), "int8")
    scale, error = flat("scale", (n,), "float32"), flat("error", (n,), "float32")
    for p, m in (sig.means or {}).items():
        group.create_array(f"mean-{p}", shape=m.shape, dtype=m.dtype, chunks=m.shape, fill_value=0)[...] = m
    enc = get_encoding(reader.encoding)
    copies = {}
    if row_copy:
        for p in sig.parts:
            dtype = _rank_arrays(reader, layer, p)[0][1].dtype
            copies[p] = (flat(f"payload-{p}", (n, reader._width(layer, p)), dtype),
                         flat(f"payload-{p}_scale", (n,), "float32") if enc.has_scale else None)
    _write_row_columns(group, reader.samples(), chunk_rows)
    for start in range(0, n, chunk_rows):
        stop = min(start + chunk_rows, n)
        raw = {p: _stored_rows(reader, layer, p, start, stop) for p in sig.parts}
        f = sig.features({p: decode(pay, sc, enc.name) for p, (pay, sc) in raw.items()})
        codes[start:stop], scale[start:stop], error[start:stop] = quantize_rows(f)
        for p, (pay_arr, sc_arr) in copies.items():
            pay_arr[start:stop] = raw[p][0]
            if sc_arr is not None:
                sc_arr[start:stop] = raw[p][1]
    group.update_attributes({INDEX_ATTR: {
        "format": INDEX_FORMAT, "layer": layer, "parts": list(sig.parts), "normalize": sig.normalize,
        "center": sig.center, "rows": n, "width": width, "chunk_rows": chunk_rows,
        "committed": {str(r): c for r, c in reader.committed.items()}, "encoding": reader.encoding,
        "projection": reader.run_attrs.get("projection"), "row_copy": bool(row_copy),
    }})
    return path


def _rank_arrays(reader: StoreReader, layer: int, part: str) -> list:
    """(global start row, payload array, scale array or None, committed rows) of each rank with rows."""
    has_scale = get_encoding(reader.encoding).has_scale
    out = []
    for i, rk in enumerate(reader._ranks):
        if rk.committed:
            out.append((int(reader._offsets[i]), rk.array(signature_path(layer, part)),
                        rk.array(scale_path(layer, part)) if has_scale else None, rk.committed))
    return out


def _stored_rows(reader: StoreReader, layer: int, part: str, start: int, stop: int):
    """(payload, scale or None) of global rows [start, stop) as stored, across ranks."""
    pays, scs = [], []
    for first, pay, sc, committed in _rank_arrays(reader, layer, part):
        lo, hi = max(start, first), min(stop, first + committed)
        if lo < hi:
            pays.append(pay[lo - first: hi - first])
            scs.append(sc[lo - first: hi - first] if sc is not None else None)
    return np.concatenate(pays), (np.concatenate(scs) if scs[0] is not None else None)


def _write_row_columns(group, samples: pd.DataFrame, chunk_rows: int) -> None:
    n = len(samples)
    for name in ("epoch", "prompt_len"):
        group.create_array(name, shape=(n,), dtype="int32", chunks=(chunk_rows,), compressors=None,
                           fill_value=0)[...] = samples[name].to_numpy(np.int32)
    ids = samples["sample_id"]
    if not pd.api.types.is_integer_dtype(ids):  # string ids
        group.create_array("sample_id", shape=(n,), dtype=str, chunks=(chunk_rows,), fill_value="")[...] = \
            ids.astype(str).to_numpy(dtype=object)
    else:
        group.create_array("sample_id", shape=(n,), dtype="int64", chunks=(chunk_rows,), compressors=None,
                           fill_value=0)[...] = ids.to_numpy(np.int64)
    codes, names = pd.factorize(samples["source"], sort=True)
    group.create_array("source", shape=(n,), dtype="int32", chunks=(chunk_rows,), compressors=None,
                       fill_value=0)[...] = codes.astype(np.int32)
    group.create_array("source_names", shape=(len(names),), dtype=str, chunks=(max(len(names), 1),),
                       fill_value="")[...] = np.asarray(names, dtype=object)


# ---- the opened index ------------------------------------------------------------------------------------

@dataclass
class TopKIndex:
    """An opened query index; picklable (dask tasks reopen the arrays)."""

    zarr_store: object
    path: str
    rows: int
    width: int
    chunk_rows: int
    parts: tuple
    encoding: str
    row_copy: bool
    means: dict | None = None  # a centered signature's per-part means when the index was built

    def __post_init__(self):
        self._group = None
        self._epochs = None

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("_group", "_epochs")}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._group, self._epochs = None, None

    @property
    def n_blocks(self) -> int:
        return -(-self.rows // self.chunk_rows)

    def array(self, name: str):
        if self._group is None:
            self._group = zarr.open_group(self.zarr_store, path=self.path, mode="r")
        return self._group[name]

    def read_block(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(codes [n, W] int8, scale [n] float32, error [n] float32) of index chunk ``i``; a local uncompressed
        chunk file is memory-mapped (no copy, no decode)."""
        start, stop = i * self.chunk_rows, min((i + 1) * self.chunk_rows, self.rows)
        return tuple(_block(self.array(name), i, start, stop) for name in ("codes", "scale", "error"))

    def read_block_ahead(self, pool, i: int):
        """Start reading index chunk ``i`` from the disk on ``pool`` (a thread pool): threads touch one byte per page
        of the memory-mapped codes, piece by piece, so the page faults (and the kernel's readahead) run
        concurrently (one sequential reader gets about half of this disk's cold throughput) and nothing is copied.
        Returns a callable that waits for them and gives `read_block`'s tuple."""
        block = self.read_block(i)
        if not isinstance(block[0], np.memmap):  # read through zarr: already in memory
            return lambda: block
        flat = block[0].reshape(-1)
        touches = [pool.submit(_touch_pages, flat[a: a + READ_PIECE]) for a in range(0, len(flat), READ_PIECE)]

        def result():
            for t in touches:
                t.result()
            return block

        return result

    def epochs(self) -> np.ndarray:
        """Each row's epoch [N] (what `select_rows` selects by)."""
        if self._epochs is None:
            self._epochs = np.asarray(self.array("epoch")[...])
        return self._epochs

    def row_table(self, rows) -> pd.DataFrame:
        """sample_id, source, epoch, prompt_len of global ``rows`` (index = row, each row once)."""
        rows = np.unique(np.asarray(rows, np.int64).reshape(-1))
        names = np.asarray(self.array("source_names")[...], dtype=object)
        arrays = [self.array(name) for name in ROW_COLUMNS]
        _prefetch_rows(arrays, rows, self.chunk_rows)
        cols = {name: _take_rows(a, rows, self.chunk_rows) for name, a in zip(ROW_COLUMNS, arrays)}
        if cols["sample_id"].dtype.kind == "T":
            cols["sample_id"] = cols["sample_id"].astype(object)
        cols["source"] = names[cols["source"]] if len(rows) else np.zeros(0, object)
        return pd.DataFrame(cols, index=pd.Index(rows, name="row"))[list(ROW_COLUMNS)]

    def stored_rows(self, parts, rows: np.ndarray) -> dict[str, np.ndarray]:
        """{part: decoded float32 rows} from the index's copy of the stored bits (sorted unique ``rows``); every
        page is requested from the disk before the first is read."""
        names = [f"payload-{p}{sfx}" for p in parts
                 for sfx in (("", "_scale") if get_encoding(self.encoding).has_scale else ("",))]
        _prefetch_rows([self.array(n) for n in names], rows, self.chunk_rows)
        out = {}
        for p in parts:
            pay = _take_rows(self.array(f"payload-{p}"), rows, self.chunk_rows)
            sc = _take_rows(self.array(f"payload-{p}_scale"), rows, self.chunk_rows) \
                if get_encoding(self.encoding).has_scale else None
            out[p] = decode(pay, sc, self.encoding)
        return out


def _chunk_file(arr, i: int) -> Path | None:
    """The file of chunk ``i`` (along rows) of an uncompressed, unsharded array in a local store, if written."""
    if not isinstance(arr.store, zarr.storage.LocalStore) or arr.shards is not None:
        return None
    codecs = arr.metadata.codecs
    if len(codecs) != 1 or not isinstance(codecs[0], BytesCodec) or arr.dtype.kind not in "iuf":
        return None
    file = Path(arr.store.root) / arr.path / arr.metadata.encode_chunk_key((i,) + (0,) * (arr.ndim - 1))
    return file if file.exists() else None  # an all-fill chunk is never written


def _mapped_chunk(arr, i: int, random: bool = False):
    """The whole chunk ``i`` memory-mapped (copy-on-write: writable for torch, never written back), or None."""
    file = _chunk_file(arr, i)
    if file is None:
        return None
    m = np.memmap(file, dtype=arr.dtype.newbyteorder("<"), mode="c", shape=arr.chunks)
    if random:  # a few rows: no read-around of neighbouring pages
        m._mmap.madvise(mmap.MADV_RANDOM)
    return m


def _touch_pages(x: np.ndarray) -> int:
    """Read one byte of every page of ``x`` (a memory map): numpy releases the GIL, so threads fault in parallel."""
    return int(np.add.reduce(x[:: mmap.PAGESIZE], dtype=np.int64))


def _block(arr, i: int, start: int, stop: int) -> np.ndarray:
    m = _mapped_chunk(arr, i)
    return m[: stop - start] if m is not None else np.asarray(arr[start:stop])


def _prefetch_rows(arrays, rows: np.ndarray, chunk_rows: int) -> None:
    """Ask the kernel for the bytes of ``rows`` of each array (local uncompressed chunks) all at once: the reads
    then overlap instead of one page fault waiting after another."""
    which = rows // chunk_rows
    for arr in arrays:
        row_bytes = arr.dtype.itemsize * int(np.prod(arr.shape[1:], dtype=np.int64))
        for i in np.unique(which):
            file = _chunk_file(arr, int(i))
            if file is None:
                continue
            fd = os.open(file, os.O_RDONLY)
            try:
                for r in rows[which == i] - i * chunk_rows:
                    os.posix_fadvise(fd, int(r) * row_bytes, row_bytes, os.POSIX_FADV_WILLNEED)
            finally:
                os.close(fd)


def _take_rows(arr, rows: np.ndarray, chunk_rows: int) -> np.ndarray:
    """``arr[rows]`` for sorted unique rows, touching only their pages of memory-mapped chunks."""
    out = np.empty((len(rows),) + arr.shape[1:], arr.dtype)
    which = rows // chunk_rows
    for i in np.unique(which):
        sel = which == i
        m = _mapped_chunk(arr, int(i), random=True)
        if m is not None:
            out[sel] = m[rows[sel] - i * chunk_rows]
        else:  # string ids, or a remote store
            out[sel] = arr.get_orthogonal_selection((rows[sel],) + (slice(None),) * (arr.ndim - 1))
    return out


def _spec(signature: Signature) -> str:
    """A `get_signature` spec naming ``signature`` (for the CLI hint)."""
    if signature.name in VARIANTS and VARIANTS[signature.name] == signature:
        return signature.name
    return f"{'+'.join(signature.parts)}:{signature.normalize}"


# Opened indexes per reader (a reader is a snapshot of committed counts; refresh() changes the key).
_OPENED: weakref.WeakKeyDictionary[StoreReader, dict] = weakref.WeakKeyDictionary()


def load_topk_index(store: StoreReader, layer: int, signature: Signature) -> TopKIndex:
    """The index of ``signature`` at ``layer``; clear errors when it is missing or stale. Checked once per reader
    snapshot, then cached."""
    key = (index_path(layer, signature), tuple(sorted(store.committed.items())))
    cache = _OPENED.setdefault(store, {})
    if key not in cache:
        cache[key] = _open_index(store, layer, signature)
    return cache[key]


def _open_index(store: StoreReader, layer: int, signature: Signature) -> TopKIndex:
    rebuild = (f"`provenance topk-index {store.url} --layer {layer} --signature {_spec(signature)}` "
               "or provenance.attribution.topk_index.build_topk_index(store, layer, signature)")
    try:
        group = store._run_group[index_path(layer, signature)]
        meta = dict(group.attrs[INDEX_ATTR])
    except KeyError:
        raise StoreNotFoundError(
            f"no query index for {signature.label} at layer {layer} in run {store.run!r}: build it with {rebuild}"
        ) from None
    if meta.get("format") != INDEX_FORMAT:
        raise StoreMismatchError(
            f"the query index at {index_path(layer, signature)} has format {meta.get('format')}, this version reads "
            f"format {INDEX_FORMAT}: rebuild it with {rebuild}"
        )
    committed = {str(r): c for r, c in store.committed.items()}
    if meta["committed"] != committed:
        raise StoreMismatchError(
            f"the query index at {index_path(layer, signature)} was built over committed rows {meta['committed']} "
            f"(rank: rows) but the store now holds {committed}: rebuild it with build_topk_index"
        )
    means = {p: np.asarray(group[f"mean-{p}"][...]) for p in signature.parts} if signature.center else None
    index = TopKIndex(store._store, f"{store.run}/{index_path(layer, signature)}", int(meta["rows"]),
                      int(meta["width"]), int(meta["chunk_rows"]), tuple(meta["parts"]), meta["encoding"],
                      bool(meta["row_copy"]), means)
    _spot_check(store, layer, replace(signature, means=means), index)
    return index


def bind_to_index(store: StoreReader, layer: int, signature: Signature) -> Signature:
    """``signature`` with the means its index was built with (centered signatures; others unchanged): what
    `Signature.bind` computes, without its pass over the store."""
    if not signature.center or signature.means is not None:
        return signature
    bound = replace(signature, means=load_topk_index(store, layer, signature).means)
    if signature.standardize:   # the cosine spread is not in the index: one pass over the store, cached
        bound = replace(bound, spread=cosine_spread(store, layer, signature.parts, bound.means))
    return bound


def index_row_table(store: StoreReader, layer: int, signature: Signature, rows) -> pd.DataFrame:
    """sample_id, source, epoch, prompt_len of ``rows`` from the index (index = row): a ranking's row details
    without loading the store's samples table."""
    return load_topk_index(store, layer, signature).row_table(rows)


def _spot_check(store: StoreReader, layer: int, signature: Signature, index: TopKIndex) -> None:
    """A run overwritten with as many rows has the same committed counts: compare three rows with the store."""
    rows = np.array(sorted({0, index.rows // 2, index.rows - 1}))
    stored = {p: store.array(layer, p, rows=rows) for p in signature.parts}
    exact = signature.features(stored)
    # Only these rows' pages of the index (a zarr selection would read each row's whole 65,536-row chunk).
    codes, scale, error = (_take_rows(index.array(n), rows, index.chunk_rows) for n in ("codes", "scale", "error"))
    off = np.linalg.norm(codes * scale.astype(np.float64)[:, None] - exact, axis=1)
    copy = index.stored_rows(signature.parts, rows) if index.row_copy else stored
    copy_differs = any(not np.array_equal(copy[p], stored[p]) for p in signature.parts)
    if (off > error + 1e-5).any() or copy_differs:
        raise StoreMismatchError(
            f"the query index at {index_path(layer, signature)} does not match the stored rows {rows.tolist()} "
            f"(distance {off.round(4).tolist()}): the run was rewritten since it was built; rebuild it"
        )


# ---- scoring ---------------------------------------------------------------------------------------------

@dataclass
class QueryCodes:
    """Unit queries [Q, W] as two int8 levels: ``q~ = s[:, 0] levels[0::2] + s[:, 1] levels[1::2]``."""

    levels: np.ndarray   # [2Q, W] int8
    s: np.ndarray        # [Q, 2] float64
    error: np.ndarray    # [Q] |q - q~|
    norm: np.ndarray     # [Q] |q| (1 for unit queries; a combined query, their mean, is shorter)

    @classmethod
    def of(cls, q: np.ndarray) -> QueryCodes:
        rest = np.asarray(q, np.float64)
        norm = np.linalg.norm(rest, axis=1)
        levels, s = [], []
        for _ in range(2):
            amax = np.abs(rest).max(axis=1) if rest.shape[1] else np.zeros(len(rest))
            step = np.where(amax > 0, amax / 127, 1.0)
            a = np.clip(np.rint(rest / step[:, None]), -127, 127)
            levels.append(a.astype(np.int8))
            s.append(step)
            rest = rest - a * step[:, None]
        return cls(np.stack(levels, axis=1).reshape(-1, rest.shape[1]), np.stack(s, axis=1),
                   np.linalg.norm(rest, axis=1), norm)


def _int_dots(levels: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Exact int32 ``codes @ levels.T`` [n, 2Q]."""
    if codes.shape[1] >= 2 and hasattr(torch, "_int_mm"):  # torch._int_mm gives wrong sums for 1-wide rows
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a read-only block: torch only reads it
            x = torch.from_numpy(codes)
        return torch._int_mm(torch.from_numpy(np.ascontiguousarray(levels)), x.T).numpy().T
    return codes.astype(np.int32) @ levels.astype(np.int32).T


def block_candidates(index: TopKIndex, i: int, qc: QueryCodes, mask: np.ndarray, k: int, block=None):
    """Scan index chunk ``i`` (``block``: its `read_block` tuple when already read): (candidate rows [c], upper
    bounds [c, Q], the block's k largest lower bounds [k', Q]).

    A row is a candidate when its upper bound reaches the block's k-th largest lower bound for some query: k rows
    of the block score at least that much, so no other row of the block can be in the top k."""
    n_q = len(qc.s)
    start = i * index.chunk_rows
    codes, scale, error = index.read_block(i) if block is None else block
    dots = _int_dots(qc.levels, codes).astype(np.float64).reshape(len(codes), n_q, 2)
    approx = np.asarray(scale, np.float64)[:, None] * (dots * qc.s[None]).sum(axis=2)
    err = np.asarray(error, np.float64)[:, None]
    q_norm = qc.norm[None, :] * (1 + 1e-6)
    bound = err * q_norm + (1 + 1e-5 + err) * qc.error[None, :] + score_slack(index.width) * np.maximum(q_norm, 1)
    lo = np.where(mask[:, None], approx - bound, -np.inf)
    hi = np.where(mask[:, None], approx + bound, -np.inf)
    kk = min(k, int(mask.sum()))
    if kk == 0:
        return np.zeros(0, np.int64), np.zeros((0, n_q)), np.zeros((0, n_q))
    lo_top = -np.partition(-lo, kk - 1, axis=0)[:kk]
    keep = (hi >= lo_top[kk - 1][None, :]).any(axis=1)
    return np.flatnonzero(keep) + start, hi[keep], lo_top


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


def rescore(store: StoreReader, layer: int, signature: Signature, q: np.ndarray, rows: np.ndarray, k: int,
            index: TopKIndex | None = None):
    """Exact top-k among ``rows`` (which hold every query's top k): the local path's features and scores, from
    the index's copy of the stored rows when it has one, else from the store."""
    rows = np.unique(rows)
    top = RunningTopK(len(q), k)
    if len(rows):
        if index is not None and index.row_copy:
            blocks = index.stored_rows(signature.parts, rows)
        else:
            blocks = {p: store.array(layer, p, rows=rows) for p in signature.parts}
        top.update(rows, signature.features(blocks) @ q.T)
    return top.result()


def scan(index: TopKIndex, q: np.ndarray, mask: np.ndarray, k: int, *, use_dask: bool = False,
         client=None) -> np.ndarray:
    """Rows that can be in some query's top k among the rows in ``mask``: every index chunk scanned (locally, the
    next chunk read while one is scored; or one dask task per chunk)."""
    qc = QueryCodes.of(q)
    masks = [mask[i * index.chunk_rows: (i + 1) * index.chunk_rows] for i in range(index.n_blocks)]
    if use_dask:
        import dask  # optional (the analysis extra): imported only by the dask-index backend

        tasks = [dask.delayed(block_candidates)(index, i, qc, masks[i], k) for i in range(index.n_blocks)]
        return merge_candidates(compute(tasks, client), k)
    parts = []
    with ThreadPoolExecutor(READ_THREADS) as pool:
        ahead = index.read_block_ahead(pool, 0)
        for i in range(index.n_blocks):
            block = ahead()
            if i + 1 < index.n_blocks:  # the disk reads the next chunk while this one is scored
                ahead = index.read_block_ahead(pool, i + 1)
            parts.append(block_candidates(index, i, qc, masks[i], k, block))
    return merge_candidates(parts, k)


def index_top_k(store: StoreReader, layer: int, signature: Signature, q: np.ndarray, k: int, epochs,
                samples: pd.DataFrame | None = None, *, use_dask: bool = False, client=None,
                stats: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(scores [Q, k'], rows [Q, k']) best first, equal to the local path's; the scan runs locally or as one
    dask task per index chunk (``use_dask``, on ``client`` or the current scheduler). Rows are selected by
    ``epochs`` from the index's own epoch column (``samples``, the store's samples table when the caller has it
    loaded anyway, gives the same selection). ``stats`` (a dict) receives the number of re-scored candidates and
    of indexed rows."""
    if epochs == "mean":
        raise ValueError("epochs='mean' is not supported by the index backends; use backend='local' or 'dask'")
    if k <= 0:
        raise ValueError(f"k must be positive, got {k}")
    q = np.asarray(q, np.float32)
    index = load_topk_index(store, layer, signature)
    mask = select_rows(samples if samples is not None else pd.DataFrame({"epoch": index.epochs()}), epochs)
    if signature.center and signature.means is None:
        signature = replace(signature, means=index.means)
    candidates = scan(index, q, mask, k, use_dask=use_dask, client=client)
    log.debug("query index: %d candidates for top-%d of %d rows", len(candidates), k, index.rows)
    if stats is not None:
        stats.update(candidates=int(len(candidates)), rows=index.rows)
    return rescore(store, layer, signature, q, candidates, k, index)
