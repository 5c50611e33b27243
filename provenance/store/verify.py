"""Verified reads: committed rows whose shard is missing or unreadable raise instead of reading as zeros.

Zarr fills a chunk that has no stored object with the fill value, silently.  Writers of this version store every
shard (rank groups marked ``every_shard_stored``), so a committed row without its shard is damage.  Reads go
through ``CheckedArray``: before reading rows it checks that the shards covering the committed ones among them
exist (one listing of the array's chunk keys, cached per reader), and a shard that fails to decode (a truncated
file fails its checksum or its decompression) is reported with the array's path and rows.  A ``zarr.json`` that
cannot be parsed is reported by path (``metadata_guard``).

``verify_store`` scans a whole store up front (every metadata file, every shard of committed rows decoded once)
and lists what it finds; ``provenance inspect --check`` prints it.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import zarr
from zarr.core.buffer import default_buffer_prototype
from zarr.core.group import GroupMetadata
from zarr.core.metadata import ArrayV3Metadata
from zarr.core.sync import sync  # runs the Store's async listing and get, as zarr's own sync API does

from provenance.errors import StoreCorruptError, StoreNotFoundError
from provenance.store.schema import (
    BASE_COLUMNS,
    EVERY_SHARD_STORED,
    LAYER_PREFIX,
    RANK_PREFIX,
    ROOT_ATTR,
    RUN_ATTR,
    TOKENS_END,
    TOKENS_IDS,
    is_token_aligned,
    open_zarr_store,
    parse_prefixed_int,
    shard_length,
)

METADATA = "zarr.json"
FIX_HINT = ("Restore the store from a copy or capture the run again; `provenance inspect --check` lists every "
            "damaged part")
# Errors of a read that are the caller's (bad index) or the machine's (I/O, memory), not the data's.
_NOT_DATA_ERRORS = (OSError, MemoryError, IndexError, TypeError)


@dataclass(frozen=True)
class StoreProblem:
    """One damaged part of a store found by ``verify_store``.

    Attributes:
        path: store-relative path of the array (``run/rank-0/layer-3/h_last``) or metadata file (``.../zarr.json``).
        rows: first and last affected row of that rank group (inclusive), or None when no row range applies.
        what: what is wrong.
    """

    path: str
    rows: tuple[int, int] | None
    what: str

    def __str__(self) -> str:
        where = self.path if self.rows is None else f"{self.path} rows {self.rows[0]}-{self.rows[1]}"
        return f"{where}: {self.what}"


# ---- metadata ------------------------------------------------------------------------------------------------

def _list_dir(store, prefix: str) -> list[str]:
    async def collect() -> list[str]:
        return [key async for key in store.list_dir(prefix)]

    return sync(collect())


def _sizes_under(store, prefix: str) -> dict[str, int]:
    """{key: size in bytes} of every object under ``prefix``, from one listing where the backend gives sizes.

    Sizes matter: zarr reads an empty (0-byte) shard object as a missing one, i.e. as fill values."""
    prefix = prefix.rstrip("/")
    if isinstance(store, zarr.storage.LocalStore):
        base = Path(store.root)
        sizes = {}
        for folder, _, files in os.walk(base / prefix):
            for name in files:
                full = Path(folder) / name
                with contextlib.suppress(FileNotFoundError):
                    sizes[full.relative_to(base).as_posix()] = full.stat().st_size
        return sizes
    if isinstance(store, zarr.storage.FsspecStore):
        async def find() -> dict:
            return await store.fs._find(f"{store.path}/{prefix}", detail=True, maxdepth=None, withdirs=False)

        return {path.removeprefix(f"{store.path}/"): int(info.get("size") or 0)
                for path, info in sync(find()).items()}

    async def each() -> dict[str, int]:
        return {key: await store.getsize(key) async for key in store.list_prefix(prefix + "/")}

    return sync(each())


def _get_bytes(store, key: str) -> bytes | None:
    buf = sync(store.get(key, prototype=default_buffer_prototype()))
    return None if buf is None else buf.to_bytes()


def _join(prefix: str, name: str) -> str:
    return f"{prefix}/{name}" if prefix else name


def _parse_metadata(data: bytes) -> dict:
    """The node's metadata; ValueError naming what is wrong when it is not a Zarr v3 node document."""
    try:
        meta = json.loads(data.decode())
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg}: line {exc.lineno} column {exc.colno}; "
                         f"{len(data)} bytes: truncated?)") from None
    if not isinstance(meta, dict) or meta.get("zarr_format") != 3 or meta.get("node_type") not in ("group", "array"):
        raise ValueError("not Zarr v3 node metadata (zarr_format 3, node_type group or array)")
    try:  # what zarr itself requires of the node, so a file that passes here also opens
        (ArrayV3Metadata if meta["node_type"] == "array" else GroupMetadata).from_dict(dict(meta))
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"not valid Zarr {meta['node_type']} metadata ({type(exc).__name__}: {exc})") from None
    return meta


def metadata_problems(store, prefix: str = "") -> list[StoreProblem]:
    """Every ``zarr.json`` under ``prefix`` that cannot be parsed, without descending into chunk folders."""
    problems: list[StoreProblem] = []
    todo = [prefix.strip("/")]
    while todo:
        node = todo.pop()
        names = _list_dir(store, node)
        node_type = None
        if METADATA in names:
            key = _join(node, METADATA)
            try:
                node_type = _parse_metadata(_get_bytes(store, key) or b"")["node_type"]
            except ValueError as exc:
                problems.append(StoreProblem(key, None, f"metadata file cannot be read: {exc}"))
        if node_type == "array":
            continue  # its children are chunk keys
        todo.extend(_join(node, name) for name in sorted(names, reverse=True)
                    if name != METADATA and not name.startswith("."))
    return sorted(problems, key=lambda p: p.path)


@contextlib.contextmanager
def metadata_guard(store, url: str, prefix: str = "") -> Iterator[None]:
    """Turn a metadata parse failure inside the block into StoreCorruptError naming the broken ``zarr.json``."""
    try:
        yield
    except (ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, StoreCorruptError):
            raise
        bad = metadata_problems(store, prefix)
        if not bad:
            raise
        raise StoreCorruptError(
            f"{_url_join(url, bad[0].path)}: {bad[0].what.replace('metadata file cannot be read: ', '')}"
            + (f" (and {len(bad) - 1} more broken metadata files)" if len(bad) > 1 else "")
            + f". The store's structure cannot be read. {FIX_HINT}"
        ) from exc


def _url_join(url: str, path: str) -> str:
    return f"{str(url).rstrip('/')}/{path}"


# ---- verified array reads -----------------------------------------------------------------------------------

class CheckedArray:
    """A Zarr array of one rank group whose reads verify the committed rows they touch.

    Args:
        array: the zarr array.
        url: the store's URL, for messages.
        limit: committed length along the first axis (rows, or tokens for token-aligned arrays).
        every_shard_stored: the group's writer stored every shard, so a missing one is damage.
        token_rows: for token-aligned arrays, maps a token range to the (first, last) rows holding it.
    """

    def __init__(self, array, *, url: str, limit: int, every_shard_stored: bool,
                 token_rows: Callable[[int, int], tuple[int, int] | None] | None = None) -> None:
        self.array = array
        self.url = url
        self.limit = int(limit)
        self.every_shard_stored = bool(every_shard_stored)
        self.token_rows = token_rows
        self.path = array.store_path.path
        self.shard = shard_length(array)
        self.unit = "tokens" if is_token_aligned(self.path.split("/", 2)[-1]) else "rows"
        self._sizes: dict[str, int] | None = None

    # What the reader and dask use of a zarr array.
    shape = property(lambda self: self.array.shape)
    dtype = property(lambda self: self.array.dtype)
    ndim = property(lambda self: self.array.ndim)
    shards = property(lambda self: self.array.shards)
    chunks = property(lambda self: self.array.chunks)

    def __len__(self) -> int:
        return int(self.array.shape[0])

    def __getstate__(self) -> dict:
        # A dask graph over `StoreReader.to_dask` pickles this object into every worker. ``token_rows`` is a bound
        # method of the rank reader, so pickling it would drag the reader's cached token ends (8 bytes per row:
        # 80 MB at 10M rows) and tables along; it only words messages, so a pickled copy names tokens without rows.
        return {**self.__dict__, "token_rows": None}

    def __getitem__(self, key):
        return self._read(key[0] if isinstance(key, tuple) and key else key, lambda: self.array[key])

    def get_orthogonal_selection(self, selection):
        first = selection[0] if isinstance(selection, tuple) else selection
        return self._read(first, lambda: self.array.get_orthogonal_selection(selection))

    def get_coordinate_selection(self, selection):
        first = selection[0] if isinstance(selection, tuple) else selection
        return self._read(first, lambda: self.array.get_coordinate_selection(selection))

    # ---- checks ---------------------------------------------------------------------------------------------

    def _shards_of(self, first) -> np.ndarray:
        """Shard indices holding the committed rows selected by ``first`` (an index along the first axis)."""
        n = int(self.array.shape[0])
        if first is Ellipsis or first is None:
            first = slice(None)
        if isinstance(first, slice):
            start, stop, step = first.indices(n)
            stop = min(stop, self.limit) if step > 0 else stop
            if step == 1:
                return (np.arange(start // self.shard, (stop - 1) // self.shard + 1) if start < stop
                        else np.zeros(0, np.int64))
            rows = np.arange(start, stop, step)
        else:
            rows = np.asarray(first).reshape(-1)
            if rows.dtype == bool:
                rows = np.flatnonzero(rows)
            rows = rows.astype(np.int64)
            rows = np.where(rows < 0, rows + n, rows)
        rows = rows[(rows >= 0) & (rows < self.limit)]
        return np.unique(rows // self.shard)

    def shard_key(self, index: int) -> str:
        return f"{self.path}/{self.array.metadata.encode_chunk_key((int(index),) + (0,) * (self.array.ndim - 1))}"

    def stored_sizes(self) -> dict[str, int]:
        """{shard key: bytes} of the array's stored shards (one listing, kept: a reader is a snapshot)."""
        if self._sizes is None:
            self._sizes = _sizes_under(self.array.store_path.store, f"{self.path}/c")
        return self._sizes

    def shard_problem(self, index: int) -> str | None:
        """What is wrong with the stored object of shard ``index`` before decoding it, or None."""
        size = self.stored_sizes().get(self.shard_key(index))
        if size is None:
            return "is missing" if self.every_shard_stored else None
        return "is empty (0 bytes)" if size == 0 else None

    def span(self, index: int) -> tuple[int, int]:
        """First and last committed position (row or token) held by shard ``index``."""
        return int(index) * self.shard, min((int(index) + 1) * self.shard, self.limit) - 1

    def finding(self, lo: int, hi: int, what: str) -> StoreProblem:
        """A StoreProblem of positions lo..hi: rows as such, tokens named in ``what`` and mapped to rows."""
        _, rows = self.describe_span(lo, hi)
        return StoreProblem(self.path, rows, what if self.unit == "rows" else f"tokens {lo}-{hi}: {what}")

    def describe_span(self, lo: int, hi: int) -> tuple[str, tuple[int, int] | None]:
        """('rows 8-15' or 'tokens 0-4095 (rows 0-190)', the rows) of positions lo..hi."""
        if self.unit == "rows":
            return f"rows {lo}-{hi}", (lo, hi)
        rows = self.token_rows(lo, hi) if self.token_rows is not None else None
        return f"tokens {lo}-{hi}" + (f" (rows {rows[0]}-{rows[1]})" if rows else ""), rows

    def missing_message(self, index: int, problem: str) -> str:
        span, _ = self.describe_span(*self.span(index))
        why = "deleted, or lost in a copy" if problem == "is missing" else "cut short"
        return (f"{_url_join(self.url, self.path)}: committed {span} have no stored shard "
                f"({self.shard_key(index)} {problem}: {why}); reading them would give fill values (zeros). "
                f"{FIX_HINT}")

    def undecodable_message(self, index: int | None, exc: BaseException, lo: int, hi: int) -> str:
        span, _ = self.describe_span(*self.span(index)) if index is not None else self.describe_span(lo, hi)
        shard = f" (shard {self.shard_key(index)})" if index is not None else ""
        return (f"{_url_join(self.url, self.path)}: committed {span} cannot be decoded{shard}: "
                f"{type(exc).__name__}: {exc}. The stored file is damaged (truncated?). {FIX_HINT}")

    def check_present(self, shards: np.ndarray) -> None:
        for index in shards.tolist():
            problem = self.shard_problem(index)
            if problem is not None:
                raise StoreCorruptError(self.missing_message(index, problem))

    def _read(self, first, read: Callable[[], np.ndarray]) -> np.ndarray:
        shards = self._shards_of(first)
        self.check_present(shards)
        try:
            return read()
        except _NOT_DATA_ERRORS:
            raise
        except Exception as exc:  # codec, checksum or shard-index failure: which shard, then say so
            bad = self._first_undecodable(shards)
            lo, hi = (self.span(shards[0])[0], self.span(shards[-1])[1]) if len(shards) else (0, -1)
            raise StoreCorruptError(self.undecodable_message(bad, exc, lo, hi)) from exc

    def _first_undecodable(self, shards: np.ndarray) -> int | None:
        for index in shards.tolist():
            lo, hi = self.span(index)
            try:
                self.array[lo: hi + 1]
            except _NOT_DATA_ERRORS:
                continue
            except Exception:  # noqa: BLE001 - any decode failure marks this shard
                return int(index)
        return None


# ---- whole-store scan ----------------------------------------------------------------------------------------

def verify_store(url: str, *, run: str | None = None, storage_options: dict | None = None) -> list[StoreProblem]:
    """Scan a provenance store for damage: every metadata file is parsed and every committed row's shard is
    checked to exist and decoded once.

    Args:
        url: path or fsspec URL of the store.
        run: the run to check; None checks every run.
        storage_options: fsspec options for remote stores.

    Returns:
        The problems found, in store order (empty when the store is sound).

    Raises:
        StoreNotFoundError: there is no provenance store at ``url``, or no run ``run`` in it.
    """
    url = str(url)
    try:
        store = open_zarr_store(url, storage_options, read_only=True)
        root_meta = _get_bytes(store, METADATA)
    except FileNotFoundError:
        root_meta = None
    if root_meta is None:
        raise StoreNotFoundError(f"no provenance store at {url}")
    every = metadata_problems(store, "")  # metadata files only: cheap next to decoding the data
    broken = {p.path for p in every}
    problems = [p for p in every if run is None or p.path == METADATA or p.path.startswith(f"{run}/")]
    if METADATA in broken:
        return problems  # nothing below the root can be interpreted
    root = zarr.open_group(store, mode="r")
    if ROOT_ATTR not in root.attrs:
        raise StoreNotFoundError(f"{url} is a Zarr group but not a provenance store")
    runs = [name for name in sorted(_list_dir(store, "")) if _join(name, METADATA) not in broken
            and _node_type(store, name) == "group" and RUN_ATTR in zarr.open_group(store, path=name, mode="r").attrs]
    if run is not None:
        if run not in runs and _join(run, METADATA) not in broken:
            raise StoreNotFoundError(f"run {run!r} not found in {url}; runs: {runs}")
        runs = [run] if run in runs else []
    for name in runs:
        for child in sorted(_list_dir(store, name)):
            rank = parse_prefixed_int(child, RANK_PREFIX)
            path = _join(name, child)
            if rank is None or _join(path, METADATA) in broken or _node_type(store, path) != "group":
                continue
            problems.extend(_verify_rank(store, url, path, broken))
    return problems


def _node_type(store, path: str) -> str | None:
    data = _get_bytes(store, _join(path, METADATA))
    if data is None:
        return None
    try:
        return _parse_metadata(data)["node_type"]
    except ValueError:
        return None


def _rank_arrays(store, path: str, broken: set[str]) -> dict[str, object]:
    """Row and token arrays of a rank group whose metadata parses, by path relative to the group."""
    arrays = {}
    for child in sorted(_list_dir(store, path)):
        sub = _join(path, child)
        kind = None if _join(sub, METADATA) in broken else _node_type(store, sub)
        if kind == "array":
            arrays[child] = zarr.open_array(store, path=sub, mode="r")
        elif kind != "array" and (child == "tokens" or parse_prefixed_int(child, LAYER_PREFIX) is not None):
            # arrays open by path: a broken group zarr.json (reported already) does not hide them
            for name in sorted(_list_dir(store, sub)):
                leaf = _join(sub, name)
                if _join(leaf, METADATA) not in broken and _node_type(store, leaf) == "array":
                    arrays[f"{child}/{name}"] = zarr.open_array(store, path=leaf, mode="r")
    return arrays


def _verify_rank(store, url: str, path: str, broken: set[str]) -> list[StoreProblem]:
    group = zarr.open_group(store, path=path, mode="r")
    attrs = group.attrs.asdict()
    committed, committed_tokens = int(attrs.get("committed", 0) or 0), int(attrs.get("committed_tokens", 0) or 0)
    dense = bool(attrs.get(EVERY_SHARD_STORED, False))
    arrays = _rank_arrays(store, path, broken)
    problems: list[StoreProblem] = []
    if committed:
        for name in (*BASE_COLUMNS, TOKENS_IDS, TOKENS_END):
            if name not in arrays and _join(_join(path, name), METADATA) not in broken:
                problems.append(StoreProblem(_join(path, name), (0, committed - 1),
                                             "array is missing: the committed rows have no values here"))

    ends = None
    if TOKENS_END in arrays and committed:
        checked = CheckedArray(arrays[TOKENS_END], url=url, limit=committed, every_shard_stored=dense)
        found = _verify_array(checked, problems)
        if not found:
            ends = np.asarray(arrays[TOKENS_END][:committed], dtype=np.int64)
            if (np.diff(ends) < 0).any() or ends[-1] != committed_tokens:
                problems.append(StoreProblem(_join(path, TOKENS_END), (0, committed - 1),
                                             f"token ends are not increasing up to committed_tokens="
                                             f"{committed_tokens} (last end {int(ends[-1])})"))
                ends = None

    def token_rows(lo: int, hi: int) -> tuple[int, int] | None:
        if ends is None:
            return None
        first = int(np.searchsorted(ends, lo, side="right"))
        last = int(np.searchsorted(ends, hi, side="right"))
        return first, min(last, committed - 1)

    for name, array in arrays.items():
        if name == TOKENS_END:
            continue
        limit = committed_tokens if is_token_aligned(name) else committed
        if limit:
            _verify_array(CheckedArray(array, url=url, limit=limit, every_shard_stored=dense,
                                       token_rows=token_rows), problems)
    return problems


def _verify_array(checked: CheckedArray, problems: list[StoreProblem]) -> bool:
    """Append the problems of one array's committed part; True when there were any."""
    before = len(problems)
    if checked.shape[0] < checked.limit:
        problems.append(checked.finding(int(checked.shape[0]), checked.limit - 1,
                                        f"committed but beyond the array's {checked.shape[0]} entries"))
        return True
    for index in range((checked.limit + checked.shard - 1) // checked.shard):
        lo, hi = checked.span(index)
        problem = checked.shard_problem(index)
        if problem is not None:
            problems.append(checked.finding(lo, hi, f"shard {checked.shard_key(index)} {problem}"))
            continue
        try:
            checked.array[lo: hi + 1]
        except _NOT_DATA_ERRORS:
            raise
        except Exception as exc:  # noqa: BLE001 - every decode failure is a finding
            problems.append(checked.finding(lo, hi, f"shard {checked.shard_key(index)} cannot be decoded: "
                                                    f"{type(exc).__name__}: {exc}"))
    return len(problems) > before


def raise_for_problems(url: str, problems: list[StoreProblem]) -> None:
    """StoreCorruptError listing (up to five of) ``problems``; nothing when the list is empty."""
    if not problems:
        return
    shown = "; ".join(str(p) for p in problems[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    raise StoreCorruptError(f"{url}: {len(problems)} damaged part{'s' if len(problems) > 1 else ''} found: "
                            f"{shown}{more}. {FIX_HINT}")


__all__ = ["CheckedArray", "StoreProblem", "metadata_guard", "metadata_problems", "raise_for_problems",
           "verify_store"]
