"""Does the text baseline, as a line of its own beside the per-answer default, lift it to the lexical floor? A probe
over every counted benchmark run (issue 19 items 3 and 4), not a candidate.

    OMP_NUM_THREADS=1 python -m benchmarks.attribution.lexical_line_probe --runs runs/attr_miles_units ... \
        --out benchmarks/attribution/results/lexical_line_probe.md

Why ask. On round 16's miles_units the planted answers and the topic twins are one sentence with " miles" or " km":
BM25 over prompt and response (the lexical floor's baseline, `provenance.attribution.lexical_floor`) finds the
planted rows (P@n 0.98) and every representation line ranks the kilometre rows beside them (0.47). The floor's
warning fires there, on every wrong ranking; item 4 is met by saying so. The question here is whether the ranking
itself can hold the floor: BM25's scores as evidence beside the default's lines, where text is sharp (an entity swap,
a unit, a fixed phrase) and where it is not (a casing, a register, answers that reuse another source's words). Three
fusions, each a Stouffer sum of plain z-scores over the rows (`stouffer_standard_z`), nothing fitted:

* ``line``: BM25 as a fourth line of weight 1 beside the default's three (signature, token match and prompt side at
  weights 1/sqrt(2), 2/sqrt(2), 1/sqrt(2), `joint.focus_and_side_weights` at 1/2);
* ``equal``: the default's score and BM25's as two equal lines;
* ``both``: the weaker of the prompt side's z-score and BM25's as a fourth line of weight 1 (the intersection-union
  form `focus_line_probe` measured for the most-raised token): a row the text matches counts as far as the prompt
  side also points to it, so an answer's words reused from another context (the confusable task's translations) do
  not lift that context's rows.

P@n and P@10 per answer (the queries are the model's own generations that show the behaviour, `behaviour_queries`),
last epoch's rows; the table gives each task and column, the mean, the worst, the tasks at P@10 >= 0.9 and the tasks
that move by more than `MOVED` from the default.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.attribution.attribute import behaviour_queries
from benchmarks.attribution.default_choice import MARGIN
from benchmarks.attribution.probe_main import by_task, default_answer_lines, metric_table, precision, probe_main
from benchmarks.attribution.state import attributor_of

DEFAULT = "default"
FUSIONS = ("line", "equal", "both")
BM25 = "bm25"
MOVED = MARGIN


def fused(default_lines: tuple[np.ndarray, np.ndarray, np.ndarray], text: np.ndarray) -> dict[str, np.ndarray]:
    """``[Q, rows]`` scores of the default (signature, token, context lines), of BM25 alone and of each of `FUSIONS`
    with BM25's ``text`` scores (module doc)."""
    from provenance.attribution.joint import focus_and_side_weights, standard_z, stouffer_standard_z

    sig, tok, ctx = default_lines
    weights = focus_and_side_weights(np.full(len(sig), 0.5))
    fourth = np.hstack([weights, np.ones((len(sig), 1))])
    default = stouffer_standard_z(sig, tok, ctx, weights=weights)
    return {DEFAULT: default, BM25: text,
            "line": stouffer_standard_z(sig, tok, ctx, text, weights=fourth),
            "equal": stouffer_standard_z(default, text),
            "both": stouffer_standard_z(sig, tok, ctx, np.minimum(standard_z(ctx), standard_z(text)), weights=fourth)}


def measure(out: Path) -> list[dict]:
    """P@n and P@10 per answer of every column, for each behaviour of one run."""
    from provenance.attribution.joint import dense_scores
    from provenance.attribution.lexical_floor import text_baseline
    from provenance.attribution.signatures import default_layer
    from provenance.attribution.token_match import default_token_layer
    from provenance.attribution.topk import select_rows

    att, store = attributor_of(out)
    layer, token_layer = default_layer(store), default_token_layer(att.model)
    rows = np.flatnonzero(select_rows(att.samples, "last"))
    ids = att.samples["sample_id"].astype(str).to_numpy()[rows]
    records = []
    for behaviour, cases, _, culprits in behaviour_queries(out):
        planted = np.isin(ids, [str(c) for c in culprits])
        test = att.signatures(cases, [layer], [token_layer])
        lines = default_answer_lines(att, test, layer, token_layer, rows)
        text = dense_scores(text_baseline().rank(att, test, len(rows)), rows)
        for column, s in fused(lines, text).items():
            p_n, p_10 = precision(s, planted, len(culprits))
            records.append({"task": out.name.removeprefix("attr_"), "behaviour": behaviour, "column": column,
                            "P@n": p_n, "P@10": p_10, "queries": len(cases)})
        print(f"{out.name} {behaviour}: {len(cases)} queries", flush=True)
    return records


def render(records: list[dict]) -> str:
    """P@n and P@10 per task and column, with the mean, the worst, the tasks at >= 0.9 and the tasks moved."""
    names = [c for c in (DEFAULT, BM25) + FUSIONS if any(r["column"] == c for r in records)]
    lines = ["# The text baseline as a line beside the per-answer default: a probe (issue 19)", "",
             "Generated by `python -m benchmarks.attribution.lexical_line_probe`. Per answer, last epoch's rows. "
             "`default`: joint-equal-c (the per-answer default); `bm25`: the lexical floor's baseline alone (BM25 "
             "over prompt and response). `line`: BM25 as a fourth Stouffer line of weight 1; `equal`: the default and "
             "BM25 as two equal lines; `both`: the weaker of the prompt side's and BM25's z as a fourth line.", ""]
    for metric in ("P@n", "P@10"):
        lines += [f"## {metric}", ""] + metric_table(by_task(records, "column"), names, metric, moved_from=DEFAULT,
                                                     moved=MOVED) + [""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    probe_main(__doc__.splitlines()[0], measure, render, argv)


if __name__ == "__main__":
    main()
