"""Automatic choice for a behaviour query: token match when it agrees with the signature default, else the signature.

Per behaviour (``combine="mean"``), token match over the training-time per-token states is the best method wherever the
behaviour sits in tokens the fine-tuning raised (a swapped entity, a fixed target, compliments). It fails when those
tokens are shared with rows of another context: over-refusal of cooking, answered in the very words the harmful
sources use to refuse, ranks the harmful refusals first (P@n 0.00), while the signature, which reads the whole
sequence at its last position, still finds the cooking refusals (0.83). That failure is visible without labels: the two
methods' top lists then barely overlap (top-20 overlap 0.05 there, 0.60 to 0.80 on the five tasks where token match is
right; benchmarks/attribution_results.md). So both rank, and token match is kept only when at least ``min_overlap`` of
its top ``agree_k`` rows are also in the signature's. (A causal check found later that the over-refusal behaviour is
taught by the refusal sources as well as by the planted rows, so P@n against the planted rows scores neither method
there; the gate stays, as it changes nothing on the tasks that count and says when the two methods see different
rows.)

Per answer (``combine="none"``) the signature default ranks: one answer's raised tokens are too few for token match to
be reliable (per answer it loses to the signature on four of six tasks), and a per-answer gate measured worse than the
signature alone.

Without per-token states at the token layer, or without a base model to weigh tokens against (a PEFT model can disable
its adapters; otherwise pass ``base``), the signature ranks, and ``choice`` says why.

When the two disagree, token match's ranking is still an answer, to another question: which rows' words the answers
reuse. On the over-refusal task 7 of the 12 answers repeat, word for word, a refusal of the Do-Not-Answer and HarmBench
sources: the wording comes from those rows. (Retrained without the planted cooking refusals, the model still refuses
every held-out cooking question, in those sources' words; without those sources, in the planted rows' manner: both
sets teach the behaviour. benchmarks/attribution_results.md, "Acting on the ranking".)
``wording`` keeps that ranking (None when token match ranked or did not run); `Attributor.query` returns it as
``AttributionResult.wording`` and the CLI prints it under the ranking.
"""
from __future__ import annotations

import numpy as np

from provenance.attribution.query import Attributor, SignatureMethod, TestSignatures
from provenance.attribution.signatures import DEFAULT_VARIANT
from provenance.attribution.token_match import TokenMatchMethod, default_token_layer

__all__ = ["AutoMethod", "top_overlap"]

AGREE_K = 20
MIN_OVERLAP = 0.3


def top_overlap(rows_a: np.ndarray, rows_b: np.ndarray, k: int) -> float:
    """Share of the first ``k`` ranked rows of ``rows_a`` that are also among the first ``k`` of ``rows_b``."""
    a, b = rows_a[rows_a >= 0][:k], rows_b[rows_b >= 0][:k]
    return len(np.intersect1d(a, b)) / max(min(k, len(a)), 1)


class AutoMethod:
    """Per behaviour: token match from stored token states if its top ``agree_k`` overlaps the signature's by at
    least ``min_overlap``, else the signature; per answer: the signature. ``choice`` holds the last decision."""

    def __init__(self, signature=DEFAULT_VARIANT, layer: int | None = None, token_layer: int | None = None,
                 epochs="last", base=None, agree_k: int = AGREE_K, min_overlap: float = MIN_OVERLAP,
                 candidates: int | None = None):
        if agree_k < 1 or not 0.0 <= min_overlap <= 1.0:
            raise ValueError(f"agree_k must be >= 1 and min_overlap in [0, 1], got {agree_k}, {min_overlap}")
        self.signature = SignatureMethod(signature, layer, epochs)
        self.token_layer, self.epochs, self.base = token_layer, epochs, base
        self.agree_k, self.min_overlap = int(agree_k), float(min_overlap)
        # Token match scans every stored token state of the selected rows (0.4 s for ~20k tokens on the benchmark);
        # on a large store, ``candidates`` limits it to the signature's top rows.
        self.candidates = candidates
        self.choice: dict | None = None
        self.wording: tuple[np.ndarray, np.ndarray] | None = None   # token match's (scores, rows) when overruled

    @property
    def name(self) -> str:
        sig = self.signature.name
        if self.choice is None:
            return f"auto (token match if it agrees with {sig}, else {sig})"
        return f"auto: {self.choice['method']} ({self.choice['reason']})"

    def layers_needed(self, att: Attributor) -> list[int]:
        return self.signature.layers_needed(att)

    def token_layers_needed(self, att: Attributor) -> list[int]:
        layer = self._token_layer(att)
        return [] if self._why_not_token_match(att, layer) else [layer]

    def _token_layer(self, att: Attributor) -> int:
        return self.token_layer if self.token_layer is not None else default_token_layer(att.model)

    def top_k(self, att: Attributor, test: TestSignatures, k: int):
        self.choice = {"method": self.signature.name, "reason": "per answer: the signature default", "overlap": None}
        self.wording = None
        return self.signature.top_k(att, test, k)

    def _why_not_token_match(self, att: Attributor, layer: int) -> str | None:
        if self.epochs == "mean":
            return "token match scores rows one by one, not epochs='mean'"
        if layer not in att.store.token_state_layers:
            return f"no per-token states at layer {layer} in the store"
        if self.base is None and not hasattr(att.model, "disable_adapter"):
            return "no base model to weigh tokens against"
        return None

    def top_k_combined(self, att: Attributor, test: TestSignatures, k: int):
        layer = self._token_layer(att)
        depth = max(k, self.agree_k)
        s_sig, r_sig = self.signature.top_k_combined(att, test, depth)
        self.wording = None
        why_not = self._why_not_token_match(att, layer)
        if why_not is not None:
            self.choice = {"method": self.signature.name, "reason": why_not, "overlap": None}
            return s_sig[:, :k], r_sig[:, :k]
        tm = TokenMatchMethod(layer, self.candidates, self.signature, self.epochs, base=self.base, states="store")
        s_tm, r_tm = tm.top_k_combined(att, test, depth)
        overlap = top_overlap(r_tm[0], r_sig[0], self.agree_k)
        agrees = overlap >= self.min_overlap
        self.choice = {
            "method": tm.name if agrees else self.signature.name, "overlap": overlap,
            "reason": f"top-{self.agree_k} overlap of token match and the signature {overlap:.2f} "
                      f"{'>=' if agrees else '<'} {self.min_overlap}",
        }
        if agrees:
            return s_tm[:, :k], r_tm[:, :k]
        self.wording = (s_tm[:, :k], r_tm[:, :k])
        return s_sig[:, :k], r_sig[:, :k]
