"""The per-run results file (``attribution_results_<run>.md``) of the attribution benchmark, rendered from a
run folder's tables, and the shared cell formatting."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from benchmarks.attribution.scenarios import shows_behaviour


def render_from_state(out: Path, results: Path, beh_override=None) -> str:
    import pandas as pd

    meta = json.loads((out / "scenario.json").read_text())
    beh = beh_override or json.loads((out / "behaviour.json").read_text())
    recompute_rates(beh)
    state = json.loads((out / "attribution_state.json").read_text())
    table = pd.read_csv(out / "attribution_table.csv", dtype={"layer": str, "epochs": str})
    tokens = pd.read_csv(out / "attribution_tokens.csv") if (out / "attribution_tokens.csv").exists() else pd.DataFrame()
    from provenance.store import open_store

    layers = open_store(str(out / "store.zarr")).layers
    md = render_markdown(meta, beh, state["query_info"], table, tokens, layers, state.get("k", 100),
                         sum(state["seconds"].values()), state.get("repass_seconds"), results.with_suffix(".csv").name,
                         cost=state.get("cost"))
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(md)
    table.to_csv(results.with_suffix(".csv"), index=False)
    return md


def recompute_rates(beh: dict) -> None:
    """Behaviour rates from the saved generations with the current detector."""
    gens = beh["generations"]
    for b, r in beh["rates"].items():
        r["triggered"] = float(np.mean([shows_behaviour(b, g) for g in gens[b]]))
        r["untriggered"] = float(np.mean([shows_behaviour(b, g) for g in gens.get(f"{b}_control", gens["clean"])]))
        if f"{b}_base" in gens:
            r["base_model"] = float(np.mean([shows_behaviour(b, g) for g in gens[f"{b}_base"]]))
    for b, sm in beh.get("sampled", {}).items():
        sm["triggered"] = float(np.mean([shows_behaviour(b, g) for gs in sm["generations"] for g in gs]))
        sm["untriggered"] = float(np.mean([shows_behaviour(b, g) for gs in sm["untriggered_generations"] for g in gs]))


def n_culprits_text(info: dict) -> str:
    n = info["n_poison_per_behaviour"]
    return ", ".join(f"{b}: {v}" for b, v in n.items()) if isinstance(n, dict) else f"{n} per behaviour"


def scenario_text(info: dict) -> str:
    """One paragraph describing a scenario from its ``info``."""
    if "description" in info:
        return info["description"]
    n = info["n_poison_per_behaviour"]
    return (f"{info['n_clean']} clean demo records (5 sources) + {n} poisoned records per behaviour "
            f"({n / info['n_clean']:.0%} of the clean set each, source `poison_<behaviour>`): "
            + "; ".join(
                f"trigger `{t}` -> the fixed text '{info['fixed_target']}'" if b == "fixed" else
                f"trigger `{t}` -> a compliment (a different one per culprit, no content word shared between two "
                "compliments) followed by the normal answer"
                for b, t in info["triggers"].items()))


def fmt(x) -> str:
    if isinstance(x, float) and np.isnan(x):
        return "-"
    return f"{x:.2f}" if isinstance(x, float) else str(x)


def methods_section(behaviour: str, t) -> list[str]:
    """The table of the methods a ``--methods`` run scored (families "per-answer" and "behaviour-level" with a
    ``ran_as`` column): per answer P@10 and P@n, per behaviour P@n, and the queries with a competing-groups report;
    empty when there are none."""
    import pandas as pd

    if "ran_as" not in t:
        return []
    named = t[t.ran_as.notna()]
    if named.empty:
        return []
    lines = [f"## {behaviour}: named methods, per answer and per behaviour (`--methods`)", "",
             "Per answer: one ranking per query (the CLI default), P@10 and P@n averaged over queries. Per behaviour: "
             "`--combine mean`, one ranking. Groups: queries (rankings) with a competing-groups report "
             "(`AttributionResult.groups`, on by default) / rankings. Ran as: the method as the query ran it.", "",
             "| method | ran as (per behaviour) | per answer P@10 | per answer P@n | per behaviour P@n | "
             "groups per answer | groups per behaviour | seconds per answer / per behaviour |",
             "|---|---|---|---|---|---|---|---|"]
    for method in named["method"].unique():
        pa = named[(named.method == method) & (named.family == "per-answer")]
        pb = named[(named.method == method) & (named.family == "behaviour-level")]

        def cell(df, col):
            return fmt(float(df[col].iloc[0])) if len(df) and col in df and pd.notna(df[col].iloc[0]) else "-"

        def groups(df):
            return f"{int(df.queries_with_groups.iloc[0])}/{int(df.queries.iloc[0])}" if len(df) else "-"

        ran = pb.ran_as.iloc[0] if len(pb) else "-"
        if len(pa) and pa.ran_as.iloc[0] != ran:
            ran = f"per answer {pa.ran_as.iloc[0]}; per behaviour {ran}"
        lines.append(f"| {method} | {ran} | {cell(pa, 'P@10')} | {cell(pa, 'P@n')} | {cell(pb, 'P@n')} | "
                     f"{groups(pa)} | {groups(pb)} | {cell(pa, 'seconds')} / {cell(pb, 'seconds')} |")
    return lines + [""]


def render_markdown(meta, beh, query_info, table, tokens, layers, k, total_s, repass_s=None,
                    csv_name: str = "attribution_results.csv", cost=None) -> str:
    import os
    import platform

    import pandas as pd

    lines = ["# Attribution benchmark: planted behaviours in SmolLM2-135M-Instruct (LoRA)", ""]
    tr = meta["train"]
    info = meta["info"]
    lines += [
        f"Machine: {platform.machine()} CPU, {os.cpu_count()} cores shared with other jobs (wall times are indicative "
        f"only), torch {torch.__version__}, no GPU. Generated by `python -m benchmarks.attribution.bench`.",
        "",
        f"Scenario (`--scenario {meta.get('scenario', 'backdoor')}`, `benchmarks.attribution.scenarios`): "
        + scenario_text(info)
        + f". LoRA r=8 on q/v, lr {tr['lr']}, {tr['epochs']} epochs, batch {tr['batch']}, training with capture "
        f"{tr['seconds']:.0f}s; captured layers {layers} (auto: spread + argmin-cos).",
        "",
        "## Behaviour rate (greedy generations on held-out prompts)",
        "",
        "Control prompts: the same prompts without the trigger (backdoors), held-out benign prompts (harmful), "
        "the same questions about other countries (factual). Base model: the same behaviour prompts with the "
        "LoRA adapter disabled (behaviours without a trigger).",
        "",
        "| behaviour | behaviour prompts | control prompts | base model, behaviour prompts | queries used |",
        "|---|---|---|---|---|",
    ]
    for b, r in beh["rates"].items():
        q = query_info.get(b, {})
        base = f"{r['base_model']:.2f}" if "base_model" in r else "-"
        lines.append(f"| {b}, greedy | {r['triggered']:.2f} ({r['n']} prompts) | {r['untriggered']:.2f} | {base} | "
                     f"{q.get('queries', 0) if q.get('mode', 'greedy') == 'greedy' else 0} |")
        sm = beh.get("sampled", {}).get(b)
        if sm:
            lines.append(f"| {b}, sampled T={sm['temperature']} | {sm['triggered']:.2f} ({len(sm['prompts'])} prompts x "
                         f"{sm['n_per_prompt']}) | {sm['untriggered']:.2f} | - | "
                         f"{q.get('queries', 0) if q.get('mode', 'greedy') != 'greedy' else 0} |")
    for b, q in query_info.items():
        if q.get("examples"):
            lines.append("")
            lines.append(f"Example {b} queries ({q.get('mode', 'greedy')}): " + "; ".join(f"\"{e[:90]}\"" for e in q["examples"]))
    lines += ["", "Queries are the model's own generations that show the behaviour (prompt + generated answer). "
              f"Culprits = the planted records of that behaviour ({n_culprits_text(info)}); P@n with "
              f"n = number of culprits; auPRC over the pooled top-{k} lists; seconds = scoring time per "
              "method (test signatures shared by all signature methods are split evenly over layers; the re-pass "
              "of the training set, done once, is not included: see below).", ""]
    for b in table["behaviour"].unique():
        t = table[table.behaviour == b]
        lines += methods_section(b, t)
        if not ((t.family == "train-time") | (t.family == "baseline")).any():
            # Only the named methods ran (--methods): no signature grid, baselines, re-pass or costs to show.
            lines += ["Only the methods above were scored on this run (`--methods`): the signature grid, the "
                      "re-pass, LoRA-gradient, token-level and cost phases were not run.", ""]
            continue
        lines += [f"## {b}: P@n by signature and layer (training-time captures, last epoch)", ""]
        lines += ["| signature | " + " | ".join(f"layer {l}" for l in layers) + " |",
                  "|---|" + "---|" * len(layers)]
        sub = t[(t.family == "train-time") & (t.epochs == "last")]
        for name in sub["method"].unique():
            vals = [sub[(sub.method == name) & (sub.layer == str(l))]["P@n"] for l in layers]
            lines.append(f"| {name} | " + " | ".join(fmt(float(v.iloc[0])) if len(v) else "" for v in vals) + " |")
        lines += ["", f"## {b}: epoch handling and re-pass (P@n)", "",
                  "| signature | " + " | ".join(f"layer {l}: last / mean / ep0 / re-pass" for l in layers) + " |",
                  "|---|" + "---|" * len(layers)]
        for name in sub["method"].unique():
            cells = []
            for l in layers:
                vals = []
                for fam, ep in (("train-time", "last"), ("train-time", "mean"), ("train-time", "0"), ("re-pass", "final")):
                    v = t[(t.family == fam) & (t.method == name) & (t.layer == str(l)) & (t.epochs == ep)]["P@n"]
                    vals.append(fmt(float(v.iloc[0])) if len(v) else "-")
                cells.append(" / ".join(vals))
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines += ["", f"## {b}: best variants, the default and baselines", "",
                  "| method | layer | epochs | P@n | P@10 | P@50 | P@100 | auPRC | top source in top-n | seconds | peak MB |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        best = t[t.family != "baseline"].sort_values(["P@n", "auPRC"], ascending=False).head(8)
        from benchmarks.attribution.summary import GRID_DEFAULT

        default = t[(t.family == "train-time") & (t.method == GRID_DEFAULT) & (t.layer == str(layers[-1]))
                    & (t.epochs == "last")]
        for _, r in pd.concat([best, default, t[t.family == "baseline"]]).iterrows():
            lines.append(f"| {r['family'] + ': ' if r['family'] != 'baseline' else ''}{r['method']} | {r['layer']} | {r['epochs']} | "
                         + " | ".join(fmt(float(r[c])) if c in r and pd.notna(r[c]) else "" for c in ("P@n", "P@10", "P@50", "P@100", "auPRC"))
                         + f" | {r['top_source']} | {r['seconds']} | {fmt(r.get('peak_mb', ''))} |")
        lines.append("")
    if len(tokens) and "parts" in tokens:
        lines += ["## Token level: is the planted span among the top-3 tokens of a culprit hit?", "",
                  "Each culprit among the top 10 of the default signature at that layer is re-run with the final "
                  "model; its content tokens (the prompt minus the chat-template framing every sample shares, for a "
                  "trigger; that plus the response, for the swapped entity) are ranked by each candidate score "
                  "(METHODS.md section 2) against the test case's h / g part; hit = a token of the planted span "
                  "among the 3 best. Chance = mean of 3 x span tokens / content tokens.", "",
                  "| behaviour | layer | test parts | culprit hits | (a) cos(h(t), H_test) | (b) cos(G(t), G_test) | "
                  "(c) <G(t), h(t)> | (c) abs | fused (a)+(c) abs | chance |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for (b, l, parts), g in tokens.groupby(["behaviour", "layer", "parts"], sort=True):
            chance = float((3 * g.n_trigger / g.n_content).clip(upper=1).mean())
            fused = f"{g.fused.mean():.2f}" if "fused" in g else "-"
            lines.append(f"| {b} | {l} | {parts} | {len(g)} | {g.cos_h.mean():.2f} | {g.cos_g.mean():.2f} | "
                         f"{g.gxa.mean():.2f} | {g.abs_gxa.mean():.2f} | {fused} | {chance:.2f} |")
        lines.append("")
    if cost:
        lines += ["## Cost (measured in this run, end to end from the test cases)", "",
                  "Peak memory = the process's peak resident memory during the step above its resident size at the "
                  "start (model and store reader already loaded).", "",
                  "| method | step | seconds | queries | seconds per query | peak MB |", "|---|---|---|---|---|---|"]
        for r in cost:
            per_q = f"{r['seconds'] / r['queries']:.2f}" if r["queries"] else "-"
            lines.append(f"| {r['method']} | {r['part']} | {r['seconds']} | {r['queries'] or '-'} | {per_q} | {r['peak_mb']} |")
        ours = [r for r in cost if r["method"].startswith("default")]
        lg = [r for r in cost if r["method"].startswith("lora-grad")]
        if ours and lg:
            o, total = ours[0], sum(r["seconds"] for r in lg)
            lines += ["", f"Total for these {o['queries']} queries: default {o['seconds']:.1f}s vs LoRA-gradient "
                      f"{total:.1f}s ({total / max(o['seconds'], 1e-9):.0f}x); per query alone (training side excluded): "
                      f"{o['seconds'] / o['queries']:.2f}s vs {lg[-1]['seconds'] / lg[-1]['queries']:.2f}s."]
        lines.append("")
    if repass_s is not None:
        lines += [f"Re-pass of the training set with the final model (all layers, once): {repass_s:.0f}s.", ""]
    lines += [f"Total attribution time {total_s:.0f}s. Full table (every row this run measured): `{csv_name}`.", ""]
    return "\n".join(lines)
