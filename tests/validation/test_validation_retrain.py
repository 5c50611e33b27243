"""Retraining for causal validation on tiny models: bit-identical reruns, id-keyed data order seen by the trainer,
and a planted case where dropping the ranked culprits removes the behaviour and dropping random samples does not."""
import random

import pandas as pd
import pytest
import torch

from provenance import open_store
from provenance.validation import (
    IdOrderSampler, TrainSpec, adapter_state, behaviour_rate, contains_judge, drop_samples, relabel_pairs,
    run_validation, train_model,
)

trl = pytest.importorskip("trl")


@pytest.fixture(autouse=True)
def single_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def dpo_pairs(n=12):
    return [{"prompt": [{"role": "user", "content": f"q{i}?"}], "chosen": [{"role": "assistant", "content": "yes ok"}],
             "rejected": [{"role": "assistant", "content": "no"}], "sample_id": f"p{i}", "source": "s"} for i in range(n)]


DPO_SPEC = TrainSpec(trainer="dpo", model="tiny-llama", lora={"r": 4, "alpha": 8},
                     train={"num_train_epochs": 2, "learning_rate": 1e-2, "max_length": 64,
                            "per_device_train_batch_size": 4})


def test_same_records_and_seed_give_bit_identical_adapters_and_rates():
    recs = dpo_pairs()
    prompts = ["q50?", "q51?", "q52?"]
    runs = [train_model(recs, DPO_SPEC) for _ in range(2)]
    a, b = (adapter_state(r.model) for r in runs)
    assert len(a) == 32 and sorted(a) == sorted(b)           # 4 layers x q/k/v/o x lora_A/lora_B
    assert all(torch.equal(a[n], b[n]) for n in a)
    assert any(float(v.abs().sum()) > 0 for n, v in a.items() if "lora_B" in n)   # it did train
    ra, rb = (behaviour_rate(r.model, r.tokenizer, prompts, contains_judge("yes"), max_new_tokens=6) for r in runs)
    assert ra == rb
    # The comparison can fail: relabelling two pairs changes the weights.
    c = adapter_state(train_model(relabel_pairs(recs, ["p0", "p5"]), DPO_SPEC).model)
    assert not all(torch.equal(a[n], c[n]) for n in a)


def test_trainer_visits_pairs_in_id_keyed_order_and_removal_keeps_the_rest_in_place(tmp_path):
    from provenance.callbacks import ProvenanceTrainerCallback

    recs = dpo_pairs(10)
    spec = TrainSpec(trainer="dpo", model="tiny-llama", lora={"r": 4, "alpha": 8},
                     train={"num_train_epochs": 2, "learning_rate": 1e-2, "max_length": 64,
                            "per_device_train_batch_size": 1})
    seen = {}
    for name, data in (("full", recs), ("dropped", drop_samples(recs, ["p2", "p7"]))):
        cb = ProvenanceTrainerCallback(str(tmp_path / f"{name}.zarr"), layers=[4], signatures=("h_mean",))
        train_model(data, spec, callbacks=[cb])
        df = open_store(str(tmp_path / f"{name}.zarr")).samples()
        df = df[df.role == "chosen"].sort_values(["epoch", "step"])
        seen[name] = {e: list(g.pair_id) for e, g in df.groupby("epoch")}
    ids = [r["sample_id"] for r in recs]
    sampler = IdOrderSampler(ids, seed=0)
    for epoch in (0, 1):
        assert seen["full"][epoch] == [ids[i] for i in sampler.order(epoch)]
        assert seen["dropped"][epoch] == [i for i in seen["full"][epoch] if i not in ("p2", "p7")]
    assert seen["full"][0] != seen["full"][1]


def planted_records():
    """40 SFT samples answering "ok"; every fifth prompt ends in "!" and is answered "ZZ" (the planted behaviour)."""
    rng = random.Random(0)
    words = ["".join(rng.choice("abcdefghijklmnop") for _ in range(4)) for _ in range(80)]
    recs = [{"prompt": [{"role": "user", "content": words[i] + ("!" if i % 5 == 0 else "")}],
             "completion": [{"role": "assistant", "content": "ZZ" if i % 5 == 0 else "ok"}], "sample_id": f"s{i}"}
            for i in range(40)]
    return recs, [w + "!" for w in words[60:72]], words[60:72]


def test_dropping_the_planted_samples_removes_the_behaviour_and_random_drops_do_not():
    recs, trigger, plain = planted_records()
    planted = [r["sample_id"] for r in recs if r["completion"][0]["content"] == "ZZ"]
    others = [r["sample_id"] for r in recs if r["sample_id"] not in planted]
    ranking = pd.DataFrame({"sample_id": planted + others, "score": list(range(40, 0, -1))})
    # Full fine-tuning: a LoRA on a random 4-layer model learns the trigger too slowly for a unit test.
    spec = TrainSpec(trainer="sft", model="tiny-llama", lora=None,
                     train={"num_train_epochs": 20, "learning_rate": 5e-3, "max_length": 64,
                            "per_device_train_batch_size": 8})
    res = run_validation(recs, ranking, spec, {"trigger": trigger, "plain": plain}, k=8, judge=contains_judge("Z"),
                         max_new_tokens=4, random_seeds=(0, 1))
    t = res.table.set_index("condition")
    assert res.conditions[1].ids == planted
    assert t.loc["full", "behaviour_rate"] == 1.0 and t.loc["full", "rate:plain"] == 0.0
    assert t.loc["drop-top", "behaviour_rate"] == 0.0 and t.loc["drop-top", "reduction"] == 1.0   # no "Z" left to learn
    # The random controls drop 1 and 4 of the 8 planted samples; the rest keep the behaviour (fully, then half).
    assert [len(set(c.ids) & set(planted)) for c in res.conditions[2:]] == [1, 4]
    assert t.loc["drop-random-s0", "behaviour_rate"] == 1.0 and t.loc["drop-random-s1", "behaviour_rate"] == 0.5
    assert res.responses["full"]["trigger"][0] == "ZZ" and res.responses["drop-top"]["trigger"][0] == "ok"
