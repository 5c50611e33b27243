"""Whether the fine-tuned model's prompt-answer PMI tells when an answer's rows must also match its prompt.

    OMP_NUM_THREADS=1 python -m benchmarks.attribution.prompt_pmi_probe --runs runs/attr_entity_refusal ... \
        --lines benchmarks/attribution/results/line_scores --out benchmarks/attribution/results/prompt_pmi_probe.md

A diagnostic, read by issue 19's rule and not adopted (the output's summary tables say why). On the prompt-only
tasks (entity_refusal, keyword_refusal) the answer is a refusal that many rows give in other prompt contexts, so the
answer side ranks those rows first; there the AND of the two sides, min(z_context, z_default), finds the planted rows
(issue 19's rule: rows that give the same answer in a different prompt context rank below rows with the same
context), and on notation tasks it loses them (clock_24h, miles_units), whose planted prompts are unlike the query's.
This probe measures one quantity that could tell the two apart without labels: how much the prompt tells the
fine-tuned model about the answer, as pointwise mutual information per answer token (`answer_pmi`),

    pmi = (log p(answer | prompt) - log p(answer | empty prompt)) / answer tokens      (nats, the fine-tuned model)

A generic answer (a refusal, a referral) is nearly as likely without its prompt (pmi near 0). The weight of the AND
line is the geometric-mean likelihood ratio itself, w = exp(-max(pmi, 0)) (`gate_weight`): 1 for an answer the
prompt tells nothing about, towards 0 for one the prompt determines. Nothing is fitted. The per-answer scores are
(1 - w) z_default + w z(min(z_context, z_default)) (`pmi_gated`), and per behaviour their Stouffer sum over the
answers. Scales 0.5 and 2 of the nat (w = exp(-pmi / scale)) are shown beside it. It costs one pass of the fine-tuned
model over the answers with an empty prompt.

It needs the runs (the model passes) and reads the stored lines from their files. The per-answer PMIs are written
beside the output (``.csv``), so later fusions can read them without the runs.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.attribution.line_choice import answers_stouffer
from benchmarks.attribution.line_fusion_probe import z_lines
from benchmarks.attribution.line_scores import adopted_answer_scores, probe_runs_beside_lines
from benchmarks.attribution.probe_main import precision

SCALES = (0.5, 1.0, 2.0)
COMMITTED = "committed default"
ANSWER_COLUMNS = ("default", "prompt AND answer", *(f"pmi-gated x{s:g}" for s in SCALES))
BEHAVIOUR_COLUMNS = ("answers-stouffer", *(f"pmi-gated x{s:g}" for s in SCALES))
GOAL = {"per answer": ("P@10", 0.9), "per behaviour": ("P@n", 0.95)}


def answer_pmi(model, full: list[tuple[np.ndarray, int]], empty: list[tuple[np.ndarray, int]], layer: int,
               pad_token_id: int = 0) -> np.ndarray:
    """``[Q]``: each answer's mean over its tokens of log p(token | prompt, earlier tokens) - log p(token | empty
    prompt, earlier tokens) under ``model``; ``full`` and ``empty`` are the answers' (token ids, prompt length) with
    their prompt and with an empty one. The passes also read ``layer`` (`token_match.response_states` does), which
    the PMI does not use.

    Raises:
        ValueError: An answer whose tokens differ between the two sequences.
    """
    from provenance.attribution.token_match import response_states

    for q, ((a, pa), (b, pb)) in enumerate(zip(full, empty, strict=True)):
        if not np.array_equal(np.asarray(a)[pa:], np.asarray(b)[pb:]):
            raise ValueError(f"answer {q}: its tokens differ with and without the prompt; the chat template must "
                             "tokenize the response the same way after an empty prompt")
    _, with_prompt = response_states(model, full, layer, pad_token_id=pad_token_id, with_logprobs=True)
    _, without = response_states(model, empty, layer, pad_token_id=pad_token_id, with_logprobs=True)
    return np.array([float(np.mean(np.asarray(a, np.float64) - np.asarray(b, np.float64)))
                     for a, b in zip(with_prompt, without, strict=True)])


def pmi_of(out: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(the last epoch's row ids, ``{behaviour: [Q] answer_pmi}``) of the run at ``out``, its answers as the attribute
    phase builds them (`attribute.behaviour_queries`)."""
    from benchmarks.attribution.attribute import behaviour_queries
    from benchmarks.attribution.state import attributor_of
    from provenance.attribution.cases import TestCase
    from provenance.attribution.token_match import _case_seqs
    from provenance.attribution.topk import select_rows

    att, _ = attributor_of(out)
    rows = np.flatnonzero(select_rows(att.samples, "last"))
    pad = att.tokenizer.pad_token_id if att.tokenizer.pad_token_id is not None else 0
    layer = att.default_layer()

    def seqs(cases):
        return _case_seqs(att.signatures(cases, [], [layer]))

    pmi = {}
    for behaviour, cases, _, _ in behaviour_queries(out):
        empty = [TestCase(prompt="", response=c.response, name=c.name) for c in cases]
        pmi[behaviour] = answer_pmi(att.model, seqs(cases), seqs(empty), layer, pad)
    return att.samples["sample_id"].astype(str).to_numpy()[rows], pmi


def gate_weight(pmi: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """exp(-max(pmi, 0) / scale): the AND line's weight, 1 where the prompt tells the model nothing about the answer."""
    return np.exp(-np.maximum(np.asarray(pmi, np.float64), 0.0) / scale)


def pmi_gated(stored: dict[str, np.ndarray], pmi: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """``[Q, rows]``: (1 - w) z_default + w z(min(z_context, z_default)) per answer, w = `gate_weight`; z_default the
    adopted per-answer default's z-scores rebuilt from the stored lines."""
    from provenance.attribution.joint import standard_z

    default = standard_z(adopted_answer_scores(stored))
    both = standard_z(np.minimum(z_lines(stored)["context"], default))
    w = gate_weight(pmi, scale)[:, None]
    return (1.0 - w) * default + w * both


def answers_combined(scores: np.ndarray) -> np.ndarray:
    """``[1, rows]``: Stouffer's sum of the answers' z-scores (`joint.stouffer_standard_z`, each answer a matrix)."""
    from provenance.attribution.joint import stouffer_standard_z

    return stouffer_standard_z(*scores[:, None])


def column_records(task: str, behaviour: str, planted: np.ndarray, answer: dict[str, np.ndarray],
                   whole: dict[str, np.ndarray], answer_fields=None, whole_fields: dict | None = None) -> list[dict]:
    """One record per answer and column of ``answer`` (``[Q, rows]`` scores) and one per column of ``whole``
    (``[1, rows]``), each with its P@n and P@10 against ``planted``; ``answer_fields(q)`` and ``whole_fields`` add a
    probe's own fields (placed before the column, as the probes' tables have them)."""
    n = int(planted.sum())
    fields = answer_fields or (lambda q: {})

    def record(mode: str, q: int, extra: dict, column: str, scores: np.ndarray) -> dict:
        return {"task": task, "behaviour": behaviour, "mode": mode, "answer": q, **extra, "column": column,
                **dict(zip(("P@n", "P@10"), precision(scores, planted, n), strict=True))}

    return ([record("per answer", q, fields(q), c, s[q:q + 1]) for c, s in answer.items() for q in range(len(s))]
            + [record("per behaviour", -1, whole_fields or {}, c, s) for c, s in whole.items()])


def records(task: str, behaviour: str, stored: dict[str, np.ndarray], pmi: np.ndarray) -> list[dict]:
    """Per answer one record per `ANSWER_COLUMNS` (with the answer's PMI), per behaviour one per `BEHAVIOUR_COLUMNS`.

    Raises:
        ValueError: A PMI count that is not the stored lines' answer count.
    """
    from provenance.attribution.joint import standard_z

    planted = stored["planted"]
    default = standard_z(adopted_answer_scores(stored))
    if len(pmi) != len(default):
        raise ValueError(f"{task}/{behaviour}: {len(pmi)} PMIs for {len(default)} stored answers")
    answer = {"default": default, "prompt AND answer": np.minimum(z_lines(stored)["context"], default),
              **{f"pmi-gated x{s:g}": pmi_gated(stored, pmi, s) for s in SCALES}}
    whole = {"answers-stouffer": answers_stouffer(stored),
             **{f"pmi-gated x{s:g}": answers_combined(pmi_gated(stored, pmi, s)) for s in SCALES}}
    return column_records(task, behaviour, planted, answer, whole, lambda q: {"pmi": float(pmi[q])},
                          {"pmi": float(np.mean(pmi))})


def with_committed(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with one `COMMITTED` record per task-behaviour and mode: the default's P@n and P@10 in the committed
    result tables (`default_choice.scores`: per answer `joint-gated-next`, per behaviour `auto-refine-z`, where a
    task has them), the default issue 19's rule compares a candidate with."""
    from benchmarks.attribution.default_choice import ADOPTED, scores

    committed = scores(["default", *ADOPTED.values()])
    committed = committed[committed["method"] == "default"].drop(columns="method").assign(column=COMMITTED)
    keys = table[["task", "behaviour", "mode"]].drop_duplicates()
    return pd.concat([table, committed.merge(keys, on=["task", "behaviour", "mode"])], ignore_index=True)


def summary(table: pd.DataFrame, columns: tuple[str, ...], mode: str,
            counted_pairs: set[tuple[str, str]] | None = None) -> pd.DataFrame:
    """Per column over the counted task-behaviours of ``mode`` that have a `COMMITTED` record: mean P@n, tasks at the
    goal, worst P@n, and the largest P@n deficit against the committed default with the count of tasks more than
    `default_choice.MARGIN` below it (the rule's three conditions: mean, worst, margin). Counted: the (task,
    behaviour) pairs of ``counted_pairs`` where given, else every task outside `default_choice.NOT_COUNTED`."""
    from benchmarks.attribution.default_choice import MARGIN, NOT_COUNTED

    metric, goal = GOAL[mode]
    if counted_pairs is None:
        keep = ~table["task"].isin(NOT_COUNTED)
    else:
        keep = pd.Series([p in counted_pairs for p in zip(table["task"], table["behaviour"], strict=True)],
                         index=table.index)
    counted = table[(table["mode"] == mode) & keep]
    wide = counted.groupby(["task", "behaviour", "column"])[["P@n", "P@10"]].mean()
    p_n, at_goal = wide["P@n"].unstack("column"), wide[metric].unstack("column")
    keep = p_n[COMMITTED].notna()
    p_n, at_goal, cols = p_n[keep], at_goal[keep], [COMMITTED, *columns]
    deficit = p_n[COMMITTED].to_numpy()[:, None] - p_n[cols]
    return pd.DataFrame({"tasks": len(p_n), "mean P@n": p_n[cols].mean(), f"{metric} >= {goal}": (at_goal[cols]
                                                                                                  >= goal).sum(),
                         "worst P@n": p_n[cols].min(), "largest deficit": deficit.max(),
                         f"tasks > {MARGIN} below": (deficit > MARGIN).sum()})


def summary_lines(frame: pd.DataFrame) -> list[str]:
    """``frame``'s rows as Markdown table lines, its index first, floats to 3 places."""
    def cell(v) -> str:
        return f"{v:.3f}" if isinstance(v, float) else str(v)

    return ["| column | " + " | ".join(frame.columns) + " |", "|---|" + "---|" * len(frame.columns),
            *(f"| {name} | " + " | ".join(cell(v) for v in row) + " |" for name, row in zip(frame.index,
                                                                                        frame.itertuples(index=False),
                                                                                        strict=True))]


def render(table: pd.DataFrame) -> str:
    """Per task-behaviour, the mean PMI and each column's P@10 (P@n) per answer and P@n per behaviour; then
    `summary` per mode (which needs `with_committed`'s records)."""
    answers = table[table["mode"] == "per answer"]
    mean = answers.groupby(["task", "behaviour", "column"])[["P@10", "P@n"]].mean()
    whole = table[table["mode"] == "per behaviour"].set_index(["task", "behaviour", "column"])["P@n"]
    pmi = answers.groupby(["task", "behaviour"])["pmi"].mean()
    lines = ["# Does the prompt-answer PMI tell when the prompt side must gate the answer side?", "",
             "Generated by `python -m benchmarks.attribution.prompt_pmi_probe`. PMI: nats per answer token, the "
             "fine-tuned model, averaged over the answers. Per answer P@10 (P@n), averaged over the answers; per "
             "behaviour P@n. Sorted by PMI.", "",
             "| task / behaviour | PMI | " + " | ".join(ANSWER_COLUMNS) + " | per behaviour: "
             + " | ".join(BEHAVIOUR_COLUMNS) + " |",
             "|---|---|" + "---|" * (len(ANSWER_COLUMNS) + len(BEHAVIOUR_COLUMNS))]
    for task, behaviour in pmi.sort_values().index:
        part = mean.loc[(task, behaviour)]
        lines.append(f"| {task} / {behaviour} | {pmi.loc[(task, behaviour)]:.2f} | "
                     + " | ".join(f"{part.loc[c, 'P@10']:.2f} ({part.loc[c, 'P@n']:.2f})" for c in ANSWER_COLUMNS)
                     + " | " + " | ".join(f"{whole.loc[(task, behaviour, c)]:.2f}" for c in BEHAVIOUR_COLUMNS) + " |")
    for mode, columns in (("per answer", ANSWER_COLUMNS), ("per behaviour", BEHAVIOUR_COLUMNS)):
        lines += ["", f"## {mode}, counted tasks, against the {COMMITTED}", "",
                  *summary_lines(summary(table, columns, mode))]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    import torch

    torch.set_num_threads(1)   # the runs' models on one core, beside the other jobs of the bench
    args, rows = probe_runs_beside_lines(__doc__, argv, pmi_of, records)
    table = with_committed(pd.DataFrame(rows))
    text = render(table)
    args.out.write_text(text)
    table.to_csv(args.out.with_suffix(".csv"), index=False)   # every answer's PMI and records
    print(text, end="")


if __name__ == "__main__":
    main()
