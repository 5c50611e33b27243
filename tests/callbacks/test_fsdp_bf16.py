"""Capture under FSDP2 in bf16: Lightning's ModelParallelStrategy, two CPU processes on gloo
(tests/scripts/train_lightning_fsdp_bf16.py), in the three bf16 set-ups a user has:

- `mp-policy`: `fully_shard(mp_policy=MixedPrecisionPolicy(param_dtype=bfloat16, reduce_dtype=float32))`: float32
  sharded parameters, forward and backward in bf16 on the gathered parameters (buffers stay float32);
- `bf16-true`: Trainer precision "bf16-true": the whole model (parameters and buffers) in bf16;
- `bf16-mixed`: Trainer precision "bf16-mixed": float32 parameters, bf16 autocast.

Every stored row is compared with two batch-size-1 autograd references on the unsharded model with the same weights
(learning rate 0): one computing as the run does (parameters cast to bf16, buffers kept; the model cast to bf16;
float32 under bf16 autocast), and the float32 model. bf16 keeps 8 significant bits: its spacing is EPS = 2^-7
relative to a number's binade, about 2.4 decimal digits. The tolerances, stated in it:

- against the bf16 reference the arithmetic is the same, only the batch differs (padding changes summation order),
  so the rows differ by a few roundings: max |h - h_ref| <= 2 EPS x max |h_ref| per vector (one bf16 step at its
  largest entry, twice over); g cosine >= 0.999 and norm ratio within 1 %, the fp32 bounds, which still hold because
  a gradient's rounding errors are independent across its d entries; the loss column within 1 % (it is read back from
  the bf16 gradient of the logits, p_y = 1 + dL/dz_y / c);
- against the float32 reference, bf16's own rounding adds up over the layers: max |h - h_ref| <= 4 EPS x max |h_ref|,
  g cosine >= 0.998, norm ratio and loss within 2 %.

Measured worst cases (8 samples x layers 1, 3, 4, all three set-ups, 2-core CPU): against bf16, h 0.92 EPS, cosine
0.99995, norm ratio 0.45 %, loss 0.33 %; against float32, h 1.20 EPS, cosine 0.99996, norm ratio 0.39 %, loss 0.34 %.

What is stored: the default encoding, `float16-rowscale`, whatever the training precision (docs/store.md#encodings):
a float16 payload and a float32 power-of-two scale per row, recorded in the run's `encoding`, read back as float32.
"""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import zarr

from capture_reference import autocast_for, random_samples, reference_signatures
from provenance import open_store
from provenance.models import tiny_causal_lm
from provenance.store.schema import SCALE_SUFFIX, signature_path

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "train_lightning_fsdp_bf16.py"
SIGNATURES = ("h_last", "g_last", "h_mean", "g_mean")
LAYERS = [1, 3, 4]
N_SAMPLES = 8
EPS = 2.0 ** -7  # bf16's spacing relative to a number's binade
AGAINST_BF16 = {"h_eps": 2, "g_cos": 0.999, "g_ratio": 0.01, "loss_rel": 0.01}
AGAINST_FP32 = {"h_eps": 4, "g_cos": 0.998, "g_ratio": 0.02, "loss_rel": 0.02}


def _train(tmp_path, precision: str) -> dict:
    env = dict(os.environ, PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1")
    report = tmp_path / "report.json"
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--store", str(tmp_path / "s.zarr"), "--precision", precision, "--samples",
         str(N_SAMPLES), "--layers", ",".join(map(str, LAYERS)), "--report", str(report)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out = proc.communicate(timeout=300)[0].decode(errors="replace")
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    assert proc.returncode == 0, out[-3000:]
    return json.loads(report.read_text())


def _bf16_reference_model(precision: str):
    """The unsharded model computing as the run does, and the autocast dtype its forward runs under."""
    model = tiny_causal_lm("llama", seed=0)
    if precision == "mp-policy":  # FSDP casts the gathered parameters only; buffers (RoPE's inv_freq) stay float32
        for param in model.parameters():
            param.data = param.data.to(torch.bfloat16)
        return model, None
    if precision == "bf16-true":  # Lightning casts the module, buffers included
        return model.to(torch.bfloat16), None
    return model, torch.bfloat16  # bf16-mixed: autocast


def _worst(stored: dict, reference: dict) -> dict:
    """The worst deviations of one row from its reference, over layers and signatures."""
    worst = {"h_eps": 0.0, "g_cos": 1.0, "g_ratio": 0.0}
    for layer, ref in reference.items():
        for name, r in ref.items():
            c, r = torch.as_tensor(stored[layer][name]).float(), r.float()
            if name.startswith("h"):
                worst["h_eps"] = max(worst["h_eps"], ((c - r).abs().max() / (EPS * r.abs().max())).item())
            else:
                worst["g_cos"] = min(worst["g_cos"], torch.nn.functional.cosine_similarity(c, r, dim=0).item())
                worst["g_ratio"] = max(worst["g_ratio"], abs((c.norm() / r.norm()).item() - 1))
    return worst


def _assert_within(worst: dict, bounds: dict, label: str) -> None:
    assert worst["h_eps"] <= bounds["h_eps"], f"{label}: h off by {worst['h_eps']:.2f} EPS"
    assert worst["g_cos"] >= bounds["g_cos"], f"{label}: g cosine {worst['g_cos']:.6f}"
    assert worst["g_ratio"] <= bounds["g_ratio"], f"{label}: g norm ratio off by {worst['g_ratio']:.4f}"
    assert worst["loss_rel"] <= bounds["loss_rel"], f"{label}: loss off by {worst['loss_rel']:.4f} (relative)"


@pytest.mark.parametrize(("precision", "param_dtype", "block_output_dtype"), [
    ("mp-policy", "torch.float32", "torch.bfloat16"),
    ("bf16-true", "torch.bfloat16", "torch.bfloat16"),
    ("bf16-mixed", "torch.float32", "torch.float32"),  # autocast: bf16 matmuls, the residual stream stays float32
])
def test_fsdp2_bf16_capture_matches_bf16_and_fp32_references(tmp_path, precision, param_dtype, block_output_dtype):
    ran = _train(tmp_path, precision)
    # What ran: sharded parameters (DTensors) of the expected dtype, the decoder blocks computing as expected.
    assert ran["param_class"] == "DTensor" and ran["param_dtype"] == param_dtype
    assert ran["compute_dtype"] == block_output_dtype

    store = tmp_path / "s.zarr"
    reader = open_store(str(store))
    attrs = reader.run_attrs
    assert attrs["sharding"] == "fsdp2" and attrs["world_size"] == 2 and reader.layers == LAYERS
    assert reader.committed == {0: N_SAMPLES // 2, 1: N_SAMPLES // 2} and reader.skipped == {}
    df = reader.samples()
    assert sorted(df.sample_id) == [100 + i for i in range(N_SAMPLES)]  # every sample once, in its rank's half

    # Stored as docs/store.md says: float16 payload, float32 power-of-two row scales, read back as float32.
    assert attrs["encoding"] == {"name": "float16-rowscale", "payload_dtype": "float16", "scale": True}
    group = zarr.open_group(str(store), mode="r")
    for rank in (0, 1):
        for layer in LAYERS:
            for name in SIGNATURES:
                path = f"default/rank-{rank}/{signature_path(layer, name)}"
                assert group[path].dtype == np.float16
                scales = group[path + SCALE_SUFFIX][: reader.committed[rank]]
                assert scales.dtype == np.float32 and np.all(np.exp2(np.round(np.log2(scales))) == scales)
    arrays = {(layer, name): reader.array(layer, name) for layer in LAYERS for name in SIGNATURES}
    assert all(a.dtype == np.float32 for a in arrays.values())

    samples = {s["sample_id"]: s for s in random_samples(N_SAMPLES, seed=11)}
    bf16_model, autocast_dtype = _bf16_reference_model(precision)
    fp32_model = tiny_causal_lm("llama", seed=0)
    for row, sample_id in enumerate(df.sample_id):
        stored = {layer: {name: arrays[(layer, name)][row] for name in SIGNATURES} for layer in LAYERS}
        for kind, model, dtype, bounds in (("bf16", bf16_model, autocast_dtype, AGAINST_BF16),
                                           ("fp32", fp32_model, None, AGAINST_FP32)):
            with autocast_for(torch.device("cpu"), None):
                reference, loss = reference_signatures(model, samples[sample_id], LAYERS, autocast_dtype=dtype)
            worst = _worst(stored, reference)
            worst["loss_rel"] = abs(float(df.loss.iloc[row]) / loss - 1)
            _assert_within(worst, bounds, f"{precision} sample {sample_id} against the {kind} reference")
