"""How often the competing-groups report appears on the benchmark's runs, and what it says.

    OMP_NUM_THREADS=1 nice -n 5 python -m benchmarks.attribution.groups_count \
        --out benchmarks/attribution/results/groups_count.md

For every run (``runs/attr_<task>`` with a ``behaviour.json``) and every behaviour its attribution phase queries,
the queries are the model's own generations that show the behaviour, as `attribute.run_methods` builds them
(`behaviour_cases`). Each is ranked by the default method (``Attributor.query`` without ``method``) per answer and
per behaviour (``combine="mean"``), at the k of the benchmark's "groups per answer" column (``--k``, 100, as
`bench.py` passes to `run_methods`) and at ``--k-small`` (20), with the competing-groups detection on (the
library path, `provenance.attribution.groups`). Counted: queries with a report, queries where some
configuration had two relevant groups (a report without the twin test: what was reported before it), and per
report the groups' sizes and sources, the configuration (side and layer) that split them, the twin test (closest
response pairs that join the two groups, chance, p), the groups dropped by the relevance test (no closer to the
query than the ranking's continuation) and by the twin test (no response twins in another group), the relevance
null used, and the detection's seconds. The
detection examines the top 100 rows whatever k (`provenance.attribution.groups`: fewer can never let two groups
of twins pass at k=20), so its outcome at k=20 must equal its outcome at k=100 (checked per query). The extra cost
of ranking deeper (groups on: ``max(k, 200)`` rows, `ranking_depth`) is measured against the same query with
groups off, whose ranking is checked identical. ``--before JSON`` adds a table comparing with the records of an
earlier run (its reports per task and k, and its detection cost). Behaviours without a generation that shows them (a run
without sampled generations) are listed, not counted. The goal (issue 19): a report on the confusable task, none on
single-group tasks.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.attribution import default_choice
from benchmarks.attribution.attribute import behaviour_queries
from benchmarks.attribution.state import attributor_of
from benchmarks.fsdp.machine import cpu_name
from provenance.attribution.groups import MAX_ROWS, competing_groups

# Every counted task of the benchmark (a run folder missing is listed as skipped).
TASKS = tuple(t for t in default_choice.TASKS if t not in default_choice.NOT_COUNTED)
COMBINES = {"none": "per answer", "mean": "per behaviour"}


def count_run(out: Path, ks: list[int], limit: int | None = None, no_cases: list[str] | None = None) -> list[dict]:
    """One record per (behaviour, combine, k, query) of one run; behaviours without cases go to ``no_cases``."""
    att, _ = attributor_of(out)
    records = []
    for behaviour, cases, mode, culprits in behaviour_queries(out, no_cases):
        cases = cases[:limit] if limit else cases
        for combine in COMBINES:
            method = att.resolve_method(None, combine=combine)
            needs = method.requirements(att)
            t0 = time.perf_counter()
            test = att.signatures(cases, needs.layers, needs.case_token_layers) if needs.layers else att.text_only(cases)
            test_seconds = time.perf_counter() - t0
            for k in ks:
                # groups off, on, off again: the first call warms the caches (store reads, token states), the timed
                # pair runs warm; the ranking with groups on must be the plain one.
                plain = att.query(test, method=method, k=k, snippet_chars=0, combine=combine, groups=False)
                res = att.query(test, method=method, k=k, snippet_chars=0, combine=combine)
                warm = att.query(test, method=method, k=k, snippet_chars=0, combine=combine, groups=False)
                identical = bool(res.ranking.equals(plain.ranking)) and bool(warm.ranking.equals(plain.ranking))
                by_query = {g.query: g for g in res.groups}
                # The detection as it was before it examined 100 rows at every k (the top min(k, 100) rows, the
                # continuation below them from a ranking 2k deep), on the same queries in the same process: the
                # before of the count and of the cost.
                old = {}
                if k < MAX_ROWS:
                    deep = att.query(test, method=method, k=2 * k, snippet_chars=0, combine=combine, groups=False)
                    t0 = time.perf_counter()
                    old_found, old_checked = competing_groups(
                        att, res.ranking, test=test, combine=combine, layer=needs.layers[0] if needs.layers else None,
                        max_rows=k, deeper=deep.ranking)
                    old = {"found": {g.query for g in old_found}, "checked": old_checked,
                           "seconds": time.perf_counter() - t0}
                for query, check in res.checks["groups"].items():
                    found = by_query.get(query)
                    records.append({
                        "task": out.name.removeprefix("attr_"), "behaviour": behaviour, "mode": mode,
                        "combine": combine, "k": k, "query": query, "method": res.method,
                        "reported": found is not None, "config": check.get("reported"),
                        "irrelevant": check.get("irrelevant", 0), "unpaired": check.get("unpaired", 0),
                        "twins": check.get("twins"), "relevance": check.get("relevance"),
                        "by_config": check.get("by_config", []), "level": check.get("level"),
                        "seconds": check["seconds"], "query_seconds": res.seconds, "test_seconds": test_seconds,
                        "plain_query_seconds": warm.seconds, "depth": check.get("depth"), "identical": identical,
                        "examined": check.get("rows"), "shown": check.get("shown"),
                        "old_reported": (query in old["found"]) if old else None,
                        "old_seconds": old["checked"].get(query, {}).get("seconds") if old else None,
                        "relevance_null": check.get("relevance_null"),
                        "groups": [] if found is None else [
                            {"label": g.label, "size": g.size, "sources": g.sources, "best_rank": g.best_rank,
                             "mean_score": round(g.mean_score, 4), "relevance_p": g.relevance_p,
                             "planted": sum(str(s) in culprits for s in g.sample_ids),
                             "worst_rank": max(g.ranks)} for g in found.groups],
                        "twin_tests": [] if found is None else found.twin_tests})
                n_rep = sum(r["reported"] for r in records[-len(res.checks["groups"]):])
                print(f"{out.name} {behaviour} {COMBINES[combine]} k={k} [{res.method}]: report on "
                      f"{n_rep}/{len(res.checks['groups'])}", flush=True)
    return records


def _by(records: list[dict], keys: tuple[str, ...]) -> dict[tuple, list[dict]]:
    """The records grouped by the values of ``keys``, in first-seen order."""
    out: dict[tuple, list[dict]] = {}
    for r in records:
        out.setdefault(tuple(r[key] for key in keys), []).append(r)
    return out


def _coherent_split(record: dict) -> bool:
    """Whether some configuration split the query's rows into two or more coherent groups (relevant or not)."""
    return any(c["groups"] >= 2 for c in record["by_config"])


def _relevant_split(record: dict) -> bool:
    """Whether some configuration had two or more relevant groups: a report without the twin test."""
    return any(c.get("relevant", 0) >= 2 for c in record["by_config"])


def _twins_text(tests: list[dict]) -> str:
    return "; ".join(f"{'-'.join(t['groups'])} {t['cross']}/{t['pairs']} closest response pairs join them (chance "
                     f"{t['expected']:.1f}, p {t['p']:.3g})" for t in tests)


def _groups_text(groups: list[dict]) -> str:
    return "; ".join(f"{g['label']}: {g['size']} rows ({', '.join(f'{s} {c}' for s, c in g['sources'].items())}; "
                     f"planted {g['planted']}, best rank {g['best_rank']}, mean score {g['mean_score']:.3g})"
                     for g in groups)


def _report_key(r: dict) -> tuple:
    """What a query's report says, for comparing two k: reported or not, the configuration, the groups' rows."""
    return r["reported"], r["config"], tuple((g["size"], tuple(sorted(g["sources"].items()))) for g in r["groups"])


def _before_after(records: list[dict], before: list[dict], ks: list[int], before_name: str) -> list[str]:
    """Reports per task, mode and k in ``before`` and now, and the detection cost per k in both."""
    lines = ["", f"## Before / after ({before_name} -> this run)", "",
             "Reports / queries per task, mode and k before and now (-: the task was not counted before).", ""]
    head = " | ".join(f"{COMBINES[c]} k={k}" for c in COMBINES for k in ks)
    lines += [f"| task | behaviour | {head} |", "|" + "---|" * (2 + len(ks) * len(COMBINES))]
    for task, behaviour in dict.fromkeys((r["task"], r["behaviour"]) for r in records):
        cells = []
        for c in COMBINES:
            for k in ks:
                def cell(recs):
                    sel = [r for r in recs if (r["task"], r["behaviour"], r["combine"], r["k"]) == (task, behaviour, c, k)]
                    return f"{sum(r['reported'] for r in sel)}/{len(sel)}" if sel else "-"
                cells.append(f"{cell(before)} -> {cell(records)}")
        lines.append(f"| {task} | {behaviour} | {' | '.join(cells)} |")
    tasks = {r["task"] for r in records}
    lines += ["", "Detection seconds per query (median / max) over the same tasks, before -> now:", ""]
    for k in ks:
        b = [r["seconds"] for r in before if r["k"] == k and r["task"] in tasks]
        a = [r["seconds"] for r in records if r["k"] == k]
        if a and b:
            lines.append(f"- k={k}: {np.median(b):.2f} / {max(b):.2f} s -> {np.median(a):.2f} / {max(a):.2f} s "
                         f"({len(b)} -> {len(a)} queries)")
    return lines


def render(records: list[dict], command: str, ks: list[int], skipped: list[str], no_cases: list[str] = (),
           before: list[dict] | None = None, before_name: str = "") -> str:
    """The results as Markdown: the count per task, mode and k, then every report."""
    lines = ["# Competing-groups report: how often it appears (issue 19 item 2)", "",
             f"Machine: {platform.node()} ({cpu_name()}, {os.cpu_count()} cores, OMP_NUM_THREADS=1, niced); date {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC.",
             f"Command: `{command}`", "",
             "Queries: the model's own generations that show each behaviour (as the benchmark's `run_methods` builds "
             "them), ranked by the default method; a report = `AttributionResult.groups` non-empty (two or more "
             "coherent groups, each closer to the query than the ranking's continuation, and each with response "
             "twins in another group (the twin test), in some configuration: both sides at the method's layer or "
             "the prompt side alone at a captured layer, every test at alpha/m, the twin test at alpha/(m x pairs)). "
             "Goal: a report on the confusable task, none on single-group tasks.", ""]
    if skipped:
        lines += [f"Not run (no behaviour.json): {', '.join(skipped)}.", ""]
    if no_cases:
        lines += [f"No query (no greedy or sampled generation shows the behaviour): {', '.join(no_cases)}.", ""]
    lines += ["Each cell: queries with a report / queries (in brackets: queries where some configuration had two or "
              "more relevant groups, i.e. a report without the twin test, as before it; then two or more coherent "
              "groups, i.e. a report without the relevance and twin tests). Dropped as irrelevant: coherent groups "
              "that failed the relevance test (no closer to the query than the rows ranked just below the examined "
              "ones); dropped as unpaired: relevant groups that failed the twin test (no response twins in another "
              "group); both summed over the queries and configurations at the first k.", ""]
    head = " | ".join(f"{COMBINES[c]} k={k}" for c in COMBINES for k in ks)
    lines += [f"| task | behaviour | method (per answer / per behaviour) | {head} | dropped as irrelevant (k={ks[0]}) "
              f"| dropped as unpaired (k={ks[0]}) |",
              "|" + "---|" * (3 + len(ks) * len(COMBINES) + 2)]
    keys = list(dict.fromkeys((r["task"], r["behaviour"]) for r in records))
    for task, behaviour in keys:
        mine = [r for r in records if (r["task"], r["behaviour"]) == (task, behaviour)]
        cells = []
        for c in COMBINES:
            for k in ks:
                sel = [r for r in mine if r["combine"] == c and r["k"] == k]
                cells.append(f"{sum(r['reported'] for r in sel)}/{len(sel)} ({sum(map(_relevant_split, sel))}; "
                             f"{sum(map(_coherent_split, sel))})")
        first = [c for r in mine if r["k"] == ks[0] for c in r["by_config"]]
        dropped = sum(c["irrelevant"] for c in first)
        unpaired = sum(c.get("unpaired", 0) for c in first)
        methods = " / ".join(dict.fromkeys(r["method"].split(" (")[0] for r in mine))
        lines.append(f"| {task} | {behaviour} | {methods} | {' | '.join(cells)} | {dropped} | {unpaired} |")
    lines += ["", "## Cost (seconds per query, the first query of a text-only method includes its forward pass)", "",
              "Detection: the competing-groups check per query. Ranking: one `Attributor.query` call (all its queries) "
              "with groups on (ranked to the depth shown) and off (ranked to k), the extra is on minus off.", "",
              "| k | depth (median) | detection median | detection max | ranking on (median) | ranking off (median) "
              "| extra ranking (median) | rankings identical | queries |", "|---|---|---|---|---|---|---|---|---|"]
    for k in ks:
        sel = [r for r in records if r["k"] == k]
        if sel:
            sec = [r["seconds"] for r in sel]
            calls = {(r["task"], r["behaviour"], r["combine"]): r for r in sel}.values()   # one per query call
            on, off = [r["query_seconds"] for r in calls], [r["plain_query_seconds"] for r in calls]
            extra = [a - b for a, b in zip(on, off)]
            depth = np.median([r["depth"] for r in sel if r.get("depth") is not None] or [np.nan])
            same = sum(r["identical"] for r in calls)
            lines.append(f"| {k} | {depth:.0f} | {np.median(sec):.2f} | {max(sec):.2f} | {np.median(on):.2f} | "
                         f"{np.median(off):.2f} | {np.median(extra):+.2f} | {same}/{len(calls)} calls | {len(sec)} |")
    pairs = _by(records, ("task", "behaviour", "combine", "query"))
    same = [len({_report_key(r) for r in sel}) == 1 for sel in pairs.values() if len(sel) == len(ks)]
    examined = sorted({r.get("examined") for r in records if r.get("examined") is not None})
    lines += ["", f"Examined rows per query: {', '.join(map(str, examined))}. Reports identical at every k "
              f"(reported or not, configuration, groups' sizes and sources): {sum(same)}/{len(same)} queries."]
    old = [r for r in records if r.get("old_reported") is not None]
    if old:
        lines += ["", "## Before / after in this run (k below 100: the detection as before, on the top k rows, against "
                  "it now, on the top 100; same queries, same process)", "",
                  "| task | behaviour | mode | k | reports before -> now | detection s before (median / max) | now |",
                  "|---|---|---|---|---|---|---|"]
        for (task, behaviour, combine, k), sel in _by(old, ("task", "behaviour", "combine", "k")).items():
            b, a = [r["old_seconds"] for r in sel], [r["seconds"] for r in sel]
            lines.append(f"| {task} | {behaviour} | {COMBINES[combine]} | {k} | {sum(r['old_reported'] for r in sel)}/"
                         f"{len(sel)} -> {sum(r['reported'] for r in sel)}/{len(sel)} | {np.median(b):.2f} / "
                         f"{max(b):.2f} | {np.median(a):.2f} / {max(a):.2f} |")
        b, a = [r["old_seconds"] for r in old], [r["seconds"] for r in old]
        lines.append(f"| all | | | | {sum(r['old_reported'] for r in old)}/{len(old)} -> "
                     f"{sum(r['reported'] for r in old)}/{len(old)} | {np.median(b):.2f} / {max(b):.2f} | "
                     f"{np.median(a):.2f} / {max(a):.2f} |")
    if before is not None:
        lines += _before_after(records, before, ks, before_name)
    lines += ["", "Relevance null per task and k (queries): the continuation (the rows ranked just below the examined "
              "ones), or random rows where fewer rows than the examined lie below them (a small store).", ""]
    for (task, k), sel in _by(records, ("task", "k")).items():
        cont = [r for r in sel if str(r.get("relevance_null")).startswith("continuation")]
        rest = sorted({str(r.get("relevance_null")) for r in sel} - {str(r.get("relevance_null")) for r in cont})
        lines.append(f"- {task} k={k}: continuation {len(cont)}/{len(sel)}"
                     + (f"; {'; '.join(rest)}" if rest else ""))
    lines += ["", "## Every report", ""]
    reports = [r for r in records if r["reported"]]
    if not reports:
        lines.append("None.")
    for r in reports:
        deepest = max((g.get("worst_rank", 0) for g in r["groups"]), default=0)
        beyond = f"; rows down to rank {deepest}, below the {r['k']} shown" if deepest > r["k"] else ""
        lines.append(f"- {r['task']} / {r['behaviour']} {COMBINES[r['combine']]} k={r['k']} {r['query']}: split on "
                     f"{r['config']} (level {r['level']:.3g}, null: {r.get('relevance_null')}{beyond}); "
                     f"{_groups_text(r['groups'])}; twins: {_twins_text(r.get('twin_tests', []))}; groups dropped "
                     f"as no closer than the null {r['irrelevant']}, as unpaired {r.get('unpaired', 0)}")
    lines += ["", "## Every split the twin test dropped (two or more relevant groups, no report)", ""]
    dropped = [(r, c) for r in records if not r["reported"] for c in r["by_config"] if c.get("relevant", 0) >= 2]
    if not dropped:
        lines.append("None.")
    for r, c in dropped:
        tests = "; ".join(f"groups {'-'.join(map(str, t['groups']))} ({t['rows']} rows): {t['cross']}/{t['pairs']} "
                          f"closest response pairs join them (chance {t['expected']:.1f}), p {t['p']:.3g} vs level "
                          f"{t['level']:.3g}"
                          for t in c.get("twin_tests", []))
        lines.append(f"- {r['task']} / {r['behaviour']} {COMBINES[r['combine']]} k={r['k']} {r['query']} "
                     f"{c['config']}: {tests or 'not tested'}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs-dir", default="runs")
    ap.add_argument("--tasks", nargs="*", default=list(TASKS))
    ap.add_argument("--k", type=int, default=100, help="the k of the benchmark's groups-per-answer column")
    ap.add_argument("--k-small", type=int, default=20)
    ap.add_argument("--limit", type=int, default=None, help="at most this many queries per behaviour (smoke runs)")
    ap.add_argument("--out", default="benchmarks/attribution/results/groups_count.md")
    ap.add_argument("--json", default=None, help="also write every record here")
    ap.add_argument("--render", default=None, metavar="JSON",
                    help="only re-render --out from the records a run wrote with --json (no queries)")
    ap.add_argument("--command", default=None, help="with --render: the command that produced the records")
    ap.add_argument("--before", default=None, metavar="JSON",
                    help="records of an earlier run (--json) to compare with: reports per task and k, detection cost")
    ap.add_argument("--before-name", default="the earlier run", help="how the report names --before")
    ap.add_argument("--no-cases", nargs="*", default=[], metavar="TASK/BEHAVIOUR",
                    help="with --render: the behaviours the run found no query for (it printed them)")
    args = ap.parse_args(argv)
    before = json.loads(Path(args.before).read_text()) if args.before else None
    if args.render:
        records = json.loads(Path(args.render).read_text())
        done = {r["task"] for r in records} | {n.split("/")[0].strip() for n in args.no_cases}
        skipped = [t for t in args.tasks if t not in done]
        Path(args.out).write_text(render(records, args.command or "(not recorded)", [args.k, args.k_small], skipped,
                                         args.no_cases, before, args.before_name))
        print(f"wrote {args.out}")
        return
    import torch

    torch.set_num_threads(1)
    ks = [args.k, args.k_small]
    records, skipped, no_cases = [], [], []
    for task in args.tasks:
        out = Path(args.runs_dir) / f"attr_{task}"
        if not (out / "behaviour.json").is_file():
            skipped.append(task)
            continue
        records += count_run(out, ks, args.limit, no_cases)
        Path(args.out).write_text(render(records, " ".join(["python -m benchmarks.attribution.groups_count",
                                                            *sys.argv[1:]]), ks, skipped, no_cases,
                                         before, args.before_name))
        if args.json:
            # One record per line: a quarter smaller than an indented dump, and a line diff per record.
            Path(args.json).write_text("[\n" + ",\n".join(json.dumps(r, default=str) for r in records) + "\n]\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
