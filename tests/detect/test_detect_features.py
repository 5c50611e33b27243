"""SplineLLM features (METHODS.md 6): closed form on a hand-built MLP, batching/padding invariance, LoRA exactness."""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
from torch import nn

from provenance.detect import (
    STATS, effective_gate_weight, feature_names, find_gate_modules, pool_statistics, spline_features,
)
from provenance.errors import DetectorError
from provenance.models import tiny_causal_lm

PROMPTS = ["hello there", "a much longer prompt with many more characters in it", "x", "What is 2 plus 2?"]


# ---- a hand-built one-block "causal LM" whose tokens map to known vectors --------------------------------------

class _Conv1D(nn.Module):
    """GPT-2's Conv1D layout: weight [in, out], u = x W + b (the name is what the library keys on)."""

    def __init__(self, weight, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.tensor(weight, dtype=torch.float32))
        self.bias = nn.Parameter(torch.tensor(bias, dtype=torch.float32))

    def forward(self, x):
        return x @ self.weight + self.bias


_Conv1D.__name__ = "Conv1D"


class _Cfg:
    num_hidden_layers = 1
    model_type = "hand"
    hidden_size = 2

    def to_dict(self):
        return {"model_type": "hand", "hidden_size": 2, "num_hidden_layers": 1}


class HandLM(nn.Module):
    """Token id -> a fixed 2-d vector (embedding), one block whose MLP first projection is `gate`."""

    base_model_prefix = "body"

    def __init__(self, vectors: dict[int, tuple[float, float]], gate: nn.Module, gate_name: str):
        super().__init__()
        self.config = _Cfg()
        emb = torch.zeros(128, 2)
        for i, v in vectors.items():
            emb[i] = torch.tensor(v)
        self.embed = nn.Embedding.from_pretrained(emb, freeze=True)
        block = nn.Module()
        block.mlp = nn.Module()
        setattr(block.mlp, gate_name, gate)
        self.layers = nn.ModuleList([block])
        self.head = nn.Linear(2, 128, bias=False)

    def get_output_embeddings(self):
        return self.head

    def forward(self, input_ids, attention_mask=None, position_ids=None):
        x = self.embed(input_ids)
        for block in self.layers:
            mlp = block.mlp
            (getattr(mlp, "gate_proj", None) or mlp.c_fc)(x)
        return x


def _ids(tok, text):
    return tok(text, add_special_tokens=False)["input_ids"]


def test_closed_form_on_a_hand_built_gate(tiny_tok):
    # W rows (3,4), (1,0), (0,-2): norms 5, 1, 2. Tokens "a" -> (1,1), "b" -> (0,-1), "c" -> (2,0).
    # u(a) = (7, 1, -2): sign 2/3, close min(7/5, 1/1, 2/2) = 1
    # u(b) = (-4, 0, 2): sign 1/3 (0 is not > 0), close min(4/5, 0, 1) = 0
    # u(c) = (6, 2, 0):  sign 2/3, close 0
    a, b, c = (_ids(tiny_tok, ch)[0] for ch in "abc")
    gate = nn.Linear(2, 3, bias=False)
    with torch.no_grad():
        gate.weight.copy_(torch.tensor([[3.0, 4.0], [1.0, 0.0], [0.0, -2.0]]))
    model = HandLM({a: (1, 1), b: (0, -1), c: (2, 0)}, gate, "gate_proj")
    X, names = spline_features(model, tiny_tok, ["abc", "a"], chat=False)
    assert names == [f"layer0/{s}" for s in STATS]
    # sign over (2/3, 1/3, 2/3): mean 5/9, min 1/3, max 2/3, std sqrt(2)/9; close over (1, 0, 0): min 0, mean 1/3,
    # std sqrt(2)/3. The single-token prompt "a": sign 2/3 everywhere, std 0; close 1, std 0.
    np.testing.assert_allclose(X[0], [5 / 9, 1 / 3, 2 / 3, math.sqrt(2) / 9, 0.0, 1 / 3, math.sqrt(2) / 3], atol=1e-7)
    np.testing.assert_allclose(X[1], [2 / 3, 2 / 3, 2 / 3, 0.0, 1.0, 1.0, 0.0], atol=1e-7)


def test_closed_form_with_gpt2_conv1d_weight_and_bias(tiny_tok):
    # Conv1D weight [in, out] = columns w_k = (3,4), (0,1); bias (-1, 2). Hyperplanes w_k.x + b_k = 0.
    # x = (1,0): u = (3-1, 0+2) = (2, 2): sign 1, close min(2/5, 2/1) = 0.4
    # x = (0,-3): u = (-12-1, -3+2) = (-13, -1): sign 0, close min(13/5, 1) = 1
    a, b = (_ids(tiny_tok, ch)[0] for ch in "ab")
    gate = _Conv1D([[3.0, 0.0], [4.0, 1.0]], [-1.0, 2.0])
    model = HandLM({a: (1, 0), b: (0, -3)}, gate, "c_fc")
    torch.testing.assert_close(effective_gate_weight(gate), torch.tensor([[3.0, 4.0], [0.0, 1.0]]))
    X, _ = spline_features(model, tiny_tok, ["ab"], chat=False)
    np.testing.assert_allclose(X[0], [0.5, 0.0, 1.0, 0.5, 0.4, 0.7, 0.3], atol=1e-7)


def test_pooling_ignores_masked_positions():
    sign = torch.tensor([[0.5, 0.25, 99.0], [0.75, -5.0, -5.0]])
    close = torch.tensor([[2.0, 4.0, -1.0], [3.0, 0.0, 0.0]])
    mask = torch.tensor([[True, True, False], [True, False, False]])
    out = pool_statistics(sign, close, mask)
    np.testing.assert_allclose(out[0], [0.375, 0.25, 0.5, 0.125, 2.0, 3.0, 1.0])
    np.testing.assert_allclose(out[1], [0.75, 0.75, 0.75, 0.0, 3.0, 3.0, 0.0])
    with pytest.raises(DetectorError, match="no token"):
        pool_statistics(sign, close, torch.zeros_like(mask))


@pytest.mark.parametrize("arch", ["llama", "gpt2", "gemma"])
def test_batched_left_and_right_padding_equal_one_by_one(arch, tiny_tok):
    model = tiny_causal_lm(arch)
    one, names = spline_features(model, tiny_tok, PROMPTS, batch_size=1)
    right, _ = spline_features(model, tiny_tok, PROMPTS, batch_size=4, padding_side="right")
    left, _ = spline_features(model, tiny_tok, PROMPTS, batch_size=3, padding_side="left")
    assert one.shape == (4, 4 * 7) and names == feature_names(4)
    np.testing.assert_allclose(right, one, rtol=0, atol=2e-6)
    np.testing.assert_allclose(left, one, rtol=0, atol=2e-6)
    assert len({tuple(np.round(r, 6)) for r in one}) == 4  # different prompts, different features


def test_features_match_hooked_gate_inputs_of_a_real_model(tiny_tok, tiny_llama):
    """Independent reference: read each gate's input x, compute u = W x and the statistics in numpy."""
    ids = torch.tensor([_chat_ids(tiny_tok, PROMPTS[3])])
    inputs = []
    hooks = [g.register_forward_hook(lambda m, a, o: inputs.append(a[0][0].detach().double().numpy()))
             for g in find_gate_modules(tiny_llama)]
    with torch.no_grad():
        tiny_llama.eval()(input_ids=ids)
    for h in hooks:
        h.remove()
    X, _ = spline_features(tiny_llama, tiny_tok, [PROMPTS[3]])
    for layer, (x, g) in enumerate(zip(inputs, find_gate_modules(tiny_llama))):
        W = g.weight.detach().double().numpy()
        u = x @ W.T
        sign = (u > 0).mean(1)
        close = (np.abs(u) / np.linalg.norm(W, axis=1)).min(1)
        ref = [sign.mean(), sign.min(), sign.max(), sign.std(), close.min(), close.mean(), close.std()]
        # float32 forward vs float64 reference: u is exact to ~1e-8 absolute, close = |u| / |w| to ~1e-7
        np.testing.assert_allclose(X[0, 7 * layer: 7 * layer + 7], ref, rtol=1e-5, atol=5e-7)


def _chat_ids(tok, prompt):
    text = tok.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True)
    return tok(text, add_special_tokens=False)["input_ids"]


@pytest.mark.parametrize("arch,target,fan_in_fan_out", [("llama", "gate_proj", False), ("gpt2", "c_fc", True)])
def test_lora_on_the_gate_counts_in_u_and_in_the_hyperplanes(arch, target, fan_in_fan_out, tiny_tok):
    """Features of a LoRA model equal those of the same model with the adapter merged into the weights."""
    from peft import LoraConfig, get_peft_model

    base = tiny_causal_lm(arch)
    plain, _ = spline_features(base, tiny_tok, PROMPTS, batch_size=2)
    peft_model = get_peft_model(copy.deepcopy(base), LoraConfig(r=4, lora_alpha=8, target_modules=[target],
                                                               fan_in_fan_out=fan_in_fan_out, lora_dropout=0.0))
    with torch.no_grad():  # LoRA B starts at zero: give the adapter a real contribution
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.copy_(torch.randn(p.shape, generator=torch.Generator().manual_seed(1)) * 0.5)
    adapted, _ = spline_features(peft_model, tiny_tok, PROMPTS, batch_size=2)
    gate = find_gate_modules(peft_model)[0]
    merged_weight = effective_gate_weight(gate)
    merged = copy.deepcopy(peft_model).merge_and_unload()
    torch.testing.assert_close(merged_weight, effective_gate_weight(find_gate_modules(merged)[0]), rtol=1e-6, atol=1e-6)
    reference, _ = spline_features(merged, tiny_tok, PROMPTS, batch_size=2)
    np.testing.assert_allclose(adapted, reference, rtol=0, atol=2e-6)
    assert np.abs(adapted - plain).max() > 1e-3  # the adapter does change the geometry


def test_response_span_and_errors(tiny_tok, tiny_llama):
    prompt_only, _ = spline_features(tiny_llama, tiny_tok, PROMPTS)
    with_resp, _ = spline_features(tiny_llama, tiny_tok, PROMPTS, ["ok.", "no", "yes!", "4"], span="prompt")
    np.testing.assert_allclose(with_resp, prompt_only, rtol=0, atol=2e-6)  # causal: later tokens do not matter
    whole, _ = spline_features(tiny_llama, tiny_tok, PROMPTS, ["ok.", "no", "yes!", "4"])
    assert np.abs(whole - prompt_only).max() > 1e-4
    with pytest.raises(DetectorError, match="span"):
        spline_features(tiny_llama, tiny_tok, PROMPTS, span="response")
    with pytest.raises(DetectorError, match="2 responses for 4 prompts"):
        spline_features(tiny_llama, tiny_tok, PROMPTS, ["a", "b"])
    with pytest.raises(DetectorError, match="not one string"):
        spline_features(tiny_llama, tiny_tok, "hello")


def test_model_without_a_gate_projection_fails_clearly(tiny_tok):
    model = tiny_causal_lm("llama")
    for block in model.model.layers:
        block.mlp.ffn_in = block.mlp.gate_proj
        del block.mlp.gate_proj
    with pytest.raises(DetectorError, match="no MLP gate projection"):
        find_gate_modules(model)
