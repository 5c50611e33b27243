"""benchmarks/attribution/shared_answer_count.py: the ranking table built from line scores, and the report's counts."""
from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.attribution.shared_answer_count import ranking_table, render


def test_ranking_table_orders_each_query_best_first_ties_by_line_order():
    scores = np.array([[0.1, 0.9, 0.9, 0.5], [1.0, 0.0, 0.2, 0.3]])
    ids, sources = np.array(["a", "b", "c", "d"]), np.array(["s", "t", "t", "s"])
    t = ranking_table(scores, ids, sources, np.array([10, 11, 12, 13]), ["q0", "q1"], depth=3)
    assert t[t["query"] == "q0"]["row"].tolist() == [11, 12, 13]     # 0.9, 0.9 (tie: line order), 0.5
    assert t[t["query"] == "q1"]["sample_id"].tolist() == ["a", "d", "c"]
    assert t["rank"].tolist() == [1, 2, 3, 1, 2, 3] and t.loc[0, "source"] == "t"


def test_render_counts_only_the_counted_task_behaviours():
    table = pd.DataFrame([
        {"task": "t", "behaviour": "t", "answers": 12, "warned": 12, "sources named": "a + b (12)",
         "second source (causal)": "b: needed"},
        {"task": "u", "behaviour": "u", "answers": 10, "warned": 0, "sources named": "", "second source (causal)": "-"},
        {"task": "v", "behaviour": "v", "answers": 5, "warned": 5, "sources named": "c + d (5)",
         "second source (causal)": "-"}])
    text = render(table, {("t", "t"), ("u", "u")})
    assert "| t | yes | 12 | 12 | a + b (12) | b: needed |" in text
    assert "| u | yes | 10 | 0 | - | - |" in text and "| v | no | 5 | 5 | c + d (5) | - |" in text
    assert "Counted task-behaviours: 2, 22 answers; warned on 12 answers of 1 task-behaviours." in text
