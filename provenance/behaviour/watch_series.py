"""The live watch's time series in the capture store, so that it survives the run.

::

    <run>/watch-rank-<r>/    attrs {"provenance_watch": {committed, watches, hidden_size, nonfinite,
                                                         unknown_source_rows, alarms}}
      step epoch source watch rows push_sum push_mean push_sumsq cum_push   [N]  a record per (step, source, watch)
      directions                                                  [W, hidden_size] float32, the unit directions

One group per rank, a sibling of the rank's capture group (readers of the rows ignore it), written only by the process
that owns ``rank-<r>`` (its `StoreWriter` holds the rank's ownership record, and has created the run), through a
store rooted at the group (`provenance.store.schema.sub_store`, as the rank groups are), so that creating it and its
arrays writes nothing in the run or root folders other writers share; from the training thread at commit points: when the session commits (every checkpoint), every ``flush_records`` records and at the end. Like the rows,
records are visible only up to ``committed``: a killed run keeps its series up to its last commit, and a resumed one
keeps the records of the steps before the checkpoint's and records the rest again.

Why a separate Zarr group and not rows of the capture writer: the series is a few numbers per step (a record per
source and watch), appended in order and read whole, while the capture writer's thread buffers whole shards of
per-sample rows; a small group of its own keeps the writer's format and crash protocol untouched, works on every
store URL the rows do (local, ``memory://``, object storage), and costs one small write per commit.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from collections.abc import Sequence

import numpy as np
import pandas as pd
import zarr
from zarr.errors import NodeNotFoundError

from provenance.errors import StoreNotFoundError
from provenance.store.schema import open_zarr_store, parse_prefixed_int, sub_store

log = logging.getLogger(__name__)

WATCH_PREFIX = "watch-rank-"
WATCH_ATTR = "provenance_watch"
COLUMNS: dict[str, str] = {"step": "int64", "epoch": "int32", "source": "str", "watch": "str", "rows": "int64",
                           "push_sum": "float64", "push_mean": "float64", "push_sumsq": "float64",
                           "cum_push": "float64"}
_CHUNK = 4096


def watch_group(run: str, rank: int) -> str:
    return f"{run}/{WATCH_PREFIX}{int(rank)}"


def empty_records() -> dict[str, list]:
    return {c: [] for c in COLUMNS}


class WatchSeriesWriter:
    """Appends one rank's watch records to ``<run>/watch-rank-<rank>``; `commit` makes them visible.

    Args:
        url: the store path or fsspec URL.
        run: the run.
        rank: this process's rank.
        world_size: ranks of the run (rank 0 removes the series of ranks beyond it, left by an earlier run).
        watches: ``[{"name", "layer", "origin"}]`` of the watches, in direction order.
        directions: [W, hidden_size] unit directions.
        resume_step: a resumed run keeps the records of steps before this one; None starts a fresh series.
        storage_options: fsspec options.

    Raises:
        StoreNotFoundError: the run does not exist yet (the capture `StoreWriter` creates it, before this writer).
    """

    def __init__(self, url: str, run: str, *, rank: int, world_size: int, watches: Sequence[dict],
                 directions: np.ndarray, resume_step: int | None = None, storage_options: dict | None = None):
        self.url, self.run, self.rank = str(url), run, int(rank)
        self._store = open_zarr_store(self.url, storage_options)
        self.path = watch_group(run, rank)
        self._require_run()
        self.meta = {"committed": 0, "watches": [dict(w) for w in watches], "hidden_size": int(directions.shape[1]),
                     "nonfinite": {}, "unknown_source_rows": 0, "alarms": []}
        self.kept = pd.DataFrame({c: pd.Series(dtype="object" if t == "str" else t) for c, t in COLUMNS.items()})
        self.stored_directions: dict[str, np.ndarray] = {}
        self._buffer = empty_records()
        group = self._open_existing() if resume_step is not None else None
        if group is not None:
            self._group = group
            self._truncate(int(resume_step))
        else:
            self._group = self._create(directions)
            if self.rank == 0:
                self._remove_other_ranks(world_size)
        self._group["directions"][:] = np.asarray(directions, np.float32)
        self._write_attrs()

    @staticmethod
    def peek_directions(url: str, run: str, rank: int, storage_options: dict | None = None) -> dict[str, np.ndarray]:
        """The unit directions a stored series of this rank was computed with (empty when there is none)."""
        store = open_zarr_store(str(url), storage_options, read_only=True)
        try:
            group = zarr.open_group(store, path=watch_group(run, rank), mode="r")
        except (NodeNotFoundError, FileNotFoundError):
            return {}
        meta = group.attrs.get(WATCH_ATTR)
        if not meta or "directions" not in group:
            return {}
        stored = group["directions"][:]
        return {w["name"]: stored[i].astype(np.float64) for i, w in enumerate(meta.get("watches", []))
                if i < len(stored)}

    # ---- writing --------------------------------------------------------------------------------------------
    def append(self, records: dict[str, list]) -> None:
        """Buffer records (columns of equal length); nothing is visible before `commit`."""
        for c in COLUMNS:
            self._buffer[c].extend(records[c])

    @property
    def buffered(self) -> int:
        return len(self._buffer["step"])

    def commit(self, *, nonfinite: dict, unknown_source_rows: int, alarms: list[dict]) -> int:
        """Write the buffered records, then the group's attrs (the commit); returns the committed count."""
        n = self.buffered
        start = self.meta["committed"]
        if n:
            for c, dtype in COLUMNS.items():
                arr = self._group[c]
                values = np.asarray(self._buffer[c], dtype=object if dtype == "str" else dtype)
                if dtype == "str":
                    values = values.astype(str)
                if arr.shape[0] < start + n:
                    arr.resize((start + n,))
                arr[start:start + n] = values
            self._buffer = empty_records()
        self.meta.update(committed=start + n, nonfinite=dict(nonfinite), unknown_source_rows=int(unknown_source_rows),
                         alarms=list(alarms))
        self._write_attrs()
        return self.meta["committed"]

    # ---- internals ------------------------------------------------------------------------------------------
    def _write_attrs(self) -> None:
        self._group.update_attributes({WATCH_ATTR: self.meta})

    def _require_run(self) -> None:
        try:
            zarr.open_group(self._store, path=self.run, mode="r")
        except (NodeNotFoundError, FileNotFoundError):
            raise StoreNotFoundError(
                f"run {self.run!r} does not exist in {self.url}: the watch series is written beside the run's rows, "
                "so the capture StoreWriter must create the run first") from None

    def _open_existing(self):
        # Rooted at the series group: opening it, resizing and re-creating its arrays writes nothing above it.
        try:
            group = zarr.open_group(sub_store(self._store, self.path), mode="r+")
        except (NodeNotFoundError, FileNotFoundError):
            return None
        return group if WATCH_ATTR in group.attrs else None

    def _create(self, directions: np.ndarray):
        # Through a store rooted at the series group, like the rank groups (see sub_store): the group and the arrays
        # created in it write nothing in the run or root folders, so what a crash leaves is in this group only.
        group = zarr.create_group(sub_store(self._store, self.path), overwrite=True)
        for c, dtype in COLUMNS.items():
            if dtype == "str":
                group.create_array(c, shape=(0,), dtype=str, chunks=(_CHUNK,), fill_value="")
            else:
                group.create_array(c, shape=(0,), dtype=dtype, chunks=(_CHUNK,), fill_value=0)
        group.create_array("directions", shape=tuple(directions.shape), dtype="float32",
                           chunks=tuple(directions.shape), fill_value=0)
        return group

    def _truncate(self, resume_step: int) -> None:
        """Keep the committed records of steps before `resume_step` (records are stored in step order)."""
        old = dict(self._group.attrs[WATCH_ATTR])
        committed = int(old.get("committed", 0))
        steps = self._group["step"][:committed]
        keep = int(np.searchsorted(steps, resume_step, side="left"))
        self.kept = _frame(self._group, keep)
        names = [w["name"] for w in old.get("watches", [])]
        stored = self._group["directions"][:]
        self.stored_directions = {n: stored[i].astype(np.float64) for i, n in enumerate(names) if i < len(stored)}
        self.meta.update(committed=keep, nonfinite=old.get("nonfinite", {}),
                         unknown_source_rows=int(old.get("unknown_source_rows", 0)),
                         alarms=[a for a in old.get("alarms", []) if int(a["step"]) < resume_step])
        for c in COLUMNS:
            self._group[c].resize((keep,))
        if self._group["directions"].shape[0] != len(self.meta["watches"]):
            hidden = self.meta["hidden_size"]
            self._group.create_array("directions", shape=(len(self.meta["watches"]), hidden), dtype="float32",
                                     chunks=(max(1, len(self.meta["watches"])), hidden), fill_value=0, overwrite=True)
        log.info("provenance watch: resuming run %r rank %d at step %d: kept %d of %d series records", self.run,
                 self.rank, resume_step, keep, committed)

    def _remove_other_ranks(self, world_size: int) -> None:
        try:
            run_group = zarr.open_group(self._store, path=self.run, mode="r+")
        except (NodeNotFoundError, FileNotFoundError):
            return
        for name in list(run_group.group_keys()):
            r = parse_prefixed_int(name, WATCH_PREFIX)
            if r is not None and r >= world_size:
                del run_group[name]


@dataclass
class WatchSeries:
    """A run's watch series as read back: ``records`` has one row per (rank, step, source, watch)."""

    records: pd.DataFrame
    watches: list[dict]
    alarms: list[dict] = field(default_factory=list)
    nonfinite: dict = field(default_factory=dict)
    unknown_source_rows: int = 0
    directions: dict[str, np.ndarray] = field(default_factory=dict)

    def combined(self) -> pd.DataFrame:
        """One row per (step, source, watch), summed over ranks, with the cumulative push recomputed."""
        df = self.records
        if df.empty:
            return df.drop(columns=["rank"], errors="ignore").assign(push_mean=[], cum_push=[])
        g = df.groupby(["watch", "source", "step"], sort=True)
        out = g.agg(epoch=("epoch", "max"), rows=("rows", "sum"), push_sum=("push_sum", "sum"),
                    push_sumsq=("push_sumsq", "sum")).reset_index()
        out["push_mean"] = out["push_sum"] / out["rows"].where(out["rows"] > 0)
        out["cum_push"] = out.groupby(["watch", "source"], sort=False)["push_sum"].cumsum()
        return out[list(COLUMNS)].sort_values(["step", "watch", "source"], kind="stable").reset_index(drop=True)

    def totals(self) -> pd.DataFrame:
        """Per (watch, source): rows, cumulative push, mean push per row; largest cumulative push first."""
        df = self.combined()
        if df.empty:
            return pd.DataFrame(columns=["watch", "source", "rows", "cum_push", "push_per_row"])
        out = df.groupby(["watch", "source"]).agg(rows=("rows", "sum"), cum_push=("push_sum", "sum")).reset_index()
        out["push_per_row"] = out["cum_push"] / out["rows"]
        return out.sort_values(["watch", "cum_push"], ascending=[True, False], kind="stable").reset_index(drop=True)


def has_watch_series(url: str, run: str, storage_options: dict | None = None) -> bool:
    """Whether `run` of the store holds a watch series."""
    store = open_zarr_store(str(url), storage_options, read_only=True)
    try:
        run_group = zarr.open_group(store, path=run, mode="r")
    except (NodeNotFoundError, FileNotFoundError):
        return False
    return any(parse_prefixed_int(n, WATCH_PREFIX) is not None for n in run_group.group_keys())


def read_watch_series(url: str, run: str | None = None, *, storage_options: dict | None = None) -> WatchSeries:
    """The committed watch records of every rank of `run` (default: the store's only run).

    Raises:
        StoreNotFoundError: the run does not exist, or it was captured without watches.
    """
    from provenance.store import list_runs

    url = str(url)
    if run is None:
        runs = list_runs(url, storage_options)
        if len(runs) != 1:
            raise StoreNotFoundError(f"{url} holds runs {runs}: name one with --run")
        run = runs[0]
    store = open_zarr_store(url, storage_options, read_only=True)
    try:
        run_group = zarr.open_group(store, path=run, mode="r")
    except (NodeNotFoundError, FileNotFoundError):
        raise StoreNotFoundError(f"run {run!r} not found in {url}") from None
    frames, watches, alarms, nonfinite, unknown, directions = [], [], [], {}, 0, {}
    for name in sorted(run_group.group_keys()):
        rank = parse_prefixed_int(name, WATCH_PREFIX)
        if rank is None:
            continue
        group = run_group[name]
        meta = group.attrs.get(WATCH_ATTR) or {}
        n = int(meta.get("committed", 0))
        frame = _frame(group, n)
        frame.insert(0, "rank", rank)
        frames.append(frame)
        watches = watches or list(meta.get("watches", []))
        alarms += [dict(a, rank=rank) for a in meta.get("alarms", [])]
        for w, count in (meta.get("nonfinite") or {}).items():
            nonfinite[w] = nonfinite.get(w, 0) + int(count)
        unknown += int(meta.get("unknown_source_rows", 0))
        if not directions and "directions" in group:
            stored = group["directions"][:]
            directions = {w["name"]: stored[i] for i, w in enumerate(meta.get("watches", [])) if i < len(stored)}
    if not frames:
        raise StoreNotFoundError(f"run {run!r} of {url} holds no watch series: it was captured without watches "
                                 "(pass watches=[...] to the callback)")
    records = pd.concat(frames, ignore_index=True)
    return WatchSeries(records, watches, alarms, nonfinite, unknown, directions)


def _frame(group, n: int) -> pd.DataFrame:
    """The first `n` records of a series group (strings as Python str objects)."""
    return pd.DataFrame({c: (np.asarray(group[c][:n]).astype(object) if t == "str" else group[c][:n])
                         for c, t in COLUMNS.items()})
