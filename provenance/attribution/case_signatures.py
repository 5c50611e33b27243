"""Test signatures: the test cases run through the training-time `CaptureEngine`.

The test case is tokenised like a training sample (`tokenize_sft`), the model runs forward with labels and backward
in eval mode (dropout off), and the engine's rows are the test signatures at the per-sample scale (the gradient of
the case's own mean response cross-entropy). The backward is `torch.autograd.grad` towards the input embeddings (or
the lowest captured layer), so no parameter's ``.grad`` is touched. If the run stored projected signatures, the test
signatures get the same projection. `run_engine` drives the engine over any tokenised samples: the re-pass of stored
rows (`provenance.attribution.repass`) uses it too.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from provenance.attribution.cases import TestCase, as_cases, case_names, eval_mode, greedy_responses, tokenize_cases
from provenance.capture import CaptureEngine, find_layout
from provenance.capture.engine import SIGNATURES
from provenance.data import IGNORE_INDEX, SFTCollator
from provenance.errors import CaptureInputError
from provenance.store import projection_matrix

__all__ = ["TestSignatures", "compute_signatures", "run_engine"]


@dataclass
class TestSignatures:
    """Per-case signatures of the test cases (rows aligned with ``cases``), and what was scored.

    Attributes:
        cases: The test cases (generated answers filled in).
        arrays: ``{layer: {part: [n_cases, d] float32}}``, projected like the store.
        input_ids: Per case, its token ids.
        prompt_len: Per case, its prompt's token count.
        loss: Per case, its mean response cross-entropy (NaN for a text-only pass).
        token_states: Read in the same forward when a method asks (`Requirements.case_token_layers`): per case,
            the hidden states of every token at each token layer (``[n_tokens, d]``, not projected).
        response_logprobs: With ``token_states``: per case, the log-probability of each response token.
    """

    __test__ = False  # not a pytest class

    cases: list[TestCase]
    arrays: dict[int, dict[str, np.ndarray]]
    input_ids: list[np.ndarray]
    prompt_len: np.ndarray
    loss: np.ndarray
    token_states: dict[int, list[np.ndarray]] = field(default_factory=dict)
    response_logprobs: list[np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.cases)

    def names(self) -> list[str]:
        """Each case's query name (its ``name``, else ``q<i>``)."""
        return case_names(self.cases)


def compute_signatures(model, tokenizer, cases, layers: Sequence[int], *, parts: Sequence[str] = SIGNATURES,
                       projection: dict | None = None, max_length: int = 512, chat: bool = True,
                       system: str | None = None, batch: int = 8, max_new_tokens: int = 64,
                       token_layers: Sequence[int] = ()) -> TestSignatures:
    """Test signatures with the training-time engine: begin, forward with labels, backward, end.

    Eval mode (dropout off), gradients on, parameters' ``.grad`` untouched. Cases without a response are answered
    first (`greedy_responses`).

    Args:
        model: The final model (the one whose answers are explained).
        tokenizer: Its tokenizer.
        cases: Test cases in any form `as_cases` takes.
        layers: Layers to compute signatures at; empty: only tokenise (text-only methods need no model pass).
        parts: Signature parts to compute (the store's).
        projection: The run's ``{"seed", "dim"}`` random projection (or None); it applies to the signatures, not
            to the token states of ``token_layers``.
        max_length: Tokens per case (cut on the right like a training sample).
        chat: Render with the chat template.
        system: The chat template's system message, if any.
        batch: Cases per forward and backward.
        max_new_tokens: Tokens of a generated answer at most.
        token_layers: Also read every token's hidden state there, and the response tokens' log-probabilities,
            in the same pass.

    Returns:
        The cases' `TestSignatures` (rows aligned with the cases, generated answers filled in).

    Raises:
        CaptureInputError: A case has no response token (see `tokenize_cases`).
    """
    cases = as_cases(cases)
    todo = [i for i, c in enumerate(cases) if c.response is None]
    if todo:
        gen = greedy_responses(model, tokenizer, [cases[i].prompt for i in todo], max_new_tokens=max_new_tokens,
                               chat=chat, system=system)
        cases = list(cases)
        for i, g in zip(todo, gen):
            cases[i] = TestCase(cases[i].prompt, g, cases[i].name)
    feats = tokenize_cases(tokenizer, cases, max_length=max_length, chat=chat, system=system)
    input_ids = [np.asarray(f["input_ids"], np.int32) for f in feats]
    if not layers:  # text-only methods: the tokenised cases are all they need
        plen = np.array([sum(1 for l in f["labels"] if l == IGNORE_INDEX) for f in feats], np.int32)
        return TestSignatures(cases=cases, arrays={}, input_ids=input_ids, prompt_len=plen,
                              loss=np.full(len(cases), np.nan, np.float32))
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    rows = run_engine(model, feats, layers, parts=parts, pad_token_id=pad, batch=batch, token_layers=token_layers,
                      logprobs=bool(token_layers))
    arrays = {l: {p: rows[l][p] for p in parts} for l in layers}
    token_states = {}
    if token_layers:
        cuts = np.cumsum([len(ids) for ids in input_ids])[:-1]
        token_states = {l: np.split(x, cuts) for l, x in rows["token_states"].items()}
    if projection:
        mats: dict[int, np.ndarray] = {}
        for l in arrays:
            for p, x in arrays[l].items():
                d = x.shape[1]
                if d not in mats:
                    mats[d] = projection_matrix(projection["seed"], d, projection["dim"])
                arrays[l][p] = x @ mats[d]
    return TestSignatures(cases=cases, arrays=arrays, input_ids=input_ids, prompt_len=rows["prompt_len"],
                          loss=rows["loss"], token_states=token_states, response_logprobs=rows.get("response_logprobs"))


def run_engine(model, feats: list[dict], layers: Sequence[int], *, parts: Sequence[str] = SIGNATURES,
               pad_token_id: int = 0, batch: int = 8, token_layers: Sequence[int] = (), logprobs: bool = False) -> dict:
    """Drive a `CaptureEngine` over tokenised samples (dicts with input_ids, attention_mask, labels, sample_id):
    ``{layer: {part: [n, d]}, "loss": [n], "prompt_len": [n]}`` in input order, plus ``"token_states": {layer:
    [total tokens, d]}`` with ``token_layers`` and ``"response_logprobs"`` (per sample, the log-probability of each
    response token) with ``logprobs``. Eval mode, parameters' grads kept."""
    engine = CaptureEngine(model, list(layers), tuple(parts), token_layers=token_layers).attach()
    emb = find_layout(model).causal_lm.get_input_embeddings()
    # Gradients must reach the hidden states even when no parameter requires grad (a plain, frozen model): make
    # the embedding output a graph leaf and differentiate towards it.
    leaf: list[torch.Tensor] = []

    def _grad_leaf(module, args, output):
        if torch.is_grad_enabled():
            if not output.requires_grad:
                output = output.detach().requires_grad_(True)
            leaf.append(output)
            return output

    handle = emb.register_forward_hook(_grad_leaf)
    # The backward only has to reach the lowest captured layer: differentiating towards its output (not the
    # embeddings) skips every block below it (a query at the top layer back-propagates through one block).
    low: list[torch.Tensor] = []

    def _keep_low(module, args, output):
        if torch.is_grad_enabled():
            low.append(output[0] if isinstance(output, (tuple, list)) else output)

    low_handle = find_layout(model).module_for_layer(min(layers)).register_forward_hook(_keep_low) if layers else None
    collate = SFTCollator(pad_token_id)
    device = next(model.parameters()).device
    out: dict = {l: {p: [] for p in parts} for l in layers}
    loss, plen, order, lps = [], [], [], []
    tokens: dict = {l: [] for l in engine.token_layers}
    try:
        with eval_mode(model), torch.enable_grad():
            for i in range(0, len(feats), batch):
                b = collate(feats[i: i + batch])
                ids = b["sample_id"].tolist()
                tensors = {k: b[k].to(device) for k in ("input_ids", "attention_mask", "labels")}
                engine.begin(labels=tensors["labels"], input_ids=tensors["input_ids"],
                             attention_mask=tensors["attention_mask"], sample_ids=ids)
                leaf.clear()
                low.clear()
                try:
                    res = model(**tensors)
                    torch.autograd.grad(res.loss, low[:1] if low and low[0].requires_grad else leaf[:1])
                except BaseException:
                    engine.abort()
                    raise
                rows = engine.end()
                if len(rows) != len(ids):
                    raise CaptureInputError(f"capture skipped samples {rows.skipped} in a test batch")
                if logprobs:
                    lps += _response_logprobs(res.logits.detach(), tensors["labels"])
                order += list(rows.sample_id)
                loss.append(np.asarray(torch.as_tensor(rows.loss).cpu(), np.float32))
                plen.append(np.asarray(rows.prompt_len, np.int32))
                for l in layers:
                    for p in parts:
                        out[l][p].append(torch.as_tensor(rows.signatures[l][p]).float().cpu().numpy())
                for l in tokens:
                    tokens[l].append(torch.as_tensor(rows.token_states[l]).float().cpu().numpy())
    finally:
        handle.remove()
        if low_handle is not None:
            low_handle.remove()
        engine.detach()
    result: dict = {l: {p: np.concatenate(v) for p, v in d.items()} for l, d in out.items()}
    result["loss"], result["prompt_len"] = np.concatenate(loss), np.concatenate(plen)
    if tokens:
        result["token_states"] = {l: np.concatenate(v) for l, v in tokens.items()}
    if logprobs:
        result["response_logprobs"] = lps
    if order != sorted(order):
        raise RuntimeError("engine rows came back out of order")
    return result


def _response_logprobs(logits: torch.Tensor, labels: torch.Tensor) -> list[np.ndarray]:
    """Per row, log p(label) of each response token (labels != IGNORE_INDEX), read from the previous position."""
    out = []
    for i in range(labels.shape[0]):
        pos = torch.nonzero(labels[i] != IGNORE_INDEX).flatten()
        lp = torch.log_softmax(logits[i, pos - 1].float(), dim=-1)
        out.append(lp.gather(1, labels[i, pos, None]).squeeze(1).cpu().numpy())
    return out

