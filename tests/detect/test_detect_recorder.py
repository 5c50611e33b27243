"""Per-sample SplineLLM features captured from the training forward (Lightning callback) equal `spline_features`
of the same prompts under the weights of that step."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from attribution_helpers import tiny_records
from provenance.data import IGNORE_INDEX, SFTCollator, SFTDataset
from provenance.detect import read_spline_table, spline_features
from provenance.detect.recorder import SplineRecorder, prompt_mask
from provenance.errors import CaptureInputError, StoreExistsError


def test_prompt_mask_is_real_positions_before_the_first_response_token():
    labels = torch.tensor([[IGNORE_INDEX, IGNORE_INDEX, 7, 8, IGNORE_INDEX],
                           [IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX, 5, 6],
                           [IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX]])
    attn = torch.tensor([[1, 1, 1, 1, 0], [0, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    assert prompt_mask(labels, attn).int().tolist() == [[1, 1, 0, 0, 0], [0, 1, 1, 0, 0], [1, 1, 1, 0, 0]]


def test_lightning_callback_records_every_sample_with_the_features_of_its_step(tmp_path, tiny_tok):
    import lightning.pytorch as pl
    from peft import LoraConfig, get_peft_model
    from torch.utils.data import DataLoader

    from provenance.callbacks import SplineFeatureCallback
    from provenance.models import tiny_causal_lm

    records = tiny_records(10)
    model = get_peft_model(tiny_causal_lm("llama"), LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0,
                                                               target_modules=["gate_proj", "q_proj"]))
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.copy_(torch.randn(p.shape, generator=torch.Generator().manual_seed(2)) * 0.3)

    class Module(pl.LightningModule):
        def __init__(self):
            super().__init__()
            self.model = model

        def training_step(self, b, i):
            return self.model(input_ids=b["input_ids"], attention_mask=b["attention_mask"], labels=b["labels"]).loss

        def configure_optimizers(self):
            return torch.optim.AdamW([p for p in self.parameters() if p.requires_grad], lr=5e-2)

    snapshots = {}

    class Snapshot(pl.Callback):
        """The weights each step's forward sees (LoRA weights change every step)."""

        def on_train_batch_start(self, trainer, module, batch, i):
            snapshots[trainer.global_step] = (copy.deepcopy(module.model), batch["sample_id"].tolist())

    ds = SFTDataset(records, tiny_tok, max_length=96)
    loader = DataLoader(ds, batch_size=4, shuffle=True, collate_fn=SFTCollator(tiny_tok.pad_token_id),
                        generator=torch.Generator().manual_seed(0))
    path = str(tmp_path / "spline.zarr")
    trainer = pl.Trainer(max_epochs=2, accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False,
                         callbacks=[Snapshot(), SplineFeatureCallback(path)])
    trainer.fit(Module(), train_dataloaders=loader)

    table = read_spline_table(path)
    assert len(table) == 20 and sorted(table.groupby("epoch").sample_id.apply(sorted).sum()) == sorted(list(range(10)) * 2)
    assert table.epoch.tolist() == [0] * 10 + [1] * 10 and table.step.tolist() == sorted(table.step.tolist())
    assert table.source.tolist() == [records[i]["source"] for i in table.sample_id]
    feat_cols = [c for c in table.columns if c.startswith("layer")]
    assert len(feat_cols) == 4 * 7
    for step, (snap, ids) in snapshots.items():
        rows = table[table.step == step]
        assert rows.sample_id.tolist() == ids
        ref, names = spline_features(snap, tiny_tok, [records[i]["prompt"] for i in ids])
        assert names == feat_cols
        np.testing.assert_allclose(rows[feat_cols].to_numpy(), ref, rtol=0, atol=2e-6)
    # Weights moved: the same sample has other features in epoch 1 than in epoch 0.
    first = table[table.sample_id == 0][feat_cols].to_numpy()
    assert np.abs(first[0] - first[1]).max() > 1e-4


def test_recorder_errors_and_skips(tmp_path, tiny_llama, tiny_tok):
    path = tmp_path / "t.zarr"
    rec = SplineRecorder(path)
    rec.setup(tiny_llama)
    with pytest.raises(CaptureInputError, match="sample_id"):
        rec.start_batch({"labels": torch.zeros(1, 2, dtype=torch.long), "attention_mask": torch.ones(1, 2)}, epoch=0, step=0)
    # A batch whose forward never ran is skipped and counted; a row without a prompt token too.
    ids = torch.tensor([[5, 6, 7], [8, 9, 10]])
    batch = {"input_ids": ids, "attention_mask": torch.tensor([[1, 1, 1], [1, 1, 1]]),
             "labels": torch.tensor([[IGNORE_INDEX, 6, 7], [8, 9, 10]]), "sample_id": torch.tensor([3, 4])}
    rec.start_batch(batch, epoch=0, step=0)
    rec.finish_batch()
    rec.start_batch(batch, epoch=0, step=1)
    tiny_llama(input_ids=ids, attention_mask=batch["attention_mask"])
    rec.finish_batch()
    rec.close()
    table = read_spline_table(path)
    assert table.sample_id.tolist() == [3] and table.step.tolist() == [1]
    assert rec.skipped == {"no_forward": 2, "no_prompt_tokens": 1}
    with pytest.raises(StoreExistsError, match="overwrite"):
        SplineRecorder(path).setup(tiny_llama)


def test_gradient_checkpointing_recompute_is_not_recorded_twice(tmp_path, tiny_tok):
    from provenance.detect import find_gate_modules
    from provenance.models import tiny_causal_lm

    records = tiny_records(4)
    model = tiny_causal_lm("llama")
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.train()
    ds = SFTDataset(records, tiny_tok, max_length=96)
    batch = SFTCollator(tiny_tok.pad_token_id, padding_side="left")([ds[i] for i in range(4)])
    calls = []
    counter = find_gate_modules(model)[0].register_forward_hook(lambda m, a, o: calls.append(1))
    rec = SplineRecorder(tmp_path / "gc.zarr")
    rec.setup(model)
    rec.start_batch(batch, epoch=0, step=0)
    model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"]).loss.backward()
    rec.finish_batch()
    rec.close()
    counter.remove()
    assert len(calls) == 2  # the forward and the checkpoint's recompute
    table = read_spline_table(tmp_path / "gc.zarr")
    ref, names = spline_features(model, tiny_tok, [r["prompt"] for r in records])
    np.testing.assert_allclose(table[names].to_numpy(), ref, rtol=0, atol=2e-6)
