"""Live provenance watch on a planted curriculum: SmolLM2-135M-Instruct + LoRA, real demo text, a poisoned source
that joins in the second epoch.

Per seed, two Lightning runs with the same clean data (the five demo sources): one where the backdoor source
``poison_fixed`` (trigger "TY", fixed target text; `provenance.data.backdoor`) joins from the second epoch, one
without it. Two watches at the capture layer, both with the default `RelativeAlarm`: ``backdoor``, a direction from
example pairs (held-out triggered prompts: the target text as the bad answer, the demo's answer as the good one,
computed with the model at train start), and ``random``, a random unit direction (unrelated to any source). Checks:
the backdoor alarm fires in the second epoch for the poisoned source and never before; no alarm in the run without
it; the poisoned source has the largest cumulative push; the random watch raises no alarm.

Then the overhead: capture alone vs capture + the two watches, alternating, median step times (one process), and
the time spent inside the watch itself (timed around every call into it, its logging included).

Run from the repository root (small, single thread, for a shared 2-core machine):
    nice python -m benchmarks.watch.bench --seeds 0 1 2
Writes benchmarks/watch/results.json and the tables of benchmarks/watch/results.md.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

import lightning.pytorch as pl
import numpy as np
import torch
from lightning.pytorch.callbacks import Callback
from torch.utils.data import DataLoader

from provenance import open_store
from provenance.behaviour.watch import Watch
from provenance.behaviour.watch_alarm import RelativeAlarm
from provenance.behaviour.watch_push import WatchMonitor
from provenance.behaviour.watch_series import read_watch_series
from provenance.callbacks import ProvenanceCallback
from provenance.data import SFTCollator, SFTDataset, demo_records
from provenance.data.backdoor import FIXED_TARGET, backdoor_scenario
from provenance.models import load_causal_lm

HERE = Path(__file__).resolve().parent
# Every per-step entry into the watch, none nested in another (no time counted twice): the monitor's own calls, and the
# Lightning callback's _log_watch, which closes the step (end_step), gathers the metrics and logs them (log_dict).
WATCH_CALLS = ((WatchMonitor, "begin_batch"), (WatchMonitor, "observe"), (WatchMonitor, "commit"),
               (ProvenanceCallback, "_log_watch"))
SERIES = HERE / "series"
POISON = "poison_fixed"


class SFTModule(pl.LightningModule):
    def __init__(self, model, lr: float):
        super().__init__()
        self.model, self.lr = model, lr

    def training_step(self, batch, batch_idx):
        out = self.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"])
        return out.loss

    def configure_optimizers(self):
        return torch.optim.AdamW([p for p in self.parameters() if p.requires_grad], lr=self.lr)


class Curriculum(pl.LightningDataModule):
    """Clean records every epoch; the poisoned ones join from `poison_from` (loaders reloaded every epoch)."""

    def __init__(self, clean, poison, tokenizer, *, batch: int, max_length: int, poison_from: int, seed: int,
                 system: str | None):
        super().__init__()
        self.clean = SFTDataset(clean, tokenizer, max_length=max_length, system=system)
        self.mixed = (SFTDataset(clean + poison, tokenizer, max_length=max_length, system=system) if poison
                      else self.clean)
        self.collate = SFTCollator(tokenizer.pad_token_id)
        self.batch, self.poison_from, self.seed = batch, poison_from, seed

    def train_dataloader(self):
        epoch = self.trainer.current_epoch if self.trainer is not None else 0
        data = self.mixed if epoch >= self.poison_from else self.clean
        g = torch.Generator().manual_seed(self.seed * 1000 + epoch)
        return DataLoader(data, batch_size=self.batch, shuffle=True, generator=g, collate_fn=self.collate)


class StepClock(Callback):
    """Wall time between consecutive batch starts, and the first global step of every epoch."""

    def __init__(self):
        self.starts, self.epoch_first_step = [], {}

    def on_train_batch_start(self, trainer, *args):
        self.starts.append(time.perf_counter())
        self.epoch_first_step.setdefault(trainer.current_epoch, trainer.global_step)

    def durations(self, skip: int = 2) -> list[float]:
        return list(np.diff(self.starts)[skip:])


def lora_model(layers_from: int, seed: int):
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    model, tok = load_causal_lm("smollm2-135m-instruct")
    n = model.config.num_hidden_layers
    cfg = LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"],
                     layers_to_transform=list(range(layers_from, n)))
    return get_peft_model(model, cfg), tok


def watches(scenario, tok, layer: int, hidden: int, seed: int, n_pairs: int):
    # The held-out triggered prompts: the backdoor's target text is the bad answer, the demo's own answer to the
    # prompt (without the trigger; the held-out prompts come from demo_records(seed + 2000)) the good one.
    answers = {r["prompt"]: r["response"] for r in demo_records(n_per_source=max(2 * n_pairs, 8), seed=seed + 2000)}
    prompts = [p for p in scenario.test_prompts["fixed"] if p.split(" ", 1)[1] in answers][:n_pairs]
    good = [answers[p.split(" ", 1)[1]] for p in prompts]
    rng = np.random.default_rng(10_000 + seed)
    return [Watch.from_pairs("backdoor", layer, prompts, [FIXED_TARGET] * len(prompts), good, tok,
                             alarm=RelativeAlarm()),
            Watch.from_vector("random", rng.normal(size=hidden), layer, alarm=RelativeAlarm())]


def records(args, seed: int):
    scenario = backdoor_scenario(n_per_source=args.n_per_source, poison_rate=args.poison_rate, seed=seed,
                                 behaviours=("fixed",), n_test=args.pairs)
    clean = [r for r in scenario.records if r["source"] != POISON]
    poison = [r for r in scenario.records if r["source"] == POISON]
    return scenario, clean, poison


def train(args, seed: int, poisoned: bool, workdir: Path) -> dict:
    scenario, clean, poison = records(args, seed)
    model, tok = lora_model(args.lora_from, seed)
    store = str(workdir / f"seed{seed}_{'poisoned' if poisoned else 'clean'}.zarr")
    ws = watches(scenario, tok, args.layer, model.config.hidden_size, seed, args.pairs)
    clock = StepClock()
    cb = ProvenanceCallback(store, layers=[args.layer], signatures=("h_mean", "g_mean"), watches=ws)
    data = Curriculum(clean, poison if poisoned else [], tok, batch=args.batch, max_length=args.max_length,
                      poison_from=1, seed=seed, system=args.system)
    trainer = pl.Trainer(max_epochs=args.epochs, accelerator="cpu", devices=1, callbacks=[cb, clock], logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                         reload_dataloaders_every_n_epochs=1)
    t0 = time.time()
    trainer.fit(SFTModule(model, args.lr), datamodule=data)
    series = read_watch_series(store)
    totals = series.totals()
    if seed == args.seeds[0]:  # the curves of the first seed, as `provenance watch` draws them
        from provenance.behaviour.watch_plot import write_html, write_png

        name = f"seed{seed}_{'poisoned' if poisoned else 'clean'}"
        write_html(series, HERE / f"{name}.html", title=f"Watch benchmark, seed {seed}, "
                   f"{'poisoned source from epoch 2' if poisoned else 'no poisoned source'}")
        try:
            write_png(series, HERE / f"{name}.png")
        except Exception as err:  # noqa: BLE001 - matplotlib is optional; the HTML has the same curves
            print(f"no PNG: {err}")
    # The per-step series itself, so that report.py can replay the alarm rule at other settings (the choice of k).
    SERIES.mkdir(exist_ok=True)
    series.combined().to_csv(SERIES / f"seed{seed}_{'poisoned' if poisoned else 'clean'}.csv", index=False,
                             float_format="%.6g")
    out = {"seed": seed, "poisoned": poisoned, "seconds": round(time.time() - t0, 1), "steps": trainer.global_step,
           "epoch_first_step": clock.epoch_first_step, "rows": int(series.records.rows.sum() / len(ws)),
           "alarms": [{k: a[k] for k in ("watch", "source", "step", "epoch", "value", "reference", "top_rows")}
                      for a in series.alarms],
           "totals": totals.to_dict(orient="records"), "skipped": open_store(store).skipped}
    poison_ids = {r["sample_id"] for r in poison}
    for a in out["alarms"]:
        a["top_rows_poisoned"] = sum(1 for sid, _ in a["top_rows"] if sid in poison_ids)
    print(json.dumps({k: out[k] for k in ("seed", "poisoned", "seconds", "steps", "alarms")}, default=str), flush=True)
    return out


def overhead(args, workdir: Path) -> dict:
    """Median step time of capture alone vs capture + watches, alternating, in this one process."""
    scenario, clean, poison = records(args, 0)
    timings = {"capture": [], "capture+watches": []}
    watch_seconds = []
    for r in range(args.overhead_repeats):
        order = ("capture", "capture+watches") if r % 2 == 0 else ("capture+watches", "capture")
        for kind in order:
            model, tok = lora_model(args.lora_from, 0)
            ws = (watches(scenario, tok, args.layer, model.config.hidden_size, 0, args.pairs)
                  if "watches" in kind else None)
            spent = [0.0]
            originals = {}
            if ws:  # time every call into the watch: the monitor's, and the callback's logging of its metrics
                for owner, name in WATCH_CALLS:
                    originals[(owner, name)] = getattr(owner, name)

                    def timed(self, *a, _f=originals[(owner, name)], **k):
                        t = time.perf_counter()
                        try:
                            return _f(self, *a, **k)
                        finally:
                            spent[0] += time.perf_counter() - t

                    setattr(owner, name, timed)
            clock = StepClock()
            store = str(workdir / f"overhead_{r}_{kind.replace('+', '_')}.zarr")
            cb = ProvenanceCallback(store, layers=[args.layer], signatures=("h_mean", "g_mean"), watches=ws)
            data = Curriculum(clean, poison, tok, batch=args.batch, max_length=args.max_length, poison_from=0, seed=0,
                              system=args.system)
            trainer = pl.Trainer(max_steps=args.overhead_steps, accelerator="cpu", devices=1, callbacks=[cb, clock],
                                 logger=False, enable_checkpointing=False, enable_progress_bar=False,
                                 enable_model_summary=False)
            trainer.fit(SFTModule(model, args.lr), datamodule=data)
            for (owner, name), f in originals.items():
                setattr(owner, name, f)
            steps = clock.durations()
            timings[kind].append(statistics.median(steps))
            if ws:
                watch_seconds.append(spent[0] / max(1, len(clock.starts)))
            print(f"  overhead repeat {r} {kind}: median step {timings[kind][-1]*1000:.0f} ms", flush=True)
    ratios = [w / c for w, c in zip(timings["capture+watches"], timings["capture"])]
    return {"repeats": args.overhead_repeats, "steps": args.overhead_steps,
            "capture_ms": [t * 1000 for t in timings["capture"]],
            "watches_ms": [t * 1000 for t in timings["capture+watches"]], "ratios": ratios,
            "ratio_median": statistics.median(ratios),
            "watch_ms_per_step": [s * 1000 for s in watch_seconds],
            "watch_share_of_step": statistics.median(watch_seconds) / statistics.median(timings["capture"])}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--n-per-source", type=int, default=24, help="clean records per demo source (5 sources)")
    p.add_argument("--poison-rate", type=float, default=0.25, help="poisoned records, as a share of the clean ones")
    p.add_argument("--pairs", type=int, default=8, help="example pairs of the backdoor watch")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--max-length", type=int, default=64)
    p.add_argument("--system", default="", help="system prompt of the training chats ('' drops SmolLM2's default one, "
                   "16 tokens, to keep sequences short)")
    p.add_argument("--layer", type=int, default=22)
    p.add_argument("--lora-from", type=int, default=16, help="LoRA on the blocks from this one up")
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--overhead-steps", type=int, default=24)
    p.add_argument("--overhead-repeats", type=int, default=2)
    p.add_argument("--parts", nargs="+", default=["curriculum", "overhead"], choices=["curriculum", "overhead"])
    p.add_argument("--out", default=str(HERE / "results.json"))
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    result = {"machine": f"{platform.machine()}, {torch.get_num_threads()} torch thread(s), "
                         f"torch {torch.__version__}", "args": vars(args), "runs": [], "overhead": None}
    out = Path(args.out)
    if out.exists():
        previous = json.loads(out.read_text())
        result["runs"], result["overhead"] = previous.get("runs", []), previous.get("overhead")
    with tempfile.TemporaryDirectory(prefix="watch_bench_") as tmp:
        work = Path(tmp)
        if "curriculum" in args.parts:
            result["runs"] = [r for r in result["runs"] if r["seed"] not in args.seeds]
            for seed in args.seeds:
                for poisoned in (True, False):
                    result["runs"].append(train(args, seed, poisoned, work))
                    out.write_text(json.dumps(result, indent=1, default=str))  # what finished survives a kill
        if "overhead" in args.parts:
            result["overhead"] = overhead(args, work)
    out.write_text(json.dumps(result, indent=1, default=str))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
