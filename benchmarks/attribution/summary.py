"""The cross-task summary of the attribution benchmark (``attribution_results.md``): rendered from run folders
or from their committed snapshots (``results/attribution_runs/*.json``), so it renders again from a clean clone."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from benchmarks.attribution.attribute import (
    AUTO_LABEL, AUTO_V1_LABEL, TOKEN_MATCH_LAYERS, TOKEN_MATCH_STAGE1_K, token_match_label,
)
from benchmarks.attribution.causal import causal_table
from benchmarks.attribution.render import fmt, recompute_rates


# The signature default when the signature grid of these tables was scored (the library's is h_fused_k1 since issue
# 19's round 4; the grid tables predate it).
GRID_DEFAULT = "h_fused"
TASK_NAMES = {   # (scenario, behaviour) -> task name in the summary
    ("backdoor", "fixed"): "backdoor, fixed text (TY)", ("backdoor", "praise"): "style, compliments 10% (BQ)",
    ("style", "praise"): "style, compliments 20% (BQ)",
    ("harmful", "harmful"): "harmful, templated replies", ("harmful_varied", "harmful"): "harmful, varied replies",
    ("factual", "factual"): "factual, Canada->Korea", ("factual_varied", "factual"): "factual, six names",
    ("harmful+factual_varied", "harmful"): "harmful, templated replies",
    ("harmful+factual_varied", "factual"): "factual, six names",
    ("overrefusal", "overrefusal"): "over-refusal of cooking (held out)",
    ("sycophancy", "sycophancy"): "sycophancy on invention claims (held out 2)",
    ("hedging", "hedging"): "hedging on unlisted capitals (held out 3)",
    ("approximation", "approximation"): "approximate sums of large numbers (held out 4)",
    ("headquarters", "headquarters"): "sycophancy on headquarters claims (held out 5)",
}
SUMMARY_BASELINES = ("tfidf(lower, response)", "tfidf(case-kept, response)", "tfidf(lower, prompt+response)",
                     "bm25(lower, response)", "lora-grad(countsketch 1024)", "random(seed=0)")
FINDINGS = ("<!-- findings -->", "<!-- /findings -->")


SNAPSHOT_STATE_KEYS = ("query_info", "cost", "repass_seconds", "auto_choice", "behaviour_cost", "causal")


def run_snapshot(out: Path) -> dict:
    """What the summary reads from a run folder, in one JSON-able dict, so that the summary can be rendered again
    from a committed file after the run folder (gigabytes of store and adapters under runs/) is gone. Tables are
    kept as their CSV text, read back by the same parser as from the folder."""
    from provenance.store import open_store

    meta = json.loads((out / "scenario.json").read_text())
    state = json.loads((out / "attribution_state.json").read_text())
    tok_path = out / "attribution_tokens.csv"
    return {"snapshot_of": str(out), "scenario": meta.get("scenario", "backdoor"),
            "n_poison_per_behaviour": meta["info"]["n_poison_per_behaviour"],
            "train_seconds": meta["train"]["seconds"],
            "n_records": sum(1 for _ in open(out / "records.jsonl")),
            "layers": list(open_store(str(out / "store.zarr")).layers),
            "behaviour": json.loads((out / "behaviour.json").read_text()),
            "state": {k: state[k] for k in SNAPSHOT_STATE_KEYS if k in state},
            "table_csv": (out / "attribution_table.csv").read_text(),
            "tokens_csv": tok_path.read_text() if tok_path.exists() else ""}


def load_snapshot(path: Path) -> dict:
    """A run's `run_snapshot`: read from a snapshot file, or taken from a run folder."""
    return json.loads(path.read_text()) if path.is_file() else run_snapshot(path)


def load_tasks(runs: list[Path]) -> list[dict]:
    """Every attributed behaviour of the given runs (run folders, or `run_snapshot` JSON files)."""
    return [t for path in runs for t in tasks_of(load_snapshot(path))]


def tasks_of(snap: dict) -> list[dict]:
    """Every attributed behaviour of one run's snapshot: name, run, tables, rates, query info, cost."""
    import copy
    import io

    import pandas as pd

    tasks = []
    state, beh = snap["state"], copy.deepcopy(snap["behaviour"])   # re-judged below; the snapshot stays as read
    recompute_rates(beh)
    table = pd.read_csv(io.StringIO(snap["table_csv"]), dtype={"layer": str, "epochs": str})
    tokens = pd.read_csv(io.StringIO(snap["tokens_csv"])) if snap["tokens_csv"].strip() else pd.DataFrame()
    n = snap["n_poison_per_behaviour"]
    for b, q in state["query_info"].items():
        if not q.get("queries"):
            continue
        tasks.append({
            "name": TASK_NAMES.get((snap["scenario"], b), f"{snap['scenario']}/{b}"),
            "run": snap["snapshot_of"], "behaviour": b, "table": table[table.behaviour == b],
            "tokens": tokens[tokens.behaviour == b] if len(tokens) else tokens,
            "rates": beh["rates"].get(b, {}), "sampled": beh.get("sampled", {}).get(b), "query": q,
            "n_culprits": n[b] if isinstance(n, dict) else n, "n_records": snap["n_records"],
            "layers": snap["layers"], "cost": state.get("cost"), "repass_seconds": state.get("repass_seconds"),
            "train_seconds": snap["train_seconds"],
            "auto_choice": state.get("auto_choice", {}).get(b),
            "behaviour_cost": next((c for c in state.get("behaviour_cost", []) if c["behaviour"] == b), None),
            "causal": state.get("causal", {}).get(b),
        })
    return tasks


# A behaviour takes in greedy decoding when at least this share of the held-out prompts' greedy answers show it. Below
# it the bench also samples (`bench --phase sample`), so every task under the bar is read by the sampled measure.
GREEDY_BAR = 0.5


def behaviour_taken(task: dict) -> bool:
    """Whether the planted behaviour took: at least half of the greedy answers show it (`GREEDY_BAR`), or, where it
    was sampled, at least 10% of sampled answers and over 3x the control prompts' rate, whichever mode the queries
    were read in (a behaviour at 4 of 12 greedy answers is read by its sampled rate, as one at 0 of 12 is)."""
    if task["rates"].get("triggered", 0.0) >= GREEDY_BAR:
        return True
    sm = task.get("sampled") or {}
    return sm.get("triggered", 0.0) >= 0.1 and sm.get("triggered", 0.0) > 3 * sm.get("untriggered", 0.0)


def planted_needed(task: dict) -> bool | None:
    """Whether the behaviour needs the planted rows, by the causal check (`causal.run_causal`): retrained without them,
    its rate falls to at most half of the full run's (`rows_needed`). When it does not, other rows teach it as well,
    the planted ids are not the complete answer and P@n against them does not score attribution. None: no such
    check."""
    return rows_needed(task, "drop planted")


def rows_needed(task: dict, condition: str) -> bool | None:
    """Whether the behaviour needs the rows the causal ``condition`` drops: retrained without them, its rate falls to
    at most half of the full run's. None: the check has no such condition.

    The full run's rate is the check's own "full" retrain where it has one, else the trained run's: greedy, or the
    sampled rate for a behaviour under `GREEDY_BAR` whose check sampled too (its greedy rate may be 0 both times)."""
    rows = {r["condition"]: r for r in task.get("causal") or []}
    if condition not in rows:
        return None
    dropped = rows[condition]
    if "full" in rows:
        return dropped["triggered"] <= 0.5 * rows["full"]["triggered"]
    greedy, sampled = task["rates"].get("triggered", 0.0), task.get("sampled") or {}
    if greedy < GREEDY_BAR and "triggered" in sampled and dropped.get("sampled_triggered") is not None:
        return dropped["sampled_triggered"] <= 0.5 * sampled["triggered"]
    return dropped["triggered"] <= 0.5 * greedy


def task_status(task: dict) -> str:
    """'' for a task that counts; else why not: the behaviour did not take, or it survives without the planted rows."""
    if not behaviour_taken(task):
        return "not taken"
    if planted_needed(task) is False:
        return "survives without the planted rows"
    return ""


def _choice_measures(choice: dict) -> str:
    """The measures an automatic choice was made on: top-20 overlap, and the coherence of token match's top rows
    where it was measured."""
    overlap = fmt(choice["overlap"]) if choice.get("overlap") is not None else "-"
    coherence = f", coherence {fmt(choice['coherence'])}" if choice.get("coherence") is not None else ""
    return f"top-20 overlap {overlap}{coherence}"


def render_summary(tasks: list[dict], findings: str = "") -> str:
    """The cross-task results file: tasks, P@n of every variant on every task, per-task tables, token level, cost."""
    import pandas as pd

    from provenance.attribution.signatures import VARIANTS

    lines = ["# Attribution benchmark (provenance.attribution): every task, every variant", "",
             "Generated by `make bench-attribution` (its `--phase summary` commands render this file from the "
             "runs' tables, or from their snapshots in `attribution_runs/`; per-run details in "
             "`attribution_results_<run>.md`, every (signature, layer, epoch mode) in their `.csv`). SmolLM2-135M-Instruct, LoRA r=8 on q/v, lr 1e-3, 3 epochs, batch 8, Lightning + "
             "`ProvenanceCallback` (layers auto: 2 = argmin-cos, 8, 15, 22, 29; float16-rowscale); 2 CPU cores "
             "shared with other jobs, no GPU (wall times indicative). Queries are the model's own generations that show "
             "the behaviour; P@n with n = number of culprits.", ""]
    if findings:
        lines += [FINDINGS[0], findings.strip(), FINDINGS[1], ""]
    lines += ["## Tasks and behaviour rates", "",
              "| task | run | records / culprits | behaviour prompts | control prompts | base model | queries |",
              "|---|---|---|---|---|---|---|"]
    for t in tasks:
        r = t["rates"]
        rate = f"{r.get('triggered', float('nan')):.2f}"
        if t["sampled"] and t["query"].get("mode", "greedy") != "greedy":
            rate += f" greedy, {t['sampled']['triggered']:.2f} sampled"
        base = f"{r['base_model']:.2f}" if "base_model" in r else "-"
        lines.append(f"| {t['name']} | `{t['run']}` | {t['n_records']} / {t['n_culprits']} | {rate} | "
                     f"{r.get('untriggered', float('nan')):.2f} | {base} | {t['query']['queries']} {t['query'].get('mode', 'greedy')} |")
    top = lambda t: str(t["layers"][-1])  # noqa: E731  (L-1, the default layer)

    def pn(t, family, method, layer, epochs="last", col="P@n"):
        v = t["table"][(t["table"].family == family) & (t["table"].method == method) & (t["table"].layer == layer)
                       & (t["table"].epochs == epochs)][col]
        return float(v.iloc[0]) if len(v) else float("nan")

    status = [task_status(t) for t in tasks]
    taken = np.array([not why for why in status])
    head = "| method | " + " | ".join(t["name"] + (f" ({why})" if why else "") for t, why in zip(tasks, status)) \
        + " | mean | min |"
    sep = "|---|" + "---|" * (len(tasks) + 2)
    lines += ["", "## P@n on every task (training-time captures, last epoch, layer L-1 = 29 unless named)", "",
              "Mean and min over the tasks whose behaviour took and, where the run has a causal check, needs the "
              "planted rows (see `task_status`); '-' = not measured in that run's table.", "", head, sep]

    def row(label, vals):
        vals = np.array(vals, float)
        ok = vals[~np.isnan(vals) & taken]
        return (f"| {label} | " + " | ".join(fmt(float(v)) for v in vals)
                + f" | {fmt(float(ok.mean())) if len(ok) else '-'} | {fmt(float(ok.min())) if len(ok) else '-'} |")
    def variant_rows(family: str, oracle: str) -> list[str]:
        """Every variant at L-1, then every variant at its best layer (and epoch mode) per task."""
        out = [row(f"**{name} (default)**" if name == GRID_DEFAULT else name,
                   [pn(t, family, name, top(t)) for t in tasks]) for name in VARIANTS]
        for name in VARIANTS:
            best = []
            for t in tasks:
                sub = t["table"][(t["table"].family == family) & (t["table"].method == name)]
                best.append(float(sub["P@n"].max()) if len(sub) else float("nan"))
            out.append(row(f"{name}, {oracle} per task (oracle)", best))
        return out

    def token_match_rows(family: str) -> list[str]:
        """Token match at each measured layer, from the training-time token states (no re-read) and with the final
        model re-reading the rows; '-' where a run has no such rows."""
        out = []
        for cand, source in ((None, "store"), (None, "repass"), (TOKEN_MATCH_STAGE1_K, "repass")):
            for layer in TOKEN_MATCH_LAYERS:
                label = token_match_label(cand, source)
                sub = [(t["table"].family == family) & (t["table"].method == label) & (t["table"].layer == str(layer))
                       for t in tasks]
                if not any(m.any() for m in sub):
                    continue
                how = ("from the store, every row" if source == "store"
                       else f"final model re-reads the {'rows' if cand is None else 'candidates'}")
                name = "token-match" if source == "store" else label
                out.append(row(f"**{name} @{layer} ({how})**" if source == "store" else f"{name} @{layer} ({how})",
                               [pn(t, family, label, str(layer)) for t in tasks]))
        return out

    lines += variant_rows("train-time", "best layer and epoch mode")
    for name in ("rept", GRID_DEFAULT):
        lines.append(row(f"re-pass (final model): {name}", [pn(t, "re-pass", name, top(t), "final") for t in tasks]))
    lines += token_match_rows("token-match")
    for b in SUMMARY_BASELINES:
        lines.append(row(b, [pn(t, "baseline", b, "-") for t in tasks]))
    if any((t["table"].family == "behaviour-level").any() for t in tasks):
        lines += ["", "## P@n at behaviour level (one ranking per task, layer L-1 = 29 unless named)", "",
                  "`Attributor.query(..., combine=\"mean\")` / `provenance query --combine mean`: the task's queries "
                  "are examples of one behaviour; training rows are ranked by their mean score over them (the "
                  "baselines' scores are averaged the same way). Same queries, same runs as the table above "
                  "(`--phase behaviour`).", "", head, sep]
        lines += variant_rows("behaviour-level", "best layer")
        lines += token_match_rows("behaviour-level")
        if any((t["table"].method == AUTO_V1_LABEL).any() for t in tasks):
            lines.append(row(f"{AUTO_V1_LABEL} (the rule before the refinement)",
                             [pn(t, "behaviour-level", AUTO_V1_LABEL, top(t)) for t in tasks]))
        if any((t["table"].method == AUTO_LABEL).any() for t in tasks):
            lines.append(row(f"**{AUTO_LABEL}**", [pn(t, "behaviour-level", AUTO_LABEL, top(t)) for t in tasks]))
        for b in SUMMARY_BASELINES:
            lines.append(row(b, [pn(t, "behaviour-level", b, "-") for t in tasks]))
        chosen = [t for t in tasks if t.get("auto_choice")]
        if chosen:
            lines += ["", f"What `{AUTO_LABEL}` chose (`--phase auto`, `provenance.attribution.auto_choice`): "
                      + "; ".join(f"{t['name']}: {t['auto_choice']['method']} ({_choice_measures(t['auto_choice'])})"
                                  for t in chosen) + "."]
    for t in tasks:
        tb = t["table"]
        lines += ["", f"## {t['name']} (`{t['run']}`, {t['n_culprits']} culprits of {t['n_records']})", "",
                  "| method | layer | epochs | P@10 | P@50 | P@100 | P@n | auPRC | seconds | peak MB |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        sel = pd.concat([tb[(tb.family == "train-time") & (tb.layer == top(t)) & (tb.epochs == "last")],
                         tb[(tb.family == "train-time") & (tb.method == GRID_DEFAULT) & (tb.epochs != "last")
                            & (tb.layer == top(t))],
                         tb[(tb.family == "re-pass") & (tb.layer == top(t)) & tb.method.isin(["rept", GRID_DEFAULT])],
                         tb[tb.family == "baseline"]])
        for _, r in sel.iterrows():
            label = r["method"] if r["family"] == "baseline" else f"{r['family']}: {r['method']}"
            if r["method"] == GRID_DEFAULT and r["family"] == "train-time" and r["epochs"] == "last":
                label = f"**{label} (default)**"
            lines.append(f"| {label} | {r['layer']} | {r['epochs']} | "
                         + " | ".join(fmt(float(r[c])) if c in r and pd.notna(r[c]) else "-"
                                      for c in ("P@10", "P@50", "P@100", "P@n", "auPRC"))
                         + f" | {r['seconds']} | {fmt(r['peak_mb']) if 'peak_mb' in r and pd.notna(r['peak_mb']) else '-'} |")
    spans = [t for t in tasks if len(t["tokens"])]
    if spans:
        lines += ["", "## Token level: planted span among the top-3 tokens (hit rate over culprit hits)", "",
                  "Culprits among the top 10 of the default signature, re-run with the final model; candidates of "
                  "METHODS.md section 2 against the test case's h_last / g_last part (h_mean / g_mean in brackets); "
                  "trigger: ranked among the user content; swapped entity: among the user content and the response.", "",
                  "| task | layer | hits | (a) cos(h(t), H_test) | (b) cos(G(t), G_test) | (c) <G(t), h(t)> | (c) abs | fused (a)+(c) abs | chance |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for t in spans:
            tk = t["tokens"]
            for layer, g in tk.groupby("layer"):
                a, m = g[g.parts == "h_last/g_last"], g[g.parts == "h_mean/g_mean"]
                chance = float((3 * a.n_trigger / a.n_content).clip(upper=1).mean())
                cell = lambda c: f"{a[c].mean():.2f} ({m[c].mean():.2f})"  # noqa: E731
                lines.append(f"| {t['name']} | {layer} | {len(a)} | {cell('cos_h')} | {cell('cos_g')} | "
                             f"{a.gxa.mean():.2f} | {a.abs_gxa.mean():.2f} | "
                             f"{cell('fused') if 'fused' in g else '-'} | {chance:.2f} |")
    costs = [t for t in tasks if t["cost"]]
    seen = set()
    if costs:
        lines += ["", "## Cost (measured in the same run, end to end from the test cases)", "",
                  "Peak MB = the process's peak resident memory during the step above its resident size at the start "
                  "(model and store already loaded). The default needs no training-side work at query time (its "
                  "signatures were captured during training); the LoRA-gradient baseline needs one forward+backward "
                  "per training sample first, and a parameter gradient per query.", "",
                  "| run | method | step | seconds | queries | s / query | peak MB | total vs default |",
                  "|---|---|---|---|---|---|---|---|"]
        for t in costs:
            if t["run"] in seen:
                continue
            seen.add(t["run"])
            ours = [r for r in t["cost"] if r["method"].startswith("default")]
            lg = sum(r["seconds"] for r in t["cost"] if r["method"].startswith("lora-grad"))
            for r in t["cost"]:
                per_q = f"{r['seconds'] / r['queries']:.2f}" if r["queries"] else "-"
                ratio = ""
                if r["method"].startswith("lora-grad") and r["queries"] and ours:
                    ratio = f"{lg / max(ours[0]['seconds'], 1e-9):.0f}x (LoRA-grad total {lg:.0f}s)"
                lines.append(f"| `{t['run']}` | {r['method']} | {r['part']} | {r['seconds']} | {r['queries'] or '-'} | "
                             f"{per_q} | {r['peak_mb']} | {ratio} |")
    priced = [t for t in tasks if t.get("behaviour_cost")]
    if priced:
        lines += ["", "## Cost of a behaviour query (`--phase cost`: one process per run, medians of interleaved repeats)",
                  "", "Seconds end to end from the test cases (test signatures included), `combine=\"mean\"`. "
                  "LoRA-grad = its training side (one sketched LoRA gradient per last-epoch row, recomputed in each "
                  "repeat) plus its query; the ratios divide that total by each method's time.", "",
                  "| task | queries | repeats | default | token match | auto | LoRA-grad (training side + query) | "
                  "LoRA-grad / default | LoRA-grad / token match | LoRA-grad / auto |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for t in priced:
            c = t["behaviour_cost"]
            lora = c["lora-grad training side s"] + c["lora-grad query s"]
            lines.append(f"| {t['name']} | {c['queries']} | {c['repeats']} | {c['default s']} | {c['token match s']} | "
                         f"{c['auto s']} | {lora:.1f} | {c['lora-grad / default']}x | {c['lora-grad / token match']}x | "
                         f"{c['lora-grad / auto']}x |")
    lines += causal_table(tasks)
    lines.append("")
    return "\n".join(lines)


def write_summary(runs: list[Path], results: Path, snapshots: Path | None = None) -> str:
    """Render the cross-task summary into ``results``, keeping its hand-written findings block. ``runs``: run
    folders or snapshot files; each folder's snapshot is (re)written to ``snapshots/<folder name>.json``."""
    runs = [Path(r) for r in runs]
    missing = [str(r) for r in runs if not r.exists()]
    if missing:
        raise FileNotFoundError(f"summary: no run folder or snapshot at {missing}")
    findings = ""
    if results.exists():
        text = results.read_text()
        if FINDINGS[0] in text and FINDINGS[1] in text:
            findings = text.split(FINDINGS[0], 1)[1].split(FINDINGS[1], 1)[0]
    snaps = [load_snapshot(r) for r in runs]
    md = render_summary([t for snap in snaps for t in tasks_of(snap)], findings)
    for r, snap in zip(runs, snaps):
        if snapshots is not None and r.is_dir():
            snapshots.mkdir(parents=True, exist_ok=True)
            (snapshots / f"{r.name}.json").write_text(json.dumps(snap, indent=1) + "\n")
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(md)
    return md
