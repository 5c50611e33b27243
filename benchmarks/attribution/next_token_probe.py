"""Do the training positions that predicted the answer's tokens, in a context like the answer's, find the planted
rows? A probe over every benchmark run (issue 19), not a candidate.

    OMP_NUM_THREADS=1 python -m benchmarks.attribution.next_token_probe --runs runs/attr_miles_units ... \
        --out benchmarks/attribution/results/next_token_probe.md

Why ask. Every line of the per-answer default compares states: a row ranks high when its states look like the
answer's. Where the planted rows and their topic twins differ by a unit or a form ("240 miles by road" against "290
km by road"), the states are mostly topic, and the twins rank beside the planted rows (round 16: miles_units P@n
0.47, BM25 0.98). A language model's next-token prediction reads the other way round (the kNN-LM view, Khandelwal
et al. 2020): the answer's token y_s was predicted from the state c_s that precedes it, and the training positions
that taught it are those whose preceding state was like c_s *and whose next token was y_s*. So the line tried here,
token match's next-token form (`TokenMatchMethod(query="next")`, from the store's per-token states):

    score(row) = sum_s w_s max(0, max_{t: y_row(t) = y_s} cos(c_row(t) - mu, c_s - mu)) / sum_s w_s

over the answer's response tokens s, with w_s = max(0, log p_final(y_s) - log p_base(y_s)) (token match's weights:
the tokens the fine-tuning raised; uniform when none gained), the max over the row's response positions t whose
token is y_s (0 when the row has none), c the state at token match's token layer at the position before the
token (for a response's first token, the last prompt position), mu token match's centre (the last epoch's mean
stored ``h_mean`` there). The states are the store's per-token states (``token_layers``); the answer's are the final
model's. Nothing is fitted. A twin's " km" never matches the answer's " miles", and its " by road" follows a " km"
state, not a " miles" one. The line was first written in this probe and then moved into the library (equal to 4e-7
on three runs); the probe now calls the library's.

Read first on 14 task-behaviours (miles_units, haiku_weather, british_spelling, python2_print, entity_refusal,
kelvin_weather, lowercase_support, confusable, template_swap, factual, style, step_format, sycophancy,
insecure_code): alone, the line lifts the form and swap tasks (miles 0.47 -> 0.87, haiku 0.48 -> 0.80,
template_swap 0.85 -> 1.00) and fails where the answer's words are taught by another source or the behaviour sits
in the prompt (entity_refusal 0.67 -> 0.04: the refusal words come from the refusal rows; style 0.59 -> 0.30). A
signed form (minus the best match of the model's top alternative token at each position) was tried there and was
worse on 11 of the 14; it is not kept. The fusions below were fixed after that reading and before the other 33
were run, each a Stouffer sum of plain z-scores over the rows (`stouffer_standard_z`), as in the other fusion
probes:

* ``next-token``: the line alone;
* ``replace``: the line in place of the pooled token line in both of the default's pairs, (z_signature + z_next) /
  sqrt(2) + (z_context + z_next) / sqrt(2);
* ``line``: the line as a fourth line of weight 1 beside the default's three;
* ``both``: the weaker of z_context and z_next as a fourth line of weight 1 (the prompt side guards it);
* ``pair``: the prompt side and the line alone, (z_context + z_next) / sqrt(2).

A sign of doubt is read from the same rankings: per answer, whether the line's top k and the default's top k share
fewer rows than half the way from chance to full agreement (`raised_token_probe.disagrees`, the lexical floor's
rule, k = 20), beside the same disagreement with BM25 (the lexical floor's baseline, without its coherence test). A
ranking is wrong when P@n < 0.5 (`doubt_count.WRONG_BELOW`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.attribution.doubt_count import WRONG_BELOW
from benchmarks.attribution.probe_main import fused_line_records, fused_line_tables, probe_main
from benchmarks.attribution.raised_token_probe import K, disagrees

DEFAULT = "default"
LINE = "next-token"
BM25 = "bm25"
FUSIONS = ("replace", "line", "both", "pair")
MOVED = 0.10


def fused(default_lines: tuple[np.ndarray, np.ndarray, np.ndarray], line: np.ndarray) -> dict[str, np.ndarray]:
    """``[Q, rows]`` scores of the default (signature, token, context lines), of the line alone and of each of
    `FUSIONS` (module doc)."""
    from provenance.attribution.joint import focus_and_side_weights, standard_z, stouffer_standard_z

    sig, tok, ctx = default_lines
    weights = focus_and_side_weights(np.full(len(sig), 0.5))
    fourth = np.hstack([weights, np.ones((len(sig), 1))])
    return {DEFAULT: stouffer_standard_z(sig, tok, ctx, weights=weights), LINE: line,
            "replace": stouffer_standard_z(sig, line, ctx, weights=weights),
            "line": stouffer_standard_z(sig, tok, ctx, line, weights=fourth),
            "both": stouffer_standard_z(sig, tok, ctx, np.minimum(standard_z(ctx), standard_z(line)), weights=fourth),
            "pair": stouffer_standard_z(ctx, line)}


def doubt_records(task: str, behaviour: str, scores: dict[str, np.ndarray], planted: np.ndarray) -> list[dict]:
    """Per answer: whether the default is wrong, and whether the line's or BM25's top k disagree with its top k."""
    n, text = int(planted.sum()), scores[BM25]
    records = []
    for q in range(len(text)):
        order = np.argsort(-scores[DEFAULT][q], kind="stable")
        records.append({"task": task, "behaviour": behaviour, "column": "doubt",
                        "wrong": bool(planted[order[:n]].mean() < WRONG_BELOW),
                        "line disagrees": disagrees(order[:K], np.argsort(-scores[LINE][q], kind="stable")[:K],
                                                    len(planted)),
                        "bm25 disagrees": disagrees(order[:K], np.argsort(-text[q], kind="stable")[:K],
                                                    len(planted))})
    return records


def measure(out: Path) -> list[dict]:
    """P@n and P@10 per answer of every column, for each behaviour of one run, and one doubt record per answer."""
    from provenance.attribution.joint import dense_scores
    from provenance.attribution.lexical_floor import text_baseline
    from provenance.attribution.token_match import TokenMatchMethod

    def fuse(att, test, lines, rows, state):
        line = TokenMatchMethod(epochs="last", states="store", query="next").rank(att, test, len(rows))
        scores = fused(lines, dense_scores(line, rows))
        return scores | {BM25: dense_scores(text_baseline().rank(att, test, len(rows)), rows)}

    return fused_line_records(out, fuse, extra=doubt_records)


def doubt_table(records: list[dict]) -> str:
    """Per task: wrong rankings and how many each sign fires on, right rankings and each sign's false alarms."""
    lines = [f"## Signs of doubt (k = {K})", "",
             "| task / behaviour | answers | wrong | line sign on wrong | BM25 sign on wrong | right "
             "| line false alarms | BM25 false alarms |", "|---|---|---|---|---|---|---|---|"]
    table: dict[tuple[str, str], list[dict]] = {}
    for r in records:
        if r["column"] == "doubt":
            table.setdefault((r["task"], r["behaviour"]), []).append(r)
    totals = np.zeros(7, int)
    for (task, behaviour), rs in table.items():
        wrong = [r for r in rs if r["wrong"]]
        right = [r for r in rs if not r["wrong"]]
        row = np.array([len(rs), len(wrong), sum(r["line disagrees"] for r in wrong),
                        sum(r["bm25 disagrees"] for r in wrong), len(right),
                        sum(r["line disagrees"] for r in right), sum(r["bm25 disagrees"] for r in right)])
        totals += row
        label = task if task == behaviour else f"{task} / {behaviour}"
        lines.append(f"| {label} | " + " | ".join(str(int(v)) for v in row) + " |")
    lines.append("| **total** | " + " | ".join(f"**{int(v)}**" for v in totals) + " |")
    return "\n".join(lines) + "\n"


def render(records: list[dict]) -> str:
    """P@n and P@10 per task and column, with the mean, the worst, the tasks at >= 0.9 and the tasks moved."""
    return fused_line_tables(
        "The positions that predicted the answer's tokens: a probe (issue 19)",
        "Generated by `python -m benchmarks.attribution.next_token_probe`. Per answer, last epoch's rows. "
        "`default`: joint-equal-c (the per-answer default); `next-token`: the training positions whose next token "
        "is the answer's and whose preceding state is like the answer's, weighted by the fine-tuning's gain "
        "(the module doc). `replace`: in place of the pooled token line; `line`: a fourth Stouffer line of weight "
        "1; `both`: the weaker of the prompt side's and its z as a fourth line; `pair`: the prompt side and it.",
        [r for r in records if r["column"] != "doubt"], [DEFAULT, LINE, BM25, *FUSIONS], DEFAULT, MOVED
    ) + "\n" + doubt_table(records)


def main(argv: list[str] | None = None) -> None:
    probe_main(__doc__.splitlines()[0], measure, render, argv)


if __name__ == "__main__":
    main()
