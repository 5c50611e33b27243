"""Whether the prompt-answer PMI against the training prompts, instead of an empty prompt, tells when the prompt side
must gate the answer side.

    OMP_NUM_THREADS=1 python -m benchmarks.attribution.marginal_pmi_probe --runs runs/attr_entity_refusal ... \
        --lines benchmarks/attribution/results/line_scores --out benchmarks/attribution/results/marginal_pmi_probe.md

A lab probe for issue 19, read by its rule. `prompt_pmi_probe` gates the per-answer default by the AND of the prompt
and answer sides with weight w = exp(-max(pmi, 0)), the PMI measured against an empty prompt. That gate helps where a
prompt trigger switches on a generic answer (entity_refusal, rephrase_request) and hurts where the answer does not
depend on which question was asked (leaked_key, fixed_hotline), and the empty-prompt PMI is low in both cases. The
reason could be in the estimate, not the idea: a PMI compares log p(answer | prompt) with log p(answer), the answer's
likelihood over the prompts the model meets, and an empty prompt is one particular context, not that average. After
an empty prompt a request to rephrase is as likely as after a garbled one, and so is a canned referral.

Here p(answer) is estimated as what it is defined to be, the mean of p(answer | x) over the prompts the model was
trained on: K prompts drawn at random (seed 0) from the store's ranked rows, each followed by the answer's tokens,

    pmi = (log p(answer | prompt) - log mean_k p(answer | x_k)) / answer tokens        (nats, the fine-tuned model)

The hope, written before it was run: an answer that a trigger switches on but many training prompts also lead to
(a refusal, a request to rephrase) keeps a low PMI, and one that only its topic's questions lead to (a referral for
printer questions, a key for API questions) gets a high one. What it found (the README, round 25): the mean is
dominated by the prompts of the answer's own task (its planted rows and twins), so the PMI comes to about
log(1 / their share) over the answer's tokens, low for nearly every task; it is not a candidate.

The gate, its weight and the Stouffer sum per behaviour are `prompt_pmi_probe`'s (`pmi_gated`), nothing fitted.
K = 16; the two halves of the draw (8 prompts each) are scored beside it, to show how much the estimate depends on
the draw. It costs K passes of the fine-tuned model over each answer.

It needs the runs (the model passes) and reads the stored lines from their files. Every answer's three PMIs are
written beside the output (``.csv``), so a later candidate can read them without the runs.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.attribution.prompt_pmi_probe import (
    answers_combined, column_records, pmi_gated, summary, summary_lines, with_committed,
)

DRAWS = 16
SEED = 0
ESTIMATES = (f"K{DRAWS}", f"K{DRAWS // 2} first half", f"K{DRAWS // 2} second half")
ANSWER_COLUMNS = ("default", *(f"marginal-gated {e}" for e in ESTIMATES))
BEHAVIOUR_COLUMNS = ("answers-stouffer", *(f"marginal-gated {e}" for e in ESTIMATES))


def reference_rows(rows: np.ndarray, k: int = DRAWS, seed: int = SEED) -> np.ndarray:
    """``k`` of ``rows`` drawn without replacement with ``seed``, in the order drawn (its halves are draws too).

    Raises:
        ValueError: Fewer rows than ``k``.
    """
    rows = np.asarray(rows)
    if len(rows) < k:
        raise ValueError(f"{len(rows)} rows to draw {k} reference prompts from; pass a smaller k")
    return np.random.default_rng(seed).choice(rows, size=k, replace=False)


def answer_loglik(model, seqs: list[tuple[np.ndarray, int]], layer: int, pad_token_id: int = 0) -> np.ndarray:
    """``[len(seqs)]``: each (token ids, prompt length)'s summed log-probability of its response tokens."""
    from provenance.attribution.token_match import response_states

    _, logps = response_states(model, seqs, layer, pad_token_id=pad_token_id, with_logprobs=True)
    return np.array([float(np.sum(np.asarray(lp, np.float64))) for lp in logps])


def marginal_pmi(own: np.ndarray, others: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """``[Q]``: (own - log mean_k exp(others[:, k])) / tokens, per answer; ``own`` its summed log-probability after
    its prompt ``[Q]``, ``others`` after each reference prompt ``[Q, K]``, ``tokens`` its answer tokens ``[Q]``."""
    from scipy.special import logsumexp

    others = np.asarray(others, np.float64)
    marginal = logsumexp(others, axis=1) - np.log(others.shape[1])
    return (np.asarray(own, np.float64) - marginal) / np.asarray(tokens, np.float64)


def estimates(own: np.ndarray, others: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """``[Q, 3]``: `marginal_pmi` over all K reference prompts, over the first half and over the second half."""
    half = others.shape[1] // 2
    return np.stack([marginal_pmi(own, others, tokens), marginal_pmi(own, others[:, :half], tokens),
                     marginal_pmi(own, others[:, half:], tokens)], axis=1)


def pmi_of(out: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(the last epoch's row ids, ``{behaviour: [Q, 3] estimates}``) of the run at ``out``, its answers as the
    attribute phase builds them (`attribute.behaviour_queries`), the reference prompts the store's own (the prompt
    tokens of `reference_rows` of the ranked rows, chat template included)."""
    from benchmarks.attribution.attribute import behaviour_queries
    from benchmarks.attribution.state import attributor_of
    from provenance.attribution.token_match import _case_seqs
    from provenance.attribution.topk import select_rows

    att, store = attributor_of(out)
    rows = np.flatnonzero(select_rows(att.samples, "last"))
    pad = att.tokenizer.pad_token_id if att.tokenizer.pad_token_id is not None else 0
    layer = att.default_layer()
    refs = reference_rows(rows)
    prompt_len = att.samples["prompt_len"].to_numpy()[refs]
    prompts = [np.asarray(ids[:p], np.int64) for ids, p in zip(store.tokens_of(refs), prompt_len, strict=True)]
    pmi = {}
    for behaviour, cases, _, _ in behaviour_queries(out):
        seqs = _case_seqs(att.signatures(cases, [], [layer]))
        answers = [np.asarray(ids, np.int64)[p:] for ids, p in seqs]
        own = answer_loglik(att.model, seqs, layer, pad)
        swapped = [(np.concatenate([x, a]), len(x)) for a in answers for x in prompts]
        others = answer_loglik(att.model, swapped, layer, pad).reshape(len(answers), len(prompts))
        pmi[behaviour] = estimates(own, others, np.array([len(a) for a in answers]))
    return att.samples["sample_id"].astype(str).to_numpy()[rows], pmi


def records(task: str, behaviour: str, stored: dict[str, np.ndarray], pmis: np.ndarray) -> list[dict]:
    """Per answer one record per `ANSWER_COLUMNS` (with the answer's three PMIs), per behaviour one per
    `BEHAVIOUR_COLUMNS` (Stouffer's sum over the answers of each gated column).

    Raises:
        ValueError: A PMI count that is not the stored lines' answer count.
    """
    from benchmarks.attribution.line_choice import answers_stouffer
    from benchmarks.attribution.line_scores import adopted_answer_scores
    from provenance.attribution.joint import standard_z

    planted = stored["planted"]
    default = standard_z(adopted_answer_scores(stored))
    if len(pmis) != len(default):
        raise ValueError(f"{task}/{behaviour}: {len(pmis)} PMIs for {len(default)} stored answers")
    gated = {f"marginal-gated {e}": pmi_gated(stored, pmis[:, i]) for i, e in enumerate(ESTIMATES)}
    whole = {"answers-stouffer": answers_stouffer(stored), **{c: answers_combined(s) for c, s in gated.items()}}
    return column_records(task, behaviour, planted, {"default": default, **gated}, whole,
                          lambda q: {f"pmi {e}": float(pmis[q, i]) for i, e in enumerate(ESTIMATES)},
                          {f"pmi {e}": float(np.mean(pmis[:, i])) for i, e in enumerate(ESTIMATES)})


def render(table: pd.DataFrame, empty_pmi: pd.Series | None = None) -> str:
    """Per task-behaviour the mean PMI (all K; the empty prompt's, from ``empty_pmi``, where given) and each column's
    P@10 (P@n) per answer and P@n per behaviour, sorted by the K PMI; then `prompt_pmi_probe.summary` per mode."""
    answers = table[table["mode"] == "per answer"]
    mean = answers.groupby(["task", "behaviour", "column"])[["P@10", "P@n"]].mean()
    whole = table[table["mode"] == "per behaviour"].set_index(["task", "behaviour", "column"])["P@n"]
    pmi = answers.groupby(["task", "behaviour"])[[f"pmi {e}" for e in ESTIMATES]].mean()
    lines = ["# Does the PMI against the training prompts tell when the prompt side must gate the answer side?", "",
             "Generated by `python -m benchmarks.attribution.marginal_pmi_probe`. PMI: nats per answer token, the "
             f"fine-tuned model, against the mean likelihood after {DRAWS} training prompts drawn at random (seed "
             f"{SEED}; its halves beside), averaged over the answers; the empty prompt's PMI from "
             "`prompt_pmi_probe.csv`. Per answer P@10 (P@n), averaged over the answers; per behaviour P@n. Sorted by "
             "the PMI over all K.", "",
             f"| task / behaviour | PMI K{DRAWS} (halves) | PMI, empty prompt | " + " | ".join(ANSWER_COLUMNS)
             + " | per behaviour: " + " | ".join(BEHAVIOUR_COLUMNS) + " |",
             "|---|---|---|" + "---|" * (len(ANSWER_COLUMNS) + len(BEHAVIOUR_COLUMNS))]
    for task, behaviour in pmi[f"pmi {ESTIMATES[0]}"].sort_values().index:
        p = pmi.loc[(task, behaviour)].to_numpy()
        empty = "-" if empty_pmi is None or (task, behaviour) not in empty_pmi.index else \
            f"{empty_pmi.loc[(task, behaviour)]:.2f}"
        part = mean.loc[(task, behaviour)]
        lines.append(f"| {task} / {behaviour} | {p[0]:.2f} ({p[1]:.2f}, {p[2]:.2f}) | {empty} | "
                     + " | ".join(f"{part.loc[c, 'P@10']:.2f} ({part.loc[c, 'P@n']:.2f})" for c in ANSWER_COLUMNS)
                     + " | " + " | ".join(f"{whole.loc[(task, behaviour, c)]:.2f}" for c in BEHAVIOUR_COLUMNS) + " |")
    for mode, columns in (("per answer", ANSWER_COLUMNS), ("per behaviour", BEHAVIOUR_COLUMNS)):
        lines += ["", f"## {mode}, counted tasks, against the committed default", "",
                  *summary_lines(summary(table, columns, mode))]
    return "\n".join(lines) + "\n"


def empty_prompt_pmi(path: Path) -> pd.Series | None:
    """Mean empty-prompt PMI per (task, behaviour) from `prompt_pmi_probe`'s ``.csv`` at ``path``, if it exists."""
    if not path.exists():
        return None
    t = pd.read_csv(path)
    t = t[(t["mode"] == "per answer") & (t["column"] == "default")]
    return t.groupby(["task", "behaviour"])["pmi"].mean()


def main(argv: list[str] | None = None) -> None:
    import torch

    from benchmarks.attribution.line_scores import probe_runs_beside_lines

    torch.set_num_threads(1)   # the runs' models on one core, beside the other jobs of the bench
    args, rows = probe_runs_beside_lines(__doc__, argv, pmi_of, records)
    table = with_committed(pd.DataFrame(rows))
    text = render(table, empty_prompt_pmi(args.out.parent / "prompt_pmi_probe.csv"))
    args.out.write_text(text)
    table.to_csv(args.out.with_suffix(".csv"), index=False)   # every answer's PMIs and records
    print(text, end="")


if __name__ == "__main__":
    main()
