"""Retrain from the same initialisation, seed and data order: TRL DPOTrainer / SFTTrainer with LoRA (CPU or GPU).

What is held fixed between the full run and every intervention:
- the base model (loaded fresh from the same checkpoint, or built by the same factory) and the LoRA initialisation
  (`transformers.set_seed(seed)` right before the trainer builds the adapter, so A gets the same draw, B = 0);
- the trainer's seed (`args.seed`) and every hyper-parameter;
- the data order, as far as removing samples allows: instead of the trainer's random permutation (which reshuffles
  everything once a single sample is removed), epoch e visits the samples sorted by sha256("<seed>:<e>:<sample_id>").
  That key depends only on the id, so the remaining samples keep exactly their relative order from the full run; only
  the batch boundaries shift where samples were removed. A relabelled pair keeps its id and hence its position.
Same records + same spec -> bit-identical adapter weights on the same machine and thread count (tested).
TRL and transformers are imported inside the functions.
"""
from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from provenance.errors import ValidationInputError
from provenance.validation.interventions import record_ids

DEFAULT_LORA = {"r": 8, "alpha": 16, "dropout": 0.0, "target_modules": "auto"}


@dataclass
class TrainSpec:
    """How every condition is trained.

    ``model``: a local checkpoint, the bundled alias "smollm2-135m-instruct", "tiny-<arch>" (random test model), or a
    callable returning a fresh ``(model, tokenizer)``. ``train``: any `trl.DPOConfig` / `trl.SFTConfig` field
    (`seed`, `output_dir`, `save_strategy="no"` and `report_to="none"` are set by validation: nothing is checkpointed).
    ``lora``: ``{r, alpha, dropout, target_modules}`` (``"auto"`` = attention projections) or None (full fine-tune)."""

    trainer: str = "dpo"
    model: str | Callable[[], tuple[Any, Any]] = "smollm2-135m-instruct"
    lora: dict | None = field(default_factory=lambda: dict(DEFAULT_LORA))
    train: dict = field(default_factory=dict)
    seed: int = 0

    def __post_init__(self):
        if self.trainer not in ("dpo", "sft"):
            raise ValidationInputError(f"trainer must be 'dpo' or 'sft', got {self.trainer!r}")


@dataclass
class Trained:
    model: Any
    tokenizer: Any
    n_train: int
    seconds: float
    log_history: list = field(default_factory=list)


def order_key(seed: int, epoch: int, sample_id: str) -> bytes:
    return hashlib.sha256(f"{seed}:{epoch}:{sample_id}".encode()).digest()


class IdOrderSampler(torch.utils.data.Sampler):
    """Epoch e yields dataset indices sorted by `order_key(seed, e, id)`; the trainer calls `set_epoch` each epoch."""

    def __init__(self, ids: Sequence[str], seed: int):
        self.ids, self.seed, self.epoch = [str(i) for i in ids], int(seed), 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def order(self, epoch: int) -> list[int]:
        return sorted(range(len(self.ids)), key=lambda i: order_key(self.seed, epoch, self.ids[i]))

    def __iter__(self):
        return iter(self.order(self.epoch))

    def __len__(self) -> int:
        return len(self.ids)


def load_model(model) -> tuple[Any, Any]:
    if callable(model):
        return model()
    from provenance.models import load_causal_lm, tiny_causal_lm, tiny_tokenizer

    if str(model).startswith("tiny-"):
        return tiny_causal_lm(str(model)[5:], seed=0), tiny_tokenizer()
    m, tok = load_causal_lm(str(model))
    return m.train(), tok


def _ordered_trainer_class(base):
    class OrderedTrainer(base):
        """The product's trainer with the id-keyed sampler instead of a random permutation."""

        provenance_sampler: IdOrderSampler | None = None

        def _get_train_sampler(self, train_dataset=None):
            if self.provenance_sampler is None:
                return super()._get_train_sampler(train_dataset)
            return self.provenance_sampler

    OrderedTrainer.__name__ = f"Ordered{base.__name__}"
    return OrderedTrainer


def _config(spec: TrainSpec, output_dir: str):
    import trl

    train = {"per_device_train_batch_size": 4, "gradient_accumulation_steps": 1, "num_train_epochs": 1,
             "learning_rate": 1e-4, "logging_steps": 10, "disable_tqdm": True}
    train.update(spec.train)
    train.update(output_dir=output_dir, seed=spec.seed, save_strategy="no", report_to="none")
    if not torch.cuda.is_available():
        train.update(use_cpu=True, bf16=False, fp16=False)
    train.setdefault("gradient_checkpointing", False)
    cls = trl.DPOConfig if spec.trainer == "dpo" else trl.SFTConfig
    try:
        return cls(**train)
    except TypeError as err:
        raise ValidationInputError(f"train: {err}") from None


def _peft_config(spec: TrainSpec, model):
    if not spec.lora:
        return None
    from peft import LoraConfig

    from provenance.models import lora_target_modules

    targets = spec.lora.get("target_modules", "auto")
    return LoraConfig(r=int(spec.lora.get("r", 8)), lora_alpha=int(spec.lora.get("alpha", 16)),
                      lora_dropout=float(spec.lora.get("dropout", 0.0)),
                      target_modules=lora_target_modules(model) if targets == "auto" else list(targets))


def build_trainer(records: Sequence[dict], spec: TrainSpec, *, callbacks: Sequence = (), output_dir: str | None = None):
    """A TRL trainer over ``records`` (TRL formats plus `sample_id`), ordered by id, seeded as described above."""
    import transformers
    import trl
    from datasets import Dataset

    ids = record_ids(records)
    if not ids:
        raise ValidationInputError("no training records left to train on")
    model, tokenizer = load_model(spec.model)
    args = _config(spec, output_dir or tempfile.mkdtemp(prefix="provenance-validate-"))
    peft_config = _peft_config(spec, model)
    base = trl.DPOTrainer if spec.trainer == "dpo" else trl.SFTTrainer
    transformers.set_seed(spec.seed)  # the trainer builds the LoRA adapter before it seeds itself
    trainer = _ordered_trainer_class(base)(
        model=model, args=args, train_dataset=Dataset.from_list([dict(r) for r in records]),
        processing_class=tokenizer, callbacks=list(callbacks), peft_config=peft_config)
    prepared = trainer.train_dataset
    prepared_ids = [str(i) for i in prepared["sample_id"]] if "sample_id" in prepared.column_names else None
    if prepared_ids is None and len(prepared) != len(ids):
        raise ValidationInputError(f"the trainer kept {len(prepared)} of {len(ids)} records (over-long prompts are "
                                   "dropped by TRL) and the data has no `sample_id` column to realign the order")
    trainer.provenance_sampler = IdOrderSampler(prepared_ids or ids, spec.seed)
    return trainer, tokenizer


def train_model(records: Sequence[dict], spec: TrainSpec, *, callbacks: Sequence = (),
                output_dir: str | None = None) -> Trained:
    """Train one condition; the returned model (PEFT-wrapped with LoRA) is ready for generation."""
    t0 = time.perf_counter()
    trainer, tokenizer = build_trainer(records, spec, callbacks=callbacks, output_dir=output_dir)
    trainer.train()
    model = trainer.model
    model.eval()
    return Trained(model=model, tokenizer=tokenizer, n_train=len(trainer.train_dataset),
                   seconds=time.perf_counter() - t0, log_history=list(trainer.state.log_history))


def adapter_state(model) -> dict[str, torch.Tensor]:
    """The trainable (LoRA) weights, detached copies: what determinism tests compare bit for bit."""
    return {n: p.detach().cpu().clone() for n, p in model.named_parameters() if p.requires_grad or "lora_" in n}
