"""DPO activation-difference attribution: v_d from a real TRL DPO capture, v_b by hand, cosine scores, source summary."""
import numpy as np
import pandas as pd
import pytest
import torch
from datasets import Dataset

from hf_app import cpu_args, lora_config, randomize_lora_b, single_thread, tiny_causal_lm, tiny_tokenizer  # noqa: F401
from provenance import open_store
from provenance.behaviour import (BehaviourExample, behaviour_vector, mean_response_activations, pair_vectors,
                                  rank_pairs, reference_model, source_summary)
from provenance.behaviour.actdiff import pair_rows
from provenance.callbacks import ProvenanceTrainerCallback
from provenance.errors import BehaviourInputError
from provenance.store import CaptureRows, StoreWriter

pytestmark = pytest.mark.usefixtures("single_thread")
trl = pytest.importorskip("trl")
LAYERS = [2, 4]  # a block output and the final norm (L = 4)


def records():
    out = []
    for i in range(6):
        a, b = 3 + i, 7 * i + 1
        out.append({"prompt": f"Q{i}: {a}*{b}?", "chosen": f" {a * b}", "rejected": f" about {a + b}{'!' * (i % 3)}",
                    "sample_id": f"pair-{i}", "source": ["math", "web", "math"][i % 3]})
    return out


@pytest.fixture(scope="module")
def dpo_run(tmp_path_factory):
    """A real DPOTrainer capture (LoRA, adapter-disabled reference = M0), lr 0, two epochs."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    tmp = tmp_path_factory.mktemp("dpo")
    model = tiny_causal_lm("llama", seed=0)
    cb = ProvenanceTrainerCallback(str(tmp / "s.zarr"), layers=LAYERS, encoding="float32", signatures=("h_mean",))
    trainer = trl.DPOTrainer(model=model, args=cpu_args(trl.DPOConfig, tmp / "out", max_length=64, beta=0.5,
                                                        num_train_epochs=2),
                             train_dataset=Dataset.from_list(records()), processing_class=tiny_tokenizer(),
                             callbacks=[cb], peft_config=lora_config(model))
    randomize_lora_b(trainer.model)  # the tuned policy differs from M0 (adapters disabled)
    trainer.train()
    torch.set_num_threads(before)
    return trainer.model, open_store(str(tmp / "s.zarr"))


def hand_mean_response(model, tok, prompt, response, layer):
    """M0's mean hidden state over the positions predicting response tokens, with plain-text TRL tokenisation
    (prompt, then prompt + response + eos; this char-level tokenizer adds no special token)."""
    p = tok(text=prompt)["input_ids"]
    full = tok(text=prompt + response + tok.eos_token)["input_ids"]
    with torch.no_grad(), model.disable_adapter():
        hs = model(input_ids=torch.tensor([full]), output_hidden_states=True).hidden_states
    return hs[layer][0, len(p) - 1: len(full) - 1].double().mean(0).numpy()


def test_pair_vectors_are_m0_activation_differences_of_each_pair(dpo_run):
    model, store = dpo_run
    tok = tiny_tokenizer()
    pv = pair_vectors(store, 4)
    assert store.run_attrs["reference_activations"] == "reference_forward: PEFT adapters disabled"
    assert pv.m0 == "h_mean_ref (reference_forward: PEFT adapters disabled)"
    assert sorted(pv.pairs.pair_id) == [f"pair-{i}" for i in range(6)] and set(pv.pairs.epoch) == {0}
    recs = {r["sample_id"]: r for r in records()}
    ref = store.array(4, "h_mean_ref")
    for i, row in pv.pairs.iterrows():
        r = recs[row.pair_id]
        np.testing.assert_array_equal(pv.vectors[i], ref[row.chosen_row] - ref[row.rejected_row])
        want = (hand_mean_response(model, tok, r["prompt"], r["chosen"], 4)
                - hand_mean_response(model, tok, r["prompt"], r["rejected"], 4))
        np.testing.assert_allclose(pv.vectors[i], want, rtol=1e-4, atol=1e-5)
        # the library's own M0 encoder (used for behaviour vectors) reproduces TRL's tokenisation and positions
        with reference_model(model) as m0:
            mine = mean_response_activations(m0, tok, [r["prompt"]] * 2, [r["chosen"], r["rejected"]], [4], chat=False)[4]
        np.testing.assert_allclose(mine[0] - mine[1], want, rtol=1e-4, atol=1e-5)


def test_tokenisation_matches_what_trl_stored_plain_and_conversational(dpo_run, tmp_path):
    from provenance.behaviour import tokenize_completion

    _, store = dpo_run
    tok = tiny_tokenizer()
    df, recs = store.samples(), {r["sample_id"]: r for r in records()}
    for row in range(len(df)):
        r = recs[df.pair_id[row]]
        ids, plen = tokenize_completion(tok, r["prompt"], r[df.role[row]], chat=False)
        assert list(store.tokens(row)) == ids and df.prompt_len[row] == plen
    conv = [{"prompt": [{"role": "user", "content": r["prompt"]}], "chosen": [{"role": "assistant", "content": r["chosen"]}],
             "rejected": [{"role": "assistant", "content": r["rejected"]}], "sample_id": r["sample_id"],
             "source": r["source"]} for r in records()[:2]]
    model = tiny_causal_lm("llama", seed=0)
    cb = ProvenanceTrainerCallback(str(tmp_path / "c.zarr"), layers=[4], encoding="float32", signatures=("h_mean",))
    trl.DPOTrainer(model=model, args=cpu_args(trl.DPOConfig, tmp_path / "o", max_length=128, beta=0.5),
                   train_dataset=Dataset.from_list(conv), processing_class=tok, callbacks=[cb],
                   peft_config=lora_config(model)).train()
    chat_store = open_store(str(tmp_path / "c.zarr"))
    cdf = chat_store.samples()
    assert len(cdf) == 4
    for row in range(4):
        r = recs[cdf.pair_id[row]]
        ids, plen = tokenize_completion(tok, r["prompt"], r[cdf.role[row]], chat=True)
        assert list(chat_store.tokens(row)) == ids and cdf.prompt_len[row] == plen


def test_behaviour_vector_equals_hand_computation_and_scores_are_cosines(dpo_run):
    model, store = dpo_run
    tok = tiny_tokenizer()
    examples = [("Q9: 4*4?", " 16", " about 8"), ("Q8: 2*9?", " 18!", " 11")]
    bv = behaviour_vector(model, tok, examples, layers=[2, 4], chat=False)
    assert bv.reference == "PEFT adapters disabled"
    for layer in (2, 4):
        want = np.mean([hand_mean_response(model, tok, p, r1, layer) - hand_mean_response(model, tok, p, r0, layer)
                        for p, r1, r0 in examples], axis=0)
        np.testing.assert_allclose(bv.vectors[layer], want, rtol=1e-4, atol=1e-5)
    ranking = rank_pairs(store, bv, layer=4)
    pv = pair_vectors(store, 4)
    v = bv.vectors[4].astype(np.float64)
    for _, row in ranking.iterrows():
        d = pv.vectors[list(pv.pairs.pair_id).index(row.pair_id)].astype(np.float64)
        assert row.score == pytest.approx(float(d @ v / np.linalg.norm(d) / np.linalg.norm(v)), abs=1e-12)
    assert list(ranking["rank"]) == [1, 2, 3, 4, 5, 6]
    assert (np.diff(ranking.score) <= 0).all()
    assert list(ranking.columns) == ["rank", "pair_id", "score", "source", "epoch", "chosen_row", "rejected_row"]


def test_generated_responses_come_from_the_tuned_model_and_m0(dpo_run):
    model, _ = dpo_run
    tok = tiny_tokenizer()
    bv = behaviour_vector(model, tok, [BehaviourExample("Q5: 3*3?")], layers=[4], chat=False, max_new_tokens=4)
    enc = tok("Q5: 3*3?", return_tensors="pt")
    with torch.no_grad():
        r1 = model.generate(**enc, max_new_tokens=4, do_sample=False, pad_token_id=0)
        with model.disable_adapter():
            r0 = model.generate(**enc, max_new_tokens=4, do_sample=False, pad_token_id=0)
    ex = bv.examples[0]
    assert ex.r1 == tok.decode(r1[0, enc["input_ids"].shape[1]:], skip_special_tokens=True).strip()
    assert ex.r0 == tok.decode(r0[0, enc["input_ids"].shape[1]:], skip_special_tokens=True).strip()
    assert ex.r1 != ex.r0  # the randomised adapter changes the greedy answer


def test_rank_pairs_with_a_raw_vector_and_the_source_summary():
    pairs = pd.DataFrame({"pair_id": ["a", "b", "c", "d"], "source": ["x", "y", "x", "z"], "epoch": [0] * 4,
                          "chosen_row": [0, 2, 4, 6], "rejected_row": [1, 3, 5, 7]})
    from provenance.behaviour import PairVectors

    pv = PairVectors(pairs=pairs, vectors=np.array([[1, 0], [0, 2], [3, 3], [-1, 0]], np.float32), layer=1, m0="t")
    ranking = rank_pairs(pv, np.array([1.0, 1.0]))
    assert list(ranking.pair_id) == ["c", "a", "b", "d"]  # cos 1, 1/sqrt2, 1/sqrt2 (training order), -1/sqrt2
    np.testing.assert_allclose(ranking.score, [1, 2 ** -0.5, 2 ** -0.5, -(2 ** -0.5)], atol=1e-12)
    summary = source_summary(ranking, top_k=2)
    x = summary.set_index("source").loc["x"]
    assert (x.pairs, x.in_top_k, x.share_of_top_k, x.lift) == (2, 2, 1.0, 2.0)
    assert summary.source.iloc[0] == "x"
    assert list(rank_pairs(pv, np.array([1.0, 1.0]), top_k=1).pair_id) == ["c"]
    with pytest.raises(BehaviourInputError, match="width 2 but the direction"):
        rank_pairs(pv, np.ones(3))


def _write(url, rows_list, run_attrs):
    w = StoreWriter(url, "r", model={"name": "t", "config_hash": "h"}, run_attrs=run_attrs, encoding="float32")
    for rows in rows_list:
        w.put(rows)
    w.close()


def _rows(ids, roles, epoch, h, names=("h_mean",)):
    n = len(ids)
    return CaptureRows(sample_id=list(ids), source=["s"] * n, epoch=epoch, step=epoch, loss=np.ones(n, np.float32),
                       prompt_len=np.ones(n, np.int32), token_ids=[np.array([1, 2], np.int32)] * n,
                       signatures={1: {nm: np.asarray(h, np.float32) for nm in names}},
                       columns={"pair_id": list(ids), "role": list(roles)})


def test_first_complete_visit_of_each_pair_and_policy_first_visit(tmp_path):
    url = str(tmp_path / "p.zarr")
    # epoch 0: pair p1 complete, p2 lost its rejected row; epoch 1: both complete (p1's policy moved).
    e0 = _rows(["p1", "p1", "p2"], ["chosen", "rejected", "chosen"], 0, [[1, 0], [0, 1], [5, 5]])
    e1 = _rows(["p1", "p1", "p2", "p2"], ["rejected", "chosen", "chosen", "rejected"], 1,
               [[9, 9], [7, 7], [2, 0], [0, 3]])
    _write(url, [e0, e1], {"reference_activations": "policy_first_visit"})
    store = open_store(url)
    pairs, skipped = pair_rows(store.samples())
    assert skipped == {"incomplete_visit": 1}
    assert pairs.to_dict(orient="list") == {"pair_id": ["p1", "p2"], "source": ["s", "s"], "epoch": [0, 1],
                                            "chosen_row": [0, 5], "rejected_row": [1, 6]}
    pv = pair_vectors(store, 1)
    assert pv.m0.startswith("h_mean at each pair's first visit (policy_first_visit")
    np.testing.assert_array_equal(pv.vectors, [[1, -1], [2, -3]])


def test_a_store_without_pairs_is_refused(tmp_path):
    url = str(tmp_path / "sft.zarr")
    rows = _rows([1, 2, 3], ["chosen"] * 3, 0, np.eye(3)[:, :2])
    rows.columns = {}
    _write(url, [rows], {})
    with pytest.raises(BehaviourInputError, match="not a DPO capture"):
        pair_vectors(open_store(url), 1)


def test_cli_dpo_attribute_ranks_like_the_api(dpo_run, tmp_path):
    from typer.testing import CliRunner

    from provenance.cli import app

    model, store = dpo_run
    base, adapter = tmp_path / "base", tmp_path / "adapter"
    tiny_causal_lm("llama", seed=0).save_pretrained(base)   # the DPO run's base weights (same seed)
    tiny_tokenizer().save_pretrained(base)
    model.save_pretrained(adapter)
    args = ["behaviour", "dpo-attribute", store.url, "--model", str(base), "--adapter", str(adapter), "--layer", "4",
            "--no-chat", "--json", "--top-k", "6"]
    for p, r1, r0 in [("Q9: 4*4?", " 16", " about 8"), ("Q8: 2*9?", " 18!", " 11")]:
        args += ["--prompt", p, "--r1", r1, "--r0", r0]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    import json

    got = json.loads(res.stdout)  # progress bars of weight loading go to stderr
    want = rank_pairs(store, behaviour_vector(model, tiny_tokenizer(), [("Q9: 4*4?", " 16", " about 8"),
                                                                         ("Q8: 2*9?", " 18!", " 11")], [4], chat=False))
    assert [r["pair_id"] for r in got["ranking"]] == list(want.pair_id)
    np.testing.assert_allclose([r["score"] for r in got["ranking"]], want.score, atol=1e-6)
    assert got["reference"] == "PEFT adapters disabled" and got["layer"] == 4
    assert {r["source"] for r in got["sources"]} == {"math", "web"}
