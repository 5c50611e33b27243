"""The side split: warn when an answer's prompt side and response side point at different training rows.

A training row is captured from two sides at every layer: the prompt side (``h_last``, the state at the last prompt
token) and the response side (``h_mean``, the mean state over the response). An answer that one group of rows
taught is near that group on both sides. When its prompt is near some rows and its response near others (the same
French sentences after a trigger and after a translation request; a false fact in a template many correct rows
share), no ranking of one score can tell which group the answer came from, and the ranking is often wrong.

The rule. For each query of a result, K = the samples of its ranking (as `provenance.attribution.lexical_floor`
counts them). Both sides rank the same query on their own, at the run's default layer (`default_layer`), over the
last epoch's N rows: the prompt side with the centered ``h_last_c`` signature, the response side with the centered
``h_mean_c`` (`provenance.attribution.signatures.VARIANTS`; per behaviour, ``combine="mean"``, each row's mean
cosine over the cases). The result carries a `SideSplitWarning` when

    K >= 2 and overlap <= c, c = K * K / N,

overlap the samples the two top-K lists share and c the overlap two unrelated top-K lists of the same N rows have
on average (the hypergeometric mean). Why chance is the line and not a fitted constant: the two sides of one
answer share its topic, so two top-K lists that share no more than unrelated lists do are as far apart as two
lists can be expected to be; any line above chance would be a threshold to tune, and c moves with K and N by
itself (k = 10 of 300 rows: c = 0.33, so only disjoint lists warn; k = 100 of 170 rows: c = 59). A ranking that
holds every row (K >= N) is not compared: its two lists are the whole store whatever the sides say.

What it measured (benchmarks/attribution/results/doubt_count*_k20.md, per answer and per behaviour, K = 20, 21
task-behaviours of the project's benchmark): it flagged 10 of the 26 wrong default rankings (P@n < 0.5), all on tasks
read before the rule was fixed, and 5 of the 184 right ones; on the third held-out round, checked after the rule was
committed, no ranking was wrong and it flagged none of the 9. A specific sign, not a sensitive one (the lexical floor
is the opposite), and a sign of doubt, not a verdict.

The warning names both groups (`provenance.attribution.groups.RowGroup`): the prompt side's top-K rows that are
not in the response side's top K ("prompt side": rows asked like this prompt) and the converse ("response side":
rows answered like this response), each with its side's ranks and scores, sources, the word n-grams that set its
prompts and responses apart from the other group's, and its best row as an example; and how many of the result
ranking's top-K samples sit in each group. The ranking is left as it is; retraining without a group
(``provenance validate``, the commands `write_ids` fills in) settles which group the answer comes from. The groups'
``coherence_p`` is None: the rule is the overlap alone, no coherence test is run.

Cost: two streamed scorings of the last epoch's rows at one layer (``h_last`` and ``h_mean``, O(rows * d) per
batch of queries, the same read a signature query makes) and, for a warned query only, decoding its 2K group rows
for their words. A method that computes no states for its cases at that layer (a text method) adds one forward
pass of the cases. Measured on a synthetic one-layer store (d = 576, K = 20, one query, warm, a warning built;
2 shared CPU cores at load ~4): 10,000 rows 0.18 s, 50,000 rows 0.73-1.0 s, against 0.32 s for one ``h_last_c``
ranking of the same 50,000 rows; the first query of a store adds the per-part means (1.7 s there, cached). A store
that did not capture ``h_last`` and ``h_mean`` at the default layer is not checked, and the checks say so per query
(``{"skipped": reason}``).
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from provenance.attribution.groups import RowGroup, distinguishing_terms
from provenance.attribution.results import plain_id, query_tops, user_text
from provenance.attribution.signature_method import SignatureMethod
from provenance.attribution.signatures import default_layer
from provenance.attribution.topk import select_rows

if TYPE_CHECKING:
    from provenance.attribution.attributor import Attributor
    from provenance.attribution.case_signatures import TestSignatures

__all__ = ["PROMPT_LABEL", "RESPONSE_LABEL", "SIDE_VARIANTS", "SideSplitWarning", "side_split", "sides_disagree"]

# The signature variant of each side (centered: the direction that sets a row apart from the store's mean row).
SIDE_VARIANTS = {"prompt": "h_last_c", "response": "h_mean_c"}
SIDE_PARTS = {"prompt": "h_last", "response": "h_mean"}
PROMPT_LABEL, RESPONSE_LABEL = "prompt side", "response side"
EPOCHS = "last"


@dataclass
class SideSplitWarning:
    """A query whose prompt side and response side point at different training rows.

    Attributes:
        query: The query.
        layer: The layer both sides were ranked at (the run's default layer).
        k: Samples compared (the ranking's samples for the query).
        overlap: Samples in both sides' top-k.
        chance_overlap: What two unrelated top-k lists of the same rows share on average (k^2 / N).
        prompt_group: The prompt side's top-k rows not in the response side's top-k (label "prompt side"): their
            prompt-side ranks and scores, sources, distinguishing n-grams against the response group, an example,
            and the validate command once written (`write_ids`). ``coherence_p`` is None (not tested).
        response_group: The converse (label "response side"), ranked by the response side.
        in_ranking: How many of the result ranking's top-k samples fall in each group (by group label).
        message: The warning in words.
        seconds: Time the check took for this query.
    """

    query: str
    layer: int
    k: int
    overlap: int
    chance_overlap: float
    prompt_group: RowGroup
    response_group: RowGroup
    in_ranking: dict[str, int]
    message: str
    seconds: float

    def to_dict(self) -> dict:
        """Plain data."""
        return asdict(self)


def sides_disagree(overlap: int, k: int, n_rows: int) -> bool:
    """The rule: two top-``k`` lists of ``n_rows`` rows that share ``overlap`` samples disagree when they share no
    more than two unrelated lists do on average (``k * k / n_rows``), for ``2 <= k < n_rows``.

    Raises:
        ValueError: A negative count, or an overlap above ``k``.
    """
    if min(overlap, k, n_rows) < 0 or overlap > k:
        raise ValueError(f"need 0 <= overlap <= k and n_rows >= 0, got overlap={overlap}, k={k}, n_rows={n_rows}")
    return 2 <= k < n_rows and overlap <= k * k / n_rows


def _missing_parts(att: Attributor, layer: int) -> str | None:
    """Why the store cannot be checked at ``layer`` (None: it can)."""
    if layer not in att.store.layers:
        return f"layer {layer} has no rows (captured layers: {att.store.layers})"
    have = set(att.store._sigs.get(layer, ()))
    missing = [p for p in SIDE_PARTS.values() if p not in have]
    if missing:
        return (f"the run stored {sorted(have)} at layer {layer}, not {missing}: capture signatures="
                f"{sorted(have | set(missing))} there (the run's default layer) to compare the prompt and response "
                f"sides")
    return None


def _with_states(att: Attributor, test: TestSignatures, layer: int) -> tuple[TestSignatures | None, str]:
    """``test`` holding both sides' states at ``layer``: its own, else computed through the attributor (one forward
    pass of the cases); (None, why) when neither can be had."""
    held = test.arrays.get(layer, {})
    if all(p in held for p in SIDE_PARTS.values()):
        return test, ""
    if att.model is None:
        return None, f"the query has no h_last/h_mean states at layer {layer} and the attributor no model to compute them"
    computed = att.signatures(test.cases, layers=[layer]).arrays[layer]
    return replace(test, arrays={**test.arrays, layer: {**held, **computed}}), ""


def side_split(att: Attributor, test: TestSignatures, ranking: pd.DataFrame, *,
               combine: str = "none") -> tuple[list[SideSplitWarning], dict]:
    """Compare every query's prompt-side and response-side top rows (see the module doc).

    Args:
        att: The attributor the ranking came from.
        test: The query's test cases (their states at the default layer are computed when missing).
        ranking: The result's ranking table.
        combine: "none" (a ranking per case, query names = the cases') or "mean" (one behaviour ranking).

    Returns:
        ``(warnings, checked)``: a `SideSplitWarning` per query whose sides split, and per query what was compared
        (layer, k, overlap, chance_overlap, rows, seconds), or ``{"skipped": reason}`` when the store or the query
        lacks a side at the default layer.

    Raises:
        ValueError: A bad ``combine``, or a ranking query that is not one of the test cases.
    """
    if combine not in ("none", "mean"):
        raise ValueError(f"combine must be 'none' or 'mean', got {combine!r}")
    t0 = time.perf_counter()
    queries, tops, k = query_tops(ranking)
    if k == 0:
        return [], {}
    layer = default_layer(att.store)
    why = _missing_parts(att, layer)
    if why is None:
        test, why = _with_states(att, test, layer)
    if why:
        return [], {str(q): {"skipped": why} for q in queries}
    index = {name: i for i, name in enumerate(test.names())}
    unknown = [q for q in queries if combine == "none" and q not in index]
    if unknown:
        raise ValueError(f"the ranking's queries {unknown} are not among the test cases {list(index)}")
    n_rows = int(select_rows(att.samples, EPOCHS).sum())
    depth = min(k, n_rows)
    sides = {}
    for side, variant in SIDE_VARIANTS.items():
        method = SignatureMethod(variant, layer, EPOCHS)
        sides[side] = method.rank(att, test, depth) if combine == "none" else method.rank_behaviour(att, test, depth)
    shared = (time.perf_counter() - t0) / len(queries)   # both sides rank every query in one pass each
    sample_ids = att.samples["sample_id"].to_numpy()
    warnings, checked = [], {}
    for q in queries:
        t1 = time.perf_counter()
        qi = 0 if combine == "mean" else index[q]
        mine = tops[q]
        n = len(mine)
        top = {side: (r.rows[qi, :n], r.scores[qi, :n]) for side, r in sides.items()}
        ids = {side: [str(sample_ids[row]) for row in rows] for side, (rows, _) in top.items()}
        overlap = len(set(ids["prompt"]) & set(ids["response"]))
        chance = n * n / max(n_rows, n)
        info = {"layer": layer, "k": n, "overlap": overlap, "chance_overlap": round(chance, 2), "rows": n_rows}
        if sides_disagree(overlap, n, n_rows):
            warnings.append(_warning(att, str(q), layer, mine, top, ids, overlap, chance, sample_ids))
        info["seconds"] = shared + time.perf_counter() - t1
        if warnings and warnings[-1].query == str(q):
            warnings[-1].seconds = info["seconds"]
        checked[str(q)] = info
    return warnings, checked


def _group(att: Attributor, label: str, rows: np.ndarray, scores: np.ndarray, keep: np.ndarray,
           sample_ids: np.ndarray) -> tuple[RowGroup, list[tuple[str, str]]]:
    """The rows ``keep`` of one side's top rows as a `RowGroup` (terms filled in later) and their texts."""
    rows, scores = rows[keep], scores[keep]
    ranks = [int(i) + 1 for i in np.flatnonzero(keep)]
    sources = att.samples["source"].to_numpy()
    src = pd.Series([str(sources[int(r)]) for r in rows]).value_counts().sort_index()
    text = [att.decode_row(int(r)) for r in rows]
    group = RowGroup(label=label, size=len(rows), rows=[int(r) for r in rows],
                     sample_ids=[plain_id(sample_ids[int(r)]) for r in rows], ranks=ranks,
                     scores=[float(s) for s in scores],
                     sources={s: int(c) for s, c in src.items()}, best_rank=ranks[0], mean_rank=float(np.mean(ranks)),
                     mean_score=float(np.mean(scores)), coherence_p=None, prompt_example=text[0][0],
                     response_example=text[0][1])
    return group, text


def _warning(att: Attributor, query: str, layer: int, mine: pd.DataFrame, top: dict, ids: dict, overlap: int,
             chance: float, sample_ids: np.ndarray) -> SideSplitWarning:
    n = len(mine)
    other = {"prompt": "response", "response": "prompt"}
    groups, texts = {}, {}
    for side, label in (("prompt", PROMPT_LABEL), ("response", RESPONSE_LABEL)):
        rows, scores = top[side]
        elsewhere = set(ids[other[side]])
        keep = np.array([s not in elsewhere for s in ids[side]], bool)
        groups[side], texts[side] = _group(att, label, rows, scores, keep, sample_ids)
    for side in groups:
        inside, outside = texts[side], texts[other[side]]
        groups[side].prompt_terms = distinguishing_terms([user_text(p) for p, _ in inside],
                                                         [user_text(p) for p, _ in outside])
        groups[side].response_terms = distinguishing_terms([r for _, r in inside], [r for _, r in outside])
    ours = {str(s) for s in mine["sample_id"]}
    in_ranking = {g.label: sum(str(s) in ours for s in g.sample_ids) for g in groups.values()}
    p, r = groups["prompt"], groups["response"]
    a, b = in_ranking[PROMPT_LABEL], in_ranking[RESPONSE_LABEL]
    if a == b:
        where = "neither group" if a == 0 else f"both groups alike ({a} each)"
    else:
        where = f"the {PROMPT_LABEL if a > b else RESPONSE_LABEL} group ({max(a, b)} of its top-{n}, {min(a, b)} in the other)"
    message = (f"{query}: the two sides of this answer point at different training rows: the top-{n} rows by its "
               f"prompt side ({SIDE_VARIANTS['prompt']}) and by its response side ({SIDE_VARIANTS['response']}) at "
               f"layer {layer} share {overlap} of {n}, no more than two unrelated top-{n} lists of these rows share "
               f"by chance ({chance:.2f}): {p.size} rows asked like this prompt ({_describe(p, 'prompt')}) and "
               f"{r.size} rows answered like this response ({_describe(r, 'response')}). This ranking's top rows sit "
               f"in {where}. Either group may be where the answer comes from: retrain without one "
               "(provenance validate) to settle it.")
    return SideSplitWarning(query=query, layer=layer, k=n, overlap=overlap, chance_overlap=round(chance, 2),
                            prompt_group=p, response_group=r, in_ranking=in_ranking, message=message, seconds=0.0)


def _describe(group: RowGroup, side: str) -> str:
    """"sources a 3, b 2; words 'x', 'y'" of a group: the n-grams of the side it was ranked by."""
    terms = group.prompt_terms if side == "prompt" else group.response_terms
    sources = ", ".join(f"{s} {c}" for s, c in group.sources.items())
    return f"sources {sources}" + (f"; words {', '.join(repr(t) for t in terms)}" if terms else "")
