"""RepT's own benchmark datasets, end to end: LoRA-tune SmolLM2-135M-Instruct with capture on, generate on the test
prompts, judge the behaviour, attribute with every method, score as RepT does.

    python -m benchmarks.rept.run --data RepT/datasets --out runs/rept            # every dataset found, every phase
    python -m benchmarks.rept.run --data RepT/datasets --out runs/rept --datasets factual-Canada --phase train
    python -m benchmarks.rept.run --out runs/rept --phase summary --results benchmarks/rept/results.md

``--data`` is a folder in RepT's layout (`provenance.data.rept`): the RepT repository's ``datasets/`` holds
harmful-tuning, backdoor, factual-Ag and factual-Canada. Nothing from it is copied into this repository.

Phases, each recorded in ``OUT/NAME/state.json`` and skipped when done (``all`` runs what is left):

* ``train``: a subsample that keeps the dataset's poison rate, LoRA (r=4, alpha=32, dropout 0.1 on q_proj/v_proj, as
  RepT's finetune.py) with TRL's SFTTrainer and `ProvenanceTrainerCallback` (layers "auto", per-token states at 3/4
  depth); resumes from the newest checkpoint (`benchmarks.rept.train`). CPU reduction by default (`cpu_rows_epochs`:
  enough rows for 100 planted ones, at least 1,000, about 2,000 row-epochs, max length 96); ``--full`` is RepT's
  setting for a GPU (every row, 3 epochs, max length 512, 128 new tokens, every test prompt and answer);
* ``generate``: greedy answers (``--max-new-tokens``) of the tuned model, and of the model before tuning (adapter
  disabled), to the test prompts (at most ``--max-test``, a seeded draw), judged (`benchmarks.rept.judges`; an empty
  answer never counts);
* ``attribute``: the answers that fired are the queries (at most ``--max-queries``, a seeded draw); every method per
  answer and per behaviour (`benchmarks.rept.attribute`); RepT's P@k and top-k auPRC (`benchmarks.rept.metrics`); a
  behaviour that never fired is recorded as "did not take" and not scored;
* ``summary``: ``--results`` rendered from the per-dataset snapshots in ``benchmarks/rept/results/`` (written by the
  attribute phase), so it needs no run folder.

A run folder remembers its settings: rerunning it with other settings is refused (use another ``--out``).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

PHASES = ("train", "generate", "attribute")
SNAPSHOTS = Path(__file__).resolve().parent / "results"


@dataclass
class RunConfig:
    """Settings of one dataset's run (all of them shape the results, so a run folder keeps them fixed)."""

    model: str = "smollm2-135m-instruct"
    rows: int | str | None = "auto"    # subsample size (None: every row; "auto": `cpu_rows_epochs`)
    epochs: int | str = "auto"         # "auto": `cpu_rows_epochs`
    lr: float = 5e-4
    batch: int = 8
    max_length: int = 96
    lora_r: int = 4
    lora_alpha: int = 32
    lora_dropout: float = 0.1
    target_modules: tuple[str, ...] = ("q_proj", "v_proj")
    seed: int = 0
    save_steps: int = 25
    max_test: int | None = 100          # test prompts used (None: all)
    max_new_tokens: int = 64
    max_queries: int | None = 32        # fired answers attributed (a seeded draw; None: all)
    k: int = 100
    lora_grad_dim: int = 1024
    judge: str | None = None            # judge spec overriding the dataset's default
    bergson: bool = True                # bergson 2.5.1 side by side, when its environment exists
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["target_modules"] = list(self.target_modules)
        return d


# CPU reduction: about 2,000 row-epochs at max length 96 (~190k tokens, ~40 single-thread CPU minutes measured with
# capture on), spent on enough rows for 100 planted ones (so a per-behaviour P@100 of 1 is possible) and at least 1,000.
ROW_EPOCHS = 2000
MIN_ROWS = 1000
PLANTED_FOR_P100 = 100
# RepT's full setting (a GPU's): every row, 3 epochs, RepT's max length and generation length, every test prompt.
FULL = {"rows": None, "epochs": 3, "max_length": 512, "max_test": None, "max_new_tokens": 128, "max_queries": None}


def cpu_rows_epochs(n_rows: int, poison_rate: float) -> tuple[int | None, int]:
    """(rows, epochs) of the CPU reduction for a dataset of ``n_rows`` at ``poison_rate`` (rows None: all of them)."""
    rows = max(MIN_ROWS, int(np.ceil(PLANTED_FOR_P100 / poison_rate - 1e-9)))
    rows = None if rows >= n_rows else rows
    epochs = max(1, ROW_EPOCHS // (rows or n_rows))
    return rows, epochs


def resolve(cfg: RunConfig, dataset) -> RunConfig:
    """``cfg`` with "auto" rows / epochs replaced by the CPU reduction's values for ``dataset``."""
    rows, epochs = cpu_rows_epochs(len(dataset), dataset.poison_rate)
    return replace(cfg, rows=rows if cfg.rows == "auto" else cfg.rows,
                   epochs=epochs if cfg.epochs == "auto" else cfg.epochs)


# ---- state ---------------------------------------------------------------------------------------------------

def load_state(run_dir: Path) -> dict:
    path = run_dir / "state.json"
    return json.loads(path.read_text()) if path.exists() else {}


def save_state(run_dir: Path, state: dict) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    tmp = run_dir / "state.json.tmp"
    tmp.write_text(json.dumps(state, indent=2, default=str))
    os.replace(tmp, run_dir / "state.json")


def check_config(run_dir: Path, state: dict, cfg: dict) -> None:
    """Refuse to continue a run folder made with other settings."""
    old = state.get("config")
    if old is not None and old != cfg:
        diff = {k: (old.get(k), cfg.get(k)) for k in set(old) | set(cfg) if old.get(k) != cfg.get(k)}
        raise SystemExit(f"{run_dir} was made with other settings {diff} (stored, asked): rerun with the stored "
                         f"settings or choose another --out")


def machine() -> dict:
    import torch

    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "cuda": torch.cuda.is_available(), "python": platform.python_version(), "torch": torch.__version__}


# ---- phases --------------------------------------------------------------------------------------------------

def chosen_test_prompts(dataset, cfg: RunConfig) -> list[int]:
    """Indices of the test prompts used: all, or a seeded draw of ``max_test`` (kept in file order)."""
    n = len(dataset.test_prompts)
    if cfg.max_test is None or cfg.max_test >= n:
        return list(range(n))
    return sorted(np.random.default_rng(cfg.seed).choice(n, cfg.max_test, replace=False).tolist())


def phase_train(dataset, run_dir: Path, cfg: RunConfig, state: dict) -> None:
    from benchmarks.rept.train import train

    sub = dataset if cfg.rows is None or cfg.rows >= len(dataset) else dataset.subsample(cfg.rows, cfg.seed)
    state["data"] = {"rows_on_disk": len(dataset), "poison_on_disk": int(dataset.poisoned.sum()),
                     "rows": len(sub), "poison": int(sub.poisoned.sum()), "poison_rate": sub.poison_rate,
                     "poison_labels": list(dataset.poison_labels), "test_prompts_on_disk": len(dataset.test_prompts)}
    state["train"] = train(sub, run_dir, cfg.as_dict())


def phase_generate(dataset, run_dir: Path, cfg: RunConfig, state: dict) -> None:
    from benchmarks.rept.judges import judge_for
    from benchmarks.rept.train import load_final
    from provenance.attribution.query import greedy_responses

    judge = judge_for(dataset, cfg.judge)
    picked = chosen_test_prompts(dataset, cfg)
    prompts = [dataset.test_prompts[i] for i in picked]
    model, tok = load_final(cfg.model, run_dir)
    t0 = time.time()
    tuned = greedy_responses(model, tok, prompts, max_new_tokens=cfg.max_new_tokens, batch=16)
    with model.disable_adapter():
        base = greedy_responses(model, tok, prompts, max_new_tokens=cfg.max_new_tokens, batch=16)
    # An empty answer shows no behaviour, whatever the judge says (there is nothing to attribute).
    fired = [bool(g.strip()) and judge(p, g) for p, g in zip(prompts, tuned)]
    fired_base = [bool(g.strip()) and judge(p, g) for p, g in zip(prompts, base)]
    labels = [dataset.test_labels[i] for i in picked] if dataset.test_labels else None
    (run_dir / "generations.json").write_text(json.dumps(
        {"test_index": picked, "prompts": prompts, "labels": labels, "tuned": tuned, "base": base,
         "fired": fired, "fired_base": fired_base}, indent=1))
    state["generate"] = {"seconds": round(time.time() - t0, 1), "judge": judge.description, "n": len(prompts),
                         "fired": int(sum(fired)), "rate": float(np.mean(fired)),
                         "empty": sum(not g.strip() for g in tuned),
                         "base_fired": int(sum(fired_base)), "base_rate": float(np.mean(fired_base))}
    print(f"[{dataset.name}] behaviour rate {state['generate']['rate']:.2f} ({sum(fired)}/{len(prompts)}), "
          f"before tuning {state['generate']['base_rate']:.2f}", flush=True)


def phase_attribute(dataset, run_dir: Path, cfg: RunConfig, state: dict, skip_methods: tuple[str, ...] = (),
                    only_methods: tuple[str, ...] = (), rescore: bool = False) -> None:
    """Every method on the answers that fired; ``skip_methods`` (keys of `benchmarks.rept.attribute.methods`, or
    ``bergson``) are left out and listed as not run (a run that must end within a session's CPU time).
    ``only_methods``: score just these (methods an earlier attribute phase skipped) and merge their rows into it.
    ``rescore``: score the default and ``only_methods`` again with the current code and replace their rows (the
    project default moved since the attribute phase; the costly methods' rows stay)."""
    from benchmarks.rept.attribute import BergsonMethod, attribute, bergson_status, cost_ratios, store_summary
    from benchmarks.rept.train import load_final
    from provenance.attribution import Attributor, TestCase
    from provenance.store import open_store

    gens = json.loads((run_dir / "generations.json").read_text())
    fired = [i for i, f in enumerate(gens["fired"]) if f]
    state["store"] = store_summary(run_dir / "store.zarr")
    if not fired:
        state["attribute"] = {"status": "did not take", "rows": []}
        print(f"[{dataset.name}] the behaviour never fired on {len(gens['fired'])} test prompts: did not take, "
              "nothing scored", flush=True)
        return
    poison = set(dataset.poison_labels)
    labels = gens.get("labels")
    if cfg.max_queries is not None and len(fired) > cfg.max_queries:
        fired = sorted(np.random.default_rng(cfg.seed).choice(fired, cfg.max_queries, replace=False).tolist())
    cases = [TestCase(gens["prompts"][i], gens["tuned"][i], name=f"answer{i}") for i in fired]
    # RepT's relevance: a training row counts when its label is the query's (the test CSV's label when it names a
    # planted label, else any planted label).
    query_labels = [({labels[i]} & poison) or poison if labels else poison for i in fired]
    model, tok = load_final(cfg.model, run_dir)
    att = Attributor(open_store(str(run_dir / "store.zarr")), model, tok)
    extra = []
    bergson = bergson_status(cfg.model) if cfg.bergson else "not run: --no-bergson"
    if bergson is None and "bergson" not in skip_methods and (not only_methods or "bergson" in only_methods):
        extra.append(("bergson", BergsonMethod(run_dir / "adapter", workdir=run_dir / "bergson")))
    t0 = time.time()
    new_behaviour = [not gens["fired_base"][i] for i in fired]
    rows, sig_seconds = attribute(att, cases, query_labels, k=cfg.k, lora_dim=cfg.lora_grad_dim, extra_methods=extra,
                                  new_behaviour=new_behaviour, rankings_dir=run_dir / "rankings",
                                  skip=skip_methods, only=only_methods or None)
    if rescore:
        earlier = state["attribute"]
        replaced = {"default", *only_methods}
        before = _per_answer(earlier["rows"], "default")
        gauge = {"before": (_per_answer(earlier["rows"], GAUGE) or {}).get("seconds"),
                 "after": (_per_answer(rows, GAUGE) or {}).get("seconds")}
        new = {(r["granularity"], r["key"]): r for r in rows if r["key"] in replaced}
        # In place, so the tables keep their order; rows the earlier process did not have (a granularity it did not
        # score) come last.
        kept = [new.pop((r["granularity"], r["key"]), r) if r["key"] in replaced else r for r in earlier["rows"]]
        earlier["rows"] = kept + list(new.values())
        earlier.setdefault("rescored", []).append({
            "methods": ["default", *only_methods], "commit": git_commit(), "date": time.strftime("%Y-%m-%d"),
            "seconds": round(time.time() - t0, 1), "default_before": before, "gauge": {GAUGE: gauge}})
        cost_ratios(earlier["rows"])
        return
    if only_methods:
        earlier = state["attribute"]
        earlier["rows"] = [r for r in earlier["rows"] if r["key"] not in only_methods] + \
            [r for r in rows if r["key"] in only_methods]
        earlier["not_run"] = sorted(set(earlier.get("not_run", ())) - set(only_methods))
        earlier["added_later"] = sorted(set(earlier.get("added_later", ())) | set(only_methods))
        # The default is scored again in every process: its per-answer seconds there, next to the attribute phase's,
        # show how busy the shared machine was when the added methods' seconds were measured.
        earlier.setdefault("later_processes", []).append({
            "methods": list(only_methods),
            "default_seconds": next(r["seconds"] for r in rows if r["key"] == "default"
                                    and r["granularity"] == "per answer")})
        if "bergson" in only_methods:
            earlier["bergson"] = bergson or "run (cosine of LoRA gradients, final model)"
        cost_ratios(earlier["rows"])
        return
    cost_ratios(rows)
    state["attribute"] = {"status": "scored", "seconds": round(time.time() - t0, 1), "queries": len(cases),
                          "queries_fired_only_after_tuning": int(sum(new_behaviour)),
                          "fired": int(sum(gens["fired"])), "test_signature_seconds": round(sig_seconds, 2),
                          "bergson": bergson or ("not run: --skip-methods" if "bergson" in skip_methods
                                                 else "run (cosine of LoRA gradients, final model)"),
                          "not_run": sorted(skip_methods), "rows": rows}


# A rescore's load gauge: a method whose code did not move with the default, timed in both processes, so that seconds
# measured on a busier machine can be read against the earlier ones.
GAUGE = "h_fused"


def _per_answer(rows: list[dict], key: str) -> dict | None:
    """What ``key`` ranked by per answer, and its seconds, in ``rows`` (None when it was not scored)."""
    row = next((r for r in rows if r["key"] == key and r["granularity"] == "per answer"), None)
    return None if row is None else {"method": row["method"], "seconds": row["seconds"]}


def git_commit() -> str | None:
    """The commit of the code that scores (a rescore names it: its rows come from other code than the run's)."""
    import subprocess

    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parent, check=True).stdout.strip() or None
    except (OSError, subprocess.CalledProcessError):
        return None


def snapshot(name: str, state: dict) -> dict:
    """What the results file reads of a run (written to ``benchmarks/rept/results/NAME.json``)."""
    return {"dataset": name, **{k: state.get(k) for k in ("config", "machine", "data", "train", "generate", "store",
                                                           "attribute", "command")}}


def run_dataset(dataset, out: Path, cfg: RunConfig, phases=PHASES, *, snapshots: Path | None = SNAPSHOTS,
                command: str | None = None, skip_methods: tuple[str, ...] = (),
                add_methods: tuple[str, ...] = (), rescore: bool = False) -> dict:
    """Run (or continue) the phases of one dataset; returns its state. ``snapshots``: where to write its snapshot;
    ``skip_methods``: methods the attribute phase leaves out (not part of the run's settings: said in the results);
    ``add_methods``: methods to score after the attribute phase is done (those it skipped), merged into its rows;
    ``rescore``: once the attribute phase is done, score the default and every method that reads the store
    (`RESCORED`) again with the current code and replace their rows."""
    run_dir = out / dataset.name
    cfg = resolve(cfg, dataset)
    state = load_state(run_dir)
    check_config(run_dir, state, cfg.as_dict())
    state["config"] = cfg.as_dict()
    state.setdefault("machine", machine())
    if command and (add_methods or rescore) and state.get("command") and "attribute" in state.get("done", ()):
        state["command"] += f"; then {command}"      # the run's own command, and the one that added methods to it
    elif command:
        state["command"] = command
    done = state.setdefault("done", [])
    save_state(run_dir, state)   # the settings, before any phase: a run in progress is visible and keeps them
    steps = {"train": phase_train, "generate": phase_generate,
             "attribute": lambda *a: phase_attribute(*a, skip_methods=tuple(skip_methods))}
    for phase in PHASES:
        if phase not in phases or phase in done:
            continue
        missing = [p for p in PHASES[: PHASES.index(phase)] if p not in done]
        if missing:
            raise SystemExit(f"[{dataset.name}] phase {phase!r} needs {missing} first (run --phase {missing[0]})")
        steps[phase](dataset, run_dir, cfg, state)
        done.append(phase)
        save_state(run_dir, state)
    todo = tuple(m for m in add_methods if m in (state.get("attribute") or {}).get("not_run", ()))
    if todo and "attribute" in done:
        phase_attribute(dataset, run_dir, cfg, state, only_methods=todo)
        save_state(run_dir, state)
    if rescore and "attribute" in done and state["attribute"].get("status") == "scored":
        phase_attribute(dataset, run_dir, cfg, state, only_methods=RESCORED, rescore=True)
        save_state(run_dir, state)
    if snapshots is not None and "attribute" in done:
        snapshots.mkdir(parents=True, exist_ok=True)
        (snapshots / f"{dataset.name}.json").write_text(json.dumps(snapshot(dataset.name, state), indent=1,
                                                                   default=str))
    return state


# Keys `--skip-methods` accepts: the methods whose training side re-passes every training row.
SKIPPABLE = ("rept", "lora-grad", "bergson")
# Keys `--rescore` scores again (besides the default): the methods that read the store, in seconds each; the
# costly ones above keep their rows, since their code did not move with the project default.
RESCORED = ("auto", "h_fused", "grad-kernel", "tfidf", "tfidf (prompt+response)", "bm25", "bm25 (prompt+response)")


# ---- CLI -----------------------------------------------------------------------------------------------------

def parse_judges(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, spec = item.partition("=")
        if not sep or not name or not spec:
            raise SystemExit(f"--judge takes NAME=SPEC (e.g. backdoor=contains:TEXT), got {item!r}")
        out[name] = spec
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, help="folder in RepT's layout (e.g. a clone's RepT/datasets)")
    p.add_argument("--out", type=Path, default=Path("runs/rept"))
    p.add_argument("--datasets", nargs="*", help="dataset names (default: every one in --data)")
    p.add_argument("--phase", default="all", choices=("all", *PHASES, "summary"))
    p.add_argument("--results", type=Path, default=Path("benchmarks/rept/results.md"))
    p.add_argument("--snapshots", type=Path, default=SNAPSHOTS, help="where the per-dataset snapshots go (and are read)")
    p.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    p.add_argument("--model", default=RunConfig.model)
    p.add_argument("--rows", type=int, default=None, help="subsample size (0: every row; default: the CPU reduction)")
    p.add_argument("--epochs", type=int, default=None, help="default: the CPU reduction")
    p.add_argument("--full", action="store_true", help=f"RepT's full setting (for a GPU): {FULL}")
    p.add_argument("--lr", type=float, default=RunConfig.lr)
    p.add_argument("--batch", type=int, default=RunConfig.batch)
    p.add_argument("--max-length", type=int, default=RunConfig.max_length)
    p.add_argument("--seed", type=int, default=RunConfig.seed)
    p.add_argument("--save-steps", type=int, default=RunConfig.save_steps)
    p.add_argument("--max-test", type=int, default=RunConfig.max_test, help="test prompts used (0: all)")
    p.add_argument("--max-new-tokens", type=int, default=RunConfig.max_new_tokens)
    p.add_argument("--max-queries", type=int, default=RunConfig.max_queries, help="fired answers attributed (0: all)")
    p.add_argument("--k", type=int, default=RunConfig.k)
    p.add_argument("--no-bergson", action="store_true", help="leave bergson out")
    p.add_argument("--skip-methods", nargs="*", default=[], choices=SKIPPABLE,
                   help="methods the attribute phase leaves out, listed in the results as not run (the costly "
                        "ones re-pass every training row: rept, lora-grad, bergson)")
    p.add_argument("--add-methods", nargs="*", default=[], choices=SKIPPABLE,
                   help="score methods an earlier attribute phase skipped and merge them into its results")
    p.add_argument("--rescore", action="store_true",
                   help="on a finished run, score the default and the methods that read the store again with the "
                        "current code (the project default moved) and replace their rows; rept, lora-grad and "
                        "bergson keep theirs")
    p.add_argument("--judge", action="append", default=[], help="NAME=SPEC: compliance, refusal or contains:TEXT")
    args = p.parse_args(argv)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if args.phase != "summary":
        from provenance.data.rept import read_rept_folder

        if args.data is None:
            raise SystemExit("--data FOLDER is required (a folder in RepT's layout, e.g. RepT/datasets)")
        datasets = read_rept_folder(args.data, args.datasets or None)
        judges = parse_judges(args.judge)
        command = "python -m benchmarks.rept.run " + " ".join(argv if argv is not None else __import__("sys").argv[1:])
        for ds in datasets:
            cfg = RunConfig(model=args.model, rows="auto" if args.rows is None else args.rows or None,
                            epochs="auto" if args.epochs is None else args.epochs, lr=args.lr, batch=args.batch,
                            max_length=args.max_length, seed=args.seed, save_steps=args.save_steps,
                            max_test=args.max_test or None, max_new_tokens=args.max_new_tokens,
                            max_queries=args.max_queries or None, k=args.k, judge=judges.get(ds.name),
                            bergson=not args.no_bergson)
            if args.full:
                cfg = replace(cfg, **FULL)
            phases = PHASES if args.phase == "all" else (args.phase,)
            run_dataset(ds, args.out, cfg, phases, snapshots=args.snapshots, command=command,
                        skip_methods=tuple(args.skip_methods), add_methods=tuple(args.add_methods),
                        rescore=args.rescore)
    if args.phase in ("all", "summary"):
        from benchmarks.rept.report import write_results

        write_results(args.snapshots, args.results, args.out)


if __name__ == "__main__":
    main()
