"""How the per-answer default depends on its constants, over every benchmark run (issue 19): the default,
``joint-equal-ctx`` (candidate 14, adopted after round 12), at each of its signature's projections, against fixed token
shares and against ``joint-focus-ctx`` (phi, the default until round 12).

    OMP_NUM_THREADS=1 python -m benchmarks.attribution.answer_sensitivity --runs runs/attr_style ... \
        --out benchmarks/attribution/results/answer_sensitivity.md

The per-answer default scores a row by its focus pair, ((1 - w) z_signature + w z_token) / sqrt((1 - w)^2 + w^2),
plus its side pair, (z_context + z_token) / sqrt(2) (`provenance.attribution.joint`), with the token share w = 0.5
(both pairs even: the one share that is not a fitted number): the signature is ``h_fused_k1``, whose projection keeps
``pcs`` = 10 principal directions with ``keep_z`` = 1.0 (`provenance.attribution.signatures`); the context is
``h_last_c`` (the centered prompt side: no constant). Issue 19 asks that each constant be derived or shown
insensitive. For each behaviour of each run (its queries built as the benchmark builds them, `behaviour_queries`),
token match, the context and phi (the answer's gain focus, `provenance.attribution.gain_focus`) are computed once,
and the fusion is scored:

* with the signature's (pcs, keep_z) over `PCS` x `KEEP_Z` at the default share (the default in the middle; pcs=0:
  no projection);
* with other fixed token shares in `FIXED_SHARES` (the focus pair at 0: the signature alone, at 1: token match
  alone; the side pair added to each), at the default projection;
* with w = phi per answer, at the default projection: ``joint-focus-ctx``, the default this table was first measured
  for (its projection grid, under phi, is in git history, as are the results before round 8 for the focus pair alone).

The token layer (3/4 of the depth) is not varied: the stores hold per-token states at that layer only. P@n and P@10
per answer, averaged over the answers; the table gives each task and setting, the mean, the worst, the tasks at P@10
>= 0.9 and the tasks that move by more than `MOVED` from the default.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.attribution.attribute import behaviour_queries
from benchmarks.attribution.default_choice import MARGIN
from benchmarks.attribution.probe_main import by_task, metric_table, probe_main
from benchmarks.attribution.state import attributor_of

PCS = (0, 5, 10, 20)
KEEP_Z = (0.5, 1.0, 1.5)
DEFAULT_PROJECTION = (10, 1.0)
FIXED_SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)
# The default's token share (`auto_choice.ANSWER_FUSION`, weighting "equal").
DEFAULT_SHARE = 0.5
# The reference column: the per-answer default, joint-equal-ctx.
DEFAULT = f"share {DEFAULT_SHARE:g}, {DEFAULT_PROJECTION[0]},{DEFAULT_PROJECTION[1]}"
# A move of more than this is what the default-choice rule counts as a loss.
MOVED = MARGIN


def _grid() -> dict[str, tuple[float | None, int, float]]:
    """Every column's label and its (fixed token share, None for phi; pcs; keep_z): the default share with each
    (pcs, keep_z) (pcs=0 once, since keep_z then does nothing), each other fixed share at the default projection,
    then phi at the default projection."""
    projections = [(0, DEFAULT_PROJECTION[1])] + [(p, z) for p in PCS if p for z in KEEP_Z]
    pcs, keep_z = DEFAULT_PROJECTION
    return ({f"share {DEFAULT_SHARE:g}, {p},{z}": (DEFAULT_SHARE, p, z) for p, z in projections}
            | {f"share {w:g}, {pcs},{keep_z}": (w, pcs, keep_z) for w in FIXED_SHARES}
            | {f"phi, {pcs},{keep_z}": (None, pcs, keep_z)})


def settings() -> list[str]:
    """Every column's label, in table order (`_grid`)."""
    return list(_grid())


def measure(out: Path) -> list[dict]:
    """P@n and P@10 per answer of every setting, for each behaviour of one run."""
    from dataclasses import replace

    from provenance.attribution.gain_focus import gain_focus
    from provenance.attribution.joint import dense_scores, focus_and_side_weights, stouffer_standard_z
    from provenance.attribution.signature_method import SignatureMethod
    from provenance.attribution.signatures import VARIANTS, default_layer
    from provenance.attribution.token_match import TokenMatchMethod, default_token_layer
    from provenance.attribution.topk import select_rows

    att, store = attributor_of(out)
    layer, token_layer = default_layer(store), default_token_layer(att.model)
    rows = np.flatnonzero(select_rows(att.samples, "last"))
    ids = att.samples["sample_id"].astype(str).to_numpy()[rows]
    k1 = VARIANTS["h_fused_k1"]
    records = []
    for behaviour, cases, _, culprits in behaviour_queries(out):
        planted = np.isin(ids, [str(c) for c in culprits])
        test = att.signatures(cases, [layer], [token_layer])
        n = len(rows)
        tm = TokenMatchMethod(token_layer, None, SignatureMethod(k1, layer, "last"), "last", states="store")
        token, phi = dense_scores(tm.rank(att, test, n), rows), gain_focus(att, test, token_layer)
        context = dense_scores(SignatureMethod("h_last_c", layer, "last").rank(att, test, n), rows)
        signature: dict[tuple[int, float], np.ndarray] = {}
        for setting, (fixed, pcs, keep_z) in _grid().items():
            if (pcs, keep_z) not in signature:
                sig = replace(k1, pcs=0, pcs_parts=None) if pcs == 0 else replace(k1, pcs=pcs, keep_z=keep_z)
                signature[pcs, keep_z] = dense_scores(SignatureMethod(sig, layer, "last").rank(att, test, n), rows)
            share = phi if fixed is None else np.full(len(phi), fixed)
            # The default's fusion (`JointMethod` with fusion="z", context_signature="h_last_c"; weighting "equal" is
            # share 0.5, "focus" is phi), at this projection and token share.
            joint = stouffer_standard_z(signature[pcs, keep_z], token, context, weights=focus_and_side_weights(share))
            order = np.argsort(-joint, axis=1, kind="stable")
            records.append({"task": out.name.removeprefix("attr_"), "behaviour": behaviour, "setting": setting,
                            "P@n": float(planted[order[:, : len(culprits)]].mean()),
                            "P@10": float(planted[order[:, :10]].mean()), "queries": len(phi)})
        print(f"{out.name} {behaviour}: {len(cases)} queries, phi {np.round(phi, 2).tolist()}", flush=True)
    return records


def render(records: list[dict]) -> str:
    """P@n and P@10 per task and setting, with the mean, the worst, the tasks at >= 0.9 and the tasks moved."""
    names = [s for s in settings() if any(r["setting"] == s for r in records)]
    lines = ["# The per-answer default's constants: sensitivity over the benchmark (issue 19)", "",
             "Generated by `python -m benchmarks.attribution.answer_sensitivity`. Per answer, last epoch's rows: "
             "((1 - w) z_signature + w z_token) / sqrt((1 - w)^2 + w^2) + (z_context + z_token) / sqrt(2) with the "
             "signature `h_fused_k1` at (pcs, keep_z), the context `h_last_c`, and w = phi (the answer's gain focus) "
             f"or a fixed share; w = 0.5 is the default's even split, w = phi joint-focus-ctx (the default until round 12). "
             f"The default is `{DEFAULT}`; pcs=0: no projection.", ""]
    for metric in ("P@n", "P@10"):
        lines += [f"## {metric}", ""] + metric_table(by_task(records, "setting"), names, metric, moved_from=DEFAULT,
                                                     moved=MOVED) + [""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    probe_main(__doc__.splitlines()[0], measure, render, argv)


if __name__ == "__main__":
    main()
