"""Resume mid-epoch with and without a loader that restores its position: refused, or exactly the rows trained.

Each test crashes a Lightning run (an exception injected at the start of a chosen step, after `ModelCheckpoint` saved
mid-epoch; the store outcome equals a SIGKILL's, since a resume drops every row after the checkpoint's step) and
resumes it with `Trainer.fit(ckpt_path=...)`. 16 samples, batch 4: 4 steps per epoch, a checkpoint after every step.
"""
import logging

import lightning.pytorch as pl
import pytest
import torch
from lightning.pytorch.callbacks import Callback, ModelCheckpoint
from torch.utils.data import DataLoader
from torchdata.stateful_dataloader import StatefulDataLoader

from capture_reference import collate, random_samples
from lightning_app import CausalLMModule, ListDataset
from provenance import open_store
from provenance.callbacks import ProvenanceCallback
from provenance.errors import CaptureConfigError, ResumeMismatchError
from provenance.models import tiny_causal_lm
from provenance.session import NOT_TRAINED_AFTER_RESUME

N, BATCH, EPOCHS = 16, 4, 2
IDS = [100 + i for i in range(N)]


class Crash(RuntimeError):
    pass


class CrashAtStep(Callback):
    """Raises at the start of the batch of global step `step`: the steps before it are trained and checkpointed."""

    def __init__(self, step: int):
        self.step = step

    def on_train_batch_start(self, trainer, *args):
        if trainer.global_step == self.step:
            raise Crash(f"injected crash at step {self.step}")


class BatchLog(Callback):
    """What the model is given to train on, seen apart from provenance: (sample_id, epoch, step) of every row."""

    def __init__(self):
        self.rows = []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        self.rows += [(int(i), trainer.current_epoch, trainer.global_step) for i in batch["sample_id"]]

    def batches(self) -> list[list[int]]:
        steps = sorted({s for _, _, s in self.rows})
        return [[i for i, _, s in self.rows if s == step] for step in steps]


def make_loader(kind: str, seed: int | None, samples):
    shuffle = seed is not None
    generator = torch.Generator().manual_seed(seed) if shuffle else None
    cls = StatefulDataLoader if kind == "stateful" else DataLoader
    return cls(ListDataset(samples), batch_size=BATCH, collate_fn=collate, shuffle=shuffle, generator=generator)


def train(tmp_path, *, kind="plain", seed=None, crash_at=None, resume_step=None, samples=None, log=None,
          **callback_kw):
    """One `Trainer.fit`; `resume_step` resumes from the checkpoint saved after that many steps."""
    torch.manual_seed(0)
    samples = samples or random_samples(N, seed=11)
    callbacks = [CrashAtStep(crash_at)] if crash_at is not None else []
    callbacks += [log or BatchLog(),
                  ProvenanceCallback(str(tmp_path / "s.zarr"), layers=[2, 4], shard_rows=8, chunk_rows=4, **callback_kw),
                  ModelCheckpoint(dirpath=tmp_path / "ckpt", every_n_train_steps=1, save_top_k=-1,
                                  filename="{epoch}-{step}")]
    trainer = pl.Trainer(max_epochs=EPOCHS, accelerator="cpu", devices=1, callbacks=callbacks, logger=False,
                         enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0)
    ckpt = None
    if resume_step is not None:
        ckpt = str(tmp_path / "ckpt" / f"epoch={(resume_step - 1) // (N // BATCH)}-step={resume_step}.ckpt")
    module = CausalLMModule(tiny_causal_lm("llama", seed=0), lr=1e-2)
    trainer.fit(module, train_dataloaders=make_loader(kind, seed, samples), ckpt_path=ckpt)
    return trainer


def crash(tmp_path, **kw):
    with pytest.raises(Crash):
        train(tmp_path, **kw)


def rows(tmp_path):
    """(sample_id, epoch, step) of every stored row, in store order, and the skip counts."""
    reader = open_store(str(tmp_path / "s.zarr"))
    df = reader.samples()
    return list(zip(df.sample_id.tolist(), df.epoch.tolist(), df.step.tolist())), reader.skipped


def uninterrupted_order(kind: str, seed: int | None, samples) -> list[list[int]]:
    """The ids each epoch of an uninterrupted run trains on, in order: the loader's first EPOCHS iterations."""
    loader = make_loader(kind, seed, samples)
    return [[int(i) for batch in loader for i in batch["sample_id"]] for _ in range(EPOCHS)]


def provenance_warnings(caplog):
    return [r.getMessage() for r in caplog.records if r.name.startswith("provenance") and r.levelno >= logging.WARNING]


def test_plain_loader_resumed_mid_epoch_is_refused_before_the_repeating_batch_trains(tmp_path):
    crash(tmp_path, crash_at=2)  # steps 0 and 1 trained, checkpoints after each
    # Resume after step 1: the loader restarts epoch 0, so its first batch is samples 100-103 again.
    with pytest.raises(ResumeMismatchError) as info:
        train(tmp_path, resume_step=1)
    msg = str(info.value)
    assert msg.startswith("resumed run 'default' rank 0 at step 1 (epoch 0): batch 1 after the resume (step 1) brings "
                          "again 4 of the 4 samples of epoch 0 stored before the checkpoint (sample_id 100, 101, "
                          "102, 103).")
    assert "The store is kept as at the checkpoint." in msg
    assert "torchdata.stateful_dataloader.StatefulDataLoader" in msg and "on_resume_mismatch='record'" in msg
    stored, skipped = rows(tmp_path)
    assert stored == [(i, 0, 0) for i in IDS[:4]] and skipped == {}


def test_plain_loader_refusal_can_come_batches_later_when_the_loader_reshuffles(tmp_path):
    # The resumed process's loader shuffles with another seed (as an unseeded one would): the samples stored before
    # the checkpoint come back only at a later batch, and training stops there.
    first, resumed = BatchLog(), BatchLog()
    crash(tmp_path, seed=3, crash_at=2, log=first)
    stored_before = [i for i, _, step in first.rows if step < 1]
    with pytest.raises(ResumeMismatchError) as info:
        train(tmp_path, seed=19, resume_step=1, log=resumed)
    batches = resumed.batches()
    clean = len(batches) - 1
    assert clean >= 1, "the seeds give at least one clean batch before the repeat"
    assert all(not set(b) & set(stored_before) for b in batches[:clean])
    repeated = [i for i in batches[clean] if i in stored_before]
    assert (f"batch {clean + 1} after the resume (step {clean + 1}) brings again {len(repeated)} of the 4 samples "
            f"of epoch 0 stored before the checkpoint (sample_id {', '.join(map(str, repeated))}).") in str(info.value)
    assert (f"those of the {clean} batch(es) trained since the resume, which a resume from the checkpoint drops"
            in str(info.value))
    stored, _ = rows(tmp_path)
    assert [i for i, _, _ in stored] == stored_before + [i for b in batches[:clean] for i in b]


def test_record_keeps_training_and_stores_what_the_model_trained_on(tmp_path, caplog):
    first, resumed = BatchLog(), BatchLog()
    crash(tmp_path, seed=3, crash_at=2, log=first)
    caplog.set_level(logging.WARNING)
    train(tmp_path, seed=19, resume_step=1, log=resumed, on_resume_mismatch="record")
    trained = [r for r in first.rows if r[2] < 1] + resumed.rows
    epoch0 = [i for i, e, _ in trained if e == 0]
    never = sorted(set(IDS) - set(epoch0))
    twice = sorted(i for i in set(epoch0) if epoch0.count(i) == 2)
    assert len(epoch0) == N and len(never) == len(twice) > 0
    stored, skipped = rows(tmp_path)
    assert stored == trained
    assert skipped == {NOT_TRAINED_AFTER_RESUME: len(never)}
    warnings = provenance_warnings(caplog)
    assert len(warnings) == 2
    batches = resumed.batches()
    nth = next(k for k, b in enumerate(batches) if set(b) & set(twice))
    repeated = [i for i in batches[nth] if i in twice]
    assert (f"batch {nth + 1} after the resume (step {nth + 1}) brings again {len(repeated)} of the 4 samples of "
            f"epoch 0 stored before the checkpoint (sample_id {', '.join(map(str, repeated))}); "
            "on_resume_mismatch='record': storing the rows the model trains on") in warnings[0]
    assert (f"epoch 0 (resumed): {len(never)} of its 16 samples were never trained, counted as skipped "
            f"'{NOT_TRAINED_AFTER_RESUME}'; {len(twice)} were trained twice") in warnings[1]


@pytest.mark.parametrize("seed", [None, 3], ids=["in-order", "shuffled"])
def test_stateful_loader_resumed_mid_epoch_stores_every_sample_epoch_once(tmp_path, caplog, seed):
    # Sample 101 has no response tokens: it is trained on (the loader yields it) but never stored; the checkpoint
    # must carry that, or the resumed epoch would count it as never trained.
    samples = random_samples(N, seed=11, no_response=(101 - 100,))
    first, resumed = BatchLog(), BatchLog()
    crash(tmp_path, kind="stateful", seed=seed, crash_at=3, samples=samples, log=first)
    caplog.set_level(logging.WARNING)
    train(tmp_path, kind="stateful", seed=seed, resume_step=2, samples=samples, log=resumed)
    trained = [r for r in first.rows if r[2] < 2] + resumed.rows
    assert sorted((i, e) for i, e, _ in trained) == [(i, e) for i in IDS for e in range(EPOCHS)]
    # The resumed epoch continues the interrupted one's order (after a resume, torchdata reshuffles later epochs
    # differently from an uninterrupted run, so only epoch 0 is compared with one).
    assert [i for i, e, _ in trained if e == 0] == uninterrupted_order("stateful", seed, samples)[0]
    stored, skipped = rows(tmp_path)
    assert stored == [r for r in trained if r[0] != 101]
    assert skipped == {"no_response_tokens": 2}
    assert provenance_warnings(caplog) == []


def test_plain_loader_resumed_at_an_epoch_boundary_is_exact_and_silent(tmp_path, caplog):
    crash(tmp_path, crash_at=5)  # epoch 0 (steps 0-3) and step 4 of epoch 1 trained
    caplog.set_level(logging.WARNING)
    train(tmp_path, resume_step=4)  # the checkpoint after the last step of epoch 0
    stored, skipped = rows(tmp_path)
    assert stored == [(i, e, e * 4 + k // BATCH) for e in range(EPOCHS) for k, i in enumerate(IDS)]
    assert skipped == {}
    assert provenance_warnings(caplog) == []


def test_on_resume_mismatch_is_validated():
    with pytest.raises(CaptureConfigError, match=r"on_resume_mismatch must be one of \('refuse', 'record'\), got 'drop'"):
        ProvenanceCallback("unused.zarr", on_resume_mismatch="drop")
