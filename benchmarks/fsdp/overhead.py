"""Training-step time with and without ProvenanceCallback under FSDP2 on the CPU: Lightning's ModelParallelStrategy,
two processes on gloo, a tiny random Llama sharded per decoder layer with `fully_shard` in `configure_model`.

Both settings run in one launch, alternating (off, on, on, off, ...) on fresh copies of the same model, so a slow
spell of a shared machine hits both. A step is the time between consecutive batch starts on rank 0 (forward, backward,
the FSDP collectives, the optimizer and, when on, the capture); the first `--skip` steps of each fit are dropped.
Rank 0's CPU time per step (all its threads) is recorded too: on a machine shared with other jobs it moves far less
than wall time. Rank 0 writes the medians to benchmarks/fsdp/results.json.

Run from the repository root: `python -m benchmarks.fsdp.overhead` (about 2 minutes on 2 free cores).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import lightning.pytorch as pl
import numpy as np
import torch
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.strategies import ModelParallelStrategy
from torch.utils.data import DataLoader

from provenance.callbacks import ProvenanceCallback
from provenance.models import tiny_causal_lm

OUT = Path(__file__).resolve().parent / "results.json"


class ShardedLM(pl.LightningModule):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def configure_model(self):
        from torch.distributed.fsdp import fully_shard

        mesh = self.device_mesh["data_parallel"]
        for layer in self.model.model.layers:
            fully_shard(layer, mesh=mesh)
        fully_shard(self.model, mesh=mesh)

    def training_step(self, batch, batch_idx):
        return self.model(**{k: batch[k] for k in ("input_ids", "attention_mask", "labels")}).loss

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=1e-4)


class StepClock(Callback):
    """Wall time between consecutive batch starts (the whole step as the user experiences it), and the CPU time this
    process (all its threads: the store writer's included) spent in between."""

    def __init__(self):
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def on_train_batch_start(self, *args):
        self.wall.append(time.perf_counter())
        self.cpu.append(time.process_time())


def sft_rows(n: int, *, seq: int, vocab: int, seed: int = 0) -> list[dict]:
    """Random prompt/response rows of length `seq`; the first half of each is prompt (label -100)."""
    g = torch.Generator().manual_seed(seed)
    rows = []
    for i in range(n):
        ids = torch.randint(4, vocab, (seq,), generator=g)
        labels = ids.clone()
        labels[: seq // 2] = -100
        rows.append({"input_ids": ids, "attention_mask": torch.ones(seq, dtype=torch.long), "labels": labels,
                     "sample_id": i})
    return rows


def collate(rows: list[dict]) -> dict:
    out = {k: torch.stack([r[k] for r in rows]) for k in ("input_ids", "attention_mask", "labels")}
    out["sample_id"] = [r["sample_id"] for r in rows]
    return out


def timed_fit(args, store: str | None) -> dict[str, list[float]]:
    clock = StepClock()
    callbacks = [clock] + ([ProvenanceCallback(store, overwrite=True)] if store else [])
    rows = sft_rows(args.steps * args.batch * 2, seq=args.seq, vocab=args.vocab)
    trainer = pl.Trainer(max_steps=args.steps, accelerator="cpu", devices=2,
                         strategy=ModelParallelStrategy(data_parallel_size=2, tensor_parallel_size=1),
                         callbacks=callbacks, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, num_sanity_val_steps=0)
    model = tiny_causal_lm("llama", seed=0, vocab_size=args.vocab, hidden_size=args.hidden, num_layers=args.layers,
                           intermediate_size=4 * args.hidden)
    trainer.fit(ShardedLM(model), train_dataloaders=DataLoader(rows, batch_size=args.batch, collate_fn=collate))
    return {"wall": list(np.diff(clock.wall))[args.skip:], "cpu": list(np.diff(clock.cpu))[args.skip:]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--trials", type=int, default=4, help="fits per setting (alternating)")
    ap.add_argument("--steps", type=int, default=25)
    ap.add_argument("--skip", type=int, default=3, help="steps dropped at the start of each fit")
    ap.add_argument("--batch", type=int, default=4, help="per rank")
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--vocab", type=int, default=256)
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "provenance-fsdp-overhead"),
                    help="where the store is written (overwritten each fit; the same path on every rank)")
    args = ap.parse_args()
    torch.set_num_threads(1)  # two ranks on a 2-core machine: one thread each

    steps = {clock: {"off": [], "on": []} for clock in ("wall", "cpu")}
    per_trial = {clock: {"off": [], "on": []} for clock in ("wall", "cpu")}
    for trial in range(args.trials):
        order = ("off", "on") if trial % 2 == 0 else ("on", "off")
        for setting in order:
            store = os.path.join(args.workdir, "s.zarr") if setting == "on" else None  # each rank writes its group
            durations = timed_fit(args, store)
            for clock, values in durations.items():
                steps[clock][setting] += values
                per_trial[clock][setting].append(statistics.median(values))
    if int(os.environ.get("LOCAL_RANK", "0")) != 0:
        return
    med = {clock: {k: statistics.median(v) for k, v in by.items()} for clock, by in steps.items()}
    result = {
        "command": "python -m benchmarks.fsdp.overhead " + " ".join(
            f"--{k} {v}" for k, v in vars(args).items() if k != "workdir"),
        "setup": f"ModelParallelStrategy(data_parallel_size=2), fully_shard per layer, 2 CPU processes (gloo), "
                 f"tiny Llama d={args.hidden}, {args.layers} layers, vocab {args.vocab}, {args.batch} x {args.seq} "
                 f"tokens per rank per step, AdamW; callback defaults (layers='auto', 4 signatures, float16-rowscale)",
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}",
        "median_step_s": {clock: {k: round(v, 5) for k, v in m.items()} for clock, m in med.items()},
        "ratio_on_off": {clock: round(m["on"] / m["off"], 3) for clock, m in med.items()},
        "per_trial_median_step_s": {clock: {k: [round(x, 5) for x in v] for k, v in by.items()}
                                    for clock, by in per_trial.items()},
        "steps_timed_per_setting": len(steps["wall"]["on"]),
    }
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
