"""`SplineFeatureCallback`: per-sample SplineLLM geometry features of the training forward, from a Lightning loop."""
from __future__ import annotations

from typing import Any

import lightning.pytorch as pl
from lightning.pytorch.callbacks import Callback

from provenance.callbacks.lightning import find_causal_lm
from provenance.detect.recorder import SplineRecorder


class SplineFeatureCallback(Callback):
    """Write (sample_id, source, epoch, step, 7 features per MLP layer over the prompt tokens) for every training
    row to a Zarr table at `path` (read it with `provenance.detect.read_spline_table`). Batches are dicts with
    `labels` (-100 on the prompt), `attention_mask` and `sample_id`, as for `ProvenanceCallback`."""

    def __init__(self, path: str, *, model_attr: str | None = None, overwrite: bool = False):
        self.model_attr = model_attr
        self.recorder = SplineRecorder(path, overwrite=overwrite)

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if stage == "fit":
            self.recorder.setup(find_causal_lm(pl_module, self.model_attr), rank=trainer.global_rank)

    def on_train_batch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any, batch_idx: int) -> None:
        self.recorder.start_batch(batch, epoch=trainer.current_epoch, step=trainer.global_step)

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, batch: Any,
                           batch_idx: int) -> None:
        self.recorder.finish_batch()

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.recorder.flush()

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.recorder.close()

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException) -> None:
        # Keep the rows recorded before the failure; the original exception is the one the user must see.
        try:
            self.recorder.close()
        except Exception:  # noqa: BLE001
            pass
