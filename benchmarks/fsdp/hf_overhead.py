"""Step time of `transformers.Trainer` under FSDP2 (accelerate) with and without `ProvenanceTrainerCallback`, in one run.

Run from the repository root with two CPU processes (gloo):

    OMP_NUM_THREADS=1 python -m torch.distributed.run --nproc_per_node 2 -m benchmarks.fsdp.hf_overhead

Each process alternates fits without and with the callback (the order swaps every repeat), each on a fresh tiny random
Llama sharded per decoder layer by accelerate's FSDP2 path, and times every optimizer step (the time between
consecutive `on_step_begin` events: forward, backward, FSDP collectives, optimizer, callbacks), after `--warmup`
steps. Per repeat, ratio = median step with / median step without; the result is the median of the repeats' ratios,
printed by rank 0 (one JSON line, `RESULT {...}`). accelerate enables FSDP only on accelerator devices, so the run
lets it take its FSDP path on CPU as the tests do (tests/accelerate_cpu_fsdp.py).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from transformers import Trainer, TrainerCallback, TrainingArguments

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from accelerate_cpu_fsdp import allow_fsdp_on_cpu  # noqa: E402
from capture_reference import random_samples  # noqa: E402

from provenance.callbacks import ProvenanceTrainerCallback  # noqa: E402
from provenance.models import tiny_causal_lm  # noqa: E402


class StepClock(TrainerCallback):
    """The start time of every optimizer step."""

    def __init__(self):
        self.starts: list[float] = []

    def on_step_begin(self, args, state, control, **kwargs):
        self.starts.append(time.perf_counter())

    def durations(self, skip: int) -> list[float]:
        return [b - a for a, b in zip(self.starts, self.starts[1:])][skip:]


class Samples(torch.utils.data.Dataset):
    def __init__(self, n: int):
        self.items = random_samples(n)

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        s = self.items[i]
        return {"input_ids": s["input_ids"], "labels": s["labels"], "sample_id": s["sample_id"], "source": s["source"]}


def pad_collate(examples):
    T = max(len(e["input_ids"]) for e in examples)
    ids = torch.zeros(len(examples), T, dtype=torch.long)
    labels = torch.full((len(examples), T), -100)
    mask = torch.zeros(len(examples), T, dtype=torch.long)
    for i, e in enumerate(examples):
        n = len(e["input_ids"])
        ids[i, :n], labels[i, :n], mask[i, :n] = e["input_ids"], e["labels"], 1
    return {"input_ids": ids, "labels": labels, "attention_mask": mask}


def timed_fit(args, workdir: Path, store: str | None) -> tuple[list[float], int]:
    clock = StepClock()
    callbacks: list = [clock]
    if store is not None:
        callbacks.append(ProvenanceTrainerCallback(store, overwrite=True))  # the defaults: layers="auto", ...
    training = TrainingArguments(
        output_dir=str(workdir / "out"), use_cpu=True, report_to="none", disable_tqdm=True, seed=0,
        per_device_train_batch_size=args.batch, gradient_accumulation_steps=1, max_steps=args.steps + 1,
        learning_rate=1e-4, logging_steps=10_000, save_strategy="no",
        fsdp=True, fsdp_config={"version": 2, "transformer_layer_cls_to_wrap": ["LlamaDecoderLayer"]},
    )
    trainer = Trainer(model=tiny_causal_lm("llama", seed=0), args=training,
                      train_dataset=Samples(2 * args.batch * (args.steps + 1)), data_collator=pad_collate,
                      callbacks=callbacks)
    if not trainer.is_fsdp_enabled:
        raise SystemExit("accelerate did not enable FSDP")
    trainer.train()
    return clock.durations(args.warmup), int(trainer.args.process_index)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=40, help="timed optimizer steps per fit (plus warm-up)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch", type=int, default=4, help="per-device batch")
    args = ap.parse_args()
    torch.set_num_threads(1)
    allow_fsdp_on_cpu()
    ratios, with_all, without_all = [], [], []
    # One folder for both ranks (they write one store): the launcher that started them is their common parent.
    tmp = Path(tempfile.gettempdir()) / f"provenance-hf-fsdp-overhead-{os.getppid()}"
    for repeat in range(args.repeats):
        order = ("without", "with") if repeat % 2 == 0 else ("with", "without")
        med = {}
        for kind in order:
            work = tmp / f"{repeat}-{kind}"
            steps, rank = timed_fit(args, work, str(work / "s.zarr") if kind == "with" else None)
            med[kind] = statistics.median(steps)
            (with_all if kind == "with" else without_all).extend(steps)
        ratios.append(med["with"] / med["without"])
    torch.distributed.barrier()  # both ranks are done with the stores
    if rank == 0:
        shutil.rmtree(tmp, ignore_errors=True)
        print("RESULT " + json.dumps({
            "model": "tiny random Llama (hidden 32, 4 layers, vocab 128)", "processes": 2, "backend": "gloo",
            "per_device_batch": args.batch, "steps_per_fit": args.steps, "repeats": args.repeats,
            "without_ms": round(statistics.median(without_all) * 1000, 2),
            "with_ms": round(statistics.median(with_all) * 1000, 2),
            "ratio": round(statistics.median(ratios), 3), "ratios": [round(r, 3) for r in ratios],
            "cpu": platform.processor() or platform.machine(), "torch": torch.__version__,
        }))


if __name__ == "__main__":
    main()
