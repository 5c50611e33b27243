"""benchmarks/lds/results.md from a bank folder: the setting, the bank, and LDS per method with its interval and cost."""
from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from benchmarks.lds.attribute import LABELS, load_scores, same_source_scores
from benchmarks.lds.bank import load_bank, load_config
from benchmarks.lds.lds import MIN_SUBSETS, lds, partial_lds
from benchmarks.lds.setting import Setting, heldout_cases, train_records


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()}-core CPU ({model or platform.processor()}), shared with other jobs; one torch thread per process"


def compute_table(out: Path) -> tuple[list[dict], dict]:
    """One row per scored method: LDS mean, interval, per-source means, seconds, cost vs LoRA-gradient."""
    cfg = load_config(out)
    setting = Setting.from_json(cfg["setting"])
    masks, losses, idx, recs = load_bank(out)
    full = json.loads((out / "full" / "full.json").read_text())
    full_loss = np.asarray(full["losses"])
    benefit = full_loss[None, :] - losses
    cases = heldout_cases(setting)
    sources = np.array([c["source"] for c in cases])
    control = same_source_scores(cases, train_records(setting))
    scores = load_scores(out)
    lora_s = scores["lora_grad"][1]["cpu_seconds"] if "lora_grad" in scores else None
    rows = []
    for name, (mat, info) in scores.items():
        row = {"method": name, "label": LABELS.get(name, name), "seconds": info["seconds"],
               "cpu_seconds": info["cpu_seconds"], "cost_vs_lora": info["cpu_seconds"] / lora_s if lora_s else None}
        if len(idx) >= MIN_SUBSETS:
            r = lds(mat, masks, benefit)
            p = partial_lds(mat, masks, benefit, control)
            row.update(lds=r.mean, lo=r.ci_low, hi=r.ci_high, undefined=len(r.undefined),
                       partial=p.mean, plo=p.ci_low, phi=p.ci_high,
                       per_source={s: float(np.nanmean(r.per_case[sources == s])) for s in dict.fromkeys(sources)})
        rows.append(row)
    bank = {"done": len(idx), "planned": cfg["n_subsets"], "fraction": cfg["fraction"], "seed": cfg["subset_seed"],
            "train_s": [r["train_seconds"] for r in recs], "total_s": [r["total_seconds"] for r in recs],
            "steps": sorted({r["steps"] for r in recs}), "full": full, "setting": setting,
            "n_train": len(train_records(setting)), "n_test": len(cases),
            "loss_sd": float(np.mean(losses.std(0))) if len(idx) > 1 else None,
            "tuning_drop": float(np.mean(np.asarray(full["base_losses"]) - full_loss))}
    return rows, bank


def _f(x, fmt="{:.3f}") -> str:
    return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else fmt.format(x)


def render(rows: list[dict], bank: dict, command: str) -> str:
    s: Setting = bank["setting"]
    full = bank["full"]
    tr = bank["train_s"]
    lines = [
        "# LDS bank: linear datamodeling score of the attribution methods",
        "",
        f"Regenerate: `{command}` (resumable; the bank, the full run and each method's scores live under `runs/lds`).",
        "",
        "## Setting",
        "",
        f"- Machine: {machine()}.",
        f"- Model: SmolLM2-135M-Instruct + LoRA (r={s.lora_r}, alpha={2 * s.lora_r}, {'/'.join(s.lora_targets)}), "
        f"AdamW lr {s.lr}, batch {s.batch}, {s.epochs} epoch, max length {s.max_length} tokens, LoRA init and data "
        f"order from seed {s.train_seed} for every model.",
        f"- Training rows: {bank['n_train']} ({s.n_per_source} per demo source: Do-Not-Answer, HarmBench, "
        f"RealToxicityPrompts, false claims, clean instructions; data seed {s.data_seed}). Test cases: "
        f"{bank['n_test']} held-out prompts with their reference responses ({s.n_test_per_source} per source, data "
        f"seed {s.data_seed + 1}, none a training prompt); outcome = each test case's mean response cross-entropy.",
        f"- Bank: {bank['done']} of {bank['planned']} planned retrains on random {bank['fraction']:.0%} subsets "
        f"(subset j = first half of a permutation seeded by ({bank['seed']}, j)); "
        + (f"{'/'.join(map(str, bank['steps']))} optimizer steps each, training {np.median(tr):.0f} s median (min {min(tr):.0f}, max {max(tr):.0f}), "
           f"{np.median(bank['total_s']):.0f} s per retrain with loading and test losses." if tr else "none finished yet.")
        + (f" Wall time of the bank: {bank['wall']}." if bank.get("wall") else ""),
        f"- Full run (all rows, capture on through `ProvenanceCallback`, layers auto): {full['steps']} steps, "
        f"{full['train_seconds']:.0f} s. Fine-tuning lowers the mean test loss by {bank['tuning_drop']:.3f} nats "
        "(base model minus full model)"
        + (f"; across subsets a test case's loss varies by {bank['loss_sd']:.4f} nats (mean standard deviation)."
           if bank["loss_sd"] is not None else "."),
        "- LDS (TRAK, Park et al. 2023): per test case, Spearman over the subsets between the sum of the method's "
        "scores over the rows a subset keeps and the subset model's benefit (full-model loss minus subset-model "
        "loss); mean over test cases; 95 % bootstrap interval over test cases (2,000 resamples). bergson's "
        "`evaluate_retrained` (bergson/validate.py) computes the same statistic on left-out sets "
        "(see benchmarks/lds/README.md).",
        "- LDS beyond source: the same per-test-case rank correlation with the control `same_source` partialled "
        "out (the ranks of the predicted and the actual outcomes each regressed on the ranks of the number of rows "
        "of the test case's own source that the subset keeps; Pearson correlation of the residuals): how much of "
        "a method's LDS the source mix alone does not already explain.",
        "- Cost: CPU seconds of each method's scoring in one process, one thread (test signatures, any re-pass of "
        "the training rows, scoring; bergson's subprocess included), relative to LoRA-gradient's; wall seconds "
        "depend on the other jobs sharing the machine.",
        "",
        "## LDS per method",
        "",
        "| method | LDS | 95 % CI | cases | CPU s | wall s | cost vs LoRA-grad | LDS beyond source [95 % CI] |",
        "| --- | ---: | :---: | ---: | ---: | ---: | ---: | :---: |",
    ]
    order = sorted(rows, key=lambda r: -r.get("lds", -9))
    for r in order:
        cases = bank["n_test"] - r.get("undefined", 0) if "lds" in r else None
        lines.append(f"| {r['label']} | {_f(r.get('lds'))} | [{_f(r.get('lo'))}, {_f(r.get('hi'))}] | "
                     f"{_f(cases, '{}')} | {r['cpu_seconds']:.1f} | {r['seconds']:.1f} | {_f(r['cost_vs_lora'], '{:.2f}x')} | "
                     f"{_f(r.get('partial'))} [{_f(r.get('plo'))}, {_f(r.get('phi'))}] |")
    srcs = list(next((r["per_source"] for r in rows if "per_source" in r), {}) or {})
    if srcs:
        lines += ["", "## LDS per test-case source (mean over its cases)", "",
                  "| method | " + " | ".join(srcs) + " |", "| --- |" + " ---: |" * len(srcs)]
        for r in order:
            if "per_source" in r:
                lines.append(f"| {r['method']} | " + " | ".join(_f(r["per_source"][x]) for x in srcs) + " |")
    lines += ["", f"Rendered {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", ""]
    return "\n".join(lines)


def write_report(out: Path, results: Path, log=print, findings: Path | None = None) -> str:
    rows, bank = compute_table(out)
    # A result file is written when its retrain finishes: its mtime minus its total seconds is when it started.
    spans = [(p.stat().st_mtime - json.loads(p.read_text())["total_seconds"], p.stat().st_mtime)
             for p in (out / "bank").glob("subset_*.json")]
    if spans:
        wall = max(e for _, e in spans) - min(b for b, _ in spans)
        bank["wall"] = f"{wall / 60:.0f} min from the first retrain's start to the last one's end"
    text = render(rows, bank, "make bench-lds")
    notes = findings if findings is not None else results.with_name("findings.md")
    if notes.exists():
        text += "\n" + notes.read_text()
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(text)
    log(f"wrote {results} ({bank['done']} retrains, {len(rows)} methods)")
    return text
