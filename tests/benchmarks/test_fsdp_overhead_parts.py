"""The FSDP overhead benchmarks' own parts, in one process (their two-process FSDP runs are the benchmarks): the
decoder layers they shard are found under a peft LoRA wrapper too, the Trainer benchmark's random rows are what it says,
and a run shape that would time no step is refused before anything starts."""
from __future__ import annotations

import sys

import pytest
import torch

from benchmarks.fsdp import hf_overhead, overhead
from provenance.models import tiny_causal_lm

peft = pytest.importorskip("peft")


def test_decoder_layers_are_the_models_own_with_and_without_a_lora_wrapper():
    model = tiny_causal_lm("llama", seed=0)
    layers = model.model.layers
    assert overhead.decoder_layers(model) is layers
    wrapped = peft.get_peft_model(model, peft.LoraConfig(r=2, target_modules=["q_proj", "v_proj"]))
    found = overhead.decoder_layers(wrapped)
    assert found is layers and len(found) == 4
    # Each layer the benchmark shards holds frozen base weights and trainable LoRA weights: one fully_shard unit.
    grads = {name: p.requires_grad for name, p in found[0].named_parameters()}
    assert grads["self_attn.q_proj.base_layer.weight"] is False
    assert grads["self_attn.q_proj.lora_A.default.weight"] is True
    assert sorted(n for n, g in grads.items() if g) == [
        "self_attn.q_proj.lora_A.default.weight", "self_attn.q_proj.lora_B.default.weight",
        "self_attn.v_proj.lora_A.default.weight", "self_attn.v_proj.lora_B.default.weight"]


def test_random_token_rows_have_the_asked_shape_a_masked_prompt_half_and_their_own_ids():
    rows = hf_overhead.RandomTokenRows(5, seq=8, vocab=50)
    assert len(rows) == 5
    row = rows[3]
    assert row["sample_id"] == 3 and row["source"] == "random"
    assert row["input_ids"].shape == (8,) and int(row["input_ids"].min()) >= 4 and int(row["input_ids"].max()) < 50
    assert torch.equal(row["labels"][:4], torch.full((4,), -100))
    assert torch.equal(row["labels"][4:], row["input_ids"][4:])
    assert torch.equal(hf_overhead.RandomTokenRows(5, seq=8, vocab=50)[3]["input_ids"], row["input_ids"])  # seeded


@pytest.mark.parametrize(("module", "argv", "message"), [
    (overhead, ["--model", "smollm2", "--steps", "3", "--skip", "2"], "--skip must leave at least one timed step"),
    (overhead, ["--trials", "0"], "--trials must be at least 1, got 0"),
    (hf_overhead, ["--model", "smollm2", "--steps", "2", "--warmup", "2"],
     "--warmup must leave at least one timed step"),
    (hf_overhead, ["--lora-r", "0"], "--lora-r must be at least 1, got 0"),
])
def test_a_run_shape_that_times_nothing_is_refused_before_it_starts(module, argv, message, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", [module.__name__, *argv])
    with pytest.raises(SystemExit) as exit_info:
        module.main()
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
