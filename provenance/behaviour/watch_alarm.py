"""Alarm rules of the live provenance watch, evaluated on each watch's per-source push series as steps close.

Two rules, off unless a watch is given one:

* `RelativeAlarm`: over the last ``window`` steps, a source's rows push along the direction more than the other
  sources' rows do, by a large effect (``effect`` pooled standard deviations of a row's push: Cohen's d) that noise
  cannot explain (``z`` standard errors: Welch's two-sample z). Per row, so that a large clean source does not
  outweigh a small poisoned one by its size alone; over a window, so that a source that starts to act late in a run
  (a poisoned source added in the second epoch) stands out against what the others do at the same time, not against
  its own past. The z test alone fires on any real difference once enough rows are seen, and real sources do
  differ along any direction; the effect size does not grow with the rows, and a behaviour a source teaches makes its
  rows push consistently, far beyond the spread of a row's push.
* `ThresholdAlarm`: a source's cumulative push since the start of the run exceeds a fixed value.

A rule fires at most once per (watch, source); the `WatchMonitor` turns a firing into a warning with the source,
the watch, the step and the rows that pushed most, and, when the rule says ``stop=True``, asks the trainer to stop.

Defaults. ``z`` = 5: under the null (the source's rows push like the others'), a one-sided 5-sigma excess has
probability 3e-7 per check; a run of ten thousand steps with ten sources makes fewer than 1e4 independent checks
(overlapping windows are strongly correlated), so a clean run stays quiet with probability above 99.7 %.
``effect`` = 3: between the largest effect a source reached along an unrelated (random) direction in the watch
benchmark and the poisoned source's along the behaviour it teaches; benchmarks/watch/README.md has the numbers, the
checks replayed at other settings, and why a multiple of the other sources' median push was not kept as the rule
(along a direction most sources do not push on, that median is near zero and any distinct source is a large
multiple of it). ``min_rows`` = 16 rows in the window before a source is judged or counts as a reference keeps the
standard deviations themselves from being noisy guesses.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from provenance.errors import CaptureConfigError

DEFAULT_EFFECT = 3.0
DEFAULT_WINDOW = 16
DEFAULT_MIN_ROWS = 16
DEFAULT_Z = 5.0


@dataclass(frozen=True)
class Firing:
    """A rule's verdict on one source at one step."""

    source: str
    value: float       # the source's statistic (effect size d over the window, or cumulative push)
    reference: float   # the threshold it exceeded
    rule: str          # a readable description of the rule


class PushHistory:
    """One watch's per-source push series: cumulative sums and the last steps' (sum, rows, sum of squares).

    Args:
        keep_steps: how many recent steps to keep per source (the longest rule window).
    """

    def __init__(self, keep_steps: int = DEFAULT_WINDOW):
        self.keep_steps = int(keep_steps)
        self.cum: dict[str, float] = {}
        self.cum_rows: dict[str, int] = {}
        self._recent: dict[str, deque] = {}
        self.last_step: int | None = None

    def add_step(self, step: int, per_source: dict[str, tuple]) -> None:
        """Record a closed step: ``{source: (push_sum, rows, push_sumsq)}`` for the sources that had rows in it (a
        step seen again, e.g. rows arriving after the step was closed, adds to it)."""
        step = int(step)
        if self.last_step is not None and step < self.last_step:
            raise ValueError(f"steps must not decrease: got {step} after {self.last_step}")
        self.last_step = step
        for source, (total, rows, sumsq) in per_source.items():
            self.cum[source] = self.cum.get(source, 0.0) + float(total)
            self.cum_rows[source] = self.cum_rows.get(source, 0) + int(rows)
            self._recent.setdefault(source, deque()).append((step, float(total), int(rows), float(sumsq)))
        for recent in self._recent.values():
            while recent and recent[0][0] <= step - self.keep_steps:
                recent.popleft()

    def window(self, source: str, steps: int) -> tuple[float, int, float]:
        """(push sum, rows, sum of squared pushes) of `source` over the last `steps` steps up to the last closed one."""
        if self.last_step is None:
            return 0.0, 0, 0.0
        first = self.last_step - int(steps) + 1
        total, rows, sumsq = 0.0, 0, 0.0
        for step, s, n, q in self._recent.get(source, ()):
            if step >= first:
                total, rows, sumsq = total + s, rows + n, sumsq + q
        return total, rows, sumsq

    @property
    def sources(self) -> list[str]:
        return sorted(self.cum)


@dataclass(frozen=True)
class RelativeAlarm:
    """Fires when a source's rows, over the last `window` steps, push more than the other sources' rows by a large
    effect (`effect` standard deviations of a row's push) that noise cannot explain (`z` standard errors).

    Args:
        effect: how many pooled standard deviations of a row's push the source's mean push per row must exceed the
            other sources' rows' mean by (Cohen's d over the window).
        z: how many standard errors it must exceed it by (Welch's two-sample z over the window).
        window: steps the pushes are gathered over.
        min_rows: rows a source needs in the window to be judged or to count as a reference.
        stop: also ask the trainer to stop when it fires.
    """

    effect: float = DEFAULT_EFFECT
    z: float = DEFAULT_Z
    window: int = DEFAULT_WINDOW
    min_rows: int = DEFAULT_MIN_ROWS
    stop: bool = False
    name: str = field(default="relative", init=False)

    def __post_init__(self) -> None:
        for what, value in (("effect", self.effect), ("z", self.z)):
            if not (np.isfinite(value) and value >= 0):
                raise CaptureConfigError(f"RelativeAlarm: {what} must be a number >= 0, got {value}")
        if int(self.window) < 1 or int(self.min_rows) < 2:
            raise CaptureConfigError(f"RelativeAlarm: window must be >= 1 and min_rows >= 2, got {self.window}, "
                                     f"{self.min_rows}")

    @property
    def keep_steps(self) -> int:
        return int(self.window)

    def check(self, history: PushHistory) -> list[Firing]:
        """The sources this rule fires for at the history's last closed step."""
        stats = {}
        for source in history.sources:
            total, rows, sumsq = history.window(source, self.window)
            if rows >= self.min_rows:
                stats[source] = (total, rows, sumsq)
        out = []
        for source, (total, rows, sumsq) in stats.items():
            others = [v for s, v in stats.items() if s != source]
            if not others or total <= 0:
                continue
            effect, z = compare_rows(total, rows, sumsq, others)
            if effect > self.effect and z > self.z:
                out.append(Firing(source, effect, self.effect,
                                  f"its rows' push over {self.window} steps exceeds the other sources' by {effect:.2f} "
                                  f"standard deviations of a row's push (> {self.effect:g}) and {z:.1f} standard "
                                  f"errors (> {self.z:g})"))
        return out


def compare_rows(total: float, rows: int, sumsq: float, others: list[tuple]) -> tuple[float, float]:
    """(Cohen's d, Welch's z) of a source's per-row pushes against the other sources' rows pooled.

    Args:
        total: the source's push sum.
        rows: its rows (at least 2).
        sumsq: the sum of its squared pushes.
        others: ``(push_sum, rows, push_sumsq)`` of each other source.
    """
    o_total, o_rows, o_sumsq = (sum(v[i] for v in others) for i in range(3))
    mean, o_mean = total / rows, o_total / o_rows
    var = max(sumsq / rows - mean * mean, 0.0) * rows / (rows - 1)
    o_var = max(o_sumsq / o_rows - o_mean * o_mean, 0.0) * o_rows / max(o_rows - 1, 1)
    diff = mean - o_mean
    pooled_sd = np.sqrt(((rows - 1) * var + (o_rows - 1) * o_var) / max(rows + o_rows - 2, 1))
    stderr = np.sqrt(var / rows + o_var / o_rows)

    def ratio(scale: float) -> float:
        if scale == 0:
            return float("inf") if diff > 0 else 0.0
        return float(diff / scale)

    return ratio(pooled_sd), ratio(stderr)


@dataclass(frozen=True)
class ThresholdAlarm:
    """Fires when a source's cumulative push since the start of the run exceeds `threshold`.

    Args:
        threshold: the cumulative push (a sum over rows, at the per-sample gradient scale of the store).
        stop: also ask the trainer to stop when it fires.
    """

    threshold: float
    stop: bool = False
    name: str = field(default="threshold", init=False)

    def __post_init__(self) -> None:
        if not np.isfinite(self.threshold):
            raise CaptureConfigError(f"ThresholdAlarm: threshold must be finite, got {self.threshold}")

    @property
    def keep_steps(self) -> int:
        return 1

    def check(self, history: PushHistory) -> list[Firing]:
        return [Firing(s, c, float(self.threshold), f"cumulative push > {self.threshold:g}")
                for s, c in history.cum.items() if c > self.threshold]
