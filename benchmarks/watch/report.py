"""Render benchmarks/watch/results.json and series/*.csv (written by `python -m benchmarks.watch.bench`) as results.md.

    python -m benchmarks.watch.report [--results benchmarks/watch/results.json] [--out benchmarks/watch/results.md]

Alarms do not change training unless a rule says ``stop=True`` (the benchmark's do not), so the alarms a rule raises
on a run are a function of the run's stored per-step series: `replay` feeds the series through the rule exactly as
the `WatchMonitor` does during training. The tables use it to show the checks at the default settings and at others.
"""
from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from provenance.behaviour.watch_alarm import DEFAULT_EFFECT, DEFAULT_Z, Firing, PushHistory, RelativeAlarm, compare_rows

HERE = Path(__file__).resolve().parent
SERIES = HERE / "series"
POISON = "poison_fixed"
EFFECT_VALUES = (0, 1, 1.5, 2, 2.5, 3, 3.5, 4, 5)
Z_VALUES = (0, 1, 2, 3, 4, 5, 6, 8)
K_VALUES = (2, 4, 8, 16, 32, 64)
# Seeds first run after the default rule was fixed (RelativeAlarm's defaults as committed in 6569840, chosen on seeds
# 0-2): their checks score the rule on data it was not chosen on.
HELD_OUT_SEEDS = (3, 4)


@dataclass(frozen=True)
class MedianMultiple:
    """The rule first tried and not kept: a source's windowed push per row > k x the median over the other sources
    of |theirs|, and z > `z` (kept here to show why)."""

    k: float
    z: float = DEFAULT_Z
    window: int = 16
    min_rows: int = 16

    @property
    def keep_steps(self) -> int:
        return self.window

    def check(self, history: PushHistory) -> list[Firing]:
        stats = {s: history.window(s, self.window) for s in history.sources}
        stats = {s: v for s, v in stats.items() if v[1] >= self.min_rows}
        out = []
        for source, (total, rows, sumsq) in stats.items():
            others = [v for s, v in stats.items() if s != source]
            if not others or total <= 0:
                continue
            reference = self.k * float(np.median([abs(t / n) for t, n, _ in others]))
            if total / rows > reference and compare_rows(total, rows, sumsq, others)[1] > self.z:
                out.append(Firing(source, total / rows, reference, f"{self.k:g} x median"))
        return out


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


def extremes(series: pd.DataFrame, window: int = 16, min_rows: int = 16, z: float = DEFAULT_Z) -> dict:
    """Per watch and source, over the steps where its z test passes: the largest effect size (Cohen's d against
    the other sources' rows) and the largest multiple of the other sources' median |push per row|."""
    out: dict = {}
    for watch, part in series.groupby("watch", sort=True):
        history = PushHistory(window)
        best: dict[str, list[float]] = {}
        for step, s in part.groupby("step", sort=True):
            history.add_step(int(step), {str(src): (float(t), int(n), float(q))
                                         for src, t, n, q in zip(s.source, s.push_sum, s.rows, s.push_sumsq)})
            stats = {src: history.window(src, window) for src in history.sources}
            stats = {src: v for src, v in stats.items() if v[1] >= min_rows}
            for src, (total, rows, sumsq) in stats.items():
                others = [v for o, v in stats.items() if o != src]
                if not others or total <= 0:
                    continue
                d, zz = compare_rows(total, rows, sumsq, others)
                if zz <= z:
                    continue
                median = float(np.median([abs(t / n) for t, n, _ in others]))
                ratio = (total / rows) / median if median > 0 else float("inf")
                prev = best.get(src, [0.0, 0.0])
                best[src] = [max(prev[0], d), max(prev[1], ratio)]
        out[watch] = best
    return out


def verdicts(run: dict, alarms: list[dict]) -> dict:
    """The checks of one curriculum run (see the benchmark's docstring) on a list of alarms."""
    second = int(run["epoch_first_step"].get("1", run["epoch_first_step"].get(1, -1)))
    backdoor = [a for a in alarms if a["watch"] == "backdoor"]
    rnd = [a for a in alarms if a["watch"] == "random"]
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


def _presence(run: dict) -> str:
    return "from epoch 2" if run["poisoned"] else "absent"


def _kind(run: dict) -> str:
    return "poisoned" if run["poisoned"] else "clean"


def run_checks(run: dict, alarms: list[dict]) -> list[tuple[str, bool]]:
    """(check, passed) of one curriculum run, in the order the tables list them."""
    v = verdicts(run, alarms)
    if run["poisoned"]:
        checks = [("fires in epoch 2", v["fires_in_epoch_2"]), ("none before", v["none_before"]),
                  ("only the poisoned source", v["only_poison"]), ("poisoned source largest", v["poison_largest"])]
    else:
        checks = [("no alarm", v["clean_quiet"])]
    return checks + [("random watch quiet", v["random_quiet"])]


def held_out_summary(runs: list[dict], series: dict, seeds=HELD_OUT_SEEDS) -> list[str]:
    """The checks of the seeds run after the rule was fixed, scored with the default rule."""
    held = [r for r in runs if r["seed"] in seeds]
    if not held:
        return []
    lines = ["", f"### Seeds run after the rule was fixed ({', '.join(map(str, sorted({r['seed'] for r in held})))})",
             "", "The default rule was chosen on seeds 0-2; these seeds were first run afterwards, with it unchanged "
             "(their live alarms come from it).", "", "| seed | poisoned source | checks passed | failed checks |",
             "|---|---|---|---|"]
    passed = total = 0
    for run in held:
        df = series.get((run["seed"], run["poisoned"]))
        checks = run_checks(run, replay(df, RelativeAlarm()) if df is not None else run["alarms"])
        ok = sum(c for _, c in checks)
        passed, total = passed + ok, total + len(checks)
        failed = ", ".join(name for name, c in checks if not c) or "none"
        lines.append(f"| {run['seed']} | {_presence(run)} | {ok}/{len(checks)} | {failed} |")
    lines += ["", f"{passed} of {total} checks pass on these seeds."]
    return lines


def render(result: dict, folder: Path = SERIES) -> str:
    runs = sorted(result.get("runs", []), key=lambda r: (r["seed"], not r["poisoned"]))
    series = {(r["seed"], r["poisoned"]): pd.read_csv(folder / f"seed{r['seed']}_{_kind(r)}.csv")
              for r in runs if (folder / f"seed{r['seed']}_{_kind(r)}.csv").exists()}
    lines = ["# Live provenance watch: results", "",
             "Written by `python -m benchmarks.watch.report` from `results.json` and `series/*.csv` "
             "(`make bench-watch` runs both). What the benchmark does: [README.md](README.md).", "",
             f"Machine: {result.get('machine')}. Settings: `{json.dumps(result.get('args', {}))}`.", "",
             "## Planted curriculum", "",
             "Epochs are numbered from 1; the poisoned source `poison_fixed` joins at the first step of epoch 2. "
             f"Alarms of the default rule (`RelativeAlarm()`: effect {DEFAULT_EFFECT:g}, z {DEFAULT_Z:g}, window 16 "
             "steps, 16 rows) on each run's series; the alarms raised live during the run, by the rule the run was "
             "started with (in `results.json`), are the last column when they differ.", "",
             "| seed | poisoned source | steps | epoch 2 starts at step | backdoor-watch alarms | "
             "random-watch alarms | "
             "largest cumulative push (backdoor watch) | checks | live alarms |",
             "|---|---|---|---|---|---|---|---|---|"]
    for run in runs:
        df = series.get((run["seed"], run["poisoned"]))
        alarms = replay(df, RelativeAlarm()) if df is not None else run["alarms"]
        v = verdicts(run, alarms)
        checks = run_checks(run, alarms)
        check_text = ", ".join(f"{name}: {'yes' if ok else '**no**'}" for name, ok in checks)
        live = sorted((a["watch"], a["source"], a["step"]) for a in run["alarms"])
        same = live == sorted((a["watch"], a["source"], a["step"]) for a in alarms)
        live_text = "same" if same else "; ".join(f"{w}: {s} @ step {t}" for w, s, t in live) or "none"
        lines.append(f"| {run['seed']} | {'from epoch 2' if run['poisoned'] else 'absent'} | {run['steps']} | "
                     f"{v['second_epoch_step']} | {_alarm_text(v['backdoor_alarms'])} | "
                     f"{_alarm_text(v['random_alarms'])} | {v['largest']} | {check_text} | {live_text} |")
    lines += held_out_summary(runs, series)
    tops = [(r["seed"], a) for r in runs for a in r["alarms"] if a["watch"] == "backdoor" and a["source"] == POISON]
    if tops:
        lines += ["", "Rows named by the live backdoor alarms (the five largest pushes of the poisoned source in the "
                  "alarm's window): " + "; ".join(f"seed {s}: {a.get('top_rows_poisoned', '?')} of "
                                                  f"{len(a['top_rows'])} are poisoned rows" for s, a in tops) + "."]
    lines += ["", "### Cumulative push per source at the end of the run (backdoor watch / random watch)", "",
              "| seed | poisoned source | " + " | ".join(_sources(runs)) + " |",
              "|---|---|" + "---|" * len(_sources(runs))]
    for run in runs:
        cells = []
        for source in _sources(runs):
            vals = {t["watch"]: t for t in run["totals"] if t["source"] == source}
            cells.append(" / ".join(f"{vals[w]['cum_push']:+.3g}" if w in vals else "-"
                                    for w in ("backdoor", "random")))
        lines.append(f"| {run['seed']} | {_presence(run)} | " + " | ".join(cells) + " |")
    if series:
        lines += _extremes_table(runs, series) + _sensitivity(runs, series)
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


def _extremes_table(runs: list[dict], series: dict) -> list[str]:
    lines = ["", "### How far each source stood out (the choice of the rule and its threshold)", "",
             "Over the steps where a source's z test passed (z > 5 against the other sources' rows, 16-step window): "
             "its largest effect size (Cohen's d) and its largest multiple of the other sources' median |push per "
             "row| (the rule first tried). The poisoned source along the backdoor direction vs every source along "
             "directions it has nothing to do with (any source on the random watch, the clean sources on the backdoor "
             "watch). '-': the z test never passed.", "",
             "| seed | poisoned source | watch | source | largest effect size d | "
             "largest multiple of the others' median |",
             "|---|---|---|---|---|---|"]
    for run in runs:
        df = series.get((run["seed"], run["poisoned"]))
        if df is None:
            continue
        ext = extremes(df)
        for watch in ("backdoor", "random"):
            found = ext.get(watch, {})
            if not found:
                lines.append(f"| {run['seed']} | {_presence(run)} | {watch} | - | - | - |")
            for source, (d, ratio) in sorted(found.items()):
                lines.append(f"| {run['seed']} | {'from epoch 2' if run['poisoned'] else 'absent'} | {watch} | "
                             f"{source} | {d:.2f} | {ratio:.1f} |")
    return lines


def _sensitivity(runs: list[dict], series: dict) -> list[str]:
    lines = ["", "### The checks at other settings (replayed on the stored series)", "",
             "One setting changed, the others at their defaults. Columns: poisoned runs whose backdoor alarm names "
             "the poisoned source in epoch 2 and nothing before; clean runs without a backdoor alarm; runs whose "
             "random-direction watch stays quiet; the step of the poisoned source's backdoor alarm per poisoned run. "
             "The last rows are the rule first tried (k x the other sources' median, with z > 5).", "",
             "| rule | poisoned runs caught in epoch 2, nothing before | clean runs quiet | random watch quiet | "
             "alarm steps (poisoned runs) |", "|---|---|---|---|---|"]
    settings = [(f"effect {e:g}" + (" (default)" if e == DEFAULT_EFFECT else ""), RelativeAlarm(effect=e))
                for e in EFFECT_VALUES]
    settings += [(f"z {z:g}" + (" (default)" if z == DEFAULT_Z else ""), RelativeAlarm(z=z)) for z in Z_VALUES]
    settings += [(f"{k:g} x median, z 5", MedianMultiple(k=k)) for k in K_VALUES]
    have = [(r, series[(r["seed"], r["poisoned"])]) for r in runs if (r["seed"], r["poisoned"]) in series]
    n_poisoned = sum(1 for r, _ in have if r["poisoned"])
    for label, rule in settings:
        caught = quiet = random_quiet = 0
        steps = []
        for run, df in have:
            alarms = replay(df, rule)
            second = verdicts(run, [])["second_epoch_step"]
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
    p.add_argument("--series", default=str(SERIES), help="folder of the runs' per-step series (seed<N>_<kind>.csv)")
    p.add_argument("--out", default=str(HERE / "results.md"))
    args = p.parse_args(argv)
    text = render(json.loads(Path(args.results).read_text()), Path(args.series))
    Path(args.out).write_text(text)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
