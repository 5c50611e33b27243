"""benchmarks/attribution/token_line_probe.py: the single-token oracle and its records, by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.attribution.line_scores import LINES
from benchmarks.attribution.token_line_probe import COLUMNS, best_token, records, render


def ranked(order: list[int]) -> np.ndarray:
    """``[rows]`` scores that rank the rows in ``order``."""
    scores = np.zeros(len(order))
    scores[order] = np.arange(len(order), 0, -1)
    return scores


PLANTED = np.arange(20) < 12
# a: the top 10 all planted, the top 12 hold 10 (P@10 1.0, P@n 10/12); b: 9 and 11 (P@10 0.9, P@n 11/12)
A = ranked([*range(10), 12, 13, 10, 11, *range(14, 20)])
B = ranked([*range(9), 12, 9, 10, 11, *range(13, 20)])
NONE = ranked([*range(12, 20), *range(12)])   # the 8 other rows first: P@10 2/10, P@n 4/12


def test_best_token_maximises_p_at_10_then_p_at_n():
    assert best_token(np.stack([B, A, NONE]), PLANTED) == pytest.approx((1, 10 / 12, 1.0))
    assert best_token(np.stack([NONE, B]), PLANTED) == pytest.approx((1, 11 / 12, 0.9))
    assert best_token(np.stack([B, B]), PLANTED)[0] == 0   # ties: the first token
    with pytest.raises(ValueError, match="at least one raised token"):
        best_token(np.zeros((0, 20)), PLANTED)


def stored(answers: int) -> dict:
    rng = np.random.default_rng(0)
    lines = {name: rng.normal(size=(answers, 20)) for name in LINES}
    return lines | {f"behaviour {k}": v.mean(0, keepdims=True) for k, v in lines.items()} | {"planted": PLANTED}


def test_records_read_the_most_raised_token_and_the_oracle():
    answers = [(["a", "none", "b"], np.array([0.5, 2.0, 1.0]), np.stack([A, NONE, B])),   # most raised: NONE
               (["b"], np.array([3.0]), np.stack([B]))]
    recs = {(r["answer"], r["column"]): (r["P@n"], r["P@10"]) for r in records("t", "b", stored(2), answers)}
    read = {(r["answer"], r["column"]): r["token"] for r in records("t", "b", stored(2), answers)}
    assert read == {(0, "default"): None, (0, "most-raised token"): "none", (0, "best token"): "a",
                    (1, "default"): None, (1, "most-raised token"): "b", (1, "best token"): "b"}
    assert recs[(0, "most-raised token")] == pytest.approx((4 / 12, 0.2))
    assert recs[(0, "best token")] == pytest.approx((10 / 12, 1.0))
    assert recs[(1, "most-raised token")] == recs[(1, "best token")] == pytest.approx((11 / 12, 0.9))
    text = render(pd.DataFrame(records("t", "b", stored(2), answers)))
    row = [line for line in text.splitlines() if line.startswith("| t / b |")]
    # means over the two answers: most-raised P@10 (0.2, 0.9), P@n (4/12, 11/12); best P@10 (1.0, 0.9), P@n
    # (10/12, 11/12); the columns in `COLUMNS`' order
    assert len(row) == 1 and row[0].endswith("| 0.55 (0.62) | 0.95 (0.88) | `'b'` | `'a'` |") and list(COLUMNS)[1:] == [
        "most-raised token", "best token"]


def test_render_has_one_row_per_task_behaviour_in_reading_order():
    answers = [(["a"], np.ones(1), np.stack([A]))]
    recs = [*records("z", "b", stored(1), answers), *records("a", "b", stored(1), answers),
            *records("z", "c", stored(1), answers)]
    rows = [line.split(" |")[0] for line in render(pd.DataFrame(recs)).splitlines() if line.startswith("| ") and
            " / " in line]
    assert rows == ["| task / behaviour", "| z / b", "| a / b", "| z / c"]
    end = render(pd.DataFrame(records("t", "b", stored(1), [(["<|e|>"], np.ones(1), np.stack([A]))])))
    assert end.splitlines()[-1].endswith("| `'<\\|e\\|>'` | `'<\\|e\\|>'` |")   # a "|" in a token kept in its cell


def test_answers_or_rows_that_do_not_match_are_refused():
    with pytest.raises(ValueError, match="t/b: the token lines and the stored lines cover different answers or rows"):
        records("t", "b", stored(2), [(["a"], np.ones(1), np.stack([A]))])
    with pytest.raises(ValueError, match="different answers or rows"):
        records("t", "b", stored(1), [(["a"], np.ones(1), np.zeros((1, 19)))])
