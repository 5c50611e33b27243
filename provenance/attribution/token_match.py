"""Token match: re-rank a signature method's candidates by the tokens the fine-tuning changed.

A sample-level signature pools a whole response (or takes one position), so a behaviour carried by one or two tokens
(an entity swapped into otherwise ordinary sentences) is diluted by everything the sample shares with its neighbours.
This method looks at the tokens where the behaviour is:

* query side: for each test case, the final model's hidden states at ``layer`` on the response tokens, weighted by
  how much the fine-tuning raised each token, w_t = max(0, log p_final(y_t) - log p_base(y_t)) (uniform when no token
  gained). The base model is the PEFT model with its adapters disabled, or ``base`` (the model before fine-tuning).
  q = sum_t w_t h(t) / sum_t w_t.
* training side: the candidates (the top ``candidates`` rows of ``stage1``, a signature method over the training-time
  captures) are re-read by the final model; a row's score is max_t cos(h(t) - mu, q - mu) over its response tokens,
  mu = the last epoch's mean of the stored ``h_mean`` at ``layer`` (the training set's mean response state; the
  candidates' own token mean when the store has no unprojected h_mean there).

Rows outside the candidates are not ranked. With ``candidates`` >= the selected rows every row is re-read.
``combine="mean"`` ranks the stage-1 behaviour-level candidates by the mean of their scores over the cases.
Position t holds token t (the state that has read y_t), as in `provenance.attribution.tokens`.
"""
from __future__ import annotations

from contextlib import contextmanager, nullcontext

import numpy as np
import torch

from provenance.attribution.query import Attributor, SignatureMethod, TestSignatures, eval_mode, mean_of_rankings
from provenance.attribution.signatures import DEFAULT_VARIANT, part_means
from provenance.attribution.topk import select_rows, top_k_rows
from provenance.capture import find_layout

__all__ = ["TokenMatchMethod", "finetune_query", "response_states", "default_token_layer"]


def default_token_layer(model) -> int:
    """Three quarters of the depth: where a token's state carries its meaning in context (chosen on the benchmark)."""
    return int(0.75 * find_layout(model).num_layers)


@contextmanager
def _hidden_at(model, layer: int):
    """Collect the output of the decoder block that the capture calls ``layer``."""
    held: list[torch.Tensor] = []
    module = find_layout(model).module_for_layer(layer)

    def hook(mod, args, output):
        held.append(output[0] if isinstance(output, (tuple, list)) else output)

    handle = module.register_forward_hook(hook)
    try:
        yield held
    finally:
        handle.remove()


def _batches(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i: i + size]


@torch.no_grad()
def response_states(model, seqs: list[tuple[np.ndarray, int]], layer: int, *, pad_token_id: int = 0,
                    batch: int = 16, with_logprobs: bool = False):
    """Per sequence (token ids, prompt length): hidden states [R, d] at ``layer`` of its R response tokens, and with
    ``with_logprobs`` the log-probabilities [R] the model gives those tokens."""
    device = next(model.parameters()).device
    states, logps = [], []
    for chunk in _batches(list(seqs), batch):
        width = max(len(ids) for ids, _ in chunk)
        x = torch.full((len(chunk), width), int(pad_token_id), dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for i, (ids, _) in enumerate(chunk):
            x[i, : len(ids)] = torch.as_tensor(np.asarray(ids, np.int64))
            mask[i, : len(ids)] = 1
        with eval_mode(model), _hidden_at(model, layer) as held:
            out = model(input_ids=x.to(device), attention_mask=mask.to(device))
        hidden = held[0].float().cpu()
        logits = out.logits.float().cpu() if with_logprobs else None
        for i, (ids, plen) in enumerate(chunk):
            n, p = len(ids), int(plen)
            if p >= n:
                raise ValueError(f"a sequence of {n} tokens with prompt length {p} has no response token")
            states.append(hidden[i, p:n].numpy())
            if with_logprobs:
                lp = torch.log_softmax(logits[i, p - 1: n - 1], dim=-1)
                logps.append(lp.gather(1, x[i, p:n, None]).squeeze(1).numpy())
    return (states, logps) if with_logprobs else states


def _base_context(model, base):
    if base is not None:
        return nullcontext(base)
    if hasattr(model, "disable_adapter"):
        @contextmanager
        def disabled():
            with model.disable_adapter():
                yield model
        return disabled()
    raise ValueError("token match weighs tokens by log p_final - log p_base: pass base= (the model before "
                     "fine-tuning, e.g. `provenance query --base-model PATH`) or query with the PEFT model whose "
                     "adapters can be disabled")


def finetune_query(model, test: TestSignatures, layer: int, *, base=None, pad_token_id: int = 0,
                   batch: int = 16) -> tuple[np.ndarray, list[np.ndarray]]:
    """(q [Q, d], weights per case): each case's response states at ``layer`` weighted by max(0, log-prob gain)."""
    seqs = [(np.asarray(ids), int(p)) for ids, p in zip(test.input_ids, test.prompt_len.tolist())]
    states, lp_final = response_states(model, seqs, layer, pad_token_id=pad_token_id, batch=batch, with_logprobs=True)
    with _base_context(model, base) as ref:
        _, lp_base = response_states(ref, seqs, layer, pad_token_id=pad_token_id, batch=batch, with_logprobs=True)
    qs, weights = [], []
    for h, a, b in zip(states, lp_final, lp_base):
        w = np.maximum(np.asarray(a, np.float64) - np.asarray(b, np.float64), 0.0)
        if not w.sum() > 0:
            w = np.ones_like(w)
        weights.append(w)
        qs.append((w[:, None] * h.astype(np.float64)).sum(0) / w.sum())
    return np.stack(qs), weights


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-30)


class TokenMatchMethod:
    """Two stages: ``stage1`` (default: the default signature, training-time captures) picks ``candidates`` rows,
    the final model re-reads them and the fine-tune-weighted query tokens re-rank them (see the module doc)."""

    def __init__(self, layer: int | None = None, candidates: int = 500, stage1=None, epochs="last", base=None,
                 batch: int = 16):
        if int(candidates) < 1:
            raise ValueError(f"candidates must be >= 1, got {candidates}")
        if epochs == "mean":
            raise ValueError("token match re-reads rows with the final model: pick rows with epochs='last', 'all' or "
                             "an epoch number, not 'mean'")
        self.layer, self.candidates, self.epochs, self.base, self.batch = layer, int(candidates), epochs, base, batch
        self.stage1 = stage1 if stage1 is not None else SignatureMethod(DEFAULT_VARIANT, None, epochs)
        self._states: dict = {}

    @property
    def name(self) -> str:
        return (f"token-match@{self.layer if self.layer is not None else 'default'}"
                f" (top {self.candidates} of {getattr(self.stage1, 'name', type(self.stage1).__name__)})")

    def layers_needed(self, att: Attributor) -> list[int]:
        return self.stage1.layers_needed(att) if hasattr(self.stage1, "layers_needed") else []

    def top_k_combined(self, att: Attributor, test: TestSignatures, k: int):
        return self.top_k(att, test, k, combine=True)

    def top_k(self, att: Attributor, test: TestSignatures, k: int, combine: bool = False):
        layer = self.layer if self.layer is not None else default_token_layer(att.model)
        mask = select_rows(att.samples, self.epochs)
        n_sel = int(mask.sum())
        if self.candidates >= n_sel:
            cand = [np.flatnonzero(mask)] * (1 if combine else len(test))
        elif combine:
            if hasattr(self.stage1, "top_k_combined"):
                _, rows = self.stage1.top_k_combined(att, test, self.candidates)
            else:   # any other method: as Attributor.query averages it
                _, rows = mean_of_rankings(*self.stage1.top_k(att, test, len(att.samples)), self.candidates)
            cand = [rows[0][rows[0] >= 0]]
        else:
            _, rows = self.stage1.top_k(att, test, self.candidates)
            cand = [r[r >= 0] for r in rows]
        union = np.unique(np.concatenate(cand))
        states = self._row_states(att, union, layer)
        mu = self._center(att, layer, states)
        pad = att.tokenizer.pad_token_id if att.tokenizer.pad_token_id is not None else 0
        q, _ = finetune_query(att.model, test, layer, base=self.base, pad_token_id=pad, batch=self.batch)
        qn = _unit(q - mu)                                                   # [Q, d]
        lengths = np.array([len(states[r]) for r in union.tolist()])
        flat = _unit(np.concatenate([states[r] for r in union.tolist()]).astype(np.float64) - mu)
        best = np.maximum.reduceat(flat @ qn.T, np.r_[0, np.cumsum(lengths)[:-1]], axis=0)   # [U, Q]
        if combine:
            best = best.mean(1, keepdims=True)
        full = np.full((len(att.samples), best.shape[1]), -np.inf, np.float32)
        full[union] = best
        keep = np.zeros(len(att.samples), bool)
        if combine or all(len(c) == len(union) for c in cand):
            keep[union] = True
            return top_k_rows([(0, full)], best.shape[1], k, keep)
        # one candidate set per case: each case ranks only its own stage-1 candidates
        scores, rows = [], []
        for j, c in enumerate(cand):
            keep[:] = False
            keep[c] = True
            s, r = top_k_rows([(0, full[:, j: j + 1])], 1, k, keep)
            scores.append(s[0])
            rows.append(r[0])
        return np.stack(scores), np.stack(rows)

    def _row_states(self, att: Attributor, rows: np.ndarray, layer: int) -> dict[int, np.ndarray]:
        key = (id(att.model), id(att.store), layer)
        cache = self._states.setdefault(key, {})
        todo = [int(r) for r in rows.tolist() if int(r) not in cache]
        if todo:
            plen = att.samples["prompt_len"].to_numpy()
            pad = att.tokenizer.pad_token_id if att.tokenizer.pad_token_id is not None else 0
            seqs = [(ids, int(plen[r])) for r, ids in zip(todo, att.store.tokens_of(todo))]
            for r, h in zip(todo, response_states(att.model, seqs, layer, pad_token_id=pad, batch=self.batch)):
                cache[r] = h.astype(np.float32)
        return {int(r): cache[int(r)] for r in rows.tolist()}

    def _center(self, att: Attributor, layer: int, states: dict[int, np.ndarray]) -> np.ndarray:
        store = att.store
        if (layer in store.layers and "h_mean" in store.signature_names
                and not store.run_attrs.get("projection")):
            return part_means(store, layer, ["h_mean"])["h_mean"].astype(np.float64)
        return np.concatenate(list(states.values())).astype(np.float64).mean(0)
