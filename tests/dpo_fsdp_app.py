"""TRL's `DPOTrainer` as the FSDP DPO test runs it (tests/scripts/train_dpo_fsdp.py, two processes) and as its
unsharded reference rebuilds it (tests/callbacks/test_fsdp_dpo.py, one process): the same data, config and weights.

`reference="adapter"`: TRL makes the policy a PEFT LoRA model (`peft_config`); its A and B matrices are then set from
a seeded generator, so the policy differs from its reference, the policy with the adapter disabled.
`reference="model"`: full fine-tuning with a separate `ref_model` (another random model), which TRL shards with FSDP2
as well (`trl.models.prepare_fsdp`). Learning rate 0: the weights stay these at every step.
"""
from __future__ import annotations

import torch

from hf_app import dpo_records, lora_config
from provenance.models import tiny_causal_lm, tiny_tokenizer

LAYERS = [1, 2, 4]
BETA = 0.5
REFERENCES = ("adapter", "model")


def dpo_trainer(out_dir, *, reference: str, pairs: int, fsdp: bool, callbacks=(), **config):
    """A `trl.DPOTrainer` on `dpo_records(pairs)` (ids "pair-<i>"), fp32, learning rate 0.

    Args:
        out_dir: the trainer's output directory.
        reference: "adapter" or "model" (see the module docstring).
        pairs: how many preference pairs.
        fsdp: shard with FSDP2 through accelerate (launch two processes and call
            `accelerate_cpu_fsdp.allow_fsdp_on_cpu()` first on a CPU machine).
        callbacks: the trainer's callbacks.
        **config: `trl.DPOConfig` fields over the defaults here.
    """
    import trl
    from datasets import Dataset

    if reference not in REFERENCES:
        raise ValueError(f"reference={reference!r}: use one of {REFERENCES}")
    policy = tiny_causal_lm("llama", seed=0)
    fields = dict(output_dir=str(out_dir), use_cpu=True, bf16=False, report_to="none", disable_tqdm=True, seed=0,
                  data_seed=0, per_device_train_batch_size=2, gradient_accumulation_steps=2, num_train_epochs=1,
                  learning_rate=0.0, logging_steps=1000, save_strategy="no", gradient_checkpointing=False,
                  max_length=128, beta=BETA)
    if fsdp:
        fields.update(fsdp=True, fsdp_config={"version": 2, "transformer_layer_cls_to_wrap": ["LlamaDecoderLayer"]})
    fields.update(config)
    trainer = trl.DPOTrainer(
        model=policy, ref_model=tiny_causal_lm("llama", seed=1) if reference == "model" else None,
        args=trl.DPOConfig(**fields), processing_class=tiny_tokenizer(),
        train_dataset=Dataset.from_list(dpo_records(pairs)), callbacks=list(callbacks),
        peft_config=lora_config(policy) if reference == "adapter" else None)
    if reference == "adapter":
        _seed_lora(trainer.model)
    return trainer


def _seed_lora(model, std: float = 0.3, seed: int = 0) -> None:
    """Every LoRA matrix from one seeded generator (B = 0, PEFT's start, would make the policy its own reference)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            if "lora_A" in name or "lora_B" in name:
                p.copy_(torch.randn(p.shape, generator=g) * std)


def fingerprint(model) -> float:
    """A number that changes with any weight (of unsharded parameters): the test checks it rebuilt the same model."""
    with torch.no_grad():
        return float(sum((p.double() * (i + 1)).sum() for i, (_, p) in enumerate(sorted(model.named_parameters()))))
