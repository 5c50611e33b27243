"""TRL SFT with provenance capture: add one callback (and, optionally, one line for sample ids).

Offline: the bundled SmolLM2-135M-Instruct and the demo mix of real text. Run `python examples/trl_sft.py`, then
`provenance inspect runs/trl-sft/store.zarr`.
"""
from __future__ import annotations

import argparse

import torch
from datasets import Dataset
from peft import LoraConfig
from trl import SFTConfig, SFTTrainer

import provenance
from provenance.callbacks import ProvenanceTrainerCallback
from provenance.data import demo_records
from provenance.hf import with_sample_ids
from provenance.models import load_causal_lm


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", default="runs/trl-sft")
    ap.add_argument("--per-source", type=int, default=20)
    ap.add_argument("--max-steps", type=int, default=-1)
    ap.add_argument("--model", default="smollm2-135m-instruct", help="bundled alias or a local checkpoint directory")
    args = ap.parse_args()

    model, tokenizer = load_causal_lm(args.model)
    # Conversational prompt/completion rows: the loss (and the captured "response") is the assistant turn.
    rows = [{"prompt": [{"role": "user", "content": r["prompt"]}],
             "completion": [{"role": "assistant", "content": r["response"]}],
             "sample_id": r["sample_id"], "source": r["source"]} for r in demo_records(args.per_source)]
    train = with_sample_ids(Dataset.from_list(rows))  # checks ids are unique; derives index+hash ids when absent

    cpu = not torch.cuda.is_available()
    trainer = SFTTrainer(
        model=model, processing_class=tokenizer, train_dataset=train,
        peft_config=LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"]),
        args=SFTConfig(output_dir=args.out, per_device_train_batch_size=8, learning_rate=1e-3, num_train_epochs=1,
                       max_steps=args.max_steps, max_length=256, packing=False, gradient_checkpointing=False,
                       use_cpu=cpu, bf16=not cpu, report_to="none", save_strategy="no", logging_steps=5),
        callbacks=[ProvenanceTrainerCallback(f"{args.out}/store.zarr", overwrite=True)],  # layers="auto"
    )
    trainer.train()

    store = provenance.open_store(f"{args.out}/store.zarr")
    print(store)
    print(store.samples().head())
    layer = store.layers[-1]
    print(f"g_last at layer {layer}: {store.array(layer, 'g_last').shape}")


if __name__ == "__main__":
    main()
