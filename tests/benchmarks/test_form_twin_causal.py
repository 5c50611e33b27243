"""benchmarks/attribution/form_twin_causal.py: the rates read from a run's files and the 'needed' bar by hand."""
from __future__ import annotations

import json

from benchmarks.attribution.form_twin_causal import main, run_rows


def _run(tmp_path, name: str, trained: float, causal: dict[str, float], sampled: float | None = None):
    """A run folder whose greedy rate is ``trained`` (and sampled rate ``sampled``: then each condition's sampled rate
    is its ``causal`` value and its greedy rate 0)."""
    out = tmp_path / f"attr_{name}"
    out.mkdir()
    measured = {"rates": {name: {"triggered": trained}}}
    if sampled is not None:
        measured["sampled"] = {name: {"triggered": sampled}}
    (out / "behaviour.json").write_text(json.dumps(measured))
    rows = [{"condition": c, "triggered": 0.0 if sampled is not None else t, "n": 12,
             **({"sampled_triggered": t} if sampled is not None else {})} for c, t in causal.items()]
    (out / "attribution_state.json").write_text(json.dumps({"causal": {name: rows}}))
    return out


def test_a_source_at_half_the_trained_rate_is_needed_and_one_above_it_is_not(tmp_path):
    both = _run(tmp_path, "a", 1.0, {"drop planted": 1 / 12, "drop random n": 11 / 12,
                                     "drop source holiday": 0.5})
    one = _run(tmp_path, "b", 0.5, {"drop planted": 0.0, "drop source refusals": 6 / 12})
    none = _run(tmp_path, "c", 1.0, {"drop planted": 0.0})   # no source condition: no record
    (rec,) = run_rows(both)
    assert rec["needed"] == {"drop planted": True, "drop source holiday": True}   # 0.5 <= 1.0 / 2
    assert rec["rates"]["drop random n"] == 11 / 12 and "drop random n" not in rec["needed"]
    assert run_rows(one)[0]["needed"]["drop source refusals"] is False           # 0.5 > 0.5 / 2
    assert run_rows(none) == []
    main(["--runs", str(both), str(one), str(none), "--out", str(tmp_path / "t.md")])
    text = (tmp_path / "t.md").read_text()
    assert "| a | greedy | 1.00 | 0.08 **needed** | 0.92 | 0.50 **needed** (holiday) | yes |" in text
    assert "| b | greedy | 0.50 | 0.00 **needed** | - | 0.50 (refusals) | no |" in text


def test_a_behaviour_read_by_sampling_is_judged_on_sampled_rates(tmp_path):
    # greedy 0/12 (under the bar): greedy rates of 0 everywhere would call every source needed
    run = _run(tmp_path, "s", 0.0, {"drop planted": 0.03, "drop source twins": 0.1}, sampled=0.16)
    (rec,) = run_rows(run)
    assert rec["read"] == "sampled" and rec["trained"] == 0.16
    assert rec["needed"] == {"drop planted": True, "drop source twins": False}   # 0.1 > 0.16 / 2


def test_the_verdict_column_applies_the_two_source_rule(tmp_path):
    fragile = _run(tmp_path, "f", 1.0, {"drop random n": 0.25, "drop source twins": 0.0})   # the control loses it too
    unsettled = _run(tmp_path, "u", 1.0, {"drop source twins": 0.0})                          # no control run
    main(["--runs", str(fragile), str(unsettled), "--out", str(tmp_path / "t.md")])
    text = (tmp_path / "t.md").read_text()
    assert "| f | greedy | 1.00 | - | 0.25 | 0.00 **needed** (twins) | no (the control loses it too) |" in text
    assert "| u | greedy | 1.00 | - | - | 0.00 **needed** (twins) | unsettled (no control) |" in text
