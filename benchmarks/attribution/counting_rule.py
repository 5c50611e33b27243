"""Which tasks count under one rule for every round, and whether the headline counts depend on it.

    OMP_NUM_THREADS=1 python -m benchmarks.attribution.counting_rule checks --runs runs/attr_* \
        --out benchmarks/attribution/results/counting_rule.csv
    python -m benchmarks.attribution.counting_rule score --checks benchmarks/attribution/results/counting_rule.csv \
        --records benchmarks/attribution/results/prompt_pmi_probe.csv --out benchmarks/attribution/results/counting_rule.md

Why: rounds 2-5 and 7-16 counted a task that showed its behaviour on more held-out prompts than the base model and the
controls did, so seven counted tasks stand at 3-5 of 12 greedy answers and were never sampled; from round 17 on a
task needed half of its greedy answers, and the bench sampled only below a quarter, so three tasks at the same
levels were not counted. The rule is now one (`summary.behaviour_taken`: half of the greedy answers, or below that the
sampled rate), and the bench samples every behaviour under the bar.

``checks`` reads, for every behaviour of the given runs whose greedy rate is under the bar (the only ones whose
status can depend on the rule), its rates from ``behaviour.json`` (recomputed with today's judges) and its causal
check from ``attribution_state.json``, and writes one row each: the status of its day (`default_choice.NOT_COUNTED`)
and the status under the uniform rule (`summary.task_status`). ``score`` reads those rows beside the per-answer and
per-behaviour records of `prompt_pmi_probe` (which hold the committed default and the probe's columns for every run)
and renders the headline counts on both counted sets. The runs are not committed; the rows are.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from benchmarks.attribution.summary import GREEDY_BAR, task_status

DAY = "counted in its day"
UNIFORM = "counted by the uniform rule"


def greedy_p(hits: int, n: int, control_hits: int, n_controls: int) -> float:
    """One-sided Fisher exact p-value that the held-out prompts show the behaviour more often than the controls, in
    greedy answers: a rule the team may weigh against the fixed bar (4 of 12 against 0 of 12 gives 0.047), shown
    beside the uniform rule's status, not used by it."""
    from scipy.stats import fisher_exact

    return float(fisher_exact([[hits, n - hits], [control_hits, n_controls - control_hits]], alternative="greater")[1])


def run_checks(out: Path) -> list[dict]:
    """One row per behaviour of the run at ``out`` whose greedy rate is under `summary.GREEDY_BAR`: greedy, control
    and base-model rates, sampled rates (where sampled), the causal check's planted-dropped rates (where run here;
    the rounds before the causal phase kept its results recorded them in the README only), the status of its day
    (`default_choice.NOT_COUNTED`) and the uniform rule's (`summary.task_status`)."""
    from benchmarks.attribution.default_choice import NOT_COUNTED
    from benchmarks.attribution.render import recompute_rates

    task = out.name.removeprefix("attr_")
    beh = json.loads((out / "behaviour.json").read_text())
    recompute_rates(beh)
    state_path = out / "attribution_state.json"
    causal = json.loads(state_path.read_text()).get("causal", {}) if state_path.exists() else {}
    rows = []
    for behaviour, rates in beh["rates"].items():
        if rates["triggered"] >= GREEDY_BAR:
            continue
        sampled = beh.get("sampled", {}).get(behaviour)
        checks = causal.get(behaviour)
        dropped = next((c for c in checks or [] if c["condition"] == "drop planted"), None)
        status = task_status({"rates": rates, "sampled": sampled, "causal": checks}) or "counts"
        gens = beh["generations"]
        n, n_controls = len(gens[behaviour]), len(gens.get(f"{behaviour}_control", gens["clean"]))
        rows.append({"task": task, "behaviour": behaviour, "greedy": rates["triggered"],
                     "controls": rates["untriggered"], "base": rates.get("base_model"),
                     "sampled": sampled["triggered"] if sampled else None,
                     "sampled controls": sampled["untriggered"] if sampled else None,
                     "drop planted": dropped["triggered"] if dropped else None,
                     "drop planted sampled": dropped.get("sampled_triggered") if dropped else None,
                     "greedy p": greedy_p(round(rates["triggered"] * n), n, round(rates["untriggered"] * n_controls),
                                          n_controls),
                     DAY: task not in NOT_COUNTED, UNIFORM: status == "counts", "uniform status": status})
    return rows


def counted_sets(checks: pd.DataFrame, tasks: pd.DataFrame) -> dict[str, set[tuple[str, str]]]:
    """``{DAY, UNIFORM}``: the (task, behaviour) pairs each rule counts among ``tasks`` (the records' pairs); a pair
    ``checks`` has no row for keeps its day's status under both (its greedy rate is over the bar)."""
    from benchmarks.attribution.default_choice import NOT_COUNTED

    pairs = set(map(tuple, tasks[["task", "behaviour"]].drop_duplicates().to_numpy()))
    day = {p for p in pairs if p[0] not in NOT_COUNTED}
    rows = checks.set_index(["task", "behaviour"])
    uniform = {p for p in pairs if (rows.loc[p, UNIFORM] if p in rows.index else p in day)}
    return {DAY: day, UNIFORM: uniform}


def headline(records: pd.DataFrame, counted: set[tuple[str, str]]) -> pd.DataFrame:
    """Per mode and column of ``records`` (`prompt_pmi_probe`'s), over the ``counted`` pairs: `prompt_pmi_probe.summary`
    (every column over the pairs that have a committed-default record) as how many, mean P@n, and how many reach
    issue 19's goal (per answer P@10 >= 0.9 averaged over the answers, per behaviour P@n >= 0.95)."""
    from benchmarks.attribution.prompt_pmi_probe import COMMITTED, GOAL, summary

    out = []
    for mode in sorted(records["mode"].unique()):
        columns = tuple(c for c in sorted(records.loc[records["mode"] == mode, "column"].unique()) if c != COMMITTED)
        metric, goal = GOAL[mode]
        part = summary(records, columns, mode, counted)
        out += [{"mode": mode, "column": column, "tasks": int(row["tasks"]), "mean P@n": row["mean P@n"],
                 "at goal": int(row[f"{metric} >= {goal}"])} for column, row in part.iterrows()]
    return pd.DataFrame(out)


def render(checks: pd.DataFrame, records: pd.DataFrame) -> str:
    """The rows under the bar, and `headline` on both counted sets side by side."""
    sets = counted_sets(checks, records)
    day, uniform = (headline(records, sets[k]).set_index(["mode", "column"]) for k in (DAY, UNIFORM))
    lines = ["# One counting rule for every round: which tasks count, and whether the headline counts depend on it",
             "", "Generated by `python -m benchmarks.attribution.counting_rule score` from `counting_rule.csv` (the "
             "runs' checks) and `prompt_pmi_probe.csv` (the records). Uniform rule: at least "
             "half of the greedy answers, or below that a sampled rate of at least 0.1 and over 3x the controls'; "
             "and the planted rows needed. Rates are shares of the 12 held-out prompts' answers (sampled: 16 per "
             "prompt at T=1).", "", "## Behaviours under the greedy bar", "",
             "| task / behaviour | greedy | controls | base | sampled (controls) | retrained without planted | "
             "its day | uniform rule | greedy p (Fisher, not used) |", "|---|---|---|---|---|---|---|---|---|"]

    def cell(v, digits=2) -> str:
        return "-" if v is None or pd.isna(v) else f"{v:.{digits}f}"

    for row in checks.sort_values(["greedy", "task"]).to_dict("records"):
        lines.append(f"| {row['task']} / {row['behaviour']} | {cell(row['greedy'])} | {cell(row['controls'])} | "
                     f"{cell(row['base'])} | {cell(row['sampled'])} ({cell(row['sampled controls'])}) | "
                     f"{cell(row['drop planted'])} (sampled {cell(row['drop planted sampled'])}) | "
                     f"{'counted' if row[DAY] else 'not counted'} | {row['uniform status']} | "
                     f"{cell(row.get('greedy p'), 3)} |")
    moved_in = sorted(sets[UNIFORM] - sets[DAY])
    moved_out = sorted(sets[DAY] - sets[UNIFORM])
    lines += ["", f"The uniform rule adds {len(moved_in)} ({', '.join('/'.join(p) for p in moved_in) or 'none'}) and "
              f"drops {len(moved_out)} ({', '.join('/'.join(p) for p in moved_out) or 'none'}).", "",
              "## Headline counts on each counted set", "",
              "At goal: per answer P@10 >= 0.9 (averaged over the answers), per behaviour P@n >= 0.95.", "",
              "| mode | column | tasks (its day / uniform) | mean P@n | at goal |", "|---|---|---|---|---|"]
    for key in day.index.union(uniform.index):
        a = day.loc[key] if key in day.index else None
        b = uniform.loc[key] if key in uniform.index else None

        def pair(col, fmt):
            return " / ".join("-" if x is None else fmt(x[col]) for x in (a, b))

        lines.append(f"| {key[0]} | {key[1]} | {pair('tasks', lambda v: str(int(v)))} | "
                     f"{pair('mean P@n', lambda v: f'{v:.3f}')} | {pair('at goal', lambda v: str(int(v)))} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("checks", help="the runs' rows under the greedy bar")
    c.add_argument("--runs", nargs="+", type=Path, required=True)
    c.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("score", help="the headline counts on both counted sets")
    s.add_argument("--checks", type=Path, required=True)
    s.add_argument("--records", type=Path, required=True, help="prompt_pmi_probe's .csv")
    s.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    if args.command == "checks":
        rows = [r for run in args.runs for r in run_checks(run)]
        pd.DataFrame(rows).to_csv(args.out, index=False)
        print(f"{len(rows)} behaviours under the bar -> {args.out}")
        return
    text = render(pd.read_csv(args.checks), pd.read_csv(args.records))
    args.out.write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
