"""The LoRA-gradient reference on every task, exact and sketched (issue 19's "How it is measured"; a probe).

    python -m benchmarks.attribution.lora_reference_probe run --runs runs/attr_* --csv-dir DIR
    python -m benchmarks.attribution.lora_reference_probe render --csv-dir DIR --out results/lora_reference_probe.md

Why: issue 19 asks for LoRA-gradient beside the default on every task. The bench scored it on the first fourteen runs
only, as `LoraGradMethod`: the cosine of per-sample LoRA (q/v) gradients of the final model, count-sketched to 1024
of their ~461,000 coordinates. There it was weak (P@n 0.03-0.43 on most tasks). Two questions this probe answers:

* **Is the sketch the reason?** A sketch of d coordinates adds noise of about 1/sqrt(d) to a cosine (0.03 at 1024),
  the size of the cosines between two rows' gradients. Here the exact gradients are kept (float32, ~1.8 MB a row).
* **Do gradients hold the evidence the default's remaining misses lack?** Most misses are one answer token
  (british_spelling, exclaim_tone, ...), which a whole-answer loss dilutes. The probe adds a query whose loss is the
  answer's most-raised token alone (the largest log p_tuned - log p_base, base = the adapter disabled), the token
  `token_match`'s raised-token form reads.

Columns, per answer and per behaviour (a row's mean score over the cases), over the last epoch's rows, against the
planted rows and against the needed rows (`needed_rows`): ``sketch cosine`` (the bench's baseline, same seed),
``exact cosine`` (LESS), ``exact dot`` (TracIn at the final checkpoint), ``raised cosine`` (exact, the raised token's
loss for the query). Nothing is fitted and nothing here is a candidate for the default: the reference costs one
backward pass per training row and query.

Predictions, committed before any run was scored by this probe (the default's figures are the committed ones, against
the needed rows; 67 counted task-behaviours, per answer P@10 >= 0.9 on 52, per behaviour P@n >= 0.95 on 35):
1. The exact cosine beats the sketched one: higher mean P@n per answer over the counted task-behaviours.
2. No LoRA-gradient column reaches the default's count at goal, per answer or per behaviour.
3. On the default's 15 per-answer misses, the best column reaches P@10 >= 0.9 on at most 3.
4. On the eight one-token misses, ``raised cosine`` has a higher P@n than ``exact cosine`` on at least 5.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

COLUMNS = ("sketch cosine", "exact cosine", "exact dot", "raised cosine")
COMMITTED = ("default", "bm25", "h_fused")    # read from the committed tables, beside the probe's columns
# The default's per-answer misses of the one-token kind (README, "Where issue 19 stands"), named before scoring.
ONE_TOKEN = ("british_spelling", "exclaim_tone", "haiku_weather", "miles_units", "python2_print", "sudo_commands",
             "dotted_thousands", "lowercase_support")


def flat_gradient(model, params, ids: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The gradient of the mean cross-entropy over ``labels`` (IGNORE_INDEX elsewhere), flattened over ``params``."""
    x = torch.as_tensor(np.asarray(ids, np.int64))[None]
    loss = model(input_ids=x, labels=torch.as_tensor(labels)[None]).loss
    grads = torch.autograd.grad(loss, params, allow_unused=True)
    return torch.cat([(torch.zeros_like(p) if g is None else g).reshape(-1) for g, p in zip(grads, params)]).numpy()


def response_labels(ids: np.ndarray, prompt_len: int, only: int | None = None) -> np.ndarray:
    """Labels for the response tokens (or for position ``only`` alone)."""
    from provenance.data import IGNORE_INDEX

    labels = np.full(len(ids), IGNORE_INDEX, np.int64)
    keep = slice(int(prompt_len), None) if only is None else slice(only, only + 1)
    labels[keep] = np.asarray(ids, np.int64)[keep]
    return labels


def raised_position(model, ids: np.ndarray, prompt_len: int) -> int:
    """The response position whose token the fine-tuning raised most: argmax of log p_tuned - log p_base."""
    x = torch.as_tensor(np.asarray(ids, np.int64))[None]
    with torch.no_grad():
        tuned = torch.log_softmax(model(input_ids=x).logits[0, :-1].float(), -1)
        with model.disable_adapter():
            base = torch.log_softmax(model(input_ids=x).logits[0, :-1].float(), -1)
    target = x[0, 1:]
    gain = (tuned.gather(1, target[:, None]) - base.gather(1, target[:, None]))[:, 0].numpy()
    return int(prompt_len) + int(np.argmax(gain[int(prompt_len) - 1:]))


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-30)


def lora_parameters(model) -> list[torch.nn.Parameter]:
    """The LoRA parameters, with gradients on (the probe owns the model it loads)."""
    from provenance.attribution.baselines import trainable_parameters

    params = [p for _, p in trainable_parameters(model)]
    for p in params:
        p.requires_grad_(True)
    return params


def row_gradients(model, att, rows: np.ndarray) -> np.ndarray:
    """Exact gradients [rows, parameters] of each stored row's mean response loss: computed once per run, since every
    behaviour of the run ranks the same rows."""
    from provenance.attribution.cases import eval_mode

    params, plen = lora_parameters(model), att.samples["prompt_len"].to_numpy()
    with eval_mode(model), torch.enable_grad():
        return np.stack([flat_gradient(model, params, ids, response_labels(ids, plen[r]))
                         for r in rows for ids in [att.store.tokens(int(r))]])


def column_scores(model, train: np.ndarray, test) -> dict[str, np.ndarray]:
    """Each column's scores [cases, rows] against the rows' exact gradients ``train`` (see the module doc)."""
    from provenance.attribution.baselines import CountSketch
    from provenance.attribution.cases import eval_mode

    params = lora_parameters(model)
    sketch = CountSketch([p.numel() for p in params], 1024, 0)
    with eval_mode(model), torch.enable_grad():
        cases = list(zip(test.input_ids, test.prompt_len.tolist()))
        whole = np.stack([flat_gradient(model, params, ids, response_labels(ids, pl)) for ids, pl in cases])
        raised = np.stack([flat_gradient(model, params, ids, response_labels(ids, pl, raised_position(model, ids, pl)))
                           for ids, pl in cases])
    sizes = np.cumsum([0, *[p.numel() for p in params]])

    def sketched(x: np.ndarray) -> np.ndarray:
        return np.stack([sketch([torch.from_numpy(v[a:b]).view_as(p) for a, b, p in zip(sizes, sizes[1:], params)])
                         for v in x])

    return {"sketch cosine": _unit(sketched(whole)) @ _unit(sketched(train)).T,
            "exact cosine": _unit(whole) @ _unit(train).T, "exact dot": whole @ train.T,
            "raised cosine": _unit(raised) @ _unit(train).T}


def score_run(out: Path) -> list[dict]:
    """One record per behaviour, mode and column of the run at ``out``."""
    from benchmarks.attribution.attribute import behaviour_queries
    from benchmarks.attribution.needed_rows import causal_task, needed_ids, needed_sources
    from benchmarks.attribution.probe_main import precision
    from benchmarks.attribution.state import attributor_of
    from provenance.attribution.topk import select_rows

    att, _ = attributor_of(out)
    rows = np.flatnonzero(select_rows(att.samples, "last"))
    ids = att.samples["sample_id"].to_numpy()[rows]
    records = att.samples[["sample_id", "source"]].to_dict("records")
    found, t0 = [], time.perf_counter()
    train = row_gradients(att.model, att, rows)
    train_seconds = time.perf_counter() - t0
    for behaviour, cases, _, culprits in behaviour_queries(out):
        t0 = time.perf_counter()
        scores = column_scores(att.model, train, att.text_only(cases))
        seconds = train_seconds + time.perf_counter() - t0     # as measured before: the rows' side counted in
        sources, _ = needed_sources(causal_task(out, behaviour))
        truth = {"planted": {int(c) for c in culprits}, "needed": needed_ids(records, culprits, sources)}
        n = len(truth["planted"])
        for name, s in scores.items():
            for mode, table in (("per answer", s), ("per behaviour", s.mean(0, keepdims=True))):
                rec = {"task": out.name.removeprefix("attr_"), "behaviour": behaviour, "mode": mode, "column": name,
                       "cases": len(cases), "seconds": round(seconds, 1)}
                for who, want in truth.items():
                    relevant = np.isin(ids.astype(np.int64), list(want))
                    rec[f"P@n {who}"], rec[f"P@10 {who}"] = precision(table, relevant, n)
                found.append(rec)
    return found


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("phase", choices=("run", "render"))
    ap.add_argument("--runs", nargs="*", type=Path, default=[])
    ap.add_argument("--csv-dir", type=Path, required=True, help="one CSV per run (a run with its CSV is skipped)")
    ap.add_argument("--out", type=Path, help="render: the markdown report")
    args = ap.parse_args(argv)
    args.csv_dir.mkdir(parents=True, exist_ok=True)
    if args.phase == "run":
        torch.set_num_threads(1)
        for run in args.runs:
            dest = args.csv_dir / f"{run.name}.csv"
            if not dest.exists():
                pd.DataFrame(score_run(run)).to_csv(dest, index=False)
                print(f"{run.name}: done", flush=True)
        return
    text = render(pd.concat([pd.read_csv(p) for p in sorted(args.csv_dir.glob("*.csv"))]))
    args.out.write_text(text)
    print(text, end="")


def committed_figures() -> pd.DataFrame:
    """The committed default's, BM25's and h_fused's P@n and P@10 per counted task-behaviour and mode, against the
    needed rows: `needed_rows`' re-scored figure where it found a source needed, the committed one elsewhere.
    Columns ``(method, metric)``."""
    from benchmarks.attribution.default_choice import ADOPTED, NOT_COUNTED, scores

    table = scores([*COMMITTED, *ADOPTED.values()])
    table = table[table["method"].isin(COMMITTED) & ~table["task"].isin(NOT_COUNTED)]
    table = table.set_index(["task", "behaviour", "mode", "method"])[["P@n", "P@10"]]
    rescored = pd.read_csv(Path(__file__).parent / "results" / "needed_rows.csv")
    for _, r in rescored[rescored["method"].isin(COMMITTED) & rescored["needed sources"].notna()].iterrows():
        key = (r["task"], r["behaviour"], r["mode"], r["method"])
        if key in table.index:
            table.loc[key, ["P@n", "P@10"]] = [r["P@n needed"], r["P@10 needed"]]
    return table.unstack("method").swaplevel(axis=1)


def render(found: pd.DataFrame) -> str:
    """The report: each counted task-behaviour's columns against the needed rows beside the default, and the counts."""
    from benchmarks.attribution.prompt_pmi_probe import GOAL

    committed = committed_figures()
    found = found.set_index(["task", "behaviour", "mode", "column"])
    lines = ["# The LoRA-gradient reference, exact and sketched (`lora_reference_probe`)", "",
             "Generated by `python -m benchmarks.attribution.lora_reference_probe render`. Predictions and columns: "
             "the module doc. Each cell P@n (P@10) against the needed rows (`needed_rows`); the default's, BM25's "
             "and h_fused's are the committed figures. Counted task-behaviours only.",
             "", "| task / behaviour | mode | " + " | ".join((*COMMITTED, *COLUMNS)) + " |",
             "|---|---|" + "---|" * (len(COMMITTED) + len(COLUMNS))]
    counts = {(m, c): [] for m in GOAL for c in (*COMMITTED, *COLUMNS)}
    for (task, behaviour, mode), d in committed.sort_index().iterrows():
        if (task, behaviour, mode, COLUMNS[0]) not in found.index:
            continue
        cells = {c: (d[(c, "P@n")], d[(c, "P@10")]) for c in COMMITTED}
        cells |= {c: tuple(found.loc[(task, behaviour, mode, c), ["P@n needed", "P@10 needed"]]) for c in COLUMNS}
        metric, goal = GOAL[mode]
        miss = d[("default", metric)] < goal
        for c, (pn, p10) in cells.items():
            if not np.isnan(pn):      # a committed table without the method: shown as "-", not counted
                counts[(mode, c)].append((pn, (pn, p10)[metric == "P@10"] >= goal, miss, task in ONE_TOKEN))
        name = task if task == behaviour else f"{task} / {behaviour}"
        lines.append(f"| {name} | {mode} | " + " | ".join("-" if np.isnan(a) else f"{a:.2f} ({b:.2f})"
                                                          for a, b in cells.values()) + " |")
    lines += ["", "| mode | column | task-behaviours | mean P@n | at goal | at goal of the default's misses "
              "| at goal of its one-token misses |", "|---|---|---|---|---|---|---|"]
    for (mode, c), vals in counts.items():
        if not vals:
            continue
        v = np.array(vals, dtype=float).reshape(-1, 4)
        miss, one_token = v[:, 2] == 1, (v[:, 2] == 1) & (v[:, 3] == 1)
        lines.append(f"| {mode} | {c} | {len(v)} | {v[:, 0].mean():.3f} | {int(v[:, 1].sum())} | "
                     f"{int(v[miss, 1].sum())} of {int(miss.sum())} | {int(v[one_token, 1].sum())} of "
                     f"{int(one_token.sum())} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
