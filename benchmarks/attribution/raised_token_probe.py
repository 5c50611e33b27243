"""Does the answer's most-raised token point elsewhere than the ranking when the ranking is wrong? A probe of a
possible sign of doubt (issue 19), not a library check.

    OMP_NUM_THREADS=1 python -m benchmarks.attribution.raised_token_probe --runs runs/attr_haiku_weather ... \
        --out benchmarks/attribution/results/raised_token_probe.md

Why ask. Round 14's haiku answers ("Rainy days can be soaked / wear a waterproof jacket / a raincoat with a
waterproof layer") blend two groups of training rows: read token by token (each answer token's best-matching stored
response tokens, at the token layer), the separators " /", the tokens the fine-tuning raised most, are matched by the
planted haiku rows, while "wear", "waterproof", "jacket" are matched by the prose weather answers (the topic twins).
The per-answer default pools every token and follows the majority, the content. So the sign examined here: the
answer's single most-raised token (the largest max(0, log p_final - log p_base), as `gain_focus` reads it) ranks
the rows by its own best match (max over each row's response tokens of the centered cosine), and the sign fires
when that ranking's top k and the default's top k share fewer rows than half the way from chance to full agreement,
2 * overlap < k + k^2 / N (the lexical floor's rule, `provenance.attribution.lexical_floor`: nothing fitted), at the
CLI's k = 20.

Per answer (the queries are the model's own generations that show the behaviour, `behaviour_queries`), last
epoch's rows. A ranking is **wrong** when P@n < 0.5 (`doubt_count.WRONG_BELOW`). The table counts, per task, the
wrong rankings and those the sign fires on, the right rankings and its false alarms, and the most-raised tokens.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from benchmarks.attribution.attribute import behaviour_queries
from benchmarks.attribution.doubt_count import WRONG_BELOW
from benchmarks.attribution.probe_main import default_answer_lines, probe_main
from benchmarks.attribution.state import attributor_of

K = 20


def disagrees(top_a: np.ndarray, top_b: np.ndarray, n_rows: int) -> bool:
    """Whether two top-k lists of the same ``n_rows`` rows share less than half the way from chance to full
    agreement: 2 * overlap < k + k^2 / n_rows (k = the shorter list's length)."""
    k = min(len(top_a), len(top_b))
    overlap = len(set(top_a[:k].tolist()) & set(top_b[:k].tolist()))
    return 2 * overlap < k + k * k / n_rows


def unit(x: np.ndarray) -> np.ndarray:
    """Rows of ``x`` scaled to unit length (a zero row stays zero)."""
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-30)


def stored_response_states(att, store, rows: np.ndarray, token_layer: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """The token layer's centre (the stored ``h_mean`` mean, token match's mu) and each of ``rows``' stored response
    token states, centred and unit length."""
    from provenance.attribution.signatures import part_means

    plen = att.samples["prompt_len"].to_numpy()
    center = part_means(store, token_layer, ["h_mean"])["h_mean"].astype(np.float64)
    stored = [unit(h[int(plen[r]):].astype(np.float64) - center)
              for r, h in zip(rows.tolist(), store.token_states(token_layer, rows))]
    return center, stored


def most_raised_scores(att, test, token_layer: int, center: np.ndarray,
                       stored: list[np.ndarray]) -> tuple[np.ndarray, list[int], list[float]]:
    """Per answer of ``test``, every stored row's best centred cosine with the answer's most-raised token (``[Q,
    rows]``), that token's position in the response, and its share of the answer's fine-tuning gain."""
    from provenance.attribution.token_match import finetune_tokens

    states, gains = finetune_tokens(att.model, test, token_layer)
    scores, positions, shares = [], [], []
    for h, gain in zip(states, gains):
        t = int(np.argmax(gain))
        token = unit(h[t] - center)
        scores.append(np.array([(r @ token).max() for r in stored]))
        positions.append(t)
        shares.append(float(gain[t] / gain.sum()))
    return np.stack(scores), positions, shares


def measure(out: Path) -> list[dict]:
    """One record per answer of one run: its P@n under the default, the most-raised token, and whether the sign
    fires."""
    from provenance.attribution.joint import focus_and_side_weights, stouffer_standard_z
    from provenance.attribution.signatures import default_layer
    from provenance.attribution.token_match import default_token_layer
    from provenance.attribution.topk import select_rows

    att, store = attributor_of(out)
    layer, token_layer = default_layer(store), default_token_layer(att.model)
    rows = np.flatnonzero(select_rows(att.samples, "last"))
    ids = att.samples["sample_id"].astype(str).to_numpy()[rows]
    center, stored = stored_response_states(att, store, rows, token_layer)
    records = []
    for behaviour, cases, _, culprits in behaviour_queries(out):
        planted = np.isin(ids, [str(c) for c in culprits])
        n_planted = int(planted.sum())
        test = att.signatures(cases, [layer], [token_layer])
        lines = default_answer_lines(att, test, layer, token_layer, rows)
        default = stouffer_standard_z(*lines, weights=focus_and_side_weights(np.full(len(cases), 0.5)))
        by_token, positions, shares = most_raised_scores(att, test, token_layer, center, stored)
        for i, (t, share) in enumerate(zip(positions, shares)):
            order = np.argsort(-default[i], kind="stable")
            token_order = np.argsort(-by_token[i], kind="stable")
            token_id = int(test.input_ids[i][int(test.prompt_len[i]) + t])
            records.append({"task": out.name.removeprefix("attr_"), "behaviour": behaviour, "query": i,
                            "P@n": float(planted[order[:n_planted]].mean()),
                            "token P@n": float(planted[token_order[:n_planted]].mean()),
                            "token": att.tokenizer.convert_ids_to_tokens([token_id])[0].replace("\u0120", " "),
                            "share": share,
                            "fires": disagrees(order[:K], token_order[:K], len(rows))})
        print(f"{out.name} {behaviour}: {len(cases)} queries", flush=True)
    return records


def render(records: list[dict]) -> str:
    """Per task: wrong rankings and the sign on them, right rankings and its false alarms, the raised tokens."""
    lines = ["# The answer's most-raised token as a sign of doubt: a probe (issue 19)", "",
             "Generated by `python -m benchmarks.attribution.raised_token_probe`. Per answer, last epoch's rows, the "
             f"per-answer default (`joint-equal-c`), k = {K}. Wrong: P@n < {WRONG_BELOW}. The sign fires when the "
             "most-raised token's own ranking and the default's top k share fewer rows than (k + k^2/N) / 2. "
             "`token P@n`: that token's ranking alone.", "",
             "| task / behaviour | answers | wrong | wrong with the sign | right | false alarms | mean P@n "
             "| mean token P@n | most-raised tokens |", "|---|---|---|---|---|---|---|---|---|"]
    table: dict[tuple[str, str], list[dict]] = {}
    for r in records:
        table.setdefault((r["task"], r["behaviour"]), []).append(r)
    totals = np.zeros(5, int)
    for (task, beh), rs in table.items():
        wrong = [r for r in rs if r["P@n"] < WRONG_BELOW]
        right = [r for r in rs if r["P@n"] >= WRONG_BELOW]
        row = np.array([len(rs), len(wrong), sum(r["fires"] for r in wrong), len(right),
                        sum(r["fires"] for r in right)])
        totals += row
        tokens = ", ".join(f"`{t}` {c}" for t, c in Counter(r["token"] for r in rs).most_common(3))
        label = task if task == beh else f"{task} / {beh}"
        means = f"{np.mean([r['P@n'] for r in rs]):.2f} | {np.mean([r['token P@n'] for r in rs]):.2f}"
        lines.append(f"| {label} | " + " | ".join(str(int(v)) for v in row) + f" | {means} | {tokens} |")
    lines.append("| **total** | " + " | ".join(str(int(v)) for v in totals) + " | | | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    probe_main(__doc__.splitlines()[0], measure, render, argv)


if __name__ == "__main__":
    main()
