"""`transformers.Trainer` with FSDP2 through accelerate, driven by tests/callbacks/test_hf_fsdp.py as two processes.

Run under `torchrun --nproc_per_node 2` (CPU, gloo). accelerate ignores FSDP on CPU, so the script
first lets it take its FSDP path there (tests/accelerate_cpu_fsdp.py). The data are
`capture_reference.random_samples` (ids 100 + i), so a test can rebuild every sample and compare the stored rows with
the batch-size-1 reference on the unsharded model (`tiny_causal_lm("llama", seed=0)`; learning rate 0 by default, so
the weights stay those).
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import torch  # noqa: E402
from transformers import Trainer, TrainerCallback, TrainingArguments  # noqa: E402

from accelerate_cpu_fsdp import allow_fsdp_on_cpu  # noqa: E402
from capture_reference import SampleDataset, trainer_collate  # noqa: E402
from provenance.callbacks import ProvenanceTrainerCallback  # noqa: E402
from provenance.capture import find_layout  # noqa: E402
from provenance.models import tiny_causal_lm  # noqa: E402


class Progress(TrainerCallback):
    """Writes the global step after every optimizer step (so a test knows when to kill) and slows steps down; each
    rank writes its process id beside it (torchrun starts every rank in a session of its own, so a test kills them
    one by one)."""

    def __init__(self, path, sleep):
        self.path, self.sleep = path, sleep

    def on_train_begin(self, args, state, control, **kwargs):
        if self.path:
            Path(f"{self.path}.pid{args.process_index}").write_text(str(os.getpid()))

    def on_step_end(self, args, state, control, **kwargs):
        if self.sleep:
            time.sleep(self.sleep)
        if self.path and state.is_world_process_zero:
            Path(self.path).write_text(json.dumps({"step": state.global_step, "epoch": state.epoch}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--samples", type=int, default=16)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--accum", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=0.0)
    ap.add_argument("--layers", default="1,2,4", help="comma-separated layers, or 'auto' (rank 0's choice broadcast)")
    ap.add_argument("--fsdp-ac", action="store_true", help="fsdp_config activation_checkpointing (FSDP's own)")
    ap.add_argument("--gc", action="store_true", help="the Trainer's activation_checkpointing (transformers' own)")
    ap.add_argument("--save-steps", type=int, default=0, help="0: no checkpoints")
    ap.add_argument("--sleep", type=float, default=0.0)
    ap.add_argument("--progress", default=None)
    ap.add_argument("--resume", default=None)
    ap.add_argument("--trl", action="store_true", help="TRL's SFTTrainer on hf_app.sft_records('prompt_completion') "
                    "(ids 100 + i) instead of the Trainer on random token samples")
    ap.add_argument("--lora", action="store_true", help="train a PEFT LoRA adapter (B = 0 at the start, so with "
                    "learning rate 0 the model is the base model)")
    ap.add_argument("--encoding", default="float32", help="float32: compare with the reference at fp32 tolerances")
    ap.add_argument("--no-fsdp", action="store_true", help="the same run without FSDP (DDP when launched)")
    args = ap.parse_args()

    torch.set_num_threads(1)
    allow_fsdp_on_cpu()
    fsdp_config = {"version": 2, "transformer_layer_cls_to_wrap": ["LlamaDecoderLayer"]}
    if args.fsdp_ac:
        fsdp_config["activation_checkpointing"] = True
    config_cls, extra = TrainingArguments, {}
    if args.trl:
        import trl

        config_cls, extra = trl.SFTConfig, {"max_length": 96}
    training = config_cls(
        **extra, output_dir=args.out, use_cpu=True, bf16=False, report_to="none", disable_tqdm=True, seed=0, data_seed=0,
        per_device_train_batch_size=args.batch, gradient_accumulation_steps=args.accum, num_train_epochs=args.epochs,
        learning_rate=args.lr, logging_steps=1000, activation_checkpointing=args.gc,
        save_strategy="steps" if args.save_steps else "no", save_steps=args.save_steps or 500,
        fsdp=not args.no_fsdp, fsdp_config=None if args.no_fsdp else fsdp_config,
    )
    layers = "auto" if args.layers == "auto" else [int(x) for x in args.layers.split(",")]
    callback = ProvenanceTrainerCallback(args.store, layers=layers, encoding=args.encoding)
    model = tiny_causal_lm("llama", seed=0)
    if args.lora:
        from peft import LoraConfig, get_peft_model

        from provenance.models import lora_target_modules

        model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=lora_target_modules(model)))
    callbacks = [callback, Progress(args.progress, args.sleep)]
    if args.trl:
        from datasets import Dataset

        from hf_app import sft_records
        from provenance.models import tiny_tokenizer

        trainer = trl.SFTTrainer(model=model, args=training, processing_class=tiny_tokenizer(), callbacks=callbacks,
                                 train_dataset=Dataset.from_list(sft_records("prompt_completion", args.samples)))
    else:
        trainer = Trainer(model=model, args=training, train_dataset=SampleDataset(args.samples), data_collator=trainer_collate,
                          callbacks=callbacks)
    if trainer.is_fsdp_enabled == args.no_fsdp:
        raise SystemExit("accelerate did not enable FSDP")
    trainer.train(resume_from_checkpoint=args.resume)
    if trainer.args.process_index == 0:  # what the test checks ran: the sharded model and the blocks hooked
        from torch.distributed.fsdp import FSDPModule

        blocks = find_layout(trainer.model).blocks
        print("RESULT " + json.dumps({
            "model": type(trainer.model).__name__, "sharding": callback.session.sharding,
            "block": type(blocks[0]).__name__, "fsdp_blocks": sum(isinstance(b, FSDPModule) for b in blocks),
            "checkpointing": bool(getattr(blocks[0], "gradient_checkpointing", False)),
        }))


if __name__ == "__main__":
    main()
