"""The reference model M0 of a validation run: train a stage (e.g. refusal SFT) once, merge its LoRA into the
weights, save it as a plain safetensors checkpoint and reuse it as the starting point of every condition.

Why merged: every condition then loads M0 like any local checkpoint (`TrainSpec(model=<dir>)`) and gets a fresh LoRA
on top from the same seed; PEFT's reference forward (adapter disabled) is M0 itself, as METHODS.md 3 assumes.
Why a fingerprint: the directory remembers which records and spec built it (sha256 in `reference.json`), so a later
run reuses it only when it would be rebuilt identically, and refuses a directory built from anything else.
"""
from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from provenance.errors import ValidationInputError
from provenance.validation.retrain import TrainSpec, train_model

MANIFEST = "reference.json"


@dataclass
class ReferenceModel:
    path: Path           # a checkpoint directory `load_causal_lm` / `TrainSpec(model=str(path))` can load
    fingerprint: str     # sha256 of the records and the spec that built it
    built: bool          # False: an existing identical build was reused
    seconds: float       # training + merge + save time of the build (0 when reused)
    log_history: list


def merge_lora(model) -> Any:
    """The plain transformers model with every LoRA update folded into its weights (PEFT ``merge_and_unload``), in
    eval mode. A model without adapters is returned unchanged. Mutates ``model`` (PEFT merges in place)."""
    if hasattr(model, "merge_and_unload"):
        model = model.merge_and_unload()
    left = [n for n, _ in model.named_parameters() if "lora_" in n]
    if left:
        raise ValidationInputError(f"LoRA weights remain after merging: {left[:3]}")
    return model.eval()


def save_checkpoint(model, tokenizer, out_dir: str | Path, manifest: dict | None = None) -> Path:
    """Model weights as safetensors, the tokenizer, and an optional manifest (`reference.json`)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out), safe_serialization=True)
    tokenizer.save_pretrained(str(out))
    if manifest is not None:
        (out / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str))
    return out


def _spec_dict(spec: TrainSpec) -> dict:
    d = asdict(spec)
    if callable(spec.model):   # a factory is identified by its import path (its weights are its code's business)
        d["model"] = f"{spec.model.__module__}.{getattr(spec.model, '__qualname__', repr(spec.model))}"
    return d


def reference_fingerprint(records: Sequence[dict], spec: TrainSpec) -> str:
    blob = json.dumps({"records": list(records), "spec": _spec_dict(spec)}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def build_reference_model(records: Sequence[dict], spec: TrainSpec, out_dir: str | Path, *,
                          output_dir: str | None = None) -> ReferenceModel:
    """Train ``records`` with ``spec`` (same determinism as every condition: `train_model`), merge, save to
    ``out_dir``; or reuse ``out_dir`` when it already holds the build of exactly these records and spec."""
    out = Path(out_dir)
    fp = reference_fingerprint(records, spec)
    manifest_path = out / MANIFEST
    if manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("fingerprint") != fp:
            raise ValidationInputError(f"{out} holds a reference model built from other records or another spec "
                                       f"(fingerprint {str(manifest.get('fingerprint'))[:12]} != {fp[:12]}); "
                                       "delete it or choose another directory")
        if not any(out.glob("*.safetensors")):
            raise ValidationInputError(f"{out} has a {MANIFEST} but no safetensors weights; delete it and rebuild")
        return ReferenceModel(out, fp, built=False, seconds=0.0, log_history=manifest.get("log_history", []))
    t0 = time.perf_counter()
    trained = train_model(records, spec, output_dir=output_dir)
    merged = merge_lora(trained.model)
    manifest = {"fingerprint": fp, "spec": _spec_dict(spec), "n_train": trained.n_train,
                "train_seconds": round(trained.seconds, 1), "log_history": trained.log_history}
    # The manifest is written last: a directory without it is an unfinished build, never reused.
    save_checkpoint(merged, trained.tokenizer, out)
    manifest_path.write_text(json.dumps(manifest, indent=2, default=str))
    return ReferenceModel(out, fp, built=True, seconds=time.perf_counter() - t0, log_history=trained.log_history)
