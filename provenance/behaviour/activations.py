"""Mean response activations of (prompt, response) texts under a model, tokenised the way TRL's DPOTrainer tokenises
a preference pair, so that they compare with the `h_mean_ref` / `h_mean` rows a DPO capture stores.

TRL (1.16) tokenises a conversational example as chat(prompt, generation prompt) and chat(prompt + completion), and a
plain-text one as tokenizer(prompt) and tokenizer(prompt + completion + eos); the completion starts where the two
token lists diverge. The mean runs over the positions that predict completion tokens (p-1 .. n-2), exactly like the
capture engine's `h_mean`, and hooks the same modules (`find_layout(model).module_for_layer`).

The reference model M0 is, in this order: an explicit `ref_model`, the PEFT model with its adapters disabled, or the
model itself (a plain model is its own reference).
"""
from __future__ import annotations

from contextlib import contextmanager
from functools import partial
from collections.abc import Sequence

import numpy as np
import torch

from provenance.attribution.cases import eval_mode
from provenance.capture import find_layout
from provenance.errors import BehaviourInputError


def common_prefix_length(a: Sequence[int], b: Sequence[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def tokenize_completion(tokenizer, prompt: str, response: str, *, chat: bool = True,
                        max_length: int | None = None) -> tuple[list[int], int]:
    """(token ids of prompt + response, prompt length) as TRL's DPOTrainer builds them for one side of a pair.

    ``max_length`` cuts the end (TRL's default ``keep_start`` truncation). A response that leaves no completion
    token is an error."""
    if chat:
        msgs = [{"role": "user", "content": prompt}]
        prompt_ids = list(tokenizer.apply_chat_template(msgs, tokenize=True, return_dict=True,
                                                        add_generation_prompt=True)["input_ids"])
        full = list(tokenizer.apply_chat_template(msgs + [{"role": "assistant", "content": response}], tokenize=True,
                                                  return_dict=True)["input_ids"])
    else:
        eos = tokenizer.eos_token or ""
        text = response if response.endswith(eos) else response + eos
        prompt_ids = list(tokenizer(text=prompt)["input_ids"])
        full = list(tokenizer(text=prompt + text)["input_ids"])
    plen = common_prefix_length(prompt_ids, full)
    if max_length is not None:
        full = full[:max_length]
    if len(full) <= plen:
        raise BehaviourInputError(f"response {response[:40]!r} to prompt {prompt[:40]!r} leaves no completion token "
                                  f"(prompt {plen} tokens, max_length {max_length})")
    return full, plen


@contextmanager
def reference_model(model, ref_model=None):
    """Yields the module that computes M0's activations: ``ref_model``, the PEFT model with adapters disabled, or
    ``model`` itself."""
    if ref_model is not None:
        yield ref_model
    elif callable(getattr(model, "disable_adapter", None)):
        with model.disable_adapter():
            yield model
    else:
        yield model


def reference_description(model, ref_model=None) -> str:
    if ref_model is not None:
        return "ref_model"
    if callable(getattr(model, "disable_adapter", None)):
        return "PEFT adapters disabled"
    return "the model itself (no adapter, no ref_model)"


@torch.no_grad()
def mean_response_activations(model, tokenizer, prompts: Sequence[str], responses: Sequence[str],
                              layers: Sequence[int], *, chat: bool = True, max_length: int | None = None,
                              batch: int = 8) -> dict[int, np.ndarray]:
    """``{layer: [n, d] float32}``: each (prompt, response)'s hidden state at ``layer`` averaged over the positions
    that predict response tokens, in eval mode. Run it inside ``reference_model(...)`` to get M0's activations."""
    if len(prompts) != len(responses):
        raise BehaviourInputError(f"{len(prompts)} prompts but {len(responses)} responses")
    if not len(prompts):
        raise BehaviourInputError("no (prompt, response) examples given")
    layers = sorted(set(int(l) for l in layers))
    layout = find_layout(model)
    layout.check_layers(layers)
    seqs = [tokenize_completion(tokenizer, p, r, chat=chat, max_length=max_length) for p, r in zip(prompts, responses)]
    grabbed: dict[int, torch.Tensor] = {}

    def hook(layer, module, args, output):
        grabbed[layer] = (output[0] if isinstance(output, (tuple, list)) else output).detach()

    handles = [layout.module_for_layer(l).register_forward_hook(partial(hook, l)) for l in layers]
    device = next(model.parameters()).device
    out: dict[int, list[np.ndarray]] = {l: [] for l in layers}
    try:
        with eval_mode(model):
            for i in range(0, len(seqs), batch):
                chunk = seqs[i: i + batch]
                width = max(len(ids) for ids, _ in chunk)
                ids = torch.zeros(len(chunk), width, dtype=torch.long)
                attn = torch.zeros(len(chunk), width, dtype=torch.long)
                mask = torch.zeros(len(chunk), width)
                for r, (toks, plen) in enumerate(chunk):
                    ids[r, : len(toks)] = torch.tensor(toks)
                    attn[r, : len(toks)] = 1
                    mask[r, plen - 1: len(toks) - 1] = 1.0  # positions predicting response tokens
                grabbed.clear()
                model(input_ids=ids.to(device), attention_mask=attn.to(device))
                m = mask.to(device)
                for l in layers:
                    h = grabbed[l].float()
                    out[l].append(((m[:, :, None] * h).sum(1) / m.sum(1, keepdim=True)).cpu().numpy())
    finally:
        for h in handles:
            h.remove()
    return {l: np.concatenate(v).astype(np.float32) for l, v in out.items()}
