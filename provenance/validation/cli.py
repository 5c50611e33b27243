"""`provenance validate`: retrain without (or with relabelled) top-ranked samples and compare with random-k.

    provenance validate --recipe recipes/dpo-lora.yaml --ranking ranking.csv --k 40 --mode drop --mode relabel \\
        --prompts heldout.jsonl --judge compliance --out runs/validate.json

Training data and trainer come from a recipe (the same file `provenance train` runs; its `provenance` section is not
used: retraining captures nothing) or from `--data pairs.jsonl` with `--trainer` / `--model` and the default LoRA.
Held-out prompts: a .txt file (one prompt per line) or .jsonl rows {"prompt": ..., "set": ...}; the first set named
is the behaviour, further sets are reported alongside (e.g. the same prompts without the trigger).
"""
from __future__ import annotations

from pathlib import Path

import typer

from provenance.errors import ValidationInputError
from provenance.train_recipe import RecipeError, _dataset, load_recipe


def read_prompts(path: str | Path) -> dict[str, list[str]]:
    path = Path(path)
    if not path.is_file():
        raise ValidationInputError(f"prompt file {path} does not exist")
    sets: dict[str, list[str]] = {}
    if path.suffix == ".jsonl":
        from provenance.cli_input import LineSchema, read_jsonl

        schema = LineSchema("held-out prompt", {"prompt": (str,)}, {"set": (str, int)})
        for _, row in read_jsonl(path, schema, option="--prompts"):
            sets.setdefault(str(row.get("set", "heldout")), []).append(row["prompt"])
    else:
        sets["heldout"] = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    if not sets or not any(sets.values()):
        raise ValidationInputError(f"prompt file {path} holds no prompts")
    return sets


def load_training(recipe: str | None, data: str | None, overrides: list[str], trainer: str, model: str, seed: int):
    """(records, TrainSpec) from a recipe or a JSON-lines file."""
    from provenance.validation.retrain import DEFAULT_LORA, TrainSpec

    if (recipe is None) == (data is None):
        raise ValidationInputError("give exactly one of --recipe or --data")
    if recipe is not None:
        r = load_recipe(recipe, overrides)
        train = dict(r.get("train") or {})
        spec = TrainSpec(trainer=r["trainer"], model=r["model"], lora=r.get("lora"), train=train,
                         seed=int(train.pop("seed", seed)))
        records = _dataset(r["trainer"], r["data"]).to_list()
    else:
        spec = TrainSpec(trainer=trainer, model=model, lora=dict(DEFAULT_LORA), seed=seed)
        records = _dataset(trainer, {"path": data}).to_list()
    return records, spec


def validate(
    ranking: str = typer.Option(..., help="CSV/JSON(L): pair_id or sample_id, score (higher = more responsible)"),
    k: int = typer.Option(..., "--k", help="how many top-ranked samples to intervene on (and to drop at random)"),
    prompts: str = typer.Option(..., help="held-out prompts: .txt (one per line) or .jsonl {prompt, set}"),
    recipe: str = typer.Option(None, help="training recipe (YAML, as for `provenance train`)"),
    data: str = typer.Option(None, help="or: training data, JSON lines in a TRL format with sample_id"),
    set_: list[str] = typer.Option([], "--set", help="recipe override key.sub=value (repeatable)"),
    trainer: str = typer.Option("dpo", help="with --data: dpo | sft"),
    model: str = typer.Option("smollm2-135m-instruct", help="with --data: model alias or local checkpoint"),
    mode: list[str] = typer.Option(["drop"], "--mode", help="drop | relabel (repeatable)"),
    random_control: bool = typer.Option(True, "--random-control/--no-random-control",
                                        help="also drop k random samples"),
    random_seed: list[int] = typer.Option([0], "--random-seed", help="seed(s) of the random control (repeatable)"),
    judge: str = typer.Option("compliance", help="compliance | refusal | contains:<text>"),
    max_new_tokens: int = typer.Option(48, help="greedy tokens generated per held-out prompt"),
    seed: int = typer.Option(0, help="training seed when the recipe sets none"),
    id_column: str = typer.Option(None, help="ranking id column (default: pair_id, else sample_id)"),
    out: str = typer.Option(None, help="write the table, ids and responses as JSON here"),
) -> None:
    """Causal validation: drop (or relabel) the top-k of a ranking, retrain from the same init and seed, re-measure."""
    from provenance.validation.judges import judge_by_name
    from provenance.validation.runner import format_table, run_validation

    try:
        records, spec = load_training(recipe, data, set_, trainer, model, seed)
        result = run_validation(records, ranking, spec, read_prompts(prompts), k=k, modes=tuple(mode),
                                random_control=random_control, random_seeds=tuple(random_seed),
                                judge=judge_by_name(judge), max_new_tokens=max_new_tokens, id_column=id_column,
                                on_condition=lambda row: typer.echo(f"done: {row['condition']}", err=True))
    except (ValidationInputError, RecipeError, ValueError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    typer.echo(format_table(result.table))
    if out:
        result.write_json(out)
        typer.echo(f"wrote {out}")
