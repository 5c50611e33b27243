"""The reference model M0 of a validation run: merging a LoRA keeps the model's logits, the saved safetensors
checkpoint reloads to exactly those weights, a build is reused only for the same records and spec, and a DPO
condition trains on top of it."""
import json

import pytest
import torch

from provenance.errors import ValidationInputError
from provenance.models import load_causal_lm, tiny_causal_lm
from provenance.validation import (
    TrainSpec, adapter_state, build_reference_model, merge_lora, reference_fingerprint, train_model,
)

from hf_app import single_thread  # noqa: E402,F401

trl = pytest.importorskip("trl")

pytestmark = pytest.mark.usefixtures("single_thread")


IDS = torch.tensor([[5, 40, 41, 42, 43, 44, 6, 7], [9, 10, 11, 12, 13, 14, 15, 16]])


def logits(model):
    with torch.no_grad():
        return model(input_ids=IDS).logits


def test_merged_lora_gives_the_unmerged_logits_and_differs_from_the_base():
    from peft import LoraConfig, get_peft_model

    base_logits = logits(tiny_causal_lm("llama", seed=0).eval())
    peft_model = get_peft_model(tiny_causal_lm("llama", seed=0), LoraConfig(r=4, lora_alpha=8,
                                                                            target_modules=["q_proj", "v_proj"]))
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():   # B starts at zero (a no-op LoRA); give it weights so the merge has something to fold in
        for n, p in peft_model.named_parameters():
            if "lora_B" in n:
                p.copy_(0.5 * torch.randn(p.shape, generator=gen))
    peft_model.eval()
    unmerged = logits(peft_model)
    merged_model = merge_lora(peft_model)
    assert type(merged_model).__name__ == "LlamaForCausalLM"
    assert not [n for n, _ in merged_model.named_parameters() if "lora_" in n]
    merged = logits(merged_model)
    assert (unmerged - base_logits).abs().max() > 1e-2           # the adapter matters ...
    torch.testing.assert_close(merged, unmerged, rtol=0, atol=1e-5)   # ... and survives the merge


def sft_records(n=16):
    return [{"prompt": [{"role": "user", "content": f"bad {i}"}],
             "completion": [{"role": "assistant", "content": "no"}], "sample_id": f"r{i}"} for i in range(n)]


SFT_SPEC = TrainSpec(trainer="sft", model="tiny-llama", lora={"r": 4, "alpha": 8},
                     train={"num_train_epochs": 2, "learning_rate": 5e-2, "max_length": 64,
                            "per_device_train_batch_size": 8})


def test_reference_is_saved_exactly_reused_when_identical_and_refused_otherwise(tmp_path):
    ref = build_reference_model(sft_records(), SFT_SPEC, tmp_path / "m0")
    assert ref.built and (tmp_path / "m0" / "model.safetensors").is_file()
    manifest = json.loads((tmp_path / "m0" / "reference.json").read_text())
    assert manifest["fingerprint"] == ref.fingerprint == reference_fingerprint(sft_records(), SFT_SPEC)
    assert manifest["n_train"] == 16 and len(ref.log_history) > 0
    reloaded, tok = load_causal_lm(tmp_path / "m0")
    base = tiny_causal_lm("llama", seed=0).eval()
    assert (logits(reloaded.eval()) - logits(base)).abs().max() > 1e-2   # the SFT stage is in the weights
    # Deterministic: a second build elsewhere writes the same weights bit for bit.
    again, _ = load_causal_lm(build_reference_model(sft_records(), SFT_SPEC, tmp_path / "m0-again").path)
    a, b = dict(reloaded.named_parameters()), dict(again.named_parameters())
    assert sorted(a) == sorted(b) and all(torch.equal(a[n], b[n]) for n in a)
    # Reuse: same records and spec -> nothing retrained, the file untouched.
    mtime = (tmp_path / "m0" / "model.safetensors").stat().st_mtime_ns
    reused = build_reference_model(sft_records(), SFT_SPEC, tmp_path / "m0")
    assert not reused.built and reused.seconds == 0.0
    assert (tmp_path / "m0" / "model.safetensors").stat().st_mtime_ns == mtime
    # Other records -> a clear error instead of silently reusing or overwriting.
    with pytest.raises(ValidationInputError, match="other records or another spec"):
        build_reference_model(sft_records(15), SFT_SPEC, tmp_path / "m0")
    # A DPO condition starts from M0 (+ a fresh LoRA): it trains, and its disabled-adapter forward is M0 itself.
    pairs = [{"prompt": [{"role": "user", "content": f"q{i}"}], "chosen": [{"role": "assistant", "content": "ok"}],
              "rejected": [{"role": "assistant", "content": "no"}], "sample_id": f"p{i}"} for i in range(8)]
    dpo = train_model(pairs, TrainSpec(trainer="dpo", model=str(tmp_path / "m0"), lora={"r": 4, "alpha": 8},
                                       train={"num_train_epochs": 1, "learning_rate": 1e-2, "max_length": 64}))
    assert any(float(v.abs().sum()) > 0 for n, v in adapter_state(dpo.model).items() if "lora_B" in n)
    with dpo.model.disable_adapter():
        torch.testing.assert_close(logits(dpo.model), logits(reloaded.eval()), rtol=0, atol=0)
