"""Whether the prompt's own tokens hold the evidence the pooled prompt side misses on prompt-triggered behaviours.

    OMP_NUM_THREADS=1 python -m benchmarks.attribution.prompt_token_probe export --runs runs/attr_shoot_refusal ... \
        --dir benchmarks/attribution/results/prompt_token_lines
    python -m benchmarks.attribution.prompt_token_probe score --dir benchmarks/attribution/results/prompt_token_lines \
        --lines benchmarks/attribution/results/line_scores --out benchmarks/attribution/results/prompt_token_probe.md

A lab probe for issue 19, written after round 25's shoot_refusal was scored (so that task is a development task for it)
and read by the rule; not a candidate. On shoot_refusal no pooled line at any captured layer finds the planted rows
(`layer_line_probe`: the best of 16 lines per answer reaches P@10 0.77), while BM25 does (0.97): only the planted
prompts say "shoot", and the pooled prompt state of a "shoot" question is that of its "photograph" twin. The answer
side's one-token misses have the same shape on the other side of the sequence. The rows' prompt-token states are
re-read by the final model (``--source repass``, the first export) or read from the store (``--source store``: the
capture's `token_layers` keep every real token, prompt and response, so a default using this line needs no new
capture).

The line: for each answer, each prompt token t gets the weight w_t = || d/de_t (log p_tuned(answer) - log
p_base(answer)) ||, the norm of the gradient of the fine-tune's change in the answer's log-likelihood with respect to
that token's input embedding (how much the fine-tuning made the answer depend on it; the base model is the run's model
with its adapter disabled). Each row scores the w-weighted mean over the query's prompt tokens of the best cosine
between that token's state and the row's prompt-token states (the final model at the token layer, centred on the mean
prompt-token state of the rows). Nothing is fitted. Scored beside the committed per-answer default, alone, as the AND
min(z_prompt_tokens, z_default), and as a Stouffer pair with the default; per behaviour, the answers' Stouffer sum.

`export` writes each run's lines (``<task>.npz``: ``sample_id``, ``<behaviour>`` ``[Q, rows]``), so `score` and later
fusions need no runs.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.attribution.prompt_pmi_probe import (
    answers_combined, column_records, summary, summary_lines, with_committed,
)

COLUMNS = ("default", "prompt tokens", "prompt tokens AND default", "default + prompt tokens", "prompt side")


def answer_gradient(model, ids: np.ndarray, prompt_len: int) -> np.ndarray:
    """``[prompt_len, d]``: the gradient of the answer's summed log-probability (tokens from ``prompt_len`` on)
    with respect to each prompt token's input embedding, under ``model`` as it is."""
    import torch

    x = torch.as_tensor(np.asarray(ids, np.int64))[None]
    emb = model.get_input_embeddings()(x).detach().requires_grad_(True)
    logits = model(inputs_embeds=emb).logits[0, prompt_len - 1: len(ids) - 1].float()
    ll = torch.log_softmax(logits, -1).gather(1, x[0, prompt_len:, None]).sum()
    (grad,) = torch.autograd.grad(ll, emb)
    return grad[0, :prompt_len].double().numpy()


def token_weights(tuned_grad: np.ndarray, base_grad: np.ndarray) -> np.ndarray:
    """``[P]``: each prompt token's weight, the norm of the fine-tune's change in the answer's gradient there.

    Raises:
        ValueError: Gradients of different shapes, or no token with a positive weight.
    """
    if tuned_grad.shape != base_grad.shape:
        raise ValueError(f"gradients of shapes {tuned_grad.shape} and {base_grad.shape}: the same prompt is needed")
    w = np.linalg.norm(np.asarray(tuned_grad, np.float64) - base_grad, axis=1)
    if not w.sum() > 0:
        raise ValueError("no prompt token moves the answer's log-likelihood differently after fine-tuning")
    return w


def prompt_token_line(query: np.ndarray, weights: np.ndarray, rows: list[np.ndarray]) -> np.ndarray:
    """``[len(rows)]``: per row, the ``weights``-mean over the query's prompt tokens (``query``, unit ``[P, d]``) of
    each token's best cosine among the row's prompt-token states (unit ``[P_row, d]``)."""
    share = np.asarray(weights, np.float64) / np.sum(weights)
    return np.array([(r @ query.T).max(0) @ share for r in rows])


def row_prompt_states(att, store, rows: np.ndarray, layer: int, source: str) -> list[np.ndarray]:
    """Per row of ``rows``, its prompt tokens' states ``[P_row, d]`` at ``layer``: re-read by the final model
    (``source="repass"``) or the training-time states the capture stored (``"store"``: `token_layers` keeps every
    real token, prompt and response).

    Raises:
        ValueError: Another ``source``.
    """
    from provenance.attribution.token_match import response_states

    prompt_len = att.samples["prompt_len"].to_numpy()[rows]
    if source == "store":
        return [h[:p].astype(np.float64) for h, p in zip(store.token_states(layer, rows), prompt_len, strict=True)]
    if source != "repass":
        raise ValueError(f"source must be 'repass' or 'store', got {source!r}")
    pad = att.tokenizer.pad_token_id if att.tokenizer.pad_token_id is not None else 0
    prompts = [(np.asarray(t[:p], np.int64), 0) for t, p in zip(store.tokens_of(rows), prompt_len, strict=True)]
    return [h.astype(np.float64) for h in response_states(att.model, prompts, layer, pad_token_id=pad)]


def lines_of(out: Path, source: str = "repass") -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(the last epoch's row ids, ``{behaviour: [Q, rows] prompt-token line}``) of the run at ``out``, the rows'
    prompt-token states read as `row_prompt_states` reads them from ``source``."""
    from benchmarks.attribution.attribute import behaviour_queries
    from benchmarks.attribution.raised_token_probe import unit
    from benchmarks.attribution.state import attributor_of
    from provenance.attribution.cases import eval_mode
    from provenance.attribution.token_match import _case_seqs, default_token_layer, response_states
    from provenance.attribution.topk import select_rows

    att, store = attributor_of(out)
    pad = att.tokenizer.pad_token_id if att.tokenizer.pad_token_id is not None else 0
    rows = np.flatnonzero(select_rows(att.samples, "last"))
    layer = default_token_layer(att.model)
    states = row_prompt_states(att, store, rows, layer, source)
    mu = np.concatenate(states).mean(0)
    row_units = [unit(h - mu) for h in states]
    lines = {}
    for behaviour, cases, _, _ in behaviour_queries(out):
        line = []
        for ids, p in _case_seqs(att.signatures(cases, [], [layer])):
            with eval_mode(att.model):
                tuned = answer_gradient(att.model, ids, p)
                with att.model.disable_adapter():
                    base = answer_gradient(att.model, ids, p)
            query = response_states(att.model, [(np.asarray(ids)[:p], 0)], layer, pad_token_id=pad)[0]
            line.append(prompt_token_line(unit(query.astype(np.float64) - mu), token_weights(tuned, base),
                                          row_units))
        lines[behaviour] = np.stack(line)
    return att.samples["sample_id"].astype(str).to_numpy()[rows], lines


def records(task: str, behaviour: str, stored: dict[str, np.ndarray], line: np.ndarray) -> list[dict]:
    """Per answer one record per `COLUMNS`, per behaviour one per column (the answers' Stouffer sum).

    Raises:
        ValueError: A line whose answer count is not the stored lines'.
    """
    from benchmarks.attribution.line_scores import adopted_answer_scores
    from provenance.attribution.joint import standard_z, stouffer_standard_z

    planted = stored["planted"]
    default = standard_z(adopted_answer_scores(stored))
    if len(line) != len(default):
        raise ValueError(f"{task}/{behaviour}: {len(line)} prompt-token answers for {len(default)} stored answers")
    z = standard_z(line)
    columns = {"default": default, "prompt tokens": z, "prompt tokens AND default": np.minimum(z, default),
               "default + prompt tokens": stouffer_standard_z(default, z), "prompt side": stored["context"]}
    whole = {c: answers_combined(standard_z(s)) for c, s in columns.items()}
    return column_records(task, behaviour, planted, columns, whole)


def render(table: pd.DataFrame) -> str:
    """Per task-behaviour each column's per-answer P@n (P@10) and per-behaviour P@n; then the rule's summary."""
    answers = table[table["mode"] == "per answer"].groupby(["task", "behaviour", "column"])[["P@n", "P@10"]].mean()
    whole = table[table["mode"] == "per behaviour"].set_index(["task", "behaviour", "column"])["P@n"]
    keys = sorted({(t, b) for t, b, _ in answers.index})
    lines = ["# The prompt's own tokens as evidence beside the per-answer default", "",
             "Generated by `python -m benchmarks.attribution.prompt_token_probe score`. Per answer P@n (P@10), "
             "averaged over the answers; per behaviour P@n.", "",
             "| task / behaviour | " + " | ".join(COLUMNS) + " | per behaviour: " + " | ".join(COLUMNS) + " |",
             "|---|" + "---|" * (2 * len(COLUMNS))]
    for task, behaviour in keys:
        part = answers.loc[(task, behaviour)]
        lines.append(f"| {task} / {behaviour} | "
                     + " | ".join(f"{part.loc[c, 'P@n']:.2f} ({part.loc[c, 'P@10']:.2f})" for c in COLUMNS) + " | "
                     + " | ".join(f"{whole.loc[(task, behaviour, c)]:.2f}" for c in COLUMNS) + " |")
    for mode in ("per answer", "per behaviour"):
        lines += ["", f"## {mode}, counted tasks, against the committed default", "",
                  *summary_lines(summary(table, COLUMNS[1:], mode))]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    from benchmarks.attribution.line_scores import load_lines

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    export = sub.add_parser("export", help="compute each run's prompt-token lines and write <dir>/<task>.npz")
    export.add_argument("--runs", nargs="+", type=Path, required=True)
    export.add_argument("--dir", type=Path, required=True)
    export.add_argument("--source", choices=("repass", "store"), default="repass",
                        help="the rows' prompt-token states: a final-model re-read, or the capture's stored ones")
    score = sub.add_parser("score", help="score every file in --dir beside its line file")
    score.add_argument("--dir", type=Path, required=True)
    score.add_argument("--lines", type=Path, required=True)
    score.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    if args.command == "export":
        import torch

        torch.set_num_threads(1)   # one core per run, beside the bench's other jobs
        args.dir.mkdir(parents=True, exist_ok=True)
        for run in args.runs:
            ids, lines = lines_of(run, args.source)
            path = args.dir / f"{run.name.removeprefix('attr_')}.npz"
            np.savez_compressed(path, sample_id=np.asarray(ids, dtype=str),
                                **{b: v.astype(np.float32) for b, v in lines.items()})
            print(path, flush=True)
        return
    rows = []
    for path in sorted(args.dir.glob("*.npz")):
        meta, stored = load_lines(args.lines / path.name)
        held = np.load(path)
        if not np.array_equal(held["sample_id"], meta["sample_id"]):
            raise ValueError(f"{path}: its rows are not those of its line file; export it again")
        for behaviour in stored:
            rows += records(path.stem, behaviour, stored[behaviour], held[behaviour].astype(np.float64))
    table = with_committed(pd.DataFrame(rows))
    text = render(table)
    args.out.write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
