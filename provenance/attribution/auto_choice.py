"""Automatic choice for a behaviour query: token match when it agrees with the signature, else the signature.

Per behaviour (``combine="mean"``), token match over the training-time per-token states finds the rows that teach a
behaviour carried by tokens the fine-tuning raised (a swapped entity, a fixed target text, compliments). It fails when
those tokens are shared with rows of another context: an answer given in the very words other sources use for another
purpose ranks those sources' rows first, while the signature, which reads the whole sequence at its last position,
still separates them. That failure is visible without labels: the two methods' top lists then barely overlap. So both
rank, and token match is kept only when at least ``min_overlap`` of its top ``agree_k`` rows are also among the
signature's.

The signature is ``h_fused_z`` (`BEHAVIOUR_VARIANT`): the prompt side and the response side, each cosine read as a
z-score over the stored rows, so that neither side's spread decides alone.

Per answer (``combine="none"``) there is no second answer to agree with, so nothing is chosen: three lines rank, as
plain z-scores over the rows, in two equal pairs whose scores add up, plus a guarded fourth line (`ANSWER_FUSION`;
`JointMethod` with ``fusion="z", context_signature="h_last_c", guard_line="next", guard_form="gated"``): both
centered sides (``h_fused_c``, `ANSWER_SIGNATURE`: the prompt side's and the response mean's cosines averaged, no
projection) with token match, and the prompt side alone (``h_last_c``) with token match, (z_signature + z_token) /
sqrt(2) + (z_context + z_token) / sqrt(2); and at weight 1 z_next, token match's next-token form (the training
positions that wrote each raised answer token after a state like the one that predicted it), guarded by the prompt
side: min(z_context, z_next) for rows whose z_context < 0 (prompts less like the answer's than the mean row's).
Token match finds an answer whose behaviour sits in its raised tokens (a swapped entity, a unit, a marker), the
signature one spread over the whole response, and the side pair the rows that teach the answer's raised tokens for
the answer's kind of prompt; the next-token line finds a notation or a form that rows of the same topic do not share
("miles" against "km", lowercase SQL against uppercase, gas marks against Celsius) unless those rows' prompts are
unlike the answer's (a refusal taught by harmful requests), where the prompt side caps it. No weight is measured or
fitted: the even split, the minimum, the mean row as the guard's threshold (the z-score's origin), and no constant is
set; moved one at a time, the weights change no task by more than 0.10 (results/answer_weight_sensitivity.md).
Adopted by the rule committed before the first candidate was scored, after the eighteenth held-out round (issue
19's candidate 18, `joint-gated-next`: over 53 counted task-behaviours mean P@n 0.854 against 0.843, worst 0.47
both, largest deficit 0.06; results/default_choice_round18.md), after candidate 17 (`joint-next-token`, the
minimum for every row, after round 17), candidate 15 (`joint-equal-c`, the three lines alone, after round
13), candidate 14 (`joint-equal-ctx`, its signature projected, after round 12), candidate 12 (the first pair
weighted by phi, the answer's gain focus, `joint-focus-ctx`, after round 8) and candidate 11 (that pair alone, after
round 5); benchmarks/attribution/README.md.

Without per-token states at the token layer, or without a base model to weigh tokens against (a PEFT model can
disable its adapters; otherwise pass ``base``), the signature ranks, per behaviour and per answer, and the result's
explanation says why.

When the two disagree, token match's ranking still answers another question: which rows' words the answers reuse.
The ranking carries it as its wording (none when token match ranked or did not run); `Attributor.query` returns it
as ``AttributionResult.wording`` and the CLI prints it under the ranking.

When token match is kept, its top ``seed_k`` rows may refine it (`provenance.attribution.seed_refine`): if they
resemble each other as whole responses (`seed_coherence` of their ``h_mean`` at the token layer >=
``min_coherence``), a classifier is trained on them against the rows token match ranks below ``band``, and the rows
rank by the three lines the choice has computed by then, the signature, token match and the classifier, their plain
z-scores over the rows added (`REFINE_FUSION`, issue 19's candidate 13, adopted by the rule committed before the tenth
held-out round was scored). The classifier helps behaviours that are a stance of the whole response, where token
match's best token is shared with rows of the same templates; alone, it learns the top rows' topic where the
behaviour is a fixed phrase and ranks same-topic rows without the phrase among them, which token match and the
signature then outvote. Behaviours carried by single tokens (whose top rows do not cohere) stay with token match.
It needs more culprits than ``seed_k``: a behaviour taught by fewer rows whose top rows cohere is refined from wrong
seeds. ``refine=False`` gives the rule without it, ``refine_fusion="replace"`` the classifier alone (the default
before candidate 13).

The default settings were chosen on the attribution benchmark; its measurements, and how P@n depends on each
setting, are in benchmarks/attribution/ (README.md and results/).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from provenance.attribution.joint import JointMethod, dense_scores, stouffer_standard_z
from provenance.attribution.method import AttributionMethod, Ranking, Requirements
from provenance.attribution.seed_refine import SeedClassifier, refine_ranking
from provenance.attribution.signature_method import SignatureMethod
from provenance.attribution.signatures import Epochs, SignatureSpec
from provenance.attribution.token_match import TokenMatchMethod, default_token_layer, stored_token_match_unavailable
from provenance.attribution.topk import select_rows

if TYPE_CHECKING:
    from provenance.attribution.attributor import Attributor
    from provenance.attribution.case_signatures import TestSignatures

__all__ = ["ANSWER_FUSION", "ANSWER_SIGNATURE", "BEHAVIOUR_VARIANT", "REFINE_FUSION", "AutoMethod", "fuse_refinement",
           "top_overlap"]

# Top rows of each method compared: 10, adopted by the rule committed before the second held-out round was scored
# (benchmarks/attribution/README.md): over 17 task-behaviours it equals 20 on every task but confusable, where it
# gives 0.86 against 0.44. The support is that one dev task; the three held-out tasks neither gain nor lose by it.
AGREE_K = 10
# 3 of the 10: two unrelated top-10 lists of N rows share 3 or more with probability 0.024 at N = 140, 0.009 at 200,
# 0.003 at 300 (hypergeometric tail), so on the benchmark's stores (140-360 rows) the gate keeps token match only
# where the two agree beyond chance at about the groups check's 0.01 level. It is not that test: on a larger store
# the same 3 rows are rarer by chance (2 would pass at 0.01 from about 700 rows on), and a gate set by the tail at a
# level would keep token match more often there. How P@n depends on it (0.2 / 0.3 / 0.4):
# benchmarks/attribution/results/auto_sensitivity.md.
MIN_OVERLAP = 0.3
# The signature the choice compares token match with, and ranks by when they disagree: h_fused_z, adopted by the
# rule committed before the third held-out round was scored (issue 19's candidate 8; benchmarks/attribution/
# README.md, results/default_choice.md). Over 19 task-behaviours: mean P@n 0.921 against 0.874 with h_fused, worst
# 0.67 against 0.00, no task more than 0.08 below. Its gain is on a task read before it was designed (entity_refusal
# 0.00 -> 0.97); the two round-3 tasks score the same with either.
BEHAVIOUR_VARIANT = "h_fused_z"
# Per answer: both centered sides and token match, plus the prompt side and token match, two equal z-score pairs
# (candidate 14's pairs, adopted after round 12; their signature unprojected, candidate 15, adopted after round 13),
# plus the next-token match guarded by the prompt side (candidate 17, adopted after round 17: over 50
# task-behaviours mean P@n 0.845 against 0.816), the guard's minimum taken only where the prompt side is below the
# mean row's (candidate 18, adopted after round 18: over 53 mean P@n 0.854 against 0.843, worst 0.47 both, no task
# more than 0.06 below; see the module doc).
ANSWER_SIGNATURE = "h_fused_c"
ANSWER_FUSION = {"fusion": "z", "weighting": "equal", "context_signature": "h_last_c", "guard_line": "next",
                 "guard_form": "gated"}
# Refinement (seed_refine) settings, chosen on the attribution benchmark and checked on held-out tasks
# (benchmarks/attribution/README.md; results/auto_sensitivity.md: how P@n depends on each of the four).
SEED_K = 10            # token match's top rows that train the classifier
BAND = 100             # rows token match ranks below this are its negatives; the rows between are left out
MIN_COHERENCE = 0.5    # between the coherence of token-carried behaviours and of whole-response ones
REFINE_C = 10.0
# What ranks when the refinement runs: "replace", the classifier alone; "z", the three lines the choice has computed
# by then (the signature, token match and the classifier), their plain z-scores over the rows added (Stouffer), as
# the per-answer default combines its lines (issue 19's candidate 13; benchmarks/attribution/README.md).
REFINE_FUSIONS = ("replace", "z")
REFINE_FUSION = "z"


def top_overlap(rows_a: np.ndarray, rows_b: np.ndarray, k: int) -> float:
    """Share of the first ``k`` ranked rows of ``rows_a`` that are also among the first ``k`` of ``rows_b``."""
    a, b = rows_a[rows_a >= 0][:k], rows_b[rows_b >= 0][:k]
    return len(np.intersect1d(a, b)) / max(min(k, len(a)), 1)


def fuse_refinement(signature: Ranking, token_match: Ranking, classifier: Ranking, selected: np.ndarray,
                    k: int) -> Ranking:
    """The top ``k`` of ``selected`` by the three lines of a refined behaviour query (``refine_fusion="z"``): each
    ranking's scores of every selected row as plain z-scores, added and divided by sqrt(3) (`stouffer_standard_z`).

    The classifier adds what the seed rows share as whole responses, token match keeps the raised tokens that the
    classifier's topic-level features can blur (a same-topic row without them), the signature the whole sequence
    that neither reads alone.

    Raises:
        RuntimeError: A ranking that does not score every row of ``selected``.
    """
    joint = stouffer_standard_z(dense_scores(signature, selected), dense_scores(token_match, selected),
                                dense_scores(classifier, selected))
    order = np.argsort(-joint, axis=1, kind="stable")[:, :k]
    return Ranking(np.take_along_axis(joint, order, 1).astype(np.float32), selected[order])


class AutoMethod(AttributionMethod):
    """Per behaviour: token match from stored token states if its top ``agree_k`` overlaps the signature's by at
    least ``min_overlap`` (refined by a classifier on its top ``seed_k`` rows when they cohere), else the signature;
    per answer: both centered sides (`ANSWER_SIGNATURE`) and token match, plus the prompt side and token match, two
    equal z-score pairs, plus the next-token match guarded by the prompt side (`ANSWER_FUSION`), or those two
    sides alone where token match cannot run.

    What it chose and why is the result's explanation (``method``, ``reason``, ``overlap`` and, when token match
    ranked and refinement was on, ``coherence``); the result's ``method`` label says it too.

    Args:
        signature: The signature variant, per behaviour and per answer (default: `BEHAVIOUR_VARIANT` per behaviour,
            `ANSWER_SIGNATURE` in the per-answer fusion).
        layer: The signature's layer (default: the run's default layer).
        token_layer: Token match's layer (default: `default_token_layer` of the model).
        epochs: Row selection; "mean" leaves the signature to rank.
        base: The model before fine-tuning (default: the PEFT model with its adapters disabled).
        agree_k: Top rows of each method compared.
        min_overlap: Share of token match's top ``agree_k`` that must be among the signature's for it to rank.
        candidates: Token match scans only the signature's top ``candidates`` rows (default: every row).
        refine: Refine token match's ranking by a classifier on its top rows when they cohere.
        seed_k: Token match's top rows that train the classifier.
        band: Rows token match ranks below this are the classifier's negatives.
        min_coherence: Coherence of the top ``seed_k`` rows at which the refinement runs.
        refine_c: The classifier's inverse regularisation strength.
        refine_fusion: What ranks when the refinement runs: "replace" (the classifier alone) or "z" (the
            signature, token match and the classifier, their plain z-scores over the rows added by Stouffer's
            method).
        chunk_rows: Rows per streamed block of the signature's scores.

    Raises:
        ValueError: Settings out of range, or an unknown ``refine_fusion``.
    """

    def __init__(self, signature: SignatureSpec | None = None, layer: int | None = None,
                 token_layer: int | None = None, epochs: Epochs = "last", base: Any = None, agree_k: int = AGREE_K, min_overlap: float = MIN_OVERLAP,
                 candidates: int | None = None, refine: bool = True, seed_k: int = SEED_K, band: int = BAND,
                 min_coherence: float = MIN_COHERENCE, refine_c: float = REFINE_C, refine_fusion: str = REFINE_FUSION,
                 chunk_rows: int = 8192):
        if refine_fusion not in REFINE_FUSIONS:
            raise ValueError(f"refine_fusion must be one of {REFINE_FUSIONS}, got {refine_fusion!r}")
        if agree_k < 1 or not 0.0 <= min_overlap <= 1.0:
            raise ValueError(f"agree_k must be >= 1 and min_overlap in [0, 1], got {agree_k}, {min_overlap}")
        if seed_k < 2 or band <= seed_k:
            raise ValueError(f"seed_k must be >= 2 and band > seed_k, got {seed_k}, {band}")
        self.refine, self.seed_k, self.band = bool(refine), int(seed_k), int(band)
        self.min_coherence, self.refine_c, self.refine_fusion = float(min_coherence), float(refine_c), refine_fusion
        # Per behaviour the choice's signature, per answer `ANSWER_SIGNATURE` (unless one is given for both).
        self.signature = SignatureMethod(BEHAVIOUR_VARIANT if signature is None else signature, layer, epochs,
                                         chunk_rows)
        self.answer_method = JointMethod(ANSWER_SIGNATURE if signature is None else signature, layer, token_layer,
                                         epochs, base, chunk_rows, **ANSWER_FUSION)
        self.token_layer, self.epochs, self.base = token_layer, epochs, base
        self.agree_k, self.min_overlap = int(agree_k), float(min_overlap)
        # Token match scans every stored token state of the selected rows (0.4 s for ~20k tokens on the benchmark);
        # on a large store, ``candidates`` limits it to the signature's top rows.
        self.candidates = candidates

    @property
    def name(self) -> str:
        sig = self.signature.name
        refined = ""
        if self.refine:
            refined = (", refined by its top rows when they cohere" if self.refine_fusion == "replace" else
                       ", joined by the signature and a classifier on its top rows when they cohere")
        return f"auto (token match if it agrees with {sig}{refined}, else {sig}; per answer {self.answer_method.name})"

    def requirements(self, att: Attributor) -> Requirements:
        # Token match, when it can run, reads the test tokens' states in the signatures' pass; without them the
        # signature ranks (no stored token states is a reason, not an error).
        layer = self._token_layer(att)
        tokens = () if self._why_not_token_match(att, layer) else (layer,)
        parts = tuple(dict.fromkeys(self.signature.signature.parts + self.answer_method.requirements(att).parts))
        return Requirements(layers=(self.signature.layer_of(att),), parts=parts, case_token_layers=tokens)

    def _token_layer(self, att: Attributor) -> int:
        return self.token_layer if self.token_layer is not None else default_token_layer(att.model)

    def rank(self, att: Attributor, test: TestSignatures, k: int) -> Ranking:
        ranking = self.answer_method.rank(att, test, k)
        # The joint's own explanation (what ranked, at which token layer) is the choice's, per answer; the method's
        # name already says how the lines combine, so the reason says only which lines ran (or why token match not).
        joint = ranking.explanation
        reason = ("per answer: the signature and token match, plus the prompt side and token match, two equal "
                  "z-score pairs, plus the next-token match, guarded by the prompt side where it is below the mean "
                  "row's"
                  if "token_layer" in joint else f"per answer: {joint['reason']}")
        return self._chose(ranking, {**joint, "reason": reason, "overlap": None})

    def _why_not_token_match(self, att: Attributor, layer: int) -> str | None:
        return stored_token_match_unavailable(att, layer, self.epochs, self.base)

    def rank_behaviour(self, att: Attributor, test: TestSignatures, k: int) -> Ranking:
        layer = self._token_layer(att)
        depth = max(k, self.agree_k, self.band if self.refine else 0)
        selected = np.flatnonzero(select_rows(att.samples, self.epochs))
        if self.refine and self.refine_fusion == "z":   # every row's scores of both methods join the classifier's
            depth = max(depth, len(selected))
        sig = self.signature.rank_behaviour(att, test, depth)
        s_sig, r_sig = sig.scores, sig.rows
        why_not = self._why_not_token_match(att, layer)
        if why_not is not None:
            choice = {"method": self.signature.name, "reason": why_not, "overlap": None}
            return self._chose(Ranking(s_sig[:, :k], r_sig[:, :k], epochs_averaged=sig.epochs_averaged), choice)
        tm = TokenMatchMethod(layer, self.candidates, self.signature, self.epochs, base=self.base, states="store")
        s_tm, r_tm = tm.top_k_combined(att, test, depth)
        overlap = top_overlap(r_tm[0], r_sig[0], self.agree_k)
        agrees = overlap >= self.min_overlap
        choice = {
            "method": tm.name if agrees else self.signature.name, "overlap": overlap,
            "reason": f"top-{self.agree_k} overlap of token match and the signature {overlap:.2f} "
                      f"{'>=' if agrees else '<'} {self.min_overlap}",
        }
        if not agrees:   # token match's ranking still says which rows' words the answers reuse
            return self._chose(Ranking(s_sig[:, :k], r_sig[:, :k], wording=(s_tm[:, :k], r_tm[:, :k])), choice)
        refined = None
        if self.refine:
            refined = self._refined(att, Ranking(s_tm, r_tm), Ranking(s_sig, r_sig), selected, layer, k, choice)
        return self._chose(refined if refined is not None else Ranking(s_tm[:, :k], r_tm[:, :k]), choice)

    @staticmethod
    def _chose(ranking: Ranking, choice: dict) -> Ranking:
        ranking.explanation = choice
        ranking.label = f"auto: {choice['method']} ({choice['reason']})"
        return ranking

    def _refined(self, att: Attributor, token_match: Ranking, signature: Ranking, selected: np.ndarray,
                 token_layer: int, k: int, choice: dict) -> Ranking | None:
        """When token match's top ``seed_k`` rows cohere, the top-k of the seed classifier (``refine_fusion=
        "replace"``) or of ``signature``, ``token_match`` and the classifier fused by z-scores over every row of
        ``selected`` (``"z"``), else None; either way ``choice`` (this query's explanation) is updated with what was
        measured."""
        ranked = token_match.rows[0][token_match.rows[0] >= 0]
        sig_layer = self.signature.layer_of(att)
        parts = [(sig_layer, "h_last"), (token_layer, "h_mean")]
        mask = select_rows(att.samples, self.epochs)
        n_negative = int(mask.sum()) - int(mask[ranked[: self.band]].sum())
        missing = SeedClassifier(parts).missing(att.store)
        why_not = None
        if missing:
            why_not = f"no stored {', '.join(f'{p}@{l}' for l, p in missing)} to refine with"
        elif len(ranked) < self.seed_k or n_negative < self.seed_k:
            why_not = f"too few rows to refine: {len(ranked)} ranked, {n_negative} below rank {self.band}"
        if why_not is not None:
            choice.update(coherence=None, reason=f"{choice['reason']}; not refined: {why_not}")
            return None
        fused = self.refine_fusion == "z"
        coherence, top = refine_ranking(att.store, ranked, mask, parts, token_layer, len(selected) if fused else k,
                                        seed_k=self.seed_k, band=self.band, min_coherence=self.min_coherence,
                                        C=self.refine_c)
        choice["coherence"] = coherence
        choice["reason"] += (f"; its top {self.seed_k} rows' h_mean@{token_layer} coherence {coherence:.2f} "
                             f"{'>=' if top is not None else '<'} {self.min_coherence}")
        if top is None:
            return None
        classifier = f"a classifier on its top {self.seed_k} rows (h_last@{sig_layer}, h_mean@{token_layer})"
        if not fused:
            choice["method"] = f"{choice['method']}, refined by {classifier}"
            return Ranking(*top)
        choice["method"] = f"{self.signature.name}, {choice['method']} and {classifier}, Stouffer on z-scores"
        return fuse_refinement(signature, token_match, Ranking(*top), selected, k)
