"""ProvenanceCallback inside real Lightning training loops."""
import pytest
import lightning.pytorch as pl
import torch
from torch.utils.data import DataLoader

from capture_reference import assert_matches, collate, random_samples, reference_signatures
from lightning_app import CausalLMModule, ListDataset
from provenance import open_store
from provenance.callbacks import ProvenanceCallback
from provenance.errors import CaptureConfigError, CaptureInputError
from provenance.errors import StoreExistsError, StoreMismatchError, StoreWriteError
from provenance.models import tiny_causal_lm


def fit(module, samples, callback, *, batch=8, epochs=1, accumulate=1, ckpt_path=None, **trainer_kw):
    loader = DataLoader(ListDataset(samples), batch_size=batch, collate_fn=collate, shuffle=False)
    trainer = pl.Trainer(max_epochs=epochs, accelerator="cpu", devices=1, callbacks=[callback], logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                         accumulate_grad_batches=accumulate, num_sanity_val_steps=0, **trainer_kw)
    trainer.fit(module, train_dataloaders=loader, ckpt_path=ckpt_path)
    return trainer


def test_capture_is_exact_under_gradient_accumulation(tmp_path):
    samples = random_samples(17, seed=21, no_response=(16,))
    model = tiny_causal_lm("llama", seed=0)
    store = str(tmp_path / "s.zarr")
    # lr=0 keeps the weights fixed so every epoch's capture can be compared with one reference.
    fit(CausalLMModule(model, lr=0.0), samples, ProvenanceCallback(store, layers=[1, 4], encoding="float32"),
        batch=8, epochs=2, accumulate=2)
    reader = open_store(store)
    df = reader.samples()
    assert len(df) == 32
    assert sorted(zip(df.sample_id, df.epoch)) == sorted((100 + i, e) for i in range(16) for e in range(2))
    assert reader.skipped == {"no_response_tokens": 2}
    assert set(df.source) == {"src0", "src1", "src2"}
    # 3 batches per epoch (8, 8, 1), accumulation 2 -> optimizer steps 0,0,1 then 2,2,3 at capture time.
    assert list(df.step) == [0] * 8 + [0] * 8 + [2] * 8 + [2] * 8
    arrays = {(l, n): reader.array(l, n) for l in (1, 4) for n in ("h_last", "g_last", "h_mean", "g_mean")}
    for s in samples[:16]:
        ref, ref_loss = reference_signatures(model, s, [1, 4])
        for row in df.index[df.sample_id == s["sample_id"]]:
            captured = {l: {n: arrays[(l, n)][row] for n in ("h_last", "g_last", "h_mean", "g_mean")} for l in (1, 4)}
            assert_matches(captured, ref, label=f"sample {s['sample_id']} row {row}")
            assert df.loss[row] == pytest.approx(ref_loss, rel=1e-4)


def test_default_encoding_round_trips_within_float16_precision(tmp_path):
    samples = random_samples(8, seed=22)
    model = tiny_causal_lm("qwen2", seed=0)
    store = str(tmp_path / "s.zarr")
    fit(CausalLMModule(model), samples, ProvenanceCallback(store, layers=[2]))
    reader = open_store(store)
    assert reader.run_attrs["encoding"] == {"name": "float16-rowscale", "payload_dtype": "float16", "scale": True}
    for row, s in enumerate(samples):
        ref, _ = reference_signatures(model, s, [2])
        captured = {2: {n: reader.array(2, n)[row] for n in ("h_last", "g_last", "h_mean", "g_mean")}}
        assert_matches(captured, ref, h_atol=5e-3, g_cos=0.9999, g_ratio=2e-3)
        assert list(reader.tokens(row)) == s["input_ids"].tolist()
    assert list(reader.samples().prompt_len) == [int((s["labels"] == -100).sum()) for s in samples]


def test_auto_layers_spread_plus_argmin_cos_recorded(tmp_path):
    model = tiny_causal_lm("llama", seed=0, num_layers=8)
    store = str(tmp_path / "s.zarr")
    fit(CausalLMModule(model), random_samples(8, seed=23), ProvenanceCallback(store))
    reader = open_store(store)
    choice = reader.run_attrs["layer_choice"]
    assert choice["spread"] == [2, 4, 6, 7]
    assert sorted(int(k) for k in choice["cos_curve"]) == list(range(2, 8))
    curve = {int(k): v for k, v in choice["cos_curve"].items()}
    assert choice["argmin_cos"] == min(curve, key=curve.get)
    assert reader.layers == sorted(set(choice["spread"]) | {choice["argmin_cos"]})
    assert "layer_convention" in reader.run_attrs


def test_missing_sample_id_fails_at_first_batch_with_how_to(tmp_path):
    samples = [{k: v for k, v in s.items() if k != "sample_id"} for s in random_samples(4, seed=24)]
    loader_collate = lambda b: {k: v for k, v in collate([dict(s, sample_id=0) for s in b]).items() if k != "sample_id"}  # noqa: E731
    loader = DataLoader(ListDataset(samples), batch_size=4, collate_fn=loader_collate)
    trainer = pl.Trainer(max_epochs=1, accelerator="cpu", logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, callbacks=[ProvenanceCallback(str(tmp_path / "s.zarr"), layers=[1])])
    with pytest.raises(CaptureInputError, match="sample_id.*Dataset"):
        trainer.fit(CausalLMModule(tiny_causal_lm("llama")), train_dataloaders=loader)


class _NoStepModule(CausalLMModule):
    def training_step(self, batch, batch_idx):
        raise AssertionError("training must not start")


def test_bad_layer_fails_fast_in_setup(tmp_path):
    with pytest.raises(CaptureConfigError, match=r"valid layers are 1\.\.4"):
        fit(_NoStepModule(tiny_causal_lm("llama")), random_samples(4), ProvenanceCallback(str(tmp_path / "s.zarr"), layers=[7]))


def test_store_of_another_model_and_existing_run_fail_in_setup(tmp_path):
    store = str(tmp_path / "s.zarr")
    fit(CausalLMModule(tiny_causal_lm("llama")), random_samples(4), ProvenanceCallback(store, layers=[1]))
    with pytest.raises(StoreMismatchError, match="config_hash"):
        fit(_NoStepModule(tiny_causal_lm("gpt2")), random_samples(4), ProvenanceCallback(store, run="other", layers=[1]))
    with pytest.raises(StoreExistsError, match="run"):
        fit(_NoStepModule(tiny_causal_lm("llama")), random_samples(4), ProvenanceCallback(store, layers=[1]))
    # Explicit overwrite is allowed and leaves exactly the new rows.
    fit(CausalLMModule(tiny_causal_lm("llama")), random_samples(2), ProvenanceCallback(store, layers=[1], overwrite=True))
    assert len(open_store(store)) == 2


def test_writer_failure_stops_training_with_the_error(tmp_path, monkeypatch):
    from lightning.pytorch.callbacks import ModelCheckpoint

    from provenance.store import writer as writer_mod

    store = str(tmp_path / "s.zarr")
    calls = {"n": 0}
    original = writer_mod.StoreWriter._process

    def failing(self, rows):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full (simulated)")
        return original(self, rows)

    monkeypatch.setattr(writer_mod.StoreWriter, "_process", failing)
    loader = DataLoader(ListDataset(random_samples(16)), batch_size=4, collate_fn=collate)
    # A checkpoint after every step flushes (commits) the rows before it; the third batch's write fails.
    trainer = pl.Trainer(max_epochs=1, accelerator="cpu", logger=False, enable_progress_bar=False,
                         callbacks=[ProvenanceCallback(store, layers=[1]),
                                    ModelCheckpoint(dirpath=tmp_path / "ck", every_n_train_steps=1, save_top_k=-1)])
    with pytest.raises(StoreWriteError) as err:
        trainer.fit(CausalLMModule(tiny_causal_lm("llama")), train_dataloaders=loader)
    assert "disk full" in repr(err.value.__cause__)
    assert trainer.global_step <= 3
    reader = open_store(store)
    assert len(reader) == 8 and list(reader.samples().sample_id) == list(range(100, 108))


def test_packed_rows_are_refused(tmp_path):
    def packed_collate(items):
        batch = collate(items)
        batch["position_ids"][:, 5:] = torch.arange(batch["input_ids"].shape[1] - 5)  # a second sample starts at 5
        return batch

    loader = DataLoader(ListDataset(random_samples(4, min_len=12)), batch_size=4, collate_fn=packed_collate)
    trainer = pl.Trainer(max_epochs=1, accelerator="cpu", logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, callbacks=[ProvenanceCallback(str(tmp_path / "s.zarr"), layers=[1])])
    with pytest.raises(CaptureInputError, match="packs several samples"):
        trainer.fit(CausalLMModule(tiny_causal_lm("llama")), train_dataloaders=loader)


def test_token_layers_store_every_token_state_through_the_callback(tmp_path):
    samples = random_samples(11, seed=4, no_response=(3,))
    model = tiny_causal_lm("llama", seed=0)
    store = str(tmp_path / "s.zarr")
    # lr=0: fixed weights, so every captured state can be compared with one forward of the sample alone.
    fit(CausalLMModule(model, lr=0.0), samples, ProvenanceCallback(store, layers=[1], token_layers="auto",
                                                                  encoding="float32"), batch=4, epochs=1)
    reader = open_store(store)
    assert reader.run_attrs["token_layers"] == [3] and reader.token_state_layers == [3] and reader.layers == [1]
    df = reader.samples()
    assert list(df.sample_id) == [100 + i for i in range(11) if i != 3]
    states = reader.token_states(3, range(len(df)))
    with torch.no_grad():
        for row, sid in enumerate(df.sample_id):
            s = samples[sid - 100]
            ref = model(input_ids=s["input_ids"][None], output_hidden_states=True).hidden_states[3][0]
            assert reader.tokens(row).tolist() == s["input_ids"].tolist()
            torch.testing.assert_close(torch.as_tensor(states[row]), ref.float(), atol=1e-5, rtol=1e-4)


def test_bad_token_layers_fail_fast_in_setup(tmp_path):
    cb = ProvenanceCallback(str(tmp_path / "s.zarr"), layers=[1], token_layers=[7])
    with pytest.raises(CaptureConfigError, match="layer"):
        fit(CausalLMModule(tiny_causal_lm("llama", seed=0)), random_samples(4), cb)
    assert not (tmp_path / "s.zarr").exists()
