"""Each run's per-answer and per-behaviour lines kept as a committed file, so that fusions of them can be scored
without the run.

    OMP_NUM_THREADS=1 python -m benchmarks.attribution.line_scores export --runs runs/attr_fake_package ... \
        --dir benchmarks/attribution/results/line_scores
    python -m benchmarks.attribution.line_scores score --dir benchmarks/attribution/results/line_scores

Why: a trained run (adapter, store, generations) lives under ``runs/``, which is not committed, and takes 7-11
minutes of this machine to train and sample again (three at once); a session on a fresh machine has none of them, so
it can score a new candidate on no earlier task, and the default-choice rule (`default_choice`) cannot be read.
Every per-answer default and candidate since round 12 is a weighted sum of the same few lines, each a score per row
and answer, plus a guard made of two of them: keeping the lines keeps every such candidate scorable on every run
that was exported.

The lines (`LINES`), each ``[answers, rows]`` scores over the last epoch's rows, as the benchmark's probes compute
them (`probe_main.default_answer_lines` and the token-match forms beside it): the centered signature ``h_fused_c``,
token match on the stored token states (pooled), the prompt side ``h_last_c``, and token match's next-token and
most-raised-token forms; each per answer and per behaviour (the same methods' behaviour rankings, the answers
combined). One ``<task>.npz`` per run holds, per behaviour, the lines (float32), the planted row mask, and the rows'
sample ids and sources; `adopted_answer_scores` rebuilds the adopted per-answer default from them, and the ``score``
command prints its P@n and P@10 per answer for each file, and the same fusion per behaviour (``joint-gated-next``),
beside the committed tables' P@n: the check that the file reproduces the run.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

# The stored lines, in the order `answer_lines` returns them: per answer ([answers, rows]), and per behaviour (the
# same methods' `rank_behaviour`, the answers combined: [1, rows]) under `BEHAVIOUR_LINES`' names.
LINES = ("signature", "token", "context", "next", "top")
BEHAVIOUR_LINES = tuple(f"behaviour {name}" for name in LINES)
# npz keys: "<behaviour>/<line>", "<behaviour>/planted", and the run-wide "sample_id" and "source".
SEP = "/"


def answer_lines(att, test, layer: int, token_layer: int, rows: np.ndarray, base=None,
                 combine: bool = False) -> dict[str, np.ndarray]:
    """Every line of `LINES` as ``[Q, len(rows)]`` dense scores over ``rows`` (every selected row of the last epoch),
    or with ``combine`` as ``[1, len(rows)]`` scores of the behaviour (each method's `rank_behaviour`).

    Args:
        att: The run's attributor.
        test: The answers' signatures at ``layer`` and ``token_layer``.
        layer: The signatures' layer (the store's default layer).
        token_layer: Token match's layer.
        rows: The selected rows (`select_rows(..., "last")`), all of which every line scores.
        base: The model before fine-tuning (default: the run's model with its adapters disabled).
        combine: Rank the behaviour (the answers combined) instead of each answer.
    """
    from provenance.attribution.joint import dense_scores
    from provenance.attribution.signature_method import SignatureMethod
    from provenance.attribution.token_match import TokenMatchMethod

    signature = SignatureMethod("h_fused_c", layer, "last")
    methods = {"signature": signature,
               "token": TokenMatchMethod(token_layer, None, signature, "last", base=base, states="store"),
               "context": SignatureMethod("h_last_c", layer, "last")}
    for form in ("next", "top"):
        methods[form] = TokenMatchMethod(token_layer, None, signature, "last", base=base, states="store", query=form)
    return {name: dense_scores((m.rank_behaviour if combine else m.rank)(att, test, len(rows)), rows)
            for name, m in methods.items()}


def adopted_answer_scores(lines: dict[str, np.ndarray], prefix: str = "") -> np.ndarray:
    """``[Q, rows]`` scores of the adopted per-answer default (`auto_choice.ANSWER_FUSION`: the two equal pairs
    plus the gated next-token guard at weight 1) from its lines: (z_signature + z_token) / sqrt(2) + (z_context +
    z_token) / sqrt(2) + guard, as Stouffer weights over the four plain z-scored lines. With ``prefix="behaviour "``
    the same fusion of the per-behaviour lines (`BEHAVIOUR_LINES`): ``JointMethod(**ANSWER_FUSION)`` per behaviour."""
    from benchmarks.attribution.answer_weight_sensitivity import DEFAULT_WEIGHTS, line_weights
    from provenance.attribution.joint import guard_scores, standard_z, stouffer_standard_z

    line = {name: lines[prefix + name] for name in LINES}
    guard = guard_scores(standard_z(line["context"]), standard_z(line["next"]), "gated")
    weights = line_weights(*DEFAULT_WEIGHTS)   # the default's (1/sqrt 2, sqrt 2, 1/sqrt 2, 1)
    parts = (line["signature"], line["token"], line["context"], guard)
    return stouffer_standard_z(*parts, weights=np.tile(weights, (len(guard), 1)))


def save_lines(path: Path, ids: np.ndarray, sources: np.ndarray, behaviours: dict[str, dict]) -> None:
    """Write one run's lines: ``behaviours`` maps each behaviour to ``{"planted": bool [rows], <line>: [Q, rows]}``.

    Raises:
        ValueError: A behaviour lacks a line of `LINES` or `BEHAVIOUR_LINES` or its planted mask, or an array's
            row count is not the run's.
    """
    arrays = {"sample_id": np.asarray(ids, dtype=str), "source": np.asarray(sources, dtype=str)}
    for behaviour, parts in behaviours.items():
        missing = [k for k in (*LINES, *BEHAVIOUR_LINES, "planted") if k not in parts]
        if missing:
            raise ValueError(f"behaviour {behaviour!r} lacks {missing}")
        for key in (*LINES, *BEHAVIOUR_LINES, "planted"):
            value = np.asarray(parts[key], dtype=bool if key == "planted" else np.float32)
            if value.shape[-1] != len(ids):
                raise ValueError(f"{behaviour}{SEP}{key} has {value.shape[-1]} rows, the run has {len(ids)}")
            arrays[f"{behaviour}{SEP}{key}"] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)


def load_lines(path: Path) -> tuple[dict[str, np.ndarray], dict[str, dict[str, np.ndarray]]]:
    """(``{"sample_id", "source"}``, ``{behaviour: {"planted", <line>...}}``) of a file `save_lines` wrote; the lines
    come back as float64."""
    with np.load(path) as data:
        rows = {k: data[k] for k in ("sample_id", "source")}
        behaviours: dict[str, dict[str, np.ndarray]] = {}
        for key in data.files:
            if SEP in key:
                behaviour, part = key.rsplit(SEP, 1)
                value = data[key]
                behaviours.setdefault(behaviour, {})[part] = value if part == "planted" else value.astype(np.float64)
    return rows, behaviours


def export_run(out: Path, dest: Path) -> Path:
    """Compute and write the lines of every behaviour of the run at ``out`` (its queries as the benchmark builds
    them) to ``dest/<task>.npz``; returns the path."""
    from benchmarks.attribution.attribute import behaviour_queries
    from benchmarks.attribution.state import attributor_of
    from provenance.attribution.signatures import default_layer
    from provenance.attribution.token_match import default_token_layer
    from provenance.attribution.topk import select_rows

    att, store = attributor_of(out)
    layer, token_layer = default_layer(store), default_token_layer(att.model)
    rows = np.flatnonzero(select_rows(att.samples, "last"))
    ids = att.samples["sample_id"].astype(str).to_numpy()[rows]
    sources = att.samples["source"].astype(str).to_numpy()[rows]
    behaviours = {}
    for behaviour, cases, _, culprits in behaviour_queries(out):
        test = att.signatures(cases, [layer], [token_layer])
        behaviours[behaviour] = answer_lines(att, test, layer, token_layer, rows)
        combined = answer_lines(att, test, layer, token_layer, rows, combine=True)
        behaviours[behaviour] |= {f"behaviour {name}": value for name, value in combined.items()}
        behaviours[behaviour]["planted"] = np.isin(ids, [str(c) for c in culprits])
        print(f"{out.name} {behaviour}: {len(cases)} answers", flush=True)
    path = dest / f"{out.name.removeprefix('attr_')}.npz"
    save_lines(path, ids, sources, behaviours)
    return path


def score_file(path: Path) -> list[dict]:
    """P@n and P@10 per answer (averaged over the answers) of the adopted per-answer default rebuilt from a file's
    lines, and P@n of the same fusion per behaviour, one record per behaviour."""
    from benchmarks.attribution.probe_main import precision

    _, behaviours = load_lines(path)
    records = []
    for behaviour, parts in behaviours.items():
        planted = parts["planted"]
        p_n, p_10 = precision(adopted_answer_scores(parts), planted, int(planted.sum()))
        p_behaviour, _ = precision(adopted_answer_scores(parts, "behaviour "), planted, int(planted.sum()))
        records.append({"task": path.stem, "behaviour": behaviour, "answers": len(parts["token"]),
                        "P@n": p_n, "P@10": p_10, "behaviour P@n": p_behaviour})
    return records


def committed_p_at_n(task: str, behaviour: str, mode: str = "per answer") -> float | None:
    """``joint-gated-next``'s P@n (the adopted per-answer default) on ``task`` / ``behaviour`` in the committed result
    tables (the run's own scoring, `default_choice.task_table`), per answer or, with ``mode="per behaviour"``, per
    behaviour; None where it was not scored: what a file's rebuilt fusion should equal (up to the float32 storage of
    its lines)."""
    from benchmarks.attribution.default_choice import ADOPTED, FAMILIES, LABELS, task_table

    table = task_table(task)
    if table is None:
        return None
    hit = table[(table["behaviour"] == behaviour) & (table["family"] == FAMILIES[mode])
                & (table["method"] == LABELS[ADOPTED["per answer"]])]
    return float(hit["P@n"].iloc[0]) if len(hit) else None


def probe_runs_beside_lines(doc: str, argv: list[str] | None, lines_of, records) -> tuple[argparse.Namespace, list]:
    """The command line and the loop of a probe that reads runs beside their line files: ``--runs``, ``--lines`` (the
    files' folder) and ``--out``, described by ``doc``'s first paragraph; for each run, ``lines_of(run)`` gives (its
    last-epoch row ids, ``{behaviour: what the probe computed}``) and ``records(task, behaviour, stored, computed)``
    the records of each behaviour, ``stored`` being the file's lines. Returns (the arguments, every record). The
    caller sets torch's threads (a probe's ``main``), so that calling this leaves the process's settings alone.

    Raises:
        ValueError: A run whose rows are not its line file's (exported before the run was trained again).
    """
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--runs", nargs="+", type=Path, required=True)
    ap.add_argument("--lines", type=Path, required=True, help="the line files' folder (line_scores export)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    out = []
    for run in args.runs:
        task = run.name.removeprefix("attr_")
        meta, stored = load_lines(args.lines / f"{task}.npz")
        ids, computed = lines_of(run)
        if not np.array_equal(ids, meta["sample_id"]):
            raise ValueError(f"{run}: its rows are not those of {task}.npz; export the line file again")
        for behaviour, value in computed.items():
            out += records(task, behaviour, stored[behaviour], value)
    return args, out


def main(argv: list[str] | None = None) -> None:
    import torch

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    export = sub.add_parser("export", help="compute each run's lines and write <dir>/<task>.npz")
    export.add_argument("--runs", nargs="+", type=Path, required=True)
    export.add_argument("--dir", type=Path, required=True)
    score = sub.add_parser("score", help="the adopted per-answer default's P@n and P@10 from every file in --dir")
    score.add_argument("--dir", type=Path, required=True)
    score.add_argument("--out", type=Path, default=None, help="also write the table here")
    args = ap.parse_args(argv)
    if args.command == "export":
        torch.set_num_threads(1)
        for run in args.runs:
            print(export_run(run, args.dir), flush=True)
        return
    text = render_check(args.dir)
    if args.out is not None:
        args.out.write_text(text)
    print(text, end="")


def render_check(directory: Path) -> str:
    """The Markdown table of `score_file` over every file in ``directory``, the committed P@n beside each value."""
    def fmt(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    lines = ["# The line files against the committed tables", "",
             "Generated by `python -m benchmarks.attribution.line_scores score`: `joint-gated-next` (the adopted "
             "per-answer default) rebuilt from each file's lines, per answer and per behaviour, beside its P@n in the "
             "committed result tables (the runs' own scoring).", "",
             "| task | behaviour | answers | P@n | P@10 | P@n in the committed tables | per behaviour P@n "
             "| committed |",
             "|---|---|---|---|---|---|---|---|"]
    for path in sorted(directory.glob("*.npz")):
        for r in score_file(path):
            task, behaviour = r["task"], r["behaviour"]
            lines.append(f"| {task} | {behaviour} | {r['answers']} | {r['P@n']:.2f} | {r['P@10']:.2f} | "
                         f"{fmt(committed_p_at_n(task, behaviour))} | {r['behaviour P@n']:.2f} | "
                         f"{fmt(committed_p_at_n(task, behaviour, 'per behaviour'))} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
