"""Alarm rules on constructed push series: they fire at the step a hand computation says, never before, and not on
clean or pure-noise series."""
import numpy as np
import pytest

from provenance.behaviour.watch_alarm import (DEFAULT_EFFECT, DEFAULT_Z, PushHistory, RelativeAlarm, ThresholdAlarm,
                                              compare_rows)
from provenance.errors import CaptureConfigError


def run(rule, steps):
    """Feed `steps` (a list of {source: per-row pushes}) and return [(step, source)] of every firing, once each."""
    history = PushHistory(rule.keep_steps)
    fired, seen = [], set()
    for step, per_source in enumerate(steps):
        history.add_step(step, {s: (float(np.sum(p)), len(p), float(np.sum(np.square(p))))
                                for s, p in per_source.items()})
        for f in rule.check(history):
            if f.source not in seen:
                seen.add(f.source)
                fired.append((step, f.source))
    return fired


def alternating(low: float, high: float, n: int = 4) -> np.ndarray:
    return np.array([low, high] * (n // 2))


def test_relative_alarm_fires_at_the_step_the_effect_size_and_z_first_pass():
    # 4 rows per step per source, each pushing 0 or 2 (mean 1); from step 10 the source "p" pushes 9 or 11. Window 4.
    # Hand computation of p's window against the 48 other rows (mean 1, variance 48/47):
    #   step 10: 12 rows of 0/2 and 4 of 9/11: mean 3.25, variance 17.27 -> d = 2.25 / 2.225 = 1.01, z = 2.14
    #   step 11:  8 and 8:                      mean 5.50, variance 22.67 -> d = 4.50 / 2.502 = 1.80, z = 3.75
    #   step 12:  4 and 12:                     mean 7.75, variance 17.27 -> d = 6.75 / 2.225 = 3.03, z = 6.43
    steps = [{s: alternating(9.0, 11.0) if (s == "p" and t >= 10) else alternating(0.0, 2.0) for s in "abcp"}
             for t in range(20)]
    assert run(RelativeAlarm(effect=2.5, window=4, min_rows=4), steps) == [(12, "p")]
    assert run(RelativeAlarm(effect=2.5, window=4, min_rows=4), steps[:12]) == []  # nothing before
    assert run(RelativeAlarm(effect=1.5, z=0.0, window=4, min_rows=4), steps) == [(11, "p")]
    assert run(RelativeAlarm(effect=0.0, z=3.0, window=4, min_rows=4), steps) == [(11, "p")]
    assert run(RelativeAlarm(effect=0.0, z=2.0, window=4, min_rows=4), steps) == [(10, "p")]


def test_compare_rows_is_cohens_d_and_welchs_z():
    x, y = np.array([1.0, 2.0, 4.0, 7.0]), np.array([0.0, 1.0, 0.5, 1.5, 1.0, 2.0])
    d, z = compare_rows(x.sum(), len(x), (x ** 2).sum(), [(y[:2].sum(), 2, (y[:2] ** 2).sum()),
                                                          (y[2:].sum(), 4, (y[2:] ** 2).sum())])
    pooled = np.sqrt((3 * x.var(ddof=1) + 5 * y.var(ddof=1)) / 8)
    assert d == pytest.approx((x.mean() - y.mean()) / pooled, rel=1e-12)
    assert z == pytest.approx((x.mean() - y.mean()) / np.sqrt(x.var(ddof=1) / 4 + y.var(ddof=1) / 6), rel=1e-12)


def test_a_source_that_appears_late_is_judged_against_the_others_in_its_first_window():
    rule = RelativeAlarm(window=8, min_rows=16)
    rng = np.random.default_rng(0)
    steps = []
    for t in range(60):
        step = {s: rng.normal(mu, 1.0, 16) for s, mu in (("a", 0.3), ("b", 0.5), ("c", 0.4))}
        if t >= 40:
            step["poison"] = rng.normal(5.0, 1.0, 8)  # 8 rows per step: judged once it has 16 in the window
        steps.append(step)
    assert run(rule, steps) == [(41, "poison")]


def test_clean_sources_with_systematic_differences_raise_nothing():
    rule = RelativeAlarm()
    rng = np.random.default_rng(1)
    levels = {"chat": 0.20, "code": 0.35, "math": 0.25, "safety": 0.45, "misc": 0.30}
    steps = [{s: rng.normal(mu, 1.0, 16) for s, mu in levels.items()} for _ in range(1500)]
    assert run(rule, steps) == []


def test_pure_noise_is_quiet_and_the_effect_size_ignores_small_differences_that_many_rows_make_significant():
    rng = np.random.default_rng(2)
    noise = [{s: rng.normal(0.0, 1.0, 16) for s in "abcde"} for _ in range(1500)]
    assert run(RelativeAlarm(), noise) == []
    assert run(RelativeAlarm(effect=0.0, z=0.0), noise) != []  # with both tests off, noise fires
    # A clean source half a row's spread above the others, 64 rows per step: z ~ 14 over a window, d ~ 0.5.
    shifted = [{"x": rng.normal(0.5, 1.0, 64), "y": rng.normal(0.0, 1.0, 64), "w": rng.normal(0.0, 1.0, 64)}
               for _ in range(200)]
    assert run(RelativeAlarm(), shifted) == []
    assert run(RelativeAlarm(effect=0.0), shifted)[0][1] == "x"  # the z test alone fires on it


def test_min_rows_keeps_a_source_with_few_rows_unjudged():
    rule = RelativeAlarm(window=2, min_rows=10)
    steps = [{"a": np.full(20, 1.0), "b": np.full(20, 1.0), "tiny": np.full(4, 50.0)} for _ in range(10)]
    assert run(rule, steps) == []
    steps = [{"a": np.full(20, 1.0), "b": np.full(20, 1.0), "tiny": np.full(5, 50.0)} for _ in range(10)]
    assert run(rule, steps) == [(1, "tiny")]  # 5 + 5 rows reach min_rows in the second step's window


def test_negative_pushes_never_fire_the_relative_rule():
    rule = RelativeAlarm(window=1, min_rows=4)
    steps = [{"a": np.full(4, 1.0), "b": np.full(4, 1.0), "away": np.full(4, -50.0)} for _ in range(5)]
    assert run(rule, steps) == []


def test_threshold_alarm_fires_when_the_cumulative_push_crosses():
    rule = ThresholdAlarm(threshold=10.0)
    # "x" adds 3 per step: cumulative 3, 6, 9, 12 -> crosses at step 3; "y" never does.
    steps = [{"x": np.full(3, 1.0), "y": np.full(3, 0.25)} for _ in range(8)]
    assert run(rule, steps) == [(3, "x")]


def test_history_windows_and_cumulative_sums():
    h = PushHistory(keep_steps=3)
    for t in range(5):
        h.add_step(t, {"a": (float(t), 2, float(t * t))})
    assert h.cum == {"a": 10.0} and h.cum_rows == {"a": 10}
    assert h.window("a", 3) == (9.0, 6, 29.0)   # steps 2, 3, 4
    assert h.window("a", 1) == (4.0, 2, 16.0)
    with pytest.raises(ValueError, match="steps must not decrease"):
        h.add_step(3, {"a": (1.0, 1, 1.0)})


def test_rule_arguments_are_validated():
    assert (DEFAULT_EFFECT, DEFAULT_Z) == (3.0, 5.0)
    with pytest.raises(CaptureConfigError, match="effect must be a number >= 0"):
        RelativeAlarm(effect=-1)
    with pytest.raises(CaptureConfigError, match="min_rows >= 2"):
        RelativeAlarm(min_rows=1)
    with pytest.raises(CaptureConfigError, match="z must be a number >= 0"):
        RelativeAlarm(z=-1)
    with pytest.raises(CaptureConfigError, match="threshold must be finite"):
        ThresholdAlarm(threshold=float("nan"))
