"""Batch-size-1 autograd reference for per-sample signatures, and random SFT batches to test against it.

The exactness tests (tests/capture/test_capture_exactness.py) run where `capture_target()` says: on the CPU in fp32 by
default; `PROVENANCE_TEST_DEVICE=cuda` (or `cuda:N`) moves models and batches to that GPU, and
`PROVENANCE_TEST_PRECISION=bf16` runs every forward under bf16 autocast, with the looser tolerances of
`CaptureTarget.tolerances`. `make gpu-check` (benchmarks/gpu_check) runs them both ways on a GPU.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import torch

DEVICE_ENV = "PROVENANCE_TEST_DEVICE"
PRECISION_ENV = "PROVENANCE_TEST_PRECISION"
PRECISIONS = ("fp32", "bf16")

# Tolerances per precision, for assert_matches (h_atol, g_cos, g_ratio) and the loss column (loss_rel, relative).
# fp32: the batched and batch-size-1 forwards differ only in summation order. bf16 autocast keeps ~3 significant
# digits in every matmul, padding changes the kernels' summation order, and the loss column is read back from the
# bf16 gradient of the logits (p_y = 1 + dL/dz_y / c), so it carries that gradient's rounding: the bounds below hold
# on the CPU for the tiny random models with a margin of 2.5x or more (worst cases measured there: h 0.019,
# g cosine 0.99975, norm ratio 1.4 %, loss 1.9 %; benchmarks/gpu_check/README.md).
TOLERANCES = {
    "fp32": {"h_atol": 1e-5, "g_cos": 0.999, "g_ratio": 0.01, "loss_rel": 1e-4},
    "bf16": {"h_atol": 0.1, "g_cos": 0.99, "g_ratio": 0.05, "loss_rel": 0.05},
}


@dataclass(frozen=True)
class CaptureTarget:
    """The device and precision the exactness tests run at."""

    device: torch.device
    precision: str

    @property
    def autocast_dtype(self) -> torch.dtype | None:
        return torch.bfloat16 if self.precision == "bf16" else None

    @property
    def tolerances(self) -> dict:
        return dict(TOLERANCES[self.precision])

    def match_tolerances(self) -> dict:
        """The keyword arguments of assert_matches at this precision."""
        return {k: v for k, v in TOLERANCES[self.precision].items() if k != "loss_rel"}

    @property
    def skip_reason(self) -> str | None:
        """Why tests at this target cannot run on this machine (None: they can)."""
        if self.device.type != "cuda":
            return None
        if not torch.cuda.is_available():
            return f"{DEVICE_ENV}={self.device} but no CUDA GPU is available here (torch.cuda.is_available() is False)"
        if self.device.index is not None and self.device.index >= torch.cuda.device_count():
            return f"{DEVICE_ENV}={self.device} but this machine has {torch.cuda.device_count()} CUDA device(s)"
        return None

    def __str__(self) -> str:
        return f"{self.device} {self.precision}"


def capture_target(environ: Mapping[str, str] | None = None) -> CaptureTarget:
    """The target named by PROVENANCE_TEST_DEVICE (cpu, cuda, cuda:N; default cpu) and PROVENANCE_TEST_PRECISION
    (fp32, bf16 = bf16 autocast; default fp32).

    Args:
        environ: where to read the variables (default: os.environ).

    Raises:
        ValueError: a variable names no such device or precision.
    """
    environ = os.environ if environ is None else environ
    raw = environ.get(DEVICE_ENV, "cpu").strip() or "cpu"
    try:
        device = torch.device(raw)
    except RuntimeError:
        device = None
    if device is None or device.type not in ("cpu", "cuda"):
        raise ValueError(f"{DEVICE_ENV}={raw!r} is not a device the exactness tests run on: use cpu, cuda or cuda:N")
    precision = environ.get(PRECISION_ENV, "fp32").strip().lower() or "fp32"
    if precision not in PRECISIONS:
        raise ValueError(f"{PRECISION_ENV}={precision!r} is not a precision: use one of {', '.join(PRECISIONS)} "
                         "(bf16 = bf16 autocast)")
    return CaptureTarget(device=device, precision=precision)


def autocast_for(device: torch.device, dtype: torch.dtype | None):
    """bf16 (or other) autocast on `device`'s type, or a context that turns autocast off there."""
    if dtype is None:
        return torch.autocast(device.type, enabled=False)
    return torch.autocast(device.type, dtype=dtype)


def to_device(batch: dict, device: torch.device) -> dict:
    """The batch with its tensors on `device` (ids and sources stay lists)."""
    return {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in batch.items()}


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


class SampleDataset(torch.utils.data.Dataset):
    """`random_samples(n)` as a map-style dataset for a `transformers.Trainer` (ids and sources for the callback)."""

    def __init__(self, n: int):
        self.items = random_samples(n)

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        s = self.items[i]
        return {"input_ids": s["input_ids"], "labels": s["labels"], "sample_id": s["sample_id"], "source": s["source"]}


def trainer_collate(examples):
    """Right padding of model inputs only: under `ProvenanceTrainerCallback` the ids and sources are carried by the
    callback's collator around this one."""
    T = max(len(e["input_ids"]) for e in examples)
    ids = torch.zeros(len(examples), T, dtype=torch.long)
    labels = torch.full((len(examples), T), -100)
    mask = torch.zeros(len(examples), T, dtype=torch.long)
    for i, e in enumerate(examples):
        n = len(e["input_ids"])
        ids[i, :n], labels[i, :n], mask[i, :n] = e["input_ids"], e["labels"], 1
    return {"input_ids": ids, "labels": labels, "attention_mask": mask}


def reference_signatures(model, sample, layers, autocast_dtype=None):
    """h/g at the last prompt token and pooled over response-predicting positions, from one sample alone, on the
    model's device (results on the CPU)."""
    device = next(model.parameters()).device
    ids, labels = sample["input_ids"][None].to(device), sample["labels"][None].to(device)
    with autocast_for(device, autocast_dtype):
        out = model(input_ids=ids, labels=labels, output_hidden_states=True)
    hs = [out.hidden_states[l] for l in layers]
    grads = torch.autograd.grad(out.loss, hs)
    predicts = (labels[0, 1:] != -100).nonzero().flatten().cpu()
    p = int(predicts[0])
    res = {}
    for l, h, g in zip(layers, hs, grads):
        h, g = h[0].detach().float().cpu(), g[0].float().cpu()
        res[l] = {"h_last": h[p], "g_last": g[p], "h_mean": h[predicts].mean(0), "g_mean": g[predicts].mean(0)}
    return res, float(out.loss.detach())


def assert_matches(captured: dict, reference: dict, *, h_atol=1e-5, g_cos=0.999, g_ratio=0.01, label=""):
    for l, ref in reference.items():
        for name, r in ref.items():
            c = torch.as_tensor(captured[l][name]).float().cpu()
            r = r.float().cpu()
            if name.startswith("h"):
                assert torch.allclose(c, r, atol=h_atol, rtol=1e-4), f"{label} layer {l} {name}: max diff {(c - r).abs().max():.3g}"
            else:
                cos = torch.nn.functional.cosine_similarity(c, r, dim=0).item()
                ratio = (c.norm() / r.norm()).item()
                assert cos >= g_cos, f"{label} layer {l} {name}: cosine {cos:.6f} < {g_cos}"
                assert abs(ratio - 1) <= g_ratio, f"{label} layer {l} {name}: norm ratio {ratio:.5f}"
