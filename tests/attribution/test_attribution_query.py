"""Test signatures from the training-time engine, end-to-end queries, baselines and token level on tiny models."""
from __future__ import annotations

import lightning.pytorch as pl
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from attribution_helpers import PARTS, tiny_records, write_captured
from lightning_app import CausalLMModule
from provenance import open_store
from provenance.attribution import Attributor, SignatureMethod, TestCase, compute_signatures
from provenance.attribution.baselines import Bm25Method, LoraGradMethod, RandomMethod, TfidfMethod, repsim
from provenance.attribution.cases import greedy_responses
from provenance.attribution.repass import RepassMethod
from provenance.attribution.tokens import prompt_framing, token_attribution, token_states, top_tokens
from provenance.callbacks import ProvenanceCallback
from provenance.data import SFTCollator, SFTDataset
from provenance.errors import CaptureInputError
from provenance.models import tiny_causal_lm, tiny_tokenizer

LAYERS = [2, 4]


@pytest.fixture(scope="module")
def tok():
    return tiny_tokenizer()


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tok):
    """A tiny llama 'trained' with lr=0 under the Lightning callback (weights unchanged, so the final model is
    the capture-time model), float32 store, 2 epochs."""
    path = str(tmp_path_factory.mktemp("attr") / "s.zarr")
    model = tiny_causal_lm("llama", seed=0)
    records = tiny_records(12)
    ds = SFTDataset(records, tok, max_length=96)
    loader = DataLoader(ds, batch_size=5, shuffle=False, collate_fn=SFTCollator(tok.pad_token_id))
    trainer = pl.Trainer(max_epochs=2, accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
                         callbacks=[ProvenanceCallback(path, layers=LAYERS, encoding="float32")])
    trainer.fit(CausalLMModule(model, lr=0.0), train_dataloaders=loader)
    model.zero_grad(set_to_none=True)
    return model, records, open_store(path)


def test_test_signatures_equal_training_time_capture(trained, tok):
    model, records, store = trained
    att = Attributor(store, model, tok)
    test = att.signatures([TestCase(r["prompt"], r["response"]) for r in records])
    df = store.samples()
    assert set(test.arrays) == set(LAYERS)
    for layer in LAYERS:
        for part in PARTS:
            stored = store.array(layer, part)
            for i, r in enumerate(records):
                for row in np.flatnonzero(df.sample_id.to_numpy() == r["sample_id"]):
                    a, b = test.arrays[layer][part][i], stored[row]
                    if part.startswith("h"):
                        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
                    else:
                        cos = a @ b / np.linalg.norm(a) / np.linalg.norm(b)
                        assert cos > 0.99999, (layer, part, i, cos)
                        assert np.linalg.norm(a) / np.linalg.norm(b) == pytest.approx(1.0, abs=1e-4)
    np.testing.assert_allclose(test.loss, df[df.epoch == 0].loss.to_numpy(), rtol=1e-4)
    for i, ids in enumerate(test.input_ids):
        np.testing.assert_array_equal(ids, store.tokens(i))
    # No parameter's .grad was written, and the model's training flag is restored.
    assert all(p.grad is None for p in model.parameters())
    # Signatures at one layer back-propagate only down to that layer, and equal the all-layer ones.
    from provenance.capture import find_layout

    reached = []
    blocks = find_layout(model).blocks
    hooks = [b.register_full_backward_hook(lambda m, gi, go, i=i: reached.append(i)) for i, b in enumerate(blocks)]
    try:
        one = att.signatures([TestCase(r["prompt"], r["response"]) for r in records], [2])
    finally:
        for h in hooks:
            h.remove()
    assert set(reached) == {2, 3}   # layer 2 is block index 1's output: only the blocks above it are differentiated
    for part in PARTS:
        np.testing.assert_allclose(one.arrays[2][part], test.arrays[2][part], rtol=1e-5, atol=1e-12)


def test_each_training_sample_as_query_ranks_itself_first(trained, tok):
    model, records, store = trained
    att = Attributor(store, model, tok)
    cases = [TestCase(r["prompt"], r["response"]) for r in records]
    for sig in ("rept", "rept_norm", "g_last", "mean_concat"):
        res = att.query(cases, signature=sig, layer=4, epochs="last", k=3)
        top = res.ranking[res.ranking["rank"] == 1]
        assert top.sample_id.tolist() == [r["sample_id"] for r in records], sig
        np.testing.assert_allclose(top.score.to_numpy(), 1.0, atol=1e-5)
        assert (top.epoch == 1).all()
    res = att.query(cases[:2], signature="h_mean", layer=2, epochs="mean", k=3)
    assert (res.ranking["epoch"] == "mean").all() and res.ranking.sample_id.iloc[0] == 0


def test_ranking_snippets_decode_stored_tokens(trained, tok):
    model, records, store = trained
    res = Attributor(store, model, tok).query([TestCase(records[3]["prompt"], records[3]["response"])], layer=4, k=2)
    first = res.ranking.iloc[0]
    assert first.response == records[3]["response"] + ""  # the eos is a special token, dropped when decoding
    assert records[3]["prompt"] in first.prompt


def test_projected_store_projects_the_test_signatures(tmp_path, tok):
    model = tiny_causal_lm("qwen2", seed=1)
    records = tiny_records(6)
    write_captured(tmp_path / "p.zarr", model, tok, records, [3], projection={"seed": 5, "dim": 8})
    store = open_store(str(tmp_path / "p.zarr"))
    att = Attributor(store, model, tok)
    test = att.signatures([TestCase(r["prompt"], r["response"]) for r in records])
    assert test.arrays[3]["h_mean"].shape == (6, 8)
    np.testing.assert_allclose(test.arrays[3]["h_mean"], store.array(3, "h_mean"), rtol=1e-4, atol=1e-5)
    res = att.query([TestCase(r["prompt"], r["response"]) for r in records], signature="rept_norm", layer=3, k=1)
    assert res.ranking.sample_id.tolist() == list(range(6))


def test_repass_with_unchanged_weights_equals_training_time(trained, tok):
    model, records, store = trained
    att = Attributor(store, model, tok)
    cases = [TestCase(r["prompt"], r["response"] + " extra") for r in records[:4]]
    test = att.signatures(cases)
    for sig in ("rept", "mean_concat"):
        a = att.query(test, method=SignatureMethod(sig, 4, "last"), k=6)
        b = att.query(test, method=RepassMethod(sig, 4), k=6)
        np.testing.assert_array_equal(a.rows, b.rows)
        np.testing.assert_allclose(a.scores, b.scores, atol=1e-5)


def test_bad_test_cases_fail_clearly(trained, tok):
    model, records, store = trained
    att = Attributor(store, model, tok)
    with pytest.raises(CaptureInputError, match="empty response"):
        att.query([TestCase("hello", "   ")], layer=4)
    with pytest.raises(CaptureInputError, match="no response token"):
        compute_signatures(model, tok, [TestCase("a long prompt " * 20, "ok")], [4], max_length=16)
    with pytest.raises(CaptureInputError, match="no test cases"):
        att.query([], layer=4)


def test_prompt_only_case_explains_the_greedy_answer(trained, tok):
    model, records, store = trained
    att = Attributor(store, model, tok, max_new_tokens=12)
    want = greedy_responses(model, tok, [records[0]["prompt"]], max_new_tokens=12)[0]
    assert want
    test = att.signatures([TestCase(records[0]["prompt"])], layers=[4])
    assert test.cases[0].response == want
    res = att.query([records[0]["prompt"]], layer=4, k=4)
    assert len(res.ranking) == 4


def test_tfidf_and_bm25_rank_an_exact_text_duplicate_first(trained, tok):
    model, records, store = trained
    att = Attributor(store, model, tok)
    for i in (2, 7):
        case = [TestCase("anything", records[i]["response"])]
        for method in (TfidfMethod(lowercase=True), TfidfMethod(lowercase=False), Bm25Method(),
                       TfidfMethod(field="prompt+response")):
            if method.field == "prompt+response":
                case = [TestCase(records[i]["prompt"], records[i]["response"])]
            res = att.query(case, method=method, k=3)
            assert res.ranking.sample_id.iloc[0] == i, method.name
            assert res.ranking.epoch.iloc[0] == 1
            if isinstance(method, TfidfMethod):
                assert res.ranking.score.iloc[0] == pytest.approx(1.0, abs=1e-6)
    # Case-kept TF-IDF tells "THE" from "the"; lower-cased does not.
    upper = [TestCase("x", records[5]["response"].upper())]
    lo = att.query(upper, method=TfidfMethod(lowercase=True), k=1).ranking.score.iloc[0]
    hi = att.query(upper, method=TfidfMethod(lowercase=False), k=1).ranking.score.iloc[0]
    assert lo == pytest.approx(1.0, abs=1e-6) and hi < 0.8  # only the number still matches


def test_random_and_repsim_baselines(trained, tok):
    model, records, store = trained
    att = Attributor(store, model, tok)
    cases = [TestCase(r["prompt"], r["response"]) for r in records[:3]]
    a = att.query(cases, method=RandomMethod(seed=1), k=12)
    b = att.query(cases, method=RandomMethod(seed=1), k=12)
    np.testing.assert_array_equal(a.rows, b.rows)
    assert sorted(a.rows[0].tolist()) == list(range(12, 24))  # every last-epoch row exactly once
    r = att.query(cases, method=repsim(4, "h_last"), k=1)
    assert r.ranking.sample_id.tolist() == [0, 1, 2]


def test_lora_gradient_baseline_ranks_the_sample_itself_first(tmp_path, tok):
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(tiny_causal_lm("llama", seed=2), LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
    with torch.no_grad():  # a non-zero B so that A's gradients are non-zero too
        for n, p in model.named_parameters():
            if "lora_B" in n:
                p.normal_(0, 0.05, generator=torch.Generator().manual_seed(0))
    records = tiny_records(8)
    write_captured(tmp_path / "l.zarr", model, tok, records, [2])
    att = Attributor(open_store(str(tmp_path / "l.zarr")), model, tok)
    method = LoraGradMethod(dim=512, seed=3)
    res = att.query([TestCase(r["prompt"], r["response"]) for r in records], method=method, k=2)
    assert res.ranking[res.ranking["rank"] == 1].sample_id.tolist() == list(range(8))
    np.testing.assert_allclose(res.scores[:, 0], 1.0, atol=1e-5)
    assert all(p.grad is None for p in model.parameters())


def test_token_states_pool_to_the_stored_signatures(trained, tok):
    """Per-token h(t), G(t) of the re-run pool to exactly what the engine stored: h at the last prompt
    position is h_last, their means over the response-predicting positions are h_mean and g_mean."""
    model, records, store = trained
    df = store.samples()
    for row in (0, 7):
        ids, plen = store.tokens(row), int(df.prompt_len[row])
        h, g = token_states(model, ids, plen, 4)
        predict = np.arange(plen - 1, len(ids) - 1)
        np.testing.assert_allclose(h[plen - 1], store.array(4, "h_last", rows=[row])[0], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(h[predict].mean(0), store.array(4, "h_mean", rows=[row])[0], rtol=1e-4, atol=1e-5)
        stored_g = store.array(4, "g_mean", rows=[row])[0]
        np.testing.assert_allclose(g[predict].mean(0), stored_g, rtol=1e-3, atol=1e-4 * np.abs(stored_g).max())
        np.testing.assert_allclose(g[plen - 1], store.array(4, "g_last", rows=[row])[0], rtol=1e-3,
                                   atol=1e-4 * np.abs(stored_g).max())


def test_token_attribution_table(trained, tok):
    model, records, store = trained
    att = Attributor(store, model, tok)
    test = att.signatures([TestCase(records[1]["prompt"], records[1]["response"])], layers=[4])
    res = att.query(test, layer=4, k=3)
    scores = token_attribution(att, res, test, 4, top=2)
    assert set(scores.groupby("row").size().index) == set(res.rows[0, :2].tolist())
    first = scores[scores.row == res.rows[0, 0]]
    ids = store.tokens(int(res.rows[0, 0]))
    assert first.token_id.tolist() == ids.tolist()
    assert "".join(first.token) == tok.decode(ids.tolist())
    assert first.is_response.sum() == len(ids) - int(store.samples().prompt_len[res.rows[0, 0]])
    assert np.isfinite(first[["cos_h", "cos_g", "gxa"]].to_numpy()).all()
    assert (first.cos_h.abs() <= 1 + 1e-6).all() and (first.abs_gxa == first.gxa.abs()).all()
    # The framing is what every stored prompt shares: "<|im_start|>user\nTell me about " before the content and
    # ".<|im_end|>\n<|im_start|>assistant\n" after it (every tiny record's prompt ends with ".").
    pre = len(tok("<|im_start|>user\nTell me about ", add_special_tokens=False)["input_ids"])
    suf = len(tok(".<|im_end|>\n<|im_start|>assistant\n", add_special_tokens=False)["input_ids"])
    assert prompt_framing(att) == (pre, suf)
    plen = int(store.samples().prompt_len[res.rows[0, 0]])
    want = np.zeros(len(ids), bool)
    want[:pre] = want[plen - suf: plen] = True
    np.testing.assert_array_equal(first.is_framing.to_numpy(), want)
    content = top_tokens(first, "abs_gxa", n=3, where="content")
    assert len(content) == 3 and not content.is_framing.any() and not content.is_response.any()
    assert content.abs_gxa.tolist() == sorted(first[~first.is_framing & ~first.is_response].abs_gxa, reverse=True)[:3]
