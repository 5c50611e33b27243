"""A tiny TRL SFT run with capture, on whatever provenance, transformers and TRL this Python has installed.

`make check-wheel` runs it from outside the repository, so it imports the installed wheel, not the source tree. It
exits non-zero unless the store holds exactly one row per trained sample, each with its own sample id and source.
"""
from __future__ import annotations

import tempfile
from importlib.metadata import version
from pathlib import Path

import torch
from datasets import Dataset
from trl import SFTConfig, SFTTrainer

import provenance
from provenance.callbacks import ProvenanceTrainerCallback
from provenance.hf import with_sample_ids
from provenance.models import tiny_causal_lm, tiny_tokenizer

N_SAMPLES = 8


def main() -> None:
    torch.set_num_threads(1)  # a 32-wide model: more threads only wait on each other
    with tempfile.TemporaryDirectory(prefix="provenance-tiny-capture-") as tmp:
        capture(Path(tmp))
    print(f"provenance from {Path(provenance.__file__).parent}")
    print("versions: " + ", ".join(f"{p} {version(p)}" for p in ("provenance", "torch", "transformers", "trl", "peft",
                                                                   "accelerate", "datasets", "zarr")))


def capture(out: Path) -> None:
    """Train one epoch on N_SAMPLES rows with capture into `out`/store.zarr; exit non-zero unless each row is stored."""
    rows = [{"prompt": [{"role": "user", "content": f"Q{i}: {i} + 1?"}],
             "completion": [{"role": "assistant", "content": f"{i + 1}"}],
             "sample_id": f"s{i}", "source": "ab"[i % 2]} for i in range(N_SAMPLES)]
    trainer = SFTTrainer(
        model=tiny_causal_lm("llama", seed=0), processing_class=tiny_tokenizer(),
        train_dataset=with_sample_ids(Dataset.from_list(rows)),
        args=SFTConfig(output_dir=str(out), per_device_train_batch_size=4, num_train_epochs=1, max_length=64,
                       packing=False, gradient_checkpointing=False, use_cpu=True, bf16=False, report_to="none",
                       save_strategy="no", disable_tqdm=True, seed=0),
        callbacks=[ProvenanceTrainerCallback(str(out / "store.zarr"), overwrite=True)],
    )
    trainer.train()

    df = provenance.open_store(str(out / "store.zarr")).samples()
    want = {r["sample_id"]: r["source"] for r in rows}
    got = dict(zip(df.sample_id, df.source))
    if len(df) != N_SAMPLES or got != want:
        raise SystemExit(f"tiny capture: expected one row per sample {want}, the store has {len(df)} rows: {got}")
    print(f"tiny capture: {len(df)} rows, one per sample and with its source")


if __name__ == "__main__":
    main()
