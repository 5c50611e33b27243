"""ProvenanceTrainerCallback in transformers.Trainer and TRL's SFTTrainer: exact per-sample capture, ids, refusals."""
import re

import pytest
import torch
from datasets import Dataset

from hf_app import (LAYERS, SIGS, assert_matches, captured, chat_tokenizer, cpu_args, lora_config, randomize_lora_b,
                    sft_records, sft_reference, single_thread, tiny_causal_lm, tiny_tokenizer)  # noqa: F401
from provenance import open_store
from provenance.callbacks import ProvenanceTrainerCallback
from provenance.errors import CaptureConfigError, CaptureInputError
from provenance.hf import derive_sample_id, with_sample_ids

pytestmark = pytest.mark.usefixtures("single_thread")
trl = pytest.importorskip("trl")


def sft_trainer(tmp_path, records, *, arch="llama", lora=True, tokenizer=None, callback=None, layers=LAYERS, **config):
    model = tiny_causal_lm(arch, seed=0)
    tok = tokenizer or tiny_tokenizer()
    cb = callback or ProvenanceTrainerCallback(str(tmp_path / "s.zarr"), layers=layers, encoding="float32")
    config.setdefault("max_length", 128)
    trainer = trl.SFTTrainer(model=model, args=cpu_args(trl.SFTConfig, tmp_path / "out", **config),
                             train_dataset=Dataset.from_list(records), processing_class=tok, callbacks=[cb],
                             peft_config=lora_config(model) if lora else None)
    if lora:
        randomize_lora_b(trainer.model)
    return trainer, cb


def check_against_reference(trainer, reader, epochs):
    """Every stored row equals the batch-size-1 autograd reference of its prepared example."""
    df = reader.samples()
    prepared = {row["sample_id"]: row for row in trainer.train_dataset}
    assert len(df) == len(prepared) * epochs
    assert sorted(zip(df.sample_id, df.epoch)) == sorted((sid, e) for sid in prepared for e in range(epochs))
    arrays = {}
    for row in range(len(df)):
        ex = prepared[df.sample_id[row]]
        labels = torch.tensor(ex["labels"])
        assert list(reader.tokens(row)) == list(ex["input_ids"])
        first_label = int((labels != -100).nonzero()[0])
        assert df.prompt_len[row] == max(first_label, 1)
        ref, ref_loss = sft_reference(trainer.model, ex["input_ids"], labels)
        assert df.loss[row] == pytest.approx(ref_loss, rel=1e-4), f"row {row} loss"
        assert_matches(captured(reader, row, arrays=arrays), ref, label=f"row {row} sample {df.sample_id[row]}")
    return df


@pytest.mark.parametrize("arch", ["llama", "qwen2"])
@pytest.mark.parametrize("fmt", ["prompt_completion", "messages", "text"])
def test_sft_capture_matches_batch_size_one_with_lora_and_accumulation(tmp_path, arch, fmt):
    records = sft_records(fmt, 10)
    extra = {"assistant_only_loss": True} if fmt == "messages" else {}
    # 10 samples, batch 4, accumulation 2: micro-batches 4, 4 | 2 -> steps 0, 0, 1 per epoch (uneven last step).
    trainer, _ = sft_trainer(tmp_path, records, arch=arch, tokenizer=chat_tokenizer() if fmt == "messages" else None,
                             num_train_epochs=2, **extra)
    trainer.train()
    reader = open_store(str(tmp_path / "s.zarr"))
    df = check_against_reference(trainer, reader, epochs=2)
    assert reader.skipped == {}
    assert sorted(set(df.source)) == ["src0", "src1", "src2"]
    assert sorted(df.step.unique().tolist()) == [0, 1, 2, 3]
    assert reader.run_attrs["trainer"] == "SFTTrainer" and reader.run_attrs["gradient_accumulation_steps"] == 2
    if fmt == "messages":  # the response is exactly the assistant turns (with their end-of-turn token)
        tok = trainer.processing_class
        for ex in trainer.train_dataset:
            response = tok.decode([t for t, l in zip(ex["input_ids"], ex["labels"]) if l != -100])
            assert response == "".join(m["content"] + "<|im_end|>" for m in ex["messages"] if m["role"] == "assistant")
    if fmt == "text":  # every token after the first is a response token
        assert (df.prompt_len == 1).all()


def test_plain_transformers_trainer_with_its_own_collator(tmp_path):
    """transformers.Trainer (logits path, HF's own loss), remove_unused_columns=True, DataCollatorForSeq2Seq."""
    from transformers import DataCollatorForSeq2Seq, Trainer, TrainingArguments

    from provenance.data import tokenize_sft

    tok = tiny_tokenizer()
    records = []
    for r in sft_records("prompt_completion", 9):
        enc = tokenize_sft(tok, r["prompt"], r["completion"], chat=False)
        records.append({**enc, "sample_id": r["sample_id"], "source": r["source"], "note": "ignored"})
    model = tiny_causal_lm("qwen2", seed=0)
    cb = ProvenanceTrainerCallback(str(tmp_path / "s.zarr"), layers=LAYERS, encoding="float32")
    trainer = Trainer(model=model, args=cpu_args(TrainingArguments, tmp_path / "out", num_train_epochs=2),
                      train_dataset=Dataset.from_list(records), callbacks=[cb],
                      data_collator=DataCollatorForSeq2Seq(tok, label_pad_token_id=-100))
    trainer.train()
    reader = open_store(str(tmp_path / "s.zarr"))
    check_against_reference(trainer, reader, epochs=2)
    assert reader.run_attrs["trainer"] == "Trainer"


def test_dataset_without_ids_gets_distinct_stable_ids_even_for_duplicate_rows(tmp_path):
    records = sft_records("prompt_completion", 6, with_ids=False)
    records += [dict(records[0]), dict(records[0])]  # three identical rows
    ds = Dataset.from_list(records)
    ids = with_sample_ids(ds)["sample_id"]
    assert ids == with_sample_ids(Dataset.from_list(records))["sample_id"]  # stable
    assert len(set(ids)) == 8 and all(re.fullmatch(r"\d+:[0-9a-f]{12}", i) for i in ids)
    assert ids[0].split(":")[1] == ids[6].split(":")[1] == ids[7].split(":")[1]  # same content, different index
    assert ids[6] == derive_sample_id(6, records[6])

    # Without the helper, the callback derives ids on the trainer's prepared dataset: still one row per example.
    trainer, _ = sft_trainer(tmp_path, records, lora=False, num_train_epochs=1)
    trainer.train()
    df = open_store(str(tmp_path / "s.zarr")).samples()
    assert len(df) == 8 and df.sample_id.nunique() == 8
    assert set(df.sample_id) == set(trainer.train_dataset["sample_id"])
    dup_rows = [i for i in range(8) if df.sample_id[i].startswith(("0:", "6:", "7:"))]
    assert len(dup_rows) == 3 and len({df.sample_id[i].split(":")[1] for i in dup_rows}) == 1


def test_duplicate_sample_ids_are_refused_when_the_trainer_is_built(tmp_path):
    records = sft_records("prompt_completion", 6)
    records[4]["sample_id"] = records[1]["sample_id"]
    with pytest.raises(CaptureConfigError, match=r"sample_id.*unique.*101"):
        sft_trainer(tmp_path, records)


@pytest.mark.parametrize("option", [{"packing": True}, {"padding_free": True, "max_length": None}])
def test_packing_and_padding_free_are_refused_when_the_trainer_is_built(tmp_path, option):
    with pytest.raises(CaptureConfigError, match="several samples in one sequence"):
        sft_trainer(tmp_path, sft_records("prompt_completion", 6), **option)


def test_bad_layer_fails_when_the_trainer_is_built(tmp_path):
    cb = ProvenanceTrainerCallback(str(tmp_path / "s.zarr"), layers=[9])
    with pytest.raises(CaptureConfigError, match=r"valid layers are 1\.\.4"):
        sft_trainer(tmp_path, sft_records("prompt_completion", 4), callback=cb)


def test_callback_added_after_construction_says_how_to_attach(tmp_path):
    trainer = trl.SFTTrainer(model=tiny_causal_lm("llama"), processing_class=tiny_tokenizer(),
                             args=cpu_args(trl.SFTConfig, tmp_path / "out", max_length=64),
                             train_dataset=Dataset.from_list(sft_records("prompt_completion", 4)))
    trainer.add_callback(ProvenanceTrainerCallback(str(tmp_path / "s.zarr"), layers=[1]))
    with pytest.raises(CaptureInputError, match=r"callbacks=\[cb\]"):
        trainer.train()


def test_existing_run_fails_and_auto_layers_are_recorded(tmp_path):
    cb = ProvenanceTrainerCallback(str(tmp_path / "s.zarr"))  # layers="auto"
    trainer, _ = sft_trainer(tmp_path, sft_records("prompt_completion", 4), callback=cb, lora=False)
    trainer.train()
    reader = open_store(str(tmp_path / "s.zarr"))
    choice = reader.run_attrs["layer_choice"]
    assert reader.layers == sorted(set(choice["spread"]) | {choice["argmin_cos"]})
    assert len(reader) == 4 and set(reader.signature_names) == set(SIGS)
    from provenance.errors import StoreExistsError

    again, _ = sft_trainer(tmp_path, sft_records("prompt_completion", 4), lora=False,
                           callback=ProvenanceTrainerCallback(str(tmp_path / "s.zarr")))
    with pytest.raises(StoreExistsError, match="run"):
        again.train()


@pytest.mark.parametrize("reentrant", [True, False])
def test_sft_with_gradient_checkpointing_trl_default(tmp_path, reentrant):
    trainer, _ = sft_trainer(tmp_path, sft_records("prompt_completion", 6), gradient_checkpointing=True,
                             gradient_checkpointing_kwargs={"use_reentrant": reentrant})
    trainer.train()
    trainer.model.gradient_checkpointing_disable()
    check_against_reference(trainer, open_store(str(tmp_path / "s.zarr")), epochs=1)


def test_a_second_train_call_is_refused_instead_of_silently_not_captured(tmp_path):
    trainer, _ = sft_trainer(tmp_path, sft_records("prompt_completion", 4), lora=False)
    trainer.train()
    with pytest.raises(CaptureConfigError, match="already captured one train"):
        trainer.train()
    assert len(open_store(str(tmp_path / "s.zarr"))) == 4


def test_evaluation_during_training_is_not_captured(tmp_path):
    """Eval batches go through the same (wrapped) collator; ids on them are stripped before the model, never stored."""
    model = tiny_causal_lm("llama", seed=0)
    cb = ProvenanceTrainerCallback(str(tmp_path / "s.zarr"), layers=[1], encoding="float32")
    trainer = trl.SFTTrainer(model=model, processing_class=tiny_tokenizer(), callbacks=[cb],
                             args=cpu_args(trl.SFTConfig, tmp_path / "out", max_length=64, eval_strategy="steps",
                                           eval_steps=1, per_device_eval_batch_size=2),
                             train_dataset=Dataset.from_list(sft_records("prompt_completion", 8)),
                             eval_dataset=Dataset.from_list(sft_records("prompt_completion", 4, seed=1)))
    trainer.train()
    assert "eval_loss" in trainer.state.log_history[-2]
    df = open_store(str(tmp_path / "s.zarr")).samples()
    assert len(df) == 8 and sorted(df.sample_id) == list(range(100, 108))
