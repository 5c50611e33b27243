"""`JointMethod`: the signature and token match as two lines of evidence, combined by Stouffer's method.

The signature (``h_fused``: the prompt side at the last prompt position and the response mean) reads whole
sequences; token match reads the response tokens the fine-tuning raised. Each fails where the other holds, measured
on the attribution benchmark: token match ranks first the rows of another context that use the same words (the
confusable task, over-refusal), the signature dilutes a one-word behaviour in the rest of the response (an entity
swap, a sycophantic opening). The automatic choice (`AutoMethod`) picks one of them by a stack of rules with
constants fitted on the benchmark; this method keeps both, with nothing fitted.

Each method ranks every selected row. A row's rank r among the n rows under a method is an empirical p-value,
p = (r - 1/2) / n (the mid-rank convention: the best row gets 1/(2n), never 0), converted to a z-score
z = Phi^-1(1 - p). The row's score is Stouffer's combination (z_signature + z_token) / sqrt(2): under the null that
a row is an arbitrary training row under both methods, each z is standard normal and so is their combination; a row
that either method ranks far out in its tail, and the other does not rank low, rises. Ranks rather than raw scores,
so that neither method dominates by the scale or the tails of its scores. Tied scores share their mean rank.

``fusion="robust-z"`` (``--method joint-z``) combines the methods' scores instead of their ranks: each method's
scores over the rows of one query become robust z-scores, z = (s - median) / (1.4826 MAD) (1.4826 makes the MAD a
consistent estimate of a Gaussian bulk's standard deviation; where over half the rows tie, the standard deviation
stands in, and a constant score gives z = 0), and the row's score is (z_signature + z_token) / sqrt(2). Why: a rank
p-value cannot go beyond the best rank, 1/(2n), so a method that places a few rows far outside its bulk (token match
on the one swapped word) counts no more than a method whose top rows barely clear it (token match where every
answer words the behaviour differently); the robust z keeps how far out a row lies, in units of the method's own
bulk, so each method weighs in by the separation it measures on this query. Nothing is fitted.

``fusion="z"`` combines plain z-scores instead, z = (s - mean) / sd over the rows of one query (the standardization
``h_fused_z`` gives each signature side; a constant score gives z = 0). The robust z measures a row against the bulk
alone, so a method with a few far outliers (token match on a swapped word) outweighs the other wherever it has them;
the plain z lets those outliers widen the method's own scale, so a method weighs in by how far out a row lies
relative to everything that method sees on this query, outliers included. ``--method joint-ctx`` pairs it with the
prompt side alone (``h_last_c``) as the signature: token match already reads the response, so the pair is one line
per side of the sequence, the prompt's context and the answer's raised tokens, instead of counting the response
twice (``h_fused`` holds the response mean too). Nothing is fitted.

``fusion="both"`` (``--method joint-both``) asks for both lines at once instead of either: a row's score is the
weaker of its two rank z-scores, min(z_signature, z_token) (rows whose weaker z ties are ordered by the Stouffer
sum). The Stouffer sum lets one line carry a row the other only mildly supports; where a query's answer carries two
fine-tuned patterns (a compliment taught by the planted rows and a story ending taught by another source), token
match ranks the other source's rows high on the shared ending and the sum lifts them. The minimum is the
intersection-union combination: a row counts as far as *both* the answer's raised tokens and the whole sequence
(prompt side included) point to it. Nothing is fitted.

``weighting="context"`` (``--method joint-context``, rank fusion) weighs the two rank z-scores per query instead of
equally: token match by rho and the signature by 1 - rho, where rho is the share of the fine-tuning's gain on the
answer that remains when its prompt is replaced by an empty one (`provenance.attribution.context_share`, which
derives it). A behaviour the answer carries by itself (an entity swap) is found by its tokens; one that needs its
prompt (a trigger, a request, a push-back) by the signature, which reads the prompt side. Per behaviour, rho is the
mean over the cases. The explanation lists each case's rho (``token_share``).

``weighting="focus"`` (``--method joint-focus``, rank fusion, the pooled token query) weighs them the same way by
phi instead: the share of the answer's fine-tuning gain that its single most-raised token carries
(`provenance.attribution.gain_focus`, which derives it). Token match scores a row by its one best-matching token, so
it can account for at most that share of the answer's gain; the signature reads the rest. Per behaviour, phi is the
mean over the cases; the explanation lists each case's phi (``token_share``).

With ``fusion="z"`` (``--method joint-focus-z``, the signature default ``h_fused_k1``) the same weights apply to the
two methods' plain z-scores: (1 - phi) z_signature + phi z_token, over sqrt((1 - phi)^2 + phi^2). The z-scores keep
how far out a row lies, which the ranks cap at the best rank; phi still decides how much of the answer token match
may speak for. Nothing is fitted.

With ``context_signature`` (``--method joint-focus-ctx``: ``h_fused_k1`` focus-weighted against token match, plus
the prompt side ``h_last_c``) a third line joins: the row's score is the sum of two pairs' Stouffer scores, the focus
pair ((1 - phi) z_signature + phi z_token) / sqrt((1 - phi)^2 + phi^2) (``joint-focus-z``) and the side pair
(z_context + z_token) / sqrt(2) (``joint-ctx``), each a unit-variance line under the null so that neither pair
outweighs the other. Why both: measured on the attribution benchmark, the focus pair misses where token match alone
is right but phi gives it little weight (a fixed phrase in an answer whose fine-tuning gain is spread over every
token), the side pair where rows of the same topic share the prompt side (the focus pair reads the whole sequence).
It adds no constant: the weights are those of its two pairs. Token match is computed once and enters both pairs.

With ``context_signature`` and ``weighting="equal"`` (``--method joint-equal-ctx``, issue 19's candidate 14) the
signature pair is weighed evenly instead of by phi: (z_signature + z_token) / sqrt(2) + (z_context + z_token) /
sqrt(2), so token match counts twice and each signature once. Why measure it: over the benchmark's 34 task-behaviours
a fixed token share did as well as phi per answer (results/answer_sensitivity.md), and the even split is the one share
that is not a constant; it also drops phi's extra pass through the model before fine-tuning.

With ``guard_line="top"`` (``--method joint-top-token``, issue 19's candidate 16: ``joint-equal-c`` plus one line) a
fourth line joins the two equal pairs at weight 1: the weaker of the prompt side's z-score and the z-score of token
match on the answer's most-raised token alone (``query="top"``), min(z_context, z_top), itself read as a z-score
over the rows like every line of the sum. Why: where an answer's behaviour is a form or a notation (verse
separators, a unit, a date format), the form sits in a few tokens the fine-tuning raised most, while its content
words come from ordinary rows of the same topic; the pooled token query averages them and follows the many content
tokens, so the rows of the same topic outrank the rows that taught the form. The most-raised token alone finds those rows, but some answers' most-raised token was taught in another
context (a refusal word taught by harmful requests); the minimum lets it lift a row only as far as the prompt side
also points to it, the intersection-union form of ``fusion="both"``. Nothing is fitted: the token is the argmax of
the gains, the line's weight that of each line of a pair. Measured before it was committed on 45 task-behaviours
(benchmarks/attribution/results/focus_line_probe.md, its ``both`` column); not adopted after the sixteenth held-out
round (results/default_choice_round16.md: per answer worst P@n 0.40 against the default's 0.47), kept selectable.

With ``guard_line="next"`` (``--method joint-next-token``, issue 19's candidate 17) the fourth line is the same
minimum with token match's ``query="next"`` instead: the training positions that wrote the answer's tokens after a
state like the one that predicted them (`provenance.attribution.token_match`, the kNN-LM reading). Why: a form or a
notation that topic twins do not share ("miles" against "km") is in which token follows which state, which every
state-similarity line blurs with the topic; the line alone finds those rows (miles_units P@n 0.47 -> 0.87) and fails
where the answer's words come from rows of another context (entity_refusal 0.67 -> 0.04), which the minimum with the
prompt side guards. Measured before it was committed on 47 task-behaviours
(benchmarks/attribution/results/next_token_probe.md, its ``both`` column: mean P@n 0.849 against 0.825, worst 0.47
both, no task more than 0.10 below; P@10 >= 0.9 on 36 against 31).

With ``guard_form="gated"`` (``--method joint-gated-next``, issue 19's candidate 18, with ``guard_line="next"``) the
guard takes the minimum only for rows whose prompt side is below the mean row's (z_context < 0) and is z_next itself
for the others. Why: among the rows of the answer's own topic the prompt side barely tells the planted rows from their
twins (miles_units P@n 0.53 alone, clock_24h 0.39), so the minimum ranks a planted row by its noisy z_context wherever
that is the smaller (the guard alone: 0.65 and 0.79 against the next-token line's 0.87 and 0.97); what the guard must
drop are rows of another context that write the answer's words (entity_refusal's refusals, whose prompts are unlike
the answer's, z_context < 0). The threshold is the z-score's own origin, no constant. Measured before it was committed
on 50 task-behaviours (benchmarks/attribution/results/answer_weight_sensitivity.md, its ``gated`` column at the
default weights: mean P@n 0.854 against 0.845, worst 0.47 both, no task more than 0.06 below; P@10 >= 0.9 on 39
against 38).

Per answer, each case is combined on its own; per behaviour (``combine="mean"``), each method's behaviour ranking
(the rows' mean scores over the cases) is combined. With ``behaviour_from="answers"`` (``--method
joint-gated-answers``) the behaviour is ranked the other way round: each case's joint scores, as plain z-scores over
the rows, are summed over the cases and divided by sqrt(cases), Stouffer's method across the answers as the fusion
is across the lines (nothing fitted); per answer it is the method it is built on. Measured from the committed line
files of 59 counted task-behaviours (benchmarks/attribution/results/line_choice.md, ``answers-stouffer``; defined
before round 20 was written): per behaviour mean P@n 0.912 against the rule stack's 0.857, worst 0.47 against 0.40,
P@n >= 0.95 on 40 against 30, but 0.30 below it on entity_refusal and 0.17 on confusable, so it is not the default.
Without what token match needs (per-token states stored at the token layer, a model before fine-tuning, row
selection other than ``epochs="mean"``) the signature ranks alone and the explanation says why. Both methods score
every selected row, so the cost is theirs added up; the combination holds ``[cases, rows]`` scores in memory (4
bytes each).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import ndtri
from scipy.stats import rankdata

from provenance.attribution.context_share import context_share
from provenance.attribution.gain_focus import gain_focus
from provenance.attribution.method import AttributionMethod, Ranking, Requirements
from provenance.attribution.signature_method import SignatureMethod
from provenance.attribution.signatures import DEFAULT_VARIANT, Epochs, SignatureSpec
from provenance.attribution.token_match import (
    QUERY_FORMS, TokenMatchMethod, default_token_layer, stored_token_match_unavailable,
)
from provenance.attribution.topk import select_rows

if TYPE_CHECKING:
    from provenance.attribution.attributor import Attributor
    from provenance.attribution.case_signatures import TestSignatures

__all__ = ["BEHAVIOUR_FROM", "FUSIONS", "GUARD_FORMS", "GUARD_LINES", "WEIGHTINGS", "JointMethod", "conjunction_ranks",
           "dense_scores", "focus_and_side_weights", "guard_scores", "rank_z", "robust_z", "standard_z",
           "stouffer_ranks", "stouffer_robust_z", "stouffer_standard_z"]

FUSIONS = ("ranks", "robust-z", "z", "both")
WEIGHTINGS = ("equal", "context", "focus")
# Token match's query forms that can join the equal pairs as a fourth line, guarded by the prompt side.
GUARD_LINES = ("top", "next")
GUARD_NAMES = {"top": "the most-raised token", "next": "the positions before the answer's tokens"}
# How the guard joins the prompt side and the token-match line: their minimum for every row, or only for rows whose
# prompt side is below the mean row's (the token-match line itself above it).
GUARD_FORMS = ("min", "gated")
# How a behaviour is ranked: each line's behaviour ranking fused ("lines"), or each answer's fused scores combined
# over the answers by Stouffer's method ("answers").
BEHAVIOUR_FROM = ("lines", "answers")
# What each per-query weighting gives token match (the signature gets the rest), for the explanation.
WEIGHED_BY = {"context": "the share of the answer's fine-tuning gain that remains without its prompt",
              "focus": "the share of the answer's fine-tuning gain on its most-raised token"}
COMBINED_BY = {"ranks": "each row's rank p-values combined by Stouffer's method",
               "robust-z": "each row's robust z-scores combined by Stouffer's method",
               "z": "each row's z-scores combined by Stouffer's method",
               "both": "each row scored by the weaker of its two rank z-scores (both must support it)"}
# The Gaussian consistency factor of the median absolute deviation: 1 / Phi^-1(3/4).
MAD_TO_SD = 1.0 / float(ndtri(0.75))


def stouffer_ranks(*scores: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Stouffer's combination of rank p-values: each ``[Q, n]`` score matrix (higher is better) is ranked per row
    (ties share their mean rank), the rank turned into z = Phi^-1(1 - (r - 1/2) / n), and the z-scores summed over
    the matrices and divided by the square root of their number; with ``weights`` (``[Q, matrices]``, >= 0, not all
    0 in a row), the weighted form sum_i w_i z_i / sqrt(sum_i w_i^2), again standard normal under the null.

    Raises:
        ValueError: No matrices, matrices of different shapes, or weights of the wrong shape, negative or all 0.
    """
    return _stouffer(rank_z, scores, weights)


def rank_z(scores: np.ndarray) -> np.ndarray:
    """Each row of a ``[Q, n]`` score matrix (higher is better) as rank z-scores: rank r best first (ties share
    their mean rank), z = Phi^-1(1 - (r - 1/2) / n)."""
    s = np.asarray(scores, np.float64)
    return ndtri(1.0 - (rankdata(-s, method="average", axis=1) - 0.5) / s.shape[1])


def conjunction_ranks(*scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The conjunction of rank evidence: per row, the weakest of its rank z-scores over the matrices (``[Q, n]``
    each, higher is better), and, to order rows whose weakest z ties, their Stouffer sum (`stouffer_ranks`).

    Returns:
        (weakest z, Stouffer sum), both ``[Q, n]``.

    Raises:
        ValueError: No matrices, or matrices of different shapes.
    """
    _shared_shape(scores)
    return np.min([rank_z(s) for s in scores], axis=0), stouffer_ranks(*scores)


def robust_z(scores: np.ndarray) -> np.ndarray:
    """Each row of a ``[Q, n]`` score matrix as robust z-scores, (s - median) / (`MAD_TO_SD` * MAD); the standard
    deviation where the MAD is 0 (over half the scores tie), and 0 for a constant row.

    Raises:
        ValueError: A score that is not finite.
    """
    s = np.asarray(scores, np.float64)
    if not np.isfinite(s).all():
        raise ValueError("robust z-scores need finite scores for every row")
    centre = np.median(s, axis=1, keepdims=True)
    scale = MAD_TO_SD * np.median(np.abs(s - centre), axis=1, keepdims=True)
    scale = np.where(scale > 0, scale, s.std(axis=1, keepdims=True))
    return np.divide(s - centre, scale, out=np.zeros_like(s), where=scale > 0)


def stouffer_robust_z(*scores: np.ndarray) -> np.ndarray:
    """Stouffer's combination of robust z-scores: each ``[Q, n]`` score matrix (higher is better) turned into
    `robust_z` per row, summed over the matrices and divided by the square root of their number.

    Raises:
        ValueError: No matrices, matrices of different shapes, or a score that is not finite.
    """
    return _stouffer(robust_z, scores, None)


def standard_z(scores: np.ndarray) -> np.ndarray:
    """Each row of a ``[Q, n]`` score matrix as z-scores, (s - mean) / sd; 0 for a constant row.

    Raises:
        ValueError: A score that is not finite.
    """
    s = np.asarray(scores, np.float64)
    if not np.isfinite(s).all():
        raise ValueError("z-scores need finite scores for every row")
    sd = s.std(axis=1, keepdims=True)
    return np.divide(s - s.mean(axis=1, keepdims=True), sd, out=np.zeros_like(s), where=sd > 0)


def stouffer_standard_z(*scores: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Stouffer's combination of z-scores: each ``[Q, n]`` score matrix (higher is better) turned into `standard_z`
    per row, summed over the matrices and divided by the square root of their number; with ``weights`` (``[Q,
    matrices]``), the weighted form sum_i w_i z_i / sqrt(sum_i w_i^2), as in `stouffer_ranks`.

    Raises:
        ValueError: No matrices, matrices of different shapes, a score that is not finite, or weights of the wrong
            shape, negative or all 0.
    """
    return _stouffer(standard_z, scores, weights)


def _stouffer(to_z, scores: tuple[np.ndarray, ...], weights: np.ndarray | None) -> np.ndarray:
    """sum_i w_i to_z(scores_i) / sqrt(sum_i w_i^2) per query row (w = 1 without ``weights``): each Stouffer form.

    Raises:
        ValueError: No matrices, matrices of different shapes, or bad weights (see `_weights`).
    """
    shape = _shared_shape(scores)
    w = _weights(weights, shape[0], len(scores))
    total = np.zeros(shape, np.float64)
    for i, s in enumerate(scores):
        total += w[:, i: i + 1] * to_z(s)
    return total / np.sqrt((w ** 2).sum(1, keepdims=True))


def _weights(weights: np.ndarray | None, queries: int, matrices: int) -> np.ndarray:
    """``weights`` checked as ``[queries, matrices]``, >= 0 and not all 0 in a row (None: all 1).

    Raises:
        ValueError: Weights of the wrong shape, negative or all 0 in a row.
    """
    w = np.ones((queries, matrices)) if weights is None else np.asarray(weights, np.float64)
    if w.shape != (queries, matrices) or (w < 0).any() or not (w.sum(1) > 0).all():
        raise ValueError(f"weights must be [queries, matrices] = {(queries, matrices)}, >= 0 and not all 0 in "
                         f"a row, got shape {w.shape}")
    return w


def _shared_shape(scores: tuple[np.ndarray, ...]) -> tuple[int, int]:
    """The one ``[Q, n]`` shape of ``scores``.

    Raises:
        ValueError: No matrices, or matrices of different shapes or not two-dimensional.
    """
    if not scores:
        raise ValueError("a Stouffer combination needs at least one score matrix")
    shape = np.shape(scores[0])
    if any(np.shape(s) != shape for s in scores) or len(shape) != 2:
        raise ValueError(f"score matrices must share one [queries, rows] shape, got {[np.shape(s) for s in scores]}")
    return shape


def guard_scores(z_context: np.ndarray, z_token: np.ndarray, form: str = "min") -> np.ndarray:
    """The guard line from the prompt side's and a token-match line's z-scores over the rows: their minimum
    (``form="min"``), or (``"gated"``) the minimum where ``z_context`` < 0, the row's prompt less like the answer's
    than the mean row's, and ``z_token`` elsewhere (see the module doc).

    Raises:
        ValueError: An unknown ``form``, or score matrices of different shapes.
    """
    if form not in GUARD_FORMS:
        raise ValueError(f"guard form must be one of {GUARD_FORMS}, got {form!r}")
    if np.shape(z_context) != np.shape(z_token):
        raise ValueError(f"the guard's two lines must share one shape, got {np.shape(z_context)} and "
                         f"{np.shape(z_token)}")
    weaker = np.minimum(z_context, z_token)
    return weaker if form == "min" else np.where(z_context < 0, weaker, z_token)


def focus_and_side_weights(phi: np.ndarray) -> np.ndarray:
    """``[Q, 3]`` Stouffer weights of (signature, token match, context) whose weighted z-sum is, up to a per-query
    factor, the focus pair ((1 - phi) z_s + phi z_t) / sqrt((1 - phi)^2 + phi^2) plus the side pair
    (z_c + z_t) / sqrt(2) (the module doc)."""
    phi = np.asarray(phi, np.float64)
    norm = np.hypot(1 - phi, phi)
    side = np.full_like(phi, 1 / np.sqrt(2))
    return np.stack([(1 - phi) / norm, phi / norm + side, side], 1)


def dense_scores(ranking: Ranking, rows: np.ndarray) -> np.ndarray:
    """``[Q, len(rows)]`` scores of a ranking that covers exactly ``rows`` (every selected row)."""
    index = np.full(int(rows.max()) + 1 if len(rows) else 0, -1)
    index[rows] = np.arange(len(rows))
    out = np.full((ranking.rows.shape[0], len(rows)), np.nan)
    for q in range(ranking.rows.shape[0]):
        keep = ranking.rows[q] >= 0
        out[q, index[ranking.rows[q][keep]]] = ranking.scores[q][keep]
    if np.isnan(out).any():
        raise RuntimeError("a joint ranking needs every selected row scored by both methods")
    return out


class JointMethod(AttributionMethod):
    """The signature and token match combined by Stouffer's method on their ranks (see the module doc).

    Args:
        signature: The signature variant (default `DEFAULT_VARIANT`).
        layer: The signature's layer (default: the run's default layer).
        token_layer: Token match's layer (default: `default_token_layer` of the model).
        epochs: Row selection: an epoch number, ``"last"`` or ``"all"``; ``"mean"`` leaves the signature alone.
        base: The model before fine-tuning (default: the PEFT model with its adapters disabled).
        chunk_rows: Rows per streamed block of the signature's scores.
        token_query: Token match's query form: "pooled" or "each" (`TokenMatchMethod`'s ``query``).
        fusion: How the two methods combine: "ranks" (Stouffer on rank p-values), "robust-z" (Stouffer on each
            method's robust z-scores), "z" (Stouffer on each method's z-scores) or "both" (the weaker of the two
            rank z-scores; see the module doc).
        weighting: "equal"; "context": token match weighted by the share of the answer's fine-tuning gain that
            remains without its prompt, the signature by the rest; "focus": token match weighted by the share of the
            gain on the answer's most-raised token (both with rank or plain z fusion only; see the module doc).
        context_signature: A prompt-side signature (e.g. ``"h_last_c"``) that joins as a third line, paired with
            token match and added to the signature pair (``fusion="z"`` with ``weighting="focus"`` or ``"equal"``
            only; see the module doc). None: two lines.
        guard_line: Add the weaker of the context signature's z-score and that of token match in this query form
            as a fourth line: "top" (the answer's most-raised token) or "next" (the positions before the answer's
            tokens); with ``context_signature`` and ``weighting="equal"`` only (see the module doc). None: no
            fourth line.
        guard_form: How the guard joins the two: "min", their minimum for every row; "gated", the minimum for rows
            whose context z-score is below 0 (the mean row's) and the token-match line's z-score for the others
            (`guard_scores`).
        behaviour_from: How `rank_behaviour` ranks: "lines", each line's behaviour ranking fused; "answers", each
            answer's fused scores as z-scores over the rows, combined over the answers by Stouffer's method (see the
            module doc). Per answer it changes nothing.

    Raises:
        ValueError: An unknown ``token_query``, ``fusion`` or ``weighting``, a weighting other than ``"equal"`` with
            a fusion other than ``"ranks"`` or ``"z"``, a ``context_signature`` without ``fusion="z"`` and
            ``weighting="focus"`` or ``"equal"``, an unknown ``guard_line``, or one without ``context_signature``
            and ``weighting="equal"``, an unknown ``guard_form``, or "gated" without a ``guard_line``; an unknown
            ``behaviour_from``, or "answers" with ``fusion="both"`` (whose ranks are not scores to add).
    """

    def __init__(self, signature: SignatureSpec = DEFAULT_VARIANT, layer: int | None = None,
                 token_layer: int | None = None, epochs: Epochs = "last", base: Any = None, chunk_rows: int = 8192,
                 token_query: str = "pooled", fusion: str = "ranks", weighting: str = "equal",
                 context_signature: SignatureSpec | None = None, guard_line: str | None = None,
                 guard_form: str = "min", behaviour_from: str = "lines"):
        if token_query not in QUERY_FORMS:
            raise ValueError(f"token_query must be one of {QUERY_FORMS}, got {token_query!r}")
        if fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {FUSIONS}, got {fusion!r}")
        if weighting not in WEIGHTINGS:
            raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {weighting!r}")
        if weighting != "equal" and fusion not in ("ranks", "z"):
            raise ValueError(f"weighting={weighting!r} weighs rank or plain z-scores: use it with fusion='ranks' or "
                             "fusion='z'")
        if context_signature is not None and (fusion != "z" or weighting not in ("focus", "equal")):
            raise ValueError("context_signature adds the prompt side to the z-scores: use it with fusion='z' and "
                             f"weighting='focus' or 'equal', got fusion={fusion!r}, weighting={weighting!r}")
        if guard_line is not None and guard_line not in GUARD_LINES:
            raise ValueError(f"guard_line must be one of {GUARD_LINES} or None, got {guard_line!r}")
        if guard_line is not None and (context_signature is None or weighting != "equal"):
            raise ValueError("guard_line joins the two equal pairs: use it with context_signature and "
                             f"weighting='equal', got context_signature={context_signature!r}, weighting={weighting!r}")
        if guard_form not in GUARD_FORMS:
            raise ValueError(f"guard_form must be one of {GUARD_FORMS}, got {guard_form!r}")
        if guard_form != "min" and guard_line is None:
            raise ValueError(f"guard_form={guard_form!r} shapes the guard line: set guard_line too")
        if behaviour_from not in BEHAVIOUR_FROM:
            raise ValueError(f"behaviour_from must be one of {BEHAVIOUR_FROM}, got {behaviour_from!r}")
        if behaviour_from == "answers" and fusion == "both":
            raise ValueError("behaviour_from='answers' adds the answers' joint scores: use it with a fusion other "
                             "than 'both'")
        self.fusion, self.weighting, self.guard_line, self.guard_form = fusion, weighting, guard_line, guard_form
        self.behaviour_from = behaviour_from
        self.signature = SignatureMethod(signature, layer, epochs, chunk_rows)
        self.context = None if context_signature is None else SignatureMethod(context_signature, layer, epochs,
                                                                              chunk_rows)
        self.token_layer, self.epochs, self.base, self.token_query = token_layer, epochs, base, token_query

    @property
    def name(self) -> str:
        tokens = {"pooled": "token match", "each": "token match of each raised token",
                  "top": "token match of the most-raised token"}[self.token_query]
        on = {"ranks": "Stouffer on ranks", "robust-z": "Stouffer on robust z-scores", "z": "Stouffer on z-scores",
              "both": "the weaker rank z-score"}[self.fusion]
        weighed = {"equal": "", "context": ", weighted by the answer's own share of the gain",
                   "focus": ", weighted by the gain's focus on one token"}[self.weighting]
        if self.context is not None:
            weighed += f"; plus {self.context.name} + {tokens}"
        if self.guard_line is not None:
            weighed += f"; plus the weaker of {self.context.name} and {GUARD_NAMES[self.guard_line]}"
            if self.guard_form == "gated":
                weighed += f" where {self.context.name} is below the mean row's"
        if self.behaviour_from == "answers":
            weighed += "; per behaviour, the answers' z-scores combined by Stouffer's method"
        return f"joint({self.signature.name} + {tokens}, {on}{weighed})"

    def _token_layer(self, att: Attributor) -> int:
        return self.token_layer if self.token_layer is not None else default_token_layer(att.model)

    def _why_not_token_match(self, att: Attributor, layer: int) -> str | None:
        return stored_token_match_unavailable(att, layer, self.epochs, self.base)

    def requirements(self, att: Attributor) -> Requirements:
        layer = self._token_layer(att)
        tokens = () if self._why_not_token_match(att, layer) else (layer,)
        signatures = [self.signature] + ([self.context] if self.context is not None else [])
        parts = tuple(dict.fromkeys(p for m in signatures for p in m.signature.parts))
        return Requirements(layers=tuple(dict.fromkeys(m.layer_of(att) for m in signatures)), parts=parts,
                            case_token_layers=tokens)

    def rank(self, att: Attributor, test: TestSignatures, k: int) -> Ranking:
        return self._rank(att, test, k, combine=False)

    def rank_behaviour(self, att: Attributor, test: TestSignatures, k: int) -> Ranking:
        if self.behaviour_from == "answers":
            return self._rank(att, test, k, combine=False, over_answers=True)
        return self._rank(att, test, k, combine=True)

    def _rank(self, att: Attributor, test: TestSignatures, k: int, combine: bool,
              over_answers: bool = False) -> Ranking:
        """The top ``k`` rows per case (``combine``: of the behaviour, from each line's behaviour ranking;
        ``over_answers``: of the behaviour, from each case's joint scores combined over the cases)."""
        layer = self._token_layer(att)
        why_not = self._why_not_token_match(att, layer)
        if why_not is not None:
            rank = self.signature.rank_behaviour if combine or over_answers else self.signature.rank
            ranking = rank(att, test, k)
            return self._explained(ranking, {"method": self.signature.name, "reason": f"the signature alone: {why_not}"})
        rows = np.flatnonzero(select_rows(att.samples, self.epochs))
        n = len(rows)
        tm = TokenMatchMethod(layer, None, self.signature, self.epochs, base=self.base, states="store",
                              query=self.token_query)
        if combine:
            sig, tok = self.signature.rank_behaviour(att, test, n), tm.rank_behaviour(att, test, n)
        else:
            sig, tok = self.signature.rank(att, test, n), tm.rank(att, test, n)
        explanation = {"method": self.name, "reason": f"signature and token match, {COMBINED_BY[self.fusion]}",
                       "token_layer": layer}
        sig, tok = dense_scores(sig, rows), dense_scores(tok, rows)
        context = None if self.context is None else dense_scores(
            (self.context.rank_behaviour if combine else self.context.rank)(att, test, n), rows)
        guard = None
        if self.guard_line is not None:
            guard_match = TokenMatchMethod(layer, None, self.signature, self.epochs, base=self.base, states="store",
                                           query=self.guard_line)
            guard = dense_scores((guard_match.rank_behaviour if combine else guard_match.rank)(att, test, n), rows)
        if self.fusion == "both":
            joint, tie = conjunction_ranks(sig, tok)
            order = np.lexsort((-tie, -joint), axis=1)[:, :k]
        else:
            joint = self._combined(att, test, layer, sig, tok, combine, explanation, context, guard)
            if over_answers:
                joint = standard_z(joint).sum(0, keepdims=True) / np.sqrt(len(joint))
                explanation["reason"] += "; per behaviour, the answers' z-scores combined by Stouffer's method"
            order = np.argsort(-joint, axis=1, kind="stable")[:, :k]
        ranking = Ranking(np.take_along_axis(joint, order, 1).astype(np.float32), rows[order])
        return self._explained(ranking, explanation)

    def _combined(self, att: Attributor, test: TestSignatures, layer: int, sig: np.ndarray, tok: np.ndarray,
                  combine: bool, explanation: dict, context: np.ndarray | None = None,
                  guard: np.ndarray | None = None) -> np.ndarray:
        """``[Q, rows]`` joint scores of the methods' dense scores, by ``fusion`` and ``weighting``; a per-query
        weighting adds each query's token share to ``explanation``. ``context``: the context signature's scores
        (only with plain-z fusion, focus-weighted or equal, `__init__` checks), the side pair's third line;
        ``guard``: token match's scores in the ``guard_line`` query form (only with ``context``, equal), which
        joins the context's z-scores by ``guard_form`` (`guard_scores`) as the fourth line."""
        # Weighting is refused with robust-z (__init__), so the weighted forms are the rank and plain-z ones.
        fuse = {"ranks": stouffer_ranks, "robust-z": stouffer_robust_z, "z": stouffer_standard_z}[self.fusion]
        if self.weighting != "equal":
            measure = context_share if self.weighting == "context" else gain_focus
            share = measure(att, test, layer, base=self.base)
            share = share.mean(keepdims=True) if combine else share
            explanation["token_share"] = [round(float(r), 4) for r in share]
            explanation["reason"] += (f", token match weighted by {WEIGHED_BY[self.weighting]} (token_share), the "
                                      "signature by the rest")
            if context is not None:
                explanation["reason"] += f"; plus {self.context.name} and token match, equally"
                return fuse(sig, tok, context, weights=focus_and_side_weights(share))
            return fuse(sig, tok, weights=np.stack([1 - share, share], 1))
        if context is not None:
            # Both pairs at their even split: the focus pair's weights at phi = 1/2 are the equal pair's.
            explanation["reason"] += f"; plus {self.context.name} and token match, the two pairs equally"
            pairs = focus_and_side_weights(np.full(len(sig), 0.5))
            if guard is None:
                return fuse(sig, tok, context, weights=pairs)
            gated = " where the prompt side is below the mean row's" if self.guard_form == "gated" else ""
            explanation["reason"] += (f"; plus the weaker of {self.context.name} and token match on "
                                      f"{GUARD_NAMES[self.guard_line]}{gated}, a line of weight 1")
            line = guard_scores(standard_z(context), standard_z(guard), self.guard_form)
            return fuse(sig, tok, context, line, weights=np.hstack([pairs, np.ones((len(sig), 1))]))
        return fuse(sig, tok)

    def _explained(self, ranking: Ranking, explanation: dict) -> Ranking:
        ranking.explanation = explanation
        ranking.label = explanation["method"] if explanation["method"] != self.name else None
        return ranking
