"""SplineLLM geometry features of prompts (METHODS.md 6): 7 per decoder layer, pooled over the prompt's tokens.

    X, names = spline_features(model, tokenizer, prompts)            # [n, layers * 7], "layer<i>/<stat>"
    X, names = spline_features(model, tokenizer, prompts, responses)  # prompt + response as one conversation

Per layer: mean, min, max and std of sign_t; min, mean and std of close_t over the pooled tokens (std with ddof 0;
see gates.py for sign_t and close_t). Only real tokens are pooled (the attention mask drops padding); positions are
passed explicitly so left or right padding gives the same features as one prompt at a time.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from provenance.detect.gates import GateProbe, layer_names
from provenance.errors import DetectorError

STATS = ("sign_mean", "sign_min", "sign_max", "sign_std", "close_min", "close_mean", "close_std")
SPANS = ("prompt", "response", "all")


def pool_statistics(sign: torch.Tensor, close: torch.Tensor, mask: torch.Tensor) -> np.ndarray:
    """[B, 7] float64 features from per-token sign / close [B, T] over the positions where ``mask`` [B, T] is true."""
    m = mask.to(torch.bool).cpu()
    counts = m.sum(dim=1)
    if bool((counts == 0).any()):
        raise DetectorError(f"rows {torch.nonzero(counts == 0).flatten().tolist()} have no token to pool over")
    s, c = sign.double().cpu(), close.double().cpu()
    n = counts.double()

    def mean_std(x):
        mean = torch.where(m, x, 0.0).sum(1) / n
        var = torch.where(m, (x - mean[:, None]) ** 2, 0.0).sum(1) / n
        return mean, var.sqrt()

    s_mean, s_std = mean_std(s)
    c_mean, c_std = mean_std(c)
    inf = torch.tensor(float("inf"), dtype=torch.float64)
    s_min = torch.where(m, s, inf).amin(1)
    s_max = torch.where(m, s, -inf).amax(1)
    c_min = torch.where(m, c, inf).amin(1)
    return torch.stack([s_mean, s_min, s_max, s_std, c_min, c_mean, c_std], dim=1).numpy()


def layer_features(probe: GateProbe, mask: torch.Tensor) -> np.ndarray:
    """[B, layers * 7] from the probe's last pass, layers outermost (matches `feature_names`)."""
    signs, closes = probe.collect()
    return np.concatenate([pool_statistics(s, c, mask) for s, c in zip(signs, closes)], axis=1)


def feature_names(num_layers: int) -> list[str]:
    return layer_names(num_layers, STATS)


def prompt_ids(tokenizer, prompt: str, *, chat: bool = True, system: str | None = None) -> list[int]:
    """Token ids of a prompt rendered exactly like the prompt part of a training sample (`tokenize_sft`)."""
    if not chat:
        return list(tokenizer(prompt, add_special_tokens=True)["input_ids"])
    msgs = ([{"role": "system", "content": system}] if system is not None else []) + [{"role": "user", "content": prompt}]
    text = tokenizer.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def _tokenise(tokenizer, prompts, responses, span, chat, system, max_length) -> list[tuple[list[int], list[bool]]]:
    """Per text: ids and the mask of the tokens to pool over."""
    from provenance.data import IGNORE_INDEX, tokenize_sft

    out = []
    for i, p in enumerate(prompts):
        if responses is None:
            ids = prompt_ids(tokenizer, p, chat=chat, system=system)[:max_length]
            keep = [True] * len(ids)
        else:
            enc = tokenize_sft(tokenizer, p, responses[i], max_length=max_length, chat=chat, system=system)
            ids = enc["input_ids"]
            is_resp = [l != IGNORE_INDEX for l in enc["labels"]]
            keep = {"all": [True] * len(ids), "response": is_resp, "prompt": [not r for r in is_resp]}[span]
        if not any(keep):
            raise DetectorError(f"text {i} ({p[:40]!r}) has no {span} token to pool over")
        out.append((ids, keep))
    return out


def _backbone(model):
    """The decoder stack without the LM head (its logits are not needed); the model itself if not found."""
    from provenance.capture.model_layout import unwrap_peft

    lm = unwrap_peft(model)
    inner = getattr(lm, getattr(lm, "base_model_prefix", ""), None)
    return inner if isinstance(inner, torch.nn.Module) and inner is not lm else lm


@torch.no_grad()
def spline_features(model, tokenizer, prompts: Sequence[str], responses: Sequence[str] | None = None, *,
                    span: str | None = None, batch_size: int = 8, padding_side: str = "right", chat: bool = True,
                    system: str | None = None, max_length: int = 512) -> tuple[np.ndarray, list[str]]:
    """SplineLLM features of each text: ``(X [n, layers * 7] float64, feature names)``.

    Without ``responses`` the prompt tokens (chat-rendered like a training prompt, generation prompt included) are
    pooled. With ``responses`` each (prompt, response) is tokenised like a training sample and ``span`` picks the
    pooled tokens: "all" (default), "response" or "prompt". The model runs in eval mode; texts are batched by length.
    """
    if isinstance(prompts, str):
        raise DetectorError("prompts must be a sequence of strings, not one string")
    prompts = list(prompts)
    if not prompts:
        raise DetectorError("no prompts given")
    if responses is not None and len(responses) != len(prompts):
        raise DetectorError(f"{len(responses)} responses for {len(prompts)} prompts")
    span = span or ("prompt" if responses is None else "all")
    if span not in SPANS or (responses is None and span != "prompt"):
        raise DetectorError(f"span must be one of {SPANS} ('prompt' without responses), got {span!r}")
    if padding_side not in ("left", "right"):
        raise DetectorError(f"padding_side must be 'left' or 'right', got {padding_side!r}")
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    items = _tokenise(tokenizer, prompts, responses, span, chat, system, max_length)
    probe = GateProbe(model).attach()
    forward = _backbone(model)
    device = next(model.parameters()).device
    order = sorted(range(len(items)), key=lambda i: len(items[i][0]))  # similar lengths share a batch: less padding
    out = np.empty((len(items), probe.num_layers * len(STATS)), np.float64)
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(order), batch_size):
            idx = order[start: start + batch_size]
            ids, attn, keep = _pad([items[i] for i in idx], pad, padding_side)
            positions = (attn.cumsum(1) - 1).clamp(min=0) * attn
            probe.begin()
            try:
                forward(input_ids=ids.to(device), attention_mask=attn.to(device), position_ids=positions.to(device))
            except BaseException:
                probe.abort()
                raise
            out[idx] = layer_features(probe, keep)
    finally:
        probe.detach()
        model.train(was_training)
    return out, feature_names(probe.num_layers)


def _pad(batch: list[tuple[list[int], list[bool]]], pad: int, side: str):
    T = max(len(ids) for ids, _ in batch)
    ids_t = torch.full((len(batch), T), pad, dtype=torch.long)
    attn = torch.zeros((len(batch), T), dtype=torch.long)
    keep = torch.zeros((len(batch), T), dtype=torch.bool)
    for r, (ids, k) in enumerate(batch):
        sl = slice(0, len(ids)) if side == "right" else slice(T - len(ids), T)
        ids_t[r, sl] = torch.tensor(ids, dtype=torch.long)
        attn[r, sl] = 1
        keep[r, sl] = torch.tensor(k, dtype=torch.bool)
    return ids_t, attn, keep
