"""Causal validation: intervene on the top-k of a ranking, retrain, re-measure the behaviour, compare with random-k.

    from provenance.validation import TrainSpec, run_validation

    result = run_validation(records, "ranking.csv", TrainSpec(trainer="dpo", train={...}),
                            {"harmful+suffix": heldout}, k=40, modes=("drop", "relabel"), random_control=True)
    result.table   # condition, k, n_train, ids_changed, behaviour_rate, reduction (+ rate:<set> for further sets)

Conditions: ``full`` (no intervention), ``drop-top`` / ``relabel-top`` (the ranking's k best ids), ``drop-random``
(k ids drawn uniformly from all records, one row per control seed). Every condition is trained by `train_model` from
the same initialisation, seed and id-keyed data order. ``reduction = (rate_full - rate) / rate_full`` on the first
prompt set (the behaviour); NaN when the full run shows no behaviour.
"""
from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from provenance.errors import ValidationInputError
from provenance.validation.interventions import apply_intervention, random_ids, record_ids
from provenance.validation.judges import Judge, behaviour_rate, compliance_judge
from provenance.validation.ranking import read_ranking, top_ids
from provenance.validation.retrain import Trained, TrainSpec, train_model

log = logging.getLogger(__name__)


@dataclass
class Condition:
    name: str
    k: int
    ids: list[str]
    mode: str | None  # None: no intervention


@dataclass
class ValidationResult:
    table: pd.DataFrame
    conditions: list[Condition]
    responses: dict[str, dict[str, list[str]]] = field(repr=False)  # condition -> prompt set -> responses
    meta: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"table": json.loads(self.table.to_json(orient="records")),
                "conditions": [{"name": c.name, "k": c.k, "mode": c.mode, "ids": c.ids} for c in self.conditions],
                "responses": self.responses, "meta": self.meta}

    def write_json(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(self.to_json(), indent=2, default=str))


def plan_conditions(records: Sequence[dict], ranking, k: int, *, modes: Sequence[str] = ("drop",),
                    random_control: bool = True, random_seeds: Sequence[int] = (0,), include_full: bool = True,
                    id_column: str | None = None) -> list[Condition]:
    """The conditions to train, with the exact ids each one changes (no training yet)."""
    ids = record_ids(records)
    if not 0 < k <= len(ids):
        raise ValidationInputError(f"k must be between 1 and the number of records ({len(ids)}), got {k}")
    for mode in modes:
        if mode not in ("drop", "relabel"):
            raise ValidationInputError(f"unknown intervention mode {mode!r}; choose 'drop' or 'relabel'")
    top = top_ids(read_ranking(ranking, id_column=id_column), k, ids)
    out = [Condition("full", 0, [], None)] if include_full else []
    out += [Condition(f"{mode}-top", k, top, mode) for mode in modes]
    if random_control:
        for seed in random_seeds:
            name = "drop-random" if len(random_seeds) == 1 else f"drop-random-s{seed}"
            out.append(Condition(name, k, random_ids(records, k, seed), "drop"))
    return out


def measure_condition(records: Sequence[dict], cond: Condition, spec: TrainSpec, prompt_sets: Mapping[str, list[str]],
                      judge: Judge = compliance_judge, *, max_new_tokens: int = 48, chat: bool = True,
                      callbacks: Sequence = (), output_dir: str | None = None) -> tuple[dict, dict, Trained]:
    """Train one condition and measure it: (table row with `rate:<set>` columns, {set: responses}, trained model)."""
    data = list(records) if cond.mode is None else apply_intervention(records, cond.mode, cond.ids)
    log.info("validate: training %s (k=%d, %d records)", cond.name, cond.k, len(data))
    trained = train_model(data, spec, callbacks=callbacks, output_dir=output_dir)
    row = {"condition": cond.name, "k": cond.k, "n_train": trained.n_train, "ids_changed": len(cond.ids),
           "seconds": round(trained.seconds, 1)}
    responses = {}
    for name, ps in _as_prompt_sets(prompt_sets).items():
        rate, responses[name], _ = behaviour_rate(trained.model, trained.tokenizer, ps, judge,
                                                  max_new_tokens=max_new_tokens, chat=chat)
        row[f"rate:{name}"] = rate
    return row, responses, trained


def finish_table(rows: Sequence[dict], behaviour_set: str) -> pd.DataFrame:
    """Rows with `rate:<set>` columns -> the table: behaviour_rate (of ``behaviour_set``) and reduction vs `full`."""
    table = pd.DataFrame(list(rows))
    if "full" not in set(table.condition):
        raise ValidationInputError("the table needs a `full` row to compute reductions against")
    full = float(table.loc[table.condition == "full", f"rate:{behaviour_set}"].iloc[0])
    table.insert(4, "behaviour_rate", table[f"rate:{behaviour_set}"])
    table.insert(5, "reduction", [(full - r) / full if full > 0 else math.nan for r in table["behaviour_rate"]])
    return table.drop(columns=[f"rate:{behaviour_set}"])


def _as_prompt_sets(prompts) -> dict[str, list[str]]:
    if isinstance(prompts, Mapping):
        sets = {str(k): list(v) for k, v in prompts.items()}
    else:
        sets = {"heldout": list(prompts)}
    if not sets or any(not v for v in sets.values()):
        raise ValidationInputError("held-out prompts are needed to measure the behaviour (every prompt set non-empty)")
    return sets


def run_validation(records: Sequence[dict], ranking, spec: TrainSpec, prompts, *, k: int,
                   modes: Sequence[str] = ("drop",), random_control: bool = True, random_seeds: Sequence[int] = (0,),
                   judge: Judge = compliance_judge, max_new_tokens: int = 48, chat: bool = True,
                   full_rates: Mapping[str, float] | None = None, id_column: str | None = None,
                   on_condition: Callable[[dict], None] | None = None) -> ValidationResult:
    """Train and measure every condition (see the module docstring).

    ``prompts``: held-out prompts, a list or ``{set name: prompts}`` (the first set defines the behaviour rate).
    ``full_rates``: already measured rates of the full run per prompt set (e.g. the capture run, trained by
    `train_model` with the same spec), which skips retraining it. ``on_condition`` gets each finished table row."""
    sets = _as_prompt_sets(prompts)
    conditions = plan_conditions(records, ranking, k, modes=modes, random_control=random_control,
                                 random_seeds=random_seeds, include_full=full_rates is None, id_column=id_column)
    first = next(iter(sets))
    rows, responses = [], {}
    if full_rates is not None:
        missing = set(sets) - set(full_rates)
        if missing:
            raise ValidationInputError(f"full_rates lacks prompt set(s) {sorted(missing)}")
        rows.append({"condition": "full", "k": 0, "n_train": len(records), "ids_changed": 0,
                     **{f"rate:{s}": float(full_rates[s]) for s in sets}, "seconds": float("nan")})
    for cond in conditions:
        row, responses[cond.name], _ = measure_condition(records, cond, spec, sets, judge,
                                                         max_new_tokens=max_new_tokens, chat=chat)
        rows.append(row)
        if on_condition is not None:
            on_condition(row)
    table = finish_table(rows, first)
    meta = {"behaviour_set": first, "prompt_sets": {s: len(v) for s, v in sets.items()}, "k": k,
            "modes": list(modes), "random_seeds": list(random_seeds) if random_control else [],
            "trainer": spec.trainer, "model": spec.model if isinstance(spec.model, str) else repr(spec.model),
            "lora": spec.lora, "train": spec.train, "seed": spec.seed, "full_rates_given": full_rates is not None}
    return ValidationResult(table=table, conditions=conditions, responses=responses, meta=meta)


def format_table(table: pd.DataFrame) -> str:
    """Plain-text table (rates and reductions as percentages)."""
    shown = table.copy()
    for col in shown.columns:
        if col == "reduction" or col == "behaviour_rate" or col.startswith("rate:"):
            shown[col] = [("n/a" if pd.isna(v) else f"{100 * v:.1f}%") for v in shown[col]]
    return shown.to_string(index=False)
