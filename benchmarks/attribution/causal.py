"""Causal check of a behaviour ranking: retrain a benchmark run without the rows the ranking blames, re-measure.

    python -m benchmarks.attribution.bench --out runs/attr_overrefusal --phase causal

For each behaviour the run's attribution phase queried, the run's training recipe (`train.train_scenario`, same
seed, same hyper-parameters, no capture) is repeated under these conditions, each its own retrain:

- ``full``: every record (the reference under this code path; also checks that the retrain reproduces the run);
- ``drop auto top-n``: without the n best rows of `AutoMethod` per behaviour (n = number of planted culprits);
- ``drop auto top-2n``: without its 2n best, for behaviours that a few rows left behind still teach;
- ``drop token-match top-n``: without token match's n best rows: the rows whose words the answers reuse. Where
  they are the same rows as auto's, auto's result is reused, not retrained;
- ``drop random n``: without n rows drawn uniformly (seed 0), the control;
- ``drop planted``: without the planted culprits, what a perfect ranking would remove. A behaviour that survives
  this is taught by other rows too: P@n against the planted ids does not score attribution there;
- ``drop source NAME`` (asked for by name only, never by default): without every unplanted row of source NAME. On a
  task whose form twins give the planted answer in another prompt context it asks whether those rows teach the
  behaviour too: a ranking that puts them beside the planted rows is then not wrong, and P@n against the planted
  rows alone understates it;
- only where auto overruled token match (their top-n differ), i.e. where the answers' wording comes from other rows:
  ``drop wording sources``: without every unplanted row of the sources of token match's top n, and ``drop wording
  sources and planted``: without those and the planted rows (do those sources teach the behaviour on their own?).

Behaviour rates are measured like the run's own (`train.behaviour_rates`: held-out prompts, greedy, the scenario's
judge). Where the run itself was sampled for the behaviour (``--phase sample``: a behaviour greedy decoding hides),
each condition is sampled the same way too (`train.sampled_behaviour`, same n and temperature), since a greedy rate
of 0 cannot show that a behaviour seen only under sampling needs its planted rows. Results go to ``attribution_state.json`` under ``causal`` and each condition's folder under ``causal/``;
a condition already measured is not retrained (delete its folder to redo it).

A new task is checked before its attribution is read: ``--conditions full "drop planted"`` needs only the trained run
(no attribution phase), and a behaviour that survives without its planted rows is not a task P@n can score.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from benchmarks.attribution.state import attributor_of, load_state, locked_state, queried_behaviours
from benchmarks.attribution.train import behaviour_rates, load_trained, sampled_behaviour, train_scenario
from provenance.data.backdoor import Scenario

CONDITIONS = ("full", "drop auto top-n", "drop auto top-2n", "drop token-match top-n", "drop random n", "drop planted",
              "drop wording sources", "drop wording sources and planted")
WORDING = ("drop wording sources", "drop wording sources and planted")   # only where auto overruled token match
RANKED = {"drop auto top-n": ("auto", 1), "drop auto top-2n": ("auto", 2), "drop token-match top-n": ("token match", 1)}
SOURCE = "drop source "   # + a source name: a condition asked for by name, outside CONDITIONS


def is_condition(condition: str) -> bool:
    """Whether ``condition`` is one `dropped_ids` knows: one of `CONDITIONS`, or `SOURCE` + a source name."""
    return condition in CONDITIONS or (condition.startswith(SOURCE) and bool(condition[len(SOURCE):].strip()))


def in_order(rows: dict[str, dict]) -> list[dict]:
    """``rows`` (condition -> result) in `CONDITIONS` order, then the source conditions by name."""
    return [rows[c] for c in CONDITIONS if c in rows] + [rows[c] for c in sorted(rows) if c not in CONDITIONS]


def ranked_top(out: Path, behaviour: str, n: int) -> dict[str, list[int]]:
    """Sample ids of the 2n best rows for ``behaviour`` on the run's own queries (combine="mean"), per ranking:
    {"auto": `AutoMethod`, "token match": `TokenMatchMethod` from the stored token states (only when the store
    has them)}."""
    from provenance.attribution.auto_choice import AutoMethod
    from provenance.attribution.token_match import TokenMatchMethod, default_token_layer

    att, _ = attributor_of(out)
    for name, cases, _culprits in queried_behaviours(out):
        if name == behaviour:
            methods = {"auto": AutoMethod()}
            layer = default_token_layer(att.model)
            if layer in att.store.token_state_layers:   # else no token match: its conditions are skipped
                methods["token match"] = TokenMatchMethod(layer, None, None, "last", states="store")
            return {key: [int(s) for s in att.query(cases, method=m, k=2 * n, snippet_chars=0,
                                                    combine="mean").ranking["sample_id"].head(2 * n)]
                    for key, m in methods.items()}
    raise ValueError(f"{out}: behaviour {behaviour!r} was not queried by the attribution phase")


def dropped_ids(condition: str, records: list[dict], culprits: list[int], top: dict[str, list[int]],
                seed: int = 0) -> list[int]:
    """The sample ids a condition removes (``top``: `ranked_top`'s rankings, at least 2n rows each)."""
    if condition == "full":
        return []
    if condition in RANKED:
        ranking, times = RANKED[condition]
        return list(top[ranking][: times * len(culprits)])
    if condition == "drop planted":
        return list(culprits)
    if condition in WORDING:
        n, planted = len(culprits), set(culprits)
        by_id = {r["sample_id"]: r["source"] for r in records}
        sources = {by_id[i] for i in top["token match"][:n] if i not in planted}
        ids = [r["sample_id"] for r in records if r["source"] in sources and r["sample_id"] not in planted]
        return ids + (list(culprits) if condition.endswith("and planted") else [])
    if condition == "drop random n":
        ids = np.array([r["sample_id"] for r in records])
        return [int(i) for i in np.random.default_rng(seed).choice(ids, size=len(culprits), replace=False)]
    if is_condition(condition) and condition.startswith(SOURCE):
        name, planted = condition[len(SOURCE):].strip(), set(culprits)
        ids = [r["sample_id"] for r in records if r["source"] == name and r["sample_id"] not in planted]
        if not ids:
            sources = sorted({r["source"] for r in records})
            raise ValueError(f"{condition!r}: no unplanted row has source {name!r}; the run's sources: {sources}")
        return ids
    raise ValueError(f"unknown condition {condition!r}; choose from {CONDITIONS} or '{SOURCE}<source name>'")


def verbatim_shares(generations: list[str], records: list[dict], culprits) -> dict:
    """Share of the answers that repeat a training response word for word: a planted row's, or another row's
    (where the wording of a behaviour comes from, next to where the behaviour does)."""
    norm = lambda t: " ".join(t.split()).lower()  # noqa: E731
    ids = set(culprits)
    planted = {norm(r["response"]) for r in records if r["sample_id"] in ids}
    other = {norm(r["response"]) for r in records if r["sample_id"] not in ids}
    n = max(len(generations), 1)
    return {"verbatim_planted": sum(norm(g) in planted for g in generations) / n,
            "verbatim_other": sum(norm(g) in other and norm(g) not in planted for g in generations) / n}


def run_causal(out: Path, conditions=CONDITIONS) -> dict:
    """Retrain ``out``'s scenario under each condition and measure its behaviour rates (see the module doc)."""
    meta = json.loads((out / "scenario.json").read_text())
    records = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines() if line.strip()]
    unknown = {c for c in conditions if not is_condition(c)}
    if unknown:
        raise ValueError(f"unknown conditions {sorted(unknown)}; choose from {CONDITIONS} or '{SOURCE}<source name>'")
    # Without a ranked condition this is the validity check a new task passes before its attribution is read
    # (does the behaviour need its planted rows?): it runs on a trained run, before any attribution phase.
    ranked = bool(set(conditions) & (set(RANKED) | set(WORDING)))
    state = load_state(out)
    train = meta["train"]
    results = state.get("causal", {})
    for behaviour, culprits in meta["culprits"].items():
        if ranked and behaviour not in state.get("query_info", {}):
            continue
        top = ranked_top(out, behaviour, len(culprits)) if ranked else {}
        rows = {r["condition"]: r for r in results.get(behaviour, [])}
        for c, r in rows.items():   # rows measured before these fields were recorded
            if "dropped_ids" not in r:
                r["dropped_ids"] = sorted(dropped_ids(c, records, culprits, top))
            r.update(verbatim_shares(r["generations"], records, culprits))
        matched = "token match" in top
        overruled = matched and set(top["auto"][: len(culprits)]) != set(top["token match"][: len(culprits)])
        for condition in conditions:
            if (condition in WORDING and not overruled) or (condition == "drop token-match top-n" and not matched):
                continue
            folder = out / "causal" / f"{behaviour}-{condition.replace(' ', '_')}"
            drop = set(dropped_ids(condition, records, culprits, top))
            same = next((r for c, r in rows.items() if c != condition and set(r["dropped_ids"]) == drop), None)
            if condition in rows and ((folder / "adapter").exists() or rows[condition].get("same_as")):
                continue
            if same is not None:   # the same rows as a measured condition: one retrain would repeat the other
                rows[condition] = {**same, "condition": condition, "same_as": same["condition"]}
                results[behaviour] = in_order(rows)
                continue
            kept = [r for r in records if r["sample_id"] not in drop]
            scenario = Scenario(kept, {behaviour: [c for c in culprits if c not in drop]},
                                {behaviour: meta["test_prompts"][behaviour]}, meta["clean_test_prompts"], meta["info"])
            print(f"{out} {behaviour} {condition}: {len(kept)} records ({len(drop & set(culprits))} of "
                  f"{len(culprits)} planted culprits dropped)", flush=True)
            t0 = time.time()
            train_scenario(scenario, folder, epochs=train["epochs"], lr=train["lr"], batch=train["batch"],
                           seed=train["seed"], max_length=train["max_length"], scenario_name=meta.get("scenario", ""),
                           capture=False)
            model, tok = load_trained(folder)
            rates = behaviour_rates(model, tok, json.loads((folder / "scenario.json").read_text()))
            rate = rates["rates"][behaviour]
            rows[condition] = {"condition": condition, "n_train": len(kept), "dropped": len(drop),
                               "dropped_ids": sorted(drop),
                               "planted_dropped": len(drop & set(culprits)), "n_planted": len(culprits),
                               "triggered": rate["triggered"], "untriggered": rate["untriggered"], "n": rate["n"],
                               "seconds": round(time.time() - t0, 1),
                               "generations": rates["generations"][behaviour],
                               **verbatim_shares(rates["generations"][behaviour], records, culprits)}
            rows[condition].update(_sampled_rates(out, folder, behaviour, rates))
            print(f"  behaviour rate {rate['triggered']:.2f} (controls {rate['untriggered']:.2f}), "
                  f"{rows[condition]['seconds']}s", flush=True)
            results[behaviour] = in_order(rows)
            _save(out, results)
        _save(out, results)
    return results


def _sampled_rates(out: Path, folder: Path, behaviour: str, rates: dict) -> dict:
    """The condition's sampled rates (``sampled_triggered``, ``sampled_untriggered``), measured as the run's own were,
    or {} where the run was not sampled for ``behaviour``."""
    measured = out / "behaviour.json"
    run_sampled = json.loads(measured.read_text()).get("sampled", {}).get(behaviour) if measured.exists() else None
    if run_sampled is None:
        return {}
    (folder / "behaviour.json").write_text(json.dumps(rates, indent=2))
    sampled = sampled_behaviour(folder, behaviours=(behaviour,), n=run_sampled["n_per_prompt"],
                                temperature=run_sampled["temperature"])["sampled"][behaviour]
    print(f"  sampled rate {sampled['triggered']:.2f} (controls {sampled['untriggered']:.2f})", flush=True)
    return {"sampled_triggered": sampled["triggered"], "sampled_untriggered": sampled["untriggered"]}


def _save(out: Path, results: dict) -> None:
    # Other phases, or another causal process measuring other conditions, may have written meanwhile: merge per
    # condition (this process's rows win) so that neither loses rows. Before any attribution phase there is no state.
    with locked_state(out) as state:
        merged = state.get("causal", {})
        for behaviour, rows in results.items():
            by_condition = {r["condition"]: r for r in merged.get(behaviour, [])}
            by_condition.update({r["condition"]: r for r in rows})
            merged[behaviour] = in_order(by_condition)
        state["causal"] = merged


def causal_table(tasks: list[dict]) -> list[str]:
    """Markdown rows of every task's causal check (empty when no run has one)."""
    lines = []
    for t in tasks:
        for r in t.get("causal") or []:
            cond = f"{r['condition']} (same rows as {r['same_as']})" if r.get("same_as") else r["condition"]
            verbatim = f"{r['verbatim_planted']:.2f} / {r['verbatim_other']:.2f}" if "verbatim_other" in r else "-"
            sampled = (f" (sampled {r['sampled_triggered']:.2f})", f" (sampled {r['sampled_untriggered']:.2f})") \
                if "sampled_triggered" in r else ("", "")
            lines.append(f"| {t['name']} | {cond} | {r['n_train']} | {r['dropped']} | "
                         f"{r['planted_dropped']} / {r['n_planted']} | {r['triggered']:.2f}{sampled[0]} | "
                         f"{r['untriggered']:.2f}{sampled[1]} | {verbatim} | {r['n']} |")
    if not lines:
        return []
    return ["", "## Acting on the ranking: retrain without the rows it blames (`--phase causal`)", "",
            "Each condition retrains the run's recipe (same seed and hyper-parameters, no capture) and re-measures "
            "the behaviour on the run's held-out prompts (greedy, the scenario's judge; sampled too where the run "
            "was sampled). `drop auto top-n` "
            "(`top-2n`) removes the n (2n) best rows of the automatic choice per behaviour (n = planted culprits), "
            "`drop token-match top-n` token match's n best (the rows whose words the answers reuse), `drop random n` "
            "n rows drawn at random (seed 0), `drop planted` the planted culprits; where auto overruled token match, "
            "`drop wording sources` every unplanted row of the sources of token match's top n (and the planted rows "
            "too). `answers verbatim`: the share of the held-out answers that repeat, word for word, a planted row's "
            "response / another row's (where the wording comes from).",
            "", "| task | condition | records | dropped | planted dropped | behaviour rate | controls | "
            "answers verbatim (planted / other) | prompts |", "|---|---|---|---|---|---|---|---|---|", *lines]
