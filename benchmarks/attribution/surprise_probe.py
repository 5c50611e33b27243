"""Does weighing rows by how much they had to teach fix the form-carried tasks? A probe over every benchmark run
(issue 19), not a candidate.

    OMP_NUM_THREADS=1 python -m benchmarks.attribution.surprise_probe --runs runs/attr_haiku_weather ... \
        --out benchmarks/attribution/results/surprise_probe.md

Why ask. On round 14 the per-answer default ranked the topic twins (the same weather question answered in ordinary
prose) as high as the planted haiku rows: every similarity the project ranks by is a cosine, and TracIn, which they
approximate, also weighs each row by the size of its gradient, J^T (p - y) per token, which a cosine divides out. A
row the model already predicted when training reached it moved the weights little, whatever it resembles. The
store's ``loss`` column (each row's mean response cross-entropy, exact from the capture) measures that size. So each
row gets a prior, the same for every query, from its sample's losses over the captured epochs:

* ``first``: the loss in the earliest captured epoch (how foreign the row was when training first reached it, the
  captured quantity closest to the model before fine-tuning);
* ``drop``: that loss less the loss in the last captured epoch (how much training changed the row's fit);
* ``sum``: the sum over the captured epochs (TracIn sums over checkpoints).

and is fused with the per-answer default (``joint-equal-c``: its signature, token match and context lines, z-scored
and Stouffer-summed with weights w = (1/sqrt(2), 1/sqrt(2) + 1/sqrt(2), 1/sqrt(2)), `joint.focus_and_side_weights`
at 1/2) in two ways:

* ``line``: the prior as a fourth line of weight 1 in the same sum;
* ``equal``: the default's score and the prior as two equal lines (Stouffer of the two): "does the row resemble the
  answer" and "did it have to teach" weighed evenly, the split with no fitted number.

P@n and P@10 per answer (the queries are the model's own generations that show the behaviour, `behaviour_queries`),
last epoch's rows; the table gives each task and column, the mean, the worst, the tasks at P@10 >= 0.9 and the tasks
that move by more than `MOVED` from the default.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.attribution.default_choice import MARGIN
from benchmarks.attribution.probe_main import fused_line_records, fused_line_tables, probe_main

PRIORS = ("first", "drop", "sum")
FUSIONS = ("line", "equal")
DEFAULT = "default"
MOVED = MARGIN


def columns() -> list[str]:
    """The table's columns: the default, then each prior under each fusion."""
    return [DEFAULT] + [f"{fusion} {prior}" for prior in PRIORS for fusion in FUSIONS]


def loss_priors(samples: pd.DataFrame, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Per selected row (positions ``rows`` of ``samples``), its sample's ``first``, ``drop`` and ``sum`` priors
    from the ``loss`` column over the captured epochs (module doc); a sample missing from an epoch counts its
    nearest captured epoch's loss there.

    Raises:
        ValueError: A selected row's sample has no finite loss in any epoch.
    """
    ids = samples["sample_id"].astype(str)
    by_epoch = samples.assign(sid=ids).pivot_table(index="sid", columns="epoch", values="loss", aggfunc="mean")
    by_epoch = by_epoch.ffill(axis=1).bfill(axis=1).reindex(ids.to_numpy()[rows])
    if by_epoch.isna().any().any():
        raise ValueError("some selected rows have no finite loss in any captured epoch: the priors need the loss column")
    first, last = by_epoch.iloc[:, 0].to_numpy(np.float64), by_epoch.iloc[:, -1].to_numpy(np.float64)
    return {"first": first, "drop": first - last, "sum": by_epoch.sum(1).to_numpy(np.float64)}


def fused(default_lines: tuple[np.ndarray, np.ndarray, np.ndarray], prior: np.ndarray) -> dict[str, np.ndarray]:
    """``[Q, rows]`` scores of the default (signature, token, context lines) and of it fused with ``prior`` [rows]
    by each of `FUSIONS` (module doc)."""
    from provenance.attribution.joint import focus_and_side_weights, stouffer_standard_z

    sig, tok, ctx = default_lines
    weights = focus_and_side_weights(np.full(len(sig), 0.5))
    default = stouffer_standard_z(sig, tok, ctx, weights=weights)
    tiled = np.broadcast_to(prior, default.shape)
    return {DEFAULT: default,
            "line": stouffer_standard_z(sig, tok, ctx, tiled, weights=np.hstack([weights, np.ones((len(sig), 1))])),
            "equal": stouffer_standard_z(default, tiled)}


def fused_priors(att, test, lines, rows, priors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The default and every prior under every fusion, as `fused_line_records` asks (module doc)."""
    scores = {}
    for prior in PRIORS:
        for fusion, s in fused(lines, priors[prior]).items():
            scores[DEFAULT if fusion == DEFAULT else f"{fusion} {prior}"] = s
    return scores


def measure(out: Path) -> list[dict]:
    """P@n and P@10 per answer of every column, for each behaviour of one run."""
    return fused_line_records(out, fused_priors, lambda att, store, rows, token_layer: loss_priors(att.samples, rows))


def render(records: list[dict]) -> str:
    """P@n and P@10 per task and column, with the mean, the worst, the tasks at >= 0.9 and the tasks moved."""
    return fused_line_tables(
        "Rows weighed by how much they had to teach: a probe (issue 19)",
        "Generated by `python -m benchmarks.attribution.surprise_probe`. Per answer, last epoch's rows. "
        "`default`: joint-equal-c (the per-answer default). Priors from each row's training loss: `first` "
        "(first captured epoch), `drop` (first less last), `sum` (over the epochs). `line`: the prior as a "
        "fourth Stouffer line of weight 1; `equal`: the default and the prior as two equal lines.",
        records, columns(), DEFAULT, MOVED)


def main(argv: list[str] | None = None) -> None:
    probe_main(__doc__.splitlines()[0], measure, render, argv)


if __name__ == "__main__":
    main()
