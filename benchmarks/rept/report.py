"""Render ``benchmarks/rept/results.md`` from the per-dataset snapshots (and the progress of runs not yet scored)."""
from __future__ import annotations

import json
from pathlib import Path

AFTER_TUNING = "per answer, fired only after tuning"   # benchmarks.rept.attribute.AFTER_TUNING
REPT_DATASETS = ("harmful-tuning", "backdoor", "factual-Ag", "factual-Canada")
METRICS = ("P@10", "P@50", "P@100", "auPRC@10", "auPRC@50", "auPRC@100")
MARKER = ("<!-- notes -->", "<!-- /notes -->")


def _fmt(x, digits: int = 2) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def _minutes(seconds) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f} min"


def load_snapshots(folder: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(Path(folder).glob("*.json"))}


def progress_rows(runs: Path | None, scored: set[str]) -> dict[str, str]:
    """Dataset -> "in progress: ..." for run folders under ``runs`` that are not scored yet."""
    out = {}
    if runs is None or not Path(runs).is_dir():
        return out
    for run_dir in sorted(p for p in Path(runs).iterdir() if p.is_dir()):
        state_file = run_dir / "state.json"
        if run_dir.name in scored or not (state_file.exists() or (run_dir / "train.jsonl").exists()):
            continue
        done = json.loads(state_file.read_text()).get("done", []) if state_file.exists() else []
        ckpts = sorted(run_dir.glob("trainer/checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
        where = f", training: newest checkpoint at step {ckpts[-1].name.split('-')[1]}" if ckpts and "train" not in done else ""
        out[run_dir.name] = f"in progress: phases done {', '.join(done) or 'none'}{where}"
    return out


def _settings_table(snaps: dict[str, dict]) -> list[str]:
    lines = ["| dataset | rows trained (planted, rate) | on disk | epochs | lr | batch | max length | LoRA | seed | "
             "test prompts used | new tokens | train | generate | attribute |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, s in snaps.items():
        c, d = s["config"], s["data"]
        lora = f"r={c['lora_r']}, alpha={c['lora_alpha']}, dropout {c['lora_dropout']}, {'/'.join(c['target_modules'])}"
        g = s.get("generate") or {}
        a = s.get("attribute") or {}
        lines.append(
            f"| {name} | {d['rows']} ({d['poison']}, {d['poison_rate']:.1%}) | {d['rows_on_disk']} "
            f"({d['poison_on_disk']}) | {c['epochs']} | {c['lr']:g} | {c['batch']} | {c['max_length']} | {lora} | "
            f"{c['seed']} | {g.get('n', '-')} of {d['test_prompts_on_disk']} | {c['max_new_tokens']} | "
            f"{_minutes(s['train']['seconds'])} ({s['train']['steps']} steps) | {_minutes(g.get('seconds'))} | "
            f"{_minutes(a.get('seconds'))} |")
    return lines


def _behaviour_table(snaps: dict[str, dict], progress: dict[str, str]) -> list[str]:
    lines = ["| dataset | judge | behaviour rate after tuning | before tuning (adapter off) | status |",
             "|---|---|---|---|---|"]
    for name, s in snaps.items():
        g = s["generate"]
        status = (s.get("attribute") or {}).get("status", "-")
        lines.append(f"| {name} | {g['judge']} | **{g['rate']:.2f}** ({g['fired']}/{g['n']}) | "
                     f"{g['base_rate']:.2f} ({g['base_fired']}/{g['n']}) | {status} |")
    for name, text in progress.items():
        lines.append(f"| {name} | - | - | - | {text} |")
    for name in REPT_DATASETS:
        if name not in snaps and name not in progress:
            lines.append(f"| {name} | - | - | - | not run |")
    return lines


def _method_table(snap: dict, granularity: str) -> list[str]:
    rows = [r for r in snap["attribute"]["rows"] if r["granularity"] == granularity]
    n_poison = snap["data"]["poison"]
    cost = " cost vs LoRA-gradient |" if granularity == "per answer" else ""
    if granularity == AFTER_TUNING:
        lines = [f"The per-answer rankings above, scored only on the answers to prompts where the model before tuning "
                 f"did not show the behaviour ({rows[0]['queries'] if rows else 0} of "
                 f"{snap['attribute']['queries']}).", ""]
        lines += ["| method | " + " | ".join(METRICS) + " |", "|" + "---|" * (len(METRICS) + 1)]
        lines += [f"| {r['key']} | " + " | ".join(_fmt(r.get(m)) for m in METRICS) + " |" for r in rows]
        return lines
    lines = ["| method | ranked by | " + " | ".join(METRICS) + " | seconds |" + cost + " note |",
             "|" + "---|" * (len(METRICS) + 4 + bool(cost))]
    for r in rows:
        note = []
        if r["key"] == "default":
            note.append(f"`provenance query` default (`--method auto` resolves to `{r.get('cli_method')}`)")
        if r.get("same_as"):
            note.append(f"same ranking as {r['same_as']}")
        choice = r.get("choice") or {}
        if choice.get("reason"):
            note.append(choice["reason"])
        ranked_by = choice.get("method") or r["method"]
        lines.append(f"| {r['key']} | {ranked_by} | " + " | ".join(_fmt(r.get(m)) for m in METRICS)
                     + f" | {r['seconds']:.1f} |" + (f" {_fmt(r.get('cost_vs_lora_grad'), 3)} |" if cost else "")
                     + f" {'; '.join(note)} |")
    lines.append("")
    n_q = rows[0]["queries"] if rows else 0
    lines.append(f"{n_q} quer{'y' if n_q == 1 else 'ies'}; {n_poison} planted rows, so P@100 can reach at most "
                 f"{min(1.0, n_poison / 100):.2f}." + (" Seconds: each method's per-answer query end to end in one "
                 "process, its one-time training side included (re-pass, per-sample gradients, text index)."
                                                        if cost else " Seconds: the training side cached."))
    return lines


def _goals(snaps: dict[str, dict]) -> list[str]:
    """Issue 20's goals, checked on each scored dataset."""
    lines = []
    for name, s in snaps.items():
        if (s.get("attribute") or {}).get("status") != "scored":
            continue
        for granularity in ("per answer", "per behaviour"):
            rows = {r["key"]: r for r in s["attribute"]["rows"] if r["granularity"] == granularity}
            d = rows.get("default")
            if d is None:
                continue
            for other in ("rept", "lora-grad"):
                o = rows.get(other)
                if o is None:
                    continue
                cmp = []
                for m in ("P@10", "auPRC@10", "auPRC@50", "auPRC@100"):
                    if d.get(m) is None or o.get(m) is None:
                        continue
                    delta = d[m] - o[m]
                    cmp.append(f"{m} {d[m]:.2f} vs {o[m]:.2f} ({'+' if delta >= 0 else ''}{delta:.2f})")
                pairs = [(d[m], o[m]) for m in ("P@10", "auPRC@10") if d.get(m) is not None and o.get(m) is not None]
                if all(a > b for a, b in pairs):
                    verdict = "beats"
                elif all(a >= b for a, b in pairs):
                    verdict = "ties with or beats (a tie at the ceiling is no win)"
                else:
                    verdict = "does not beat"
                lines.append(f"- {name}, {granularity}: default {verdict} {other} on P@10 and auPRC@10: "
                             + "; ".join(cmp))
        b = next((r for r in s["attribute"]["rows"] if r["granularity"] == "per behaviour" and r["key"] == "default"),
                 None)
        if b is not None and b.get("P@100") is not None:
            ceiling = min(1.0, s["data"]["poison"] / 100)
            ok = b["P@100"] >= 0.95
            lines.append(f"- {name}, per behaviour P@100 = {b['P@100']:.2f} (goal >= 0.95: {'met' if ok else 'missed'}"
                         + (f"; at most {ceiling:.2f} here with {s['data']['poison']} planted rows" if ceiling < 0.95
                            else "") + ")")
    return lines


def _load_gauge(attribute: dict) -> str:
    """The default's per-answer seconds in each later process against the attribute phase's: how busy the shared
    machine was when the added methods were timed (empty when no later process recorded it)."""
    later = attribute.get("later_processes") or []
    first = next((r["seconds"] for r in attribute["rows"] if r["key"] == "default"
                  and r["granularity"] == "per answer"), None)
    if not later or first is None:
        return ""
    return (" The default's per-answer query, scored again in each process, took " + "; ".join(
        f"{p['default_seconds']:.1f} s in the one that added {', '.join(p['methods'])}" for p in later)
        + f", against {first:.1f} s in the attribute phase.")


def _gauge(rescored: dict) -> str:
    """How busy the machine was in a rescore's process: a method whose code did not move, timed in both."""
    return "".join(f" {key}'s per-answer query, the same code, took {g['after']:.1f} s here against {g['before']:.1f} s "
                   "there." for key, g in (rescored.get("gauge") or {}).items()
                   if g.get("before") is not None and g.get("after") is not None)


def render(snaps: dict[str, dict], progress: dict[str, str], notes: str = "") -> str:
    out = ["# RepT's own datasets: the project's attribution against RepT as published, text baselines, "
           "LoRA-gradient and bergson", "",
           "Generated by `make bench-rept REPT_DATA=<folder>` (`python -m benchmarks.rept.run`; method and metric "
           "definitions in [README.md](README.md)). Metrics exactly as RepT's `compute_metrics_online`: P@k = mean "
           "over queries of the planted share of the top k; auPRC@k = average precision over the pooled "
           "(score, planted) pairs of every query's top-k list. Per answer: each test answer that showed the "
           "behaviour is a query; per behaviour: those answers combined (`--combine mean`), one ranking.", ""]
    machines: dict[str, list[str]] = {}
    for name, s in snaps.items():
        if s.get("machine"):
            machines.setdefault(json.dumps(s["machine"], sort_keys=True), []).append(name)
    for m, names in sorted(machines.items(), key=lambda item: sorted(item[1])):
        m = json.loads(m)
        out.append(f"Machine ({', '.join(sorted(names))}): {m['cpu']}, {m['cores']} cores (shared with other jobs), "
                   f"torch {m['torch']} on {m['torch_threads']} thread(s), {'CUDA' if m['cuda'] else 'CPU only'}.")
    commands = sorted({s["command"] for s in snaps.values() if s.get("command")})
    if commands:
        out += ["", "Commands:", ""] + [f"    {c}" for c in commands]
    out += ["", "## Settings and wall times", ""] + (_settings_table(snaps) if snaps else ["(no dataset scored yet)"])
    out += ["", "## Behaviour on the test prompts", ""] + _behaviour_table(snaps, progress)
    for name, s in snaps.items():
        if (s.get("attribute") or {}).get("status") != "scored":
            continue
        st = s.get("store") or {}
        out += ["", f"## {name}", "",
                f"Store: {st.get('rows')} rows ({s['config']['epochs']} epoch{'s' if s['config']['epochs'] != 1 else ''}), layers {st.get('layers')}, per-token "
                f"states at {st.get('token_layers')}; RepT's argmin-cosine layer {st.get('argmin_cos')}. "
                f"bergson: {s['attribute'].get('bergson')}.", ""]
        for granularity in ("per answer", "per behaviour", AFTER_TUNING):
            if any(r["granularity"] == granularity for r in s["attribute"]["rows"]):
                out += [f"### {name}, {granularity}", ""] + _method_table(s, granularity) + [""]
        if s["attribute"].get("not_run"):
            out += [f"Not run on {name} (`--skip-methods`, to end within the session's CPU time): "
                    + ", ".join(s["attribute"]["not_run"]) + "; so no comparison with "
                    + ("them and no cost ratio to LoRA-gradient here." if "lora-grad" in s["attribute"]["not_run"]
                       else "it here."), ""]
        if s["attribute"].get("added_later"):
            out += ["Scored after the attribute phase, in a later process (`--add-methods`): "
                    + ", ".join(s["attribute"]["added_later"]) + "; cost ratios to LoRA-gradient compare seconds "
                    "measured in two processes." + _load_gauge(s["attribute"]), ""]
        for r in s["attribute"].get("rescored") or []:
            before = r.get("default_before") or {}
            out += [f"Scored again on {r['date']} at commit {r['commit']}, in a later process (`--rescore`, "
                    f"{r['seconds']:.0f} s), since the project default moved: " + ", ".join(r["methods"])
                    + ". The other rows are from the earlier process; cost ratios to LoRA-gradient compare seconds "
                    "measured in two processes."
                    + (f" The default's per-answer query ranked by {before['method']} there ({before['seconds']:.1f} s)."
                       if before else "") + _gauge(r), ""]
        if not any(r["granularity"] == AFTER_TUNING for r in s["attribute"]["rows"]):
            new = s["attribute"].get("queries_fired_only_after_tuning")
            if new == s["attribute"]["queries"]:
                out += ["Every answer attributed fired only after tuning (the model before tuning did not show the "
                        "behaviour on these prompts).", ""]
            elif new == 0:
                out += ["The model before tuning showed the behaviour on every prompt attributed here too: these "
                        "answers are not evidence of what the tuning taught.", ""]
    goals = _goals(snaps)
    if goals:
        out += ["## Issue 20's goals on these runs", ""] + goals
    out += ["", "## Notes", "", MARKER[0], notes.strip(), MARKER[1], ""]
    return "\n".join(out)


def write_results(snapshots: Path, results: Path, runs: Path | None = Path("runs/rept")) -> str:
    """Render the results file; the hand-written notes between the markers of an existing file are kept."""
    snaps = load_snapshots(snapshots)
    notes = ""
    if results.exists():
        text = results.read_text()
        if MARKER[0] in text and MARKER[1] in text:
            notes = text.split(MARKER[0], 1)[1].split(MARKER[1], 1)[0]
    md = render(snaps, progress_rows(runs, set(snaps)), notes)
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(md)
    return md
