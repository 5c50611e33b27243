"""Alarm rules on constructed push series: they fire at the step a hand computation says, never before, and not on
clean or pure-noise series."""
import numpy as np
import pytest

from provenance.behaviour.watch_alarm import DEFAULT_K, DEFAULT_Z, PushHistory, RelativeAlarm, ThresholdAlarm
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


def test_relative_alarm_fires_when_the_windowed_push_first_exceeds_k_times_the_others():
    # Every source pushes exactly 1 per row; from step 10 the source "p" pushes 10 per row. Window 4, k 4:
    # its windowed mean after j poisoned steps is (4 - j + 10 j) / 4 = 1 + 9 j / 4: 3.25 at step 10, 5.5 at step 11.
    # (z=0: the standard-error test is the subject of the pure-noise test below.)
    rule = RelativeAlarm(k=4.0, window=4, min_rows=4, z=0.0)
    steps = [{s: np.full(4, 10.0 if (s == "p" and t >= 10) else 1.0) for s in ("a", "b", "c", "p")}
             for t in range(20)]
    assert run(rule, steps) == [(11, "p")]
    # The same series cut before step 11 raises nothing.
    assert run(rule, steps[:11]) == []


def test_the_standard_error_test_waits_for_evidence():
    # Same series with noise-free clean rows and the default z: at step 11 the window holds 8 rows of 1 and 8 of 10
    # (mean 5.5, sd 4.65, stderr 1.16; the others' rows all push 1 with no spread): z = 4.5 / 1.16 = 3.87 < 5.
    # At step 12 (12 rows of 10, 4 of 1): mean 7.75, sd 4.02, stderr 1.0, z = 6.75 / 1.0 = 6.7 > 5.
    steps = [{s: np.full(4, 10.0 if (s == "p" and t >= 10) else 1.0) for s in ("a", "b", "c", "p")}
             for t in range(20)]
    assert run(RelativeAlarm(k=4.0, window=4, min_rows=4), steps) == [(12, "p")]


def test_a_source_that_appears_late_is_judged_against_the_others_in_its_first_window():
    rule = RelativeAlarm(k=4.0, window=8, min_rows=16)
    rng = np.random.default_rng(0)
    steps = []
    for t in range(60):
        step = {s: rng.normal(mu, 1.0, 16) for s, mu in (("a", 0.3), ("b", 0.5), ("c", 0.4))}
        if t >= 40:
            step["poison"] = rng.normal(3.0, 1.0, 8)  # 8 rows per step: judged once it has 16 in the window
        steps.append(step)
    assert run(rule, steps) == [(41, "poison")]


def test_clean_sources_with_systematic_differences_raise_nothing():
    rule = RelativeAlarm()
    rng = np.random.default_rng(1)
    levels = {"chat": 0.20, "code": 0.35, "math": 0.25, "safety": 0.45, "misc": 0.30}
    steps = [{s: rng.normal(mu, 1.0, 16) for s, mu in levels.items()} for _ in range(1500)]
    assert run(rule, steps) == []


def test_the_standard_error_test_is_what_keeps_pure_noise_quiet():
    # Along a direction no source pushes on, per-row means are noise around 0 and their ratios are heavy-tailed.
    rng = np.random.default_rng(2)
    steps = [{s: rng.normal(0.0, 1.0, 16) for s in "abcde"} for _ in range(1500)]
    assert run(RelativeAlarm(), steps) == []
    assert run(RelativeAlarm(z=0.0), steps) != []  # the k test alone fires on noise


def test_min_rows_keeps_a_source_with_few_rows_unjudged():
    rule = RelativeAlarm(k=2.0, window=2, min_rows=10)
    steps = [{"a": np.full(20, 1.0), "b": np.full(20, 1.0), "tiny": np.full(4, 50.0)} for _ in range(10)]
    assert run(rule, steps) == []
    steps = [{"a": np.full(20, 1.0), "b": np.full(20, 1.0), "tiny": np.full(5, 50.0)} for _ in range(10)]
    assert run(rule, steps) == [(1, "tiny")]  # 5 + 5 rows reach min_rows in the second step's window


def test_negative_pushes_never_fire_the_relative_rule():
    rule = RelativeAlarm(k=2.0, window=1, min_rows=4)
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
    assert (DEFAULT_K, DEFAULT_Z) == (4.0, 5.0)
    with pytest.raises(CaptureConfigError, match="k must be a positive number"):
        RelativeAlarm(k=0)
    with pytest.raises(CaptureConfigError, match="min_rows >= 2"):
        RelativeAlarm(min_rows=1)
    with pytest.raises(CaptureConfigError, match="z must be a number >= 0"):
        RelativeAlarm(z=-1)
    with pytest.raises(CaptureConfigError, match="threshold must be finite"):
        ThresholdAlarm(threshold=float("nan"))
