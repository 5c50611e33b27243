"""What the per-run probes share (`projection_sensitivity`, `fusion_probe`, `answer_sensitivity`, ...): the command line
(measure each run, write the Markdown table and every record as JSON beside it), the per-task table, and, for probes
that fuse the per-answer default's lines with other evidence (`surprise_probe`, `focus_line_probe`,
`lexical_line_probe`), those lines, the records of each fusion's precision and their two tables."""
from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch


def probe_main(description: str, measure: Callable[[Path], list[dict]], render: Callable[[list[dict]], str],
               argv: list[str] | None = None) -> None:
    """``--runs`` measured in order (one intra-op thread: the runs' models are small), the table at ``--out`` and the
    records at ``--out`` with a ``.json`` suffix."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--runs", nargs="+", required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    records = [r for run in args.runs for r in measure(Path(run))]
    text = render(records).rstrip("\n") + "\n"
    args.out.write_text(text)
    args.out.with_suffix(".json").write_text(json.dumps(records, indent=1))
    print(text, end="")


def by_task(records: list[dict], column: str) -> dict[tuple[str, str], dict[str, dict]]:
    """``records`` grouped by (task, behaviour), then by their ``column`` (the setting or combination measured)."""
    table: dict[tuple[str, str], dict[str, dict]] = {}
    for r in records:
        table.setdefault((r["task"], r["behaviour"]), {})[r[column]] = r
    return table


def metric_table(table: dict[tuple[str, str], dict[str, dict]], names: list[str], metric: str, *,
                 count_at: float | None = 0.9, moved_from: str | None = None, moved: float = 0.1) -> list[str]:
    """Markdown rows: ``metric`` per task and name, then the mean and the worst over the tasks, the tasks at
    ``count_at`` or more (None: no such row) and, with ``moved_from``, the tasks each name moves by more than
    ``moved`` from that name's."""
    lines = ["| task / behaviour | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for (task, beh), v in table.items():
        label = task if task == beh else f"{task} / {beh}"
        lines.append(f"| {label} | " + " | ".join(f"{v[s][metric]:.2f}" for s in names) + " |")
    cols = {s: np.array([v[s][metric] for v in table.values()]) for s in names}
    lines.append("| **mean** | " + " | ".join(f"{cols[s].mean():.3f}" for s in names) + " |")
    lines.append("| **worst** | " + " | ".join(f"{cols[s].min():.2f}" for s in names) + " |")
    if count_at is not None:
        lines.append(f"| **>= {count_at:g}** | "
                     + " | ".join(f"{int((cols[s] >= count_at).sum())}/{len(cols[s])}" for s in names) + " |")
    if moved_from is not None:
        lines.append(f"| tasks moved > {moved} from the default | "
                     + " | ".join(str(int((np.abs(cols[s] - cols[moved_from]) > moved).sum())) for s in names) + " |")
    return lines


def default_answer_lines(att, test, layer: int, token_layer: int, rows: np.ndarray) -> tuple[np.ndarray, ...]:
    """The per-answer default's three lines (`joint-equal-c`: the signature ``h_fused_c``, token match on the stored
    token states, the prompt side ``h_last_c``), each as ``[Q, len(rows)]`` dense scores over ``rows`` (every
    selected row of the last epoch), for probes that fuse them in other ways."""
    from provenance.attribution.joint import dense_scores
    from provenance.attribution.signature_method import SignatureMethod
    from provenance.attribution.token_match import TokenMatchMethod

    signature = SignatureMethod("h_fused_c", layer, "last")
    methods = (signature, TokenMatchMethod(token_layer, None, signature, "last", states="store"),
               SignatureMethod("h_last_c", layer, "last"))
    return tuple(dense_scores(m.rank(att, test, len(rows)), rows) for m in methods)


def precision(scores: np.ndarray, planted: np.ndarray, n: int) -> tuple[float, float]:
    """(P@n, P@10) of ``[Q, rows]`` scores (higher first, ties by row) against the ``planted`` row mask, averaged
    over the queries."""
    order = np.argsort(-scores, axis=1, kind="stable")
    return float(planted[order[:, :n]].mean()), float(planted[order[:, :10]].mean())


def fused_line_records(out: Path, fuse: Callable[..., dict[str, np.ndarray]],
                       prepare: Callable[..., Any] | None = None,
                       extra: Callable[..., list[dict]] | None = None) -> list[dict]:
    """One record per behaviour of the run at ``out`` and per column of ``fuse(att, test, lines, rows, state)`` (named
    ``[Q, rows]`` scores of the per-answer default's `default_answer_lines` fused with other evidence): P@n and P@10
    per answer (`precision`; the queries are the model's own generations that show the behaviour), last epoch's
    rows. ``state`` is ``prepare(att, store, rows, token_layer)``, what the run's fusions share (None without it).
    With ``extra``, ``extra(task, behaviour, scores, planted)`` (the fused columns and the planted row mask) adds its
    own records (a probe's per-answer reading beside the precision)."""
    from benchmarks.attribution.attribute import behaviour_queries
    from benchmarks.attribution.state import attributor_of
    from provenance.attribution.signatures import default_layer
    from provenance.attribution.token_match import default_token_layer
    from provenance.attribution.topk import select_rows

    att, store = attributor_of(out)
    layer, token_layer = default_layer(store), default_token_layer(att.model)
    rows = np.flatnonzero(select_rows(att.samples, "last"))
    ids = att.samples["sample_id"].astype(str).to_numpy()[rows]
    state = None if prepare is None else prepare(att, store, rows, token_layer)
    records = []
    for behaviour, cases, _, culprits in behaviour_queries(out):
        planted = np.isin(ids, [str(c) for c in culprits])
        test = att.signatures(cases, [layer], [token_layer])
        lines = default_answer_lines(att, test, layer, token_layer, rows)
        task, columns = out.name.removeprefix("attr_"), fuse(att, test, lines, rows, state)
        for column, scores in columns.items():
            p_n, p_10 = precision(scores, planted, len(culprits))
            records.append({"task": task, "behaviour": behaviour, "column": column,
                            "P@n": p_n, "P@10": p_10, "queries": len(cases)})
        if extra is not None:
            records += extra(task, behaviour, columns, planted)
        print(f"{out.name} {behaviour}: {len(cases)} queries", flush=True)
    return records


def fused_line_tables(title: str, legend: str, records: list[dict], columns: list[str], default: str,
                      moved: float) -> str:
    """The Markdown of a fusion probe: ``title``, its ``legend``, then a P@n and a P@10 table (`metric_table`) of the
    ``columns`` the records have, with the tasks each moves by more than ``moved`` from the ``default`` column."""
    names = [c for c in columns if any(r["column"] == c for r in records)]
    lines = [f"# {title}", "", legend, ""]
    for metric in ("P@n", "P@10"):
        lines += [f"## {metric}", ""] + metric_table(by_task(records, "column"), names, metric, moved_from=default,
                                                     moved=moved) + [""]
    return "\n".join(lines)
