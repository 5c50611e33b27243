"""The focus-line probe's fusions and the most-raised token's scores against hand computations
(benchmarks/attribution/focus_line_probe.py, raised_token_probe.most_raised_scores)."""
from types import SimpleNamespace

import numpy as np

import provenance.attribution.token_match as token_match
from benchmarks.attribution.focus_line_probe import DEFAULT, FUSIONS, fused, render
from benchmarks.attribution.raised_token_probe import most_raised_scores


def z(s):
    return (s - s.mean(1, keepdims=True)) / s.std(1, keepdims=True)


def test_fusions_by_hand():
    rng = np.random.default_rng(0)
    sig, tok, ctx, focus = (rng.normal(size=(2, 7)) for _ in range(4))
    out = fused((sig, tok, ctx), focus)
    w = np.array([1 / np.sqrt(2), np.sqrt(2), 1 / np.sqrt(2)])
    default = (w[0] * z(sig) + w[1] * z(tok) + w[2] * z(ctx)) / np.sqrt((w ** 2).sum())
    np.testing.assert_allclose(out[DEFAULT], default, atol=1e-12)
    line = (w[0] * z(sig) + w[1] * z(tok) + w[2] * z(ctx) + z(focus)) / np.sqrt((w ** 2).sum() + 1)
    np.testing.assert_allclose(out["line"], line, atol=1e-12)
    np.testing.assert_allclose(out["equal"], (z(default) + z(focus)) / np.sqrt(2), atol=1e-12)
    # replace: (z_s + z_f) / sqrt(2) + (z_c + z_f) / sqrt(2), up to the per-query factor Stouffer divides by.
    replace = (z(sig) + z(focus)) / np.sqrt(2) + (z(ctx) + z(focus)) / np.sqrt(2)
    np.testing.assert_allclose(out["replace"], replace / np.sqrt((w ** 2).sum()), atol=1e-12)


def test_most_raised_scores_by_hand(monkeypatch):
    # One answer of three response tokens; the second gained most (3 of 4 nats), so it is the query.
    states = [np.array([[1.0, 0.0], [0.0, 2.0], [5.0, 5.0]])]
    gains = [np.array([1.0, 3.0, 0.0])]
    monkeypatch.setattr(token_match, "finetune_tokens", lambda model, test, layer: (states, gains))
    center = np.array([0.0, 1.0])
    # Two rows' stored states, already centred and unit length: row 0's best token is orthogonal-ish, row 1 has the
    # query's direction.
    stored = [np.array([[1.0, 0.0], [np.sqrt(0.5), np.sqrt(0.5)]]), np.array([[-1.0, 0.0], [0.0, 1.0]])]
    scores, positions, shares = most_raised_scores(SimpleNamespace(model=None), None, 22, center, stored)
    # query: (0, 2) - (0, 1) = (0, 1), unit (0, 1); row 0 best sqrt(0.5), row 1 best 1.
    np.testing.assert_allclose(scores, [[np.sqrt(0.5), 1.0]])
    assert positions == [1] and shares == [0.75]


def test_render_counts_moves():
    records = [{"task": "t", "behaviour": "t", "column": c, "P@n": p, "P@10": p, "queries": 1}
               for c, p in zip((DEFAULT,) + FUSIONS, [0.4, 0.55, 0.95, 0.5])]
    text = render(records)
    assert "| t | 0.40 | 0.55 | 0.95 | 0.50 |" in text
    assert "| tasks moved > 0.1 from the default | 0 | 1 | 1 | 0 |" in text
