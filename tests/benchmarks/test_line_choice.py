"""benchmarks/attribution/line_choice.py: candidates read from line files, against hand computations and the
committed default."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.attribution.line_choice import (
    CANDIDATES, answers_gated, answers_stouffer, candidate_rows, render, verdict_table,
)
from benchmarks.attribution.line_scores import LINES, adopted_answer_scores, save_lines

ROWS = 8
PLANTED = np.array([1, 1, 0, 0, 0, 0, 0, 0], bool)


def z(x):
    x = np.asarray(x, float)
    return (x - x.mean(1, keepdims=True)) / x.std(1, keepdims=True)


def toy_lines(seed: int = 0) -> dict:
    """Three answers; each line random with the planted rows raised on the first two answers only."""
    rng = np.random.default_rng(seed)
    lines = {}
    for name in LINES:
        value = rng.normal(size=(3, ROWS))
        value[:2, :2] += 3.0
        lines[name] = value
        lines[f"behaviour {name}"] = value.mean(0, keepdims=True)
    return lines | {"planted": PLANTED}


@pytest.fixture
def line_dir(tmp_path):
    ids = np.array([str(i) for i in range(ROWS)])
    # A counted task's name, so that the committed tables hold its default's P@n.
    save_lines(tmp_path / "persona.npz", ids, ids, {"persona": toy_lines()})
    return tmp_path


def test_answers_stouffer_by_hand():
    lines = toy_lines()
    want = z(adopted_answer_scores(lines)).sum(0) / np.sqrt(3)
    np.testing.assert_allclose(answers_stouffer(lines)[0], want, rtol=1e-12)
    assert answers_stouffer(lines).shape == (1, ROWS)


def test_answers_gated_by_hand():
    lines = toy_lines()
    fused, context = z(adopted_answer_scores(lines)), z(lines["context"])
    gated = fused.copy()
    for q in range(3):
        for r in range(ROWS):   # a prompt less like the answer's than the mean row's keeps at most its context z
            if context[q, r] < 0:
                gated[q, r] = min(fused[q, r], context[q, r])
    want = z(gated).sum(0) / np.sqrt(3)
    np.testing.assert_allclose(answers_gated(lines)[0], want, rtol=1e-12)
    assert (gated != fused).any() and not np.allclose(want, answers_stouffer(lines)[0])   # the gate bites here
    np.testing.assert_array_equal(CANDIDATES["answers-gated"](lines, "per answer"), adopted_answer_scores(lines))


def test_candidates_per_mode_read_the_right_lines():
    lines = toy_lines()
    np.testing.assert_array_equal(CANDIDATES["answers-stouffer"](lines, "per answer"), adopted_answer_scores(lines))
    np.testing.assert_array_equal(CANDIDATES["behaviour fusion"](lines, "per behaviour"),
                                  adopted_answer_scores(lines, "behaviour "))
    np.testing.assert_allclose(CANDIDATES["context alone"](lines, "per behaviour"), z(lines["behaviour context"]))


def test_rows_missing_files_and_unknown_names(line_dir):
    table, missing = candidate_rows(line_dir, ["context alone"])
    assert "persona" not in missing and "confusable" in missing and "overrefusal" not in missing   # not counted
    assert sorted(table["mode"]) == ["per answer", "per behaviour"]
    r = table.set_index("mode").loc["per answer"]
    scores = z(toy_lines()["context"])
    want = np.mean([set(np.argsort(-s, kind="stable")[:2]) == {0, 1} for s in scores])
    assert r["P@n"] == pytest.approx(want)
    with pytest.raises(ValueError, match="unknown candidates"):
        candidate_rows(line_dir, ["no such fusion"])


def test_verdict_against_the_committed_default(line_dir):
    table, missing = verdict_table(line_dir, ["answers-stouffer"])
    default = table[(table["method"] == "default") & (table["mode"] == "per behaviour")]
    assert default["task"].tolist() == ["persona"] and default["P@n"].iloc[0] == pytest.approx(1.0)
    text = render(table, ["answers-stouffer"], missing)
    assert "**answers-stouffer, per answer:** the adopted default itself." in text
    assert "**answers-stouffer, per behaviour** over 1 counted task-behaviours" in text
    assert "Counted tasks without a line file (not read): " in text and "confusable" in text
