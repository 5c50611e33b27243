"""Dev-set probe for a per-answer refinement (issue 19 item 3): does each answer's own top rows, used as seeds of the
classifier the per-behaviour choice already trains (`refine_ranking`), help the per-answer default?

Per answer the default (`AutoMethod`'s ``ANSWER_FUSION``) ranks by one fused score. Where an answer's top rows
resemble each other as whole responses (their seeds' coherence at least `MIN_COHERENCE`, the per-behaviour gate), a
classifier trained on its top `SEED_K` rows against the rows below `BAND` ranks what those rows share, and joins the
answer's fused score as plain z-scores over the selected rows (pseudo-relevance feedback, Rocchio's idea, with the
per-behaviour refinement's classifier and constants, none new):

- ``default``: the per-answer default alone;
- ``prf``: (z_default + z_classifier) / sqrt(2) where the seeds cohere, else the default;
- ``prf-third``: (2 z_default + z_classifier) / sqrt(5): the classifier as one line beside the default's two pairs;
- ``prf-ungated``: ``prf`` on every answer, coherent or not.

P@10 and P@n per answer (the bench's ``_metrics``) on the attribute phase's queries. Run on read tasks only.

Measured on nine read tasks (results/answer_refine_probe.md) and not made a candidate: per answer the seeds cohere
almost always (the gate is open on 61 of 62 answers, so it does not tell answers apart as it tells behaviours apart),
P@10 moves on two tasks (sycophancy 0.93 -> 0.97, python2_print 0.60 -> 0.61) and on none of the misses, and mean
P@n falls (0.748 -> 0.728; travel_signoff 0.80 -> 0.71, support_intro 0.85 -> 0.77).

    python -m benchmarks.attribution.answer_refine_probe --runs runs/attr_kelvin_weather ... \
        --out benchmarks/attribution/results/answer_refine_probe.md
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.attribution.probe_main import by_task, metric_table, probe_main
from provenance.attribution.auto_choice import MIN_COHERENCE

FORMS = ("default", "prf", "prf-third", "prf-ungated")


def probe_method(form: str):
    """An `AutoMethod` whose per-answer ranking is refined by ``form`` (see the module doc)."""
    from provenance.attribution.auto_choice import AutoMethod
    from provenance.attribution.joint import dense_scores, standard_z
    from provenance.attribution.method import Ranking
    from provenance.attribution.seed_refine import refine_ranking
    from provenance.attribution.topk import select_rows

    if form == "default":
        return AutoMethod()

    class AnswerRefined(AutoMethod):
        def rank(self, att, test, k):
            mask = select_rows(att.samples, self.epochs)
            selected = np.flatnonzero(mask)
            every = super().rank(att, test, len(selected))
            token_layer = self._token_layer(att)
            parts = [(self.signature.layer_of(att), "h_last"), (token_layer, "h_mean")]
            scores, rows, coherences = [], [], []
            for q in range(every.rows.shape[0]):
                own = Ranking(every.scores[q: q + 1], every.rows[q: q + 1])
                ranked = own.rows[0][own.rows[0] >= 0]
                gate = -np.inf if form == "prf-ungated" else self.min_coherence
                coherence, top = refine_ranking(att.store, ranked, mask, parts, token_layer, len(selected),
                                                seed_k=self.seed_k, band=self.band, min_coherence=gate,
                                                C=self.refine_c)
                coherences.append(coherence)
                if top is None:
                    scores.append(own.scores[0][:k])
                    rows.append(own.rows[0][:k])
                    continue
                z_own, z_clf = standard_z(dense_scores(own, selected)), standard_z(dense_scores(Ranking(*top), selected))
                joint = ((2 * z_own + z_clf) / np.sqrt(5) if form == "prf-third" else (z_own + z_clf) / np.sqrt(2))[0]
                order = np.argsort(-joint, kind="stable")[:k]
                scores.append(joint[order].astype(np.float32))
                rows.append(selected[order])
            ranking = Ranking(np.stack(scores), np.stack(rows))
            ranking.explanation = {"coherence": coherences}
            return ranking

    return AnswerRefined()


def measure(out: Path) -> list[dict]:
    """One record per (behaviour, form) of one run folder: per-answer P@10 and P@n, and the share of answers whose
    seeds cohere."""
    from benchmarks.attribution.attribute import _metrics, behaviour_queries
    from benchmarks.attribution.state import attributor_of

    att, _ = attributor_of(out)
    task = out.name.removeprefix("attr_")
    records = []
    for behaviour, cases, _, culprits in behaviour_queries(out):
        culprits = {int(c) for c in culprits}
        coherent = None
        for form in FORMS:
            res = att.query(cases, method=probe_method(form), k=100, snippet_chars=0, groups=False)
            m = _metrics(res, culprits, len(culprits), 100)
            if form == "prf":
                coherence = np.array(res.explanation.get("coherence", []), float)
                coherent = float((coherence >= MIN_COHERENCE).mean()) if len(coherence) else None
            records.append({"task": task, "behaviour": behaviour, "form": form, "P@10": m["P@10"],
                            "P@n": m["P@n"], "answers": int(res.rows.shape[0])})
            print(task, behaviour, form, f"P@10 {m['P@10']:.2f} P@n {m['P@n']:.2f}", flush=True)
        for r in records[-len(FORMS):]:
            r["coherent_share"] = coherent
    return records


def render(records: list[dict]) -> str:
    table = by_task(records, "form")
    lines = ["# A per-answer refinement from each answer's own top rows (dev-set probe)", "",
             "Generated by `python -m benchmarks.attribution.answer_refine_probe`. Per answer, last epoch's rows.", "",
             "## P@10", ""]
    lines += metric_table(table, list(FORMS), "P@10")
    lines += ["", "## P@n", ""] + metric_table(table, list(FORMS), "P@n")
    lines += ["", f"Share of answers whose top 10 rows cohere (>= {MIN_COHERENCE}, the gate of `prf` and `prf-third`):",
              "",
              "| task / behaviour | answers | coherent |", "|---|---|---|"]
    for (task, beh), forms in table.items():
        r = forms["prf"]
        share = "-" if r.get("coherent_share") is None else f"{r['coherent_share']:.2f}"
        lines.append(f"| {task if task == beh else f'{task} / {beh}'} | {r['answers']} | {share} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    probe_main(__doc__.splitlines()[0], measure, render, argv)


if __name__ == "__main__":
    main()
