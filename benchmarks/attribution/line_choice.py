"""Issue 19's default-choice rule read for fusions of the stored lines, from the line files alone (no run, no model).

    python -m benchmarks.attribution.line_choice --dir benchmarks/attribution/results/line_scores \
        --candidates answers-stouffer "behaviour fusion" --out benchmarks/attribution/results/line_choice.md

`default_choice` reads a candidate's P@n from the tables a run's attribute phase wrote, so a new candidate needs every
counted run at hand. Every per-answer candidate since round 12 is a fusion of the lines `line_scores` keeps for each
run, so here a candidate is a function of a file's lines (`CANDIDATES`), scored on every counted task-behaviour that
has a file, against the default as the committed tables hold it (`default_choice.scores`: per answer
`joint-gated-next`, per behaviour `auto-refine-z`, where a task has them), by the same rule (`default_choice.decide`:
mean at least the default's, worst at least the default's worst, no task more than `MARGIN` below). A counted task
without a file is named, and the verdict covers only the tasks read.

The candidates, each per answer (``[answers, rows]`` scores) and per behaviour (``[1, rows]``):

* ``behaviour fusion``: per behaviour, the adopted per-answer fusion of the per-behaviour lines (each line's own
  behaviour ranking, then fused: `JointMethod(**ANSWER_FUSION).rank_behaviour`); per answer, the default itself;
* ``answers-stouffer``: per behaviour, the adopted per-answer fusion of each answer, each answer's scores as plain
  z-scores over the rows, summed over the answers and divided by sqrt(answers) (Stouffer's method across the
  answers, as the fusion is across the lines: nothing fitted); per answer, the default itself;
* ``answers-gated``: ``answers-stouffer`` after each answer's scores are gated by that answer's prompt side as the
  guard gates token match (`guard_scores(z_context, z_default, "gated")`: a row whose prompt is less like the
  answer's than the mean row's, z_context < 0, keeps at most its context z). Issue 19's "rows that produce the same
  answer in a different prompt context rank below rows with the same context", with the mean row as the line: no
  constant. Committed before round 21 was trained; per answer, the default itself;
* each line of `line_fusion_probe.FUSIONS` by its name (``"next alone"``, ``"states + guard"``...), in both modes.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.attribution.default_choice import (
    ADOPTED, MARGIN, NOT_COUNTED, TASKS, decide, method_table, scores, verdict_text,
)
from benchmarks.attribution.line_fusion_probe import FUSIONS, MODES, z_lines
from benchmarks.attribution.line_scores import adopted_answer_scores, load_lines
from benchmarks.attribution.probe_main import precision


def answers_stouffer(lines: dict[str, np.ndarray]) -> np.ndarray:
    """``[1, rows]``: the adopted per-answer fusion's plain z-scores summed over the answers, over sqrt(answers)."""
    from provenance.attribution.joint import standard_z

    per_answer = standard_z(adopted_answer_scores(lines))
    return per_answer.sum(0, keepdims=True) / np.sqrt(len(per_answer))


def answers_gated(lines: dict[str, np.ndarray]) -> np.ndarray:
    """``[1, rows]``: `answers_stouffer` of each answer's adopted scores gated by its own prompt side (the candidate
    ``answers-gated`` above)."""
    from provenance.attribution.joint import guard_scores, standard_z

    gated = guard_scores(standard_z(lines["context"]), standard_z(adopted_answer_scores(lines)), "gated")
    return standard_z(gated).sum(0, keepdims=True) / np.sqrt(len(gated))


def _per_mode(per_answer: Callable, per_behaviour: Callable) -> Callable[[dict, str], np.ndarray]:
    return lambda lines, mode: per_answer(lines) if mode == "per answer" else per_behaviour(lines)


CANDIDATES: dict[str, Callable[[dict, str], np.ndarray]] = {
    "behaviour fusion": _per_mode(adopted_answer_scores, lambda lines: adopted_answer_scores(lines, "behaviour ")),
    "answers-stouffer": _per_mode(adopted_answer_scores, answers_stouffer),
    "answers-gated": _per_mode(adopted_answer_scores, answers_gated),
    **{name: (lambda lines, mode, f=f: f(z_lines(lines, MODES[mode]))) for name, f in FUSIONS.items()},
}
# The candidates that are the adopted per-answer default itself per answer (their verdict there says so).
DEFAULT_PER_ANSWER = ("behaviour fusion", "answers-stouffer", "answers-gated")


def candidate_rows(directory: Path, candidates: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """(one row per counted task-behaviour with a file, mode and candidate: P@n and P@10, as `default_choice.scores`
    lays them out; the counted tasks with no file).

    Raises:
        ValueError: An unknown candidate name.
    """
    unknown = [c for c in candidates if c not in CANDIDATES]
    if unknown:
        raise ValueError(f"unknown candidates {unknown}; known: {sorted(CANDIDATES)}")
    rows, missing = [], []
    for task in TASKS:
        if task in NOT_COUNTED:
            continue
        path = directory / f"{task}.npz"
        if not path.exists():
            missing.append(task)
            continue
        for behaviour, lines in load_lines(path)[1].items():
            planted = lines["planted"]
            for mode in MODES:
                for name in candidates:
                    p_n, p_10 = precision(CANDIDATES[name](lines, mode), planted, int(planted.sum()))
                    rows.append({"task": task, "behaviour": behaviour, "mode": mode, "method": name,
                                 "P@n": p_n, "P@10": p_10})
    return pd.DataFrame(rows), missing


def verdict_table(directory: Path, candidates: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """The candidates' rows beside the committed default's (`default_choice.scores`) on the tasks read."""
    table, missing = candidate_rows(directory, candidates)
    # The adopted methods' rows stand for the default where a task has them (`default_choice.current_default`).
    committed = scores(["default", *ADOPTED.values()])
    committed = committed[committed["method"] == "default"]
    read = committed.merge(table[["task", "behaviour"]].drop_duplicates(), on=["task", "behaviour"])
    return pd.concat([read, table], ignore_index=True), missing


def render(table: pd.DataFrame, candidates: list[str], missing: list[str]) -> str:
    lines = ["# Issue 19's rule for fusions of the stored lines (line files only)", "",
             "Generated by `python -m benchmarks.attribution.line_choice`. The default column is the committed tables' "
             "(per answer `joint-gated-next`, per behaviour `auto-refine-z`, where a task has them); each candidate "
             f"is computed from the task's line file. Rule: `default_choice.decide`, margin {MARGIN}.", ""]
    if missing:
        lines += [f"Counted tasks without a line file (not read): {', '.join(missing)}.", ""]
    for mode in MODES:
        t = table[table["mode"] == mode]
        lines += [f"## {mode}: P@n", ""] + method_table(t, ["default", *candidates], "P@n")
        for cand in candidates:
            if mode == "per answer" and cand in DEFAULT_PER_ANSWER:
                lines += [f"**{cand}, {mode}:** the adopted default itself.", ""]
                continue
            rows = t[t["method"] == cand]
            goal = f"; P@n >= 0.95 on {int((rows['P@n'] >= 0.95).sum())}"
            if mode == "per answer":
                goal += f", P@10 >= 0.9 on {int((rows['P@10'] >= 0.9).sum())}"
            lines += [verdict_text(cand, mode, decide(table, cand, mode), goal), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, required=True)
    ap.add_argument("--candidates", nargs="+", required=True, choices=sorted(CANDIDATES))
    ap.add_argument("--out", type=Path, default=None, help="also write the table here")
    args = ap.parse_args(argv)
    table, missing = verdict_table(args.dir, args.candidates)
    text = render(table, args.candidates, missing)
    if args.out is not None:
        args.out.write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
