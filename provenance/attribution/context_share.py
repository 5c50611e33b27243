"""How much of a behaviour the answer carries by itself, without its prompt: the weight `JointMethod` gives token
match against the signature with ``weighting="context"``.

Token match reads the answer tokens the fine-tuning raised and nothing of the prompt; the signature reads the prompt
side too. Which one should lead depends on where the behaviour lives, and that can be measured on the query:

* the fine-tuning's gain on each answer token, g_s = log p_final(y_s | prompt, y_<s) - log p_base(y_s | prompt,
  y_<s), summed over the raised tokens: G(prompt) = sum_s max(0, g_s);
* the same gain with the prompt replaced by an empty one (the chat template's empty user turn, the same system
  message; without a chat template, the end-of-text token as a document start): G(empty);
* the share rho = min(1, G(empty) / G(prompt)).

rho near 1: the fine-tuning raises these tokens whatever precedes them, so the behaviour sits in the answer's own
words (a swapped entity completes "The capital of Australia is" with or without a question), and the tokens that
carry it are what a planted row shares with the query: token match leads. rho near 0: the raise needs the prompt (a
trigger word, a harmful request, a user's push-back), so the rows that taught it are found by their prompt context
as much as by their answer's words, which may differ from row to row: the signature, which reads the prompt side,
leads. The answer tokens are the query's own, unchanged; only the context before them differs. Nothing is fitted.
Where no token gained (G(prompt) = 0) the fine-tuning did not raise the answer and there is nothing to apportion:
rho = 1/2, the two methods weigh equally.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from provenance.attribution.token_match import base_model_context, response_states
from provenance.data.sft import IGNORE_INDEX, tokenize_sft

if TYPE_CHECKING:
    from provenance.attribution.attributor import Attributor
    from provenance.attribution.case_signatures import TestSignatures

__all__ = ["EVEN_SHARE", "answer_gain", "context_share", "empty_prompt_ids"]

EVEN_SHARE = 0.5   # no raised token: no evidence either way, so neither method leads


def empty_prompt_ids(tokenizer: Any, *, chat: bool, system: str | None) -> list[int]:
    """The token ids of an empty prompt rendered as the test cases are: the chat template's empty user turn (with
    ``system``), or without a chat template the tokenizer's own prefix for empty text, else its end-of-text token
    (a document start), so that the answer's first token is predicted from something.

    Raises:
        ValueError: Without a chat template, a tokenizer with neither a prefix for empty text nor an eos token.
    """
    enc = tokenize_sft(tokenizer, "", "x", max_length=1 << 30, chat=chat, system=system)
    ids = [t for t, label in zip(enc["input_ids"], enc["labels"]) if label == IGNORE_INDEX]
    if ids:
        return ids
    if tokenizer.eos_token_id is None:
        raise ValueError("an empty prompt tokenises to no token and the tokenizer has no eos token to start with")
    return [int(tokenizer.eos_token_id)]


def answer_gain(model: Any, base: Any, seqs: list[tuple[np.ndarray, int]], layer: int, *, pad_token_id: int,
                batch: int) -> np.ndarray:
    """Per (token ids, prompt length): the fine-tuning's summed gain on the raised answer tokens,
    sum_s max(0, log p_final(y_s) - log p_base(y_s)) (``base``: `base_model_context`'s argument)."""
    _, final = response_states(model, seqs, layer, pad_token_id=pad_token_id, batch=batch, with_logprobs=True)
    with base_model_context(model, base) as ref:
        _, before = response_states(ref, seqs, layer, pad_token_id=pad_token_id, batch=batch, with_logprobs=True)
    return np.array([np.maximum(np.asarray(a, np.float64) - np.asarray(b, np.float64), 0.0).sum()
                     for a, b in zip(final, before)])


def context_share(att: Attributor, test: TestSignatures, layer: int, *, base: Any = None,
                  batch: int = 16) -> np.ndarray:
    """rho per case (see the module doc): the share of the fine-tuning's gain on the answer that remains when the
    prompt is replaced by an empty one, in [0, 1]; `EVEN_SHARE` where no answer token gained."""
    pad = att.tokenizer.pad_token_id if att.tokenizer.pad_token_id is not None else 0
    empty = np.asarray(empty_prompt_ids(att.tokenizer, chat=att.chat, system=att.system), np.int64)
    with_prompt = [(np.asarray(ids, np.int64), int(p)) for ids, p in zip(test.input_ids, test.prompt_len.tolist())]
    without = [(np.concatenate([empty, ids[p:]]), len(empty)) for ids, p in with_prompt]
    g_prompt = answer_gain(att.model, base, with_prompt, layer, pad_token_id=pad, batch=batch)
    g_empty = answer_gain(att.model, base, without, layer, pad_token_id=pad, batch=batch)
    share = np.divide(g_empty, g_prompt, out=np.full(len(g_prompt), EVEN_SHARE), where=g_prompt > 0)
    return np.minimum(share, 1.0)
