"""Does the answer's most-raised token, as a line of its own, fix the form-carried answers? A probe over every
benchmark run (issue 19), not a candidate.

    OMP_NUM_THREADS=1 python -m benchmarks.attribution.focus_line_probe --runs runs/attr_haiku_weather ... \
        --out benchmarks/attribution/results/focus_line_probe.md

Why ask. Read token by token, round 14's haiku answers blend two groups of rows: the separators " /", the tokens the
fine-tuning raised most, are matched by the planted haiku rows, the content words by the prose weather answers
(`raised_token_probe`). The per-answer default's token line pools every raised token into one query, weighted by
its gain, so the many content tokens outvote the one carrier of the form. The most-raised token's own ranking (each
row's best centred cosine with it, at the token layer) ranks the planted haiku rows first (P@n 0.93), and is worse
over all tasks (mean 0.758 against 0.836) because some answers' most-raised token comes from another source
(entity_refusal's " harmful"). So that ranking is tried as evidence beside the default's, not instead of it. It is
the token phi (`gain_focus`) reads: no constant is chosen. Three fusions, each a Stouffer sum of plain z-scores over
the rows (`stouffer_standard_z`):

* ``line``: the most-raised token as a fourth line of weight 1 beside the default's three (signature, token match
  and prompt side at weights 1/sqrt(2), 2/sqrt(2), 1/sqrt(2), `joint.focus_and_side_weights` at 1/2);
* ``equal``: the default's score and the most-raised token's as two equal lines;
* ``replace``: the most-raised token in place of the pooled token line in both of the default's pairs,
  (z_signature + z_focus) / sqrt(2) + (z_context + z_focus) / sqrt(2);
* ``pair``: a third pair beside the default's two, the prompt side with the most-raised token, (z_context +
  z_focus) / sqrt(2): the rows that teach the answer's most-raised token for the answer's kind of prompt, as the side
  pair reads the pooled tokens;
* ``both``: the weaker of z_context and z_focus as a fourth line of weight 1 (the intersection-union form of
  ``joint-both``): a row counts as far as both the prompt side and the most-raised token point to it, so a token
  taught in another context (a refusal word taught by harmful requests) cannot lift rows whose prompts differ.

The first three were run first (``line`` lifted the form tasks and lost entity_refusal and insecure_code, where the
most-raised token comes from rows of another context); ``pair`` and ``both`` were added after that reading, to ask
whether the prompt side guards it. All five are reported.

P@n and P@10 per answer (the queries are the model's own generations that show the behaviour, `behaviour_queries`),
last epoch's rows; the table gives each task and column, the mean, the worst, the tasks at P@10 >= 0.9 and the tasks
that move by more than `MOVED` from the default.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.attribution.default_choice import MARGIN
from benchmarks.attribution.probe_main import fused_line_records, fused_line_tables, probe_main
from benchmarks.attribution.raised_token_probe import most_raised_scores, stored_response_states

DEFAULT = "default"
FUSIONS = ("line", "equal", "replace", "pair", "both")
MOVED = MARGIN


def fused(default_lines: tuple[np.ndarray, np.ndarray, np.ndarray], focus: np.ndarray) -> dict[str, np.ndarray]:
    """``[Q, rows]`` scores of the default (signature, token, context lines) and of each of `FUSIONS` with the
    most-raised token's ``focus`` scores (module doc)."""
    from provenance.attribution.joint import focus_and_side_weights, standard_z, stouffer_standard_z

    sig, tok, ctx = default_lines
    weights = focus_and_side_weights(np.full(len(sig), 0.5))
    half = 1 / np.sqrt(2)
    default = stouffer_standard_z(sig, tok, ctx, weights=weights)
    return {DEFAULT: default,
            "line": stouffer_standard_z(sig, tok, ctx, focus, weights=np.hstack([weights, np.ones((len(sig), 1))])),
            "equal": stouffer_standard_z(default, focus),
            "replace": stouffer_standard_z(sig, focus, ctx, weights=weights),
            "pair": stouffer_standard_z(sig, tok, ctx, focus, weights=np.hstack([weights + [[0, 0, half]],
                                                                                  np.full((len(sig), 1), half)])),
            "both": stouffer_standard_z(sig, tok, ctx, np.minimum(standard_z(ctx), standard_z(focus)),
                                        weights=np.hstack([weights, np.ones((len(sig), 1))]))}


def measure(out: Path) -> list[dict]:
    """P@n and P@10 per answer of every column, for each behaviour of one run."""
    def prepare(att, store, rows, token_layer):
        return (token_layer,) + stored_response_states(att, store, rows, token_layer)

    def fuse(att, test, lines, rows, state):
        token_layer, center, stored = state
        return fused(lines, most_raised_scores(att, test, token_layer, center, stored)[0])

    return fused_line_records(out, fuse, prepare)


def render(records: list[dict]) -> str:
    """P@n and P@10 per task and column, with the mean, the worst, the tasks at >= 0.9 and the tasks moved."""
    return fused_line_tables(
        "The answer's most-raised token as a line of its own: a probe (issue 19)",
        "Generated by `python -m benchmarks.attribution.focus_line_probe`. Per answer, last epoch's rows. "
        "`default`: joint-equal-c (the per-answer default). `line`: the most-raised token's ranking as a fourth "
        "Stouffer line of weight 1; `equal`: the default and that ranking as two equal lines; `replace`: that "
        "ranking in place of the pooled token line in both of the default's pairs; `pair`: a third pair, the "
        "prompt side with that token; `both`: the weaker of the prompt side's and that token's z as a fourth line "
        "(added after reading the first three).",
        records, [DEFAULT, *FUSIONS], DEFAULT, MOVED)


def main(argv: list[str] | None = None) -> None:
    probe_main(__doc__.splitlines()[0], measure, render, argv)


if __name__ == "__main__":
    main()
