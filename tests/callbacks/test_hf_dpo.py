"""ProvenanceTrainerCallback in TRL's DPOTrainer: per-pair DPO gradients, reference activations, pair alignment."""
import pytest
import torch
from datasets import Dataset

from hf_app import (LAYERS, SIGS, assert_matches, captured, cpu_args, dpo_records, dpo_reference, lora_config,
                    randomize_lora_b, single_thread, tiny_causal_lm, tiny_tokenizer)  # noqa: F401
from provenance import open_store
from provenance.callbacks import ProvenanceTrainerCallback
from provenance.errors import CaptureConfigError

pytestmark = pytest.mark.usefixtures("single_thread")
trl = pytest.importorskip("trl")
BETA = 0.5


def dpo_trainer(tmp_path, records, *, arch="llama", peft=True, ref_model=None, callback=None, data_collator=None,
                eval_records=None, **config):
    model = tiny_causal_lm(arch, seed=0)
    cb = callback or ProvenanceTrainerCallback(str(tmp_path / "s.zarr"), layers=LAYERS, encoding="float32")
    config.setdefault("max_length", 128)
    config.setdefault("beta", BETA)
    trainer = trl.DPOTrainer(model=model, ref_model=ref_model, args=cpu_args(trl.DPOConfig, tmp_path / "out", **config),
                             train_dataset=Dataset.from_list(records), processing_class=tiny_tokenizer(),
                             callbacks=[cb], peft_config=lora_config(model) if peft else None,
                             data_collator=data_collator,
                             eval_dataset=Dataset.from_list(eval_records) if eval_records else None)
    if peft:
        randomize_lora_b(trainer.model)  # policy != adapter-disabled reference, so reference and policy differ
    return trainer


def pair_rows(df):
    """{(pair id, epoch): (chosen row, rejected row)}, asserting every stored pair is complete and aligned."""
    out = {}
    for (pid, epoch), group in df.groupby(["pair_id", "epoch"]):
        assert sorted(group.role) == ["chosen", "rejected"], f"pair {pid} epoch {epoch}: roles {list(group.role)}"
        chosen, rejected = group.index[group.role == "chosen"][0], group.index[group.role == "rejected"][0]
        assert df.sample_id[chosen] == df.sample_id[rejected] == pid
        assert df.source[chosen] == df.source[rejected] and df.step[chosen] == df.step[rejected]
        out[(pid, epoch)] = (chosen, rejected)
    return out


def check_pairs(trainer, reader, reference, *, epochs=1, ref_logps=False, names=SIGS + ("h_mean_ref",),
                loss_weights=(1.0, 0.0)):
    df = reader.samples()
    prepared = {row["sample_id"]: row for row in trainer.train_dataset}
    pairs = pair_rows(df)
    assert sorted(pairs) == sorted((pid, e) for pid in prepared for e in range(epochs))
    arrays = {}
    for (pid, _), rows in pairs.items():
        ex = prepared[pid]
        sigs, ref_h, nll, _ = dpo_reference(
            trainer.model, reference, ex["prompt_ids"], ex["chosen_ids"], ex["rejected_ids"], beta=BETA,
            ref_logps=(ex["ref_chosen_logps"], ex["ref_rejected_logps"]) if ref_logps else None,
            loss_weights=loss_weights)
        for role, row in zip(("chosen", "rejected"), rows):
            assert list(reader.tokens(row)) == ex["prompt_ids"] + ex[f"{role}_ids"]
            assert df.prompt_len[row] == len(ex["prompt_ids"])
            assert df.loss[row] == pytest.approx(nll[role], rel=1e-4), f"pair {pid} {role} loss"
            got = captured(reader, row, names=names, arrays=arrays)
            assert_matches({l: {n: got[l][n] for n in SIGS} for l in LAYERS}, sigs[role], label=f"pair {pid} {role}")
            if "h_mean_ref" in names:
                assert_matches({l: {"h_mean_ref": got[l]["h_mean_ref"]} for l in LAYERS},
                               {l: {"h_mean_ref": ref_h[role][l]} for l in LAYERS}, label=f"pair {pid} {role} M0")
    return df, pairs


@pytest.mark.parametrize("arch", ["llama", "qwen2"])
def test_dpo_rows_carry_each_pairs_own_loss_gradient_and_reference_activations(tmp_path, arch):
    # 10 pairs, batch 4, accumulation 2: micro-batches 4, 4 | 2 -> the last step accumulates one micro-batch only.
    trainer = dpo_trainer(tmp_path, dpo_records(10), arch=arch, num_train_epochs=2)
    trainer.train()
    reader = open_store(str(tmp_path / "s.zarr"))
    df, _ = check_pairs(trainer, reader, trainer.model.disable_adapter, epochs=2)
    assert len(df) == 40 and reader.skipped == {}
    attrs = reader.run_attrs
    assert attrs["objective"] == "dpo" and attrs["dpo"] == {"beta": BETA, "loss_type": ["sigmoid"], "loss_weights": [1.0]}
    assert attrs["reference_activations"] == "reference_forward: PEFT adapters disabled"
    assert attrs["signatures"] == list(SIGS) + ["h_mean_ref"]


def test_dpo_with_an_explicit_reference_model(tmp_path):
    ref = tiny_causal_lm("llama", seed=1)  # another model: M0 activations must come from it, not from the policy
    trainer = dpo_trainer(tmp_path, dpo_records(6), peft=False, ref_model=ref)
    trainer.train()
    reader = open_store(str(tmp_path / "s.zarr"))
    check_pairs(trainer, reader, ref)
    assert reader.run_attrs["reference_activations"] == "reference_forward: ref_model"


def test_dpo_with_precomputed_reference_log_probs_records_first_visit(tmp_path):
    trainer = dpo_trainer(tmp_path, dpo_records(6), precompute_ref_log_probs=True)
    trainer.train()
    reader = open_store(str(tmp_path / "s.zarr"))
    check_pairs(trainer, reader, trainer.model.disable_adapter, ref_logps=True, names=SIGS)
    assert reader.run_attrs["reference_activations"] == "policy_first_visit"
    assert reader.signature_names == sorted(SIGS)


def test_bad_pairs_are_dropped_whole_or_stored_aligned(tmp_path):
    records = dpo_records(6)
    records += [
        {"prompt": "Q: empty chosen?", "chosen": "", "rejected": " no", "sample_id": "empty-chosen", "source": "bad"},
        {"prompt": "Q: empty rejected?", "chosen": " yes", "rejected": "", "sample_id": "empty-rejected", "source": "bad"},
        {"prompt": "Q: " + "long " * 12, "chosen": " a", "rejected": " b", "sample_id": "long-prompt", "source": "bad"},
        {"prompt": "Q: " + "w" * 30, "chosen": " c" * 8, "rejected": " d", "sample_id": "truncated", "source": "bad"},
    ]
    trainer = dpo_trainer(tmp_path, records, max_length=40)
    trainer.train()
    reader = open_store(str(tmp_path / "s.zarr"))
    df = reader.samples()
    pairs = pair_rows(df)
    # TRL drops a pair whose prompt alone fills max_length before training: it is absent, never half-stored.
    assert {pid for pid, _ in pairs} == {r["sample_id"] for r in records} - {"long-prompt"}
    eos = trainer.processing_class.eos_token_id
    for chosen, rejected in pairs.values():
        c, r = reader.tokens(chosen), reader.tokens(rejected)
        plen = df.prompt_len[chosen]
        assert df.prompt_len[rejected] == plen and list(c[:plen]) == list(r[:plen])  # one prompt per pair
        assert len(c) <= 40 and len(r) <= 40
    # An empty response is TRL's end-of-sequence token alone; a long completion is cut at max_length.
    assert list(reader.tokens(pairs[("empty-chosen", 0)][0]))[df.prompt_len[pairs[("empty-chosen", 0)][0]]:] == [eos]
    assert list(reader.tokens(pairs[("empty-rejected", 0)][1]))[df.prompt_len[pairs[("empty-rejected", 0)][1]]:] == [eos]
    assert df.n_tokens[pairs[("truncated", 0)][0]] == 40


def test_a_row_without_response_tokens_drops_its_whole_pair(tmp_path):
    class FirstChosenLosesItsCompletion(trl.trainer.dpo_trainer.DataCollatorForPreference):
        def torch_call(self, examples):
            out = super().torch_call(examples)
            out["completion_mask"][0] = 0
            return out

    trainer = dpo_trainer(tmp_path, dpo_records(10), data_collator=FirstChosenLosesItsCompletion(pad_token_id=0))
    trainer.train()
    reader = open_store(str(tmp_path / "s.zarr"))
    # Micro-batches of 4, 4 and 2 pairs: each loses its first pair.
    assert reader.skipped == {"no_response_tokens": 3, "incomplete_pair": 3}
    assert len(pair_rows(reader.samples())) == 7 and len(reader) == 14


def test_dpo_loss_types_that_couple_pairs_are_refused(tmp_path):
    with pytest.raises(CaptureConfigError, match=r"\['aot'\] couple the pairs"):
        dpo_trainer(tmp_path, dpo_records(4), loss_type="aot")


def test_dpo_with_an_sft_term_one_pair_per_micro_batch(tmp_path):
    # RPO-style loss: sigmoid x 0.7 + chosen NLL x 0.4. One pair per micro-batch, accumulation 3 over 5 pairs
    # (micro-batches 1, 1, 1 | 1, 1): each row holds the gradient of its own pair's weighted sum of both terms.
    trainer = dpo_trainer(tmp_path, dpo_records(5), loss_type=["sigmoid", "sft"], loss_weights=[0.7, 0.4],
                          per_device_train_batch_size=1, gradient_accumulation_steps=3)
    trainer.train()
    reader = open_store(str(tmp_path / "s.zarr"))
    df, _ = check_pairs(trainer, reader, trainer.model.disable_adapter, loss_weights=(0.7, 0.4))
    assert len(df) == 10 and reader.skipped == {}
    assert reader.run_attrs["dpo"] == {"beta": BETA, "loss_type": ["sigmoid", "sft"], "loss_weights": [0.7, 0.4]}


def test_dpo_sft_term_with_several_pairs_per_micro_batch_is_refused(tmp_path):
    # The term is a token mean over all chosen responses of the micro-batch: no pair has a gradient of its own.
    with pytest.raises(CaptureConfigError, match=r"\['sft'\] average over the tokens.*per_device_train_batch_size=2"):
        dpo_trainer(tmp_path, dpo_records(4), loss_type=["sigmoid", "sft"], per_device_train_batch_size=2)


@pytest.mark.parametrize("reentrant", [True, False])
def test_dpo_with_gradient_checkpointing_trl_default(tmp_path, reentrant):
    """TRL turns gradient checkpointing on by default: captures stay exact with it, reentrant or not, and the policy's
    checkpointed forward is never taken for the reference forward."""
    trainer = dpo_trainer(tmp_path, dpo_records(6), gradient_checkpointing=True,
                          gradient_checkpointing_kwargs={"use_reentrant": reentrant})
    trainer.train()
    trainer.model.gradient_checkpointing_disable()
    check_pairs(trainer, open_store(str(tmp_path / "s.zarr")), trainer.model.disable_adapter)


def test_dpo_gradients_are_unscaled_by_the_amp_loss_scale(tmp_path):
    """fp16 training multiplies the loss by the GradScaler's scale before backward (accelerator.backward); the stored
    per-pair gradients must not carry it. No GPU here: a CPU GradScaler stands in for the fp16 one."""
    trainer = dpo_trainer(tmp_path, dpo_records(6), max_grad_norm=0.0)
    trainer.accelerator.scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    trainer.train()
    check_pairs(trainer, open_store(str(tmp_path / "s.zarr")), trainer.model.disable_adapter)


def test_dpo_evaluation_during_training_is_not_captured(tmp_path):
    """Eval batches carry ids (same collator) through both the policy and the separate reference model."""
    eval_records = [dict(r, sample_id=f"eval-{i}") for i, r in enumerate(dpo_records(4, seed=1))]
    trainer = dpo_trainer(tmp_path, dpo_records(8), peft=False, ref_model=tiny_causal_lm("llama", seed=1),
                          eval_records=eval_records, eval_strategy="steps", eval_steps=1, per_device_eval_batch_size=2)
    trainer.train()
    assert any("eval_loss" in h for h in trainer.state.log_history)
    df = open_store(str(tmp_path / "s.zarr")).samples()
    assert len(df) == 16 and set(df.pair_id) == {f"pair-{i}" for i in range(8)}
