"""The dev probe behind issue 19's candidates 10 (``joint-ctx``) and 11 (``joint-focus-z``): per answer, how the
signature default, the prompt side, the pooled response and token match combine, over runs already read.

    OMP_NUM_THREADS=1 python -m benchmarks.attribution.fusion_probe --runs runs/attr_style ... \
        --out benchmarks/attribution/results/fusion_probe.md

For each answer query of each behaviour (built as the benchmark builds them, `behaviour_queries`), four rankings
score every last-epoch row: the signature default (``h_fused_k1``), the prompt side alone (``h_last_c``), the
pooled response alone (``h_mean_c``) and token match (pooled query, stored token states). Each becomes plain
z-scores over the rows (`provenance.attribution.joint.standard_z`), and the answer's gain focus phi
(`provenance.attribution.gain_focus`) is measured. `COMBINATIONS` are then ranked and scored by P@n and P@10 against
the planted rows, and each is judged against the signature default by the rule of README.md (mean at least the
default's, worst at least the default's, no task more than `MARGIN` below).

This reads tasks that were already scored: it is where candidates come from, not evidence for them. A candidate it
suggests is committed before it is scored on a new round.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks.attribution.attribute import behaviour_queries
from benchmarks.attribution.default_choice import MARGIN
from benchmarks.attribution.probe_main import by_task, metric_table, probe_main
from benchmarks.attribution.state import attributor_of

# Each combination maps the z-scores of the four lines (``sig``, ``ctx``, ``resp``, ``tm``, each ``[rows]``) and the
# answer's gain focus ``phi`` to one score per row (higher ranks first).
Lines = dict[str, np.ndarray]
COMBINATIONS: dict[str, Callable[[Lines, float], np.ndarray]] = {
    "h_fused_k1 (the default)": lambda z, phi: z["sig"],
    "token match": lambda z, phi: z["tm"],
    "prompt side": lambda z, phi: z["ctx"],
    "pooled response": lambda z, phi: z["resp"],
    "h_fused_k1 + token match": lambda z, phi: z["sig"] + z["tm"],
    "prompt side + token match (joint-ctx)": lambda z, phi: z["ctx"] + z["tm"],
    "min(prompt side, token match)": lambda z, phi: np.minimum(z["ctx"], z["tm"]),
    "prompt side + pooled response + token match": lambda z, phi: z["ctx"] + z["resp"] + z["tm"],
    "prompt side + max(pooled response, token match)": lambda z, phi: z["ctx"] + np.maximum(z["resp"], z["tm"]),
    "prompt side + phi-mix of pooled response and token match":
        lambda z, phi: z["ctx"] + (1 - phi) * z["resp"] + phi * z["tm"],
    "(1 - phi) h_fused_k1 + phi token match (joint-focus-z)": lambda z, phi: (1 - phi) * z["sig"] + phi * z["tm"],
}
DEFAULT = "h_fused_k1 (the default)"


def line_scores(att, test, rows: np.ndarray) -> Lines:
    """``[Q, rows]`` z-scores of the four lines over the last-epoch rows ``rows`` (store row indices)."""
    from provenance.attribution.joint import dense_scores, standard_z
    from provenance.attribution.signature_method import SignatureMethod
    from provenance.attribution.token_match import TokenMatchMethod, default_token_layer

    n = len(rows)
    sig = SignatureMethod("h_fused_k1", None, "last")
    rankings = {"sig": sig.rank(att, test, n), "ctx": SignatureMethod("h_last_c", None, "last").rank(att, test, n),
                "resp": SignatureMethod("h_mean_c", None, "last").rank(att, test, n),
                "tm": TokenMatchMethod(default_token_layer(att.model), None, sig, "last", states="store")
                .rank(att, test, n)}
    return {name: standard_z(dense_scores(r, rows)) for name, r in rankings.items()}


def measure(out: Path) -> list[dict]:
    """P@n and P@10 of every combination, per answer, for each behaviour of one run."""
    from provenance.attribution.gain_focus import gain_focus
    from provenance.attribution.signatures import default_layer
    from provenance.attribution.token_match import default_token_layer
    from provenance.attribution.topk import select_rows

    att, store = attributor_of(out)
    token_layer = default_token_layer(att.model)
    rows = np.flatnonzero(select_rows(att.samples, "last"))
    ids = att.samples["sample_id"].astype(str).to_numpy()[rows]
    records = []
    for behaviour, cases, _, culprits in behaviour_queries(out):
        planted = np.isin(ids, [str(c) for c in culprits])
        test = att.signatures(cases, [default_layer(store)], [token_layer])
        lines, phi = line_scores(att, test, rows), gain_focus(att, test, token_layer)
        for name, combine in COMBINATIONS.items():
            p_n, p_10 = [], []
            for q in range(len(phi)):
                order = np.argsort(-combine({k: v[q] for k, v in lines.items()}, float(phi[q])), kind="stable")
                p_n.append(planted[order[: len(culprits)]].mean())
                p_10.append(planted[order[:10]].mean())
            records.append({"task": out.name.removeprefix("attr_"), "behaviour": behaviour, "combination": name,
                            "P@n": float(np.mean(p_n)), "P@10": float(np.mean(p_10)), "queries": len(phi)})
        print(f"{out.name} {behaviour}: {len(cases)} queries, phi {np.round(phi, 2).tolist()}", flush=True)
    return records


def verdict(default: np.ndarray, candidate: np.ndarray) -> str:
    """The rule of README.md for one combination against the default, over the same tasks."""
    deficit = float((default - candidate).max())
    passes = candidate.mean() >= default.mean() and candidate.min() >= default.min() and deficit <= MARGIN
    return (f"mean {candidate.mean():.3f}, worst {candidate.min():.2f}, largest deficit {deficit:.2f}: "
            + ("passes" if passes else "fails"))


def render(records: list[dict]) -> str:
    """P@n and P@10 per task and combination, then each combination's verdict against the default (on P@n)."""
    names = list(dict.fromkeys(r["combination"] for r in records))
    table = by_task(records, "combination")
    lines = ["# Per-answer fusion probe over read runs (issue 19, candidates 10 and 11)", "",
             "Generated by `python -m benchmarks.attribution.fusion_probe`. Per answer, last epoch's rows; each line as "
             "plain z-scores over the rows; phi = the answer's gain focus. Where candidates come from, not evidence "
             "for them: every run here was read before.", ""]
    for metric in ("P@n", "P@10"):
        lines += [f"## {metric}", ""] + metric_table(table, names, metric) + [""]
    cols = {s: np.array([v[s]["P@n"] for v in table.values()]) for s in names}
    lines += [f"## The rule on P@n against the default (margin {MARGIN})", ""]
    lines += [f"- {s}: {verdict(cols[DEFAULT], cols[s])}" for s in names if s != DEFAULT]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    probe_main(__doc__.splitlines()[0], measure, render, argv)

if __name__ == "__main__":
    main()
