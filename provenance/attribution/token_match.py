"""Token match: rank training rows by the tokens the fine-tuning changed.

A sample-level signature pools a whole response (or takes one position), so a behaviour carried by one or two tokens
(an entity swapped into otherwise ordinary sentences) is diluted by everything the sample shares with its neighbours.
This method looks at the tokens where the behaviour is:

* query side: for each test case, the final model's hidden states at ``layer`` on the response tokens, weighted by
  how much the fine-tuning raised each token, w_t = max(0, log p_final(y_t) - log p_base(y_t)) (uniform when no token
  gained). The base model is the PEFT model with its adapters disabled, or ``base`` (the model before fine-tuning).
  With ``query="pooled"`` the case is one vector, q = sum_s w_s h(s) / sum_s w_s; with ``query="each"`` every raised
  token s (w_s > 0) is a query of its own; with ``query="top"`` the case's most-raised token alone, h(s*) with s* =
  argmax_s w_s (the token whose share of the gain `provenance.attribution.gain_focus` reads). With ``query="next"``
  each raised token is read where it was predicted: c_s, the state at the position before it (for the response's
  first token, the last prompt position).
* training side: with ``query="pooled"`` (or ``"top"``, q = h(s*)), a row's score is max_t cos(h(t) - mu, q - mu)
  over its response tokens;
  with ``query="each"`` (late interaction, as ColBERT scores a passage) it is sum_s w_s max_t cos(h(t) - mu,
  h(s) - mu) / sum_s w_s: each raised token finds its best match in the row, and the matches are averaged with the
  same weights. Pooling first mixes the states of the one token that carries a behaviour (an entity swapped into a
  template) with those of the tokens every templated row shares, and a row's single best token then matches the
  mixture; matching each token first keeps the carrier's match apart, and the shared tokens add about the same to
  every templated row. Nothing is fitted: the weights are the log-probability gains, as for the pooled query.
  With ``query="next"`` (the kNN-LM reading of a language model, Khandelwal et al. 2020: a token is explained by the
  training positions whose preceding state was like the one that predicted it *and whose next token was it*) a
  row's score is sum_s w_s max(0, max_{t: y_row(t) = y_s} cos(c_row(t) - mu, c_s - mu)) / sum_s w_s, c_row(t) the
  state before the row's response token t; a row that never writes y_s scores 0 there. A topic twin that answers
  " km" where the answer has " miles" never matches that token, and its " by road" follows a " km" state, not a
  " miles" one: measured over 47 task-behaviours (benchmarks/attribution/results/next_token_probe.md) it is the best
  line on the notation and form tasks (miles_units P@n 0.47 -> 0.87 against the per-answer default) and the worst
  where the answer's words were taught by another source (entity_refusal's refusal words: 0.67 -> 0.04). mu is
  the last epoch's mean of the stored ``h_mean`` at ``layer`` (the training set's mean response state; the scored
  rows' own token mean when the store has no ``h_mean`` there). The row states h(t) come from

  - ``states="store"``: the per-token states captured during training (``token_layers``; the selected epoch's
    rows, by default the last): every row is scored from the store, no forward pass on training data;
  - ``states="repass"``: the final model re-reads the rows. That costs a forward pass per row, so by default only
    the top ``candidates`` rows of ``stage1`` (a signature method over the training-time captures) are read;
  - ``states="auto"``: the store when it holds token states at ``layer``, else the re-pass.

Rows outside the candidates are not ranked. With ``candidates`` >= the selected rows every row is scored.
``combine="mean"`` ranks the stage-1 behaviour-level candidates by the mean of their scores over the cases.
Position t holds token t (the state that has read y_t), as in `provenance.attribution.tokens`.
"""
from __future__ import annotations

from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from provenance.attribution.cases import eval_mode
from provenance.attribution.method import AttributionMethod, Ranking, Requirements
from provenance.attribution.signature_method import SignatureMethod
from provenance.attribution.signatures import DEFAULT_VARIANT, Epochs, part_means
from provenance.attribution.topk import select_rows, top_k_rows
from provenance.capture import default_token_layer_index, find_layout
from provenance.errors import MissingCaptureError
from provenance.store import project, projection_matrix

if TYPE_CHECKING:
    from provenance.attribution.attributor import Attributor
    from provenance.attribution.case_signatures import TestSignatures

__all__ = ["BASE_LOGPROBS_SLOT", "QUERY_FORMS", "TokenMatchMethod", "base_logprobs", "base_model_context",
           "cached_base_logprobs", "default_token_layer", "finetune_query", "finetune_tokens", "response_states",
           "stored_token_match_unavailable"]


def default_token_layer(model) -> int:
    """Three quarters of the depth: where a token's state carries its meaning in context (chosen on the benchmark)."""
    return default_token_layer_index(find_layout(model).num_layers)


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


BASE_LOGPROBS_SLOT = "token-match: the base model's log-probabilities of the cases"
NO_BASE = ("token match weighs tokens by log p_final - log p_base: pass base= (the model before fine-tuning, e.g. "
           "`provenance query --base-model PATH`) or query with the PEFT model whose adapters can be disabled")


def base_model_context(model, base):
    """A context giving the model before fine-tuning: ``base`` when given, else ``model`` with its PEFT adapters
    disabled for the duration.

    Raises:
        ValueError: Neither ``base`` nor a PEFT model whose adapters can be disabled.
    """
    if base is not None:
        return nullcontext(base)
    if hasattr(model, "disable_adapter"):
        @contextmanager
        def disabled():
            with model.disable_adapter():
                yield model
        return disabled()
    raise ValueError(NO_BASE)


def _case_seqs(test: TestSignatures) -> list[tuple[np.ndarray, int]]:
    return [(np.asarray(ids), int(p)) for ids, p in zip(test.input_ids, test.prompt_len.tolist())]


def base_logprobs(model, test: TestSignatures, layer: int, *, base=None, pad_token_id: int = 0,
                  batch: int = 16) -> list[np.ndarray]:
    """Per case, the log-probabilities ``[R]`` the model before fine-tuning gives its response tokens: ``base``, or
    ``model`` with its PEFT adapters disabled (the pass reads ``layer`` too, which the log-probabilities do not need).

    Raises:
        ValueError: No ``base`` and a model without adapters to disable.
    """
    with base_model_context(model, base) as ref:
        _, lp_base = response_states(ref, _case_seqs(test), layer, pad_token_id=pad_token_id, batch=batch,
                                     with_logprobs=True)
    return lp_base


def cached_base_logprobs(att: Attributor, test: TestSignatures, layer: int, *, base=None,
                         batch: int = 16) -> list[np.ndarray]:
    """`base_logprobs` of ``test``'s cases, kept on the attributor (`Attributor.cached`) for those token ids and
    that ``base``: the lines of one query that weigh tokens by their gain (the per-answer default's token match and
    its next-token guard, the gain focus) run the model before fine-tuning once, not once each."""
    pad = att.tokenizer.pad_token_id if att.tokenizer.pad_token_id is not None else 0
    # The base model itself, not its id, is in the key: a key never matches a later model that re-used the id.
    key = (base, tuple((ids.astype(np.int64).tobytes(), p) for ids, p in _case_seqs(test)))
    return att.cached(BASE_LOGPROBS_SLOT, key,
                      lambda: base_logprobs(att.model, test, layer, base=base, pad_token_id=pad, batch=batch))


def finetune_tokens(model, test: TestSignatures, layer: int, *, base=None, pad_token_id: int = 0,
                    batch: int = 16, lp_base: list[np.ndarray] | None = None
                    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per case, its response states ``[R, d]`` at ``layer`` (float64) and each token's weight ``[R]``:
    max(0, log p_final - log p_base), all ones when no token gained.

    The final model's states and log-probabilities come from ``test`` when it read them with its signatures
    (`Attributor.query` asks for them through `Requirements.case_token_layers`): then only the base model runs
    here, and not even that when ``lp_base`` holds its log-probabilities already (`cached_base_logprobs`)."""
    seqs = _case_seqs(test)
    if layer in test.token_states and test.response_logprobs is not None:
        states = [h[p:] for h, (_, p) in zip(test.token_states[layer], seqs)]
        lp_final = test.response_logprobs
    else:
        states, lp_final = response_states(model, seqs, layer, pad_token_id=pad_token_id, batch=batch,
                                           with_logprobs=True)
    if lp_base is None:
        lp_base = base_logprobs(model, test, layer, base=base, pad_token_id=pad_token_id, batch=batch)
    out_states, weights = [], []
    for h, a, b in zip(states, lp_final, lp_base):
        w = np.maximum(np.asarray(a, np.float64) - np.asarray(b, np.float64), 0.0)
        if not w.sum() > 0:
            w = np.ones_like(w)
        weights.append(w)
        out_states.append(np.asarray(h, np.float64))
    return out_states, weights


def finetune_query(model, test: TestSignatures, layer: int, *, base=None, pad_token_id: int = 0,
                   batch: int = 16) -> tuple[np.ndarray, list[np.ndarray]]:
    """(q [Q, d], weights per case): each case's response states at ``layer`` (`finetune_tokens`) averaged with
    their weights, max(0, log-prob gain)."""
    states, weights = finetune_tokens(model, test, layer, base=base, pad_token_id=pad_token_id, batch=batch)
    qs = [_pooled(h, w) for h, w in zip(states, weights)]
    return np.stack(qs), weights


def _pooled(states: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The ``weights``-average of ``states`` [R, d]: one case's pooled query."""
    return (weights[:, None] * states).sum(0) / weights.sum()


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-30)


def _context_states(model, test: TestSignatures, layer: int, pad_token_id: int, batch: int) -> list[np.ndarray]:
    """Per case, the final model's states at ``layer`` that predicted its response tokens ``[R, d]`` (float64):
    from the last prompt position to the second-last token; from ``test`` when it read them, else one pass."""
    seqs = [(np.asarray(ids), int(p)) for ids, p in zip(test.input_ids, test.prompt_len.tolist())]
    if layer in test.token_states:
        return [np.asarray(h[p - 1: len(ids) - 1], np.float64) for h, (ids, p) in zip(test.token_states[layer], seqs)]
    # Read from one position earlier: the states from the last prompt position on, the last one unused.
    states = response_states(model, [(ids, p - 1) for ids, p in seqs], layer, pad_token_id=pad_token_id, batch=batch)
    return [np.asarray(h[:-1], np.float64) for h in states]


def _next_matched(states: list[np.ndarray], row_ids: list[np.ndarray], queries: list[np.ndarray],
                  answer_ids: list[np.ndarray], weights: list[np.ndarray], mu: np.ndarray) -> np.ndarray:
    """[rows, Q]: per row and case, sum_s w_s max(0, max_t cos(c_row(t) - mu, q_s)) / sum_s w_s over the case's
    response tokens s, the max over the row's positions t holding the same token as s (0 where it holds none).
    ``states``: the rows' states before their response tokens, ``row_ids`` those tokens; ``queries[j]``: case j's
    states before its tokens, centred and unit ``[S_j, d]``; ``answer_ids[j]`` its tokens, ``weights[j]`` their
    gains."""
    out = np.zeros((len(states), len(queries)))
    lengths = np.array([len(h) for h in states])
    if not lengths.sum():
        return out
    flat = _unit(np.concatenate([h for h in states if len(h)]).astype(np.float64) - mu)
    flat_ids = np.concatenate([t for t in row_ids if len(t)])
    owner = np.repeat(np.arange(len(states)), lengths)
    order = np.argsort(flat_ids, kind="stable")
    ids_sorted = flat_ids[order]
    for j, (q, ids, w) in enumerate(zip(queries, answer_ids, weights)):
        share = w / w.sum()
        for token in np.unique(ids[share > 0]):
            lo, hi = np.searchsorted(ids_sorted, token, "left"), np.searchsorted(ids_sorted, token, "right")
            if lo == hi:
                continue
            at = order[lo:hi]                                  # the rows' positions holding this token
            which = np.flatnonzero((ids == token) & (share > 0))  # the answer's positions holding it
            best = np.zeros((len(states), len(which)))
            np.maximum.at(best, owner[at], flat[at] @ q[which].T)
            out[:, j] += best @ share[which]
    return out


def stored_token_match_unavailable(att: Attributor, layer: int, epochs: Epochs, base: Any) -> str | None:
    """Why token match over the store's per-token states cannot rank through ``att`` at ``layer`` (None: it can):
    the methods that combine it with the signature rank by the signature alone then, and say why."""
    if epochs == "mean":
        return "token match scores rows one by one, not epochs='mean'"
    if layer not in att.store.token_state_layers:
        return f"no per-token states at layer {layer} in the store"
    if base is None and not hasattr(att.model, "disable_adapter"):
        return "no base model to weigh tokens against"
    return None


STATE_SOURCES = ("auto", "store", "repass")
QUERY_FORMS = ("pooled", "each", "top", "next")
REPASS_CANDIDATES = 500
# Bound on the [row tokens, query tokens] similarity block of ``query="each"`` (float64 entries, 128 MiB).
_MAX_PAIRS = 1 << 24


class TokenMatchMethod(AttributionMethod):
    """Fine-tune-weighted query tokens matched against each row's response tokens (see the module doc): from the
    training-time per-token states in the store, or from a re-read of ``stage1``'s top ``candidates`` rows.

    Args:
        layer: The token layer (default: `default_token_layer` of the model).
        candidates: Rows of ``stage1``'s ranking that are scored (default: every selected row when the states come
            from the store, else `REPASS_CANDIDATES`).
        stage1: The method that picks the candidates (default: the signature default at the run's default layer).
        epochs: Row selection: an epoch number, "last" or "all" (not "mean": rows are scored one by one).
        base: The model before fine-tuning (default: the PEFT model with its adapters disabled).
        batch: Sequences per forward of a re-read or of the base model.
        states: "store", "repass" or "auto" (the store when it holds token states at the layer, else a re-read).
        chunk_rows: Rows of stored token states scored at a time.
        query: "pooled" (each case's raised tokens averaged into one query), "each" (every raised token matched
            on its own and the matches averaged), "top" (the most-raised token alone) or "next" (each raised
            token's preceding state matched against the states before the row's positions holding the same token;
            see the module doc).

    Raises:
        ValueError: Settings out of range.
    """

    def __init__(self, layer: int | None = None, candidates: int | None = None, stage1: AttributionMethod | None = None,
                 epochs: Epochs = "last", base: Any = None, batch: int = 16, states: str = "auto", chunk_rows: int = 2048,
                 query: str = "pooled"):
        if candidates is not None and int(candidates) < 1:
            raise ValueError(f"candidates must be >= 1, got {candidates}")
        if epochs == "mean":
            raise ValueError("token match scores rows one by one: pick rows with epochs='last', 'all' or an epoch "
                             "number, not 'mean'")
        if states not in STATE_SOURCES:
            raise ValueError(f"states must be one of {STATE_SOURCES}, got {states!r}")
        if query not in QUERY_FORMS:
            raise ValueError(f"query must be one of {QUERY_FORMS}, got {query!r}")
        self.query = query
        self.layer, self.epochs, self.base, self.batch = layer, epochs, base, batch
        self.candidates = None if candidates is None else int(candidates)
        self.states, self.chunk_rows = states, int(chunk_rows)
        self.stage1: AttributionMethod = stage1 if stage1 is not None else SignatureMethod(DEFAULT_VARIANT, None, epochs)

    @property
    def name(self) -> str:
        return self._label(self.states if self.states != "auto" else None)

    def _label(self, source: str | None) -> str:
        """The method's label when its row states come from ``source`` ("store", "repass"; None: not yet known)."""
        where = f"@{self.layer if self.layer is not None else 'default'}"
        if self.query == "each":
            where += ", each raised token"
        elif self.query == "top":
            where += ", the most-raised token"
        elif self.query == "next":
            where += ", the positions before the answer's tokens"
        cand = self.candidates if self.candidates is not None else REPASS_CANDIDATES
        reread = f"top {cand} of {self.stage1.name}"
        if source == "store":
            return f"token-match{where} (token states from the store)"
        if source == "repass":
            return f"token-match{where} ({reread})"
        return f"token-match{where} (token states from the store, else the {reread} re-read)"

    def token_layer_of(self, att: Attributor) -> int:
        """The token layer this method reads through ``att``: its own, else the model's default."""
        return self.layer if self.layer is not None else default_token_layer(att.model)

    def source_of(self, att: Attributor, layer: int) -> str:
        """Where the row states come from: "store" or "repass".

        Raises:
            MissingCaptureError: ``states="store"`` and the store holds no per-token states at ``layer``.
        """
        if self.states != "auto":
            if self.states == "store" and layer not in att.store.token_state_layers:
                raise MissingCaptureError(
                    f"the store has no per-token states at layer {layer} (it has them at "
                    f"{att.store.token_state_layers}); capture them with token_layers=[{layer}] or use states='repass'"
                )
            return self.states
        return "store" if layer in att.store.token_state_layers else "repass"

    def requirements(self, att: Attributor) -> Requirements:
        """Stage 1's test signatures, and the token layer: the test signatures' forward reads the final model's
        states there (no second pass)."""
        first = self.stage1.requirements(att)
        return Requirements(layers=first.layers, parts=first.parts,
                            case_token_layers=tuple(dict.fromkeys(first.case_token_layers + (self.token_layer_of(att),))),
                            stored_token_layers=first.stored_token_layers)

    def check(self, att: Attributor) -> None:
        """Stage 1's needs, the stored token states of ``states="store"``, and a base model to weigh tokens by."""
        super().check(att)
        self.source_of(att, self.token_layer_of(att))
        if self.base is None and not hasattr(att.model, "disable_adapter"):
            raise ValueError(NO_BASE)

    def rank(self, att: Attributor, test: TestSignatures, k: int) -> Ranking:
        return self._rank(att, test, k, combine=False)

    def rank_behaviour(self, att: Attributor, test: TestSignatures, k: int) -> Ranking:
        """The stage-1 behaviour-level candidates ranked by the mean of their scores over the cases."""
        return self._rank(att, test, k, combine=True)

    def _rank(self, att: Attributor, test: TestSignatures, k: int, combine: bool) -> Ranking:
        layer = self.token_layer_of(att)
        source = self.source_of(att, layer)
        mask = select_rows(att.samples, self.epochs)
        n_sel = int(mask.sum())
        candidates = self.candidates if self.candidates is not None else (n_sel if source == "store" else REPASS_CANDIDATES)
        if candidates >= n_sel:
            cand = [np.flatnonzero(mask)] * (1 if combine else len(test))
        elif combine:
            _, rows = self.stage1.top_k_combined(att, test, candidates)
            cand = [rows[0][rows[0] >= 0]]
        else:
            _, rows = self.stage1.top_k(att, test, candidates)
            cand = [r[r >= 0] for r in rows]
        union = np.unique(np.concatenate(cand))
        pad = att.tokenizer.pad_token_id if att.tokenizer.pad_token_id is not None else 0
        lp_base = cached_base_logprobs(att, test, layer, base=self.base, batch=self.batch)
        tokens, weights = finetune_tokens(att.model, test, layer, base=self.base, pad_token_id=pad, batch=self.batch,
                                          lp_base=lp_base)
        if self.query == "next":   # the states that predicted each answer token, not the states that read it
            tokens = _context_states(att.model, test, layer, pad, self.batch)
        if self.query == "pooled":
            tokens = [_pooled(h, w)[None] for h, w in zip(tokens, weights)]
            weights = [np.ones(1)] * len(tokens)
        elif self.query == "top":   # the first of equal gains: with no token raised (uniform weights), the first
            tokens = [h[int(np.argmax(w))][None] for h, w in zip(tokens, weights)]
            weights = [np.ones(1)] * len(tokens)
        elif self.query == "each":   # a token the fine-tuning did not raise carries no weight: it is not matched
            tokens = [h[w > 0] for h, w in zip(tokens, weights)]
            weights = [w[w > 0] for w in weights]
        if source == "store" and att.store.run_attrs.get("projection"):
            proj = att.store.run_attrs["projection"]   # the stored states live in the projected space
            matrix = projection_matrix(proj["seed"], tokens[0].shape[1], proj["dim"])
            tokens = [project(h.astype(np.float32), matrix).astype(np.float64) for h in tokens]
        mu = self._center(att, layer, union, source)
        queries = [_unit(h - mu) for h in tokens]                            # per case [S, d]
        if self.query == "next":
            answer_ids = [np.asarray(ids)[int(p):] for ids, p in zip(test.input_ids, test.prompt_len.tolist())]
            best = np.concatenate([_next_matched(states, row_ids, queries, answer_ids, weights, mu)
                                   for states, row_ids in self._context_chunks(att, union, layer, source)])
        else:
            best = np.concatenate([self._matched(states, queries, weights, mu)
                                   for states in self._chunks(att, union, layer, source)])
        if combine:
            best = best.mean(1, keepdims=True)
        full = np.full((len(att.samples), best.shape[1]), -np.inf, np.float32)
        full[union] = best
        keep = np.zeros(len(att.samples), bool)
        label = self._label(source)
        if combine or all(len(c) == len(union) for c in cand):
            keep[union] = True
            return Ranking(*top_k_rows([(0, full)], best.shape[1], k, keep), label=label)
        # one candidate set per case: each case ranks only its own stage-1 candidates
        scores, rows = [], []
        for j, c in enumerate(cand):
            keep[:] = False
            keep[c] = True
            s, r = top_k_rows([(0, full[:, j: j + 1])], 1, k, keep)
            scores.append(s[0])
            rows.append(r[0])
        return Ranking(np.stack(scores), np.stack(rows), label=label)

    @staticmethod
    def _matched(states: list[np.ndarray], queries: list[np.ndarray], weights: list[np.ndarray],
                 mu: np.ndarray) -> np.ndarray:
        """[rows, Q]: per row and case, the ``weights``-average over the case's query tokens (``queries[j]``, unit
        [S_j, d]) of each token's best cosine among the row's response tokens (-inf for a row without one)."""
        out = np.full((len(states), len(queries)), -np.inf)
        has = [i for i, h in enumerate(states) if len(h)]
        if not has:
            return out
        lengths = np.array([len(states[i]) for i in has])
        starts = np.r_[0, np.cumsum(lengths)[:-1]]
        flat = _unit(np.concatenate([states[i] for i in has]).astype(np.float64) - mu)
        q_all = np.concatenate(queries)                                          # [S, d]
        owner = np.repeat(np.arange(len(queries)), [len(q) for q in queries])   # the case of each query token
        w_all = np.concatenate([w / w.sum() for w in weights])
        best = np.empty((len(has), len(q_all)))
        step = max(1, _MAX_PAIRS // max(len(flat), 1))
        for a in range(0, len(q_all), step):       # bounded [row tokens, query tokens] blocks
            best[:, a: a + step] = np.maximum.reduceat(flat @ q_all[a: a + step].T, starts, axis=0)
        average = np.zeros((len(q_all), len(queries)))     # column j: case j's normalised token weights
        average[np.arange(len(q_all)), owner] = w_all
        out[has] = best @ average
        return out

    def _chunks(self, att: Attributor, rows: np.ndarray, layer: int, source: str):
        """Response-token states of ``rows``, ``chunk_rows`` rows at a time (bounded memory for store scans)."""
        if source == "repass":   # re-read rows are cached on the attributor: a second query re-uses them
            states = self._row_states(att, rows, layer)
            yield [states[int(r)][1:] for r in rows.tolist()]
            return
        plen = att.samples["prompt_len"].to_numpy()
        for a in range(0, len(rows), self.chunk_rows):
            part = rows[a: a + self.chunk_rows]
            yield [h[int(plen[r]):] for r, h in zip(part.tolist(), att.store.token_states(layer, part))]

    def _context_chunks(self, att: Attributor, rows: np.ndarray, layer: int, source: str):
        """Per row of ``rows``, ``chunk_rows`` rows at a time: the states before its response tokens (from the last
        prompt position to the second-last token) and those tokens' ids."""
        plen = att.samples["prompt_len"].to_numpy()
        for a in range(0, len(rows), self.chunk_rows):
            part = rows[a: a + self.chunk_rows]
            ids = att.store.tokens_of(part)
            if source == "repass":   # the cached re-read, which starts one position early for this line
                held = self._row_states(att, part, layer)
                states = [held[int(r)][:-1] for r in part.tolist()]
            else:
                states = [h[int(plen[r]) - 1: len(t) - 1] for r, h, t in zip(part.tolist(),
                                                                           att.store.token_states(layer, part), ids)]
            yield states, [np.asarray(t)[int(plen[r]):] for r, t in zip(part.tolist(), ids)]

    def _row_states(self, att: Attributor, rows: np.ndarray, layer: int) -> dict[int, np.ndarray]:
        """Per row, the final model's states at ``layer`` from its last prompt position to its last token ``[R + 1,
        d]``: ``[1:]`` are its response tokens' states, ``[:-1]`` the states that predicted them."""
        # Re-read rows are kept by the attributor (its final model's states of its store's rows): a later query,
        # by this or another token-match method or query form, re-reads only rows it has not seen.
        cache = att.cached(f"token-match: re-read states at layer {layer}, from the last prompt position", (), dict)
        todo = [int(r) for r in rows.tolist() if int(r) not in cache]
        if todo:
            plen = att.samples["prompt_len"].to_numpy()
            pad = att.tokenizer.pad_token_id if att.tokenizer.pad_token_id is not None else 0
            seqs = [(ids, int(plen[r]) - 1) for r, ids in zip(todo, att.store.tokens_of(todo))]
            for r, h in zip(todo, response_states(att.model, seqs, layer, pad_token_id=pad, batch=self.batch)):
                cache[r] = h.astype(np.float32)
        return {int(r): cache[int(r)] for r in rows.tolist()}

    def _center(self, att: Attributor, layer: int, rows: np.ndarray, source: str) -> np.ndarray:
        store = att.store
        projected = bool(store.run_attrs.get("projection"))
        # Stored h_mean is in the projected space when the run projects; so are stored token states, not re-reads.
        if (layer in store.layers and "h_mean" in store.signature_names
                and (source == "store" or not projected)):
            return part_means(store, layer, ["h_mean"])["h_mean"].astype(np.float64)
        total, n = 0.0, 0
        for states in self._chunks(att, rows, layer, source):
            flat = np.concatenate(states).astype(np.float64)
            total, n = total + flat.sum(0), n + len(flat)
        return np.asarray(total / max(n, 1))
