"""Batched per-sample capture equals a batch-size-1 autograd reference on the same weights.

Runs on the CPU in fp32 by default; PROVENANCE_TEST_DEVICE=cuda and PROVENANCE_TEST_PRECISION=bf16 (bf16 autocast)
run the same tests on a GPU and / or in bf16, with the tolerances of capture_reference.TOLERANCES
(see capture_reference.capture_target).
"""
import pytest
import torch
from peft import LoraConfig, get_peft_model

from capture_reference import (
    TOLERANCES, assert_matches, autocast_for, capture_target, collate, random_samples, reference_signatures, to_device,
)
from provenance.capture import CaptureEngine
from provenance.models import lora_target_modules, tiny_causal_lm

LAYERS = [1, 2, 4]  # a block output, another, and the final norm (L = 4)
TARGET = capture_target()
TOL = TARGET.tolerances
MATCH = TARGET.match_tolerances()
pytestmark = pytest.mark.skipif(TARGET.skip_reason is not None, reason=TARGET.skip_reason or "")


def make_model(arch, lora):
    model = tiny_causal_lm(arch, seed=0)
    if lora:
        model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=lora_target_modules(model)))
        with torch.no_grad():  # LoRA B starts at zero; make the adapter matter
            for name, p in model.named_parameters():
                if "lora_B" in name:
                    p.normal_(0, 0.1)
    return model.to(TARGET.device).train()


def run_batched(model, samples, *, micro_batch=8, accumulation=2, padding_side="right", layers=LAYERS,
                autocast_dtype=TARGET.autocast_dtype):
    """A training loop's view: micro-batches, loss divided by the accumulation count, backward, one step."""
    engine = CaptureEngine(model, layers).attach()
    rows = []
    try:
        for k in range(0, len(samples), micro_batch):
            batch = to_device(collate(samples[k:k + micro_batch], padding_side=padding_side), TARGET.device)
            engine.begin(labels=batch["labels"], input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                         sample_ids=batch["sample_id"], sources=batch["source"], epoch=0, step=k // (micro_batch * accumulation))
            with autocast_for(TARGET.device, autocast_dtype):
                out = model(**{n: batch[n] for n in ("input_ids", "attention_mask", "labels", "position_ids")})
            (out.loss / accumulation).backward()
            rows.append(engine.end())
    finally:
        engine.detach()
    model.zero_grad(set_to_none=True)
    return rows


def by_sample(rows):
    """sample id -> (signatures, loss), read as the store writer reads rows: after their device->host copies."""
    table = {}
    for r in rows:
        if len(r) and TARGET.device.type == "cuda":
            # On a GPU the rows' host copies are asynchronous; the writer waits on this event before reading them.
            assert r.ready is not None, "rows on a GPU carry the CUDA event their host copies complete at"
        if r.ready is not None:
            r.ready.synchronize()
        for d in r.signatures.values():
            assert all(v.device.type == "cpu" for v in d.values()), "signatures reach the writer on the host"
        for j, sid in enumerate(r.sample_id):
            assert sid not in table, f"sample {sid} captured twice"
            table[sid] = ({l: {k: v[j] for k, v in d.items()} for l, d in r.signatures.items()}, float(r.loss[j]))
    return table


@pytest.mark.parametrize("arch", ["llama", "qwen2", "gpt2"])
@pytest.mark.parametrize("lora", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_batched_capture_matches_batch_size_one(arch, lora, padding_side):
    model = make_model(arch, lora)
    samples = random_samples(16, seed=1, no_response=(5,))
    rows = run_batched(model, samples, padding_side=padding_side)
    assert sum(r.skipped.get("no_response_tokens", 0) for r in rows) == 1
    table = by_sample(rows)
    assert sorted(table) == [s["sample_id"] for s in samples if s["sample_id"] != 105]
    for s in samples:
        if s["sample_id"] == 105:
            continue
        ref, ref_loss = reference_signatures(model, s, LAYERS, autocast_dtype=TARGET.autocast_dtype)
        captured, loss = table[s["sample_id"]]
        assert loss == pytest.approx(ref_loss, rel=TOL["loss_rel"]), f"sample {s['sample_id']} loss"
        assert_matches(captured, ref, **MATCH, label=f"{TARGET} {arch} lora={lora} {padding_side} sample {s['sample_id']}")


@pytest.mark.parametrize("reentrant", [True, False])
def test_gradient_checkpointing_captures_each_sample_once(reentrant):
    model = make_model("llama", lora=False)
    # transformers 5.23 renamed gradient_checkpointing_enable/_disable (the old names warn until v6); the supported
    # range starts before that.
    if hasattr(model, "activation_checkpointing_enable"):
        model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": reentrant})
    else:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": reentrant})
    samples = random_samples(8, seed=2)
    table = by_sample(run_batched(model, samples, micro_batch=4))
    assert len(table) == 8
    if hasattr(model, "activation_checkpointing_disable"):
        model.activation_checkpointing_disable()
    else:
        model.gradient_checkpointing_disable()
    for s in samples:
        ref, _ = reference_signatures(model, s, LAYERS, autocast_dtype=TARGET.autocast_dtype)
        assert_matches(table[s["sample_id"]][0], ref, **MATCH, label=f"{TARGET} checkpointing reentrant={reentrant}")


def test_autocast_bf16_matches_reference_under_autocast():
    model = make_model("llama", lora=True)
    samples = random_samples(8, seed=3)
    table = by_sample(run_batched(model, samples, micro_batch=4, autocast_dtype=torch.bfloat16))
    for s in samples:
        ref, _ = reference_signatures(model, s, LAYERS, autocast_dtype=torch.bfloat16)
        bf16 = {k: v for k, v in TOLERANCES["bf16"].items() if k != "loss_rel"}
        assert_matches(table[s["sample_id"]][0], ref, **bf16, label=f"{TARGET.device} bf16")


def test_forwards_without_grad_and_outside_batches_are_ignored():
    model = make_model("qwen2", lora=False)
    samples = random_samples(4, seed=4)
    batch = to_device(collate(samples), TARGET.device)
    inputs = {n: batch[n] for n in ("input_ids", "attention_mask", "labels")}
    engine = CaptureEngine(model, [2]).attach()
    with autocast_for(TARGET.device, TARGET.autocast_dtype):
        model(**inputs).loss.backward()  # before begin(): not captured
        assert engine.end() is None
        engine.begin(labels=batch["labels"], input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], sample_ids=batch["sample_id"])
        with torch.no_grad():
            model(**inputs)  # an evaluation forward inside the step: ignored
        model.zero_grad()
        model(**inputs).loss.backward()
    rows = engine.end()
    engine.detach()
    table = by_sample([rows])
    for s in samples:
        ref, _ = reference_signatures(model, s, [2], autocast_dtype=TARGET.autocast_dtype)
        assert_matches(table[s["sample_id"]][0], ref, **MATCH, label=f"{TARGET}")


def test_forward_without_backward_is_a_counted_skip():
    model = make_model("llama", lora=False)
    batch = to_device(collate(random_samples(4, seed=5)), TARGET.device)
    engine = CaptureEngine(model, [1]).attach()
    engine.begin(labels=batch["labels"], input_ids=batch["input_ids"], sample_ids=batch["sample_id"])
    model(input_ids=batch["input_ids"], labels=batch["labels"])
    rows = engine.end()
    assert len(rows) == 0 and rows.skipped == {"no_backward": 4}


def test_gemma2_final_logit_softcapping_is_undone():
    from transformers import Gemma2Config, Gemma2ForCausalLM

    cfg = Gemma2Config(vocab_size=128, hidden_size=32, intermediate_size=64, num_hidden_layers=4, num_attention_heads=4,
                       num_key_value_heads=2, head_dim=8, final_logit_softcapping=5.0, attention_dropout=0.0,
                       attn_implementation="eager")
    torch.manual_seed(0)
    model = Gemma2ForCausalLM(cfg).to(TARGET.device).train()
    samples = random_samples(6, seed=6)
    table = by_sample(run_batched(model, samples, micro_batch=3))
    for s in samples:
        ref, ref_loss = reference_signatures(model, s, LAYERS, autocast_dtype=TARGET.autocast_dtype)
        assert table[s["sample_id"]][1] == pytest.approx(ref_loss, rel=TOL["loss_rel"])
        assert_matches(table[s["sample_id"]][0], ref, **MATCH, label=f"{TARGET} gemma2 softcap")


@pytest.mark.parametrize("arch", ["mistral", "olmo2", "gemma"])
def test_other_architectures_with_lora(arch):
    model = make_model(arch, lora=True)
    samples = random_samples(8, seed=7)
    table = by_sample(run_batched(model, samples, micro_batch=4))
    for s in samples:
        ref, _ = reference_signatures(model, s, LAYERS, autocast_dtype=TARGET.autocast_dtype)
        assert_matches(table[s["sample_id"]][0], ref, **MATCH, label=f"{TARGET} {arch}")


def test_layer_out_of_range_lists_valid_layers():
    from provenance.errors import CaptureConfigError

    with pytest.raises(CaptureConfigError, match=r"valid layers are 1\.\.4"):
        CaptureEngine(tiny_causal_lm("llama"), [0, 5])
