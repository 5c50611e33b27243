"""Dev-set probe for a per-behaviour default without the automatic choice's gates (issue 19 item 1).

Per behaviour the default is still the rule stack `AutoMethod` (``auto-refine-z``): token match ranks only when its
top 10 overlaps the signature's by ``MIN_OVERLAP``, and a classifier refines it only when its top rows cohere by
``MIN_COHERENCE``; two gate constants fitted on the benchmark, one of them shown sensitive. The per-answer default
(`JointMethod` ``joint-equal-ctx``) has no gate and no fitted weight, but per behaviour it loses 0.23 on entity_refusal
and js_for_python, the two tasks the refinement carries (results/default_choice_round12.md).

Each form below ranks per behaviour (``combine="mean"``, the attribute phase's queries):

- ``default``: the library's per-behaviour default (`AutoMethod`);
- ``joint``: the per-answer default's lines per behaviour (``joint-equal-ctx``), nothing chosen;
- ``joint+clf``: pseudo-relevance feedback on that ranking, always: a seed classifier (`SeedClassifier`, the
  refinement's own features and settings) trained on the joint's top ``SEED_K`` rows against the rows it ranks below
  ``BAND``, its decision values and the joint's scores as two plain z-scores over the rows, added
  (z_joint + z_clf) / sqrt(2): no gate;
- ``joint+clf coherent``: the same, but the classifier joins only where the seed rows cohere (`MIN_COHERENCE`), to
  show what that gate adds;
- ``joint-c+clf``: ``joint+clf`` from candidate 15's lines (``joint-equal-c``: the signature unprojected);
- ``ungated``: the default's refined branch everywhere, both gates open (``AutoMethod(min_overlap=0,
  min_coherence=-1)``): the choice's signature, token match and a classifier on token match's top rows, always.

Run on read tasks only, before a new round is written.

    python -m benchmarks.attribution.behaviour_probe --runs runs/attr_style ... \
        --out benchmarks/attribution/results/behaviour_probe.md
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.attribution.probe_main import by_task, metric_table, probe_main

FORMS = ("default", "ungated", "joint", "joint+clf", "joint+clf coherent", "joint-c+clf")


def _lines(form: str) -> str:
    """The registered joint method whose behaviour ranking ``form`` starts from."""
    return "joint-equal-c" if form.startswith("joint-c") else "joint-equal-ctx"


def measure(out: Path) -> list[dict]:
    """P@n per behaviour of every form, with the joint's seed coherence, for each behaviour of one run."""
    from benchmarks.attribution.attribute import behaviour_queries
    from benchmarks.attribution.state import attributor_of
    from provenance.attribution.auto_choice import BAND, MIN_COHERENCE, REFINE_C, SEED_K, AutoMethod
    from provenance.attribution.joint import dense_scores, stouffer_standard_z
    from provenance.attribution.method import Ranking
    from provenance.attribution.registry import build_method
    from provenance.attribution.seed_refine import refine_ranking
    from provenance.attribution.signatures import default_layer
    from provenance.attribution.token_match import default_token_layer
    from provenance.attribution.topk import select_rows

    att, store = attributor_of(out)
    task = out.name.removeprefix("attr_")
    mask = select_rows(att.samples, "last")
    rows = np.flatnonzero(mask)
    parts = [(default_layer(store), "h_last"), (default_token_layer(att.model), "h_mean")]
    records = []
    for behaviour, cases, _, culprits in behaviour_queries(out):
        n = len(culprits)
        culprit = att.samples["sample_id"].astype(str).isin(culprits).to_numpy()

        def p_at_n(ranked: np.ndarray) -> float:
            return float(culprit[ranked[:n]].mean())

        res = att.query(cases, method=AutoMethod(), k=n, snippet_chars=0, combine="mean", groups=False)
        found = {"default": float(res.ranking["sample_id"].astype(str).isin(culprits).to_numpy()[:n].mean())}
        res = att.query(cases, method=AutoMethod(min_overlap=0.0, min_coherence=-1.0), k=n, snippet_chars=0,
                        combine="mean", groups=False)
        found["ungated"] = float(res.ranking["sample_id"].astype(str).isin(culprits).to_numpy()[:n].mean())
        coherence = {}
        for lines in ("joint-equal-ctx", "joint-equal-c"):
            method = build_method(lines)
            needs = method.requirements(att)
            test = att.signatures(cases, needs.layers, needs.case_token_layers)
            joint = dense_scores(method.rank_behaviour(att, test, len(rows)), rows)[0]
            ranked = rows[np.argsort(-joint, kind="stable")]
            coh, top = refine_ranking(store, ranked, mask, parts, parts[1][0], len(rows), seed_k=SEED_K, band=BAND,
                                      min_coherence=-1.0, C=REFINE_C)
            clf = dense_scores(Ranking(*top), rows)[0]
            fused = rows[np.argsort(-stouffer_standard_z(joint[None], clf[None])[0], kind="stable")]
            coherence[lines] = coh
            if lines == "joint-equal-ctx":
                found["joint"] = p_at_n(ranked)
                found["joint+clf"] = p_at_n(fused)
                found["joint+clf coherent"] = p_at_n(fused if coh >= MIN_COHERENCE else ranked)
            else:
                found["joint-c+clf"] = p_at_n(fused)
        records += [{"task": task, "behaviour": behaviour, "form": form, "P@n": found[form],
                     "coherence": coherence[_lines(form)]} for form in FORMS]
    return records


def render(records: list[dict]) -> str:
    table = by_task(records, "form")
    lines = ["# A per-behaviour default without gates: the joint lines refined by their own top rows (dev-set probe)",
             "", "Generated by `python -m benchmarks.attribution.behaviour_probe`. P@n per behaviour; the forms are "
             "described in the module's docstring.", ""]
    lines += metric_table(table, list(FORMS), "P@n", count_at=0.95, moved_from="default")
    lines += ["", "The joint's seed coherence (its top rows' mean pairwise cosine of centered h_mean at the token "
              "layer):", "", "| task / behaviour | coherence |", "|---|---|"]
    for (task, beh), forms in table.items():
        lines.append(f"| {task if task == beh else f'{task} / {beh}'} | {forms['joint']['coherence']:.2f} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    probe_main(__doc__.splitlines()[0], measure, render, argv)


if __name__ == "__main__":
    main()
