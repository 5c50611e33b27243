"""Whether the pooled prompt and response sides at the other captured layers hold what the stored lines miss.

    OMP_NUM_THREADS=1 python -m benchmarks.attribution.layer_line_probe --runs runs/attr_confusable ... \
        --lines benchmarks/attribution/results/line_scores --out benchmarks/attribution/results/layer_line_probe.md

A diagnostic, not a candidate. `line_fusion_probe`'s oracles (each answer's best line, read against the planted rows)
showed that no choice among the five stored lines (`line_scores.LINES`) reaches P@10 >= 0.9 per answer on some tasks.
The stored lines read the prompt side (``h_last_c``) and the pooled signature at one layer, the store's default (29
on these runs). This probe adds ``h_last_c`` and ``h_mean_c`` at every captured layer (`SIDES`, the run's layers) and
asks one oracle question of three sets of lines (`SETS`): the stored lines (the five and `line_fusion_probe`'s gated
guard), the stored lines with the layer lines, and the layer lines alone. The oracle (`best_line`) takes each
answer's line of best P@10 (the per-answer goal's measure; ties by P@n), and per behaviour the line of best P@n
(ties by P@10), so a larger set never scores lower. Where even the larger set's oracle stays below the goal, no
layer of the pooled states holds the missing evidence, and a method needs another kind (per-token contrasts, the
answer's own tokens).
Per behaviour it also lists each layer's prompt side alone, since the prompt-only tasks are where the per-behaviour
fusions lose to the rule stack.

It needs the runs (the layer lines are computed from each run's store) and reads the stored lines from their files.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.attribution.line_fusion_probe import MODES, z_lines
from benchmarks.attribution.line_scores import adopted_answer_scores, probe_runs_beside_lines
from benchmarks.attribution.probe_main import precision

SIDES = ("h_last_c", "h_mean_c")
SETS = ("stored lines", "stored + layer lines", "layer lines alone")
ORACLE = "best line"
# The goal's measure in each mode, which the oracle maximises first (`precision` returns (P@n, P@10)).
GOAL = {"per answer": ("P@10", 0.9), "per behaviour": ("P@n", 0.95)}


def layer_lines(out: Path) -> tuple[np.ndarray, dict[str, dict[str, np.ndarray]]]:
    """(the last epoch's row ids, ``{behaviour: {"<side>@<layer>": [Q, rows], "behaviour <side>@<layer>": [1, rows]}}``)
    of the run at ``out``: each side of `SIDES` at every captured layer, per answer and per behaviour, over the rows
    `line_scores.export_run` scores (so the ids match the run's line file)."""
    from benchmarks.attribution.attribute import behaviour_queries
    from benchmarks.attribution.state import attributor_of
    from provenance.attribution.joint import dense_scores
    from provenance.attribution.signature_method import SignatureMethod
    from provenance.attribution.topk import select_rows

    att, store = attributor_of(out)
    rows = np.flatnonzero(select_rows(att.samples, "last"))
    ids = att.samples["sample_id"].astype(str).to_numpy()[rows]
    behaviours = {}
    for behaviour, cases, _, _ in behaviour_queries(out):
        test = att.signatures(cases, list(store.layers), [])
        lines = {}
        for side in SIDES:
            for layer in store.layers:
                method = SignatureMethod(side, layer, "last")
                lines[f"{side}@{layer}"] = dense_scores(method.rank(att, test, len(rows)), rows)
                lines[f"behaviour {side}@{layer}"] = dense_scores(method.rank_behaviour(att, test, len(rows)), rows)
        behaviours[behaviour] = lines
    return ids, behaviours


def best_line(lines: dict[str, np.ndarray], planted: np.ndarray, mode: str) -> tuple[float, float]:
    """(P@n, P@10) over the answers when each answer takes the line of ``lines`` best by `GOAL`'s measure for
    ``mode`` (ties by the other measure, then the lines' order): a bound on choosing one line, read against the
    planted rows."""
    n = int(planted.sum())
    # [lines, answers, 2]: each line's (P@n, P@10) on each answer alone
    each = np.array([[precision(line[q:q + 1], planted, n) for q in range(len(line))] for line in lines.values()])
    first = 1 if GOAL[mode][0] == "P@10" else 0
    best = np.lexsort((-each[..., 1 - first], -each[..., first]), axis=0)[0]
    return tuple(float(v) for v in each[best, np.arange(each.shape[1])].mean(0))


def records(task: str, behaviour: str, stored: dict[str, np.ndarray], layered: dict[str, np.ndarray]) -> list[dict]:
    """One record per mode and column of one task-behaviour: the adopted default's P@n and P@10 (rebuilt from the
    stored lines), each set of `SETS`' oracle (`best_line`), and per behaviour each layer line's P@n alone.

    Args:
        task, behaviour: The record's key.
        stored: The behaviour's stored lines and planted mask (`line_scores.load_lines`).
        layered: The behaviour's layer lines (`layer_lines`), over the same rows.

    Raises:
        ValueError: The layer lines cover a different number of rows than the stored ones.
    """
    from provenance.attribution.joint import standard_z

    planted = stored["planted"]
    if any(v.shape[-1] != len(planted) for v in layered.values()):
        raise ValueError(f"{task}/{behaviour}: the layer lines and the stored lines cover different rows")
    n, out = int(planted.sum()), []
    for mode, prefix in MODES.items():
        key = {"task": task, "behaviour": behaviour, "mode": mode}
        p_n, p_10 = precision(adopted_answer_scores(stored, prefix), planted, n)
        out.append(key | {"column": "default", "P@n": p_n, "P@10": p_10})
        base = z_lines(stored, prefix)
        extra = {name.removeprefix(prefix): standard_z(v) for name, v in layered.items()
                 if name.startswith(prefix) and (prefix or not name.startswith("behaviour "))}
        for name, lines in zip(SETS, (base, base | extra, extra)):
            p_n, p_10 = best_line(lines, planted, mode)
            out.append(key | {"column": f"{ORACLE}: {name}", "P@n": p_n, "P@10": p_10})
        if mode == "per behaviour":
            for name, line in extra.items():
                p_n, p_10 = precision(line, planted, n)
                out.append(key | {"column": name, "P@n": p_n, "P@10": p_10})
    return out


def counted_task_behaviours() -> set[tuple[str, str]]:
    """The (task, behaviour) pairs issue 19 counts: those the committed tables score with the default, less
    `default_choice.NOT_COUNTED`."""
    from benchmarks.attribution.default_choice import ADOPTED, NOT_COUNTED, scores

    table = scores(["default", *ADOPTED.values()])
    table = table[(table["method"] == "default") & ~table["task"].isin(NOT_COUNTED)]
    return set(zip(table["task"], table["behaviour"], strict=True))


def render(table: pd.DataFrame, counted: set[tuple[str, str]] | None = None) -> str:
    """Per mode, one row per task-behaviour: per answer P@10 (the goal's measure), per behaviour P@n; the goal counts
    read over ``counted`` (default: every row), the other rows marked "not counted"."""
    lines = ["# Pooled states at every captured layer: can any line reach what the stored lines miss?", "",
             "Generated by `python -m benchmarks.attribution.layer_line_probe`. `best line`: each answer's line best "
             "by the goal's measure (per answer P@10, per behaviour P@n), read against the planted rows: a bound on "
             "choosing one line, not a method. `default`: the adopted per-answer fusion rebuilt from the stored lines "
             "(per behaviour the same fusion of the per-behaviour lines, not the library's per-behaviour rule).", ""]
    for mode, (value, goal) in GOAL.items():
        t = table[table["mode"] == mode]
        wide = t.pivot_table(index=["task", "behaviour"], columns="column", values=value, sort=False)
        columns = ["default", *(f"{ORACLE}: {s}" for s in SETS)]
        columns += [c for c in wide.columns if c not in columns]
        keep = [counted is None or key in counted for key in wide.index]
        lines += [f"## {mode}: {value}", "", "| task / behaviour | " + " | ".join(columns) + " |",
                  "|---|" + "---|" * len(columns)]
        lines += [f"| {task} / {behaviour}{'' if k else ' (not counted)'} | "
                  + " | ".join(f"{row[c]:.2f}" for c in columns) + " |"
                  for k, ((task, behaviour), row) in zip(keep, wide[columns].iterrows(), strict=True)]
        read = wide[keep]
        lines += ["", f"At least {goal}, over the {len(read)} counted task-behaviours: "
                  + ", ".join(f"{c} {int((read[c] >= goal).sum())}" for c in columns[:4]) + ".", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    import torch

    torch.set_num_threads(1)   # the runs' models on one core, beside the other jobs of the bench
    args, rows = probe_runs_beside_lines(__doc__, argv, layer_lines, records)
    text = render(pd.DataFrame(rows), counted_task_behaviours())
    args.out.write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
