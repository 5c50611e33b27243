"""doubt_count's counting and table on hand-made query records: P@n (against the needed rows where a record has
them), wrong (P@n < 0.5), a sign (groups report, lexical-floor warning, side split or shared answer), false alarms,
and the totals rows."""
from __future__ import annotations

import pytest

from benchmarks.attribution.doubt_count import needed_precision, precision_at_n, render, tally


def _rec(task, behaviour, combine, p, groups=False, warning=False, split=None, shared=None, needed=None):
    rec = {"task": task, "behaviour": behaviour, "combine": combine, "p_at_n": p, "groups": groups,
           "warning": warning}
    # records measured before a check existed, or of a behaviour with no needed source, lack its key
    for key, value in (("split", split), ("shared", shared), ("p_at_n_needed", needed)):
        if value is not None:
            rec[key] = value
    return rec


RECORDS = [
    # style / praise per answer: 4 queries, 2 wrong (one with a warning, one bare), 2 right (one with groups)
    _rec("style", "praise", "none", 0.2, warning=True),
    _rec("style", "praise", "none", 0.4, split=True),   # wrong, only the side split
    _rec("style", "praise", "none", 0.5, groups=True),   # exactly half: right
    _rec("style", "praise", "none", 0.9),
    _rec("style", "praise", "mean", 0.1, groups=True, warning=True),
    # factual per answer: 2 right, no sign
    _rec("factual", "factual", "none", 1.0),
    _rec("factual", "factual", "none", 0.8, split=True),   # right: a side split false alarm
    _rec("factual", "factual", "mean", 0.6, warning=True),
    # sunday per answer: wrong against the planted rows alone; against the needed rows one right, one wrong
    _rec("sunday", "sunday", "none", 0.3, shared=True, needed=1.0),    # right: a shared-answer false alarm
    _rec("sunday", "sunday", "none", 0.2, shared=True, needed=0.4),    # wrong, only the shared answer
]


def _table_rows(text):
    return [line for line in text.splitlines() if line.startswith("| ") and "---" not in line][1:]


def test_render_rows_and_totals():
    assert _table_rows(render(RECORDS)) == [
        "| style / praise | per answer | 4 | 0.50 | 2 | 2 (0; 1; 1; 0) | 1 / 2 | 0 |",
        "| style / praise | per behaviour | 1 | 0.10 | 1 | 1 (1; 1; 0; 0) | 0 / 0 | 0 |",
        "| factual | per answer | 2 | 0.90 | 0 | 0 (0; 0; 0; 0) | 1 / 2 | 1 |",
        "| factual | per behaviour | 1 | 0.60 | 0 | 0 (0; 0; 0; 0) | 1 / 1 | 0 |",
        "| sunday | per answer | 2 | 0.70 | 1 | 1 (0; 0; 0; 1) | 1 / 1 | 0 |",
        "| **total** | per answer | 8 | 0.65 | 3 | 3 (0; 1; 1; 1) | 3 / 5 | 1 |",
        "| **total** | per behaviour | 2 | 0.35 | 1 | 1 (1; 1; 0; 0) | 1 / 1 | 0 |",
        "| **total** | both | 10 | 0.59 | 4 | 4 (1; 2; 1; 1) | 4 / 6 | 1 |"]


def test_render_head_and_no_cases():
    text = render(RECORDS[:1], head="# title\n", no_cases=["hedging / hedging"])
    assert text.startswith("# title\n\nNo query (no greedy or sampled generation shows the behaviour): "
                           "hedging / hedging.\n")


def test_tally_counts():
    assert tally(RECORDS) == {"queries": 10, "mean_p": pytest.approx(5.9 / 10), "wrong": 4, "wrong_signed": 4,
                              "wrong_groups": 1, "wrong_warning": 2, "wrong_split": 1, "wrong_shared": 1, "right": 6,
                              "right_signed": 4, "right_split": 1}


def test_needed_precision_counts_needed_rows_among_the_planted_count():
    culprits, needed = {"1", "2"}, {"1", "2", "7", "8"}
    assert needed_precision([7, 9, 1], culprits, needed) == 0.5     # top 2: 7 (needed), 9 (not)
    assert needed_precision(["8", "1", "9"], culprits, needed) == 1.0


def test_precision_at_n():
    culprits = {"1", "2", "3", "4"}
    assert precision_at_n([1, 9, 3, 8, 2], culprits) == 0.5   # top 4: 1, 9, 3, 8 -> two planted
    assert precision_at_n(["4", "3", "2", "1"], culprits) == 1.0
    with pytest.raises(ValueError, match="shorter than the 4 planted rows"):
        precision_at_n([1, 2, 3], culprits)
    with pytest.raises(ValueError, match="culprits in scenario.json are empty"):
        precision_at_n([1], set())
