"""Step time of `transformers.Trainer` under FSDP2 (accelerate) with and without `ProvenanceTrainerCallback`, in one run.

Run from the repository root with two CPU processes (gloo):

    OMP_NUM_THREADS=1 python -m torch.distributed.run --nproc_per_node 2 -m benchmarks.fsdp.hf_overhead

Each process alternates fits without and with the callback (the order swaps every repeat), each on a fresh tiny random
Llama sharded per decoder layer by accelerate's FSDP2 path, and times every optimizer step (the time between
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
from capture_reference import SampleDataset, trainer_collate  # noqa: E402

from provenance.callbacks import ProvenanceTrainerCallback  # noqa: E402
from provenance.models import tiny_causal_lm  # noqa: E402


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
    trainer = Trainer(model=tiny_causal_lm("llama", seed=0), args=training,
                      train_dataset=SampleDataset(2 * args.batch * (args.steps + 1)), data_collator=trainer_collate,
                      callbacks=callbacks)
    if not trainer.is_fsdp_enabled:
        raise SystemExit("accelerate did not enable FSDP")
    trainer.train()
    own = None if capture is None else capture.session.summary()["capture_seconds"] / trainer.state.global_step
    return clock.durations(args.warmup), own, int(trainer.args.process_index)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=30, help="timed optimizer steps per fit (plus warm-up)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=6)
    ap.add_argument("--batch", type=int, default=4, help="per-device batch")
    args = ap.parse_args()
    torch.set_num_threads(1)
    allow_fsdp_on_cpu()
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
        print("RESULT " + json.dumps({
            "model": "tiny random Llama (hidden 32, 4 layers, vocab 128)", "processes": 2, "backend": "gloo",
            "per_device_batch": args.batch, "steps_per_fit": args.steps, "repeats": args.repeats,
            **{f"{clock}_{kind}_ms": round(statistics.median(steps) * 1000, 2) for (clock, kind), steps in pooled.items()},
            **{f"{clock}_ratio": round(statistics.median(r), 3) for clock, r in ratios.items()},
            **{f"{clock}_ratios": [round(x, 3) for x in r] for clock, r in ratios.items()},
            "callback_own_ms_per_step": round(statistics.median(own_all) * 1000, 2), "fits": fits,
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "cpu": platform.processor() or platform.machine(), "torch": torch.__version__,
        }))


if __name__ == "__main__":
    main()
