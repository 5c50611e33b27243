"""The live watch's computation: per step, per source, per watch, the push of the rows the model trained on.

For each captured row z and watch (layer l, unit direction v), push(z) = -<g_mean(z), v> with g_mean the row's
representation gradient at l, at the per-sample scale the store keeps (the gradient of the row's own mean response
cross-entropy; for DPO rows, of its pair's loss term). Training on z moves its representation along -g_mean, so a
positive push moves it toward +v. Per step and source the monitor sums the pushes (and their mean per row), keeps the
running cumulative sum, runs the watches' alarm rules when a step closes, and appends the records to the store.

It reads what capture already computed: the ``g_mean`` of each `CaptureRows`, one [rows, hidden] x [hidden, watches]
matmul per watched layer (every watch of a layer at once). Those rows are the host copies the capture engine makes
for the store writer; on a GPU the copy is asynchronous, so a batch whose copy has not landed yet (its CUDA event not
done) is computed at the next batch instead of waiting for it: the training thread never blocks on the device. (A
matmul on the device before the copy would need a hook inside `CaptureEngine.end`; the host matmul on rows the copy
brings anyway costs microseconds.)
"""
from __future__ import annotations

import heapq
import logging
import math
from collections import deque
from collections.abc import Sequence

import numpy as np
import torch

from provenance.behaviour.watch import Watch, check_against_capture, check_watches
from provenance.behaviour.watch_alarm import PushHistory
from provenance.behaviour.watch_series import COLUMNS, WatchSeriesWriter, empty_records
from provenance.errors import CaptureConfigError

log = logging.getLogger(__name__)

UNKNOWN_SOURCE = "unknown"
METRIC_PREFIX = "provenance_watch"
TOP_ROWS = 5
# Records buffered before the series is committed even without a checkpoint (a few KB).
FLUSH_RECORDS = 2048
# A resumed direction must be the stored one: a series mixing two directions would be meaningless.
_SAME_DIRECTION_COS = 0.9999


class WatchMonitor:
    """Pushes of captured rows along watched directions, per step and source, with alarms and a stored series.

    The capture session drives it: `check_setup` before training, `start` at the first batch (layers known, model at
    train start), `begin_batch` / `observe` around each micro-batch, `end_step` when the optimizer stepped, `commit`
    at checkpoints and `close` at the end. Adapters read `metrics()` for the framework's loggers and `stop_requested`.

    Args:
        watches: the watches (`provenance.behaviour.watch.Watch`), unique names.
        flush_records: records buffered before the series is committed between checkpoints.
    """

    def __init__(self, watches: Sequence[Watch], *, flush_records: int = FLUSH_RECORDS):
        self.watches = check_watches(watches)
        if not self.watches:
            raise CaptureConfigError("WatchMonitor needs at least one watch")
        self.flush_records = int(flush_records)
        self.names = [w.name for w in self.watches]
        self.directions: np.ndarray | None = None              # [W, d] unit directions, float64
        self._by_layer: dict[int, tuple[list[int], torch.Tensor]] = {}
        self.writer: WatchSeriesWriter | None = None
        self.rank = 0
        keep = max([w.alarm.keep_steps for w in self.watches if w.alarm is not None] + [1])
        self.history = {w.name: PushHistory(keep) for w in self.watches}
        self._recent_top: dict[tuple[str, str], deque] = {}
        self._keep_steps = keep
        self.fired: set[tuple[str, str, str]] = set()
        self.alarms: list[dict] = []
        self.stop_requested = False
        self.nonfinite: dict[str, int] = {}
        self.unknown_source_rows = 0
        self._batch_has_source = True
        self._pending: deque = deque()
        self._step: int | None = None
        self._epoch = 0
        self._acc: dict[str, list[np.ndarray]] = {}             # source -> [sums, counts, sums of squares] [W]
        self._top: dict[tuple[str, str], list] = {}             # (watch, source) -> min-heap of (push, seq, sample_id)
        self._seq = 0
        self._last: dict[tuple[str, str], tuple[float, float]] = {}  # latest step's (push_sum, push_mean)

    # ---- before training --------------------------------------------------------------------------------------
    def check_setup(self, *, hidden_size: int, layers: Sequence[int] | None, signatures: Sequence[str]) -> None:
        """Refuse, before training, watches capture cannot serve (see `check_against_capture`)."""
        check_against_capture(self.watches, hidden_size=hidden_size, layers=layers, signatures=signatures)

    def start(self, model, *, layers: Sequence[int], hidden_size: int, signatures: Sequence[str], store: str, run: str,
              rank: int = 0, world_size: int = 1, resume_step: int | None = None,
              storage_options: dict | None = None) -> None:
        """Resolve the directions with the model at train start and open the store series (kept up to a resume)."""
        check_against_capture(self.watches, hidden_size=hidden_size, layers=list(layers), signatures=signatures)
        self.rank = int(rank)
        meta = [{"name": w.name, "layer": int(w.layer), "origin": w.origin,
                 "alarm": None if w.alarm is None else repr(w.alarm)} for w in self.watches]
        stored = {}
        if resume_step is not None:
            stored = WatchSeriesWriter.peek_directions(store, run, rank, storage_options)
        directions = []
        for w in self.watches:
            if w.name in stored and w.computed_at_start:
                directions.append(stored[w.name])   # pairs, probe: the direction of the run's start, not the resume's
                continue
            v = w.resolve(model)
            if w.name in stored and float(np.dot(stored[w.name], v)) < _SAME_DIRECTION_COS:
                raise CaptureConfigError(
                    f"watch {w.name!r}: its direction differs from the one the resumed run's series was computed with "
                    f"(cosine {float(np.dot(stored[w.name], v)):.4f}): resume with the same direction or use another "
                    "watch name"
                )
            directions.append(v)
        self.directions = np.stack(directions)
        for layer in sorted({w.layer for w in self.watches}):
            idx = [i for i, w in enumerate(self.watches) if w.layer == layer]
            self._by_layer[layer] = (idx, torch.as_tensor(self.directions[idx].T, dtype=torch.float32))
        self.writer = WatchSeriesWriter(store, run, rank=rank, world_size=world_size, watches=meta,
                                        directions=self.directions, resume_step=resume_step,
                                        storage_options=storage_options)
        self._restore(self.writer)
        for w in self.watches:
            log.info("provenance watch %r: layer %d, %s%s", w.name, w.layer, w.origin,
                     "" if w.alarm is None else f", alarm {w.alarm!r}")

    # ---- every micro-batch ----------------------------------------------------------------------------------
    def begin_batch(self, *, has_source: bool) -> None:
        """Declare whether the coming batch carries `source` (rows without one are grouped as "unknown")."""
        self._batch_has_source = bool(has_source)

    def observe(self, rows) -> None:
        """Take a batch's `CaptureRows`; computed now, or at a later call when its device copy is still in flight."""
        if rows is None or len(rows) == 0:
            self._drain(block=False)
            return
        self._pending.append((rows, self._batch_has_source))
        self._drain(block=False)

    def end_step(self) -> None:
        """The optimizer stepped: close the step once its rows are computed (never waits on the device)."""
        self._drain(block=False)
        if not self._pending:
            self._close_step()

    def commit(self) -> int:
        """Compute every batch (waiting for in-flight copies), close the step and commit the series."""
        self._drain(block=True)
        self._close_step()
        return self._commit()

    def close(self) -> None:
        if self.writer is not None:
            self.commit()
            self.writer = None

    def metrics(self) -> dict[str, float]:
        """Live values for the framework's loggers: per watch and source the cumulative push (all steps so far), and
        for the sources of the latest step its push sum and mean per row."""
        self._drain(block=False)
        out = {}
        latest = dict(self._last)
        open_sums = {}
        for source, (sums, counts, _) in self._acc.items():
            for i, name in enumerate(self.names):
                if counts[i]:
                    open_sums[(name, source)] = float(sums[i])
                    latest[(name, source)] = (float(sums[i]), float(sums[i]) / counts[i])
        for name in self.names:
            hist = self.history[name]
            sources = set(hist.cum) | {s for (w, s) in open_sums if w == name}
            for source in sorted(sources):
                key = f"{METRIC_PREFIX}/{name}/{source}"
                out[f"{key}/cum_push"] = hist.cum.get(source, 0.0) + open_sums.get((name, source), 0.0)
                if (name, source) in latest:
                    out[f"{key}/push_sum"], out[f"{key}/push_mean"] = latest[(name, source)]
        return out

    # ---- internals ------------------------------------------------------------------------------------------
    def _drain(self, *, block: bool) -> None:
        while self._pending:
            rows, has_source = self._pending[0]
            ready = rows.ready
            if ready is not None:
                query = getattr(ready, "query", None)
                if callable(query) and not block and not query():
                    return
                ready.synchronize()
            self._pending.popleft()
            self._process(rows, has_source)

    def pushes(self, rows) -> np.ndarray:
        """[rows, watches] push -<g_mean, v> of every row along every watch (float64)."""
        out = np.empty((len(rows), len(self.watches)), np.float64)
        for layer, (idx, v) in self._by_layer.items():
            g = torch.as_tensor(rows.signatures[layer]["g_mean"])
            p = -(g.float() @ v.to(g.device))
            out[:, idx] = p.double().cpu().numpy()
        return out

    def _process(self, rows, has_source: bool) -> None:
        step, epoch = int(rows.step), int(rows.epoch)
        if self._step is not None and step != self._step:
            self._close_step()
        self._step, self._epoch = step, epoch
        push = self.pushes(rows)
        if has_source:
            sources = [str(s) for s in rows.source]
        else:
            sources = [UNKNOWN_SOURCE] * len(rows)
            if not self.unknown_source_rows:
                log.warning("provenance watch: training batches carry no `source`; their rows are grouped under "
                            "%r (add a `source` entry to each batch to tell data sources apart)", UNKNOWN_SOURCE)
            self.unknown_source_rows += len(rows)
        finite = np.isfinite(push)
        bad = (~finite).sum(0)
        for i in np.flatnonzero(bad):
            name = self.names[i]
            if not self.nonfinite.get(name):
                log.warning("provenance watch %r: rows with a non-finite push are skipped and counted (first at step "
                            "%d)", name, step)
            self.nonfinite[name] = self.nonfinite.get(name, 0) + int(bad[i])
        clean = np.where(finite, push, 0.0)
        W = len(self.watches)
        for source in dict.fromkeys(sources):
            mask = np.fromiter((s == source for s in sources), bool, len(sources))
            acc = self._acc.setdefault(source, [np.zeros(W), np.zeros(W, np.int64), np.zeros(W)])
            acc[0] += clean[mask].sum(0)
            acc[1] += finite[mask].sum(0)
            acc[2] += (clean[mask] ** 2).sum(0)
        for r, (source, sid) in enumerate(zip(sources, rows.sample_id)):
            for i, name in enumerate(self.names):
                if finite[r, i]:
                    self._keep_top((name, source), float(push[r, i]), sid)

    def _keep_top(self, key: tuple[str, str], value: float, sample_id) -> None:
        heap = self._top.setdefault(key, [])
        self._seq += 1
        item = (value, self._seq, sample_id)
        if len(heap) < TOP_ROWS:
            heapq.heappush(heap, item)
        elif value > heap[0][0]:
            heapq.heapreplace(heap, item)

    def _close_step(self) -> None:
        if not self._acc:
            self._step = None
            return
        step, epoch = self._step, self._epoch
        records = empty_records()
        self._last = {}
        for i, name in enumerate(self.names):
            per_source = {}
            for source, (sums, counts, sumsq) in sorted(self._acc.items()):
                n = int(counts[i])
                if n == 0:
                    continue
                per_source[source] = (float(sums[i]), n, float(sumsq[i]))
                top = self._recent_top.setdefault((name, source), deque(maxlen=self._keep_steps))
                top.append((step, sorted(self._top.get((name, source), []), reverse=True)))
            history = self.history[name]
            history.add_step(step, per_source)
            for source, (total, n, sumsq) in per_source.items():
                mean = total / n
                self._last[(name, source)] = (total, mean)
                values = (step, epoch, source, name, n, total, mean, sumsq, history.cum[source])
                for column, value in zip(COLUMNS, values):
                    records[column].append(value)
            self._check_alarm(self.watches[i], history, step, epoch)
        self._acc, self._top, self._step = {}, {}, None
        if self.writer is not None:
            self.writer.append(records)
            if self.writer.buffered >= self.flush_records:
                self._commit()

    def _check_alarm(self, watch: Watch, history: PushHistory, step: int, epoch: int) -> None:
        rule = watch.alarm
        if rule is None:
            return
        for firing in rule.check(history):
            key = (watch.name, firing.source, rule.name)
            if key in self.fired:
                continue
            self.fired.add(key)
            top = self._top_rows(watch.name, firing.source, step - rule.keep_steps + 1)
            event = {"watch": watch.name, "source": firing.source, "step": step, "epoch": epoch, "rule": firing.rule,
                     "value": firing.value, "reference": firing.reference, "top_rows": top, "stop": bool(rule.stop)}
            self.alarms.append(event)
            shown = ", ".join(f"{sid} ({p:+.4g})" for sid, p in top)
            log.warning("provenance watch alarm: source %r pushes watch %r at step %d (epoch %d, rank %d): %s "
                        "(%.4g > %.4g). Rows pushing most: %s%s", firing.source, watch.name, step, epoch, self.rank,
                        firing.rule, firing.value, firing.reference, shown,
                        "; stopping training" if rule.stop else "")
            if rule.stop:
                self.stop_requested = True

    def _top_rows(self, name: str, source: str, first_step: int) -> list[list]:
        merged = [(p, sid) for step, top in self._recent_top.get((name, source), ()) if step >= first_step
                  for p, _, sid in top]
        merged.sort(key=lambda t: -t[0])
        return [[_plain(sid), float(p)] for p, sid in merged[:TOP_ROWS]]

    def _commit(self) -> int:
        if self.writer is None:
            return 0
        return self.writer.commit(nonfinite=self.nonfinite, unknown_source_rows=self.unknown_source_rows,
                                  alarms=self.alarms)

    def _restore(self, writer: WatchSeriesWriter) -> None:
        """Continue a resumed run's series: replay the kept records into the histories."""
        kept = writer.kept
        self.nonfinite = {k: int(v) for k, v in writer.meta.get("nonfinite", {}).items()}
        self.unknown_source_rows = int(writer.meta.get("unknown_source_rows", 0))
        self.alarms = list(writer.meta.get("alarms", []))
        for a in self.alarms:
            rule = next((w.alarm for w in self.watches if w.name == a["watch"] and w.alarm is not None), None)
            if rule is not None:
                self.fired.add((a["watch"], a["source"], rule.name))
        if kept.empty:
            return
        for name, frame in kept.groupby("watch", sort=False):
            if name not in self.history:
                continue
            for step, part in frame.groupby("step", sort=True):
                self.history[name].add_step(int(step), {str(s): (float(t), int(n), float(q)) for s, t, n, q in
                                                        zip(part["source"], part["push_sum"], part["rows"],
                                                            part["push_sumsq"])})


def _plain(sample_id):
    if isinstance(sample_id, (np.integer,)):
        return int(sample_id)
    if isinstance(sample_id, float) and math.isfinite(sample_id) and sample_id.is_integer():
        return int(sample_id)
    return sample_id if isinstance(sample_id, (int, str)) else str(sample_id)
