"""benchmarks/attribution/layer_line_probe.py: the oracles over the stored and the layer lines, by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.attribution.layer_line_probe import ORACLE, SETS, best_line, records, render
from benchmarks.attribution.line_scores import LINES
from benchmarks.attribution.probe_main import precision

ROWS, ANSWERS = 30, 3
PLANTED = np.arange(ROWS) < 10


def stored_lines(seed: int = 0) -> dict:
    """Noise lines: no stored line singles out the planted rows."""
    rng = np.random.default_rng(seed)
    lines = {name: rng.normal(size=(ANSWERS, ROWS)) for name in LINES}
    lines |= {f"behaviour {name}": v.mean(0, keepdims=True) for name, v in lines.items()}
    return lines | {"planted": PLANTED}


def layer_lines(seed: int = 1) -> dict:
    """One layer line that lifts every planted row by 10 on every answer, one of noise."""
    rng = np.random.default_rng(seed)
    lift = rng.normal(size=(ANSWERS, ROWS)) + 10.0 * PLANTED
    noise = rng.normal(size=(ANSWERS, ROWS))
    return {"h_last_c@15": lift, "h_mean_c@15": noise,
            "behaviour h_last_c@15": lift.mean(0, keepdims=True), "behaviour h_mean_c@15": noise.mean(0, keepdims=True)}


def by_column(recs: list[dict], mode: str) -> dict:
    return {r["column"]: (r["P@n"], r["P@10"]) for r in recs if r["mode"] == mode}


def test_the_oracles_over_each_set_by_hand():
    stored, layered = stored_lines(), layer_lines()
    per_answer = by_column(records("t", "b", stored, layered), "per answer")
    assert per_answer[f"{ORACLE}: stored + layer lines"] == (1.0, 1.0)
    assert per_answer[f"{ORACLE}: layer lines alone"] == (1.0, 1.0)
    # each answer's stored line (the five and the gated guard) of best P@10 (ties: the better P@n), averaged
    z = {name: (v - v.mean(1, keepdims=True)) / v.std(1, keepdims=True) for name, v in stored.items() if name in LINES}
    guard = np.where(z["context"] < 0, np.minimum(z["context"], z["next"]), z["next"])
    best = [max((precision(line[q:q + 1], PLANTED, 10) for line in (*z.values(), guard)), key=lambda v: (v[1], v[0]))
            for q in range(ANSWERS)]
    assert per_answer[f"{ORACLE}: stored lines"] == pytest.approx(tuple(np.mean(best, 0)))
    assert per_answer[f"{ORACLE}: stored lines"][0] < 0.7   # noise: the stored lines miss the planted rows


def ranked(order: list[int]) -> np.ndarray:
    """``[1, rows]`` scores that rank the rows in ``order``."""
    scores = np.zeros((1, len(order)))
    scores[0, order] = np.arange(len(order), 0, -1)
    return scores


def test_best_line_maximises_the_goal_measure_of_each_mode():
    planted = np.arange(20) < 12
    # a: the top 10 all planted, the top 12 hold 10 (P@10 1.0, P@n 10/12); b: 9 and 11 (P@10 0.9, P@n 11/12)
    lines = {"a": ranked([*range(10), 12, 13, 10, 11, *range(14, 20)]),
             "b": ranked([*range(9), 12, 9, 10, 11, *range(13, 20)])}
    assert best_line(lines, planted, "per answer") == pytest.approx((10 / 12, 1.0))
    assert best_line(lines, planted, "per behaviour") == pytest.approx((11 / 12, 0.9))


def test_per_behaviour_lists_each_layer_line_alone():
    stored, layered = stored_lines(), layer_lines()
    per_behaviour = by_column(records("t", "b", stored, layered), "per behaviour")
    assert per_behaviour["h_last_c@15"] == (1.0, 1.0)
    assert per_behaviour["h_mean_c@15"] == precision(layered["behaviour h_mean_c@15"], PLANTED, 10)
    assert "h_last_c@15" not in by_column(records("t", "b", stored, layered), "per answer")


def test_rows_that_do_not_match_are_refused():
    layered = {k: v[:, :-1] for k, v in layer_lines().items()}
    with pytest.raises(ValueError, match="t/b: the layer lines and the stored lines cover different rows"):
        records("t", "b", stored_lines(), layered)


def test_render_counts_the_goal_per_set():
    text = render(pd.DataFrame(records("t", "b", stored_lines(), layer_lines())))
    assert "| t / b | " in text and "## per answer: P@10" in text and "## per behaviour: P@n" in text
    assert f"over the 1 counted task-behaviours: default 0, {ORACLE}: {SETS[0]} 0, {ORACLE}: {SETS[1]} 1," in text
    marked = render(pd.DataFrame(records("t", "b", stored_lines(), layer_lines())), counted={("u", "b")})
    assert "| t / b (not counted) | " in marked and "over the 0 counted task-behaviours" in marked
