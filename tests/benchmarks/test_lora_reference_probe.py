"""benchmarks/attribution/lora_reference_probe.py: the exact gradient against the library's sketched one, the raised
token against a per-position loss reference, the report's counts by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from benchmarks.attribution import lora_reference_probe as probe
from provenance.data import IGNORE_INDEX
from provenance.models import tiny_causal_lm


@pytest.fixture(scope="module")
def model():
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"])
    m = get_peft_model(tiny_causal_lm("llama", seed=2), config)
    with torch.no_grad():   # a non-zero B: the tuned model differs from the base and A's gradients are non-zero
        for n, p in m.named_parameters():
            if "lora_B" in n:
                p.normal_(0, 0.3, generator=torch.Generator().manual_seed(0))
    return m.eval()


IDS = np.array([5, 9, 17, 3, 44, 21, 8, 30, 12])


def test_response_labels_keep_the_response_or_one_position():
    assert probe.response_labels(IDS, 4).tolist() == [IGNORE_INDEX] * 4 + IDS[4:].tolist()
    assert probe.response_labels(IDS, 4, only=6).tolist() == [IGNORE_INDEX] * 6 + [8] + [IGNORE_INDEX] * 2


def test_the_exact_gradient_sketched_is_the_library_baselines_gradient(model):
    from provenance.attribution.baselines import CountSketch, sample_gradients, trainable_parameters

    params = [p for _, p in trainable_parameters(model)]
    sketch = CountSketch([p.numel() for p in params], 64, 0)
    for p in params:
        p.requires_grad_(True)
    flat = probe.flat_gradient(model, params, IDS, probe.response_labels(IDS, 4))
    sizes = np.cumsum([0, *[p.numel() for p in params]])
    mine = sketch([torch.from_numpy(flat[a:b]).view_as(p) for a, b, p in zip(sizes, sizes[1:], params)])
    library = sample_gradients(model, [(IDS, 4)], sketch)[0]
    assert flat.shape == (sizes[-1],) and np.abs(flat).max() > 0
    np.testing.assert_allclose(mine, library, rtol=1e-4, atol=1e-6)


def test_the_raised_position_is_where_the_tuned_loss_fell_most_below_the_base_loss(model):
    def loss_at(position: int, base: bool) -> float:   # the reference: one position's loss through labels
        labels = torch.as_tensor(probe.response_labels(IDS, 4, only=position))[None]
        x = torch.as_tensor(IDS)[None]
        with torch.no_grad():
            if base:
                with model.disable_adapter():
                    return float(model(input_ids=x, labels=labels).loss)
            return float(model(input_ids=x, labels=labels).loss)

    drops = [loss_at(t, True) - loss_at(t, False) for t in range(4, len(IDS))]
    assert max(drops) - sorted(drops)[-2] > 1e-4          # a clear winner on this seed
    assert probe.raised_position(model, IDS, 4) == 4 + int(np.argmax(drops))


def test_render_counts_goals_and_the_defaults_misses(monkeypatch):
    rows = [("a", 0.5, 0.5, 0.6), ("b", 1.0, 1.0, 0.3), ("exclaim_tone", 0.6, 0.7, 0.4)]
    committed = pd.DataFrame([{"task": t, "behaviour": t, "mode": "per answer", "method": m, "P@n": v, "P@10": w}
                              for t, d, w, b in rows for m, v in (("default", d), ("bm25", b), ("h_fused", 0.1))])
    committed = committed.set_index(["task", "behaviour", "mode", "method"]).unstack("method").swaplevel(axis=1)
    monkeypatch.setattr(probe, "committed_figures", lambda: committed)
    found = pd.DataFrame([{"task": t, "behaviour": t, "mode": "per answer", "column": c,
                           "P@n needed": v, "P@10 needed": v}
                          for t, v in (("a", 0.95), ("b", 0.2), ("exclaim_tone", 0.9)) for c in probe.COLUMNS])
    text = probe.render(found)
    assert "| a | per answer | 0.50 (0.50) | 0.60 (0.50) | 0.10 (0.50) | 0.95 (0.95) |" in text
    assert "| per answer | default | 3 | 0.700 | 1 | 0 of 2 | 0 of 1 |" in text
    assert "| per answer | exact cosine | 3 | 0.683 | 2 | 2 of 2 | 1 of 1 |" in text
    assert "| per answer | h_fused | 3 | 0.100 | 1 | 0 of 2 | 0 of 1 |" in text
