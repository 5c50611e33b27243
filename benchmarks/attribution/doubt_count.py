"""When the default ranking is wrong, does the user get a sign of doubt? (issue 19: "on behaviours nobody tuned for,
the default ranking can be badly wrong without any sign of doubt")

    OMP_NUM_THREADS=1 nice -n 5 python -m benchmarks.attribution.doubt_count --runs runs/attr_insecure_code ... \
        --out benchmarks/attribution/results/doubt_count.md --json benchmarks/attribution/results/doubt_count.json

For every run and every behaviour of its ``scenario.json``, the queries are the model's own generations that show
the behaviour, as the benchmark's `run_methods` builds them (`behaviour_cases` after `recompute_rates`, at most 24
sampled ones). Each is ranked by the default method (`Attributor.query` without ``method``) per answer
(``combine="none"``, one query per generation) and per behaviour (``combine="mean"``, one query), with k=100,
the competing-groups detection on (the library default), ``lexical_floor=True`` and ``side_split=True`` (what
``provenance query`` asks for by default). Per query: P@n (n = the behaviour's planted rows; the share of planted
rows among the top n), whether the result carries a competing-groups report (`AttributionResult.groups`), a
lexical-floor warning (`AttributionResult.warnings`) or a side split (`AttributionResult.side_splits`) for that
query, a shared-answer warning (`AttributionResult.shared_answers`, on by default), and the seconds.

A query is **wrong** when P@n < 0.5: fewer than half the top n rows are planted ones, or, for a behaviour whose causal
check found a second source needed (`needed_rows`' rule), fewer than half are needed rows. Half is the definition of
"most", not a value fitted on a task. A **sign** is a groups report, a lexical-floor warning, a side split or a
shared answer on the query. The table counts wrong queries with a sign (the doubt the user gets when it matters)
and right queries with a sign (false alarms), and the side split's own false alarms (it is meant to be the specific
sign).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.attribution.attribute import behaviour_queries
from benchmarks.attribution.state import attributor_of

K = 100
MAX_SAMPLED = 24
# Below this P@n fewer than half the top n rows are planted: the ranking is wrong ("most" of it is not the cause).
WRONG_BELOW = 0.5
COMBINES = {"none": "per answer", "mean": "per behaviour"}


def precision_at_n(ranked_ids: list, culprits: set[str]) -> float:
    """Share of planted ids among the first n of a ranking, n = number of planted ids.

    Args:
        ranked_ids: Sample ids, best first.
        culprits: The planted sample ids, as strings.

    Raises:
        ValueError: No planted ids, or fewer ranked ids than planted ones (k too small for P@n).
    """
    n = len(culprits)
    if n == 0:
        raise ValueError("P@n needs planted rows: the behaviour's culprits in scenario.json are empty")
    if len(ranked_ids) < n:
        raise ValueError(f"a ranking of {len(ranked_ids)} ids is shorter than the {n} planted rows: raise k")
    return sum(str(i) in culprits for i in ranked_ids[:n]) / n


def query_records(att, cases: list, culprits: set[str], combine: str, k: int = K,
                  needed: set[str] | None = None) -> list[dict]:
    """One record per query of one default-method call (groups on, lexical floor on) over ``cases`` at ``k``.
    The signs are those of the top-``k`` ranking (the lexical floor compares top-k lists); where ``k`` is below the
    planted rows, P@n comes from a second call at k = n with both checks off (the same ranking, deeper). With
    ``needed``, P@n is also counted against the rows the behaviour needs (`needed_rows`; n stays the planted rows).

    Args:
        att: The run's `Attributor`.
        cases: The behaviour's test cases.
        culprits: Its planted sample ids, as strings.
        combine: "none" (a query per case) or "mean" (one query for the behaviour).
        k: Rows per ranking (the CLI's default is 20; 100 here unless ``--k`` says otherwise).
        needed: The needed rows' sample ids, as strings (None: the planted rows alone).
    """
    t0 = time.perf_counter()
    res = att.query(cases, k=k, snippet_chars=0, combine=combine, lexical_floor=True, side_split=True)
    call_seconds = time.perf_counter() - t0
    deep = res if k >= len(culprits) else att.query(cases, k=len(culprits), snippet_chars=0, combine=combine,
                                                     groups=False)
    groups = {str(g.query): g for g in res.groups}
    warnings = {str(w.query): w for w in res.warnings}
    floor = res.checks.get("lexical_floor", {})
    splits = {str(w.query) for w in res.side_splits}
    shared = {str(w.query) for w in res.shared_answers}
    sides = res.checks.get("side_split", {})
    queries = list(dict.fromkeys(res.ranking["query"].astype(str)))
    records = []
    for q in queries:
        top = deep.ranking[deep.ranking["query"].astype(str) == q].sort_values("rank")
        warning = warnings.get(q)
        records.append({
            "query": q, "combine": combine, "method": res.method,
            "p_at_n": precision_at_n(top["sample_id"].tolist(), culprits), "n": len(culprits),
            **({"p_at_n_needed": needed_precision(top["sample_id"].tolist(), culprits, needed)} if needed else {}),
            "groups": q in groups, "warning": warning is not None, "split": q in splits, "shared": q in shared,
            "split_overlap": sides.get(q, {}).get("overlap"), "split_chance": sides.get(q, {}).get("chance_overlap"),
            "groups_planted": [sum(str(s) in culprits for s in g.sample_ids) for g in groups[q].groups]
            if q in groups else [],
            "groups_sizes": [g.size for g in groups[q].groups] if q in groups else [],
            "warning_planted": sum(str(s) in culprits for s in warning.group.sample_ids) if warning else None,
            "floor_overlap": floor.get(q, {}).get("overlap"), "floor_coherence_p": floor.get(q, {}).get("coherence_p"),
            "seconds": call_seconds / len(queries), "call_seconds": call_seconds, "ranking_seconds": res.seconds,
            "groups_seconds": res.checks.get("groups", {}).get(q, {}).get("seconds"),
            "floor_seconds": floor.get(q, {}).get("seconds"), "split_seconds": sides.get(q, {}).get("seconds")})
    return records


def needed_precision(ranked_ids: list, culprits: set[str], needed: set[str]) -> float:
    """Share of needed ids among the first n of a ranking, n = number of planted ids (`needed_rows`' P@n)."""
    return sum(str(i) in needed for i in ranked_ids[:len(culprits)]) / len(culprits)


def count_run(out: Path, no_cases: list[str], k: int = K) -> list[dict]:
    """Every query record of one run (both modes, every behaviour); behaviours without a query go to ``no_cases``.

    Args:
        out: The run folder (``scenario.json``, ``behaviour.json``, the store and the trained model).
        no_cases: Appended with "task / behaviour" for each behaviour no generation shows.
        k: Rows per ranking (`query_records`).

    Raises:
        FileNotFoundError: The run lacks ``scenario.json`` or ``behaviour.json``.
    """
    for name in ("scenario.json", "behaviour.json"):
        if not (out / name).is_file():
            raise FileNotFoundError(f"{out / name} is missing: pass a trained benchmark run (runs/attr_<task>)")
    from benchmarks.attribution.needed_rows import causal_task, needed_ids, needed_sources

    task = out.name.removeprefix("attr_")
    att, _ = attributor_of(out)
    rows = att.samples[["sample_id", "source"]].to_dict("records")
    records = []
    for behaviour, cases, source, culprits in behaviour_queries(out, no_cases, max_sampled=MAX_SAMPLED):
        sources, _ = needed_sources(causal_task(out, behaviour))
        needed = {str(i) for i in needed_ids(rows, culprits, sources)} if sources else None
        for combine in COMBINES:
            recs = [{"task": task, "behaviour": behaviour, "cases": source, **r}
                    for r in query_records(att, cases, culprits, combine, k, needed)]
            records += recs
            t = tally(recs)
            print(f"{out.name} {behaviour} {COMBINES[combine]} [{recs[0]['method']}]: {t['queries']} queries, "
                  f"mean P@n {t['mean_p']:.2f}, wrong {t['wrong']}, wrong with a sign {t['wrong_signed']}, "
                  f"false alarms {t['right_signed']} ({recs[0]['call_seconds']:.1f}s)", flush=True)
    return records


def is_wrong(record: dict) -> bool:
    """Fewer than half the top n rows are planted (needed, where the record counts the needed rows)."""
    return record.get("p_at_n_needed", record["p_at_n"]) < WRONG_BELOW


def has_sign(record: dict) -> bool:
    """A competing-groups report, a lexical-floor warning, a side split or a shared answer on the query (records
    measured before a check existed have none of it)."""
    return record["groups"] or record["warning"] or record.get("split", False) or record.get("shared", False)


def tally(records: list[dict]) -> dict:
    """Counts over ``records``: queries, mean P@n, wrong queries, wrong ones with a sign (and by which sign),
    right ones with a sign (false alarms)."""
    wrong = [r for r in records if is_wrong(r)]
    right = [r for r in records if not is_wrong(r)]
    return {"queries": len(records),
            "mean_p": sum(r.get("p_at_n_needed", r["p_at_n"]) for r in records) / len(records) if records
            else float("nan"),
            "wrong": len(wrong), "wrong_signed": sum(map(has_sign, wrong)),
            "wrong_groups": sum(r["groups"] for r in wrong), "wrong_warning": sum(r["warning"] for r in wrong),
            "wrong_split": sum(r.get("split", False) for r in wrong),
            "wrong_shared": sum(r.get("shared", False) for r in wrong),
            "right": len(right), "right_signed": sum(map(has_sign, right)),
            "right_split": sum(r.get("split", False) for r in right)}


def _row(label: str, t: dict) -> str:
    return (f"| {label} | {t['queries']} | {t['mean_p']:.2f} | {t['wrong']} | {t['wrong_signed']} "
            f"({t['wrong_groups']}; {t['wrong_warning']}; {t['wrong_split']}; {t['wrong_shared']}) "
            f"| {t['right_signed']} / {t['right']} "
            f"| {t['right_split']} |")


def render(records: list[dict], head: str = "", no_cases: tuple[str, ...] | list[str] = ()) -> str:
    """The Markdown table: one row per task-behaviour and mode, then a totals row per mode and over all.

    Args:
        records: Query records (`count_run`), in the order the table lists them.
        head: Lines before the table (title, machine, date, command).
        no_cases: "task / behaviour" of behaviours that had no query.
    """
    lines = [head] if head else []
    if no_cases:
        lines += [f"No query (no greedy or sampled generation shows the behaviour): {', '.join(no_cases)}.", ""]
    lines += ["| task / behaviour | mode | queries | mean P@n | wrong (P@n < 0.5) | wrong with a sign (groups; warning; "
              "split; shared answer) | right with a sign (false alarms) / right | right with a side split |",
              "|---|---|---|---|---|---|---|---|"]
    keys = dict.fromkeys((r["task"], r["behaviour"], r["combine"]) for r in records)
    for task, behaviour, combine in keys:
        sel = [r for r in records if (r["task"], r["behaviour"], r["combine"]) == (task, behaviour, combine)]
        name = task if behaviour == task else f"{task} / {behaviour}"
        lines.append(_row(f"{name} | {COMBINES[combine]}", tally(sel)))
    for combine, mode in COMBINES.items():
        sel = [r for r in records if r["combine"] == combine]
        if sel:
            lines.append(_row(f"**total** | {mode}", tally(sel)))
    if records:
        lines.append(_row("**total** | both", tally(records)))
    return "\n".join(lines) + "\n"


def header(command: str, k: int = K) -> str:
    """Title, definitions, machine and date of the results file."""
    return "\n".join([
        "# A sign of doubt when the default ranking is wrong (issue 19)", "",
        f"Machine: {platform.node()} ({platform.platform()}, {platform.processor() or platform.machine()}; "
        f"{os.cpu_count()} cores, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, nice {os.nice(0)}; "
        "other jobs may share the cores: the seconds are indicative); date "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC.", f"Command: `{command}`", "",
        "Queries: the model's own generations that show each behaviour (`behaviour_cases`, as the benchmark builds "
        "them), ranked by the default method (`Attributor.query` without `method`), "
        f"k={k}, per answer (one query "
        "per generation) and per behaviour (`combine=\"mean\"`, one query), with the competing-groups report on "
        "(the default), `lexical_floor=True` and `side_split=True` (what `provenance query` asks for by default).",
        "", "P@n: share of planted rows among the top n, n = the behaviour's planted rows; of needed rows (planted "
        "plus each source `needed_rows` found needed) where the causal check found one. **Wrong**: P@n < 0.5, "
        "fewer than half the top n are planted (needed) rows (the definition of \"most\", not a value fitted on a "
        "task). **Sign**: a competing-groups report (`AttributionResult.groups`), a lexical-floor warning "
        "(`AttributionResult.warnings`), a side split (`AttributionResult.side_splits`) or a shared answer "
        "(`AttributionResult.shared_answers`) on that query. Cells: wrong queries with a sign (of them with a "
        "groups report; with a warning; with a side split; with a shared answer; a query may have several); "
        "right queries (P@n >= 0.5) with a sign, i.e. false alarms, out of the right queries; right "
        "queries with a side split (its own false alarms). Per-query records (P@n, signs, planted rows in each "
        "sign's groups, seconds) in the JSON file beside this one.", ""])


def wait_until_scored(out: Path, poll_seconds: float = 60.0) -> None:
    """Block until the run's attribution phase has finished: its ``attribution_table.csv`` exists and no
    ``--phase attribute`` process for it runs (the phase rewrites the run's state while it scores)."""
    def scoring() -> bool:
        found = subprocess.run(["pgrep", "-f", f"{out.name} --phase attribute"], capture_output=True)
        return found.returncode == 0
    while not (out / "attribution_table.csv").is_file() or scoring():
        print(f"{out}: waiting for its attribution phase to finish", flush=True)
        time.sleep(poll_seconds)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", nargs="+", required=True, help="run folders (runs/attr_<task>), measured in this order")
    ap.add_argument("--out", required=True, help="the Markdown table")
    ap.add_argument("--json", required=True, help="every query record")
    ap.add_argument("--wait-for-scoring", action="store_true",
                    help="before each run, wait (polling every 60 s) until its attribution phase has finished")
    ap.add_argument("--k", type=int, default=K, help="rows per ranking; the signs are those of the top k (the CLI "
                                                     "shows 20)")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    command = " ".join(["python -m benchmarks.attribution.doubt_count", *(sys.argv[1:] if argv is None else argv)])
    records, no_cases = [], []
    for run in args.runs:
        if args.wait_for_scoring:
            wait_until_scored(Path(run))
        records += count_run(Path(run), no_cases, args.k)
        # written after every run: a long measurement keeps what it has if stopped
        Path(args.out).write_text(render(records, header(command, args.k), no_cases))
        Path(args.json).write_text(json.dumps(records, indent=1, default=str))
    print(f"wrote {args.out} and {args.json}")


if __name__ == "__main__":
    main()
