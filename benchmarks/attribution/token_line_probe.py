"""Whether single answer tokens hold what the pooled lines miss: each raised answer token matched alone.

    OMP_NUM_THREADS=1 python -m benchmarks.attribution.token_line_probe --runs runs/attr_sudo_commands ... \
        --lines benchmarks/attribution/results/line_scores --out benchmarks/attribution/results/token_line_probe.md

A diagnostic, not a candidate. `layer_line_probe` showed that no pooled line, at any captured layer, reaches P@10 >= 0.9
per answer on british_spelling, exclaim_tone, python2_print and sudo_commands. Token match pools the answer's tokens
into one query, weighted by how much the fine-tuning raised each (``query="pooled"``), or takes the most-raised token
alone (``query="top"``). Here every raised token s of an answer (gain w_s > 0 over the base model) is a line of its
own: a row's score is max_t cos(h(t) - mu, h(s) - mu) over the row's stored response-token states at token match's
layer, as token match scores a single query token. Per answer the probe reports the adopted default, the most-raised
token's line, and the oracle `best_token`: the answer's token line of best P@10 (ties by P@n), read against the
planted rows. Where the oracle reaches the goal and the default does not, one token of the answer holds the evidence
and the open question is which token; where it does not, even single tokens' states miss it.

The oracle chooses among many lines (one per raised token, 5-40 per answer), so it is looser than the line oracles.
It needs the runs (the token states are read from each run's store) and the line files (the default, the planted rows).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.attribution.line_scores import adopted_answer_scores, probe_runs_beside_lines
from benchmarks.attribution.probe_main import precision

COLUMNS = ("default", "most-raised token", "best token")


def best_token(token_scores: np.ndarray, planted: np.ndarray) -> tuple[int, float, float]:
    """(index, P@n, P@10) of the token line of best P@10 (ties by P@n, then the tokens' order) among ``token_scores``
    ``[tokens, rows]``, one answer's lines: the oracle `best_token` of the module doc.

    Raises:
        ValueError: No token line.
    """
    if len(token_scores) == 0:
        raise ValueError("an answer needs at least one raised token")
    each = [precision(line[None], planted, int(planted.sum())) for line in token_scores]
    best = max(range(len(each)), key=lambda i: (each[i][1], each[i][0], -i))
    return best, *each[best]


def token_lines(out: Path) -> tuple[np.ndarray, dict[str, list[tuple[list[str], np.ndarray, np.ndarray]]]]:
    """(the last epoch's row ids, ``{behaviour: [(texts, weights [S], scores [S, rows])] per answer}``) of the run at
    ``out``: each raised token's (w_s > 0) text, gain and line over the rows `line_scores.export_run` scores, in the
    answer's token order."""
    from benchmarks.attribution.attribute import behaviour_queries
    from benchmarks.attribution.state import attributor_of
    from provenance.attribution.token_match import TokenMatchMethod, _unit, cached_base_logprobs, finetune_tokens
    from provenance.attribution.topk import select_rows

    att, _ = attributor_of(out)
    rows = np.flatnonzero(select_rows(att.samples, "last"))
    # Token match's own parts (its layer, centre and stored row states), so each token line is exactly the score
    # token match gives a query of that one token.
    method = TokenMatchMethod(None, None, None, "last", states="store")
    layer = method.token_layer_of(att)
    source = method.source_of(att, layer)
    mu = method._center(att, layer, rows, source)
    pad = att.tokenizer.pad_token_id if att.tokenizer.pad_token_id is not None else 0
    row_tokens = [_unit(h.astype(np.float64) - mu) if len(h) else h
                  for states in method._chunks(att, rows, layer, source) for h in states]
    behaviours = {}
    for behaviour, cases, _, _ in behaviour_queries(out):
        test = att.signatures(cases, [], [layer])
        states, weights = finetune_tokens(att.model, test, layer, pad_token_id=pad,
                                          lp_base=cached_base_logprobs(att, test, layer))
        answers = []
        for h, w, ids, start in zip(states, weights, test.input_ids, test.prompt_len.tolist(), strict=True):
            queries = _unit(h[w > 0] - mu)
            scores = np.array([(t @ queries.T).max(0) if len(t) else np.full(len(queries), -1.0)
                               for t in row_tokens]).T
            # the answer's tokens, as `finetune_tokens` weighs them (one weight per response token)
            texts = [att.tokenizer.decode([int(i)]) for i in np.asarray(ids)[int(start):][: len(w)][w > 0]]
            answers.append((texts, w[w > 0], scores))
        behaviours[behaviour] = answers
    return att.samples["sample_id"].astype(str).to_numpy()[rows], behaviours


def records(task: str, behaviour: str, stored: dict[str, np.ndarray],
            answers: list[tuple[list[str], np.ndarray, np.ndarray]]) -> list[dict]:
    """One record per answer and column of `COLUMNS`: the adopted default (from the stored lines), the most-raised
    token's line, and `best_token`; each with the token it read (``token``; none for the default).

    Raises:
        ValueError: The answers or the rows differ from the stored lines'.
    """
    planted = stored["planted"]
    default = adopted_answer_scores(stored)
    if len(answers) != len(default) or any(s.shape[1] != len(planted) for _, _, s in answers):
        raise ValueError(f"{task}/{behaviour}: the token lines and the stored lines cover different answers or rows")
    n, out = int(planted.sum()), []
    for q, (texts, weights, scores) in enumerate(answers):
        top = int(np.argmax(weights))
        best, *best_values = best_token(scores, planted)
        values = ((None, *precision(default[q:q + 1], planted, n)),
                  (texts[top], *precision(scores[top][None], planted, n)), (texts[best], *best_values))
        out += [{"task": task, "behaviour": behaviour, "answer": q, "column": c, "token": v[0], "P@n": v[1],
                 "P@10": v[2]} for c, v in zip(COLUMNS, values, strict=True)]
    return out


def render(table: pd.DataFrame) -> str:
    """One row per task-behaviour: P@10 and P@n averaged over its answers, per column."""
    mean = table.groupby(["task", "behaviour", "column"])[["P@10", "P@n"]].mean()
    lines = ["# Single answer tokens: does one token of the answer hold the evidence?", "",
             "Generated by `python -m benchmarks.attribution.token_line_probe`. Per answer P@10 (P@n), averaged over "
             "each task's answers. `best token`: the answer's raised token whose line alone is best, read against the "
             "planted rows (a bound on choosing one token, not a method). The last two columns name the token that "
             "the most-raised and the best token column read most often over the answers.", "",
             "| task / behaviour | answers | " + " | ".join(COLUMNS) + " | most-raised: token | best: token |",
             "|---|---|" + "---|" * (len(COLUMNS) + 2)]
    for task, behaviour in dict.fromkeys(zip(table["task"], table["behaviour"], strict=True)):
        part = mean.loc[(task, behaviour)]
        rows = table[(table["task"] == task) & (table["behaviour"] == behaviour)]
        common = [repr(rows[rows["column"] == c]["token"].mode().iloc[0]) for c in COLUMNS[1:]]
        lines.append(f"| {task} / {behaviour} | {rows['answer'].nunique()} | "
                     + " | ".join(f"{part.loc[c, 'P@10']:.2f} ({part.loc[c, 'P@n']:.2f})" for c in COLUMNS)
                     # a "|" inside a token is escaped, or GFM would split the cell
                     + " | " + " | ".join(f"`{t}`".replace("|", "\\|") for t in common) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    import torch

    torch.set_num_threads(1)   # the runs' models on one core, beside the other jobs of the bench
    args, rows = probe_runs_beside_lines(__doc__, argv, token_lines, records)
    text = render(pd.DataFrame(rows))
    args.out.write_text(text)
    pd.DataFrame(rows).to_csv(args.out.with_suffix(".csv"), index=False)   # every answer's record
    print(text, end="")


if __name__ == "__main__":
    main()
