"""Background whole-shard writer of one rank of a run.

The training thread only validates and enqueues (``put``).  A daemon thread
does all conversion, encoding, compression and I/O.  It buffers rows per
array and writes only whole shards, each in one write, because writing into
an existing shard rewrites the whole shard object.  ``flush`` also writes the
current partial shard padded to full size; its rows stay buffered so the
shard is rewritten whole, from memory, when it fills.

Crash consistency: data shards are written first, then the rank group's attrs
(``committed``, ``committed_tokens``, ``skipped``) in one metadata write.
Readers see only committed rows, so a killed process leaves the store at its
last commit.  Every shard is stored, even one holding only fill values, so a
reader can tell a missing shard (damage) from an all-zero one.

One writer per (store, run, rank): the writer takes ownership of its rank
group before touching the store (``provenance.store.ownership``), refreshes
its heartbeat from the writer thread and gives ownership back on ``close``.
"""

from __future__ import annotations

import atexit
import concurrent.futures.thread  # noqa: F401  (registers its exit hook before ours, see below)
import logging
import queue
import re
import threading
import time
import weakref
from pathlib import Path

import numpy as np
import zarr
from zarr.errors import ContainsGroupError, NodeNotFoundError

from provenance.errors import (
    StoreCorruptError,
    StoreExistsError,
    StoreLockedError,
    StoreMismatchError,
    StoreNotFoundError,
    StoreValueError,
    StoreWriteError,
)
from provenance.store.encoding import DEFAULT_ENCODING, encode, get_encoding, project, projection_matrix
from provenance.store.ownership import HEARTBEAT_S, Ownership, acquire, check_not_owned
from provenance.store.rows import CaptureRows
from provenance.store.schema import (
    BASE_COLUMNS,
    EVERY_SHARD_STORED,
    LAYER_PREFIX,
    RANK_PREFIX,
    RESERVED_NAMES,
    ROOT_ATTR,
    RUN_ATTR,
    SCALE_SUFFIX,
    TOKEN_STATE_SHARD,
    TOKEN_STATES,
    TOKENS_END,
    TOKENS_IDS,
    check_name,
    check_root,
    is_token_aligned,
    json_normalise,
    open_zarr_store,
    parse_prefixed_int,
    rank_group,
    root_attrs,
    row_array_kwargs,
    scale_path,
    shard_length,
    signature_path,
    sub_store,
    token_array_kwargs,
    token_state_array_kwargs,
    token_state_path,
)
from provenance.store.verify import CheckedArray, metadata_guard

log = logging.getLogger(__name__)

_POLL_S = 0.2
# zarr's temporary files on a local disk (``<name>.<uuid hex>.partial``, renamed or linked to their key once
# written).  One older than this in a folder other writers share was left by a killed process: a live write moves
# its temporary within milliseconds.
_ZARR_TEMPORARY = re.compile(r"^[^/]+\.[0-9a-f]{32}\.partial$")
_STALE_TEMPORARY_S = 60.0
# Arrays write every shard, even all fill values: a reader tells a missing shard (damage) from an all-zero one.
_DENSE = {"write_empty_chunks": True}


class _Flush:
    def __init__(self) -> None:
        self.done = threading.Event()


_STOP = object()

# Writers not closed by their owner are flushed at interpreter exit.  It has to happen
# before concurrent.futures shuts its executors down (LocalStore writes through
# asyncio.to_thread), which runs before plain atexit hooks: hence threading's hook,
# LIFO and registered after concurrent.futures' own.
_OPEN_WRITERS: weakref.WeakSet = weakref.WeakSet()


def _close_open_writers() -> None:
    for writer in list(_OPEN_WRITERS):
        try:
            writer.close()
        except Exception as exc:  # already failed: one line, the traceback was the caller's
            log.warning("provenance store writer left open failed: %s", exc)


getattr(threading, "_register_atexit", atexit.register)(_close_open_writers)


def _to_numpy(x, dtype=None) -> np.ndarray:
    """numpy view of an ndarray / torch tensor / list, without importing torch."""
    if hasattr(x, "detach"):  # torch.Tensor
        x = x.detach()
        if dtype == np.float32 and str(x.dtype) != "torch.float32":
            x = x.float()  # bf16/fp16/fp64 tensors: numpy has no bf16
        x = np.asarray(x.cpu())
    return np.asarray(x, dtype=dtype)


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _value_kind(values) -> str:
    """'str' or 'num' for a 1-D column given as a list or an array."""
    if isinstance(values, np.ndarray):
        return "str" if values.dtype.kind in "UOT" else "num"
    if hasattr(values, "detach"):
        return "num"
    return "str" if len(values) and isinstance(values[0], str) else "num"


def _check_like_the_run(widths: dict, known: dict | None, what: str, same: str) -> None:
    """A batch's arrays ({key: width}) must be the run's (``known``; a width of None is not known yet)."""
    if known is None:
        return
    if set(widths) != set(known):
        raise StoreValueError(f"{what} {sorted(widths)} differ from the run's {sorted(known)}; every batch must carry "
                              f"the same {same}")
    for key, width in widths.items():
        if known[key] is not None and known[key] != width:
            raise StoreValueError(f"{what}: {key} has width {width}, earlier batches had {known[key]}")


class _Column:
    """One on-disk array and its rows not yet written as a full shard.

    ``start`` (the first buffered row) is always a shard boundary: everything
    before it is on disk in full shards.  ``on_disk`` buffered rows are also on
    disk through a padded partial-shard write (flush or resume).
    """

    def __init__(self, array) -> None:
        self.array = array
        self.shard = shard_length(array)
        self.tail = tuple(array.shape[1:])
        self.is_str = array.dtype.kind not in "biufc"
        self.capacity = int(array.shape[0])
        self.start = 0
        self.parts: list[np.ndarray] = []
        self.n = 0
        self.on_disk = 0

    @property
    def durable(self) -> int:
        return self.start + self.on_disk

    def load(self, start: int, data: np.ndarray) -> None:
        """Resume: the rows of the partial shard, read back raw from disk."""
        self.start = start
        data = data.astype(object) if self.is_str else data
        self.parts = [data] if len(data) else []
        self.n = self.on_disk = len(data)

    def append(self, data: np.ndarray) -> None:
        if len(data):
            self.parts.append(data)
            self.n += len(data)

    def _buffer(self) -> np.ndarray:
        if len(self.parts) > 1:
            self.parts = [np.concatenate(self.parts)]
        return self.parts[0]

    def write_full_shards(self) -> None:
        while self.n >= self.shard:
            buf = self._buffer()
            self._write_shard(buf[: self.shard])
            rest = buf[self.shard:]
            self.parts = [rest] if len(rest) else []
            self.n -= self.shard
            self.start += self.shard
            self.on_disk = 0

    def write_partial(self) -> None:
        """Write the partial shard padded with the fill value: still one whole-shard write."""
        if self.n == self.on_disk or self.n == 0:
            return
        buf = self._buffer()
        padded = np.full((self.shard,) + self.tail, "" if self.is_str else 0, dtype=buf.dtype)
        padded[: self.n] = buf
        self._write_shard(padded)
        self.on_disk = self.n

    def _write_shard(self, block: np.ndarray) -> None:
        end = self.start + self.shard
        if self.capacity < end:  # capacity grows in whole shards
            self.array.resize((end,) + self.tail)
            self.capacity = end
        self.array[self.start:end] = block


class StoreWriter:
    """Writes one rank's captured rows into ``<url>/<run>/rank-<rank>/``.

    ``put`` returns at once (blocking only when ``queue_size`` batches are
    pending); ``flush`` blocks until everything put so far is committed.  An
    error on the background thread is re-raised by the next ``put``/``flush``/
    ``close`` as ``StoreWriteError`` chained to the original.

    ``resume_committed`` (the row count a training checkpoint recorded) drops
    the rows after it and continues from there.  The rank's ``skipped``
    counts are kept as last committed (they cannot be split by row).

    The writer owns its rank group from construction to ``close``: another
    writer of the same store, run and rank is refused with
    ``StoreLockedError`` unless this one is provably gone (its process died,
    or no heartbeat for 12 ``heartbeat_s`` periods) or it passes
    ``overwrite=True``.  A crash leaves the owner record behind; the resuming
    writer takes over from the dead process.
    """

    def __init__(
        self,
        url: str,
        run: str,
        *,
        rank: int = 0,
        world_size: int = 1,
        model: dict,
        run_attrs: dict,
        encoding: str = DEFAULT_ENCODING,
        projection: dict | None = None,
        shard_rows: int = 2048,
        chunk_rows: int = 256,
        shard_tokens: int = 262144,
        shard_token_states: int = TOKEN_STATE_SHARD,
        resume_committed: int | None = None,
        overwrite: bool = False,
        queue_size: int = 32,
        storage_options: dict | None = None,
        wait_for_run_s: float = 120.0,
        heartbeat_s: float = HEARTBEAT_S,
    ) -> None:
        check_name(run, "run")
        if not heartbeat_s > 0:
            raise StoreValueError(f"heartbeat_s must be > 0, got {heartbeat_s!r}")
        if not 0 <= rank < world_size:
            raise StoreValueError(f"rank {rank} is outside world_size {world_size}")
        if chunk_rows <= 0 or shard_rows % chunk_rows:
            raise StoreValueError(f"shard_rows={shard_rows} must be a positive multiple of chunk_rows={chunk_rows}")
        if overwrite and resume_committed is not None:
            raise StoreValueError("overwrite=True and resume_committed are exclusive")
        if resume_committed is not None and resume_committed < 0:
            raise StoreValueError(f"resume_committed must be >= 0, got {resume_committed}")
        self.url, self.run, self.rank, self.world_size = str(url), run, int(rank), int(world_size)
        self._encoding = get_encoding(encoding)
        self._projection = self._check_projection(projection)
        self._shard_rows, self._chunk_rows, self._shard_tokens = shard_rows, chunk_rows, shard_tokens
        token_array_kwargs(shard_tokens)  # validates shard_tokens early
        token_state_array_kwargs("float16", None, shard_token_states)
        self._shard_token_states = shard_token_states
        self._model = model
        self._proj_cache: dict[int, np.ndarray] = {}

        # Set in the caller's thread (validation of put):
        self._id_kind: str | None = None
        self._sig_keys: dict[tuple[int, str], int | None] | None = None  # (layer, name) -> input width
        self._col_kinds: dict[str, str] | None = None
        self._tok_keys: dict[int, int | None] | None = None  # token-state layer -> input width
        self._closed = False
        self._error: BaseException | None = None

        # Owned by the writer thread once it starts:
        self._cols: dict[str, _Column] = {}
        self._tok: _Column | None = None
        self._tok_states: dict[str, _Column] = {}  # token-aligned layer-<l>/h_tok (and scale) arrays
        self._rows = 0  # rows received
        self._tokens = 0  # tokens received
        self._pending_ends: list[np.ndarray] = []  # tokens/end of rows committed+1 .. _rows
        self._pending_skips: list[tuple[int, dict]] = []  # (row count when received, counts)
        self._committed = 0
        self._committed_tokens = 0
        self._skipped: dict[str, int] = {}

        self._store = open_zarr_store(self.url, storage_options)
        run_meta = {
            **json_normalise(run_attrs),
            "encoding": self._encoding.attrs(),
            "projection": self._projection,
        }
        # Ownership first: a refused writer must not have touched the run's metadata or arrays.
        self._ownership: Ownership = acquire(self._store, run, self.rank, url=self.url, overwrite=overwrite,
                                             heartbeat_s=heartbeat_s)
        self._heartbeat_s = float(heartbeat_s)
        self._next_beat = time.monotonic() + self._heartbeat_s
        try:
            if self.rank == 0:
                self._setup_root_and_run(run_meta, overwrite)
                self._remove_stale_shared_temporaries()
            else:
                self._wait_for_run(run_meta, wait_for_run_s)
            self._group = self._setup_rank_group(resume_committed, overwrite)
        except BaseException:
            self._ownership.release()
            raise

        self._queue: queue.Queue = queue.Queue(maxsize=max(1, queue_size))
        self._thread = threading.Thread(
            target=self._loop, name=f"provenance-store-{run}-rank{self.rank}", daemon=True
        )
        self._thread.start()
        _OPEN_WRITERS.add(self)

    # ---- public API ----------------------------------------------------------------

    @property
    def committed(self) -> int:
        """Rows of this rank committed so far (visible to readers)."""
        return self._committed

    @property
    def skipped(self) -> dict:
        """Skip counts (by reason) committed so far."""
        return dict(self._skipped)

    def put(self, rows: CaptureRows) -> None:
        if self._closed:
            raise StoreWriteError("put() on a closed StoreWriter")
        self._raise_if_failed()
        self._validate(rows)
        self._enqueue(rows)

    def flush(self) -> int:
        if self._closed:
            self._raise_if_failed()
            return self._committed
        self._raise_if_failed()
        marker = _Flush()
        self._enqueue(marker)
        while not marker.done.wait(1.0):
            if not self._thread.is_alive():
                break
        self._raise_if_failed()
        return self._committed

    def close(self) -> int:
        if not self._closed:
            self._closed = True
            try:
                self._enqueue(_Flush())
                self._enqueue(_STOP)
                self._thread.join()
            finally:
                _OPEN_WRITERS.discard(self)
                self._ownership.release()  # deletes the owner record only while it is still this writer's
        self._raise_if_failed()
        return self._committed

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:  # do not mask the exception in flight
            try:
                self.close()
            except StoreWriteError:
                log.exception("store writer failed while closing after another error")

    # ---- setup (caller's thread) ------------------------------------------------------

    @staticmethod
    def _check_projection(projection: dict | None) -> dict | None:
        if projection is None:
            return None
        try:
            seed, dim = int(projection["seed"]), int(projection["dim"])
        except (KeyError, TypeError, ValueError):
            raise StoreValueError(f"projection must be {{'seed': int, 'dim': int}}, got {projection!r}") from None
        if dim <= 0:
            raise StoreValueError(f"projection dim must be positive, got {dim}")
        return {"seed": seed, "dim": dim}

    def _open_group(self, path: str | None, mode: str = "r+"):
        with metadata_guard(self._store, self.url, path or ""):  # a broken zarr.json is named by path
            try:
                return zarr.open_group(self._store, path=path or "", mode=mode)
            except (NodeNotFoundError, FileNotFoundError):
                return None

    def _setup_root_and_run(self, run_meta: dict, overwrite: bool) -> None:
        root = self._open_group(None)
        if root is None:
            try:
                root = zarr.create_group(self._store, attributes={ROOT_ATTR: root_attrs(self._model)})
            except ContainsGroupError:  # a writer of another run created it at the same moment
                root = self._open_group(None)
        meta = root.attrs.get(ROOT_ATTR)
        if meta is None:
            root.update_attributes({ROOT_ATTR: root_attrs(self._model)})
        else:
            check_root(meta, self._model)

        run_group = self._open_group(self.run)
        if run_group is None:
            # Through a store rooted at the run: creating it writes nothing at the root (see sub_store).
            zarr.create_group(sub_store(self._store, self.run), attributes={RUN_ATTR: run_meta})
            return
        old = run_group.attrs.get(RUN_ATTR) or {}
        if not overwrite and old and self._layout_of(old) != self._layout_of(run_meta):
            if any(self._committed_of(g) for _, g in self._rank_groups(run_group)):
                raise StoreMismatchError(
                    f"run {self.run!r} holds rows stored with encoding {old.get('encoding')} / projection "
                    f"{old.get('projection')}, this writer uses {run_meta['encoding']} / "
                    f"{run_meta['projection']}; use a new run name or overwrite=True"
                )
        if overwrite:
            # Groups of ranks that no longer exist would mix into the new run.
            for r, _ in self._rank_groups(run_group):
                if r >= self.world_size:
                    del run_group[rank_group(r)]
        run_group.update_attributes({RUN_ATTR: run_meta})

    @staticmethod
    def _layout_of(meta: dict) -> tuple:
        return (meta.get("encoding"), meta.get("projection"))

    @staticmethod
    def _rank_groups(run_group):
        for name, g in run_group.groups():
            r = parse_prefixed_int(name, RANK_PREFIX)
            if r is not None:
                yield r, g

    def _remove_partial_files(self, path: str) -> None:
        """Temporaries of zarr writes the crashed writer of this rank group left (``*.partial``, never data), so
        that listings stay clean.  The group is this writer's alone: all of them are the dead writer's."""
        if not isinstance(self._store, zarr.storage.LocalStore):
            return
        strays = [p for p in (Path(self._store.root) / path).rglob("*.partial") if _ZARR_TEMPORARY.match(p.name)]
        for stray in strays:
            stray.unlink(missing_ok=True)
        if strays:
            log.info("provenance store %s: removed %d temporary files left by the crashed writer of %s",
                     self.url, len(strays), path)

    def _remove_stale_shared_temporaries(self) -> None:
        """Rank 0 at start: zarr temporaries in the run's folder and the store's root that a killed process left.

        Those folders are shared (rank 0 writes the run's metadata, any run's first writer the root's, and other
        code may create groups beside the ranks'), so a temporary there may be a live writer's: only those older
        than ``_STALE_TEMPORARY_S`` are removed.
        """
        if not isinstance(self._store, zarr.storage.LocalStore):
            return
        now = time.time()
        removed = 0
        for folder in (Path(self._store.root), Path(self._store.root) / self.run):
            for stray in folder.glob("*.partial"):
                try:
                    stale = _ZARR_TEMPORARY.match(stray.name) and now - stray.stat().st_mtime > _STALE_TEMPORARY_S
                except FileNotFoundError:  # moved into place or removed meanwhile
                    continue
                if stale:
                    stray.unlink(missing_ok=True)
                    removed += 1
        if removed:
            log.info("provenance store %s: removed %d temporary files left by killed writers", self.url, removed)

    @staticmethod
    def _holds_nodes(group) -> bool:
        return any(True for _ in group.array_keys()) or any(True for _ in group.group_keys())

    @staticmethod
    def _committed_of(group) -> int:
        return int(group.attrs.get("committed", 0) or 0)

    def _wait_for_run(self, run_meta: dict, timeout_s: float) -> None:
        """Ranks > 0 never write root/run metadata: wait for rank 0 to have done it."""
        deadline = time.monotonic() + timeout_s
        seen = None
        while True:
            root = self._open_group(None, mode="r")
            run_group = self._open_group(self.run, mode="r")
            meta = root.attrs.get(ROOT_ATTR) if root is not None else None
            seen = run_group.attrs.get(RUN_ATTR) if run_group is not None else None
            if meta is not None and seen is not None:
                check_root(meta, self._model)
                if self._layout_of(seen) == self._layout_of(run_meta):
                    return
            if time.monotonic() >= deadline:
                if seen is not None:
                    raise StoreMismatchError(
                        f"rank {self.rank}: run {self.run!r} uses encoding {seen.get('encoding')} / projection "
                        f"{seen.get('projection')} but this writer has {run_meta['encoding']} / "
                        f"{run_meta['projection']}"
                    )
                raise StoreNotFoundError(
                    f"rank {self.rank}: run {self.run!r} was not created by rank 0 in {self.url} "
                    f"within {timeout_s:g} s (wait_for_run_s)"
                )
            time.sleep(_POLL_S)

    def _fresh_rank_group(self, path: str):
        # Rooted at the rank group: it and the arrays created in it later write nothing in the folders other
        # writers share, so what a crash leaves is in this group, which the next owner cleans (see sub_store).
        return zarr.create_group(
            sub_store(self._store, path), overwrite=True,
            attributes={"committed": 0, "committed_tokens": 0, "skipped": {}, EVERY_SHARD_STORED: True},
        )

    def _setup_rank_group(self, resume: int | None, overwrite: bool):
        path = f"{self.run}/{rank_group(self.rank)}"
        try:
            group = self._open_group(path)
        except StoreCorruptError:
            if not overwrite:
                raise
            return self._fresh_rank_group(path)  # replacing it anyway
        if group is None:
            if resume:
                raise StoreMismatchError(
                    f"cannot resume {path} at row {resume}: the store has no rows for it"
                )
            return self._fresh_rank_group(path)
        if self._ownership.took_over_crashed:
            self._remove_partial_files(path)
        committed = self._committed_of(group)
        if overwrite:
            log.info("provenance store %s: overwrite=True replaces %s (%d committed rows)", self.url, path, committed)
            return self._fresh_rank_group(path)
        if committed == 0:
            if resume is not None or not self._holds_nodes(group):
                return self._fresh_rank_group(path)  # empty, or a checkpoint that asks to restart at row 0
            if self._ownership.took_over_crashed:
                log.warning("provenance store %s: %s holds arrays but no committed rows, left by a writer that "
                            "crashed before its first commit (%s); recreating it", self.url, path,
                            self._ownership.previous_gone)
                return self._fresh_rank_group(path)
            raise StoreExistsError(
                f"{self.url}: {path} holds arrays but no committed rows, and no crashed writer left them (no stale "
                "owner record): another writer may be creating them. Use a new run name, or pass overwrite=True "
                "to replace them."
            )
        if resume is None:
            raise StoreExistsError(
                f"{self.url}: run {self.run!r} rank {self.rank} already holds {committed} committed rows. "
                "Use a new run name, pass overwrite=True to replace it, or resume from a training "
                "checkpoint (resume_committed=<rows recorded in the checkpoint>)."
            )
        if resume > committed:
            raise StoreMismatchError(
                f"cannot resume {path} at row {resume}: only {committed} rows are committed "
                "(is the checkpoint from another run?)"
            )
        self._resume(group, resume)
        return group

    def _resume(self, group, n: int) -> None:
        with metadata_guard(self._store, self.url, group.path):
            arrays = self._existing_arrays(group)
        missing = [p for p in (*BASE_COLUMNS, TOKENS_IDS, TOKENS_END) if p not in arrays]
        if missing:
            raise StoreMismatchError(f"{self.run}/{group.basename}: arrays {missing} are missing, cannot resume")
        dense = bool(group.attrs.get(EVERY_SHARD_STORED, False))
        # The rows kept are read back through checked reads: a missing shard must not come back as zeros and be
        # written again as if it were data.
        ends = CheckedArray(arrays[TOKENS_END], url=self.url, limit=n, every_shard_stored=dense)
        n_tokens = int(ends[n - 1]) if n else 0
        # Truncate first: if we crash while reloading, readers still see a consistent prefix.
        group.update_attributes({"committed": n, "committed_tokens": n_tokens})
        for path, array in arrays.items():
            col = _Column(array.with_config(_DENSE))
            upto = n_tokens if is_token_aligned(path) else n
            start = upto // col.shard * col.shard
            col.load(start, CheckedArray(array, url=self.url, limit=upto, every_shard_stored=dense)[start:upto])
            if path == TOKENS_IDS:
                self._tok = col
            elif is_token_aligned(path):
                self._tok_states[path] = col
            else:
                self._cols[path] = col
        self._rows = self._committed = n
        self._tokens = self._committed_tokens = n_tokens
        self._skipped = {k: int(v) for k, v in (group.attrs.get("skipped") or {}).items()}
        # What later puts must match.
        self._id_kind = "num" if arrays["sample_id"].dtype.kind in "iu" else "str"
        self._sig_keys = {}
        self._col_kinds = {}
        self._tok_keys = {}
        for path, array in arrays.items():
            if is_token_aligned(path):
                if path.endswith(TOKEN_STATES):
                    self._tok_keys[parse_prefixed_int(path.split("/", 1)[0], LAYER_PREFIX)] = None
            elif path.startswith(LAYER_PREFIX) and not path.endswith(SCALE_SUFFIX):
                layer, name = path.split("/", 1)
                self._sig_keys[(parse_prefixed_int(layer, LAYER_PREFIX), name)] = None
            elif "/" not in path and path not in BASE_COLUMNS:
                self._col_kinds[path] = "num" if array.dtype.kind in "biuf" else "str"

    @staticmethod
    def _existing_arrays(group) -> dict:
        arrays = {name: a for name, a in group.arrays()}
        for gname, sub in group.groups():
            if gname == "tokens" or parse_prefixed_int(gname, LAYER_PREFIX) is not None:
                for name, a in sub.arrays():
                    arrays[f"{gname}/{name}"] = a
        return arrays

    # ---- validation (caller's thread) -------------------------------------------------

    def _validate(self, rows: CaptureRows) -> None:
        if not isinstance(rows, CaptureRows):
            raise StoreValueError(f"put() takes CaptureRows, got {type(rows).__name__}")
        n = len(rows)
        for reason, count in rows.skipped.items():
            if not isinstance(reason, str) or not _is_int(count) or count < 0:
                raise StoreValueError(f"skipped must map str -> count >= 0, got {reason!r}: {count!r}")
        if n == 0:
            return
        for what, seq in (("source", rows.source), ("loss", rows.loss),
                          ("prompt_len", rows.prompt_len), ("token_ids", rows.token_ids)):
            if len(seq) != n:
                raise StoreValueError(f"CaptureRows.{what} has {len(seq)} entries for {n} sample ids")

        if all(_is_int(v) for v in rows.sample_id):
            kind = "num"
        elif all(isinstance(v, str) for v in rows.sample_id):
            kind = "str"
        else:
            raise StoreValueError(
                "sample ids must be all ints or all strs; got a mix of "
                f"{sorted({type(v).__name__ for v in rows.sample_id})}"
            )
        if self._id_kind is not None and kind != self._id_kind:
            want = "int" if self._id_kind == "num" else "str"
            raise StoreValueError(
                f"this run stores {want} sample ids but the batch has {'int' if kind == 'num' else 'str'} "
                "ids; sample ids may not mix types"
            )

        sig_keys: dict[tuple[int, str], int] = {}
        for layer, by_name in rows.signatures.items():
            if not _is_int(layer) or int(layer) < 0:
                raise StoreValueError(f"signature layers must be ints >= 0, got {layer!r}")
            for name, mat in by_name.items():
                check_name(name, "signature")
                if name == TOKEN_STATES:
                    raise StoreValueError(f"signature name {name!r} is reserved for per-token states (token_states)")
                if name.endswith(SCALE_SUFFIX):
                    raise StoreValueError(f"signature name {name!r} may not end with {SCALE_SUFFIX!r}")
                shape = tuple(mat.shape)
                if len(shape) != 2 or shape[0] != n:
                    raise StoreValueError(f"signature layer {layer} {name!r} has shape {shape}, expected ({n}, d)")
                sig_keys[(int(layer), name)] = int(shape[1])
        _check_like_the_run(sig_keys, self._sig_keys, "signatures", "layers and names")

        n_tokens = sum(len(t) for t in rows.token_ids)
        tok_keys: dict[int, int] = {}
        for layer, mat in rows.token_states.items():
            if not _is_int(layer) or int(layer) < 0:
                raise StoreValueError(f"token-state layers must be ints >= 0, got {layer!r}")
            shape = tuple(mat.shape)
            if len(shape) != 2 or shape[0] != n_tokens:
                raise StoreValueError(
                    f"token states of layer {layer} have shape {shape}, expected ({n_tokens}, d): one row per token "
                    "of token_ids"
                )
            tok_keys[int(layer)] = int(shape[1])
        _check_like_the_run(tok_keys, self._tok_keys, "token-state layers", "layers")

        col_kinds = {}
        for name, values in rows.columns.items():
            check_name(name, "column")
            if name in RESERVED_NAMES or name.startswith((LAYER_PREFIX, RANK_PREFIX)):
                raise StoreValueError(f"column name {name!r} is reserved")
            if len(values) != n:
                raise StoreValueError(f"column {name!r} has {len(values)} values for {n} rows")
            col_kinds[name] = _value_kind(values)
        if self._col_kinds is not None and col_kinds != self._col_kinds:
            raise StoreValueError(
                f"extra columns {col_kinds} differ from the run's {self._col_kinds}; "
                "every batch must carry the same columns with the same kinds"
            )

        self._id_kind = kind
        self._sig_keys = dict(sig_keys)
        self._tok_keys = dict(tok_keys)
        self._col_kinds = col_kinds

    def _enqueue(self, item) -> None:
        while True:
            try:
                self._queue.put(item, timeout=1.0)
                return
            except queue.Full:
                if not self._thread.is_alive():
                    raise StoreWriteError("store writer thread is not running") from self._error

    def _raise_if_failed(self) -> None:
        err = self._error
        if err is not None:
            raise StoreWriteError(
                f"background store writer for {self.url} run {self.run!r} rank {self.rank} failed: "
                f"{type(err).__name__}: {err}. The store is consistent at its last commit "
                f"({self._committed} rows); rows put after that were not stored."
            ) from err

    # ---- writer thread ----------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=max(0.0, self._next_beat - time.monotonic()))
            except queue.Empty:
                self._heartbeat()
                continue
            if time.monotonic() >= self._next_beat:
                self._heartbeat()
            if item is _STOP:
                return
            try:
                if self._error is None:  # after a failure, drain without writing
                    # A writer whose group another writer took over (overwrite=True) must not write into it:
                    # one small read per batch fences it off before any shard write.
                    self._ownership.check()
                    if isinstance(item, _Flush):
                        self._flush_now()
                    else:
                        self._process(item)
            except BaseException as exc:  # kept, re-raised by put/flush/close
                self._error = exc
                log.debug("store writer failed", exc_info=True)
            finally:
                if isinstance(item, _Flush):
                    item.done.set()

    def _heartbeat(self) -> None:
        """Refresh the owner record's heartbeat (writer thread); losing the group stops all writing."""
        self._next_beat = time.monotonic() + self._heartbeat_s
        try:
            self._ownership.heartbeat()
        except StoreLockedError as exc:
            if self._error is None:
                self._error = exc
        except OSError as exc:  # a transient storage error: the next beat retries, well before the stale timeout
            log.warning("provenance store %s: heartbeat of run %r rank %d failed: %s", self.url, self.run,
                        self.rank, exc)

    def _process(self, rows: CaptureRows) -> None:
        if rows.ready is not None:
            rows.ready.synchronize()
        if len(rows):
            data, ids, ends, tok_data = self._encode_rows(rows)
            if not self._cols:
                self._create_arrays(data, tok_data)
            for path, block in data.items():
                self._cols[path].append(block)
            for path, block in tok_data.items():
                self._tok_states[path].append(block)
            self._tok.append(ids)
            self._pending_ends.append(ends)
            self._rows += len(rows)
            self._tokens = int(ends[-1]) if len(ends) else self._tokens
            self._write_shards()
        if rows.skipped:
            self._pending_skips.append((self._rows, dict(rows.skipped)))
        self._commit()

    def _flush_now(self) -> None:
        self._write_shards(partial=True)
        self._commit()

    def _write_shards(self, partial: bool = False) -> None:
        """Write every complete shard of every array; with ``partial`` also the current partial shard."""
        for col in self._all_cols():
            col.write_full_shards()
            if partial:
                col.write_partial()

    def _all_cols(self):
        yield from self._cols.values()
        if self._tok is not None:
            yield self._tok
        yield from self._tok_states.values()

    def _encode_rows(self, rows: CaptureRows):
        n = len(rows)
        data: dict[str, np.ndarray] = {}
        if self._id_kind == "str":
            data["sample_id"] = np.array(rows.sample_id, dtype=object)
        else:
            data["sample_id"] = np.asarray([int(v) for v in rows.sample_id], dtype=np.int64)
        if not all(isinstance(s, str) for s in rows.source):
            raise StoreValueError("CaptureRows.source must hold strs")
        data["source"] = np.array(rows.source, dtype=object)
        data["epoch"] = np.full(n, rows.epoch, dtype=np.int32)
        data["step"] = np.full(n, rows.step, dtype=np.int64)
        data["loss"] = _to_numpy(rows.loss, np.float32).reshape(n)
        data["prompt_len"] = _to_numpy(rows.prompt_len).astype(np.int32).reshape(n)

        token_arrays = [_to_numpy(t).astype(np.int32).reshape(-1) for t in rows.token_ids]
        lengths = np.fromiter((len(t) for t in token_arrays), dtype=np.int64, count=n)
        ids = np.concatenate(token_arrays) if token_arrays else np.zeros(0, np.int32)
        ends = self._tokens + np.cumsum(lengths)
        data["tokens/end"] = ends

        for layer, by_name in rows.signatures.items():
            for name, mat in by_name.items():
                label = f"layer {int(layer)} {name!r}"
                x = _to_numpy(mat, np.float32)
                if self._projection is not None:
                    x = project(x, self._projection_for(x.shape[1]))
                payload, scale = encode(x, self._encoding.name, label=label)
                data[signature_path(layer, name)] = payload
                if scale is not None:
                    data[scale_path(layer, name)] = scale

        tok_data: dict[str, np.ndarray] = {}
        for layer, mat in rows.token_states.items():
            x = _to_numpy(mat, np.float32)
            if self._projection is not None:
                x = project(x, self._projection_for(x.shape[1]))
            payload, scale = encode(x, self._encoding.name, label=f"layer {int(layer)} token states")
            tok_data[token_state_path(layer)] = payload
            if scale is not None:
                tok_data[token_state_path(layer) + SCALE_SUFFIX] = scale

        for name, values in rows.columns.items():
            if self._col_kinds.get(name) == "str":
                if not all(isinstance(v, str) for v in values):
                    raise StoreValueError(f"column {name!r} mixes strs with other values")
                data[name] = np.array(list(values), dtype=object)
            else:
                arr = _to_numpy(values).reshape(n)
                col = self._cols.get(name)
                if col is not None:  # later batches take the dtype of the first rows
                    if arr.dtype.kind == "f" and col.array.dtype.kind in "iub":
                        raise StoreValueError(f"column {name!r} is {col.array.dtype}, got float values")
                    arr = arr.astype(col.array.dtype)
                elif arr.dtype.kind == "i":
                    arr = arr.astype(np.int64)
                data[name] = arr
        if self._cols:
            stored = {**self._cols, **self._tok_states}
            unknown = (set(data) | set(tok_data)) - set(stored)
            if unknown:  # resumed store without these arrays
                raise StoreValueError(f"arrays {sorted(unknown)} do not exist in the resumed store")
            missing = set(self._tok_states) - set(tok_data)
            if missing:  # resumed store with token states, batch without them
                raise StoreValueError(f"the resumed store holds {sorted(missing)}; this batch has no token states")
            for path, block in {**data, **tok_data}.items():
                if block.shape[1:] != stored[path].tail:
                    raise StoreValueError(
                        f"{path}: rows of width {block.shape[1:]} do not fit the stored {stored[path].tail}"
                    )
        return data, ids, ends, tok_data

    def _projection_for(self, d: int) -> np.ndarray:
        if d not in self._proj_cache:
            self._proj_cache[d] = projection_matrix(self._projection["seed"], d, self._projection["dim"])
        return self._proj_cache[d]

    def _create_arrays(self, data: dict[str, np.ndarray], tok_data: dict[str, np.ndarray]) -> None:
        """First rows of a fresh rank group: their dtypes decide the arrays' dtypes."""
        g = self._group
        for path, block in data.items():
            dtype = "str" if block.dtype == object else block.dtype.name
            width = block.shape[1] if block.ndim == 2 else None
            kwargs = row_array_kwargs(dtype, width, self._shard_rows, self._chunk_rows)
            self._cols[path] = _Column(g.create_array(path, **kwargs, config=_DENSE))
        for path, block in tok_data.items():
            width = block.shape[1] if block.ndim == 2 else None
            kwargs = token_state_array_kwargs(block.dtype.name, width, self._shard_token_states)
            self._tok_states[path] = _Column(g.create_array(path, **kwargs, config=_DENSE))
        self._tok = _Column(g.create_array(TOKENS_IDS, **token_array_kwargs(self._shard_tokens), config=_DENSE))

    def _commit(self) -> None:
        """Publish the longest prefix of rows whose data (and tokens) are all on disk."""
        rows_durable = min((c.durable for c in self._cols.values()), default=self._rows)
        tokens_durable = min((c.durable for c in self._tok_states.values()),
                             default=self._tok.durable if self._tok is not None else self._tokens)
        if self._tok is not None:
            tokens_durable = min(tokens_durable, self._tok.durable)
        ends = (
            np.concatenate(self._pending_ends) if len(self._pending_ends) > 1
            else (self._pending_ends[0] if self._pending_ends else np.zeros(0, np.int64))
        )
        with_tokens = self._committed + int(np.searchsorted(ends, tokens_durable, side="right"))
        n = min(rows_durable, with_tokens)
        skipped = dict(self._skipped)
        folded = 0
        for upto, counts in self._pending_skips:
            if upto > n:
                break
            for reason, count in counts.items():
                skipped[reason] = skipped.get(reason, 0) + int(count)
            folded += 1
        if n == self._committed and not folded:
            return
        n_tokens = int(ends[n - self._committed - 1]) if n > self._committed else self._committed_tokens
        self._write_commit(n, n_tokens, skipped)
        rest = ends[n - self._committed:]
        self._pending_ends = [rest] if len(rest) else []
        del self._pending_skips[:folded]
        self._committed, self._committed_tokens, self._skipped = n, n_tokens, skipped

    def _write_commit(self, n: int, n_tokens: int, skipped: dict) -> None:
        # Checked again right before publishing: a takeover while this batch's shards were written.
        self._ownership.check()
        # One zarr.json write; it replaces the file atomically on local disk.
        self._group.update_attributes({"committed": n, "committed_tokens": n_tokens, "skipped": skipped})


# ---- compatibility check before training -------------------------------------------------

def check_store_compatible(url: str, *, model: dict, run: str, resuming: bool = False,
                           overwrite: bool = False, storage_options: dict | None = None,
                           rank: int | None = None) -> None:
    """Fail fast, before training, where a StoreWriter would fail later; reads only.

    Args:
        url: path or fsspec URL of the store (a missing store is fine).
        model: the model fingerprint the writer will record.
        run: run name.
        resuming: the run continues from a training checkpoint.
        overwrite: the run will be replaced.
        storage_options: fsspec options for remote stores.
        rank: also refuse when a live writer owns this rank's group (skipped with ``overwrite``).

    Raises:
        StoreMismatchError: the store holds another model or a newer schema.
        StoreExistsError: ``run`` already holds committed rows and neither ``resuming`` nor ``overwrite`` is set.
        StoreLockedError: (with ``rank``) another writer that may still be running owns the rank's group.
    """
    store = open_zarr_store(url, storage_options, read_only=True)
    if rank is not None and not overwrite:  # (a writer owns its group from before it creates the store's root)
        check_not_owned(store, run, rank, url=str(url))
    try:
        root = zarr.open_group(store, mode="r")
    except (zarr.errors.NodeNotFoundError, FileNotFoundError):
        return
    meta = root.attrs.get(ROOT_ATTR)
    if meta is not None:
        check_root(meta, model)
    if resuming or overwrite or run not in root.group_keys():
        return
    committed = {}
    for name, group in root[run].groups():
        rank = parse_prefixed_int(name, RANK_PREFIX)
        if rank is not None and int(group.attrs.get("committed", 0) or 0) > 0:
            committed[rank] = int(group.attrs["committed"])
    if committed:
        raise StoreExistsError(
            f"{url}: run {run!r} already holds committed rows {committed} (rank: rows). Use a new run "
            "name, pass overwrite=True to replace it, or resume from a training checkpoint."
        )
