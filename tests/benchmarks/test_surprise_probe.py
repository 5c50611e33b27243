"""The surprise probe's priors and fusions against hand computations (benchmarks/attribution/surprise_probe.py)."""
import numpy as np
import pandas as pd
import pytest

from benchmarks.attribution.surprise_probe import DEFAULT, columns, fused, loss_priors, render


def test_loss_priors_by_hand():
    samples = pd.DataFrame({"sample_id": [1, 2, 1, 2, 3], "epoch": [0, 0, 1, 1, 1],
                            "loss": [4.0, 1.0, 2.5, 0.5, 3.0]})
    rows = np.array([2, 3, 4])  # the last epoch's rows: samples 1, 2, 3
    p = loss_priors(samples, rows)
    np.testing.assert_allclose(p["first"], [4.0, 1.0, 3.0])   # sample 3 was first seen in epoch 1
    np.testing.assert_allclose(p["drop"], [1.5, 0.5, 0.0])
    np.testing.assert_allclose(p["sum"], [6.5, 1.5, 6.0])     # sample 3's missing epoch 0 counts its epoch-1 loss


def test_loss_priors_refuse_unknown_loss():
    samples = pd.DataFrame({"sample_id": [1, 2], "epoch": [0, 0], "loss": [1.0, np.nan]})
    with pytest.raises(ValueError, match="no finite loss"):
        loss_priors(samples, np.array([0, 1]))


def test_fusions_by_hand():
    rng = np.random.default_rng(0)
    sig, tok, ctx = (rng.normal(size=(2, 6)) for _ in range(3))
    prior = rng.normal(size=6)
    out = fused((sig, tok, ctx), prior)
    z = lambda s: (s - s.mean(1, keepdims=True)) / s.std(1, keepdims=True)  # noqa: E731
    w = np.array([1 / np.sqrt(2), np.sqrt(2), 1 / np.sqrt(2)])
    default = (w[0] * z(sig) + w[1] * z(tok) + w[2] * z(ctx)) / np.sqrt((w ** 2).sum())
    np.testing.assert_allclose(out[DEFAULT], default, atol=1e-12)
    zp = z(np.tile(prior, (2, 1)))
    line = (w[0] * z(sig) + w[1] * z(tok) + w[2] * z(ctx) + zp) / np.sqrt((w ** 2).sum() + 1)
    np.testing.assert_allclose(out["line"], line, atol=1e-12)
    np.testing.assert_allclose(out["equal"], (z(default) + zp) / np.sqrt(2), atol=1e-12)


def test_render_counts_moves():
    records = [{"task": "t", "behaviour": "t", "column": c, "P@n": p, "P@10": p, "queries": 1}
               for c, p in zip(columns(), [0.5, 0.9, 0.5, 0.5, 0.5, 0.5, 0.52])]
    text = render(records)
    assert "| t | 0.50 | 0.90 | 0.50 | 0.50 | 0.50 | 0.50 | 0.52 |" in text
    assert "| tasks moved > 0.1 from the default | 0 | 1 | 0 | 0 | 0 | 0 | 0 |" in text
