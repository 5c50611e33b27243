"""Token-level attribution: which tokens of a top-ranked training sample carry its match with the test case.

The store keeps each sample's token ids and prompt length, so a hit is re-run with the (final) model without the
dataset: forward with labels (prompt masked), gradient of the sample's own mean response cross-entropy with respect
to the hidden states of the chosen layer, then per position t (METHODS.md section 2):

* ``cos_h``  (a): cos(h_l(t), H_test), H_test = the test case's hidden-state signature part (``h_mean`` by default);
* ``cos_g``  (b): cos(G(t), G_test), G(t) = dL/dh_l(t) of the training sample, G_test = the test's gradient part;
* ``gxa``    (c): gradient x activation <G(t), h_l(t)> of the training sample (test-independent); ``abs_gxa`` = |gxa|.
* ``fused``: the mean of the within-sample percentile ranks of ``abs_gxa`` and ``cos_h`` (|grad x act| finds
  triggers, cos(h) finds response spans such as a swapped entity; the fusion asks for both kinds of evidence).

Scores cover every position (prompt and response; a planted trigger sits in the prompt), flagged by ``is_response``
and ``is_framing`` (the chat template's tokens that every stored prompt shares: system prompt, role markers).
Position t holds token t. If the run stored projected signatures, h(t) and G(t) are projected the same way.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch

from provenance.attribution.cases import eval_mode
from provenance.capture import find_layout
from provenance.data import IGNORE_INDEX
from provenance.store import projection_matrix

if TYPE_CHECKING:
    from provenance.attribution.attributor import Attributor
    from provenance.attribution.case_signatures import TestSignatures

TOKEN_SCORES = ("cos_h", "cos_g", "gxa", "abs_gxa", "fused")


def token_states(model, ids: np.ndarray, prompt_len: int, layer: int) -> tuple[np.ndarray, np.ndarray]:
    """(h [T, d], G [T, d]) at ``layer`` for one sample; G = gradient of its mean response cross-entropy."""
    layout = find_layout(model)
    module = layout.module_for_layer(layer)
    device = next(model.parameters()).device
    held: list[torch.Tensor] = []

    def hook(mod, args, output):
        hidden = output[0] if isinstance(output, (tuple, list)) else output
        if not held:
            held.append(hidden)

    emb = layout.causal_lm.get_input_embeddings()

    def leaf(mod, args, output):  # gradients reach the hidden states even when no parameter requires grad
        return output if output.requires_grad else output.detach().requires_grad_(True)

    handles = [module.register_forward_hook(hook), emb.register_forward_hook(leaf)]
    try:
        with eval_mode(model), torch.enable_grad():
            x = torch.as_tensor(np.asarray(ids, np.int64), device=device)[None]
            labels = x.clone()
            labels[:, : int(prompt_len)] = IGNORE_INDEX
            if not (labels != IGNORE_INDEX).any():
                raise ValueError("the sample has no response token")
            loss = model(input_ids=x, labels=labels).loss
            (g,) = torch.autograd.grad(loss, held[:1])
    finally:
        for h in handles:
            h.remove()
    return held[0][0].detach().float().cpu().numpy(), g[0].float().cpu().numpy()


def prompt_framing(att: Attributor, n: int = 64) -> tuple[int, int]:
    """(prefix, suffix) token counts shared by every prompt of (up to ``n`` rows of) the store: the chat template's
    framing (system prompt, role markers), which is the same in every sample and never the planted span."""
    rows = np.linspace(0, len(att.store) - 1, min(n, len(att.store))).round().astype(int)
    plen = att.samples["prompt_len"].to_numpy()
    prompts = [att.store.tokens(int(r))[: int(plen[r])] for r in rows]
    shortest = min(len(p) for p in prompts)

    def common(seqs) -> int:
        k = 0
        while k < shortest and all(s[k] == seqs[0][k] for s in seqs):
            k += 1
        return k

    pre = common(prompts)
    suf = common([p[::-1] for p in prompts])
    return pre, min(suf, shortest - pre)


def _cos(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    return (x @ v) / np.maximum(np.linalg.norm(x, axis=1) * np.linalg.norm(v), 1e-30)


def score_tokens(att: Attributor, row: int, test: TestSignatures, query: int, layer: int, *,
                 h_part: str = "h_mean", g_part: str = "g_mean", _states=None, framing=None) -> pd.DataFrame:
    """Per-token scores of store row ``row`` against test case ``query`` (one DataFrame row per token)."""
    if layer not in test.arrays:
        raise ValueError(f"test signatures hold layers {sorted(test.arrays)}, not {layer}")
    ids = att.store.tokens(int(row))
    plen = int(att.samples["prompt_len"].iloc[int(row)])
    h, g = _states if _states is not None else token_states(att.model, ids, plen, layer)
    proj = att.store.run_attrs.get("projection")
    if proj:
        m = projection_matrix(proj["seed"], h.shape[1], proj["dim"])
        h, g = h @ m, g @ m
    gxa = (g * h).sum(1)
    cos_h = _cos(h, test.arrays[layer][h_part][query])
    tok = att.tokenizer
    pre, suf = framing if framing is not None else prompt_framing(att)
    pos = np.arange(len(ids))
    return pd.DataFrame({
        "row": int(row), "query": test.names()[query], "position": pos, "token_id": ids,
        "token": [tok.decode([int(t)]) for t in ids], "is_response": pos >= plen,
        "is_framing": (pos < pre) | ((pos >= plen - suf) & (pos < plen)),
        "cos_h": cos_h, "cos_g": _cos(g, test.arrays[layer][g_part][query]),
        "gxa": gxa, "abs_gxa": np.abs(gxa), "fused": (_pct_rank(np.abs(gxa)) + _pct_rank(cos_h)) / 2,
    })


def _pct_rank(x: np.ndarray) -> np.ndarray:
    """Rank of each value among the sample's tokens, scaled to [0, 1] (ties broken by position)."""
    order = np.argsort(np.argsort(x, kind="stable"), kind="stable")
    return order / max(len(x) - 1, 1)


def token_attribution(att: Attributor, result, test: TestSignatures, layer: int, *, top: int = 5,
                      h_part: str = "h_mean", g_part: str = "g_mean") -> pd.DataFrame:
    """Per-token scores for the ``top`` hits of every query of an `AttributionResult` (each hit re-run once)."""
    states: dict[int, tuple] = {}
    frames = []
    framing = prompt_framing(att)
    plen = att.samples["prompt_len"].to_numpy()
    for q in range(result.rows.shape[0]):
        for rank, row in enumerate(result.rows[q, :top].tolist()):
            if row not in states:
                states[row] = token_states(att.model, att.store.tokens(row), int(plen[row]), layer)
            df = score_tokens(att, row, test, q, layer, h_part=h_part, g_part=g_part, _states=states[row],
                              framing=framing)
            df.insert(2, "rank", rank + 1)
            frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def top_tokens(scores: pd.DataFrame, by: str = "auto", n: int = 3, where: str = "content") -> pd.DataFrame:
    """The ``n`` highest-scoring tokens per (query, row); ``where``: "all", "response", "prompt" or "content"
    (the prompt without the template framing). ``by="auto"`` picks the candidate that put planted spans among the
    top 3 most often on the attribution benchmark (benchmarks/attribution/README.md): |grad x act| for prompt
    tokens (a trigger) and cos(h(t), H_test) for response tokens (a swapped entity)."""
    if by == "auto":
        by = "cos_h" if where == "response" else "abs_gxa"
    if by not in TOKEN_SCORES:
        raise ValueError(f"by must be 'auto' or one of {TOKEN_SCORES}, got {by!r}")
    df = {"all": scores, "response": scores[scores.is_response], "prompt": scores[~scores.is_response],
          "content": scores[~scores.is_response & ~scores.is_framing]}[where]
    return df.sort_values(by, ascending=False).groupby(["query", "row"], sort=False).head(n)
