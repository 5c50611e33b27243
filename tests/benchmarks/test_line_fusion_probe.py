"""benchmarks/attribution/line_fusion_probe.py: the fusions of a line file against hand computations."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.attribution.line_fusion_probe import DEFAULT, FUSIONS, ORACLES, file_records, render
from benchmarks.attribution.line_scores import save_lines

# Six rows, two answers; rows 0 and 1 are planted. The prompt side finds them, pooled token match finds rows 4 and 5
# (another context's words), the next-token line finds rows 1 and 4.
CONTEXT = [[3.0, 2.0, 0.0, 0.0, -1.0, -1.0], [2.0, 3.0, 0.0, 0.0, -1.0, -1.0]]
TOKEN = [[0.0, 0.0, 0.0, 1.0, 3.0, 3.0]] * 2
NEXT = [[0.0, 3.0, 0.0, 0.0, 3.0, 0.0]] * 2
SIGNATURE = [[1.0, 1.0, 0.0, 0.0, 0.0, 0.0]] * 2
TOP = [[0.0, 0.0, 1.0, 1.0, 0.0, 0.0]] * 2


def z(x):
    x = np.asarray(x, float)
    return (x - x.mean(1, keepdims=True)) / x.std(1, keepdims=True)


@pytest.fixture
def all_records(tmp_path):
    lines = {"signature": SIGNATURE, "token": TOKEN, "context": CONTEXT, "next": NEXT, "top": TOP,
             "planted": np.array([1, 1, 0, 0, 0, 0], bool)}
    # per behaviour: the second answer's lines, but with pooled token match on the planted rows
    lines |= {f"behaviour {k}": [v[1]] for k, v in lines.items() if k != "planted"}
    lines["behaviour token"] = [[3.0, 3.0, 0.0, 0.0, 0.0, 0.0]]
    ids = np.array([str(i) for i in range(6)])
    save_lines(tmp_path / "toy.npz", ids, ids, {"toy": lines})
    got = file_records(tmp_path / "toy.npz")
    assert {r["mode"] for r in got} == {"per answer", "per behaviour"}
    return {(r["mode"], r["column"]): r for r in got}


def test_each_line_alone_and_the_fusions_by_hand(all_records):
    records = {column: r for (mode, column), r in all_records.items() if mode == "per answer"}
    assert set(records) == {DEFAULT, *FUSIONS, *ORACLES}
    assert records["context alone"]["P@n"] == 1.0 and records["token alone"]["P@n"] == 0.0
    assert records["next alone"]["P@n"] == 0.5          # rows 1 and 4 tie first (ties by row)
    # The gated guard: row 4's prompt side is below the mean row's, so it keeps min(z_context, z_next) there; row 1's
    # is above, so it keeps z_next: rows 1 then 0 lead.
    zc, zn = z(CONTEXT), z(NEXT)
    guard = z(np.where(zc < 0, np.minimum(zc, zn), zn))
    assert np.argsort(-guard[0], kind="stable")[:2].tolist() == [1, 0]
    states = z(SIGNATURE) + zc + 2 * guard
    want = np.mean([set(np.argsort(-s, kind="stable")[:2]) == {0, 1} for s in states])
    assert records["states + 2 guard"]["P@n"] == want == 1.0
    assert records["guard alone"]["P@n"] == 1.0 and records[DEFAULT]["queries"] == 2


def test_per_behaviour_reads_the_behaviour_lines(all_records):
    assert all_records[("per behaviour", "token alone")]["P@n"] == 1.0   # 0.0 per answer
    assert all_records[("per behaviour", "context alone")]["queries"] == 1


def test_the_tables_name_every_file_mode_and_column(all_records):
    text = render(list(all_records.values()))
    assert "Read from 1 line files (toy)" in text
    assert "# Fusions of the stored lines, per answer" in text and "# Fusions of the stored lines, per behaviour" in text
    assert text.count("| task / behaviour | default | signature alone |") == 4   # P@n and P@10 in each mode


def test_the_oracles_pick_the_best_line_per_task_and_per_answer():
    from benchmarks.attribution.line_fusion_probe import _oracles

    planted = np.array([1, 1, 0, 0, 0, 0], bool)
    # answer 0: line a finds both planted rows, line b one; answer 1: line b finds both, line a none
    a = np.array([[3.0, 2.0, 0, 0, 0, 0], [0, 0, 0, 0, 3.0, 2.0]])
    b = np.array([[3.0, 0, 2.0, 0, 0, 0], [2.0, 3.0, 0, 0, 0, 0]])
    got = {r["column"]: r for r in _oracles({"a": a, "b": b}, planted, {"task": "toy"})}
    assert set(got) == set(ORACLES)
    assert got["best line per task"]["P@n"] == 0.75        # b: 0.5 and 1.0 (a: 1.0 and 0.0, its mean 0.5)
    assert got["best line per answer"]["P@n"] == 1.0       # a on answer 0, b on answer 1
    assert got["best line per answer"]["queries"] == 2 and got["best line per task"]["task"] == "toy"


def test_the_oracles_are_in_the_tables(all_records):
    assert all_records[("per answer", "best line per answer")]["P@n"] == 1.0    # context alone
    assert all_records[("per behaviour", "best line per task")]["P@n"] == 1.0   # token alone per behaviour
