"""Read committed rows of a provenance store.

A reader is a snapshot: it reads each rank's ``committed`` counts when opened
(``refresh()`` re-reads them) and slices every array to them, so rows being
written concurrently never show up half-written.

Reads verify what they touch (``provenance.store.verify``): a committed row
whose shard is missing or cannot be decoded raises ``StoreCorruptError``
naming the array and the rows, and a broken ``zarr.json`` is named by path.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import zarr
from zarr.errors import NodeNotFoundError

from provenance.errors import StoreCorruptError, StoreNotFoundError, StoreValueError
from provenance.store.encoding import decode, get_encoding
from provenance.store.schema import (
    BASE_COLUMNS,
    EVERY_SHARD_STORED,
    LAYER_PREFIX,
    RANK_PREFIX,
    ROOT_ATTR,
    RUN_ATTR,
    SCALE_SUFFIX,
    TOKEN_STATES,
    TOKENS_END,
    TOKENS_IDS,
    check_root,
    is_token_aligned,
    open_zarr_store,
    parse_prefixed_int,
    scale_path,
    shard_length,
    signature_path,
    token_state_path,
)
from provenance.store.verify import (
    FIX_HINT,
    CheckedArray,
    _list_dir,
    metadata_guard,
    raise_for_problems,
    verify_store,
)


def open_store(url: str, run: str | None = None, storage_options: dict | None = None, *,
               verify: bool = False) -> StoreReader:
    """Open ``run`` of the store at ``url`` (a path or an fsspec URL) for reading.

    Args:
        url: path or fsspec URL of the store.
        run: the run to read; None picks the only run of the store (with several runs it raises and lists them).
        storage_options: fsspec options for remote stores.
        verify: scan the run up front (every metadata file parsed, every committed shard present and decoded
            once) instead of only the parts each read touches.

    Returns:
        A snapshot reader of the run's committed rows.

    Raises:
        StoreNotFoundError: no provenance store, or no such run.
        StoreCorruptError: a metadata file cannot be parsed, or (with ``verify``) any committed data is damaged.
    """
    reader = StoreReader(url, run=run, storage_options=storage_options)
    if verify:
        raise_for_problems(reader.url, verify_store(reader.url, run=reader.run, storage_options=storage_options))
    return reader


def list_runs(url: str, storage_options: dict | None = None) -> list[str]:
    """Names of the runs in the store at ``url``, sorted."""
    return StoreReader._open_root(url, storage_options)[1]


def committed_rows_before_step(url: str, run: str, rank: int, global_step: int,
                               storage_options: dict | None = None) -> int:
    """Committed rows of ``rank`` captured before training step ``global_step``: where a resume cuts.

    Rows are stored in training order, so they form a prefix; 0 when the run or rank has none.
    """
    store = open_zarr_store(url, storage_options, read_only=True)
    path = f"{run}/{RANK_PREFIX}{int(rank)}"
    with metadata_guard(store, str(url), path):
        try:
            group = zarr.open_group(store, path=path, mode="r")
        except (NodeNotFoundError, FileNotFoundError):
            return 0
        committed = int(group.attrs.get("committed", 0) or 0)
        if committed == 0:
            return 0
        step = CheckedArray(group["step"], url=str(url), limit=committed,
                            every_shard_stored=bool(group.attrs.get(EVERY_SHARD_STORED, False)))
    later = np.flatnonzero(np.asarray(step[:committed]) >= global_step)
    return int(later[0]) if len(later) else committed


def rank_rows(url: str, run: str, rank: int, n_rows: int, *, columns: Sequence[str] = ("sample_id", "epoch"),
              optional_columns: Sequence[str] = ("role",), storage_options: dict | None = None) -> pd.DataFrame:
    """A few columns of the first ``n_rows`` committed rows of one rank: what a resume check needs.

    Opens only that rank's group and reads only the requested columns up to ``n_rows`` (verified like every
    read), where ``open_store(...).samples()`` reads every column of every rank.

    Args:
        url: path or fsspec URL of the store.
        run: run name.
        rank: the rank whose rows to read.
        n_rows: how many of its first committed rows; at most its committed count.
        columns: row columns to read (``samples()`` names: base columns or extra columns such as ``pair_id``).
        optional_columns: row columns read only where the run stores them (``role`` of preference pairs).
        storage_options: fsspec options for remote stores.

    Returns:
        One row per stored row (index = the rank's row 0 .. n_rows - 1), with ``columns`` then those of
        ``optional_columns`` the run stores, valued as in ``samples()``.

    Raises:
        StoreValueError: a bad ``n_rows`` or column name.
        StoreNotFoundError: the rank has fewer than ``n_rows`` committed rows, or does not store a column of
            ``columns``.
        StoreCorruptError: a metadata file cannot be parsed, or a shard of the rows read is missing or damaged.
    """
    if not _is_count(n_rows):
        raise StoreValueError(f"n_rows must be an int >= 0, got {n_rows!r}")
    wanted = list(dict.fromkeys([*columns, *optional_columns]))
    for name in wanted:
        if (not isinstance(name, str) or not name or "/" in name or name in _NOT_ROW_COLUMNS
                or name.startswith((LAYER_PREFIX, RANK_PREFIX))):
            raise StoreValueError(f"{name!r} is not a stored row column; columns are samples() columns such as "
                                  f"{list(BASE_COLUMNS)} or extra ones (rank and n_tokens are computed, not stored)")
    required = set(columns)
    url = str(url)
    store = open_zarr_store(url, storage_options, read_only=True)
    path = f"{run}/{RANK_PREFIX}{int(rank)}"
    with metadata_guard(store, url, path):
        try:
            group = zarr.open_group(store, path=path, mode="r")
        except (NodeNotFoundError, FileNotFoundError):
            group = None
        if group is None:
            if n_rows:
                raise StoreNotFoundError(f"{url}: run {run!r} has no rows of rank {rank} (no {path} group); "
                                         f"asked for its first {n_rows}")
            return pd.DataFrame({name: [] for name in columns})
        attrs = group.attrs.asdict()
        rk = _Rank(rank=int(rank), group=group, committed=int(attrs.get("committed", 0) or 0),
                   committed_tokens=int(attrs.get("committed_tokens", 0) or 0), skipped={}, url=url,
                   every_shard_stored=bool(attrs.get(EVERY_SHARD_STORED, False)))
        if n_rows > rk.committed:
            raise StoreNotFoundError(f"{url}: run {run!r} rank {rank} has {rk.committed} committed rows; asked for "
                                     f"its first {n_rows}")
        if n_rows == 0:
            return pd.DataFrame({name: [] for name in columns})
        stored = set(_list_dir(store, path))  # names of folders, with or without their zarr.json
        out: dict[str, np.ndarray] = {}
        for name in wanted:
            if name not in stored and name not in BASE_COLUMNS:
                if name in required:
                    listed = sorted(n for n in stored if n not in _NOT_ROW_COLUMNS and n != "zarr.json"
                                    and not n.startswith(LAYER_PREFIX))
                    raise StoreNotFoundError(f"{url}: run {run!r} rank {rank} stores no column {name!r}; "
                                             f"columns: {listed}")
                continue
            # A base column, or a stored folder: a missing zarr.json is damage (StoreCorruptError from the array).
            out[name] = _plain(rk.array(name)[:n_rows])
    return pd.DataFrame(out)


_NOT_ROW_COLUMNS = frozenset({"tokens", "rank", "n_tokens"})  # token arrays' group; samples()' computed columns


def _is_count(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) and value >= 0


@dataclass
class _Rank:
    rank: int
    group: object
    committed: int
    committed_tokens: int
    skipped: dict
    url: str = ""
    every_shard_stored: bool = False
    arrays: dict = field(default_factory=dict)
    ends: np.ndarray | None = None
    some_ends: dict = field(default_factory=dict)   # token ends read one by one (`tokens_of`), by local row

    def array(self, path: str) -> CheckedArray:
        """The array at ``path`` of this rank group; its reads check the committed rows they touch."""
        if path not in self.arrays:
            limit = self.committed_tokens if is_token_aligned(path) else self.committed
            with metadata_guard(self.group.store, self.url, self.group.path):
                try:
                    raw = self.group[path]
                except KeyError:
                    if limit == 0:
                        raise
                    # Every array of a run holds every committed row: its metadata file has gone.
                    raise StoreCorruptError(
                        f"{self.url.rstrip('/')}/{self.group.path}/{path}: the array is missing (no zarr.json) but "
                        f"{'tokens' if is_token_aligned(path) else 'rows'} 0-{limit - 1} are committed. "
                        f"{FIX_HINT}") from None
            self.arrays[path] = CheckedArray(raw, url=self.url, limit=limit,
                                             every_shard_stored=self.every_shard_stored, token_rows=self._token_rows)
        return self.arrays[path]

    def _token_rows(self, lo: int, hi: int) -> tuple[int, int] | None:
        """Rows holding tokens lo..hi, for messages; None when the token ends cannot be read either."""
        try:
            ends = self.token_ends()
        except StoreCorruptError:
            return None
        return (int(np.searchsorted(ends, lo, side="right")),
                min(int(np.searchsorted(ends, hi, side="right")), self.committed - 1))

    def has(self, path: str) -> bool:
        try:
            self.array(path)
            return True
        except KeyError:
            return False

    def token_ends(self) -> np.ndarray:
        if self.ends is None:
            self.ends = np.asarray(self.array(TOKENS_END)[: self.committed], dtype=np.int64)
        return self.ends


class StoreReader:
    def __init__(self, url: str, run: str | None = None, storage_options: dict | None = None) -> None:
        self.url = str(url)
        self._root, self.runs = self._open_root(self.url, storage_options)
        with metadata_guard(self._root.store, self.url):
            self._open_run(run)

    def _open_run(self, run: str | None) -> None:
        self._store = self._root.store
        meta = self._root.attrs[ROOT_ATTR]
        self.schema_version: int = int(meta["schema_version"])
        self.model: dict = dict(meta.get("model") or {})
        if run is None:
            if len(self.runs) != 1:
                raise StoreNotFoundError(
                    f"{self.url} holds {len(self.runs)} runs {self.runs}; pass run=<one of them>"
                    if self.runs else f"{self.url} holds no runs yet"
                )
            run = self.runs[0]
        elif run not in self.runs:
            raise StoreNotFoundError(f"run {run!r} not found in {self.url}; runs: {self.runs}")
        self.run: str = run
        self._run_group = self._root[run]
        self.run_attrs: dict = dict(self._run_group.attrs[RUN_ATTR])
        self._encoding = get_encoding((self.run_attrs.get("encoding") or {}).get("name"))
        self.refresh()

    @staticmethod
    def _open_root(url: str, storage_options: dict | None):
        """(root group, sorted run names) of a provenance store; clear errors otherwise."""
        store = open_zarr_store(url, storage_options, read_only=True)
        with metadata_guard(store, url):
            try:
                root = zarr.open_group(store, mode="r")
            except (NodeNotFoundError, FileNotFoundError):
                raise StoreNotFoundError(f"no provenance store at {url}") from None
            meta = root.attrs.get(ROOT_ATTR)
            if meta is None:
                raise StoreNotFoundError(f"{url} is a Zarr group but not a provenance store")
            check_root(meta)
            return root, sorted(name for name, g in root.groups() if RUN_ATTR in g.attrs)

    # ---- metadata ---------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the committed counts: rows committed since opening become visible."""
        with metadata_guard(self._store, self.url, self.run):
            self._refresh()

    def _refresh(self) -> None:
        ranks = []
        for name in self._run_group.group_keys():
            r = parse_prefixed_int(name, RANK_PREFIX)
            if r is None:
                continue
            group = zarr.open_group(self._store, path=f"{self.run}/{name}", mode="r")
            attrs = group.attrs.asdict()
            ranks.append(_Rank(
                rank=r, group=group,
                committed=int(attrs.get("committed", 0)),
                committed_tokens=int(attrs.get("committed_tokens", 0)),
                skipped=dict(attrs.get("skipped") or {}),
                url=self.url, every_shard_stored=bool(attrs.get(EVERY_SHARD_STORED, False)),
            ))
        self._ranks = sorted(ranks, key=lambda x: x.rank)
        self._offsets = np.cumsum([0] + [r.committed for r in self._ranks])
        sigs: dict[int, set] = {}
        token_layers: set[int] = set()
        for rk in self._ranks:
            for gname, sub in rk.group.groups():
                layer = parse_prefixed_int(gname, LAYER_PREFIX)
                if layer is not None:
                    names = set(sub.array_keys())
                    if TOKEN_STATES in names:
                        token_layers.add(layer)
                    names = {a for a in names if not a.endswith(SCALE_SUFFIX) and a != TOKEN_STATES}
                    if names:
                        sigs.setdefault(layer, set()).update(names)
        self._sigs = sigs
        self._token_layers = sorted(token_layers)

    @property
    def committed(self) -> dict[int, int]:
        return {r.rank: r.committed for r in self._ranks}

    @property
    def skipped(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for r in self._ranks:
            for reason, count in r.skipped.items():
                total[reason] = total.get(reason, 0) + int(count)
        return total

    @property
    def layers(self) -> list[int]:
        return sorted(self._sigs)

    @property
    def token_state_layers(self) -> list[int]:
        """Layers with per-token hidden states (``token_states``)."""
        return list(self._token_layers)

    @property
    def signature_names(self) -> list[str]:
        return sorted(set().union(*self._sigs.values())) if self._sigs else []

    @property
    def encoding(self) -> str:
        return self._encoding.name

    def __len__(self) -> int:
        return int(self._offsets[-1])

    def __repr__(self) -> str:
        return (f"StoreReader({self.url!r}, run={self.run!r}, rows={len(self)}, "
                f"ranks={self.committed}, layers={self.layers}, names={self.signature_names})")

    # ---- rows -------------------------------------------------------------------------

    def _live(self) -> list[_Rank]:
        return [r for r in self._ranks if r.committed > 0]

    def samples(self) -> pd.DataFrame:
        """One row per committed row (ranks concatenated in rank order), index = global row."""
        frames = []
        for rk in self._live():
            n = rk.committed
            cols: dict[str, np.ndarray] = {}
            for name in BASE_COLUMNS:
                cols[name] = _plain(rk.array(name)[:n])
            cols["rank"] = np.full(n, rk.rank, dtype=np.int64)
            cols["n_tokens"] = np.diff(rk.token_ends(), prepend=0)
            with metadata_guard(self._store, self.url, rk.group.path):
                extra = sorted(rk.group.array_keys())
            for name in extra:
                if name not in BASE_COLUMNS:
                    cols[name] = _plain(rk.array(name)[:n])
            frames.append(pd.DataFrame(cols))
        order = ["sample_id", "source", "epoch", "step", "rank", "loss", "prompt_len", "n_tokens"]
        if not frames:
            return pd.DataFrame({c: [] for c in order})
        df = pd.concat(frames, ignore_index=True)
        extras = [c for c in df.columns if c not in order]
        return df[order + extras]

    def _check_signature(self, layer: int, name: str) -> None:
        if layer not in self._sigs:
            raise StoreNotFoundError(f"layer {layer!r} not in run {self.run!r}; layers: {self.layers}")
        if name not in self._sigs[layer]:
            raise StoreNotFoundError(
                f"signature {name!r} not stored for layer {layer}; names: {sorted(self._sigs[layer])}"
            )

    def _decode(self, rk: _Rank, layer: int, name: str, sel) -> np.ndarray:
        payload = rk.array(signature_path(layer, name))
        if isinstance(sel, slice):
            p = payload[sel]
            s = rk.array(scale_path(layer, name))[sel] if self._encoding.has_scale else None
        else:
            p = payload.get_orthogonal_selection((sel, slice(None)))
            s = rk.array(scale_path(layer, name)).get_orthogonal_selection((sel,)) if self._encoding.has_scale else None
        return decode(p, s, self._encoding.name)

    def _width(self, layer: int, name: str) -> int:
        for rk in self._ranks:
            if rk.has(signature_path(layer, name)):
                return int(rk.array(signature_path(layer, name)).shape[1])
        return 0

    def array(self, layer: int, name: str, rows=None) -> np.ndarray:
        """Decoded float32 ``[N, D]`` aligned with ``samples()``; ``rows`` picks global rows."""
        self._check_signature(layer, name)
        if rows is None:
            blocks = [self._decode(rk, layer, name, slice(0, rk.committed)) for rk in self._live()]
            return np.concatenate(blocks) if blocks else np.zeros((0, self._width(layer, name)), np.float32)
        idx = self._global_rows(rows)
        out = np.empty((len(idx), self._width(layer, name)), dtype=np.float32)
        which = np.searchsorted(self._offsets, idx, side="right") - 1
        for i, rk in enumerate(self._ranks):
            mask = which == i
            if mask.any():
                local, inverse = np.unique(idx[mask] - self._offsets[i], return_inverse=True)
                out[mask] = self._decode(rk, layer, name, local)[inverse]
        return out

    def _global_rows(self, rows) -> np.ndarray:
        idx = np.asarray(rows)
        if idx.dtype == bool:
            if idx.shape != (len(self),):
                raise IndexError(f"boolean row mask has shape {idx.shape}, store has {len(self)} rows")
            return np.flatnonzero(idx)
        idx = idx.astype(np.int64).reshape(-1)
        idx = np.where(idx < 0, idx + len(self), idx)
        bad = (idx < 0) | (idx >= len(self))
        if bad.any():
            raise IndexError(f"rows {np.asarray(rows).reshape(-1)[bad][:5].tolist()} out of range for {len(self)} rows")
        return idx

    def iter_chunks(self, layer: int, name: str, chunk_rows: int = 65536) -> Iterator[tuple[int, np.ndarray]]:
        """Stream ``(global start row, decoded block)`` with at most ``chunk_rows`` rows per block.

        Blocks never span two ranks.
        """
        self._check_signature(layer, name)
        if chunk_rows <= 0:
            raise ValueError("chunk_rows must be positive")
        for i, rk in enumerate(self._ranks):
            for start in range(0, rk.committed, chunk_rows):
                stop = min(start + chunk_rows, rk.committed)
                yield int(self._offsets[i]) + start, self._decode(rk, layer, name, slice(start, stop))

    def tokens(self, row: int) -> np.ndarray:
        """Token ids of global row ``row``."""
        (g,) = self._global_rows([row])
        i = int(np.searchsorted(self._offsets, g, side="right") - 1)
        rk, local = self._ranks[i], int(g - self._offsets[i])
        ends = rk.token_ends()
        start = int(ends[local - 1]) if local else 0
        return np.asarray(rk.array(TOKENS_IDS)[start: int(ends[local])], dtype=np.int32)

    def tokens_of(self, rows) -> list[np.ndarray]:
        """Token ids of each of global ``rows``, reading only the chunks that hold them.

        `tokens` loads a rank's whole token-end column once (fast for loops over many rows); a ranking's few rows
        of a large store need only their own ends and ids, which keeps a cold query with snippets from reading
        the column of every row (10^6 rows: ~3,900 chunks)."""
        rows = self._global_rows(rows)
        out: list[np.ndarray | None] = [None] * len(rows)
        ranks = np.searchsorted(self._offsets, rows, side="right") - 1
        for i in np.unique(ranks):
            rk, where = self._ranks[int(i)], np.flatnonzero(ranks == i)
            local = rows[where] - int(self._offsets[int(i)])
            if rk.ends is not None:
                ends = rk.ends[local]
                starts = np.where(local > 0, rk.ends[np.maximum(local - 1, 0)], 0)
            else:
                need = np.unique(np.concatenate([local, local[local > 0] - 1]))
                todo = np.array([j for j in need.tolist() if j not in rk.some_ends], dtype=np.int64)
                if len(todo):
                    rk.some_ends.update(zip(todo.tolist(), np.asarray(
                        rk.array(TOKENS_END).get_coordinate_selection(todo), dtype=np.int64).tolist()))
                got = rk.some_ends
                ends = np.array([got[j] for j in local.tolist()], dtype=np.int64)
                starts = np.array([got[j - 1] if j else 0 for j in local.tolist()], dtype=np.int64)
            ids = rk.array(TOKENS_IDS)
            for w, a, b in zip(where, starts.tolist(), ends.tolist()):
                out[int(w)] = np.asarray(ids[a:b], dtype=np.int32)
        return out  # type: ignore[return-value]

    def token_states(self, layer: int, rows, *, gap_tokens: int = 4096) -> list[np.ndarray]:
        """Decoded float32 per-token hidden states [n_tokens, D] at ``layer`` of each of global ``rows``, aligned
        with their token ids (prompt and response).

        Rows whose tokens lie within ``gap_tokens`` of each other are read as one slice, so a block of consecutive
        rows (an epoch) costs one read per shard and a few scattered top hits read only their own tokens.
        """
        if layer not in self._token_layers:
            raise StoreNotFoundError(
                f"no per-token states at layer {layer!r} in run {self.run!r}; layers with token states: "
                f"{self._token_layers} (capture them with token_layers=[...])"
            )
        rows = self._global_rows(rows)
        out: list[np.ndarray | None] = [None] * len(rows)
        ranks = np.searchsorted(self._offsets, rows, side="right") - 1
        scaled = self._encoding.has_scale
        for i in np.unique(ranks):
            rk, where = self._ranks[int(i)], np.flatnonzero(ranks == i)
            local = rows[where] - int(self._offsets[int(i)])
            ends = rk.token_ends()
            starts = np.where(local > 0, ends[np.maximum(local - 1, 0)], 0)
            stops = ends[local]
            payload = rk.array(token_state_path(layer))
            scale = rk.array(token_state_path(layer) + SCALE_SUFFIX) if scaled else None
            order = np.argsort(starts, kind="stable")
            j = 0
            while j < len(order):
                lo, hi, k = int(starts[order[j]]), int(stops[order[j]]), j + 1
                while k < len(order) and int(starts[order[k]]) <= hi + gap_tokens:
                    hi = max(hi, int(stops[order[k]]))
                    k += 1
                block = decode(payload[lo:hi], scale[lo:hi] if scaled else None, self._encoding.name)
                for m in order[j:k]:
                    out[int(where[m])] = block[int(starts[m]) - lo: int(stops[m]) - lo]
                j = k
        return out  # type: ignore[return-value]

    def to_dask(self, layer: int, name: str):
        """Lazy ``dask.array`` ``[N, D]`` float32 over all ranks, decoded block by block."""
        import dask.array as da
        from dask.base import tokenize

        self._check_signature(layer, name)
        enc = self._encoding.name
        parts = []
        for rk in self._live():
            payload = rk.array(signature_path(layer, name))
            rows = shard_length(payload)
            token = tokenize(self.url, self.run, rk.rank, layer, name, rk.committed)
            p = da.from_array(payload, chunks=(rows, payload.shape[1]), asarray=True, lock=False,
                              name=f"provenance-payload-{token}")[: rk.committed]
            if self._encoding.has_scale:
                scale = rk.array(scale_path(layer, name))
                s = da.from_array(scale, chunks=(rows,), asarray=True, lock=False,
                                  name=f"provenance-scale-{token}")[: rk.committed]
                parts.append(da.blockwise(decode, "ij", p, "ij", s, "i", enc, None,
                                          dtype=np.float32, concatenate=True))
            else:
                parts.append(p.map_blocks(decode, None, enc, dtype=np.float32))
        if not parts:
            return da.zeros((0, self._width(layer, name)), dtype=np.float32)
        return da.concatenate(parts, axis=0)


def _plain(values: np.ndarray) -> np.ndarray:
    """numpy 2 StringDType -> object so pandas builds an ordinary string column."""
    return values.astype(object) if values.dtype.kind == "T" else values
