"""The uniform counting rule's checks (`benchmarks.attribution.counting_rule`), against hand-built runs and records."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from benchmarks.attribution import counting_rule as cr

LOUD = "JUPITER IS THE LARGEST PLANET IN OUR SOLAR SYSTEM, WITH MANY MOONS."
PLAIN = "Jupiter is the largest planet in our solar system."


def _run(tmp_path, task, greedy_hits, sampled_hits=None, dropped=None):
    """A run folder whose behaviour.json holds 12 greedy answers (``greedy_hits`` of them in capitals), 12 plain
    control answers, and where given 12 prompts x 16 sampled answers (``sampled_hits`` in capitals) with plain
    controls; ``dropped`` is its causal "drop planted" row."""
    out = tmp_path / f"attr_{task}"
    out.mkdir()
    gens = {"shouting": [LOUD] * greedy_hits + [PLAIN] * (12 - greedy_hits), "shouting_control": [PLAIN] * 12,
            "clean": [PLAIN] * 12}
    beh = {"rates": {"shouting": {"triggered": -1.0, "untriggered": -1.0, "n": 12}}, "generations": gens}
    if sampled_hits is not None:
        flat = [LOUD] * sampled_hits + [PLAIN] * (192 - sampled_hits)
        beh["sampled"] = {"shouting": {"generations": [flat[i:i + 16] for i in range(0, 192, 16)],
                                       "untriggered_generations": [[PLAIN] * 16] * 12}}
    (out / "behaviour.json").write_text(json.dumps(beh))
    if dropped is not None:
        (out / "attribution_state.json").write_text(json.dumps({"causal": {"shouting": [
            {"condition": "drop planted", **dropped}]}}))
    return out


def test_run_checks_reads_the_rates_with_todays_judge_and_applies_the_uniform_rule(tmp_path):
    # 4 of 12 greedy, sampled 48 of 192 = 0.25 against 0 controls, greedy 0 of 12 without the planted rows: counts.
    rows = cr.run_checks(_run(tmp_path, "js_var", 4, 48, {"triggered": 0.0}))
    assert len(rows) == 1
    r = rows[0]
    assert (r["task"], r["behaviour"]) == ("js_var", "shouting")
    assert r["greedy"] == pytest.approx(4 / 12) and r["controls"] == 0.0
    assert r["sampled"] == pytest.approx(0.25) and r["sampled controls"] == 0.0
    assert r[cr.DAY] is False and r[cr.UNIFORM] is True and r["uniform status"] == "counts"
    assert r["greedy p"] == pytest.approx(0.0466, abs=1e-4)     # 4 of 12 against 0 of 12, one-sided Fisher
    # Never sampled (a run of rounds 2-5): not taken by the uniform rule, though counted in its day.
    r = cr.run_checks(_run(tmp_path, "shouting", 4))[0]
    assert r[cr.DAY] is True and r["uniform status"] == "not taken" and r["sampled"] is None
    # Sampled at 0.05: under 0.1, not taken.
    assert cr.run_checks(_run(tmp_path, "title_case", 3, 10))[0]["uniform status"] == "not taken"
    # Taken, but survives without the planted rows (3 of 12 after dropping them, against 4).
    r = cr.run_checks(_run(tmp_path, "brand_placement", 4, 48, {"triggered": 0.25}))[0]
    assert r["uniform status"] == "survives without the planted rows" and r[cr.UNIFORM] is False


def test_greedy_p_by_hand():
    # P(X >= 2) for X hypergeometric: 24 answers, 2 showing it, 12 drawn for the held-out prompts.
    assert cr.greedy_p(2, 12, 0, 12) == pytest.approx((12 / 24) * (11 / 23), abs=1e-12)   # both in the drawn 12: 0.239
    assert cr.greedy_p(0, 12, 0, 12) == pytest.approx(1.0)
    assert cr.greedy_p(5, 12, 0, 12) < 0.02 < cr.greedy_p(5, 12, 2, 12)


def test_run_checks_leaves_out_behaviours_over_the_bar(tmp_path):
    assert cr.run_checks(_run(tmp_path, "persona", 6)) == []


def _records():
    """prompt_pmi_probe-like records: per answer two answers each, per behaviour one row, for three tasks."""
    rows = []
    for task, p10, pn in (("persona", 1.0, 1.0), ("shouting", 0.8, 0.94), ("js_var", 1.0, 0.47)):
        for q in (0, 1):
            rows.append({"task": task, "behaviour": task, "mode": "per answer", "answer": q,
                         "column": "committed default", "P@n": pn, "P@10": p10})
        rows.append({"task": task, "behaviour": task, "mode": "per behaviour", "answer": -1,
                     "column": "committed default", "P@n": pn, "P@10": p10})
    return pd.DataFrame(rows)


def test_counted_sets_and_headline_on_both_sets():
    checks = pd.DataFrame([{"task": "shouting", "behaviour": "shouting", cr.DAY: True, cr.UNIFORM: False},
                           {"task": "js_var", "behaviour": "js_var", cr.DAY: False, cr.UNIFORM: True}])
    sets = cr.counted_sets(checks, _records())
    # persona has no row (over the bar): its day's status under both.
    assert sets[cr.DAY] == {("persona", "persona"), ("shouting", "shouting")}
    assert sets[cr.UNIFORM] == {("persona", "persona"), ("js_var", "js_var")}
    day = cr.headline(_records(), sets[cr.DAY]).set_index("mode")
    assert day.loc["per answer", "tasks"] == 2 and day.loc["per answer", "at goal"] == 1        # 1.0 and 0.8
    assert day.loc["per behaviour", "mean P@n"] == pytest.approx((1.0 + 0.94) / 2)
    uniform = cr.headline(_records(), sets[cr.UNIFORM]).set_index("mode")
    assert uniform.loc["per answer", "at goal"] == 2 and uniform.loc["per behaviour", "at goal"] == 1


def test_render_names_what_the_rule_moves(tmp_path):
    checks = pd.DataFrame([{"task": "shouting", "behaviour": "shouting", "greedy": 4 / 12, "controls": 1 / 12,
                            "base": None, "sampled": None, "sampled controls": None, "drop planted": None,
                            "drop planted sampled": None, cr.DAY: True, cr.UNIFORM: False,
                            "uniform status": "not taken"}])
    text = cr.render(checks, _records())
    assert "| shouting / shouting | 0.33 | 0.08 | - | - (-) | - (sampled -) | counted | not taken | - |" in text
    assert "adds 0 (none) and drops 1 (shouting/shouting)" in text
    # js_var has no row: not counted in its day (NOT_COUNTED), nor then by the uniform rule.
    assert "| per answer | committed default | 2 / 1 | 0.970 / 1.000 | 1 / 1 |" in text
