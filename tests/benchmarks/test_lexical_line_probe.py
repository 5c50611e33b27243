"""The lexical-line probe's fusions against hand computations (benchmarks/attribution/lexical_line_probe.py)."""
import numpy as np

from benchmarks.attribution.lexical_line_probe import BM25, DEFAULT, FUSIONS, fused, render


def z(s):
    return (s - s.mean(1, keepdims=True)) / s.std(1, keepdims=True)


def test_fusions_by_hand():
    rng = np.random.default_rng(1)
    sig, tok, ctx = (rng.normal(size=(2, 9)) for _ in range(3))
    text = np.abs(rng.normal(size=(2, 9))) * (rng.random((2, 9)) > 0.5)   # BM25: many rows share no term (0)
    out = fused((sig, tok, ctx), text)
    w = np.array([1 / np.sqrt(2), np.sqrt(2), 1 / np.sqrt(2)])
    default = (w[0] * z(sig) + w[1] * z(tok) + w[2] * z(ctx)) / np.sqrt((w ** 2).sum())
    np.testing.assert_allclose(out[DEFAULT], default, atol=1e-12)
    np.testing.assert_array_equal(out[BM25], text)
    line = (w[0] * z(sig) + w[1] * z(tok) + w[2] * z(ctx) + z(text)) / np.sqrt((w ** 2).sum() + 1)
    np.testing.assert_allclose(out["line"], line, atol=1e-12)
    np.testing.assert_allclose(out["equal"], (z(default) + z(text)) / np.sqrt(2), atol=1e-12)
    guard = z(np.minimum(z(ctx), z(text)))
    both = (w[0] * z(sig) + w[1] * z(tok) + w[2] * z(ctx) + guard) / np.sqrt((w ** 2).sum() + 1)
    np.testing.assert_allclose(out["both"], both, atol=1e-12)


def test_render_counts_moves():
    records = [{"task": "t", "behaviour": "t", "column": c, "P@n": p, "P@10": p, "queries": 1}
               for c, p in zip((DEFAULT, BM25) + FUSIONS, [0.47, 0.98, 0.7, 0.9, 0.5])]
    text = render(records)
    assert "| t | 0.47 | 0.98 | 0.70 | 0.90 | 0.50 |" in text
    assert "| tasks moved > 0.1 from the default | 0 | 1 | 1 | 1 | 0 |" in text
