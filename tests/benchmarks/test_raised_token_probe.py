"""The raised-token probe's disagreement rule and table against hand computations."""
import numpy as np

from benchmarks.attribution.raised_token_probe import disagrees, render


def test_disagreement_rule_by_hand():
    a = np.arange(20)
    # N = 200 rows, k = 20: chance overlap 2, so the sign fires below (20 + 2) / 2 = 11 shared rows.
    assert disagrees(a, np.r_[np.arange(10), np.arange(100, 110)], 200)        # 10 shared: 20 < 22
    assert not disagrees(a, np.r_[np.arange(11), np.arange(100, 109)], 200)    # 11 shared: 22 = 22, not below
    # N = 40: chance overlap 10, so 14 shared rows are still below half the way (28 < 30).
    assert disagrees(a, np.r_[np.arange(14), np.arange(100, 106)], 40)
    assert not disagrees(a, np.r_[np.arange(15), np.arange(100, 105)], 40)


def test_render_counts_wrong_and_false_alarms():
    rec = lambda q, p, fires, tok: {"task": "t", "behaviour": "t", "query": q, "P@n": p, "token P@n": 1.0,  # noqa: E731
                                    "token": tok, "share": 0.3, "fires": fires}
    text = render([rec(0, 0.2, True, " /"), rec(1, 0.4, False, " /"), rec(2, 0.9, True, "x"), rec(3, 1.0, False, "x")])
    assert "| t | 4 | 2 | 1 | 2 | 1 | 0.62 | 1.00 | ` /` 2, `x` 2 |" in text
    assert "| **total** | 4 | 2 | 1 | 2 | 1 | | | |" in text
