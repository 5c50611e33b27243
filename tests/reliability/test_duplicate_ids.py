"""A sample id that comes twice in one epoch on a rank is refused on every capture path, naming the ids and epoch."""
import lightning.pytorch as pl
import pytest
import torch
from datasets import Dataset, IterableDataset
from torch.utils.data import DataLoader

from capture_reference import collate, random_samples
from hf_app import cpu_args, dpo_records, sft_records, single_thread, tiny_tokenizer  # noqa: F401
from lightning_app import CausalLMModule, ListDataset
from provenance import open_store
from provenance.callbacks import ProvenanceCallback, ProvenanceTrainerCallback
from provenance.epoch_ledger import EpochLedger, row_keys
from provenance.errors import CaptureConfigError, CaptureInputError
from provenance.hf import ProvenanceDataCollator
from provenance.models import tiny_causal_lm

trl = pytest.importorskip("trl")


def fit_lightning(tmp_path, samples, *, epochs=1, batch=4):
    loader = DataLoader(ListDataset(samples), batch_size=batch, collate_fn=collate, shuffle=False)
    trainer = pl.Trainer(max_epochs=epochs, accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
                         callbacks=[ProvenanceCallback(str(tmp_path / "s.zarr"), layers=[1, 3])])
    trainer.fit(CausalLMModule(tiny_causal_lm("llama", seed=0)), train_dataloaders=loader)


def stored_ids(tmp_path):
    return open_store(str(tmp_path / "s.zarr")).samples().sample_id.tolist()


def test_lightning_refuses_an_id_repeated_inside_one_batch_before_it_trains(tmp_path):
    samples = random_samples(8, seed=3)
    samples[2]["sample_id"] = samples[1]["sample_id"]  # 101 twice in the first batch
    with pytest.raises(CaptureInputError) as info:
        fit_lightning(tmp_path, samples)
    assert str(info.value).startswith("rank 0, epoch 0, step 0: 1 sample id(s) come more than once in this epoch "
                                      "(101 x2). A store holds one row per (sample_id, epoch): two rows under one id "
                                      "could not be told apart. Fix: make every record's sample_id unique")
    assert stored_ids(tmp_path) == []


def test_lightning_refuses_an_id_repeated_in_a_later_batch_of_the_epoch(tmp_path):
    samples = random_samples(12, seed=3)
    samples[9]["sample_id"] = samples[2]["sample_id"]  # 102 in batch 0 and batch 2
    samples[10]["sample_id"] = samples[5]["sample_id"]  # 105 in batch 1 and batch 2
    with pytest.raises(CaptureInputError) as info:
        fit_lightning(tmp_path, samples)
    assert "rank 0, epoch 0, step 2: 2 sample id(s) come more than once in this epoch (102 x2, 105 x2)" in str(info.value)
    assert "WeightedRandomSampler" in str(info.value) and "with_sample_ids" in str(info.value)
    assert stored_ids(tmp_path) == [100 + i for i in range(8)]  # the two batches before the refused one


def test_the_same_id_in_the_next_epoch_is_normal(tmp_path):
    fit_lightning(tmp_path, random_samples(8, seed=3), epochs=3)
    df = open_store(str(tmp_path / "s.zarr")).samples()
    assert sorted(zip(df.sample_id, df.epoch)) == sorted((100 + i, e) for i in range(8) for e in range(3))


@pytest.mark.usefixtures("single_thread")
def test_trl_sft_on_a_streaming_dataset_refuses_a_repeated_id_at_its_batch(tmp_path):
    # A streaming dataset cannot be checked up front (its length is unknown): the batch bringing the id again is
    # refused. 8 records, batch 4, no shuffling of an iterable dataset: record 6 repeats record 1's id at step 1.
    records = sft_records("prompt_completion", 8)
    records[6]["sample_id"] = records[1]["sample_id"]
    train = IterableDataset.from_generator(lambda: iter(records))
    cb = ProvenanceTrainerCallback(str(tmp_path / "s.zarr"), layers=[1, 3])
    trainer = trl.SFTTrainer(model=tiny_causal_lm("llama", seed=0), train_dataset=train, callbacks=[cb],
                             processing_class=tiny_tokenizer(),
                             args=cpu_args(trl.SFTConfig, tmp_path / "out", max_steps=4, max_length=64,
                                           gradient_accumulation_steps=1))
    with pytest.raises(CaptureInputError, match=r"rank 0, epoch 0, step 1: 1 sample id\(s\) come more than once in "
                                                r"this epoch \(101 x2\)"):
        trainer.train()
    assert stored_ids(tmp_path) == [100, 101, 102, 103]


@pytest.mark.usefixtures("single_thread")
def test_dpo_dataset_with_a_repeated_pair_id_is_refused_when_the_trainer_is_built(tmp_path):
    records = dpo_records(6)
    records[4]["sample_id"] = records[1]["sample_id"]
    with pytest.raises(CaptureConfigError, match=r"sample_id.*unique.*1 id\(s\) repeat \('pair-1' x2\)"):
        trl.DPOTrainer(model=tiny_causal_lm("llama", seed=0), train_dataset=Dataset.from_list(records),
                       processing_class=tiny_tokenizer(), callbacks=[ProvenanceTrainerCallback(str(tmp_path / "s.zarr"))],
                       args=cpu_args(trl.DPOConfig, tmp_path / "out", max_length=64))


def test_dpo_pair_rows_share_their_id_but_a_repeated_pair_is_refused():
    """The ledger's keys of DPO batches as ProvenanceDataCollator builds them: (pair id, role)."""
    collator = ProvenanceDataCollator(lambda ex: {"input_ids": torch.zeros(2 * len(ex), 3)}, pairs=True, armed=True)
    ledger = EpochLedger(rank=1)
    first = row_keys(collator([{"sample_id": "pair-0"}, {"sample_id": "pair-1"}]))
    assert first == [("pair-0", "chosen"), ("pair-1", "chosen"), ("pair-0", "rejected"), ("pair-1", "rejected")]
    assert ledger.admit(first, epoch=0, step=0) == []
    again = row_keys(collator([{"sample_id": "pair-2"}, {"sample_id": "pair-1"}]))
    with pytest.raises(CaptureInputError, match=r"^rank 1, epoch 0, step 1: 2 sample id\(s\) come more than once in "
                                                r"this epoch \(\('pair-1', 'chosen'\) x2, \('pair-1', 'rejected'\) x2\)"):
        ledger.admit(again, epoch=0, step=1)
    assert ledger.admit(first, epoch=1, step=2) == []  # a new epoch


def test_after_a_resumed_epoch_a_repeated_id_is_a_duplicate_again():
    ledger = EpochLedger()
    ledger.resume(0, stored_keys=[100, 101])
    assert ledger.admit([100, 102], epoch=0, step=3) == [100]  # a replay of a stored row: the session decides
    ledger.admit([100, 101], epoch=1, step=4)
    with pytest.raises(CaptureInputError, match=r"^rank 0, epoch 1, step 5: 1 sample id\(s\) come more than once in "
                                                r"this epoch \(101 x2\)"):
        ledger.admit([101], epoch=1, step=5)
