"""Training-step time with and without ProvenanceCallback, measured in one run; bytes per sample; writer throughput.

Writes benchmarks/capture_overhead/capture_overhead_results.md (sections between markers) so `make bench`
regenerates the published numbers. Run from the repository root: `python -m benchmarks.capture_overhead.capture_overhead`.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import lightning.pytorch as pl
import numpy as np
import torch
from lightning.pytorch.callbacks import Callback
from peft import LoraConfig, get_peft_model
from torch.utils.data import DataLoader

from provenance import open_store
from provenance.callbacks import ProvenanceCallback
from provenance.data import SFTCollator, SFTDataset, demo_records
from provenance.models import load_causal_lm, tiny_causal_lm, tiny_tokenizer
from provenance.store import CaptureRows, StoreWriter

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
from demo import SFTModule  # noqa: E402


class StepClock(Callback):
    """Time between consecutive batch starts = the whole step as the user experiences it."""

    def __init__(self):
        self.starts = []

    def on_train_batch_start(self, *args):
        self.starts.append(time.perf_counter())

    def durations(self, skip: int):
        return list(np.diff(self.starts))[skip:]


def timed_fit(model, make_loader, steps: int, store: str | None, skip: int = 2, **callback_kw) -> list[float]:
    clock = StepClock()
    callbacks = [clock] + ([ProvenanceCallback(store, overwrite=True, **callback_kw)] if store else [])
    trainer = pl.Trainer(max_steps=steps, accelerator="cpu", devices=1, callbacks=callbacks, logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(SFTModule(model, lr=1e-4), train_dataloaders=make_loader())
    return clock.durations(skip)


def store_bytes(path: str) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def overhead(name: str, model, make_loader, steps: int, repeats: int, workdir: Path, **callback_kw) -> dict:
    ratios, with_t, without_t = [], [], []
    store = str(workdir / f"{name}.zarr")
    for r in range(repeats):
        # Alternate the order so slow drift (thermal, caches) does not favour one side.
        order = ("without", "with") if r % 2 == 0 else ("with", "without")
        med = {}
        for kind in order:
            med[kind] = statistics.median(timed_fit(model, make_loader, steps, store if kind == "with" else None,
                                                    **(callback_kw if kind == "with" else {})))
        with_t.append(med["with"])
        without_t.append(med["without"])
        ratios.append(med["with"] / med["without"])
        print(f"  {name} repeat {r}: without {med['without']*1000:.1f} ms, with {med['with']*1000:.1f} ms, ratio {ratios[-1]:.3f}", flush=True)
    reader = open_store(store)
    tokens = int(reader.samples()["n_tokens"].sum())
    return {
        "name": name, "repeats": repeats, "steps": steps, "layers": reader.layers,
        "token_layers": reader.token_state_layers, "tokens_per_row": tokens / max(1, len(reader)),
        "without_ms": statistics.median(without_t) * 1000, "with_ms": statistics.median(with_t) * 1000,
        "ratio": statistics.median(ratios), "ratios": ratios,
        "bytes_per_sample": store_bytes(store) / max(1, len(reader)), "rows": len(reader),
    }


def writer_throughput(workdir: Path, rows: int = 8192, batch: int = 8, d: int = 576, layers=(8, 15, 22, 29, 3)) -> dict:
    rng = np.random.default_rng(0)
    sig = {l: {n: rng.standard_normal((batch, d)).astype(np.float32) * (100 if n.startswith("h") else 1e-5)
               for n in ("h_last", "g_last", "h_mean", "g_mean")} for l in layers}
    writer = StoreWriter(str(workdir / "throughput.zarr"), "bench", model={"name": "bench", "config_hash": "0"},
                         run_attrs={"layers": list(layers), "hidden_size": d})
    t0 = time.perf_counter()
    for i in range(rows // batch):
        writer.put(CaptureRows(sample_id=list(range(i * batch, (i + 1) * batch)), source=["s"] * batch, epoch=0, step=i,
                               loss=np.ones(batch, np.float32), prompt_len=np.full(batch, 20, np.int32),
                               token_ids=[rng.integers(0, 49152, 120) for _ in range(batch)], signatures=sig))
    writer.close()
    secs = time.perf_counter() - t0
    return {"rows": rows, "seconds": secs, "rows_per_s": rows / secs,
            "mb_per_s_raw": rows * len(layers) * 4 * d * 4 / secs / 1e6}


def trl_timed_fit(kind: str, records: list, steps: int, store: str | None, skip: int = 2) -> list[float]:
    """One TRL SFTTrainer / DPOTrainer run on fresh SmolLM2 + LoRA; step = time between consecutive step begins."""
    import random

    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import DPOConfig, DPOTrainer, SFTConfig, SFTTrainer

    from provenance.callbacks import ProvenanceTrainerCallback
    from provenance.hf import with_sample_ids

    class Clock(TrainerCallback):
        def __init__(self):
            self.starts = []

        def on_step_begin(self, args, state, control, **kw):
            self.starts.append(time.perf_counter())

    model, tokenizer = load_causal_lm("smollm2-135m-instruct")
    lora = LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"])
    common = dict(output_dir=tempfile.mkdtemp(), max_steps=steps, max_length=256, gradient_checkpointing=False,
                  use_cpu=True, bf16=False, report_to="none", save_strategy="no", logging_steps=1000,
                  per_device_train_batch_size=8, learning_rate=1e-4, seed=0)
    clock = Clock()
    callbacks = [clock] + ([ProvenanceTrainerCallback(store, overwrite=True)] if store else [])
    if kind == "sft":
        rows = [{"prompt": [{"role": "user", "content": r["prompt"]}], "completion": [{"role": "assistant", "content": r["response"]}],
                 "sample_id": r["sample_id"], "source": r["source"]} for r in records]
        trainer = SFTTrainer(model=model, processing_class=tokenizer, train_dataset=with_sample_ids(Dataset.from_list(rows)),
                             peft_config=lora, args=SFTConfig(packing=False, **common), callbacks=callbacks)
    else:
        rng = random.Random(0)
        rows = [{"prompt": [{"role": "user", "content": r["prompt"]}], "chosen": [{"role": "assistant", "content": r["response"]}],
                 "rejected": [{"role": "assistant", "content": rng.choice(records)["response"]}],
                 "sample_id": r["sample_id"], "source": r["source"]} for r in records]
        common["per_device_train_batch_size"] = 4  # pairs: 8 sequences per forward, as in the SFT runs
        trainer = DPOTrainer(model=model, processing_class=tokenizer, train_dataset=with_sample_ids(Dataset.from_list(rows)),
                             peft_config=lora, args=DPOConfig(beta=0.1, **common), callbacks=callbacks)
    trainer.train()
    return list(np.diff(clock.starts))[skip:]


def trl_overhead(kind: str, records: list, steps: int, repeats: int, workdir: Path) -> dict:
    ratios, with_t, without_t = [], [], []
    store = str(workdir / f"trl-{kind}.zarr")
    for r in range(repeats):
        order = ("without", "with") if r % 2 == 0 else ("with", "without")
        med = {k: statistics.median(trl_timed_fit(kind, records, steps, store if k == "with" else None)) for k in order}
        with_t.append(med["with"])
        without_t.append(med["without"])
        ratios.append(med["with"] / med["without"])
        print(f"  TRL {kind} repeat {r}: without {med['without']*1000:.1f} ms, with {med['with']*1000:.1f} ms, ratio {ratios[-1]:.3f}", flush=True)
    reader = open_store(store)
    name = "SmolLM2-135M-Instruct, LoRA r=8 q/v, TRL SFTTrainer (batch 8)" if kind == "sft" else \
        "SmolLM2-135M-Instruct, LoRA r=8 q/v, TRL DPOTrainer (4 pairs, PEFT reference)"
    return {"name": name, "repeats": repeats, "steps": steps, "layers": reader.layers,
            "without_ms": statistics.median(without_t) * 1000, "with_ms": statistics.median(with_t) * 1000,
            "ratio": statistics.median(ratios), "ratios": ratios,
            "bytes_per_sample": store_bytes(store) / max(1, len(reader)), "rows": len(reader)}


def real_encoding_errors(model, loader, layers=(8, 15, 22, 29), batches: int = 4) -> dict:
    """Encodings measured on real SmolLM2 signatures (float32 straight from the engine)."""
    from provenance.capture import CaptureEngine
    from provenance.store import measure_encodings

    engine = CaptureEngine(model, layers).attach()
    rows = {"h": [], "g": []}
    for i, batch in enumerate(loader):
        if i == batches:
            break
        engine.begin(labels=batch["labels"], input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                     sample_ids=batch["sample_id"])
        model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"]).loss.backward()
        out = engine.end()
        for by_name in out.signatures.values():
            for name, mat in by_name.items():
                rows[name[0]].append(np.asarray(mat, dtype=np.float32))
    engine.detach()
    model.zero_grad(set_to_none=True)
    result = {}
    for kind, blocks in rows.items():
        x = np.concatenate(blocks)
        result[kind] = {"n": len(x), "abs_max": float(np.abs(x).max()), "abs_median": float(np.median(np.abs(x))),
                        "encodings": measure_encodings(x)}
    return result


def machine() -> str:
    cpu = "unknown CPU"
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__} ({torch.get_num_threads()} threads), "
            f"Python {platform.python_version()}, no GPU")


_STEPS_NOTE = ""


def args_steps_note() -> str:
    return _STEPS_NOTE


def render(results: list[dict], wt: dict, command: str, enc: dict | None = None) -> str:
    lines = [
        "<!-- capture-overhead:start -->",
        "## Capture overhead (Lightning and TRL)",
        "",
        f"Machine: {machine()}. Regenerate with `{command}`.",
        "",
        "Step time = time between consecutive batch starts (whole step), median over the steps of one fit after 2 warm-up",
        "steps; every fit sees the same batches in the same order (seeded loader / TRL seed 0).",
        f"({args_steps_note()}); each repeat runs one fit without and one with the callback back to back (order alternating); the ratio",
        "is the median of the per-repeat ratios. Capture uses the defaults: `layers=\"auto\"`, all four signatures,",
        "float16 with per-row scale.",
        "",
        "| model / loop | layers captured | step without | step with | ratio (median) | per-repeat ratios | bytes stored / row |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(f"| {r['name']} | {r['layers']} | {r['without_ms']:.1f} ms | {r['with_ms']:.1f} ms | **{r['ratio']:.3f}** | "
                     f"{', '.join(f'{x:.3f}' for x in r['ratios'])} | {r['bytes_per_sample']/1024:.1f} KiB |")
    lines += [
        "",
        f"Writer throughput (background thread, 5 layers x 4 signatures x d=576, 120 tokens/row, batches of 8): "
        f"{wt['rows_per_s']:.0f} rows/s ({wt['mb_per_s_raw']:.0f} MB/s of float32 signatures in).",
    ]
    if enc:
        lines += ["", "### Storage encodings on real SmolLM2 signatures (layers 8, 15, 22, 29; 4 batches of 8)", "",
                  "Errors are per row relative to the row's max (max over rows), and the median per-entry relative error.", "",
                  "| rows | |x| max / median | encoding | bytes / row (d=576) | max error / row max | median entry error |",
                  "|---|---|---|---|---|---|"]
        for kind, info in enc.items():
            label = "hidden states (h_last, h_mean)" if kind == "h" else "representation gradients (g_last, g_mean)"
            for name, m in info["encodings"].items():
                lines.append(f"| {label} | {info['abs_max']:.3g} / {info['abs_median']:.3g} | {name} | {m['bytes_per_row']:.0f} | "
                             f"{m['max_rel_error']:.2e} | {m['median_elem_rel_error']:.2e} |")
    lines.append("<!-- capture-overhead:end -->")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="benchmarks/capture_overhead/capture_overhead_results.md")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--quick", action="store_true", help="tiny model only")
    ap.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's choice)")
    ap.add_argument("--part", choices=("all", "token-states"), default="all",
                    help="token-states: only the SmolLM2 Lightning row with per-token states (token_layers=auto), "
                         "written to its own section")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    global _STEPS_NOTE
    _STEPS_NOTE = f"{args.steps} steps per fit, {args.repeats} repeats; load average before the run: {os.getloadavg()[0]:.2f}"
    results, enc = [], None
    if args.part == "token-states":
        return token_states_part(args)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        tok = tiny_tokenizer()
        tiny = tiny_causal_lm("llama", hidden_size=64, num_layers=8, intermediate_size=128)
        recs = demo_records(n_per_source=40, seed=0)
        tiny_ds = SFTDataset(recs, tok, max_length=512)
        tiny_loader = lambda: DataLoader(tiny_ds, batch_size=8, shuffle=True, collate_fn=SFTCollator(tok.pad_token_id),  # noqa: E731
                                         generator=torch.Generator().manual_seed(0))
        results.append(overhead("tiny Llama (8 layers, d=64), full fine-tune", tiny, tiny_loader, args.steps, args.repeats, work))
        if not args.quick:
            model, tokenizer = load_causal_lm("smollm2-135m-instruct")
            model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"]))
            ds = SFTDataset(recs, tokenizer, max_length=160)
            loader = lambda: DataLoader(ds, batch_size=8, shuffle=True, collate_fn=SFTCollator(tokenizer.pad_token_id),  # noqa: E731
                                        generator=torch.Generator().manual_seed(0))
            results.append(overhead("SmolLM2-135M-Instruct, LoRA r=8 q/v", model, loader, args.steps, args.repeats, work))
            enc = real_encoding_errors(model, loader())
            for kind in ("sft", "dpo"):
                results.append(trl_overhead(kind, recs, args.steps, args.repeats, work))
        wt = writer_throughput(work)
    command = "make bench" if not args.quick else "python -m benchmarks.capture_overhead.capture_overhead --quick"
    section = render(results, wt, command, enc)
    path = Path(args.out)
    text = path.read_text() if path.exists() else "# Capture overhead\n\n"
    if "<!-- capture-overhead:start -->" in text:
        head, rest = text.split("<!-- capture-overhead:start -->", 1)
        text = head + section + rest.split("<!-- capture-overhead:end -->", 1)[1]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)
    print(section)


def token_states_part(args) -> None:
    """Step time without the callback, with its defaults, and with per-token states at 3/4 depth, in one run."""
    recs = demo_records(n_per_source=40, seed=0)
    model, tokenizer = load_causal_lm("smollm2-135m-instruct")
    model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"]))
    ds = SFTDataset(recs, tokenizer, max_length=160)
    loader = lambda: DataLoader(ds, batch_size=8, shuffle=True, collate_fn=SFTCollator(tokenizer.pad_token_id),  # noqa: E731
                                generator=torch.Generator().manual_seed(0))
    with tempfile.TemporaryDirectory() as tmp:
        # Both named explicitly: per-token states are the callbacks' default since issue 19's per-answer default.
        rows = [overhead("without token states (token_layers=None)", model, loader, args.steps, args.repeats, Path(tmp),
                         token_layers=None),
                overhead("with token states (the default, token_layers=auto)", model, loader, args.steps, args.repeats,
                         Path(tmp), token_layers="auto")]
    lines = ["<!-- capture-overhead-tokens:start -->", "### Per-token states (`token_layers=\"auto\"`)", "",
             f"Machine: {machine()}. Regenerate with `python -m benchmarks.capture_overhead.capture_overhead --part token-states "
             f"--threads 1`. SmolLM2-135M-Instruct, LoRA r=8 q/v, Lightning, batch 8, max length 160; {args_steps_note()}.",
             "Each row is its own set of back-to-back fits without and with the callback (ratios within a row are "
             "measured in one run).", "",
             "| capture | layers / token-state layers | step without | step with | ratio (median) | per-repeat ratios | bytes stored / row | tokens / row |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['layers']} / {r['token_layers'] or '-'} | {r['without_ms']:.1f} ms | "
                     f"{r['with_ms']:.1f} ms | **{r['ratio']:.3f}** | {', '.join(f'{x:.3f}' for x in r['ratios'])} | "
                     f"{r['bytes_per_sample']/1024:.1f} KiB | {r['tokens_per_row']:.0f} |")
    lines.append("<!-- capture-overhead-tokens:end -->")
    section = "\n".join(lines)
    path = Path(args.out)
    text = path.read_text() if path.exists() else "# Capture overhead\n\n"
    if "<!-- capture-overhead-tokens:start -->" in text:
        head, rest = text.split("<!-- capture-overhead-tokens:start -->", 1)
        text = head + section + rest.split("<!-- capture-overhead-tokens:end -->", 1)[1]
    elif "<!-- capture-overhead:end -->" in text:
        head, rest = text.split("<!-- capture-overhead:end -->", 1)
        text = head + "<!-- capture-overhead:end -->\n\n" + section + rest
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)
    print(section)


if __name__ == "__main__":
    main()
