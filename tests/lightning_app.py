"""A plain LightningModule around a transformers causal LM, as a user would write it (nothing provenance-specific)."""
from __future__ import annotations

import time

import lightning.pytorch as pl
import torch
from torch.utils.data import Dataset

MODEL_INPUTS = ("input_ids", "attention_mask", "labels", "position_ids")


class CausalLMModule(pl.LightningModule):
    def __init__(self, model, lr: float = 0.0, step_sleep: float = 0.0):
        super().__init__()
        self.model = model
        self.lr = lr
        self.step_sleep = step_sleep

    def training_step(self, batch, batch_idx):
        if self.step_sleep:
            time.sleep(self.step_sleep)  # lets a test kill the process mid-epoch
        out = self.model(**{k: batch[k] for k in MODEL_INPUTS if k in batch})
        self.log("loss", out.loss, prog_bar=False)
        return out.loss

    def validation_step(self, batch, batch_idx):
        out = self.model(**{k: batch[k] for k in MODEL_INPUTS if k in batch})
        self.log("val_loss", out.loss)

    def configure_optimizers(self):
        return torch.optim.SGD([p for p in self.parameters() if p.requires_grad], lr=self.lr)


class ListDataset(Dataset):
    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]
