"""`make gpu-check`: capture on a CUDA GPU in one command; results to a JSON file and its Markdown rendering.

(a) the capture exactness tests on the GPU in fp32 and under bf16 autocast; (b) the step-time ratio with / without
`ProvenanceTrainerCallback` on a random-initialised ~1B Llama-style model and on SmolLM2-135M, bf16, LoRA and full
fine-tuning; (c) the bytes capture brings to the host per step and the store writer's lag. See README.md here.

    python -m benchmarks.gpu_check.run                  # on a machine with a CUDA GPU (about 3-5 minutes on an H200)
    python -m benchmarks.gpu_check.run --smoke          # CPU, tiny model, a few steps: checks the script itself

Exit status 0 when every part ran and the exactness tests passed, 1 otherwise (the results file is written either way).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import sys
import time
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
RATIO_GOAL = 1.05
GOAL_MODEL = "llama-1b"
# The smoke mode's exactness subset: one exactness case (right padding, plain llama) and the skip test; seconds.
SMOKE_SELECT = "test_batched_capture_matches_batch_size_one and right and False and llama or forward_without_backward"


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.gpu_check.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--smoke", action="store_true", help="CPU, tiny model, a few steps: checks the script, measures nothing")
    p.add_argument("--out", type=Path, default=None,
                   help="results JSON (default benchmarks/gpu_check/results-<device>.json); the .md goes beside it")
    p.add_argument("--device", default=None, help="cuda or cuda:N (default cuda; --smoke: cpu)")
    p.add_argument("--parts", nargs="+", choices=("exactness", "overhead"), default=["exactness", "overhead"])
    p.add_argument("--models", nargs="+", choices=("llama-1b", "smollm2-135m", "tiny-llama"), default=None,
                   help="overhead models (default llama-1b smollm2-135m; --smoke: tiny-llama)")
    p.add_argument("--tunings", nargs="+", choices=("lora", "full"), default=["lora", "full"])
    p.add_argument("--dtype", choices=("bf16", "fp32"), default=None,
                   help="the models' parameter dtype; bf16 also turns on the Trainer's bf16 autocast (default bf16; "
                        "--smoke: fp32)")
    p.add_argument("--batch-size", type=int, default=None, help="rows per step (default 8; --smoke: 2)")
    p.add_argument("--seq-len", type=int, default=None, help="tokens per row (default 512; --smoke: 16)")
    p.add_argument("--warmup", type=int, default=None, help="untimed steps per trial (default 3; --smoke: 1)")
    p.add_argument("--steps", type=int, default=None, help="timed steps per trial (default 10; --smoke: 2)")
    p.add_argument("--repeats", type=int, default=None, help="with/without pairs per case (default 3; --smoke: 2)")
    p.add_argument("--budget-s", type=float, default=420.0,
                   help="no overhead case starts after this many seconds of the run (default 420: make gpu-check "
                        "stays within 8 minutes); the cases left are recorded as not run")
    args = p.parse_args(argv)
    smoke = args.smoke
    defaults = {"device": "cpu" if smoke else "cuda", "dtype": "fp32" if smoke else "bf16", "models": ["tiny-llama"] if smoke else ["llama-1b", "smollm2-135m"],
                "batch_size": 2 if smoke else 8, "seq_len": 16 if smoke else 512, "warmup": 1 if smoke else 3,
                "steps": 2 if smoke else 10, "repeats": 2 if smoke else 3}
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if not args.budget_s > 0:
        p.error(f"--budget-s must be positive, got {args.budget_s}")
    for name in ("batch_size", "seq_len", "warmup", "steps", "repeats"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    try:
        args.device = torch.device(args.device)
    except RuntimeError:
        p.error(f"--device {args.device!r} is not a device: use cuda, cuda:N (or cpu with --smoke)")
    if not smoke and args.device.type != "cuda":
        p.error(f"--device {args.device} is not a CUDA device: the GPU check runs on cuda or cuda:N; for a run on "
                "the CPU use --smoke")
    if args.device.type == "cuda" and not torch.cuda.is_available():
        p.error("no CUDA GPU is available (torch.cuda.is_available() is False; torch "
                f"{torch.__version__}, CUDA build {torch.version.cuda or 'none'}): run on a machine with a GPU and a "
                "CUDA build of torch, or use --smoke for the CPU smoke mode")
    return args


def environment(device: torch.device) -> dict:
    import peft
    import transformers

    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    return {"device": str(device), "device_name": name, "torch": torch.__version__, "cuda": torch.version.cuda,
            "transformers": transformers.__version__, "peft": peft.__version__, "python": sys.version.split()[0],
            "cpu_count": os.cpu_count()}


def default_out(env: dict, smoke: bool) -> Path:
    slug = "cpu-smoke" if smoke else re.sub(r"[^a-z0-9]+", "-", env["device_name"].lower()).strip("-")
    return HERE / f"results-{slug}.json"


def goal(overhead: list[dict]) -> dict:
    ratios = [c["ratio"] for c in overhead if c.get("model") == GOAL_MODEL and "ratio" in c]
    worst = max(ratios) if ratios else None
    return {"model": GOAL_MODEL, "ratio_max": RATIO_GOAL, "worst_ratio": worst,
            "met": None if worst is None else worst <= RATIO_GOAL}


def main(argv=None) -> int:
    from benchmarks.gpu_check.exactness import run_exactness
    from benchmarks.gpu_check.models import ModelUnavailable
    from benchmarks.gpu_check.overhead import CaseSpec, measure_case
    from benchmarks.gpu_check.report import render

    args = parse_args(argv)
    t_start = time.perf_counter()
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    env = environment(args.device)
    out = args.out or default_out(env, args.smoke)
    print(f"gpu-check on {env['device_name']} ({args.device}), {'smoke' if args.smoke else 'full'} mode", flush=True)
    exactness, overhead, complete = [], [], True
    if "exactness" in args.parts:
        exactness = run_exactness(str(args.device), ("fp32", "bf16"), select=SMOKE_SELECT if args.smoke else None)
        for result in exactness:
            precision = result["precision"]
            print(f"(a) exactness {args.device} {precision}: {result['passed']} passed, {result['failed']} failed, "
                  f"{result['errors']} errors, {result['skipped']} skipped ({result['seconds']:.0f} s)", flush=True)
            for failure in result["failures"]:
                print(f"    {failure}", flush=True)
    if "overhead" in args.parts:
        dtype = {"bf16": torch.bfloat16, "fp32": torch.float32}[args.dtype]
        for model in args.models:
            for tuning in args.tunings:
                spec = CaseSpec(model=model, tuning=tuning, batch_size=args.batch_size, seq_len=args.seq_len,
                                warmup=args.warmup, steps=args.steps, repeats=args.repeats)
                print(f"(b) {model} {tuning}:", flush=True)
                used = time.perf_counter() - t_start
                if used > args.budget_s:
                    reason = f"not started: the run had used {used:.0f} s of its {args.budget_s:g} s budget (--budget-s)"
                    overhead.append({"model": model, "tuning": tuning, "skipped": reason})
                    complete = False
                    print(f"    {reason}", flush=True)
                    continue
                try:
                    case = measure_case(spec, args.device, dtype, log=lambda line: print(line, flush=True))
                except ModelUnavailable as err:
                    overhead.append({"model": model, "tuning": tuning, "skipped": f"not run: {err}"})
                    complete = False
                    print(f"    not run: {err}", flush=True)
                    continue
                overhead.append(case)
                lag = case["writer_pickup_lag_ms"]["median"]
                print(f"    ratio {case['ratio']:.3f}; host {case['host_async_bytes_per_step']:.0f} B async + "
                      f"{case['host_blocking_bytes_per_step']:.0f} B blocking per step; writer pickup lag median "
                      f"{'-' if lag is None else f'{lag:.1f}'} ms ({case['seconds']:.0f} s)", flush=True)
    passed = all(e["failed"] == 0 and e["errors"] == 0 and e["passed"] > 0 for e in exactness)
    results = {
        "schema": 1, "mode": "smoke" if args.smoke else "full", "started_utc": started,
        "command": "python -m benchmarks.gpu_check.run " + " ".join(sys.argv[1:] if argv is None else argv),
        "environment": env, "parts": list(args.parts), "exactness": exactness, "overhead": overhead,
        "goal": goal(overhead), "wall_s": time.perf_counter() - t_start,
    }
    results["ok"] = bool(complete and passed and len(exactness) == 2 * ("exactness" in args.parts))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    out.with_suffix(".md").write_text(render(results))
    print(f"results: {out} and {out.with_suffix('.md')} ({results['wall_s']:.0f} s); ok={results['ok']}", flush=True)
    return 0 if results["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
