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
  lines the choice has computed by then. Chosen as candidate 13 (``AutoMethod(refine_fusion="z")``, ``--method
  auto-refine-z``): on the eight read tasks probed it had the best worst task and no task more than 0.02 below the
  default (results/refine_probe.md).

Every form ranks as the default does where the refinement does not run, so the table shows the refined branch only
where it matters. P@n per behaviour (``combine="mean"``) on the attribute phase's queries. Run on read tasks only
(rounds 1-9), before a new round is written.

    python -m benchmarks.attribution.refine_probe --runs runs/attr_sycophancy runs/attr_travel_signoff ...
    python -m benchmarks.attribution.refine_probe      # re-render the table from the saved JSON files
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"
FORMS = ("classifier", "none", "tm+clf", "tm+clf+ctx", "tm+clf+sig")


def probe_method(form: str):
    """An `AutoMethod` whose refined branch ranks by ``form`` (see the module doc)."""
    from provenance.attribution.auto_choice import AutoMethod
    from provenance.attribution.joint import dense_scores, stouffer_standard_z
    from provenance.attribution.method import Ranking
    from provenance.attribution.seed_refine import SeedClassifier, seed_coherence
    from provenance.attribution.signature_method import SignatureMethod
    from provenance.attribution.topk import select_rows

    if form in ("classifier", "none"):
        return AutoMethod(refine=form == "classifier")
    if form == "tm+clf+sig":
        return AutoMethod(refine_fusion="z")

    class ProbeAuto(AutoMethod):
        def rank_behaviour(self, att, test, k):
            self._test = test
            return super().rank_behaviour(att, test, k)

        def _refined(self, att, token_match, signature, rows, token_layer, k, choice):
            ranked = token_match.rows[0][token_match.rows[0] >= 0]
            mask = select_rows(att.samples, self.epochs)
            seeds = ranked[: self.seed_k]
            coherence = seed_coherence(att.store, np.sort(seeds), token_layer)
            choice["coherence"] = coherence
            if coherence < self.min_coherence:
                return None
            sig_layer = self.signature.layer_of(att)
            negative = np.setdiff1d(rows, ranked[: self.band])
            clf = SeedClassifier([(sig_layer, "h_last"), (token_layer, "h_mean")], C=self.refine_c)
            clf_scores = dense_scores(Ranking(*clf.fit(att.store, seeds, negative).top_k(att.store, mask, len(rows))),
                                      rows)
            lines = [dense_scores(token_match, rows), clf_scores]
            if form == "tm+clf+ctx":
                context = SignatureMethod("h_last_c", None, self.epochs)
                lines.append(dense_scores(context.rank_behaviour(att, self._test, len(rows)), rows))
            joint = stouffer_standard_z(*lines)
            order = np.argsort(-joint, axis=1, kind="stable")[:, :k]
            choice["method"] += f", refined ({form})"
            return Ranking(np.take_along_axis(joint, order, 1).astype(np.float32), rows[order])

    return ProbeAuto(refine_fusion="z")   # token match then ranks every row, as the fused forms need


def probe_run(out: Path) -> dict:
    """{behaviour: {form: P@n, "explanation": the default's choice}} of one run folder."""
    from benchmarks.attribution.attribute import behaviour_queries
    from benchmarks.attribution.state import attributor_of

    att, _ = attributor_of(out)
    result = {}
    for behaviour, cases, _, culprits in behaviour_queries(out):
        n = len(culprits)
        rec = {}
        for form in FORMS:
            res = att.query(cases, method=probe_method(form), k=max(n, 1), snippet_chars=0, combine="mean",
                            groups=False)
            rel = res.ranking["sample_id"].astype(str).isin(culprits).to_numpy().reshape(res.rows.shape)
            rec[form] = float(rel[:, :n].mean())
            if form == "classifier":
                rec["explanation"] = {key: res.explanation.get(key) for key in ("overlap", "coherence")}
        result[behaviour] = rec
        print(out.name, behaviour, {f: round(rec[f], 2) for f in FORMS}, flush=True)
    return result


def render(folder: Path) -> str:
    lines = ["# What ranks when the automatic choice refines token match (dev-set probe for candidate 13)", "",
             "Generated by `python -m benchmarks.attribution.refine_probe`. P@n per behaviour; the forms differ only "
             "where the refinement runs (token match agrees with the signature and its top rows cohere).", "",
             "| task / behaviour | top-10 overlap | coherence | " + " | ".join(FORMS) + " |",
             "|---|---|---|" + "---|" * len(FORMS)]
    scores = {f: [] for f in FORMS}
    for path in sorted(folder.glob("*.json")):
        for behaviour, rec in json.loads(path.read_text()).items():
            task = path.stem.removeprefix("attr_")
            name = task if task == behaviour else f"{task} / {behaviour}"
            ex = rec["explanation"]
            cells = [f"{ex[key]:.2f}" if ex.get(key) is not None else "-" for key in ("overlap", "coherence")]
            lines.append(f"| {name} | {' | '.join(cells)} | " + " | ".join(f"{rec[f]:.2f}" for f in FORMS) + " |")
            for f in FORMS:
                scores[f].append(rec[f])
    if scores[FORMS[0]]:
        lines.append("| **mean** | | | " + " | ".join(f"{np.mean(scores[f]):.3f}" for f in FORMS) + " |")
        lines.append("| **worst** | | | " + " | ".join(f"{np.min(scores[f]):.2f}" for f in FORMS) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", nargs="*", default=[], help="run folders to probe (none: re-render the table)")
    ap.add_argument("--folder", type=Path, default=RESULTS / "refine_probe")
    ap.add_argument("--out", type=Path, default=RESULTS / "refine_probe.md")
    args = ap.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    for run in map(Path, args.runs):
        (args.folder / f"{run.name}.json").write_text(json.dumps(probe_run(run)))
    text = render(args.folder)
    args.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
