"""How the automatic choice depends on its settings, on the benchmark runs' own queries.

    python -m benchmarks.attribution.auto_sensitivity --runs runs/attr_bench runs/attr_style ... \
        --out benchmarks/attribution/results/auto_sensitivity.md

For every queried behaviour of every run, the signature default and token match rank once (as `AutoMethod` does);
then, for each setting of seed rows (seed_k), band, classifier C and coherence threshold, token match's ranking is
refined as `AutoMethod` refines it: the seed classifier (`refine_ranking`) joined by the signature and token match
(`fuse_refinement`, the default ``refine_fusion="z"``), and, for comparison, the classifier alone (``"replace"``,
the default before candidate 13); and for each overlap threshold (and top-k compared) the rule picks token match's
branch or the signature's. The script's default setting is checked against `AutoMethod` itself on every query. P@n per task and the minimum over the tasks that count (`counted_status`) are
written as a Markdown table, with a JSON of every number beside it, and a count, for each constant, of the tasks
whose P@n changes when it moves one grid step either way from the default. Needs the runs' stores and adapters
(runs/ from `make bench-attribution`). A run whose folder is gone is read from its snapshot
(``--snapshots``) for its name and status only; it may not be a task that counts.

The token layer (22 of 30) is not varied: the stores hold per-token states at that layer only, so another layer
needs a re-capture of every run.
"""
from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np
import torch

from benchmarks.attribution.default_choice import NOT_COUNTED, TASKS
from benchmarks.attribution.attribute import behaviour_queries
from benchmarks.attribution.state import attributor_of, queried_behaviours
from benchmarks.attribution.summary import TASK_NAMES, load_tasks, task_status
from provenance.attribution.auto_choice import (
    AGREE_K, BAND, BEHAVIOUR_VARIANT, MIN_COHERENCE, MIN_OVERLAP, REFINE_C, REFINE_FUSION, REFINE_FUSIONS, SEED_K,
    AutoMethod, fuse_refinement, top_overlap,
)
from provenance.attribution.method import Ranking
from provenance.attribution.metrics import precision_at
from provenance.attribution.query import SignatureMethod
from provenance.attribution.seed_refine import refine_ranking, seed_coherence
from provenance.attribution.token_match import TokenMatchMethod, default_token_layer
from provenance.attribution.topk import select_rows

# Each grid is centred on `AutoMethod`'s default, one step either way (checked in `main`).
SEED_KS, BANDS, CS, THRESHOLDS = (5, 10, 15), (60, 100, 150), (1.0, 10.0, 100.0), (0.45, 0.5, 0.55)
OVERLAPS, AGREE_KS = (0.2, 0.3, 0.4), (5, 10, 20)
# The refinement's h_mean layer (coherence and classifier feature; token match itself stays at the token layer):
# the captured layers either side of the token layer.
TOKEN_LAYER = 22   # default_token_layer of the benchmark's model (30 layers); checked per run in `measure`
REFINE_LAYERS = (15, TOKEN_LAYER, 29)
# Names of the issue-19 tasks (summary.TASK_NAMES has the older ones); a scenario in neither keeps scenario/behaviour.
NEW_TASK_NAMES = {
    ("template_swap", "template_swap"): "entity swap in a shared template (Sydney)",
    ("confusable", "confusable"): "confusable rows (trigger -> French vs translations)",
    ("persona", "persona"): "persona, pirate voice without fixed wording",
    ("two_sources", "two_sources"): "two sources teach a product plug (one planted)",
}
# P@n moves in steps of 1/n >= 1/40 on the benchmark; smaller differences are float noise.
CHANGED = 1e-6


def p_at_n(att, rows: np.ndarray, culprits: set) -> float:
    ids = att.samples["sample_id"].to_numpy()[rows[rows >= 0]]
    return precision_at(np.array([[int(i) in culprits for i in ids]]), len(culprits))


def run_queries(run: Path):
    """(behaviour, test cases, culprit ids) of ``run``: the queries its attribution phase ran, or, on a run retrained
    without one (no attribution_state.json), the same queries built as that phase builds them (`behaviour_queries`)."""
    if (run / "attribution_state.json").exists():
        yield from queried_behaviours(run)
        return
    for behaviour, cases, _, culprits in behaviour_queries(run):
        yield behaviour, cases, {int(c) for c in culprits}


def run_tasks(run: Path, source: Path, scenario: str) -> dict[str, dict]:
    """behaviour -> the task record `counted_status` and `task_label` read: the run's summary (`load_tasks`) where
    its attribution phase ran or its snapshot stands in, else, for a retrained run, its behaviours' names alone.

    Raises:
        SystemExit: A retrained run that `default_choice.TASKS` does not name (its status needs the summary).
    """
    if source != run or (run / "attribution_state.json").exists():
        return {t["behaviour"]: t for t in load_tasks([source])}
    if run.name.removeprefix("attr_") not in TASKS:
        raise SystemExit(f"{run}: no attribution_state.json, and not a task of issue 19's verdicts: run its "
                         "attribute phase first (bench --phase attribute) so that its status can be read")
    behaviours = json.loads((run / "scenario.json").read_text())["test_prompts"]
    return {b: {"behaviour": b, "name": TASK_NAMES.get((scenario, b), f"{scenario}/{b}")} for b in behaviours}


def measure(run: Path) -> list[dict]:
    """Per queried behaviour of ``run``: P@n of the signature, of token match, of each refinement setting of token
    match's branch in each `REFINE_FUSIONS` form (None where too few rows are ranked or lie below the band: token
    match's own ranking stands), the seeds' coherence and the top-k overlaps the rule compares.

    Raises:
        RuntimeError: The default setting's P@n differs from `AutoMethod`'s own on a query (a bug in this script).
    """
    att, store = attributor_of(run)
    mask = select_rows(att.samples, "last")
    selected = np.flatnonzero(mask)
    n_sel = len(selected)
    token_layer, sig_layer = default_token_layer(att.model), att.default_layer()
    if token_layer != TOKEN_LAYER:
        raise SystemExit(f"{run}: token layer {token_layer}, not {TOKEN_LAYER}: REFINE_LAYERS is set for the "
                         "benchmark's model; set it for this one")
    parts = [(sig_layer, "h_last"), (token_layer, "h_mean")]
    out = []
    for behaviour, cases, culprits in run_queries(run):
        start = time.perf_counter()
        sig = SignatureMethod(BEHAVIOUR_VARIANT, None, "last")   # as AutoMethod compares
        tm = TokenMatchMethod(token_layer, None, sig, "last", states="store")
        test = att.signatures(cases, [sig_layer], [token_layer])
        signature, token_match = (Ranking(*sig.top_k_combined(att, test, n_sel)),
                                  Ranking(*tm.top_k_combined(att, test, n_sel)))
        r_sig, r_tm = signature.rows, token_match.rows
        ranked = r_tm[0][r_tm[0] >= 0]
        row = {"run": str(run), "behaviour": behaviour, "n": len(culprits),
               "signature": p_at_n(att, r_sig[0], culprits), "token_match": p_at_n(att, r_tm[0], culprits),
               "overlap": {k: top_overlap(r_tm[0], r_sig[0], k) for k in AGREE_KS}, "coherence": {},
               "refined": {fusion: {} for fusion in REFINE_FUSIONS}}

        def refined(top) -> dict:
            """P@n of each fusion form of one fitted classifier's ranking of every selected row."""
            classifier = Ranking(*top)
            return {"replace": p_at_n(att, classifier.rows[0], culprits),
                    "z": p_at_n(att, fuse_refinement(signature, token_match, classifier, selected, n_sel).rows[0],
                                culprits)}

        # The classifier depends on (seed_k, band, C) only, the gate on the seeds' coherence: one fit per triple,
        # forced (min_coherence -inf), gated by each threshold in `branch_p`.
        # As `AutoMethod._refined`: too few ranked rows, or too few negatives below the band, leave token match's
        # ranking (refined None).
        row["ranked"] = len(ranked)
        for seed_k, band, c in itertools.product(SEED_KS, BANDS, CS):
            n_negative = n_sel - int(mask[ranked[:band]].sum())
            row["coherence"][seed_k] = (seed_coherence(store, np.sort(ranked[:seed_k]), token_layer)
                                        if len(ranked) >= seed_k else None)
            if len(ranked) < seed_k or n_negative < seed_k:
                for fusion in REFINE_FUSIONS:
                    row["refined"][fusion][(seed_k, band, c)] = None
                continue
            _, top = refine_ranking(store, ranked, mask, parts, token_layer, n_sel, seed_k=seed_k, band=band,
                                    min_coherence=-np.inf, C=c)
            for fusion, p in refined(top).items():
                row["refined"][fusion][(seed_k, band, c)] = p
        # The refinement's h_mean layer moved, the other refinement settings at AutoMethod's default.
        auto = AutoMethod()
        row["coherence_at"], row["refined_at"] = {}, {fusion: {} for fusion in REFINE_FUSIONS}
        for layer in REFINE_LAYERS:
            n_negative = n_sel - int(mask[ranked[:auto.band]].sum())
            if len(ranked) < auto.seed_k or n_negative < auto.seed_k:
                row["coherence_at"][layer] = None
                for fusion in REFINE_FUSIONS:
                    row["refined_at"][fusion][layer] = None
                continue
            coherence, top = refine_ranking(store, ranked, mask, [(sig_layer, "h_last"), (layer, "h_mean")], layer,
                                            n_sel, seed_k=auto.seed_k, band=auto.band, min_coherence=-np.inf,
                                            C=auto.refine_c)
            row["coherence_at"][layer] = coherence
            for fusion, p in refined(top).items():
                row["refined_at"][fusion][layer] = p
        for fusion in REFINE_FUSIONS:   # the same fit twice: a difference is a bug in this script
            if row["refined_at"][fusion][TOKEN_LAYER] != row["refined"][fusion][(auto.seed_k, auto.band, auto.refine_c)]:
                raise RuntimeError(f"{run} {behaviour}: the default refinement ({fusion}) gave two results")
        # The default setting as this script composes it against the library's own choice on the same query.
        _, r_auto = AutoMethod().top_k_combined(att, test, len(culprits))
        row["auto_library"] = p_at_n(att, r_auto[0], culprits)
        if abs(row["auto_library"] - auto_p(row)) > CHANGED:
            raise RuntimeError(f"{run} {behaviour}: AutoMethod gives P@n {row['auto_library']:.3f}, this script's "
                               f"default {auto_p(row):.3f}: the script no longer composes the choice as it does")
        row["seconds"] = time.perf_counter() - start
        out.append(row)
        print(run, behaviour, f"signature {row['signature']:.2f}, token match {row['token_match']:.2f}, "
              f"overlap {row['overlap'][AGREE_K]:.2f}, {len(ranked)} of {n_sel} rows ranked, {row['seconds']:.0f} s", flush=True)
    return out


def branch_p(row: dict, seed_k: int, band: int, c: float, thr: float, refine_layer: int = TOKEN_LAYER,
             fusion: str = REFINE_FUSION) -> float:
    """P@n of token match's branch: refined (in the ``fusion`` form) when its top ``seed_k`` rows cohere at ``thr``,
    else token match. A ``refine_layer`` other than the token layer is measured at the default seed_k, band and C
    only."""
    if refine_layer != TOKEN_LAYER:
        refined, coherence = row["refined_at"][fusion][refine_layer], row["coherence_at"][refine_layer]
        return refined if refined is not None and coherence >= thr else row["token_match"]
    refined, coherence = row["refined"][fusion][(seed_k, band, c)], row["coherence"][seed_k]
    return refined if refined is not None and coherence >= thr else row["token_match"]


def auto_p(row: dict, seed_k: int = SEED_K, band: int = BAND, c: float = REFINE_C, thr: float = MIN_COHERENCE,
           min_overlap: float = MIN_OVERLAP, agree_k: int = AGREE_K, refine_layer: int = TOKEN_LAYER,
           fusion: str = REFINE_FUSION) -> float:
    """P@n of the automatic choice at these settings."""
    if row["overlap"][agree_k] < min_overlap:
        return row["signature"]
    return branch_p(row, seed_k, band, c, thr, refine_layer, fusion)


def stable_interval(values: list[float], flips: list[bool], default: float) -> tuple[float, float]:
    """(lo, hi): a threshold t in (lo, hi] gives every task the same result as ``default`` does, where task i's
    result is one thing at t <= values[i] and another at t > values[i], and ``flips[i]`` says whether the two
    differ. Bounds are -inf / inf where nothing flips on that side."""
    lo = max((v for v, f in zip(values, flips) if f and v < default), default=-np.inf)
    hi = min((v for v, f in zip(values, flips) if f and v >= default), default=np.inf)
    return lo, hi


def stable_lines(rows: list[dict], counted: list[bool], d: dict) -> list[str]:
    """Markdown: the interval of the coherence and overlap thresholds over which no counted task's P@n changes."""
    keep = [r for r, ok in zip(rows, counted) if ok]
    key = (d["seed_k"], d["band"], d["c"])
    on_branch = [r for r in keep if r["overlap"][d["agree_k"]] >= d["min_overlap"]
                 and r["refined"][d["fusion"]][key] is not None]
    coh = stable_interval([r["coherence"][d["seed_k"]] for r in on_branch],
                          [abs(r["refined"][d["fusion"]][key] - r["token_match"]) > CHANGED for r in on_branch],
                          d["thr"])
    ovl = stable_interval([r["overlap"][d["agree_k"]] for r in keep],
                          [abs(branch_p(r, *key, d["thr"], fusion=d["fusion"]) - r["signature"]) > CHANGED
                           for r in keep], d["min_overlap"])
    return [f"- coherence threshold: every counted task keeps its P@n for any threshold in ({bound_fmt(coh[0])}, "
            f"{bound_fmt(coh[1])}] (default {d['thr']}); the bounds are the seeds' coherence of the nearest tasks "
            "where refining changes P@n.",
            f"- overlap threshold: every counted task keeps its P@n for any threshold in ({bound_fmt(ovl[0])}, "
            f"{bound_fmt(ovl[1])}] (default {d['min_overlap']}); the bounds are the top-{d['agree_k']} overlaps of the "
            "nearest tasks where the signature's P@n differs from token match's branch."]


def bound_fmt(value: float) -> str:
    return f"{value:.2f}" if np.isfinite(value) else ("-inf" if value < 0 else "inf")


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def neighbours(default: dict, grids: dict) -> list[tuple[str, object, dict]]:
    """(constant, value, settings) for each constant moved one grid step either way from ``default``."""
    out = []
    for name, grid in grids.items():
        i = grid.index(default[name])
        for j in (i - 1, i + 1):
            if 0 <= j < len(grid):
                out.append((name, grid[j], {**default, name: grid[j]}))
    return out


def sensitivity_lines(rows: list[dict], counted: list[bool], default: dict, grids: dict) -> list[str]:
    """Markdown: for each one-step move of one constant, the counted tasks whose P@n changes, and the new min."""
    base = [auto_p(r, **default) for r in rows]
    n_counted = sum(counted)
    lines = ["| constant | default | moved to | counted tasks changed (of "
             f"{n_counted}) | which (default -> moved) | min over counted |", "|---|---|---|---|---|---|"]
    for name, value, settings in neighbours(default, grids):
        moved = [auto_p(r, **settings) for r in rows]
        changed = [(r, b, m) for r, b, m, ok in zip(rows, base, moved, counted) if ok and abs(m - b) > CHANGED]
        which = "; ".join(f"{r['label']} {b:.2f} -> {m:.2f}" for r, b, m in changed) or "-"
        lines.append(f"| {name} | {default[name]:g} | {value:g} | {len(changed)} | {which} | "
                     f"{min(m for m, ok in zip(moved, counted) if ok):.2f} |")
    return lines


def counted_status(run: Path, task: dict) -> str:
    """'' for a task that counts, else why not: as issue 19's verdicts count it (`default_choice.NOT_COUNTED`, each
    decided when its round was checked) for the runs `default_choice.TASKS` names, else by `summary.task_status`."""
    name = run.name.removeprefix("attr_")
    if name in TASKS:
        return "not counted in issue 19's verdicts" if name in NOT_COUNTED else ""
    return task_status(task)


def task_label(task: dict, scenario: str) -> str:
    if (scenario, task["behaviour"]) in TASK_NAMES:
        return task["name"]
    return NEW_TASK_NAMES.get((scenario, task["behaviour"]), task["name"])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", nargs="+", required=True)
    ap.add_argument("--out", default="benchmarks/attribution/results/auto_sensitivity.md")
    ap.add_argument("--snapshots", default="benchmarks/attribution/results/attribution_runs",
                    help="folder of run snapshots (<run name>.json), read for a run whose folder is gone")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    auto = AutoMethod()
    default = {"seed_k": auto.seed_k, "band": auto.band, "c": auto.refine_c, "thr": auto.min_coherence,
               "min_overlap": auto.min_overlap, "agree_k": auto.agree_k, "refine_layer": TOKEN_LAYER,
               "fusion": auto.refine_fusion}
    grids = {"seed_k": SEED_KS, "band": BANDS, "c": CS, "thr": THRESHOLDS, "min_overlap": OVERLAPS,
             "agree_k": AGREE_KS, "refine_layer": REFINE_LAYERS}
    for name, grid in grids.items():
        if default[name] not in grid[1:-1]:
            raise SystemExit(f"the {name} grid {grid} must hold AutoMethod's default {default[name]} inside it")
    started = time.perf_counter()
    rows, counted, absent = [], [], []
    for run in map(Path, args.runs):
        store_there = (run / "store.zarr").exists()
        source = run if store_there else Path(args.snapshots) / f"{run.name}.json"
        if not source.exists():
            raise SystemExit(f"{run}: no store.zarr and no snapshot {source}; pass a trained run folder")
        scenario = json.loads(source.read_text())["scenario"] if not store_there else \
            json.loads((run / "scenario.json").read_text()).get("scenario", "backdoor")
        tasks = run_tasks(run, source, scenario)
        if not store_there:
            for t in tasks.values():
                why = counted_status(run, t)
                if not why:
                    raise SystemExit(f"{run}: the folder is gone and its task {t['name']!r} counts; retrain it "
                                     "(make bench-attribution) before measuring the sensitivity")
                absent.append(f"{task_label(t, scenario)} ({run}: not counted: {why}; run folder absent, "
                              "not measured)")
            continue
        for r in measure(run):
            why = counted_status(run, tasks[r["behaviour"]])
            r["label"] = task_label(tasks[r["behaviour"]], scenario)
            r["status"] = why or "counted"
            rows.append(r)
            counted.append(not why)
    seconds = time.perf_counter() - started
    names = [r["label"] + (f" (not counted: {r['status']})" if r["status"] != "counted" else "") for r in rows]

    def cells(vals: list[float]) -> str:
        return " | ".join(f"{v:.2f}" for v in vals) + f" | {min(v for v, ok in zip(vals, counted) if ok):.2f} |"

    d = default
    lines = ["# Automatic choice: sensitivity to its settings", "",
             f"Generated by `OMP_NUM_THREADS=1 python -m benchmarks.attribution.auto_sensitivity --runs "
             f"{' '.join(args.runs)}` ({seconds / 60:.0f} min on 2 shared CPU cores). Per behaviour "
             "(`combine=\"mean\"`) on each run's own queries, P@n (n = planted culprits). The default is "
             f"seed_k={d['seed_k']}, band={d['band']}, C={d['c']:g}, coherence >= {d['thr']}, top-{d['agree_k']} "
             f"overlap >= {d['min_overlap']}, the refined rows ranked by the signature, token match and the "
             "classifier, z-scores added (`refine_fusion=\"z\"`, candidate 13; 'classifier alone' is "
             "`refine_fusion=\"replace\"`, the default before it); token layer 3/4 of the depth (22 of 30), not varied: the stores hold "
             "per-token states at that layer only. 'min' is over the "
             f"{sum(counted)} tasks that count (as issue 19's verdicts count them, `counted_status`)."]
    if absent:
        lines += ["", "Not in the table: " + "; ".join(absent) + "."]
    lines += ["", "## The default, per task", "",
              f"| task | n | signature | token match | top-{d['agree_k']} overlap | seeds' coherence (seed_k "
              f"{d['seed_k']}) | auto, classifier alone | auto (default) |",
              "|---|---|---|---|---|---|---|---|"]
    for r, name in zip(rows, names):
        lines.append(f"| {name} | {r['n']} | {r['signature']:.2f} | {r['token_match']:.2f} | "
                     f"{r['overlap'][AGREE_K]:.2f} | {fmt(r['coherence'][d['seed_k']])} | "
                     f"{auto_p(r, **{**d, 'fusion': 'replace'}):.2f} | {auto_p(r, **d):.2f} |")
    classifier_alone = {**d, "fusion": "replace"}
    lines += ["", "## Each constant one grid step either way from the default", "",
              "Tasks that count whose P@n changes (any difference) when one constant moves and the others stay at "
              "the default. refine_layer is the h_mean layer of the refinement's coherence and classifier (token "
              "match stays at layer 22).", ""] + sensitivity_lines(rows, counted, d, grids) + [""] \
        + stable_lines(rows, counted, d)
    lines += ["", "The same for the classifier alone (`refine_fusion=\"replace\"`, the default before candidate 13):",
              ""] + sensitivity_lines(rows, counted, classifier_alone, grids) + [""] \
        + stable_lines(rows, counted, classifier_alone)
    lines += ["", "## Overlap threshold and top-k compared (refinement at its default)", "",
              "| top-k | overlap >= | " + " | ".join(names) + " | min |", "|---|---|" + "---|" * (len(rows) + 1)]
    for agree_k, thr in itertools.product(AGREE_KS, OVERLAPS):
        mark = "**" if (agree_k, thr) == (d["agree_k"], d["min_overlap"]) else ""
        lines.append(f"| {mark}{agree_k}{mark} | {thr} | "
                     + cells([auto_p(r, **{**d, "agree_k": agree_k, "min_overlap": thr}) for r in rows]))
    lines += ["", f"## Refinement settings (top-{d['agree_k']} overlap >= {d['min_overlap']})", "",
              "| seed_k | band | C | coherence >= | " + " | ".join(names) + " | min |",
              "|---|---|---|---|" + "---|" * (len(rows) + 1),
              "| rule before the refinement | | | | " + cells([r["token_match"] if r["overlap"][AGREE_K] >= MIN_OVERLAP
                                                          else r["signature"] for r in rows]),
              "| classifier alone, default settings | | | | " + cells([auto_p(r, **classifier_alone) for r in rows])]
    grid = {key: [auto_p(r, *key, d["min_overlap"], d["agree_k"]) for r in rows]
            for key in itertools.product(SEED_KS, BANDS, CS, THRESHOLDS)}
    for key, vals in grid.items():
        mark = "**" if key == (d["seed_k"], d["band"], d["c"], d["thr"]) else ""
        lines.append(f"| {mark}{key[0]}{mark} | {key[1]} | {key[2]:g} | {key[3]} | " + cells(vals))
    lines.append("| lowest over the grid | | | | " + " | ".join(f"{min(v):.2f}" for v in zip(*grid.values()))
                 + " | |")
    lines.append("| highest over the grid | | | | " + " | ".join(f"{max(v):.2f}" for v in zip(*grid.values()))
                 + " | |")
    best = max(grid, key=lambda k: min(v for v, ok in zip(grid[k], counted) if ok))
    lines += ["", f"Best setting of the grid by 'min': seed_k={best[0]}, band={best[1]}, C={best[2]:g}, coherence >= "
              f"{best[3]} (min {min(v for v, ok in zip(grid[best], counted) if ok):.2f}, first of any ties)."]
    out = Path(args.out)
    out.write_text("\n".join(lines) + "\n")
    out.with_suffix(".json").write_text(json.dumps({
        "command_runs": args.runs, "seconds": seconds, "default": d, "grids": grids, "absent": absent,
        "tasks": [{**{k: v for k, v in r.items() if k not in ("refined", "overlap", "coherence")},
                   "overlap": {str(k): v for k, v in r["overlap"].items()},
                   "coherence": {str(k): v for k, v in r["coherence"].items()},
                   "refined": {fusion: {f"{s},{b},{c:g}": v for (s, b, c), v in by_setting.items()}
                               for fusion, by_setting in r["refined"].items()},
                   "auto_default": auto_p(r, **d)} for r in rows]}, indent=1) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
