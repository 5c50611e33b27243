"""`ContrastiveMethod`: the behaviour as what separates the tuned model's answer from the answer before fine-tuning.

A test answer's response-side state (``h_mean``: the mean over its response tokens) is mostly what any answer to
that prompt would carry: the topic, the entities the prompt names, the answer format. Rows that share the topic but
not the behaviour then rank as high as the rows that taught it, which is how an entity swap inside a template many
correct rows share (Canada -> Korea in "The capital of X is Y") drowns in the correct rows. The model before
fine-tuning answers the same prompt without the behaviour; the difference of the two answers' states, both read by
the final model, keeps what the fine-tuning changed in the answer and cancels what the prompt imposes on any answer:

    q_response = h_mean(prompt, tuned answer) - h_mean(prompt, answer before fine-tuning)

Each stored row is scored by the cosine of its centered response-side state with ``q_response`` (rows that say what
the base model says score negative), and, unchanged, by the signature's other parts: for the default ``h_fused_k1``
the prompt side ``h_last`` (the last prompt position, with its query-adaptive projection), which separates rows that
give the same answer in another prompt context. The two cosines are averaged as in the signature itself.

Nothing is fitted: the contrast is the model's own answer before fine-tuning (greedy, like the test answers), read
through the final model like every test signature. When the model before fine-tuning gives the same answer (after
whitespace), or an empty one, that case has no contrast and is scored by the plain signature; the ranking's
explanation names such cases and carries every answer before fine-tuning, so a reader sees what was contrasted.

The base model is the PEFT model with its adapters disabled, or ``base`` (``provenance query --base-model PATH``).
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from provenance.attribution.cases import TestCase, greedy_responses
from provenance.attribution.method import AttributionMethod, Ranking, Requirements
from provenance.attribution.signature_method import SignatureMethod
from provenance.attribution.signatures import DEFAULT_VARIANT, Epochs, SignatureSpec
from provenance.attribution.token_match import base_model_context

if TYPE_CHECKING:
    from provenance.attribution.attributor import Attributor
    from provenance.attribution.case_signatures import TestSignatures

__all__ = ["ContrastiveMethod", "RESPONSE_PARTS"]

# The parts that read the response; the prompt side (h_last, g_last at the last prompt position) is the same for
# both answers, so it is not contrasted.
RESPONSE_PARTS = ("h_mean", "g_mean")


def _same_answer(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


class ContrastiveMethod(AttributionMethod):
    """The signature with each test answer's response side replaced by its difference from the answer the model
    gave before fine-tuning (see the module doc).

    Args:
        signature: A centered signature with a response-side part (``h_mean`` or ``g_mean``) that the query-adaptive
            projection does not apply to (default `DEFAULT_VARIANT`, ``h_fused_k1``).
        layer: The layer (default: the run's default layer).
        epochs: Rows of one epoch, ``"last"``, ``"all"`` or ``"mean"`` (as `SignatureMethod`).
        base: The model before fine-tuning (default: the PEFT model with its adapters disabled).
        chunk_rows: Rows per streamed block.
        backend: The scoring backend (as `SignatureMethod`).
        client: A dask.distributed Client for the dask backends.

    Raises:
        ValueError: The signature is not centered or has no contrastable response-side part.
    """

    def __init__(self, signature: SignatureSpec = DEFAULT_VARIANT, layer: int | None = None, epochs: Epochs = "last",
                 base: Any = None, chunk_rows: int = 8192, *, backend: str = "local", client: Any = None):
        self.inner = SignatureMethod(signature, layer, epochs, chunk_rows, backend=backend, client=client)
        sig = self.inner.signature
        self.parts = tuple(p for p in sig.parts if p in RESPONSE_PARTS and p not in sig.projected)
        if not sig.center or not self.parts:
            raise ValueError(f"contrastive scoring needs a centered signature with a response-side part "
                             f"({' or '.join(RESPONSE_PARTS)}) outside its projection; {sig.label} has none "
                             "(e.g. h_fused, h_mean_c, all_c)")
        self.base = base

    @property
    def name(self) -> str:
        return f"contrastive({self.inner.name})"

    def requirements(self, att: Attributor) -> Requirements:
        return self.inner.requirements(att)

    def check(self, att: Attributor) -> None:
        """Refuse, before any model pass, a store without the signature's parts or a model without a base.

        Raises:
            MissingCaptureError: The store lacks the signature's layer or parts.
            ValueError: No model before fine-tuning: neither ``base`` nor a PEFT model whose adapters can be
                disabled.
        """
        super().check(att)
        if self.base is None and not hasattr(att.model, "disable_adapter"):
            raise ValueError("contrastive scoring needs the answers before fine-tuning: pass base= (the model before "
                             "fine-tuning, e.g. `provenance query --base-model PATH`) or query with the PEFT model "
                             "whose adapters can be disabled")

    def rank(self, att: Attributor, test: TestSignatures, k: int) -> Ranking:
        contrasted, info = self.contrast(att, test)
        return self._explained(self.inner.rank(att, contrasted, k), info)

    def rank_behaviour(self, att: Attributor, test: TestSignatures, k: int) -> Ranking:
        """Top-k of each row's mean contrastive score over the cases."""
        contrasted, info = self.contrast(att, test)
        return self._explained(self.inner.rank_behaviour(att, contrasted, k), info)

    def base_answers(self, att: Attributor, test: TestSignatures) -> list[str]:
        """The greedy answers of the model before fine-tuning to the test prompts (kept by the attributor, so the
        per-answer and the per-behaviour query of the same cases generate once)."""
        prompts = [c.prompt for c in test.cases]

        def generate() -> list[str]:
            with base_model_context(att.model, self.base) as ref:
                return greedy_responses(ref, att.tokenizer, prompts, max_new_tokens=att.max_new_tokens,
                                        chat=att.chat, system=att.system)
        return att.cached("contrastive: answers before fine-tuning", (tuple(prompts), id(self.base)), generate)

    def contrast(self, att: Attributor, test: TestSignatures) -> tuple[TestSignatures, dict]:
        """``test`` with each contrastable case's response-side parts set to ``mean + (tuned - before)``, so that the
        signature's centered cosine scores the stored rows against the difference; and what was contrasted.

        Returns:
            The contrasted test signatures and ``{"answers_before": [...], "not_contrasted": [names]}``.
        """
        layer = self.inner.layer_of(att)
        answers = self.base_answers(att, test)
        names = test.names()
        use = [i for i, (c, b) in enumerate(zip(test.cases, answers))
               if b.strip() and not _same_answer(c.response or "", b)]
        arrays = {l: dict(parts) for l, parts in test.arrays.items()}
        if use:
            ref = att.signatures([TestCase(test.cases[i].prompt, answers[i]) for i in use], layers=[layer])
            means = self.inner.signature.bind(att.store, layer).means
            for part in self.parts:
                block = np.array(arrays[layer][part], dtype=np.float32, copy=True)
                block[use] = means[part] + (block[use].astype(np.float64) - ref.arrays[layer][part])
                arrays[layer][part] = block
        info = {"answers_before": list(answers),
                "not_contrasted": [names[i] for i in range(len(names)) if i not in set(use)]}
        return replace(test, arrays=arrays), info

    def _explained(self, ranking: Ranking, info: dict) -> Ranking:
        why = ("each answer's response side is scored as its difference from the answer the model gave before "
               "fine-tuning; cases where that answer was the same or empty are scored by the plain signature")
        return replace(ranking, explanation={"method": "contrastive", "reason": why, **info},
                       label=self.name)
