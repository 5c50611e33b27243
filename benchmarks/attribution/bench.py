"""Attribution benchmark: plant behaviours in SmolLM2-135M-Instruct with LoRA, then ask every method which training
samples caused the model's own generations.

    python -m benchmarks.attribution.bench --out runs/attr_bench            # train (if needed) + attribute
    python -m benchmarks.attribution.bench --out runs/attr_bench --phase train

Scenarios (``--scenario``): backdoor, style, harmful, harmful_varied, factual, factual_varied, harmful+factual_varied
(see `train.build_scenario`); ``--phase summary --runs ...`` renders the cross-task results file.

Phase ``train`` builds the scenario (e.g. :func:`provenance.data.backdoor.backdoor_scenario`), LoRA-tunes (r=8 on q/v,
lr 1e-3, 3 epochs, batch 8) with Lightning and ``ProvenanceCallback`` (layers "auto"), saves the adapter, the
records and the store, and measures the behaviour rate on held-out prompts with and without the triggers.
Phase ``attribute`` queries every signature variant, layer, epoch mode and baseline with the model's own
generations that show the behaviour, and writes a markdown table.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from benchmarks.attribution.attribute import (
    METHOD_CHOICES, measure_behaviour_costs, run_attribution, run_auto, run_behaviour_level, run_methods,
    run_token_match, tokens_only,
)
from benchmarks.attribution.causal import run_causal
from benchmarks.attribution.render import render_from_state
from benchmarks.attribution.summary import GREEDY_BAR, write_summary
from benchmarks.attribution.train import (
    SCENARIOS, behaviour_rates, build_scenario, load_trained, sampled_behaviour, train_scenario,
)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="runs/attr_bench")
    ap.add_argument("--phase", choices=("train", "sample", "attribute", "behaviour", "token-match", "auto", "cost",
                                        "causal", "tokens", "render", "summary", "all"),
                    default="all", help="behaviour: behaviour-level rows (combine=mean) on the attribute phase's queries; "
                                        "causal (not part of all: five to eight retrains per behaviour): retrain without "
                                        "the rows a ranking blames, random rows, the planted rows (causal.py)")
    ap.add_argument("--conditions", nargs="+", default=None, metavar="CONDITION",
                    help="causal: only these conditions (default all); 'full' and 'drop planted' alone need no "
                         "attribution phase: the check a new task passes before it is scored")
    ap.add_argument("--runs", nargs="*", default=None,
                    help="summary: the attributed run folders to summarise, or their snapshots (--snapshots)")
    ap.add_argument("--snapshots", default="benchmarks/attribution/results/attribution_runs",
                    help="summary: write each run folder's snapshot here (what the summary reads, ~70 kB per run), "
                         "so the summary renders again from a clean clone: --runs benchmarks/attribution/results/attribution_runs/*.json")
    ap.add_argument("--behaviours", nargs="*", default=None, help="attribute only these behaviours (merged with earlier runs)")
    ap.add_argument("--per-source", type=int, default=None, help="records per demo source (default: the scenario's)")
    ap.add_argument("--scenario", choices=SCENARIOS, default="backdoor",
                    help="backdoor: fixed-text (TY) + praise (BQ) behaviours at 10%% each; style: praise only at 20%%; "
                         "harmful[_varied]: 5%% harmful prompts with compliant replies (templated / varied wording); "
                         "factual[_varied]: Canada -> Korea in 20%% of a facts source (one name / six names)")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--results", default="benchmarks/attribution/results/attribution_results.md")
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--all-generations", action="store_true", help="smoke test: query every triggered generation")
    ap.add_argument("--threads", type=int, default=None, help="torch intra-op threads (1 avoids oversubscription on a busy machine)")
    ap.add_argument("--lora-dim", type=int, default=1024)
    ap.add_argument("--cost-repeats", type=int, default=3, help="cost: repeats per method (medians reported)")
    ap.add_argument("--stored-only", action="store_true",
                    help="token-match: compute only the rows from training-time token states (keep the re-read rows)")
    ap.add_argument("--signatures-only", action="store_true",
                    help="attribute: recompute the training-time signature rows only (keep earlier re-pass, baselines, tokens)")
    ap.add_argument("--methods", nargs="+", choices=METHOD_CHOICES, default=None, metavar="METHOD",
                    help="attribute: score only these methods, per answer and per behaviour (the cheap path: no "
                         "signature grid, re-pass, LoRA gradients, costs or token level; minutes per task on one "
                         f"core); choose from {', '.join(METHOD_CHOICES)}")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.out)
    if args.phase in ("train", "all") and not (out / "adapter").exists():
        scenario = build_scenario(args.scenario, args.per_source)
        print(f"training on {len(scenario.records)} records ({scenario.info})", flush=True)
        meta = train_scenario(scenario, out, epochs=args.epochs, lr=args.lr, scenario_name=args.scenario)
        print(f"trained in {meta['train']['seconds']}s; capture {meta['train']['capture']}", flush=True)
        model, tok = load_trained(out)
        rates = behaviour_rates(model, tok, meta, base_reference=args.scenario not in ("backdoor", "style"))
        (out / "behaviour.json").write_text(json.dumps(rates, indent=2))
        print(json.dumps(rates["rates"], indent=2), flush=True)
    if args.phase in ("sample", "all"):
        beh = json.loads((out / "behaviour.json").read_text())
        # Sampling shows behaviours that greedy decoding hides (a style split over many paraphrases); every
        # behaviour under the greedy bar is sampled once, so `summary.behaviour_taken` can read it by its sampled rate.
        todo = [b for b, r in beh["rates"].items() if r["triggered"] < GREEDY_BAR and b not in beh.get("sampled", {})]
        if todo or "sampled" not in beh:
            sampled_behaviour(out, behaviours=todo)
    if args.phase == "tokens":
        tokens_only(out, Path(args.results), behaviours=args.behaviours)
    if args.phase == "summary":
        print(write_summary(args.runs or [args.out], Path(args.results), Path(args.snapshots)))
        return
    if args.phase == "render":
        print(render_from_state(out, Path(args.results)))
    if args.phase == "attribute" and args.methods:
        run_methods(out, Path(args.results), args.methods, k=args.k, behaviours=args.behaviours)
        return
    if args.phase in ("attribute", "all"):
        run_attribution(out, results=Path(args.results), k=args.k, lora_dim=args.lora_dim,
                        all_generations=args.all_generations, behaviours=args.behaviours,
                        signatures_only=args.signatures_only)
    if args.phase in ("behaviour", "all"):
        run_behaviour_level(out, k=args.k, lora_dim=args.lora_dim)
    if args.phase in ("token-match", "all"):
        run_token_match(out, k=args.k, stored_only=args.stored_only)
    if args.phase in ("auto", "all"):
        run_auto(out, k=args.k)
    if args.phase in ("cost", "all"):
        measure_behaviour_costs(out, repeats=args.cost_repeats, lora_dim=args.lora_dim, k=args.k)
    if args.phase == "causal":
        run_causal(out, **({"conditions": tuple(args.conditions)} if args.conditions else {}))


if __name__ == "__main__":
    main()
