"""`provenance train RECIPE.yaml`: run a TRL SFT or DPO fine-tune described by a YAML recipe, with capture on.

A recipe has five sections (see recipes/sft-lora.yaml and recipes/dpo-lora.yaml)::

    trainer: sft                      # sft | dpo
    model: smollm2-135m-instruct      # the bundled SmolLM2 alias, a local checkpoint dir, or tiny-<arch> (random test model)
    data:                             # one of
      demo: {n_per_source: 40}        #   the built-in offline mixed-source data (provenance.data.demo_records);
                                      #   for DPO each prompt's response is chosen, another source's response rejected
      path: data/train.jsonl          #   a JSON-lines file in a TRL format (SFT: prompt/completion, messages or text;
      source: my-data                 #   DPO: prompt/chosen/rejected); `sample_id`/`source` columns are used when present
    lora: {r: 8, alpha: 16, dropout: 0.0, target_modules: auto}   # omit for full fine-tuning
    train: {output_dir: runs/x, ...}  # any SFTConfig / DPOConfig field
    provenance: {store: runs/x/store.zarr, layers: auto, ...}     # where (store, run, overwrite, storage_options)
                                                                  # + what: any provenance.capture.CaptureConfig field
                                                                  # + watches: live-watched directions and alarms
                                                                  #   (provenance.behaviour.watch_recipe)
    tags: {lineage: 1.0, refusal: 1.0, ...}   # optional: DebugLM provenance tags (provenance.tags.recipe)

`--set key.sub=value` overrides any entry, e.g. `--set train.max_steps=10`. Values are parsed as YAML: quote words
YAML reads as booleans, e.g. `--set 'train.save_strategy="no"'`.
Nothing is downloaded: models load with local_files_only, data come from local files or the demo sources.
"""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import TYPE_CHECKING

import typer
import yaml

from provenance.store.summary import store_summary

if TYPE_CHECKING:
    from provenance.behaviour.watch_recipe import WatchEntry
    from provenance.capture.config import CaptureConfig

SECTIONS = {"trainer", "model", "data", "lora", "train", "provenance", "tags"}
# The `provenance:` keys that say where the rows go; `watches` lists the live-watched directions; every other key is a
# CaptureConfig field.
STORE_KEYS = ("store", "run", "overwrite", "storage_options")
WATCHES_KEY = "watches"


class RecipeError(ValueError):
    """The recipe cannot be run as written."""


def load_recipe(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> dict:
    """Read a recipe and apply `key.sub=value` overrides (values parsed as YAML)."""
    path = Path(path)
    if not path.is_file():
        raise RecipeError(f"recipe {path} does not exist")
    recipe = yaml.safe_load(path.read_text()) or {}
    if not isinstance(recipe, dict):
        raise RecipeError(f"{path}: a recipe is a mapping of {sorted(SECTIONS)}")
    for item in overrides:
        if "=" not in item:
            raise RecipeError(f"override {item!r} is not of the form key.sub=value")
        key, value = item.split("=", 1)
        node = recipe
        parts = key.strip().split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise RecipeError(f"override {item!r}: {part!r} is not a section")
        node[parts[-1]] = yaml.safe_load(value)
    unknown = set(recipe) - SECTIONS
    if unknown:
        raise RecipeError(f"{path}: unknown section(s) {sorted(unknown)}; a recipe has {sorted(SECTIONS)}")
    for key in ("trainer", "model", "data", "provenance"):
        if key not in recipe:
            raise RecipeError(f"{path}: missing section {key!r}")
    if recipe["trainer"] not in ("sft", "dpo"):
        raise RecipeError(f"{path}: trainer must be 'sft' or 'dpo', got {recipe['trainer']!r}")
    if "store" not in (recipe["provenance"] or {}):
        raise RecipeError(f"{path}: provenance.store (where the capture store goes) is required")
    # A bad key, value or watch file fails here, before any model loads.
    _, config = capture_section(recipe["provenance"], context=f"{path}: provenance")
    watch_section(recipe["provenance"], config, context=f"{path}: provenance")
    return recipe


def capture_section(section: dict, *, context: str = "provenance") -> tuple[dict, CaptureConfig]:
    """Split a recipe's `provenance:` section into where the rows go and what is captured.

    Args:
        section: the section: `STORE_KEYS`, ``watches`` (read by `watch_section`) and `CaptureConfig` fields.
        context: where the section is, for error messages.

    Returns:
        (the `STORE_KEYS` present, as keyword arguments of the callback; the validated `CaptureConfig`).

    Raises:
        RecipeError: a key that is neither a store key nor a config field (the message lists the valid keys), or an
            invalid value.
    """
    from provenance.capture.config import CaptureConfig
    from provenance.errors import CaptureConfigError

    try:
        config = CaptureConfig.from_dict(section, context=context, also_accepted=(*STORE_KEYS, WATCHES_KEY))
    except CaptureConfigError as err:
        raise RecipeError(str(err) if str(err).startswith(context) else f"{context}: {err}") from None
    return {k: section[k] for k in STORE_KEYS if k in section}, config


def watch_section(section: dict, config: CaptureConfig, *, context: str = "provenance") -> list[WatchEntry]:
    """The ``watches`` of a recipe's `provenance:` section, read (files too) and checked against its capture config.

    Args:
        section: the section.
        config: its `CaptureConfig` (the watches' layers must be captured, and ``g_mean`` kept).
        context: where the section is, for error messages.

    Returns:
        The entries (`provenance.behaviour.watch_recipe.WatchEntry`); `WatchEntry.to_watch` makes the `Watch`.

    Raises:
        RecipeError: a bad entry; the message names its key, e.g. ``provenance.watches[0].alarm``.
    """
    from provenance.behaviour.watch_recipe import WatchEntryError, read_watch_entries

    try:
        return read_watch_entries(section.get(WATCHES_KEY), context=f"{context}.{WATCHES_KEY}",
                                  layers=config.layer_list, signatures=config.signatures)
    except WatchEntryError as err:
        raise RecipeError(str(err)) from None


def _model(name: str):
    from provenance.models import load_causal_lm, tiny_causal_lm, tiny_tokenizer

    if str(name).startswith("tiny-"):
        return tiny_causal_lm(str(name)[5:], seed=0), tiny_tokenizer()
    model, tok = load_causal_lm(name)
    return model.train(), tok


def _demo_dataset(kind: str, options: dict):
    from datasets import Dataset

    from provenance.data import demo_records

    records = demo_records(**options)
    if kind == "sft":
        rows = [{"prompt": [{"role": "user", "content": r["prompt"]}],
                 "completion": [{"role": "assistant", "content": r["response"]}],
                 "sample_id": r["sample_id"], "source": r["source"]} for r in records]
    else:
        # A preference pair per record: its own response chosen, the response of a record of another source rejected.
        rng = random.Random(f"provenance-demo-pairs:{options.get('seed', 0)}")
        rows = []
        for r in records:
            others = [o for o in records if o["source"] != r["source"]] or [o for o in records if o is not r]
            if not others:
                raise RecipeError("demo DPO data needs at least two records")
            rows.append({"prompt": [{"role": "user", "content": r["prompt"]}],
                         "chosen": [{"role": "assistant", "content": r["response"]}],
                         "rejected": [{"role": "assistant", "content": rng.choice(others)["response"]}],
                         "sample_id": r["sample_id"], "source": r["source"]})
    return Dataset.from_list(rows)


def _dataset(kind: str, data: dict):
    from provenance.hf import with_sample_ids

    if not isinstance(data, dict) or (("demo" in data) == ("path" in data)):
        raise RecipeError("data needs exactly one of `demo: {...}` or `path: <json lines file>`")
    if "demo" in data:
        return _demo_dataset(kind, dict(data["demo"] or {}))
    from datasets import load_dataset

    path = Path(data["path"])
    if not path.is_file():
        raise RecipeError(f"data file {path} does not exist")
    dataset = load_dataset("json", data_files=str(path), split="train")
    return with_sample_ids(dataset, source=data.get("source"))


def _tag_token_rows(model, tokenizer, scheme):
    """LoRA's trainable_token_indices for the control tokens of a tagged run (None without tags)."""
    if scheme is None:
        return None
    from provenance.tags.model_prep import trainable_token_indices

    return trainable_token_indices(model, tokenizer, scheme)


def build_trainer(recipe: dict):
    """(trainer, callback) for a loaded recipe; nothing is trained yet."""
    import torch
    import trl

    from provenance.callbacks import ProvenanceTrainerCallback
    from provenance.models import lora_target_modules

    kind = recipe["trainer"]
    model, tokenizer = _model(recipe["model"])
    dataset = _dataset(kind, recipe["data"])
    train = dict(recipe.get("train") or {})
    train.setdefault("output_dir", str(Path(recipe["provenance"]["store"]).parent))
    scheme = None
    if "tags" in recipe:  # DebugLM tags: tagged rows, control tokens added, their rows trained with the adapter
        from provenance.tags.recipe import apply_tags_section

        model, dataset, scheme = apply_tags_section(recipe["tags"], kind, model, tokenizer, dataset, train["output_dir"])
    train.setdefault("report_to", "none")
    if not torch.cuda.is_available():
        train.setdefault("use_cpu", True)
        train.setdefault("bf16", False)
    config_cls = trl.SFTConfig if kind == "sft" else trl.DPOConfig
    try:
        args = config_cls(**train)
    except TypeError as err:
        raise RecipeError(f"train: {err}") from None
    peft_config = None
    lora = recipe.get("lora")
    if lora:
        from peft import LoraConfig

        targets = lora.get("target_modules", "auto")
        peft_config = LoraConfig(r=int(lora.get("r", 8)), lora_alpha=int(lora.get("alpha", 16)),
                                 lora_dropout=float(lora.get("dropout", 0.0)),
                                 target_modules=lora_target_modules(model) if targets == "auto" else list(targets),
                                 trainable_token_indices=_tag_token_rows(model, tokenizer, scheme))
    where, config = capture_section(recipe["provenance"])
    watches = [e.to_watch(tokenizer) for e in watch_section(recipe["provenance"], config)]
    callback = ProvenanceTrainerCallback(config=config, watches=watches or None, **where)
    trainer_cls = trl.SFTTrainer if kind == "sft" else trl.DPOTrainer
    trainer = trainer_cls(model=model, args=args, train_dataset=dataset, processing_class=tokenizer,
                          callbacks=[callback], peft_config=peft_config)
    if scheme is not None:  # TRL's fused LM head reads lm_head.bias, which PEFT's token wrapper does not forward
        from provenance.tags.model_prep import expose_head_bias

        expose_head_bias(trainer.model)
    return trainer, callback


def run_recipe(path: str | Path, overrides: list[str] | tuple[str, ...] = (), resume: bool = False) -> dict:
    """Train as the recipe says; returns what the store then holds (as `provenance inspect --json`)."""
    recipe = load_recipe(path, overrides)
    trainer, callback = build_trainer(recipe)
    trainer.train(resume_from_checkpoint=True if resume else None)
    summary = store_summary(callback.session.store, callback.session.run)
    summary["capture"] = callback.session.summary()
    return summary


def train_command(
    recipe: str = typer.Argument(..., help="YAML recipe (see recipes/)"),
    set_: list[str] = typer.Option([], "--set", help="override a recipe entry: key.sub=value (repeatable)"),
    resume: bool = typer.Option(False, "--resume", help="resume from the last checkpoint in train.output_dir"),
) -> None:
    """Fine-tune with TRL (SFT or DPO) as a recipe describes, capturing provenance into its store."""
    try:
        summary = run_recipe(recipe, set_, resume=resume)
    except RecipeError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(summary, indent=2, default=str))
