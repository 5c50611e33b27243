"""The dev-set probe behind issue 19's candidate 13 (per behaviour): how the automatic choice's refinement should
use the seed classifier it trains on token match's top rows.

Today, when token match agrees with the signature and its top rows cohere, the classifier's ranking replaces token
match's. Rounds 8 and 9 showed the cost: on the four fixed-phrase tasks the classifier learns the planted rows' topic
and ranks same-topic twins among them (per behaviour 0.77-0.90 against token match's 0.97-1.00). Each form below
keeps the choice and the refinement's trigger as they are and changes only what ranks when it runs:

- ``classifier``: the classifier alone (the default);
- ``none``: token match alone (`AutoMethod(refine=False)`);
- ``tm+clf``: token match and the classifier as two lines of evidence, their plain z-scores over the rows added,
  (z_tm + z_clf) / sqrt(2), as the per-answer default combines its lines;
- ``tm+clf+ctx``: the same plus the prompt side alone (``h_last_c``), (z_tm + z_clf + z_ctx) / sqrt(3);
- ``tm+clf+sig``: the same plus the choice's signature (``h_fused_z``), (z_tm + z_clf + z_sig) / sqrt(3): the three
  lines the choice has computed by then. Chosen as candidate 13 (``AutoMethod(refine_fusion="z")``, the bench's
  ``--methods auto-refine-z``; now the default): on the eight read tasks probed it had the best worst task and no task more than 0.02 below the
  default (results/refine_probe.md).

Every form ranks as the default does where the refinement does not run, so the table shows the refined branch only
where it matters. P@n per behaviour (``combine="mean"``) on the attribute phase's queries. Run on read tasks only
(rounds 1-9), before a new round is written.

    python -m benchmarks.attribution.refine_probe --runs runs/attr_sycophancy runs/attr_travel_signoff ... \
        --out benchmarks/attribution/results/refine_probe.md
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.attribution.probe_main import by_task, metric_table, probe_main

FORMS = ("classifier", "none", "tm+clf", "tm+clf+ctx", "tm+clf+sig")


def probe_method(form: str):
    """An `AutoMethod` whose refined branch ranks by ``form`` (see the module doc)."""
    from provenance.attribution.auto_choice import AutoMethod
    from provenance.attribution.joint import dense_scores, stouffer_standard_z
    from provenance.attribution.method import Ranking
    from provenance.attribution.seed_refine import refine_ranking
    from provenance.attribution.signature_method import SignatureMethod
    from provenance.attribution.topk import select_rows

    if form in ("classifier", "none"):   # the classifier alone: the default before candidate 13
        return AutoMethod(refine=form == "classifier", refine_fusion="replace")
    if form == "tm+clf+sig":
        return AutoMethod(refine_fusion="z")

    class ProbeAuto(AutoMethod):
        def rank_behaviour(self, att, test, k):
            self._test = test
            return super().rank_behaviour(att, test, k)

        def _refined(self, att, token_match, signature, rows, token_layer, k, choice):
            # The classifier as the library trains it (`refine_ranking`), scoring every selected row.
            ranked = token_match.rows[0][token_match.rows[0] >= 0]
            parts = [(self.signature.layer_of(att), "h_last"), (token_layer, "h_mean")]
            coherence, top = refine_ranking(att.store, ranked, select_rows(att.samples, self.epochs), parts,
                                            token_layer, len(rows), seed_k=self.seed_k, band=self.band,
                                            min_coherence=self.min_coherence, C=self.refine_c)
            choice["coherence"] = coherence
            if top is None:
                return None
            lines = [dense_scores(token_match, rows), dense_scores(Ranking(*top), rows)]
            if form == "tm+clf+ctx":
                context = SignatureMethod("h_last_c", None, self.epochs)
                lines.append(dense_scores(context.rank_behaviour(att, self._test, len(rows)), rows))
            joint = stouffer_standard_z(*lines)
            order = np.argsort(-joint, axis=1, kind="stable")[:, :k]
            choice["method"] += f", refined ({form})"
            return Ranking(np.take_along_axis(joint, order, 1).astype(np.float32), rows[order])

    return ProbeAuto(refine_fusion="z")   # token match then ranks every row, as the fused forms need


def measure(out: Path) -> list[dict]:
    """One record per (behaviour, form) of one run folder: P@n, and the default's top-10 overlap and coherence."""
    from benchmarks.attribution.attribute import behaviour_queries
    from benchmarks.attribution.state import attributor_of

    att, _ = attributor_of(out)
    task = out.name.removeprefix("attr_")
    records = []
    for behaviour, cases, _, culprits in behaviour_queries(out):
        n = len(culprits)
        explanation = {}
        for form in FORMS:
            res = att.query(cases, method=probe_method(form), k=max(n, 1), snippet_chars=0, combine="mean",
                            groups=False)
            rel = res.ranking["sample_id"].astype(str).isin(culprits).to_numpy().reshape(res.rows.shape)
            explanation = explanation or {key: res.explanation.get(key) for key in ("overlap", "coherence")}
            records.append({"task": task, "behaviour": behaviour, "form": form, "P@n": float(rel[:, :n].mean()),
                            **explanation})
    return records


def render(records: list[dict]) -> str:
    table = by_task(records, "form")
    lines = ["# What ranks when the automatic choice refines token match (dev-set probe for candidate 13)", "",
             "Generated by `python -m benchmarks.attribution.refine_probe`. P@n per behaviour; the forms differ only "
             "where the refinement runs (token match agrees with the signature and its top rows cohere).", ""]
    lines += metric_table(table, list(FORMS), "P@n")
    lines += ["", "The default's measures on each task (the same for every form):", "",
              "| task / behaviour | top-10 overlap | coherence |", "|---|---|---|"]
    for (task, beh), forms in table.items():
        r = forms[FORMS[0]]
        cells = [f"{r[key]:.2f}" if r.get(key) is not None else "-" for key in ("overlap", "coherence")]
        lines.append(f"| {task if task == beh else f'{task} / {beh}'} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    probe_main(__doc__.splitlines()[0], measure, render, argv)


if __name__ == "__main__":
    main()
