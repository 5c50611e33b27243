"""How much of an answer's fine-tuning gain its single most-raised token carries: the weight `JointMethod` gives
token match against the signature with ``weighting="focus"``.

The fine-tuning's gain on answer token s is g_s = max(0, log p_final(y_s | prompt, y_<s) - log p_base(y_s | prompt,
y_<s)) (`provenance.attribution.token_match.finetune_tokens`); its focus is phi = max_s g_s / sum_s g_s, in (0, 1].

Why this weight: token match (the pooled query) scores a training row by the one response token of the row that best
matches the gain-weighted answer state: a match shows one token's worth of the answer's gain, at most the largest
single share phi. The rest of the gain, 1 - phi, is spread over tokens that no single-token match
accounts for, and the signature (the prompt side and the pooled response) reads it. An entity swap puts most of the
gain on the swapped word (phi large: the word is what the planted rows share with the answer); a compliment or a
compliant reply worded differently in every row spreads it over many tokens (phi small: no one token identifies the
rows). The gains are the query's own; nothing is fitted. Where no token gained, every token counts the same (the
weights `finetune_tokens` returns) and phi = 1 / (answer tokens): no token stands out.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from provenance.attribution.token_match import cached_base_logprobs, finetune_tokens

if TYPE_CHECKING:
    from provenance.attribution.attributor import Attributor
    from provenance.attribution.case_signatures import TestSignatures

__all__ = ["gain_focus", "top_token_share"]


def top_token_share(weights: list[np.ndarray]) -> np.ndarray:
    """Per case, max_s w_s / sum_s w_s of its token weights (each non-negative with a positive sum).

    Raises:
        ValueError: A case without tokens, with a negative weight or with weights summing to 0.
    """
    out = np.empty(len(weights))
    for i, w in enumerate(weights):
        w = np.asarray(w, np.float64)
        if w.size == 0 or (w < 0).any() or not w.sum() > 0:
            raise ValueError(f"case {i}: token weights must be non-empty, >= 0 and not all 0, got {w.tolist()}")
        out[i] = w.max() / w.sum()
    return out


def gain_focus(att: Attributor, test: TestSignatures, layer: int, *, base: Any = None, batch: int = 16) -> np.ndarray:
    """phi per case (see the module doc): the share of the answer's fine-tuning gain on its most-raised token, the
    gains read at ``layer``'s forward pass (the final model's log-probabilities from ``test`` when it holds them, the
    base model's from ``base`` or the PEFT model with its adapters disabled)."""
    pad = att.tokenizer.pad_token_id if att.tokenizer.pad_token_id is not None else 0
    _, weights = finetune_tokens(att.model, test, layer, base=base, pad_token_id=pad, batch=batch,
                                 lp_base=cached_base_logprobs(att, test, layer, base=base, batch=batch))
    return top_token_share(weights)
