"""Render benchmarks/watch/results.json (written by `python -m benchmarks.watch.bench`) as results.md.

    python -m benchmarks.watch.report [--results benchmarks/watch/results.json] [--out benchmarks/watch/results.md]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from provenance.behaviour.watch_alarm import DEFAULT_K, DEFAULT_Z, PushHistory, RelativeAlarm

HERE = Path(__file__).resolve().parent
SERIES = HERE / "series"
K_VALUES = (1.5, 2, 3, 4, 6, 8, 16, 32, 64, 128)
Z_VALUES = (0, 1, 2, 3, 4, 5, 6, 8)
POISON = "poison_fixed"


def verdicts(run: dict) -> dict:
    """The checks of one curriculum run (see the benchmark's docstring)."""
    second = int(run["epoch_first_step"].get("1", run["epoch_first_step"].get(1, -1)))
    backdoor = [a for a in run["alarms"] if a["watch"] == "backdoor"]
    rnd = [a for a in run["alarms"] if a["watch"] == "random"]
    totals = [t for t in run["totals"] if t["watch"] == "backdoor"]
    top = max(totals, key=lambda t: t["cum_push"])["source"] if totals else None
    out = {"second_epoch_step": second, "backdoor_alarms": backdoor, "random_alarms": rnd, "largest": top}
    if run["poisoned"]:
        fired = [a for a in backdoor if a["source"] == POISON]
        out["fires_in_epoch_2"] = bool(fired) and all(int(a["epoch"]) == 1 for a in fired)
        out["none_before"] = all(int(a["step"]) >= second for a in backdoor)
        out["only_poison"] = all(a["source"] == POISON for a in backdoor)
        out["poison_largest"] = top == POISON
    else:
        out["clean_quiet"] = not backdoor
    out["random_quiet"] = not rnd
    return out


def _alarm_text(alarms: list[dict]) -> str:
    return "; ".join(f"{a['source']} @ step {a['step']} (epoch {int(a['epoch']) + 1})" for a in alarms) or "none"


def render(result: dict) -> str:
    runs = sorted(result.get("runs", []), key=lambda r: (r["seed"], not r["poisoned"]))
    lines = ["# Live provenance watch: results", "",
             "Written by `python -m benchmarks.watch.report` from `results.json` (`make bench-watch` runs both). "
             "What the benchmark does: [README.md](README.md).", "",
             f"Machine: {result.get('machine')}. Settings: `{json.dumps(result.get('args', {}))}`.", "",
             "## Planted curriculum", "",
             "Epochs are numbered from 1; the poisoned source `poison_fixed` joins at the first step of epoch 2.", "",
             "| seed | poisoned source | steps | epoch 2 starts at step | backdoor-watch alarms | random-watch alarms | "
             "largest cumulative push (backdoor watch) | checks |",
             "|---|---|---|---|---|---|---|---|"]
    for run in runs:
        v = verdicts(run)
        if run["poisoned"]:
            checks = [("fires in epoch 2", v["fires_in_epoch_2"]), ("none before", v["none_before"]),
                      ("only the poisoned source", v["only_poison"]), ("poisoned source largest", v["poison_largest"])]
        else:
            checks = [("no alarm", v["clean_quiet"])]
        checks.append(("random watch quiet", v["random_quiet"]))
        check_text = ", ".join(f"{name}: {'yes' if ok else '**no**'}" for name, ok in checks)
        lines.append(f"| {run['seed']} | {'from epoch 2' if run['poisoned'] else 'absent'} | {run['steps']} | "
                     f"{v['second_epoch_step']} | {_alarm_text(v['backdoor_alarms'])} | "
                     f"{_alarm_text(v['random_alarms'])} | {v['largest']} | {check_text} |")
    lines += ["", "### Cumulative push per source at the end of the run (backdoor watch / random watch)", "",
              "| seed | poisoned source | " + " | ".join(_sources(runs)) + " |",
              "|---|---|" + "---|" * len(_sources(runs))]
    for run in runs:
        cells = []
        for source in _sources(runs):
            vals = {t["watch"]: t for t in run["totals"] if t["source"] == source}
            cells.append(" / ".join(f"{vals[w]['cum_push']:+.3g}" if w in vals else "-" for w in ("backdoor", "random")))
        lines.append(f"| {run['seed']} | {'from epoch 2' if run['poisoned'] else 'absent'} | " + " | ".join(cells) + " |")
    lines += ["", "### How close each source came to the relative alarm (for the choice of k)", "",
              "Largest ratio over steps of a source's windowed push per row to the median of the other sources' "
              "(absolute values), counting only steps where its standard-error test (z > 5) passed: the alarm fires "
              "when this ratio exceeds k (default 4). Clean sources first, then the poisoned one.", "",
              "| seed | poisoned source | watch | largest clean-source ratio (source) | poisoned source's ratio |",
              "|---|---|---|---|---|"]
    for run in runs:
        for watch in ("backdoor", "random"):
            ratios = run["ratios"].get(watch, {})
            clean = {s: r for s, r in ratios.items() if s != POISON}
            worst = max(clean.items(), key=lambda kv: kv[1]) if clean else None
            poison = ratios.get(POISON)
            lines.append(f"| {run['seed']} | {'from epoch 2' if run['poisoned'] else 'absent'} | {watch} | "
                         f"{f'{worst[1]:.2f} ({worst[0]})' if worst else '- (none passed z)'} | "
                         f"{f'{poison:.2f}' if poison is not None else '-'} |")
    lines += sensitivity(runs, SERIES)
    over = result.get("overhead")
    lines += ["", "## Overhead", ""]
    if over:
        lines += [f"Capture alone vs capture + the two watches, {over['steps']} steps each, alternating, "
                  f"{over['repeats']} repeats, median step time per fit:", "",
                  "| repeat | capture (ms) | capture + watches (ms) | ratio | time inside the watch (ms / step) |",
                  "|---|---|---|---|---|"]
        for i, (c, w, r) in enumerate(zip(over["capture_ms"], over["watches_ms"], over["ratios"])):
            inside = over["watch_ms_per_step"][i] if i < len(over["watch_ms_per_step"]) else float("nan")
            lines.append(f"| {i} | {c:.0f} | {w:.0f} | {r:.3f} | {inside:.2f} |")
        lines += ["", f"Median ratio {over['ratio_median']:.3f}; the watch's own calls take "
                      f"{100 * over['watch_share_of_step']:.3f} % of a median capture step."]
    else:
        lines.append("Not measured in this run.")
    seeds = sorted({r["seed"] for r in runs})
    missing = [f"seed {s} {'poisoned' if p else 'clean'}" for s in result.get("args", {}).get("seeds", [])
               for p in (True, False) if not any(r["seed"] == s and r["poisoned"] == p for r in runs)]
    lines += ["", "## What did not finish", "", ("none" if not missing and over else
              "; ".join(missing + ([] if over else ["the overhead part"])) + f" (finished seeds: {seeds})"), ""]
    return "\n".join(lines)


def replay(series: pd.DataFrame, rule) -> list[dict]:
    """The alarms `rule` raises on a stored per-step series (one per watch and source, as in training)."""
    fired, out = set(), []
    for watch, part in series.groupby("watch", sort=True):
        history = PushHistory(rule.keep_steps)
        for step, s in part.groupby("step", sort=True):
            history.add_step(int(step), {str(src): (float(t), int(n), float(q))
                                         for src, t, n, q in zip(s.source, s.push_sum, s.rows, s.push_sumsq)})
            for f in rule.check(history):
                if (watch, f.source) not in fired:
                    fired.add((watch, f.source))
                    out.append({"watch": watch, "source": f.source, "step": int(step), "epoch": int(s.epoch.max())})
    return out


def sensitivity(runs: list[dict], folder: Path) -> list[str]:
    """The checks replayed on the stored series at other values of k, then of z (the rest at the defaults)."""
    have = [(r, folder / f"seed{r['seed']}_{'poisoned' if r['poisoned'] else 'clean'}.csv") for r in runs]
    have = [(r, pd.read_csv(f)) for r, f in have if f.exists()]
    if not have:
        return []
    lines = ["", "### The checks at other settings of the relative alarm (replayed on the stored series)", "",
             "Each run's per-step series (`series/*.csv`) replayed through `RelativeAlarm` with one setting changed "
             "and the others at their defaults (k 4, z 5, window 16 steps, 16 rows). Columns: poisoned runs whose "
             "backdoor alarm names the poisoned source in epoch 2 and nothing before; clean runs without any alarm; "
             "runs whose random-direction watch stays quiet; the step of the poisoned source's backdoor alarm per "
             "poisoned run.", "",
             "| setting | poisoned runs caught in epoch 2, nothing before | clean runs quiet | random watch quiet | "
             "alarm steps (poisoned runs) |", "|---|---|---|---|---|"]
    settings = [(f"k = {k:g}" + (" (default)" if k == DEFAULT_K else ""), RelativeAlarm(k=k)) for k in K_VALUES]
    settings += [(f"z = {z:g}" + (" (default)" if z == DEFAULT_Z else ""), RelativeAlarm(z=z)) for z in Z_VALUES]
    n_poisoned = sum(1 for r, _ in have if r["poisoned"])
    for label, rule in settings:
        caught = quiet = random_quiet = 0
        steps = []
        for run, df in have:
            alarms = replay(df, rule)
            second = verdicts(run)["second_epoch_step"]
            backdoor = [a for a in alarms if a["watch"] == "backdoor"]
            random_quiet += not any(a["watch"] == "random" for a in alarms)
            if run["poisoned"]:
                hit = [a for a in backdoor if a["source"] == POISON]
                caught += bool(hit) and all(a["source"] == POISON and a["step"] >= second for a in backdoor)
                steps.append(str(hit[0]["step"]) if hit else "-")
            else:
                quiet += not backdoor
        lines.append(f"| {label} | {caught}/{n_poisoned} | {quiet}/{len(have) - n_poisoned} | "
                     f"{random_quiet}/{len(have)} | {', '.join(steps)} |")
    return lines


def _sources(runs: list[dict]) -> list[str]:
    names = sorted({t["source"] for r in runs for t in r["totals"]})
    return [s for s in names if s != POISON] + ([POISON] if POISON in names else [])


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--results", default=str(HERE / "results.json"))
    p.add_argument("--out", default=str(HERE / "results.md"))
    args = p.parse_args(argv)
    text = render(json.loads(Path(args.results).read_text()))
    Path(args.out).write_text(text)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
