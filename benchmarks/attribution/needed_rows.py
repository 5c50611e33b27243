"""The rows a behaviour needs, by its causal check, and a ranking's precision against them: issue 19's scoring rule
for behaviours taught by two sources, committed before any ranking was re-scored by it.

    python -m benchmarks.attribution.needed_rows --runs runs/attr_sunday_closed ... \
        --out benchmarks/attribution/results/needed_rows.md

Why: P@n counts the planted rows as the only right answer. On a task whose behaviour also needs another source (the
form twins of `form_twin_causal`: the planted answer in another prompt context), a ranking that puts those rows beside
the planted ones answers "which rows made the model do this?" correctly and is scored as wrong.

The rule, fixed before any score was read by it:

- A task-behaviour's *needed rows* are its planted rows plus every unplanted row of each source S whose causal check
  ``drop source S`` shows S needed (`summary.rows_needed`: retrained without S, the rate keeps at most half of the
  trained run's, read greedy or sampled as the run was), provided the control ``drop random n`` (as many random rows
  as planted ones) is not needed, so that fewer rows alone do not explain the loss. A needed source whose control was
  not measured is not added; it is reported as unsettled.
- P@n (n = the planted rows, unchanged) and P@10 are counted against the needed rows, per answer and per behaviour,
  for the library's default and the lexical baselines; the planted-only figures stay beside them.
- The sources checked are each task's form twins (the second of `scenarios.shared_form_task`'s sources), on every
  counted task-behaviour whose default misses a goal against the planted rows (per answer P@10 < 0.9 or per behaviour
  P@n < 0.95). The needed rows only add to the planted ones, so a score can only rise: a task at goal stays there
  without the check.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from benchmarks.attribution.causal import SOURCE
from benchmarks.attribution.state import load_state
from benchmarks.attribution.summary import rows_needed

CONTROL = "drop random n"
BASELINES = ("bm25", "tfidf")
# A re-scored task's planted figures reproduce the committed ones within this (the runs are re-queried, on another
# day and thread count: float ties may order differently; one row of 30 is 0.033).
REPRODUCED = 0.005
# attribute.METHODS_FAMILY's combine modes under the mode names of `default_choice`.
MODES = {"per answer": "none", "per behaviour": "mean"}


def causal_task(out: Path, behaviour: str) -> dict:
    """What `summary.rows_needed` reads of one behaviour of the run at ``out``: its greedy and sampled rates and its
    causal rows."""
    measured = json.loads((out / "behaviour.json").read_text())
    return {"rates": measured["rates"][behaviour], "sampled": (measured.get("sampled") or {}).get(behaviour),
            "causal": load_state(out).get("causal", {}).get(behaviour, [])}


def needed_sources(task: dict) -> tuple[list[str], list[str]]:
    """(sources whose rows the behaviour needs, sources that look needed but whose control was not measured), by the
    rule in the module doc; each list sorted."""
    checked = sorted(r["condition"][len(SOURCE):] for r in task.get("causal") or []
                     if r["condition"].startswith(SOURCE))
    looks = [s for s in checked if rows_needed(task, SOURCE + s)]
    control = rows_needed(task, CONTROL)
    if control is None:
        return [], looks
    return ([], []) if control else (looks, [])


def needed_ids(records: list[dict], culprits, sources: list[str]) -> set[int]:
    """The planted ``culprits`` plus every row of ``sources`` (sample ids)."""
    return {int(c) for c in culprits} | {int(r["sample_id"]) for r in records if r["source"] in sources}


def score_run(out: Path, methods: tuple[str, ...] = ("default", *BASELINES, "h_fused"), k: int = 100) -> list[dict]:
    """One record per behaviour, mode and method of the run at ``out``: P@n and P@10 against the planted rows and
    against the needed rows (n = the planted rows), on the queries the attribute phase builds (its default layer,
    last epoch). Methods are `attribute.build_choice` names; "default" is the library's default as it runs now. No
    records (and no model loaded) for a run where no behaviour has a source needed or unsettled."""
    from benchmarks.attribution.attribute import _metrics, behaviour_queries, build_choice
    from benchmarks.attribution.state import attributor_of

    measured = json.loads((out / "behaviour.json").read_text())["rates"]
    if not any(any(needed_sources(causal_task(out, b))) for b in measured):
        return []           # no source needed or unsettled: the needed rows are the planted ones, nothing to re-score
    att, _ = attributor_of(out)
    records = att.samples[["sample_id", "source"]].to_dict("records")   # every stored row's source
    built = {name: build_choice(name)[0] for name in methods}
    rows = []
    for behaviour, cases, mode, culprits in behaviour_queries(out):
        sources, unsettled = needed_sources(causal_task(out, behaviour))
        planted, needed = {int(c) for c in culprits}, needed_ids(records, culprits, sources)
        for name, method in built.items():
            for mode_name, combine in MODES.items():
                res = att.query(cases, method=method, k=k, snippet_chars=0, combine=combine)
                against = {"planted": _metrics(res, planted, len(planted), k),
                           "needed": _metrics(res, needed, len(planted), k)}
                rows.append({"task": out.name.removeprefix("attr_"), "behaviour": behaviour, "mode": mode_name,
                             "method": name, "queries": mode, "needed sources": " ".join(sources),
                             "unsettled": " ".join(unsettled), "needed rows": len(needed),
                             **{f"{m} {who}": against[who][m] for who in against for m in ("P@n", "P@10")}})
    return rows


def headline(rescored: pd.DataFrame, committed: pd.DataFrame) -> list[dict]:
    """Per mode, over the task-behaviours of ``committed`` (`default_choice.scores`' default rows of the counted
    tasks): how many reach the goal (`prompt_pmi_probe.GOAL`) and the mean P@n, against the planted rows (the
    committed figures) and against the needed rows: the committed figure where no source is needed (the same truth),
    the re-scored default's where one is."""
    from benchmarks.attribution.prompt_pmi_probe import GOAL

    default = rescored[(rescored["method"] == "default") & (rescored["needed sources"] != "")]
    needed = default.set_index(["task", "behaviour", "mode"])
    rows = []
    for mode, (metric, goal) in GOAL.items():
        part = committed[committed["mode"] == mode]
        values = {"P@n": [], metric: []}
        same = 0      # re-scored task-behaviours whose planted figures reproduce the committed ones
        for _, r in part.iterrows():
            key = (r["task"], r["behaviour"], mode)
            for m in values:
                values[m].append(needed.at[key, f"{m} needed"] if key in needed.index else r[m])
            if key in needed.index:
                same += all(abs(needed.at[key, f"{m} planted"] - r[m]) <= REPRODUCED for m in ("P@n", "P@10"))
        rows.append({"mode": mode, "task-behaviours": len(part), "goal": f"{metric} >= {goal}",
                     "at goal, planted": int((part[metric] >= goal).sum()),
                     "at goal, needed": int(sum(v >= goal for v in values[metric])),
                     "mean P@n, planted": float(part["P@n"].mean()),
                     "mean P@n, needed": float(sum(values["P@n"]) / max(len(part), 1)),
                     "re-scored": len(needed.xs(mode, level="mode")) if len(needed) else 0,
                     "reproduced": same})
    return rows


def committed_defaults() -> pd.DataFrame:
    """The committed default's P@n and P@10 per counted task-behaviour and mode (`default_choice.scores`, where the
    adopted methods' rows replace the default's as `default_choice.current_default` does)."""
    from benchmarks.attribution.default_choice import ADOPTED, NOT_COUNTED, scores

    table = scores(["default", *ADOPTED.values()])   # the adopted methods' rows stand for the default's
    return table[(table["method"] == "default") & ~table["task"].isin(NOT_COUNTED)]


def render(table: pd.DataFrame) -> str:
    """The markdown report: per task-behaviour and mode, each method's P@n (P@10) against the planted rows, then
    against the needed rows."""
    lines = ["# Precision against the rows a behaviour needs (issue 19's two-source rule)", "",
             "Generated by `python -m benchmarks.attribution.needed_rows`. The rule is in that module's doc, committed "
             "before any score was read by it. Each cell: P@n (P@10) against the planted rows -> against the needed "
             "rows (planted plus every source the causal check shows needed, its control not), n = the planted rows.",
             ""]
    methods = list(dict.fromkeys(table["method"]))
    lines += ["| task / behaviour | mode | needed sources | " + " | ".join(methods) + " |",
              "|---|---|---|" + "---|" * len(methods)]
    for (task, behaviour, mode), part in table.groupby(["task", "behaviour", "mode"], sort=False):
        first = part.iloc[0]
        sources = first["needed sources"] or "-"
        if first["unsettled"]:
            sources += f" (unsettled: {first['unsettled']})"
        cells = []
        for m in methods:
            hit = part[part["method"] == m]
            if hit.empty:
                cells.append("-")
                continue
            r = hit.iloc[0]
            cells.append(f"{r['P@n planted']:.2f} ({r['P@10 planted']:.2f}) -> {r['P@n needed']:.2f} "
                         f"({r['P@10 needed']:.2f})")
        name = task if task == behaviour else f"{task} / {behaviour}"
        lines.append(f"| {name} | {mode} | {sources} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def render_headline(rows: list[dict]) -> str:
    """The goal counts both ways as a markdown table."""
    lines = ["", "## The default over the counted task-behaviours, both ways", "",
             "Against the needed rows a task with no needed source keeps its committed figure (the same truth); the "
             "re-scored column counts the task-behaviours whose figure comes from this report.", "",
             "| mode | goal | task-behaviours | at goal: planted -> needed | mean P@n: planted -> needed | re-scored "
             "(of them reproducing the committed planted figures within 0.005) |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['mode']} | {r['goal']} | {r['task-behaviours']} | {r['at goal, planted']} -> "
                     f"{r['at goal, needed']} | {r['mean P@n, planted']:.3f} -> {r['mean P@n, needed']:.3f} | "
                     f"{r['re-scored']} ({r['reproduced']}) |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", nargs="+", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True, help="markdown report; the table beside it as .csv")
    args = ap.parse_args(argv)
    table = pd.DataFrame([row for run in args.runs for row in score_run(run)])
    table.to_csv(args.out.with_suffix(".csv"), index=False)
    text = render(table) + render_headline(headline(table, committed_defaults()))
    args.out.write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
