"""bergson's runner (benchmarks/bergson): its gradient cosine equals the exact LoRA-gradient cosine, and bad input
gets a clear error. The end-to-end check needs `.venv-bergson` (``make bergson-venv``) and skips with that reason
without it."""
import json

import numpy as np
import pytest
import torch

from benchmarks.bergson.runner import BergsonUnavailableError, bergson_python, bergson_scores, tokenized_rows


def test_missing_environment_says_how_to_build_it(tmp_path):
    with pytest.raises(BergsonUnavailableError, match="make bergson-venv"):
        bergson_python(tmp_path / "nowhere")


def test_rows_need_text_or_tokens():
    with pytest.raises(ValueError, match="row 1 has neither prompt/response nor input_ids/labels"):
        tokenized_rows([{"input_ids": [1, 2], "labels": [-100, 2]}, {"text": "x"}], None, 16)
    with pytest.raises(ValueError, match="row 0 has no response token"):
        tokenized_rows([{"input_ids": [1, 2], "labels": [-100, -100]}], None, 16)
    with pytest.raises(ValueError, match="need a tokenizer"):
        tokenized_rows([{"prompt": "a", "response": "b"}], None, 16)


def _exact_lora_cosine(model, rows, queries):
    from provenance.attribution.baselines import trainable_parameters

    params = [p for _, p in trainable_parameters(model)]
    for p in params:
        p.requires_grad_(True)

    def grad(r):
        x, y = torch.tensor([r["input_ids"]]), torch.tensor([r["labels"]])
        loss = model(input_ids=x, labels=y).loss
        return torch.cat([g.reshape(-1) for g in torch.autograd.grad(loss, params)]).double()

    g = torch.stack([grad(r) for r in rows])
    q = torch.stack([grad(r) for r in queries])
    g, q = g / g.norm(dim=1, keepdim=True), q / q.norm(dim=1, keepdim=True)
    return (q @ g.T).numpy()


@pytest.mark.slow
def test_bergson_cosine_equals_exact_lora_gradient_cosine(tmp_path):
    try:
        bergson_python()
    except BergsonUnavailableError as e:
        pytest.skip(str(e))
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoModelForCausalLM

    from provenance.models import tiny_causal_lm, tiny_tokenizer

    base_dir, adapter_dir = tmp_path / "base", tmp_path / "adapter"
    tiny_causal_lm("llama", seed=1).save_pretrained(base_dir)
    tiny_tokenizer().save_pretrained(base_dir)
    torch.manual_seed(0)
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(base_dir),
                           LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    model.save_pretrained(adapter_dir)
    assert json.loads((adapter_dir / "adapter_config.json").read_text())["base_model_name_or_path"] == str(base_dir)

    rng = np.random.default_rng(0)

    def row(n, p):
        ids = rng.integers(5, 100, n).tolist()
        return {"input_ids": ids, "labels": [-100] * p + ids[p:]}

    rows = [row(int(rng.integers(8, 20)), 4) for _ in range(6)]
    queries = [row(12, 5), row(9, 3)]
    got = bergson_scores(rows, queries, adapter_dir, method="cosine", workdir=tmp_path / "work", timeout=600)
    assert got.shape == (2, 6)
    reloaded = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base_dir), adapter_dir).eval()
    want = _exact_lora_cosine(reloaded, rows, queries)
    np.testing.assert_allclose(got, want, atol=1e-4)
    # Not a constant: the rows are told apart.
    assert np.ptp(want) > 0.1
