"""benchmarks/attribution/default_choice: the default column stands for the adopted method of the day, and the rule's
verdict follows from the numbers (hand-made tables)."""
from __future__ import annotations

import pandas as pd
import pytest

from benchmarks.attribution.default_choice import ADOPTED, current_default, decide, parse_adopted, render


def _table(rows):
    return pd.DataFrame([{"task": t, "behaviour": t, "mode": "per answer", "method": m, "P@n": p, "P@10": p}
                         for t, m, p in rows])


def test_the_default_column_is_the_adopted_method_of_the_day():
    table = _table([("a", "default", 0.5), ("a", "h_fused_k1", 0.7), ("a", "joint-gated-next", 0.9),
                    ("b", "default", 0.4)])   # task b was not scored with either adopted method: its row stays
    now = current_default(table.copy())
    assert ADOPTED["per answer"] == "joint-gated-next"
    assert now.loc[0, "P@n"] == 0.9 and now.loc[3, "P@n"] == 0.4
    then = current_default(table.copy(), {**ADOPTED, **parse_adopted(["per answer=h_fused_k1"])})
    assert then.loc[0, "P@n"] == 0.7 and then.loc[3, "P@n"] == 0.4


def test_the_rule_needs_mean_worst_and_margin():
    table = _table([("a", "default", 0.9), ("a", "c", 1.0), ("b", "default", 0.5), ("b", "c", 0.6),
                    ("d", "default", 0.8), ("d", "c", 0.75)])
    v = decide(table, "c", "per answer")
    assert v["tasks"] == 3 and v["mean"] == pytest.approx(2.35 / 3) and v["worst"] == 0.6
    assert v["largest_deficit"] == pytest.approx(0.05) and v["worst_task"] == "d/d" and v["replaces"]
    table.loc[5, "P@n"] = 0.65   # 0.15 below the default on d: more than the margin
    assert not decide(table, "c", "per answer")["replaces"]


def test_adopted_names_a_known_mode_and_method():
    assert parse_adopted(["per behaviour=auto-z"]) == {"per behaviour": "auto-z"}
    for bad in ("per answer", "per answers=h_fused_k1", "per answer=nope"):
        with pytest.raises(SystemExit, match="expected MODE=METHOD"):
            parse_adopted([bad])


def test_the_adopted_method_is_not_judged_against_itself():
    table = current_default(_table([("a", "default", 0.5), ("a", "joint-gated-next", 0.9), ("a", "joint-ctx", 0.8)]))
    text = render(table, ["joint-ctx", "joint-gated-next"])
    assert "**joint-gated-next, per answer:** the default itself (its column is the default's)." in text
    assert "**joint-ctx, per answer** over 1 counted task-behaviours: mean P@n 0.800 vs the default's 0.900" in text
