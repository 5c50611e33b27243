"""How the per-answer default depends on its weights, over every counted benchmark run (issue 19): the default,
``joint-next-token`` (candidate 17, adopted after round 17), with each of its three weights moved on its own.

    OMP_NUM_THREADS=1 python -m benchmarks.attribution.answer_weight_sensitivity --runs runs/attr_style ... \
        --out benchmarks/attribution/results/answer_weight_sensitivity.md

The per-answer default (`provenance.attribution.auto_choice.ANSWER_FUSION`) adds four lines as plain z-scores over
the rows, sum_i a_i z_i / sqrt(sum_i a_i^2) (`stouffer_standard_z`): the signature pair ((1 - w) z_signature + w
z_token) / sqrt((1 - w)^2 + w^2), the side pair ((1 - v) z_context + v z_token) / sqrt((1 - v)^2 + v^2), and the
guard min(z_context, z_next) at weight g (``h_fused_c``, token match, ``h_last_c``, token match's next-token form).
Its weights are w = v = 1/2 (each pair even) and g = 1 (the guard weighs what one line of a pair weighs, sqrt(2)
times less than a pair): none was fitted, and issue 19 asks that each be derived or shown insensitive. For each
behaviour of each run (its queries built as the benchmark builds them) the four lines are computed once and fused:

* w over `SHARES` at v = 1/2, g = 1 (w = 0: the signature pair is the signature alone, w = 1: token match alone);
* v over `SHARES` at w = 1/2, g = 1 (v = 0: the side pair is the prompt side alone);
* g over `GUARDS` at w = v = 1/2 (g = 0: `joint-equal-c`, the default before round 17), and the guard alone.

Beside the minimum, two other forms of the guard (`GUARD_FORMS`), each at the default weights, at g = 2 and alone,
read after a diagnostic on four tasks (miles_units, clock_24h, entity_refusal, garden_disclaimer) showed where the
minimum loses: among the rows of the answer's own topic the prompt side barely separates the planted rows from their
twins (P@n 0.53 and 0.39 alone on miles and clock), so min(z_context, z_next) ranks a planted row by its noisy
z_context wherever that is the smaller (the guard alone: 0.65 and 0.79, the next-token line alone 0.87 and 0.97).
The guard exists to drop rows whose prompts are unlike the answer's (the legitimate refusals of entity_refusal, whose
words the next-token line matches: 0.04 alone), so the other forms act on rows with below-average prompt similarity
only, z_context < 0 (the z-score's own origin, the mean row; no constant):

* ``gated``: z_next where z_context >= 0, else min(z_context, z_next);
* ``penalty``: z_next + min(0, z_context), the prompt side's deficit subtracted.

The token layer (3/4 of the depth) is not varied: the stores hold per-token states at that layer only. P@n and P@10
per answer, averaged over the answers; the table gives each task and setting, the mean, the worst, the tasks at P@10
>= 0.9 and the tasks that move by more than `MOVED` from the default. The constants of the earlier per-answer
defaults (candidates 12 and 14: their signature's projection and token share) are `answer_sensitivity`'s.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.attribution.default_choice import MARGIN
from benchmarks.attribution.probe_main import fused_line_records, fused_line_tables, probe_main

SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)
GUARDS = (0.0, 0.5, 1.0, 2.0)
# The default's weights: (w, v, g).
DEFAULT_WEIGHTS = (0.5, 0.5, 1.0)
GUARD_ALONE = "guard alone"
# The guard's forms: the default's minimum, and the two that act below the mean row's prompt similarity only.
GUARD_FORMS = ("min", "gated", "penalty")
# A move of more than this is what the default-choice rule counts as a loss.
MOVED = MARGIN


def label(w: float, v: float, g: float) -> str:
    return f"w {w:g}, v {v:g}, g {g:g}"


DEFAULT = label(*DEFAULT_WEIGHTS)


def settings() -> dict[str, tuple[str, tuple[float, float, float] | None]]:
    """Every column's label and its (guard form, (w, v, g); None: the guard alone), the default first: the minimum
    over the weight grid, then each other form at the default weights, at g = 2 and alone."""
    w0, v0, g0 = DEFAULT_WEIGHTS
    grid = [DEFAULT_WEIGHTS] + [(w, v0, g0) for w in SHARES] + [(w0, v, g0) for v in SHARES] \
        + [(w0, v0, g) for g in GUARDS]
    out = {label(*s): ("min", s) for s in dict.fromkeys(grid)} | {GUARD_ALONE: ("min", None)}
    for form in GUARD_FORMS[1:]:
        out |= {f"{form}, {label(*s)}": (form, s) for s in (DEFAULT_WEIGHTS, (w0, v0, 2.0))}
        out[f"{form} alone"] = (form, None)
    return out


def guard_line(form: str, z_context: np.ndarray, z_next: np.ndarray) -> np.ndarray:
    """The guard of ``form`` (`GUARD_FORMS`) from the two lines' z-scores over the rows: the library's
    `guard_scores` for the minimum and the gated form, the penalty form (probed, not in the library) here.

    Raises:
        ValueError: An unknown ``form``.
    """
    from provenance.attribution.joint import guard_scores

    if form == "penalty":
        return z_next + np.minimum(0.0, z_context)
    if form not in GUARD_FORMS:
        raise ValueError(f"guard form must be one of {GUARD_FORMS}, got {form!r}")
    return guard_scores(z_context, z_next, form)


def line_weights(w: float, v: float, g: float) -> np.ndarray:
    """Stouffer weights of (signature, token match, context, guard) whose weighted z-sum is, up to a factor, the
    signature pair at token share ``w`` plus the side pair at token share ``v`` plus the guard at weight ``g``; at
    the default (1/2, 1/2, 1) they are `focus_and_side_weights`' even split and 1."""
    first, side = np.hypot(1 - w, w), np.hypot(1 - v, v)
    return np.array([(1 - w) / first, w / first + v / side, (1 - v) / side, g])


def fused(lines: tuple[np.ndarray, ...], guard: np.ndarray) -> dict[str, np.ndarray]:
    """``[Q, rows]`` scores of every setting, from the default's three lines (signature, token match, context) and
    its next-token line."""
    from provenance.attribution.joint import standard_z, stouffer_standard_z

    sig, tok, ctx = lines
    forms = {form: guard_line(form, standard_z(ctx), standard_z(guard)) for form in GUARD_FORMS}
    out = {}
    for name, (form, weights) in settings().items():
        if weights is None:
            out[name] = forms[form]
            continue
        a = line_weights(*weights)
        keep = a > 0      # a line at weight 0 is left out (Stouffer's weights may not all be 0, but may be 0)
        parts = [s for s, k in zip((sig, tok, ctx, forms[form]), keep) if k]
        out[name] = stouffer_standard_z(*parts, weights=np.tile(a[keep], (len(sig), 1)))
    return out


def measure(out: Path) -> list[dict]:
    """P@n and P@10 per answer of every setting, for each behaviour of one run."""
    from provenance.attribution.joint import dense_scores
    from provenance.attribution.token_match import TokenMatchMethod

    def fuse(att, test, lines, rows, state):
        guard = TokenMatchMethod(epochs="last", states="store", query="next").rank(att, test, len(rows))
        return fused(lines, dense_scores(guard, rows))

    return fused_line_records(out, fuse)


def render(records: list[dict]) -> str:
    legend = ("Generated by `python -m benchmarks.attribution.answer_weight_sensitivity`. Per answer, last epoch's "
              "rows: ((1 - w) z_signature + w z_token) / sqrt((1 - w)^2 + w^2) + ((1 - v) z_context + v z_token) / "
              "sqrt((1 - v)^2 + v^2) + g min(z_context, z_next), as a weighted Stouffer sum, with the signature "
              "`h_fused_c`, the context `h_last_c` and z_next token match's next-token form (the module doc). The "
              f"default, `joint-next-token`, is `{DEFAULT}`; g 0 is `joint-equal-c`, the default before round 17; "
              f"'{GUARD_ALONE}' is min(z_context, z_next) alone. 'gated': z_next where z_context >= 0, else the "
              "minimum; 'penalty': z_next + min(0, z_context), each at the default weights, at g 2 and alone.")
    return fused_line_tables("The per-answer default's weights: sensitivity over the benchmark (issue 19)", legend,
                             records, list(settings()), DEFAULT, MOVED)


def main(argv: list[str] | None = None) -> None:
    probe_main(__doc__.splitlines()[0], measure, render, argv)


if __name__ == "__main__":
    main()
