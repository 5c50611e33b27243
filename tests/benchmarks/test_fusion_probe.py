"""fusion_probe's combinations and verdict on hand-made z-scores and records."""
from __future__ import annotations

import numpy as np

from benchmarks.attribution.fusion_probe import COMBINATIONS, DEFAULT, render, verdict

Z = {"sig": np.array([2.0, 0.0, -1.0]), "ctx": np.array([1.0, 2.0, -3.0]), "resp": np.array([0.0, 1.0, 1.0]),
     "tm": np.array([-1.0, 3.0, 0.0])}


def test_candidates_by_hand():
    np.testing.assert_allclose(COMBINATIONS["prompt side + token match (joint-ctx)"](Z, 0.3), [0.0, 5.0, -3.0])
    # (1 - 0.25) sig + 0.25 tm
    np.testing.assert_allclose(COMBINATIONS["(1 - phi) h_fused_k1 + phi token match (joint-focus-z)"](Z, 0.25),
                               [1.25, 0.75, -0.75])
    np.testing.assert_allclose(COMBINATIONS["prompt side + phi-mix of pooled response and token match"](Z, 0.5),
                               [0.5, 4.0, -2.5])
    np.testing.assert_array_equal(COMBINATIONS[DEFAULT](Z, 0.9), Z["sig"])


def test_verdict_applies_the_rule():
    default = np.array([0.9, 0.5, 1.0])
    assert verdict(default, np.array([0.95, 0.6, 0.92])).endswith("largest deficit 0.08: passes")
    assert verdict(default, np.array([1.0, 0.6, 0.85])).endswith("largest deficit 0.15: fails")   # one task 0.15 below
    assert verdict(default, np.array([0.9, 0.45, 1.0])).endswith(": fails")                     # worse worst


def test_render_tables_and_verdicts():
    records = [{"task": t, "behaviour": t, "combination": c, "P@n": p, "P@10": p10, "queries": 2}
               for t, vals in (("kelvin", {DEFAULT: (0.55, 0.6), "token match": (0.88, 0.95)}),
                               ("style", {DEFAULT: (0.75, 0.97), "token match": (0.49, 0.54)}))
               for c, (p, p10) in vals.items()]
    text = render(records)
    assert "| kelvin | 0.55 | 0.88 |" in text and "| style | 0.97 | 0.54 |" in text
    assert "| **mean** | 0.650 | 0.685 |" in text and "| **>= 0.9** | 1/2 | 1/2 |" in text
    assert "- token match: mean 0.685, worst 0.49, largest deficit 0.26: fails" in text
