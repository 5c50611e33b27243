"""Batch-size-1 autograd reference for per-sample signatures, and random SFT batches to test against it."""
from __future__ import annotations

import torch


def random_samples(n: int, *, vocab: int = 128, seed: int = 0, min_len: int = 6, max_len: int = 24, no_response: tuple = ()):
    """n samples of mixed lengths: dicts with input_ids, labels (prompt masked), sample_id, source."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(n):
        length = int(torch.randint(min_len, max_len + 1, (1,), generator=g))
        prompt = int(torch.randint(1, length - 1, (1,), generator=g))
        ids = torch.randint(4, vocab, (length,), generator=g)
        labels = ids.clone()
        labels[:prompt] = -100
        if i in no_response:
            labels[:] = -100
        out.append({"input_ids": ids, "labels": labels, "sample_id": 100 + i, "source": f"src{i % 3}"})
    return out


def collate(samples, *, padding_side: str = "right", pad_id: int = 0):
    """Pad to the longest sample; position ids count real tokens so left padding matches batch size 1."""
    T = max(len(s["input_ids"]) for s in samples)
    B = len(samples)
    ids = torch.full((B, T), pad_id)
    labels = torch.full((B, T), -100)
    mask = torch.zeros(B, T, dtype=torch.long)
    for i, s in enumerate(samples):
        n = len(s["input_ids"])
        sl = slice(T - n, T) if padding_side == "left" else slice(0, n)
        ids[i, sl], labels[i, sl], mask[i, sl] = s["input_ids"], s["labels"], 1
    position_ids = (mask.cumsum(1) - 1).clamp(min=0)
    return {"input_ids": ids, "attention_mask": mask, "labels": labels, "position_ids": position_ids,
            "sample_id": [s["sample_id"] for s in samples], "source": [s["source"] for s in samples]}


def reference_signatures(model, sample, layers, autocast_dtype=None):
    """h/g at the last prompt token and pooled over response-predicting positions, from one sample alone."""
    ids, labels = sample["input_ids"][None], sample["labels"][None]
    ctx = torch.autocast("cpu", dtype=autocast_dtype) if autocast_dtype else torch.autocast("cpu", enabled=False)
    with ctx:
        out = model(input_ids=ids, labels=labels, output_hidden_states=True)
    hs = [out.hidden_states[l] for l in layers]
    grads = torch.autograd.grad(out.loss, hs)
    predicts = (labels[0, 1:] != -100).nonzero().flatten()
    p = int(predicts[0])
    res = {}
    for l, h, g in zip(layers, hs, grads):
        h, g = h[0].detach().float(), g[0].float()
        res[l] = {"h_last": h[p], "g_last": g[p], "h_mean": h[predicts].mean(0), "g_mean": g[predicts].mean(0)}
    return res, float(out.loss.detach())


def assert_matches(captured: dict, reference: dict, *, h_atol=1e-5, g_cos=0.999, g_ratio=0.01, label=""):
    for l, ref in reference.items():
        for name, r in ref.items():
            c = torch.as_tensor(captured[l][name]).float()
            if name.startswith("h"):
                assert torch.allclose(c, r, atol=h_atol, rtol=1e-4), f"{label} layer {l} {name}: max diff {(c - r).abs().max():.3g}"
            else:
                cos = torch.nn.functional.cosine_similarity(c, r, dim=0).item()
                ratio = (c.norm() / r.norm()).item()
                assert cos >= g_cos, f"{label} layer {l} {name}: cosine {cos:.6f} < {g_cos}"
                assert abs(ratio - 1) <= g_ratio, f"{label} layer {l} {name}: norm ratio {ratio:.5f}"
