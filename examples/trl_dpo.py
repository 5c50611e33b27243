"""TRL DPO with provenance capture: each pair becomes a "chosen" and a "rejected" row of the store.

Stored per row and layer: h_last, g_last, h_mean, g_mean (gradients of the pair's own DPO loss term) and h_mean_ref
(the reference model's response-mean activations, for activation-difference attribution). Offline: bundled
SmolLM2-135M-Instruct; pairs from the demo mix (a prompt's own response chosen, another source's response rejected).
"""
from __future__ import annotations

import argparse
import random

import torch
from datasets import Dataset
from peft import LoraConfig
from trl import DPOConfig, DPOTrainer

import provenance
from provenance.callbacks import ProvenanceTrainerCallback
from provenance.data import demo_records
from provenance.hf import with_sample_ids
from provenance.models import load_causal_lm


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="runs/trl-dpo")
    ap.add_argument("--per-source", type=int, default=20)
    ap.add_argument("--max-steps", type=int, default=-1)
    ap.add_argument("--model", default="smollm2-135m-instruct", help="bundled alias or a local checkpoint directory")
    args = ap.parse_args()

    model, tokenizer = load_causal_lm(args.model)
    records = demo_records(args.per_source)
    rng = random.Random(0)
    rows = [{"prompt": [{"role": "user", "content": r["prompt"]}],
             "chosen": [{"role": "assistant", "content": r["response"]}],
             "rejected": [{"role": "assistant",
                           "content": rng.choice([o for o in records if o["source"] != r["source"]])["response"]}],
             "sample_id": r["sample_id"], "source": r["source"]} for r in records]
    train = with_sample_ids(Dataset.from_list(rows))

    cpu = not torch.cuda.is_available()
    trainer = DPOTrainer(
        model=model, processing_class=tokenizer, train_dataset=train,
        peft_config=LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"]),  # reference = adapter off
        args=DPOConfig(output_dir=args.out, per_device_train_batch_size=4, gradient_accumulation_steps=2,
                       learning_rate=1e-4, beta=0.1, num_train_epochs=1, max_steps=args.max_steps, max_length=256,
                       gradient_checkpointing=False, use_cpu=cpu, bf16=not cpu, report_to="none",
                       save_strategy="no", logging_steps=5),
        callbacks=[ProvenanceTrainerCallback(f"{args.out}/store.zarr", overwrite=True)],
    )
    trainer.train()

    store = provenance.open_store(f"{args.out}/store.zarr")
    df = store.samples()
    print(store)
    print(df[["sample_id", "pair_id", "role", "source", "epoch", "step", "loss"]].head())
    print("reference activations:", store.run_attrs["reference_activations"])
    # Activation-difference datapoint vectors v_d = h_mean_ref(chosen) - h_mean_ref(rejected), one per pair:
    layer = store.layers[-1]
    ref = store.array(layer, "h_mean_ref")
    chosen, rejected = df.index[df.role == "chosen"], df.index[df.role == "rejected"]
    assert list(df.pair_id[chosen]) == list(df.pair_id[rejected])  # rows of a pair are stored side by side per batch
    print(f"v_d at layer {layer}: {(ref[chosen] - ref[rejected]).shape}")


if __name__ == "__main__":
    main()
