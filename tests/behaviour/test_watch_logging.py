"""The live watch inside Lightning and the Hugging Face Trainer: the stored series against a hand computation from the
stored g_mean rows, the values read back from the loggers' files, setup refusals and stopping on an alarm."""
import glob
import importlib.util

import lightning.pytorch as pl
import numpy as np
import pandas as pd
import pytest
import torch
from torch.utils.data import DataLoader

from capture_reference import collate, random_samples
from lightning_app import CausalLMModule, ListDataset
from provenance import open_store
from provenance.behaviour.watch import Watch
from provenance.behaviour.watch_alarm import ThresholdAlarm
from provenance.behaviour.watch_series import read_watch_series
from provenance.callbacks import ProvenanceCallback
from provenance.errors import CaptureConfigError
from provenance.models import tiny_causal_lm

HIDDEN = 32
HAS_TB = importlib.util.find_spec("tensorboard") is not None
needs_tb = pytest.mark.skipif(not HAS_TB, reason="tensorboard is not installed (pip install tensorboard)")


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def watches(seed=0, alarm=None):
    rng = np.random.default_rng(seed)
    return [Watch.from_vector("a", rng.normal(size=HIDDEN), 1, alarm=alarm),
            Watch.from_vector("b", rng.normal(size=HIDDEN), 3), Watch.from_vector("c", rng.normal(size=HIDDEN), 1)]


def fit(tmp_path, callback, *, samples=None, loggers=False, epochs=2, batch=4, **kw):
    samples = samples or random_samples(12, seed=5)
    loader = DataLoader(ListDataset(samples), batch_size=batch, collate_fn=collate, shuffle=False)
    trainer = pl.Trainer(max_epochs=epochs, accelerator="cpu", devices=1, callbacks=[callback], logger=loggers,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                         num_sanity_val_steps=0, log_every_n_steps=1, **kw)
    trainer.fit(CausalLMModule(tiny_causal_lm("llama", seed=0), lr=0.05), train_dataloaders=loader)
    return trainer


def hand_series(store: str, ws) -> pd.DataFrame:
    """Per (step, source, watch): rows, push sum and cumulative push, from the g_mean rows the store holds."""
    reader = open_store(store)
    df = reader.samples()
    out = []
    for w in ws:
        v = w.direction / np.linalg.norm(w.direction)
        push = -(reader.array(w.layer, "g_mean").astype(np.float64) @ v)
        part = pd.DataFrame({"step": df.step, "source": df.source, "push": push})
        g = part.groupby(["step", "source"]).agg(rows=("push", "size"), push_sum=("push", "sum")).reset_index()
        g["watch"] = w.name
        g["cum_push"] = g.groupby("source")["push_sum"].cumsum()
        out.append(g)
    return pd.concat(out).sort_values(["step", "watch", "source"]).reset_index(drop=True)


def test_lightning_series_matches_stored_g_mean_and_csv_logger_reads_back(tmp_path):
    from lightning.pytorch.loggers import CSVLogger

    store = str(tmp_path / "s.zarr")
    ws = watches()
    fit(tmp_path, ProvenanceCallback(store, layers=[1, 3], encoding="float32", watches=ws),
        loggers=[CSVLogger(str(tmp_path / "logs"), name="csv")])
    series = read_watch_series(store).combined()
    hand = hand_series(store, ws)
    assert len(series) == len(hand) == 6 * 3 * 3  # 6 steps x 3 sources x 3 watches
    for col in ("step", "source", "watch", "rows"):
        assert series[col].tolist() == hand[col].tolist()
    np.testing.assert_allclose(series.push_sum, hand.push_sum, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(series.cum_push, hand.cum_push, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(series.push_mean, hand.push_sum / hand.rows, rtol=1e-5, atol=1e-7)
    # The CSV logger got the same cumulative curve, one value per step.
    csv = pd.read_csv(glob.glob(str(tmp_path / "logs" / "csv" / "*" / "metrics.csv"))[0])
    for watch, source in [("a", "src0"), ("b", "src2"), ("c", "src1")]:
        logged = csv[f"provenance_watch/{watch}/{source}/cum_push"].dropna().to_numpy()
        mine = hand[(hand.watch == watch) & (hand.source == source)]
        np.testing.assert_allclose(logged, mine.cum_push.to_numpy(), rtol=1e-5, atol=1e-7)
        means = csv[f"provenance_watch/{watch}/{source}/push_mean"].dropna().to_numpy()
        np.testing.assert_allclose(means, (mine.push_sum / mine.rows).to_numpy(), rtol=1e-5, atol=1e-7)


def test_default_encoding_series_matches_stored_rows_within_float16(tmp_path):
    store = str(tmp_path / "s.zarr")
    ws = watches(1)
    fit(tmp_path, ProvenanceCallback(store, layers=[1, 3], watches=ws), epochs=1)
    series = read_watch_series(store).combined()
    hand = hand_series(store, ws)
    reader = open_store(store)
    # float16 payloads with a per-row scale: each stored value is within ~1e-3 of the row's largest |value|.
    scale = {w.name: np.abs(reader.array(w.layer, "g_mean")).max() for w in ws}
    tol = np.array([2e-3 * scale[w] * n for w, n in zip(hand.watch, hand.rows)])
    assert (np.abs(series.push_sum.to_numpy() - hand.push_sum.to_numpy()) <= tol).all()
    assert np.abs(series.push_sum).max() > 50 * tol.max()  # the tolerance is far below the values compared


@needs_tb
def test_lightning_tensorboard_logger_reads_back(tmp_path):
    from lightning.pytorch.loggers import TensorBoardLogger
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    store = str(tmp_path / "s.zarr")
    ws = watches(2)
    fit(tmp_path, ProvenanceCallback(store, layers=[1, 3], encoding="float32", watches=ws),
        loggers=[TensorBoardLogger(str(tmp_path / "tb"), name="run")])
    events = EventAccumulator(glob.glob(str(tmp_path / "tb" / "run" / "*"))[0]).Reload()
    hand = hand_series(store, ws)
    for watch, source in [("a", "src1"), ("b", "src0")]:
        scalars = events.Scalars(f"provenance_watch/{watch}/{source}/cum_push")
        mine = hand[(hand.watch == watch) & (hand.source == source)]
        np.testing.assert_allclose([s.value for s in scalars], mine.cum_push.to_numpy(), rtol=1e-5, atol=1e-6)


def test_setup_refuses_a_wrong_width_or_an_uncaptured_layer_naming_layers_and_hidden_size(tmp_path):
    wide = [Watch.from_vector("wide", np.ones(HIDDEN + 1), 1)]
    with pytest.raises(CaptureConfigError, match=r"watch 'wide': direction has 33 values but the model's hidden size "
                                                 r"is 32 \(captured layers \[1, 3\]\)"):
        fit(tmp_path, ProvenanceCallback(str(tmp_path / "a.zarr"), layers=[1, 3], watches=wide))
    elsewhere = [Watch.from_vector("l2", np.ones(HIDDEN), 2)]
    with pytest.raises(CaptureConfigError, match=r"watch 'l2' is at layer 2, which capture does not keep: captured "
                                                 r"layers \[1, 3\], hidden size 32"):
        fit(tmp_path, ProvenanceCallback(str(tmp_path / "b.zarr"), layers=[1, 3], watches=elsewhere))
    # "auto" layers ([1, 2, 3] here) are chosen at the first batch: the refusal comes then, before that batch trains.
    at4 = [Watch.from_vector("l4", np.ones(HIDDEN), 4)]
    module = CausalLMModule(tiny_causal_lm("llama", seed=0), lr=0.5)
    before = {k: v.clone() for k, v in module.model.state_dict().items()}
    trainer = pl.Trainer(max_epochs=1, accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False,
                         callbacks=[ProvenanceCallback(str(tmp_path / "c.zarr"), watches=at4)])
    loader = DataLoader(ListDataset(random_samples(4, seed=1)), batch_size=4, collate_fn=collate)
    with pytest.raises(CaptureConfigError, match=r"watch 'l4' is at layer 4, which capture does not keep: captured "
                                                 r"layers \[1, 2, 3\], hidden size 32"):
        trainer.fit(module, train_dataloaders=loader)
    assert all(torch.equal(module.model.state_dict()[k], v) for k, v in before.items())  # nothing trained
    with pytest.raises(CaptureConfigError, match="watches read each row's g_mean, but capture keeps only"):
        fit(tmp_path, ProvenanceCallback(str(tmp_path / "d.zarr"), layers=[1], signatures=("h_mean",),
                                         watches=[Watch.from_vector("a", np.ones(HIDDEN), 1)]))


def test_an_alarm_with_stop_stops_lightning_training(tmp_path):
    store = str(tmp_path / "s.zarr")
    ws = watches(3, alarm=ThresholdAlarm(threshold=-1e9, stop=True))  # fires as the first step closes
    trainer = fit(tmp_path, ProvenanceCallback(store, layers=[1, 3], watches=ws), epochs=3)
    assert trainer.global_step == 1  # 9 steps without the alarm
    alarms = read_watch_series(store).alarms
    assert {(a["watch"], a["step"], a["stop"]) for a in alarms} == {("a", 0, True)}
    assert {a["source"] for a in alarms} == {"src0", "src1", "src2"}


# ---- Hugging Face Trainer (TRL's SFTTrainer) --------------------------------------------------------------------
def sft_with_watch(tmp_path, ws, **config):
    trl = pytest.importorskip("trl")
    from datasets import Dataset

    from hf_app import cpu_args, sft_records
    from provenance.callbacks import ProvenanceTrainerCallback
    from provenance.models import tiny_tokenizer

    cb = ProvenanceTrainerCallback(str(tmp_path / "s.zarr"), layers=[1, 3], encoding="float32", watches=ws)
    config.setdefault("max_length", 128)
    args = cpu_args(trl.SFTConfig, tmp_path / "out", learning_rate=0.05, **config)
    trainer = trl.SFTTrainer(model=tiny_causal_lm("llama", seed=0), args=args, processing_class=tiny_tokenizer(),
                             train_dataset=Dataset.from_list(sft_records("prompt_completion", 12)), callbacks=[cb])
    return trainer


@needs_tb
def test_hf_on_log_reaches_report_to_tensorboard_and_log_history(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    ws = watches(4)
    trainer = sft_with_watch(tmp_path, ws, report_to="tensorboard", num_train_epochs=2, logging_steps=1)
    trainer.train()
    store = str(tmp_path / "s.zarr")
    hand = hand_series(store, ws)
    assert sorted(hand.step.unique()) == [0, 1, 2, 3]  # 12 rows, micro-batches of 4, accumulation 2, 2 epochs
    series = read_watch_series(store).combined()
    np.testing.assert_allclose(series.cum_push, hand.cum_push, rtol=1e-5, atol=1e-7)
    events = EventAccumulator(glob.glob(str(tmp_path / "out" / "runs" / "*"))[0]).Reload()
    for watch, source in [("a", "src0"), ("b", "src1"), ("c", "src2")]:
        scalars = events.Scalars(f"train/provenance_watch/{watch}/{source}/cum_push")
        by_step = {s.step: s.value for s in scalars}  # the final summary log repeats the last step's value
        mine = hand[(hand.watch == watch) & (hand.source == source)]
        # The log at global step k follows the optimizer step k, which closed the rows captured at step k - 1.
        assert sorted(by_step) == [1, 2, 3, 4]
        np.testing.assert_allclose([by_step[k] for k in sorted(by_step)], mine.cum_push.to_numpy(), rtol=1e-5)
    logged = [h for h in trainer.state.log_history if "loss" in h]
    assert logged[-1]["provenance_watch/a/src0/cum_push"] == pytest.approx(
        float(hand[(hand.watch == "a") & (hand.source == "src0")].cum_push.iloc[-1]), rel=1e-5)


def test_hf_alarm_with_stop_sets_should_training_stop(tmp_path):
    ws = watches(5, alarm=ThresholdAlarm(threshold=-1e9, stop=True))
    trainer = sft_with_watch(tmp_path, ws, num_train_epochs=3)
    trainer.train()
    assert trainer.state.global_step == 1  # 6 steps without the alarm
    alarms = read_watch_series(str(tmp_path / "s.zarr")).alarms
    assert {(a["watch"], a["step"], a["stop"]) for a in alarms} == {("a", 0, True)}


def test_a_resumed_run_continues_the_series_as_if_never_interrupted(tmp_path):
    from lightning.pytorch.callbacks import Callback, ModelCheckpoint

    class CrashAt(Callback):
        def on_train_batch_start(self, trainer, *args):
            if trainer.global_step == 4:
                raise RuntimeError("killed (simulated)")

    samples = random_samples(12, seed=9)
    ws = watches(6)

    def trainer_for(store, extra, ckpt_dir=None):
        callbacks = [ProvenanceCallback(store, layers=[1, 3], encoding="float32", watches=ws), *extra]
        if ckpt_dir is not None:
            callbacks.append(ModelCheckpoint(dirpath=ckpt_dir, every_n_epochs=1, save_top_k=-1,
                                             save_on_train_epoch_end=True))
        return pl.Trainer(max_epochs=2, accelerator="cpu", devices=1, logger=False, enable_progress_bar=False,
                          enable_model_summary=False, num_sanity_val_steps=0, callbacks=callbacks,
                          enable_checkpointing=ckpt_dir is not None)

    def loader():
        return DataLoader(ListDataset(samples), batch_size=4, collate_fn=collate, shuffle=False)

    whole = str(tmp_path / "whole.zarr")
    trainer_for(whole, []).fit(CausalLMModule(tiny_causal_lm("llama", seed=0), lr=0.05), train_dataloaders=loader())
    store = str(tmp_path / "resumed.zarr")
    with pytest.raises(RuntimeError, match="killed"):
        trainer_for(store, [CrashAt()], tmp_path / "ck").fit(
            CausalLMModule(tiny_causal_lm("llama", seed=0), lr=0.05), train_dataloaders=loader())
    # Killed at step 4: the series holds steps 0-3, the checkpoint is at the end of epoch 1 (step 3).
    assert sorted(read_watch_series(store).records.step.unique()) == [0, 1, 2, 3]
    ckpt = glob.glob(str(tmp_path / "ck" / "*.ckpt"))
    assert len(ckpt) == 1
    trainer_for(store, [], tmp_path / "ck2").fit(CausalLMModule(tiny_causal_lm("llama", seed=0), lr=0.05),
                                                 train_dataloaders=loader(), ckpt_path=ckpt[0])
    resumed, reference = read_watch_series(store).combined(), read_watch_series(whole).combined()
    assert len(resumed) == len(reference) == 6 * 3 * 3
    for col in ("step", "source", "watch", "rows"):
        assert resumed[col].tolist() == reference[col].tolist()
    np.testing.assert_allclose(resumed.cum_push, reference.cum_push, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(resumed.push_sum, hand_series(store, ws).push_sum, rtol=1e-5, atol=1e-9)
