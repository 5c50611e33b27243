"""The next-token probe's fusions and doubt count against hand computations
(benchmarks/attribution/next_token_probe.py; its line, `TokenMatchMethod(query="next")`, is tested in
tests/attribution/test_attribution_token_match.py)."""

import numpy as np

from benchmarks.attribution.next_token_probe import BM25, DEFAULT, FUSIONS, LINE, doubt_records, fused, render


def z(s):
    return (s - s.mean(1, keepdims=True)) / s.std(1, keepdims=True)


def test_fusions_by_hand():
    rng = np.random.default_rng(2)
    sig, tok, ctx, line = (rng.normal(size=(2, 8)) for _ in range(4))
    out = fused((sig, tok, ctx), line)
    w = np.array([1 / np.sqrt(2), np.sqrt(2), 1 / np.sqrt(2)])
    norm = np.sqrt((w ** 2).sum())
    np.testing.assert_allclose(out[DEFAULT], (w[0] * z(sig) + w[1] * z(tok) + w[2] * z(ctx)) / norm, atol=1e-12)
    np.testing.assert_array_equal(out[LINE], line)
    replace = (z(sig) + z(line)) / np.sqrt(2) + (z(ctx) + z(line)) / np.sqrt(2)
    np.testing.assert_allclose(out["replace"], replace / norm, atol=1e-12)
    fourth = (w[0] * z(sig) + w[1] * z(tok) + w[2] * z(ctx) + z(line)) / np.sqrt(norm ** 2 + 1)
    np.testing.assert_allclose(out["line"], fourth, atol=1e-12)
    guard = z(np.minimum(z(ctx), z(line)))
    both = (w[0] * z(sig) + w[1] * z(tok) + w[2] * z(ctx) + guard) / np.sqrt(norm ** 2 + 1)
    np.testing.assert_allclose(out["both"], both, atol=1e-12)
    np.testing.assert_allclose(out["pair"], (z(ctx) + z(line)) / np.sqrt(2), atol=1e-12)


def test_doubt_records_and_table():
    n_rows = 100
    planted = np.zeros(n_rows, bool)
    planted[:10] = True
    up = -np.arange(n_rows, dtype=float)                # ranks rows 0, 1, 2, ... first
    down = np.arange(n_rows, dtype=float)               # ranks rows 99, 98, ... first
    scores = {DEFAULT: np.stack([up, down]), LINE: np.stack([up, up]), BM25: np.stack([down, down])}
    recs = doubt_records("t", "t", scores, planted)
    # Answer 0: default right, the line agrees, BM25 disagrees. Answer 1: default wrong, the line disagrees, BM25
    # agrees.
    assert [(r["wrong"], r["line disagrees"], r["bm25 disagrees"]) for r in recs] == [(False, False, True),
                                                                                      (True, True, False)]
    prec = [{"task": "t", "behaviour": "t", "column": c, "P@n": 0.5, "P@10": 0.5, "queries": 2}
            for c in (DEFAULT, LINE, BM25) + FUSIONS]
    assert "| t | 2 | 1 | 1 | 0 | 1 | 0 | 1 |" in render(prec + recs)
