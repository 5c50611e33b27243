"""Helpers for the Hugging Face Trainer / TRL tests: tiny datasets, CPU configs and batch-size-1 references."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from capture_reference import assert_matches
from provenance.models import CHATML_TEMPLATE, lora_target_modules, tiny_causal_lm, tiny_tokenizer

LAYERS = [1, 2, 4]  # two block outputs and the final norm (L = 4)
SIGS = ("h_last", "g_last", "h_mean", "g_mean")

# ChatML with generation markers, so TRL's `assistant_only_loss=True` can mask everything but the assistant turns.
CHATML_GENERATION_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}"
    "{{ '<|im_start|>assistant\n' }}{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}{{ '\n' }}"
    "{% else %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


@pytest.fixture
def single_thread():
    """Two cores shared with other jobs: intra-op threads only spin. One thread is ~100x faster for tiny models."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def chat_tokenizer():
    tok = tiny_tokenizer()
    tok.chat_template = CHATML_GENERATION_TEMPLATE
    return tok


def cpu_args(config_cls, out_dir, **kw):
    base = dict(output_dir=str(out_dir), use_cpu=True, bf16=False, gradient_checkpointing=False, report_to="none",
                per_device_train_batch_size=4, gradient_accumulation_steps=2, num_train_epochs=1, learning_rate=0.0,
                logging_steps=1, save_strategy="no", disable_tqdm=True, seed=0)
    base.update(kw)
    return config_cls(**base)


def lora_config(model, r=4):
    from peft import LoraConfig

    return LoraConfig(r=r, lora_alpha=8, target_modules=lora_target_modules(model))


def randomize_lora_b(model, std=0.3, seed=0):
    """LoRA B starts at zero; make the adapter matter (policy != adapter-disabled reference)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.copy_(torch.randn(p.shape, generator=g) * std)


def sft_records(fmt: str, n: int, *, with_ids: bool = True, seed: int = 0):
    """n examples in one of TRL's SFT formats: 'prompt_completion', 'messages' (some two-turn) or 'text'."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(n):
        a, b = (int(x) for x in torch.randint(0, 50, (2,), generator=g))
        pad = "x" * int(torch.randint(0, 6, (1,), generator=g))
        q, ans = f"Q{i}: {a}+{b}?{pad}", f" = {a + b}"
        if fmt == "prompt_completion":
            rec = {"prompt": q, "completion": ans}
        elif fmt == "messages":
            rec = {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": ans}]}
            if i % 3 == 0:
                rec["messages"] += [{"role": "user", "content": "and?"}, {"role": "assistant", "content": f"{a}"}]
        elif fmt == "text":
            rec = {"text": q + ans}
        else:
            raise ValueError(fmt)
        if with_ids:
            rec["sample_id"] = 100 + i
            rec["source"] = f"src{i % 3}"
        out.append(rec)
    return out


def dpo_records(n: int, *, with_ids: bool = True, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(n):
        a, b = (int(x) for x in torch.randint(0, 50, (2,), generator=g))
        pad = "y" * int(torch.randint(0, 6, (1,), generator=g))
        rec = {"prompt": f"Q{i}: {a}*{b}?{pad}", "chosen": f" {a * b}", "rejected": f" about {a + b}{'!' * (i % 3)}"}
        if with_ids:
            rec["sample_id"] = f"pair-{i}"
            rec["source"] = f"src{i % 2}"
        out.append(rec)
    return out


def sft_reference(model, input_ids, labels, layers=LAYERS):
    """h/g of one sample alone: mean cross-entropy over its labelled tokens (HF shifts), batch size 1."""
    from capture_reference import reference_signatures

    return reference_signatures(model, {"input_ids": torch.as_tensor(input_ids), "labels": torch.as_tensor(labels)}, layers)


def _sequence(model, ids, prompt_len, layers):
    out = model(input_ids=ids[None], output_hidden_states=True)
    logp = torch.log_softmax(out.logits[0, :-1].float(), -1).gather(1, ids[1:, None])[:, 0]
    return logp[prompt_len - 1:].sum(), [out.hidden_states[l] for l in layers]


def _signatures(hidden, grads, prompt_len, n, layers):
    predicts = torch.arange(prompt_len - 1, n - 1)
    res = {}
    for l, h, g in zip(layers, hidden, grads):
        h, g = h[0].detach().float(), g[0].float()
        res[l] = {"h_last": h[prompt_len - 1], "g_last": g[prompt_len - 1], "h_mean": h[predicts].mean(0),
                  "g_mean": g[predicts].mean(0)}
    return res


def dpo_reference(policy, reference, prompt_ids, chosen_ids, rejected_ids, *, beta, layers=LAYERS,
                  ref_logps=None, loss_weights=(1.0, 0.0)):
    """One pair alone (batch size 1 per sequence): the sigmoid DPO loss -log s(b((lc - rc) - (lr - rr))) with the
    same beta and reference log-probs, its gradients w.r.t. the chosen and the rejected hidden states, and the
    reference model's response-mean activations. `reference` is a callable context (e.g. PEFT's disable_adapter)
    paired with the policy, or a separate model; `ref_logps` (chosen, rejected) replaces the reference forward.
    `loss_weights` (sigmoid, sft): TRL's weights of the sigmoid term and of the "sft" term (the chosen response's mean
    token NLL)."""
    plen = len(prompt_ids)
    seqs = {"chosen": torch.tensor(list(prompt_ids) + list(chosen_ids)),
            "rejected": torch.tensor(list(prompt_ids) + list(rejected_ids))}
    ref_lp, ref_h = {}, {}
    for role, ids in seqs.items():
        with torch.no_grad():
            if isinstance(reference, torch.nn.Module):
                lp, hs = _sequence(reference, ids, plen, layers)
            else:
                with reference():
                    lp, hs = _sequence(policy, ids, plen, layers)
        predicts = torch.arange(plen - 1, len(ids) - 1)
        ref_lp[role] = lp
        ref_h[role] = {l: h[0][predicts].float().mean(0) for l, h in zip(layers, hs)}
    if ref_logps is not None:
        ref_lp = {"chosen": torch.tensor(ref_logps[0]), "rejected": torch.tensor(ref_logps[1])}
    lc, hc = _sequence(policy, seqs["chosen"], plen, layers)
    lr, hr = _sequence(policy, seqs["rejected"], plen, layers)
    loss = -F.logsigmoid(beta * ((lc - ref_lp["chosen"]) - (lr - ref_lp["rejected"]))) * loss_weights[0]
    if loss_weights[1]:
        loss = loss - lc / len(chosen_ids) * loss_weights[1]
    grads = torch.autograd.grad(loss, hc + hr)
    k = len(layers)
    sigs = {"chosen": _signatures(hc, grads[:k], plen, len(seqs["chosen"]), layers),
            "rejected": _signatures(hr, grads[k:], plen, len(seqs["rejected"]), layers)}
    nll = {"chosen": float(-lc.detach()) / len(chosen_ids), "rejected": float(-lr.detach()) / len(rejected_ids)}
    return sigs, ref_h, nll, float(loss.detach())


def captured(reader, row, layers=LAYERS, names=SIGS, arrays=None):
    arrays = arrays if arrays is not None else {}
    out = {}
    for l in layers:
        out[l] = {}
        for n in names:
            if (l, n) not in arrays:
                arrays[(l, n)] = reader.array(l, n)
            out[l][n] = arrays[(l, n)][row]
    return out


__all__ = ["LAYERS", "SIGS", "assert_matches", "chat_tokenizer", "cpu_args", "captured", "dpo_records", "dpo_reference",
           "lora_config", "randomize_lora_b", "sft_records", "sft_reference", "single_thread", "tiny_causal_lm",
           "tiny_tokenizer", "CHATML_TEMPLATE"]
