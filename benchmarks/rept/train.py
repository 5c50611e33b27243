"""Training phase of the RepT benchmark: LoRA-tune with TRL's SFTTrainer and the public `ProvenanceTrainerCallback`.

The run goes through `provenance.train_recipe.build_trainer` (what ``provenance train RECIPE.yaml`` runs) with a recipe
built here: the dataset's rows as a prompt/completion JSON-lines file (``sample_id`` = ``NAME:ROW``, ``source`` = the
row's RepT label, so the store's ``source`` column is the ground truth), LoRA on q_proj/v_proj, capture at
``layers="auto"`` with per-token states at 3/4 of the depth (``token_layers="auto"``, what token match and the
automatic choice read).

Resumable: the trainer saves a checkpoint every ``save_steps`` steps (each save first commits the store's rows), and a
rerun continues from the newest complete checkpoint, the store resuming exactly at its step. Without a checkpoint the
run starts over (the store overwritten).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from provenance.data.rept import ReptDataset

STORE_RUN = "rept"


def write_train_file(dataset: ReptDataset, path: Path) -> None:
    """The rows as TRL conversational prompt/completion records with ``sample_id`` and ``source``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as f:
        for r in dataset.records():
            f.write(json.dumps({"prompt": [{"role": "user", "content": r["prompt"]}],
                                "completion": [{"role": "assistant", "content": r["response"]}],
                                "sample_id": r["sample_id"], "source": r["source"]}) + "\n")
    tmp.replace(path)


def complete_checkpoints(output_dir: Path) -> list[Path]:
    """The trainer's checkpoints whose trainer_state.json reads back, newest first (a save cut short is skipped)."""
    done = []
    for path in sorted(output_dir.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]), reverse=True):
        try:
            json.loads((path / "trainer_state.json").read_text())
        except (OSError, ValueError):
            continue
        done.append(path)
    return done


def recipe(cfg: dict, run_dir: Path, *, resume: bool) -> dict:
    """The `provenance.train_recipe` recipe of one run (``cfg``: the run's settings, see `run.RunConfig`)."""
    return {
        "trainer": "sft",
        "model": cfg["model"],
        "data": {"path": str(run_dir / "train.jsonl")},
        "lora": {"r": cfg["lora_r"], "alpha": cfg["lora_alpha"], "dropout": cfg["lora_dropout"],
                 "target_modules": list(cfg["target_modules"])},
        "train": {
            "output_dir": str(run_dir / "trainer"),
            "num_train_epochs": cfg["epochs"],
            "per_device_train_batch_size": cfg["batch"],
            "gradient_accumulation_steps": 1,
            "learning_rate": cfg["lr"],
            "max_length": cfg["max_length"],
            "packing": False,
            "logging_steps": 10,
            "save_strategy": "steps",
            "save_steps": cfg["save_steps"],
            "save_total_limit": 2,
            "seed": cfg["seed"],
            "data_seed": cfg["seed"],
            "disable_tqdm": True,
        },
        "provenance": {"store": str(run_dir / "store.zarr"), "run": STORE_RUN, "layers": "auto",
                       "token_layers": "auto", "overwrite": not resume},
    }


def train(dataset: ReptDataset, run_dir: Path, cfg: dict) -> dict:
    """Train (or resume) the run; save the adapter to ``run_dir/adapter``. Returns what the state file records."""
    from transformers import set_seed

    from provenance.train_recipe import build_trainer

    write_train_file(dataset, run_dir / "train.jsonl")
    checkpoints = complete_checkpoints(run_dir / "trainer")
    resume_from = checkpoints[0] if checkpoints else None
    set_seed(cfg["seed"])   # the LoRA initialisation happens while the trainer is built
    trainer, callback = build_trainer(recipe(cfg, run_dir, resume=resume_from is not None))
    print(f"[{dataset.name}] training {len(dataset)} rows, {cfg['epochs']} epochs"
          + (f", resuming from {resume_from.name}" if resume_from else ""), flush=True)
    t0 = time.time()
    trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    seconds = time.time() - t0
    trainer.save_model(str(run_dir / "adapter"))
    history = [h for h in trainer.state.log_history if "loss" in h]
    return {"seconds": round(seconds, 1), "resumed_from": resume_from.name if resume_from else None,
            "steps": int(trainer.state.global_step), "capture": callback.session.summary(),
            "first_loss": history[0]["loss"] if history else None, "last_loss": history[-1]["loss"] if history else None}


def load_final(model_name: str, run_dir: Path):
    """(base model + the run's adapter in eval mode, tokenizer); ``tiny-<arch>`` = the tests' random tiny model."""
    from peft import PeftModel

    from provenance.models import load_causal_lm, tiny_causal_lm, tiny_tokenizer

    if model_name.startswith("tiny-"):
        base, tok = tiny_causal_lm(model_name[len("tiny-"):], seed=0), tiny_tokenizer()
    else:
        base, tok = load_causal_lm(model_name)
    model = PeftModel.from_pretrained(base, str(run_dir / "adapter"))
    model.eval()
    return model, tok
