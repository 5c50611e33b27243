"""TRL training script driven by the HF tests as a subprocess (SIGKILL + resume, accelerate multi-process)."""
import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import torch  # noqa: E402
from datasets import Dataset  # noqa: E402
from transformers import TrainerCallback  # noqa: E402

from hf_app import cpu_args, dpo_records, lora_config, sft_records  # noqa: E402
from provenance.callbacks import ProvenanceTrainerCallback  # noqa: E402
from provenance.models import tiny_causal_lm, tiny_tokenizer  # noqa: E402


class Progress(TrainerCallback):
    """Writes the global step after every optimizer step (so the test knows when to kill) and slows steps down."""

    def __init__(self, path, sleep):
        self.path, self.sleep = path, sleep

    def on_step_end(self, args, state, control, **kwargs):
        if self.sleep:
            time.sleep(self.sleep)
        if self.path and state.is_world_process_zero:
            Path(self.path).write_text(json.dumps({"step": state.global_step, "epoch": state.epoch}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--trainer", choices=["sft", "dpo"], default="sft")
    ap.add_argument("--samples", type=int, default=24)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--save-steps", type=int, default=2)
    ap.add_argument("--sleep", type=float, default=0.0)
    ap.add_argument("--resume", default=None)
    ap.add_argument("--progress", default=None)
    ap.add_argument("--auto-layers", action="store_true", help="layers='auto' (rank 0's choice is broadcast)")
    args = ap.parse_args()

    torch.set_num_threads(1)
    import trl

    model = tiny_causal_lm("llama", seed=0)
    common = dict(per_device_train_batch_size=args.batch, gradient_accumulation_steps=1, num_train_epochs=args.epochs,
                  learning_rate=1e-2, save_strategy="steps", save_steps=args.save_steps, max_length=96,
                  logging_steps=1000)
    layers = "auto" if args.auto_layers else [1, 3]
    callbacks = [ProvenanceTrainerCallback(args.store, layers=layers), Progress(args.progress, args.sleep)]
    if args.trainer == "sft":
        trainer = trl.SFTTrainer(model=model, args=cpu_args(trl.SFTConfig, args.out, **common),
                                 train_dataset=Dataset.from_list(sft_records("prompt_completion", args.samples)),
                                 processing_class=tiny_tokenizer(), callbacks=callbacks)
    else:
        trainer = trl.DPOTrainer(model=model, args=cpu_args(trl.DPOConfig, args.out, **common),
                                 train_dataset=Dataset.from_list(dpo_records(args.samples)),
                                 processing_class=tiny_tokenizer(), callbacks=callbacks,
                                 peft_config=lora_config(model))  # the reference is the adapter-disabled model
    trainer.train(resume_from_checkpoint=args.resume)


if __name__ == "__main__":
    main()
