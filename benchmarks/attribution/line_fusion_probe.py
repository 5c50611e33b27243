"""Fusions of the stored per-answer lines, scored from the line files alone (issue 19, items 1 and 3; a dev probe).

    python -m benchmarks.attribution.line_fusion_probe --dir benchmarks/attribution/results/line_scores \
        --out benchmarks/attribution/results/line_fusion_probe.md

Reads every ``<task>.npz`` that `line_scores` wrote (no run, no model) and scores, per answer, the adopted default
beside each of its lines alone and a few fusions of them (`FUSIONS`), every line a plain z-score over the rows
(`standard_z`), the gated guard as the library computes it (`guard_scores(z_context, z_next, "gated")`):

* each line alone, and the gated guard alone: which line holds the planted rows on which task;
* ``states + guard`` (g = 1, 2): the two state lines (``h_fused_c``, ``h_last_c``) plus the guard at weight g, without
  pooled token match, which ranks first the rows of another context that use the answer's words (the refusals of
  entity_refusal's harmful sources: 0.02 alone there);
* ``context + guard``: the prompt side and the guard at equal weight;
* two oracles, not methods (they read the planted rows): ``best line per task``, the one line (of the five and the
  guard) with the highest mean P@n over the task's answers, and ``best line per answer``, each answer's own best
  line. They bound what choosing one of these lines, fixed or by a quantity measured on the query, can reach (a
  fusion can exceed them where two lines each hold some of the planted rows): where the oracle and every fusion are
  below the goal, the task needs evidence these lines do not hold.

Which files it reads is which runs were exported (`results/line_scores/`); a mean over them is not a verdict: the
default-choice rule reads every counted task, and a fusion is a candidate only once committed before a held-out round.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks.attribution.default_choice import MARGIN
from benchmarks.attribution.line_scores import LINES, adopted_answer_scores, load_lines
from benchmarks.attribution.probe_main import fused_line_tables, precision

DEFAULT = "default"
ORACLES = ("best line per task", "best line per answer")
# Each mode and the prefix of its lines in a line file.
MODES = {"per answer": "", "per behaviour": "behaviour "}


def z_lines(lines: dict[str, np.ndarray], prefix: str = "") -> dict[str, np.ndarray]:
    """Each line's plain z-scores over the rows, and the gated guard ("guard"); ``prefix="behaviour "``: of the
    per-behaviour lines."""
    from provenance.attribution.joint import guard_scores, standard_z

    out = {name: standard_z(lines[prefix + name]) for name in LINES}
    out["guard"] = standard_z(guard_scores(out["context"], out["next"], "gated"))
    return out


def _sum(*names: str, weights: tuple[float, ...] | None = None) -> Callable[[dict], np.ndarray]:
    """A fusion: the weighted sum of the named z-lines (equal weights by default)."""
    w = weights or (1.0,) * len(names)
    return lambda z: sum(wi * z[n] for wi, n in zip(w, names))


FUSIONS: dict[str, Callable[[dict], np.ndarray]] = {
    **{f"{name} alone": _sum(name) for name in (*LINES, "guard")},
    "states + guard": _sum("signature", "context", "guard"),
    "states + 2 guard": _sum("signature", "context", "guard", weights=(1.0, 1.0, 2.0)),
    "context + guard": _sum("context", "guard"),
}


def file_records(path: Path) -> list[dict]:
    """P@n and P@10 of the default fusion and every other, per answer (``mode`` "per answer", averaged over the
    answers) and per behaviour (the per-behaviour lines), one record per (behaviour, mode, column) of a file."""
    _, behaviours = load_lines(path)
    records = []
    for behaviour, lines in behaviours.items():
        planted = lines["planted"]
        for mode, prefix in MODES.items():
            z = z_lines(lines, prefix)
            columns = {DEFAULT: adopted_answer_scores(lines, prefix)} | {name: f(z) for name, f in FUSIONS.items()}
            for column, scores in columns.items():
                p_n, p_10 = precision(scores, planted, int(planted.sum()))
                records.append({"task": path.stem, "behaviour": behaviour, "mode": mode, "column": column,
                                "P@n": p_n, "P@10": p_10, "queries": len(scores)})
            records += _oracles(z, planted, {"task": path.stem, "behaviour": behaviour, "mode": mode})
    return records


def _oracles(z: dict[str, np.ndarray], planted: np.ndarray, key: dict) -> list[dict]:
    """The `ORACLES`' records: per task the line of best mean P@n, per answer each answer's line of best P@n (ties:
    the better P@10, then `LINES`' order)."""
    n = int(planted.sum())
    # [lines, answers, 2]: each line's (P@n, P@10) on each answer alone
    each = np.array([[precision(line[q:q + 1], planted, n) for q in range(len(line))] for line in z.values()])
    per_task = each[np.lexsort((-each[..., 1].mean(1), -each[..., 0].mean(1)))[0]].mean(0)
    best = np.lexsort((-each[..., 1], -each[..., 0]), axis=0)[0]
    per_answer = each[best, np.arange(each.shape[1])].mean(0)
    return [key | {"column": column, "P@n": float(v[0]), "P@10": float(v[1]), "queries": each.shape[1]}
            for column, v in zip(ORACLES, (per_task, per_answer))]


def render(records: list[dict]) -> str:
    tasks = sorted({r["task"] for r in records})
    legend = (f"Read from {len(tasks)} line files ({', '.join(tasks)}). `default`: the adopted per-answer default "
              "(`joint-gated-next`) rebuilt from its lines, per answer and, from the per-behaviour lines, per "
              "behaviour (where the library's per-behaviour default is `auto-refine-z`, not a fusion of these "
              "lines); the rest as the module doc lists them, the last two oracles that read the planted rows (a "
              "bound, not a method). A dev probe over the exported runs, not a verdict.")
    parts = [fused_line_tables(f"Fusions of the stored lines, {mode} (line files only)", legend,
                               [r for r in records if r["mode"] == mode], [DEFAULT, *FUSIONS, *ORACLES], DEFAULT,
                               MARGIN)
             for mode in MODES]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> None:
    import json

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    records = [r for path in sorted(args.dir.glob("*.npz")) for r in file_records(path)]
    text = render(records).rstrip("\n") + "\n"
    args.out.write_text(text)
    args.out.with_suffix(".json").write_text(json.dumps(records, indent=1))
    print(text, end="")


if __name__ == "__main__":
    main()
