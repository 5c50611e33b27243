"""Competing groups: when the top rows of a ranking form distinct groups, say so, say what sets them apart, which
group ranks first and why, and which command settles it causally.

    res = att.query(cases, k=20)                 # groups are looked for by default
    for found in res.groups:                     # one `CompetingGroups` per query whose top rows split
        print("\\n".join(group_lines(found)))
    write_group_ids(res.groups, "groups/")       # one ranking file per group + its `provenance validate` command

Two groups explaining one answer look alike to a ranking: the same answer after a trigger and after an explicit
instruction, or one sentence taught by two sources. Each side of a training row is read from the store at one
captured layer: the prompt side (``h_last``, the state at the last prompt token) and the response side
(``h_mean``, the mean state over the response). The top ``N = MAX_ROWS`` = 100 rows of the ranking (one row per
sample), whatever the ``k`` the user asked for (why: "How many rows" below), are split in ``m`` configurations
(`configurations`):

* both sides together at the method's layer (`groups_layer`);
* the prompt side alone at every captured layer that stores ``h_last``. When each answer of one group has a
  word-for-word twin in the other (a trigger and a translation request answered with the same French sentence),
  the response side glues the pairs and both sides together keep them together; the prompt side alone separates
  them, at a layer that differs between queries (measured on the benchmark's confusable task, 3 queries: layer 8
  in 3, layer 22 in 2, layer 15 in none, layer 29 in 1, where the last prompt state already encodes the French
  answer), so every stored layer is tried instead of one picked by hand.

In each configuration the scattered rows are set aside first (at the ``ALPHA`` quantile: that decides no report),
the rest fall into apart components (rows joined where two lie closer than that same radius; each component is split
on its own, so a few rows of a small far group cannot hide two large ones from the split test), and a split is
reported only when it passes four tests (`provenance.attribution.group_stats`, which states and
justifies them), each at level ``ALPHA / m`` (Bonferroni: trying more configurations does not make a false report
likelier; the Monte-Carlo draws grow with ``m`` so the level stays attainable; the twin test divides it further
by the pairs of groups it tests):

* the split is significant against one Gaussian group with the rows' own covariance (SigClust), or its sides lie
  in apart components;
* each group is more alike than random training rows (coherence against a background sample of the store), so a
  tight group plus scattered rows is one group and some noise, not two groups;
* each group is *relevant*: its rows are closer to the query than the rows the ranking lists just below the
  examined ones, on both sides at the method's layer (where the method ranks and the query has states). The
  statistic is the group's mean squared distance to the query point; the null is random subsets of the same size
  of the ranking's *continuation*: ranks N+1 .. N+M, one row per sample, none of the examined samples, M =
  ``CONTINUATION_PER_ROW * N`` = N (`continuation_rows`). Why the continuation and not random rows: the top rows
  were *selected* for closeness to the query, so every group among them except the tail is closer than random
  rows; a random-row null reported real but irrelevant prompt-context structure on single-group tasks (measured:
  template_swap 3/12, hedging 3/7, harmful 11/12 answers at k=100). A group no closer to the query than the rows
  that just missed the cut owes its place in the top k to where k cut the ranking, not to a distinct explanation
  of the answer; a group far closer than them (the confusable task's planted and translation rows, both far above
  what follows them) passes. M = N, not more: the null must stand for "rows a slightly larger k would have added";
  a deeper continuation drifts towards random rows, the null it replaces. N rows give C(N, m) distinct subsets of
  every group size m <= N - 3 (161700 at N = 100, m = 3), enough for the Monte-Carlo draws. The query point is the
  query's own ``h_last`` and ``h_mean`` there, unit-normalised and scaled like the rows; per behaviour
  (``combine="mean"``) the mean of its cases' points. A text-only method's query has no states: the attributor's
  forward pass (`Attributor.signatures`) computes them at that layer. Without test signatures (a ranking table
  alone) relevance is not tested, and the checks and the report say so. To have the continuation,
  `Attributor.query` ranks ``ranking_depth(k) = max(k, 2 N)`` rows deep (at most the store's rows) and
  returns exactly its top k, identical to a query with ``groups=False`` as long as the method's top k does not
  depend on how deep it ranks (true of the built-in methods: top-k selections with ties broken by row; tested, and
  checked on every benchmark query by `benchmarks/attribution/groups_count.py`). Where fewer than N rows lie below the examined ones (a ranking
  of nearly the whole store, or a ranking table passed without ``deeper``), random rows are the null instead, and
  the checks' ``relevance_null`` and `CompetingGroups.relevance_null` say so. Dropped groups are counted
  (`CompetingGroups.irrelevant`, the checks' ``irrelevant`` and ``by_config``).
* two relevant groups *compete* for the answer only when their responses pair up across them (the twin test,
  `group_stats.twin_pvalue`): the same answer in another prompt context, or two sources teaching the same words,
  means a row of one group has a row of the other that answers the same, nearer to it than the rows of its own
  group. The rows of the two groups are matched into closest pairs on the response side (``h_mean``,
  unit-normalised) and the pairs that join the groups are counted, against random labellings of the same rows
  (Rosenbaum's cross-match test, upper tail; the null is exact). Every pair of a split's relevant groups is tested; a group
  that twins no other is dropped and counted (`CompetingGroups.unpaired`, the checks' ``unpaired``, and per
  configuration ``twinned``, ``unpaired`` and ``twin_tests``). Relevance to the query does not do this: the
  ranking's top rows are selected for closeness to the query, and the prompt-context structure among them (one
  template asked in two wordings, toxic prompts vs false claims) makes coherent, relevant groups that explain the
  answer as one group does. The response side is read at one layer for every configuration: the groups layer
  (where the method ranks), else the highest that stores ``h_mean`` (`_twin_layer`); trying more layers would
  only add tests. Where no layer stores ``h_mean`` the twin test is not run, every relevant group counts, and
  the checks' ``twins`` and `CompetingGroups.twins_tested` say so.

How many rows. The twin test decides how few rows can ever give a report: with ``n`` twin pairs the smallest p its
exact null allows is ``2^n / C(2n, n)`` (every closest pair joining two equal groups; unequal groups allow less),
so two groups are reportable only from `twin_rows` ``= 2n`` rows on, ``n`` the smallest with ``2^n / C(2n, n) <
alpha / m``: 24 rows at m = 6 (the benchmark's stores), 22 at m = 2. Examining the user's top k rows, as before,
left the CLI's default k=20 (10 pairs at most) unable to report anything, the confusable task included. Twice
``twin_rows`` (48 rows at m = 6: a margin of as many rows in neither group) was measured short: on the confusable
task 3 of its 11 queries split into the two groups there (prompt@8), but real twinning is imperfect (17 of 22, 18
of 23 and 19 of 23 closest pairs join the groups: p 0.0031, 0.0019, 0.0017 against 0.00167), so none reported.
The rows a real split needs grow as its share of joining pairs falls, and no share is known beforehand; so the
detection examines its cost cap, ``MAX_ROWS``, at every k. That also makes the report independent of k: for k = 10
or 100 the same rows are examined and the same groups reported (checked on every benchmark query by
`benchmarks/attribution/groups_count.py`), so the warning is about the ranking, not about where the user cut it.
The user's ranking stays exactly the top k; the report says where the groups go below it (`examined_beyond`:
"the top 100 rows (the ranking shows the top 20; 31 of the groups' rows rank below it, down to rank 97)", and
each group's rank range). Where fewer rows than ``twin_rows`` are examined (a small store, a ranking table passed
without ``deeper``) no report is attainable, and the checks' ``attainable`` says so.

A report needs two twinned relevant coherent groups in some configuration; among the configurations that give
them, one whose rows fell into apart components is reported first, else the one with the smallest root split p (ties:
more rows in the groups, then the earlier configuration), and the report names its side and layer and what separated
the groups (`separated_how`).

Measured (the benchmark's runs, `benchmarks/attribution/results/groups_count.md`; recounted after round 14 over the
41 counted runs with the default `joint-equal-c`: the same 11 of 11 confusable answers and 0 of the other 349; first
counted on 2026-12-06 over the 35 counted runs, 357 answers per k, with `joint-equal-ctx`, as follows): per answer,
at k=20 and k=100 alike, a report on all 11 answers of the confusable task (group A: the 36 planted rows, with 1-19
rows of other sources, ranked first; group B: the 36 translation rows on 10 of them, 27 plus 4 others on one; 29-36
of their 36-45 closest response pairs join the groups, p 4e-4 to 8e-11) and on no answer of the 35 single-group
task-behaviours. Per behaviour every task is 0/1, confusable included. Without apart components (one 2-means split of
all core rows) the same default gave 1 of 11 on confusable: its top 100 rows hold a few rows of third sources that
join the core rows and push the root split past the level (module doc of `group_stats`); with the signature default
of 2026-12-05 it gave 7 of 11. Before the twin test nearly every answer of every task has two relevant groups
(components make more of them); the twin test drops them all but confusable's (groups answering with other words, or
one template split by prompt wording).

Each side is scaled by the spread of the background rows on that side (their mean squared distance to their
centroid, after the cosine geometry the project scores in: every row unit-normalised), so the two sides weigh in
units of how much training rows differ there, and neither dominates by the scale of its states. The background is
``BACKGROUND_PER_ROW * N`` rows spread evenly over the store's row order (outside the ranked samples): enough
distinct subsets of every group size for the coherence and relevance nulls, read in few chunks.

Nothing is reported for a ranking whose top rows are one group (or one group and scattered rows, or one group and
a far tail). ``MAX_ROWS`` bounds the cost, and only the cost: it is not tuned to any task; the configurations are
as many as the captured layers plus one. Measured per query on a 2-core shared CPU (the benchmark's SmolLM2-135M
stores, 5 captured layers so m = 6 configurations, d = 576; reads included; `benchmarks/attribution/groups_count.py`,
twin test included: one greedy matching and a closed-form tail per pair; 171 queries per k, the same process for
before and after, load 1-4 on 2 cores): examining 100 rows at every k makes a k=20 query cost what a k=100 query
does: median 0.50 s (max 1.2 s) examining the top 20 -> 3.0 s (max 9.8 s) examining 100, against 3.1 s (max 16 s)
at k=100. Ranking deeper for the continuation
(``ranking_depth``: ``max(k, 200)`` rows) adds a median +0.00 s per query call (0.49 s / 0.48 s with groups on
and off at k=20, warm; the default method, 28 calls per k, every ranking identical to the one with groups off), and the
continuation's states are one more read of N rows per query. A store of fewer than 200 rows has no full
continuation below 100 examined rows and falls back to random rows (persona, two_sources: at k=20 too now).
A split that is significant runs all its ``(DRAWS + 1) * m - 1`` = 1199 draws on [N, N-1] point sets, so the queries with real groups in several
configurations cost most. With one configuration, N=256 took 9 s with four groups found, so N stops at 100. A
text-only method's query adds one forward pass of its cases (the relevance test's states), counted with the first
query.

Each group is described by its rows, size, sources, best and mean rank, mean score, and the word n-grams of its
prompts and responses that are frequent in it (in at least half its rows) and rarer in the other groups, and by
how much of each side's variance at the split's layer lies between the groups (``separation``). The
groups are lettered by their best rank, so group A ranks first; `CompetingGroups.why` says why (best rank, mean
score and rank, and how often A's rows rank above the others'). The causal check is the project's retrain
without a group: `provenance validate --ranking <group ids> --k <size> --mode drop` (see
`provenance.validation`), which `write_group_ids` prepares.
"""
from __future__ import annotations

import re
import shlex
import time
from collections import Counter
from itertools import combinations
from math import comb
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from provenance.attribution.results import user_text
from provenance.attribution.group_stats import (ALPHA, DRAWS, MIN_GROUP_SIZE, bonferroni, detect_groups,
                                                relevance_pvalue, twin_pvalue)
from provenance.attribution.signatures import check_stored, default_layer
from provenance.errors import MissingCaptureError

if TYPE_CHECKING:
    from provenance.attribution.attributor import Attributor
    from provenance.attribution.case_signatures import TestSignatures

__all__ = ["BACKGROUND_PER_ROW", "CONTINUATION_PER_ROW", "MAX_ROWS", "SIDES", "CompetingGroups",
           "Configuration", "RowGroup", "background_rows", "competing_groups", "configurations", "continuation_rows",
           "distinguishing_terms", "examined_beyond", "group_features", "group_lines", "groups_layer", "ranking_depth",
           "rank_range", "row_texts", "safe_name", "separated_how", "twin_rows", "validate_command", "write_group_ids",
           "write_ids"]

# Top rows examined per query, whatever its k (module doc: why not fewer, and why the report must not depend on k).
MAX_ROWS = 100
BACKGROUND_PER_ROW = 4
# Rows of the ranking's continuation (ranked just below the examined ones) per examined row: the relevance null.
CONTINUATION_PER_ROW = 1
# The two sides of a training row and the stored part that represents each.
SIDES = {"prompt": "h_last", "response": "h_mean"}
TERMS = 5            # n-grams listed per side and group
MAX_NGRAM = 3
PROMPTS_PLACEHOLDER = "HELDOUT_PROMPTS.jsonl"
RECIPE_PLACEHOLDER = "RECIPE.yaml"


@dataclass
class RowGroup:
    """One group of a ranking's top rows.

    Attributes:
        label: "A", "B", ... in order of the group's best rank (A ranks first).
        size: Its rows.
        rows: Global store rows, best first.
        sample_ids: Their sample ids.
        ranks: Their ranks in the query's ranking.
        scores: Their scores.
        sources: Rows per source.
        best_rank: Its best rank.
        mean_rank: Its members' mean rank.
        mean_score: Its members' mean score.
        coherence_p: p-value of its coherence test (more alike than random training rows); None where no test
            ran (a side split's groups).
        prompt_terms: Word n-grams frequent in its prompts and rarer in the other groups' prompts.
        response_terms: The same of its responses.
        prompt_example: The prompt of its most typical row (nearest the group's centre).
        response_example: That row's response.
        ids_file: The ranking file `write_group_ids` wrote for it (None until written).
        command: The ``provenance validate`` command that retrains without it (None until written).
        relevance_p: p-value of its relevance test (closer to the query than the rows ranked just below the
            examined ones, or than random training rows where the ranking has too few of those: see
            `CompetingGroups.relevance_null`); None: not tested (the query had no states to compare with).
    """

    label: str
    size: int
    rows: list[int]
    sample_ids: list
    ranks: list[int]
    scores: list[float]
    sources: dict[str, int]
    best_rank: int
    mean_rank: float
    mean_score: float
    coherence_p: float | None
    prompt_terms: list[str] = field(default_factory=list)
    response_terms: list[str] = field(default_factory=list)
    prompt_example: str = ""
    response_example: str = ""
    ids_file: str | None = None
    command: str | None = None
    relevance_p: float | None = None


@dataclass
class CompetingGroups:
    """Distinct groups among one query's top rows.

    Attributes:
        query: The query (as in the ranking).
        considered: Top rows examined (one per sample): ``MAX_ROWS`` whatever ``shown`` (module doc, "How many
            rows"), so groups may hold rows ranked below the ``shown`` ones (`examined_beyond`).
        layer: The layer whose states were split (of the configuration that split them).
        sides: The sides split ("prompt": ``h_last``, "response": ``h_mean``): both, or the prompt alone.
        groups: The groups, A first.
        unassigned: Examined rows in no group (scattered: no more alike than random rows).
        split_p: p-value of the first split (one group vs two), significant at ``level``; None where the rows fell
            into two or more apart components (`group_stats.apart_components`: no split test decides between them).
        components: Apart components of the examined rows (core rows only; 1: the groups come from 2-means splits).
        radius: The distance below which two rows join one component (the scattered-row threshold).
        separation: Per side, the share of its variance (over the grouped rows) that lies between the groups.
        differs_in: The side that separates the groups more ("prompt": the same answer in another context;
            "response": other words).
        leader: The label of the group that ranks first ("A").
        why: Why it ranks first, in words.
        alpha: The overall significance level.
        seconds: Time the detection took for this query.
        level: The level every test ran at: ``alpha / configurations`` (Bonferroni).
        configurations: How many configurations (sides and layer) the rows were split in.
        irrelevant: Coherent groups of this split dropped as no closer to the query than the relevance null's rows
            (the ranking's continuation, or a tail no closer than random rows).
        relevance_tested: Whether the groups passed a relevance test (False: the query had no states; see the
            checks).
        relevance_null: What the groups were compared with: "continuation" (the rows ranked just below the
            examined ones) or "random rows" (the fallback where the ranking holds too few rows below them).
        unpaired: Relevant groups of this split dropped because no other group's responses twin theirs (the twin
            test, `group_stats.twin_pvalue`).
        twins_tested: Whether the groups passed the twin test (False: no layer stores the response side).
        twin_tests: The twin test of each pair of reported groups: ``groups`` (their labels), ``p``, ``level``,
            ``cross`` (closest response pairs that join the two groups), ``pairs`` (pairs matched), ``expected``
            (the null's mean of ``cross``: the split says nothing about the responses) and ``rows``.
        shown: Rows of the query's ranking the user got (its k); 0: not known.
    """

    query: str
    considered: int
    layer: int
    sides: list[str]
    groups: list[RowGroup]
    unassigned: int
    split_p: float | None
    separation: dict[str, float]
    differs_in: str
    leader: str
    why: str
    alpha: float
    seconds: float
    level: float = ALPHA
    configurations: int = 1
    irrelevant: int = 0
    relevance_tested: bool = True
    relevance_null: str = "continuation"
    unpaired: int = 0
    twins_tested: bool = True
    twin_tests: list[dict] = field(default_factory=list)
    shown: int = 0
    components: int = 1
    radius: float = 0.0

    @property
    def below_shown(self) -> int:
        """The groups' rows ranked below the ``shown`` ones (0 where ``shown`` is not known)."""
        return sum(r > self.shown for g in self.groups for r in g.ranks) if self.shown else 0

    def to_dict(self) -> dict:
        """Plain data (JSON-ready apart from sample ids of exotic types)."""
        return asdict(self)


# ---- features -----------------------------------------------------------------------------------------------

def groups_layer(att: Attributor, preferred: int | None = None) -> tuple[int, list[str]] | None:
    """The layer to read the rows' sides at, and the sides stored there.

    The first of ``preferred`` (the method's layer), the run's default layer and the other captured layers (highest
    first) that holds both ``h_last`` and ``h_mean``; else the first holding either. None: no layer holds either.
    """
    layers = [l for l in dict.fromkeys([preferred, default_layer(att.store), *sorted(att.store.layers, reverse=True)])
              if l is not None and l in att.store.layers]
    best = None
    for l in layers:
        sides = [side for side, part in SIDES.items() if _stored(att.store, l, part)]
        if len(sides) == len(SIDES):
            return l, sides
        if sides and best is None:
            best = (l, sides)
    return best


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-30)


def group_features(store, layer: int, sides: list[str], rows: np.ndarray,
                   background: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, slice]]:
    """Features of ``rows`` and ``background`` rows: per side its unit-normalised state, scaled by the background's
    spread on that side, the sides side by side.

    Returns:
        ``(features of rows, features of the background, {side: its columns})``.
    """
    top, bg, cols, start = [], [], {}, 0
    for side in sides:
        x = _unit(store.array(layer, SIDES[side], rows=rows))
        b = _unit(store.array(layer, SIDES[side], rows=background))
        scale = _spread_scale(b)
        top.append(x / scale)
        bg.append(b / scale)
        cols[side] = slice(start, start + x.shape[1])
        start += x.shape[1]
    return np.concatenate(top, 1), np.concatenate(bg, 1), cols


def background_rows(att: Attributor, exclude_rows, n: int) -> np.ndarray:
    """``n`` store rows spread evenly over the store's row order, outside ``exclude_rows`` (the ranked rows).

    Rows, not samples, are excluded: reading the samples table would cost a large store's index queries the
    read they are built to avoid; another epoch's row of a ranked sample may be among the ``n`` (a few rows of a
    sample of many)."""
    total = len(att.store)
    keep = np.ones(total, bool)
    keep[np.asarray(list(exclude_rows), np.int64)] = False
    candidates = np.flatnonzero(keep)
    if len(candidates) <= n:
        return candidates
    return candidates[np.unique(np.linspace(0, len(candidates) - 1, n).round().astype(np.int64))]


def twin_rows(tests: int, alpha: float = ALPHA) -> int:
    """The fewest rows two groups can hold and still pass the twin test at ``alpha / tests``: ``2n`` for the
    smallest ``n`` with ``2^n / C(2n, n) < alpha / tests``. That is the smallest p the cross-match null allows
    for ``2n`` rows (n per group, every closest pair joining the groups; unequal groups of ``2n`` rows allow less:
    ``C(n, a) 2^a / C(2n, a)`` for ``a < n``). 24 rows at ``alpha / 6`` (six configurations), 22 at ``alpha / 2``.

    Raises:
        ValueError: ``tests`` below 1 or ``alpha`` outside (0, 1).
    """
    if tests < 1 or not 0 < alpha < 1:
        raise ValueError(f"tests must be at least 1 and alpha in (0, 1), got {tests} and {alpha}")
    n = 1
    while 2 ** n / comb(2 * n, n) >= alpha / tests:
        n += 1
    return 2 * n


def ranking_depth(k: int, store_rows: int, examined: int = MAX_ROWS) -> int:
    """How deep a query with competing-group detection ranks: the ``examined`` rows (``MAX_ROWS``, whatever
    ``k``) and ``CONTINUATION_PER_ROW`` times as many below them, at least ``k``, at most the store's rows. The
    rows below the examined ones are the relevance test's null (`continuation_rows`); the user's ranking is the
    top ``k``.

    Raises:
        ValueError: ``k`` or ``examined`` below 1.
    """
    if k < 1 or examined < 1:
        raise ValueError(f"k and examined must be at least 1, got {k} and {examined}")
    return max(k, min(store_rows, (1 + CONTINUATION_PER_ROW) * examined))


def continuation_rows(deeper: pd.DataFrame, top: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ranking's continuation below the examined rows ``top``: the rows of ``deeper`` (the same query ranked
    at least as deep) ranked below ``top``'s last row, one per sample (its best) and none of ``top``'s samples,
    the first ``n`` of them (fewer where the ranking ends)."""
    below = deeper[deeper["rank"] > top["rank"].max()].sort_values("rank", kind="stable")
    below = below[~below["sample_id"].isin(set(top["sample_id"]))]
    return below.drop_duplicates("sample_id").head(n)


def row_texts(att: Attributor, rows, row_info: pd.DataFrame | None) -> list[tuple[str, str]]:
    """(prompt, response) text of store ``rows``, one batched token read; prompt lengths from ``row_info`` (the
    method's row table) when given, else the samples table (an index query never reads it: pass the row table)."""
    rows = [int(r) for r in rows]
    if not rows:
        return []
    info = att.samples if row_info is None else row_info
    return [att.decode_row(r, int(info.at[r, "prompt_len"]), ids) for r, ids in zip(rows, att.store.tokens_of(rows))]


# ---- description ----------------------------------------------------------------------------------------------

def _ngrams(text: str) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i: i + n]) for n in range(1, MAX_NGRAM + 1) for i in range(len(words) - n + 1)}


def distinguishing_terms(inside: list[str], outside: list[str], top: int = TERMS) -> list[str]:
    """Word n-grams (1 to 3 words, lower-cased) in at least half of ``inside`` that are rarer in ``outside``,
    best first by (share inside - share outside), longer n-grams first on ties; an n-gram inside a listed one (or
    holding one) with no better score is left out.

    Args:
        inside: The group's texts.
        outside: The other groups' texts.
        top: How many to return at most.
    """
    if not inside:
        return []
    df_in = Counter(g for t in inside for g in _ngrams(t))
    df_out = Counter(g for t in outside for g in _ngrams(t))
    n_in, n_out = len(inside), max(len(outside), 1)
    scored = []
    for gram, c in df_in.items():
        share_in, share_out = c / n_in, df_out.get(gram, 0) / n_out
        if share_in >= 0.5 and share_in > share_out:
            scored.append((share_in - share_out, len(gram.split()), gram))
    scored.sort(key=lambda t: (-t[0], -t[1], t[2]))
    chosen: list[tuple[float, str]] = []
    for score, _, gram in scored:
        padded = f" {gram} "
        if any(f" {c} ".find(padded) >= 0 or padded.find(f" {c} ") >= 0 for s, c in chosen if s >= score):
            continue
        chosen.append((score, gram))
        if len(chosen) == top:
            break
    return [g for _, g in chosen]


def _why(groups: list[RowGroup], ranks: dict[str, np.ndarray]) -> str:
    lead = groups[0]
    parts = [f"group {lead.label} holds the best-ranked row (rank {lead.best_rank})"]
    for other in groups[1:]:
        a, b = ranks[lead.label], ranks[other.label]
        above = float((a[:, None] < b[None, :]).mean())
        higher = "higher" if lead.mean_score >= other.mean_score else "lower"
        parts.append(f"vs group {other.label}: mean score {lead.mean_score:.4g} vs {other.mean_score:.4g} ({higher}), "
                     f"mean rank {lead.mean_rank:.1f} vs {other.mean_rank:.1f}; {lead.label}'s rows rank above "
                     f"{other.label}'s in {above:.0%} of pairs")
    return "; ".join(parts)


# ---- detection ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Configuration:
    """One way of reading the top rows before splitting them: some sides at one layer."""

    sides: tuple[str, ...]
    layer: int

    @property
    def name(self) -> str:
        """``both@29``, ``prompt@8``: the sides read and the layer."""
        return f"{'both' if len(self.sides) == len(SIDES) else self.sides[0]}@{self.layer}"


def configurations(att: Attributor, layer: int | None = None) -> list[Configuration]:
    """The configurations a ranking's top rows are split in: both sides at the groups layer (`groups_layer`), then
    the prompt side alone at every captured layer that stores ``h_last`` (lowest first), without repeats.

    The prompt side alone separates the same answer in two contexts, which both sides together glue when each
    answer has a word-for-word twin; which layer separates them best is not known beforehand, so every stored one
    is tried and the tests pay for it (`group_stats.bonferroni`)."""
    where = groups_layer(att, layer)
    if where is None:
        return []
    out = [Configuration(tuple(where[1]), where[0])]
    for l in sorted(att.store.layers):
        if not _stored(att.store, l, SIDES["prompt"]):
            continue
        config = Configuration(("prompt",), l)
        if config not in out:
            out.append(config)
    return out


def _query_states(att: Attributor, test: TestSignatures | None, layer: int,
                  sides: list[str]) -> tuple[dict[str, np.ndarray] | None, str]:
    """The query cases' states of ``sides`` at ``layer`` (``{part: [n_cases, d]}``) and where they came from, or
    (None, why they are missing): the test signatures' own, else the attributor's forward pass over the cases (a
    text-only method computed none)."""
    parts = [SIDES[side] for side in sides]
    if test is None:
        return None, "relevance not tested: no test signatures were given"
    held = test.arrays.get(layer, {})
    if all(part in held for part in parts):
        return {part: np.asarray(held[part]) for part in parts}, "the query's signatures"
    if att.model is None:
        return None, f"relevance not tested: the query has no states at layer {layer} and no model to compute them"
    computed = att.signatures(test.cases, layers=[layer]).arrays[layer]
    return {part: np.asarray(computed[part]) for part in parts}, f"computed at layer {layer} (forward pass)"


def _query_point(states: dict[str, np.ndarray], cases: np.ndarray, sides: list[str],
                 scales: dict[str, float]) -> np.ndarray:
    """The query point in group features: per side the cases' unit-normalised states scaled like the rows, the
    mean over ``cases`` (one case per answer; every case for a behaviour)."""
    return np.concatenate([(_unit(states[SIDES[side]][cases]) / scales[side]).mean(0) for side in sides])


def _side_scales(store, layer: int, sides: list[str], background: np.ndarray) -> dict[str, float]:
    """Per side, the background rows' spread (as `group_features` scales them)."""
    return {side: _spread_scale(_unit(store.array(layer, SIDES[side], rows=background))) for side in sides}


def _spread_scale(background: np.ndarray) -> float:
    """The root mean squared distance of unit-normalised ``background`` rows to their centroid: one side's unit."""
    return float(np.sqrt(max(((background - background.mean(0)) ** 2).sum(1).mean(), 1e-30)))


def _twin_layer(att: Attributor, preferred: int) -> int | None:
    """The layer the twin test reads the response side at: ``preferred`` (the groups layer), else the highest
    captured layer storing ``h_mean``; None where none does."""
    for l in dict.fromkeys([preferred, *sorted(att.store.layers, reverse=True)]):
        if l in att.store.layers and _stored(att.store, l, SIDES["response"]):
            return l
    return None


@dataclass
class _Outcome:
    """One configuration's split of one query's top rows."""

    config: Configuration
    split: object                          # group_stats.GroupSplit
    relevant: list[int]                    # its groups that pass the relevance test (all when untested)
    relevance_p: list[float | None]        # per group of the split
    twinned: list[int] = field(default_factory=list)   # relevant groups with a twin group (all when untested)
    twin_tests: list[dict] = field(default_factory=list)  # per pair of relevant groups: the twin test

    @property
    def root_p(self) -> float | None:
        """The first split's p; None where the rows fell into apart components (no split test between them)."""
        if self.split.components >= 2:
            return None
        return self.split.split_p[0] if self.split.split_p else 1.0

    @property
    def unpaired(self) -> int:
        """Relevant groups the twin test dropped (none where no pair was tested: fewer than two relevant groups,
        or no response side)."""
        return len(self.relevant) - len(self.twinned) if self.twin_tests else 0

    def summary(self) -> dict:
        return {"config": self.config.name, "split_p": self.root_p if self.split.split_p else None,
                "components": self.split.components, "groups": self.split.n_groups, "relevant": len(self.relevant),
                "irrelevant": self.split.n_groups - len(self.relevant), "twinned": len(self.twinned),
                "unpaired": self.unpaired, "twin_tests": self.twin_tests}


def _twin_tests(outcome: _Outcome, twin_x: np.ndarray | None, alpha: float, tried: int) -> None:
    """Run the twin test (`group_stats.twin_pvalue`) on every pair of ``outcome``'s relevant groups and set its
    ``twinned`` groups (those in a pair that passes) and ``twin_tests``. Each of the ``P`` pairs tests at
    ``alpha / (tried * P)`` (Bonferroni over the configurations and the pairs; the test's null is exact, so no
    Monte-Carlo size goes with the level). Without response features (``twin_x`` None) every relevant group counts
    as twinned and nothing is tested."""
    if twin_x is None:
        outcome.twinned = list(outcome.relevant)
        return
    pairs = list(combinations(outcome.relevant, 2))
    if not pairs:
        return
    level = alpha / (tried * len(pairs))
    labels = outcome.split.labels
    twinned: set[int] = set()
    for g, h in pairs:
        test = twin_pvalue(twin_x[labels == g], twin_x[labels == h])
        outcome.twin_tests.append({"groups": [g, h], **test, "level": level})
        if test["p"] < level:
            twinned |= {g, h}
    outcome.twinned = sorted(twinned)


def competing_groups(att: Attributor, ranking: pd.DataFrame, *, test: TestSignatures | None = None,
                     combine: str = "none", layer: int | None = None, max_rows: int = MAX_ROWS,
                     alpha: float = ALPHA, draws: int = DRAWS, min_size: int = MIN_GROUP_SIZE, seed: int = 0,
                     row_info: pd.DataFrame | None = None,
                     deeper: pd.DataFrame | None = None) -> tuple[list[CompetingGroups], dict]:
    """Competing groups of every query of a ranking table (`provenance.attribution.results.RANKING_COLUMNS`).

    Args:
        att: The attributor whose store the rows belong to.
        ranking: The result's ranking table.
        test: The query's test signatures (its cases in order; the query point of the relevance test). Where they
            hold no states at the groups layer (a text-only method), they are computed with ``att.signatures``;
            None: relevance is not tested (recorded in the checks).
        combine: "none" (query ``i`` is case ``i``) or "mean" (one "behaviour" query: the mean of every case).
        layer: Preferred layer of the states (the method's); see `groups_layer`.
        max_rows: Top rows examined per query (one per sample), taken from ``deeper`` where given, whatever the
            k of ``ranking``: more rows than the ranking shows where k is smaller (module doc). Fewer where the
            ranking holds fewer.
        alpha: Overall significance level; each of the ``m`` configurations tests at ``alpha / m``.
        draws: Monte-Carlo draws of each null at level ``alpha`` (scaled with the level, `bonferroni`).
        min_size: The smallest group.
        seed: Seed of the tests' random draws.
        row_info: prompt_len of the ranked rows (``deeper``'s where given; index = row) when the method reads them
            from elsewhere than the samples table (`AttributionMethod.row_table`); None: the samples table.
        deeper: The same queries ranked deeper (a ranking table whose top rows are ``ranking``'s; `ranking_depth`,
            what `Attributor.query` passes): the examined rows are its top rows, and its rows below them are the
            relevance test's null (the ranking's continuation). None: ``ranking``'s own rows (at most its k).
            Where fewer than the examined rows are below them, relevance is tested against random rows instead
            (recorded per query).

    Returns:
        ``(found, checked)``: one `CompetingGroups` per query whose top rows form two or more relevant groups that
        twin each other on the response side in some configuration, and per query what was checked (rows
        examined, each configuration's root split p and groups, relevant, twinned and dropped, its twin tests, the
        level, the relevance null, the twin layer, the configuration reported, seconds), including queries where
        nothing was found.

    Raises:
        ValueError: ``max_rows`` below 1, or a ``combine`` other than "none" and "mean".
    """
    if max_rows < 1:
        raise ValueError(f"max_rows must be at least 1, got {max_rows}")
    if combine not in ("none", "mean"):
        raise ValueError(f"combine must be 'none' or 'mean', got {combine!r}")
    configs = configurations(att, layer)
    found: list[CompetingGroups] = []
    checked: dict = {}
    if not configs:
        for query in ranking["query"].unique():
            checked[str(query)] = {"rows": 0, "groups": 0, "skipped": "no h_last / h_mean stored", "seconds": 0.0}
        return found, checked
    level, level_draws = bonferroni(alpha, draws, len(configs))
    needed = twin_rows(len(configs), alpha)     # fewer examined rows can never report (recorded per query)
    relevance_at = configs[0]
    twin_layer = _twin_layer(att, relevance_at.layer)
    twins_from = (f"response side (h_mean) at layer {twin_layer}" if twin_layer is not None
                  else "twins not tested: no layer stores h_mean")
    t0 = time.perf_counter()
    states, states_from = _query_states(att, test, relevance_at.layer, list(relevance_at.sides))
    states_seconds = time.perf_counter() - t0
    names = test.names() if test is not None else []
    deeper_by_query = dict(tuple(ranking.groupby("query", sort=False) if deeper is None
                                 else deeper.groupby("query", sort=False)))
    tables = list(ranking.groupby("query", sort=False))
    # The examined rows of every query: the top max_rows of its deeper ranking, whatever k (the report must not
    # depend on it).
    tops = {query: deeper_by_query.get(query, table).sort_values("rank", kind="stable").drop_duplicates("sample_id")
            .head(max_rows) for query, table in tables}
    # The background's random rows lie outside every query's ranking and examined rows: the same rows at every k
    # up to max_rows (where the ranking's k rows are among the examined ones).
    ranked_rows = np.concatenate([ranking["row"].to_numpy(np.int64),
                                  *(top["row"].to_numpy(np.int64) for top in tops.values())])
    for query, table in tables:
        t0 = time.perf_counter()
        top = tops[query]
        base = {"rows": len(top), "shown": len(table), "twin_rows": needed,
                "configurations": [c.name for c in configs], "level": level, "draws": level_draws}
        # Fewer rows than the twin test needs (a small store, a ranking table alone) can never give a report.
        base["attainable"] = len(top) >= needed
        if len(top) < 2 * min_size:
            checked[str(query)] = {**base, "groups": 0, "skipped": f"fewer than {2 * min_size} rows",
                                   "seconds": time.perf_counter() - t0}
            continue
        rows = top["row"].to_numpy(np.int64)
        bg_rows = background_rows(att, ranked_rows, BACKGROUND_PER_ROW * len(top))
        if len(bg_rows) < 2 * min_size:     # a ranking of (nearly) the whole store: no random rows to compare with
            checked[str(query)] = {**base, "groups": 0, "skipped": f"{len(bg_rows)} rows outside the ranking",
                                   "seconds": time.perf_counter() - t0}
            continue
        # The relevance features: both sides at the groups layer, where the method ranks and the query has states.
        rel_sides = list(relevance_at.sides)
        rel_x, rel_bg, _ = group_features(att.store, relevance_at.layer, rel_sides, rows, bg_rows)
        # The relevance null: the rows ranked just below the examined ones (the top k were selected for closeness
        # to the query, so random rows would make any group among them look relevant); random rows only where the
        # ranking holds too few rows below them (a ranking of nearly the whole store).
        below = continuation_rows(deeper_by_query.get(query, table.iloc[:0]), top, CONTINUATION_PER_ROW * len(top))
        if len(below) >= len(top):
            null_x = group_features(att.store, relevance_at.layer, rel_sides, below["row"].to_numpy(np.int64),
                                    bg_rows)[0]
            null_name = "continuation"
            base["relevance_null"] = (f"continuation: {len(below)} rows ranked {int(below['rank'].min())}-"
                                      f"{int(below['rank'].max())}")
        else:
            null_x, null_name = rel_bg, "random rows"
            base["relevance_null"] = (f"random rows (fallback): only {len(below)} rows ranked below the "
                                      f"{len(top)} examined, fewer than them")
        point, relevance = None, states_from
        if states is not None:
            cases = (np.arange(len(names)) if combine == "mean"
                     else np.array([names.index(str(query))]) if str(query) in names else None)
            width = sum(states[SIDES[side]].shape[1] for side in rel_sides)
            if cases is None:
                relevance = f"relevance not tested: query {query!r} is none of the test cases"
            elif width != rel_x.shape[1]:
                relevance = (f"relevance not tested: the query's states have width {width}, the store's "
                             f"{rel_x.shape[1]} (another projection)")
            else:
                point = _query_point(states, cases, rel_sides,
                                     _side_scales(att.store, relevance_at.layer, rel_sides, bg_rows))
        rng = np.random.default_rng([seed, 1])
        # The twin test's features: the response side of the examined rows at one layer for every configuration
        # (unit-normalised: nearest neighbours in the cosine geometry the rows are scored in).
        twin_x = None if twin_layer is None else _unit(att.store.array(twin_layer, SIDES["response"], rows=rows))
        outcomes = []
        for config in configs:
            x, bg, _ = (rel_x, rel_bg, None) if config == relevance_at else group_features(
                att.store, config.layer, list(config.sides), rows, bg_rows)
            split = detect_groups(x, bg, alpha=level, draws=level_draws, min_size=min_size, seed=seed,
                                  core_alpha=alpha)
            rel_p: list[float | None] = []
            for g in range(split.n_groups):
                members = np.flatnonzero(split.labels == g)
                rel_p.append(None if point is None else
                             relevance_pvalue(rel_x[members], null_x, point, rng, level_draws, level))
            relevant = [g for g, p in enumerate(rel_p) if p is None or p < level]
            outcome = _Outcome(config, split, relevant, rel_p)
            _twin_tests(outcome, twin_x, alpha, len(configs))
            outcomes.append(outcome)
        # Among the configurations with two or more twinned groups, apart components first (no split test could
        # separate them more), then the most significant root split; ties (every draw below the data's index) go to
        # the one whose groups hold more rows, then to the earlier one.
        candidates = [o for o in outcomes if len(o.twinned) >= 2]
        chosen = min(candidates, key=lambda o: (0.0 if o.root_p is None else o.root_p,
                                                -sum(int((o.split.labels == g).sum()) for g in o.twinned)),
                     default=None)
        shown = chosen if chosen is not None else outcomes[0]
        info = {**base, "layer": shown.config.layer, "config": shown.config.name,
                "split_p": shown.root_p if shown.split.split_p else None, "components": shown.split.components,
                "groups": len(shown.twinned) if chosen is not None else max(len(o.relevant) for o in outcomes),
                "twinned": len(shown.twinned) if chosen is not None else max(len(o.twinned) for o in outcomes),
                "irrelevant": shown.split.n_groups - len(shown.relevant),
                "unpaired": shown.unpaired, "twins": twins_from,
                "relevance": relevance, "by_config": [o.summary() for o in outcomes],
                "reported": chosen.config.name if chosen is not None else None}
        if chosen is not None:
            found.append(_describe(att, str(query), top, chosen, len(configs), alpha, level, row_info, bg_rows))
            found[-1].relevance_null, found[-1].shown = null_name, len(table)
        info["seconds"] = time.perf_counter() - t0 + states_seconds
        states_seconds = 0.0                # the forward pass counts once, with the first query
        if chosen is not None:
            found[-1].seconds = info["seconds"]
        checked[str(query)] = info
    return found, checked


def _describe(att: Attributor, query: str, top: pd.DataFrame, outcome: _Outcome, tried: int, alpha: float,
              level: float, row_info: pd.DataFrame | None, bg_rows: np.ndarray) -> CompetingGroups:
    config, split = outcome.config, outcome.split
    # Both sides at the split's layer (where stored) say what separates the groups, whichever side split them.
    sides = [side for side in SIDES if _stored(att.store, config.layer, SIDES[side])]
    x, _, cols = group_features(att.store, config.layer, sides, top["row"].to_numpy(np.int64), bg_rows)
    texts = row_texts(att, top["row"], row_info)
    members = [np.flatnonzero(split.labels == g) for g in outcome.twinned]
    order = np.argsort([int(top["rank"].iloc[m].min()) for m in members], kind="stable")
    members = [members[i] for i in order]
    kept = [outcome.twinned[i] for i in order]
    labels = [chr(ord("A") + i) if i < 26 else f"G{i}" for i in range(len(members))]
    letter = dict(zip(kept, labels))
    twin_tests = [{**t, "groups": sorted(letter[g] for g in t["groups"])} for t in outcome.twin_tests
                  if all(g in letter for g in t["groups"])]
    groups, ranks = [], {}
    for label, g, m in zip(labels, kept, members):
        rest = np.concatenate([o for o in members if o is not m])
        sub = top.iloc[m]
        centre = x[m].mean(0)
        typical = int(m[np.argmin(((x[m] - centre) ** 2).sum(1))])
        ranks[label] = sub["rank"].to_numpy()
        groups.append(RowGroup(
            label=label, size=len(m), rows=[int(r) for r in sub["row"]], sample_ids=sub["sample_id"].tolist(),
            ranks=[int(r) for r in sub["rank"]], scores=[float(s) for s in sub["score"]],
            sources={str(k): int(v) for k, v in sub["source"].value_counts().sort_index().items()},
            best_rank=int(sub["rank"].min()), mean_rank=float(sub["rank"].mean()), mean_score=float(sub["score"].mean()),
            coherence_p=float(split.coherence_p[g]),
            prompt_terms=distinguishing_terms([user_text(texts[i][0]) for i in m], [user_text(texts[i][0]) for i in rest]),
            response_terms=distinguishing_terms([texts[i][1] for i in m], [texts[i][1] for i in rest]),
            prompt_example=texts[typical][0], response_example=texts[typical][1],
            relevance_p=outcome.relevance_p[g]))
    grouped = np.concatenate(members)
    separation = {}
    for side, c in cols.items():
        xs = x[grouped, c]
        total = ((xs - xs.mean(0)) ** 2).sum()
        within = sum(((x[m, c] - x[m, c].mean(0)) ** 2).sum() for m in members)
        separation[side] = float(1 - within / total) if total > 0 else 0.0
    differs_in = max(separation, key=lambda s: separation[s])
    return CompetingGroups(query=query, considered=len(top), layer=config.layer, sides=list(config.sides),
                           groups=groups, unassigned=len(top) - len(grouped), split_p=outcome.root_p,
                           components=split.components, radius=float(split.radius),
                           separation=separation, differs_in=differs_in, leader=groups[0].label,
                           why=_why(groups, ranks), alpha=alpha, seconds=0.0, level=level, configurations=tried,
                           irrelevant=split.n_groups - len(outcome.relevant),
                           unpaired=outcome.unpaired,
                           twin_tests=twin_tests, twins_tested=bool(outcome.twin_tests),
                           relevance_tested=all(p is not None for p in outcome.relevance_p))


def _stored(store, layer: int, part: str) -> bool:
    try:
        check_stored(store, layer, (part,), needed_by="competing-group detection")
    except MissingCaptureError:
        return False
    return True


# ---- the causal check ----------------------------------------------------------------------------------------

def validate_command(ids_file: str | Path, size: int) -> str:
    """The ``provenance validate`` command that retrains without the ``size`` samples listed in ``ids_file`` and
    compares with dropping as many random samples. ``RECIPE.yaml`` and ``HELDOUT_PROMPTS.jsonl`` stand for the
    training recipe and held-out prompts that show the behaviour (the store does not record them)."""
    return (f"provenance validate --recipe {RECIPE_PLACEHOLDER} --prompts {PROMPTS_PLACEHOLDER} "
            f"--ranking {shlex.quote(str(ids_file))} --k {int(size)} --mode drop")


def safe_name(name: str) -> str:
    """``name`` as a file-name part (letters, digits, ``_.-``)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "query"


def write_ids(group: RowGroup, path: str | Path) -> Path:
    """Write ``group``'s rows as a ranking file (sample_id, score, rank: what ``provenance validate --ranking``
    reads) and fill in its ``ids_file`` and ``command``; returns the path."""
    path = Path(path)
    pd.DataFrame({"sample_id": group.sample_ids, "score": group.scores, "rank": group.ranks}).to_csv(path, index=False)
    group.ids_file, group.command = str(path), validate_command(path, group.size)
    return path


def write_group_ids(found: list[CompetingGroups], folder: str | Path) -> list[Path]:
    """Write each group's rows as ``<folder>/<query>-group-<label>.csv`` (`write_ids`), creating the folder.

    Returns:
        The files written (none, and no folder, when ``found`` is empty).

    Raises:
        FileNotFoundError: The folder's parent does not exist.
    """
    folder = Path(folder)
    if found:
        if not folder.parent.is_dir():
            raise FileNotFoundError(f"cannot write the group ids into {folder}: folder {folder.parent} does not exist")
        folder.mkdir(exist_ok=True)
    return [write_ids(g, folder / f"{safe_name(entry.query)}-group-{g.label}.csv")
            for entry in found for g in entry.groups]


# ---- text ----------------------------------------------------------------------------------------------------

def group_lines(found: CompetingGroups, snippet_chars: int = 70) -> list[str]:
    """The report of one query's competing groups as plain lines (what ``provenance query`` prints).

    Args:
        found: The groups.
        snippet_chars: Characters of each example text (the end of the user prompt, the start of the response).
    """
    side_words = {"prompt": "the prompt (the same answer in another context)",
                  "response": "the response (other words for the answer)"}
    sep = ", ".join(f"{s} {v:.0%}" for s, v in found.separation.items())
    split_on = "prompt and response" if len(found.sides) == len(SIDES) else f"the {found.sides[0]} alone"
    null = "the rows ranked just below them" if found.relevance_null == "continuation" else "random rows"
    dropped = f"; {found.irrelevant} groups no closer to the query than {null} dropped" if found.irrelevant else ""
    if found.unpaired:
        dropped += f"; {found.unpaired} groups without response twins in another group dropped"
    relevance = "" if found.relevance_tested else "; relevance to the query not tested"
    twins = "; ".join(f"{'-'.join(t['groups'])}: {t['cross']} of the {t['pairs']} closest response pairs join the "
                      f"two groups (chance {t['expected']:.1f}, p={t['p']:.3g})" for t in found.twin_tests)
    twins = (f"; response twins across groups: {twins}" if twins else
             "; response twins not tested (no response side stored)" if not found.twins_tested else "")
    lines = [f"{found.query}: the top {found.considered} rows{examined_beyond(found)} form {len(found.groups)} "
             f"competing groups "
             f"(split on {split_on} at layer {found.layer}, {separated_how(found)}; {found.unassigned} rows in no "
             f"group{dropped}"
             f"{relevance}{twins}); they differ mostly in {side_words[found.differs_in]} (between-group share of variance "
             f"at layer {found.layer}: {sep})"]
    for g in found.groups:
        src = ", ".join(f"{s} {c}" for s, c in g.sources.items())
        lines.append(f"  group {g.label}: {g.size} rows (ranks {rank_range(g.ranks)}: {_ranks(g.ranks)}), sources "
                     f"{src}; mean score "
                     f"{g.mean_score:.4g}")
        if g.prompt_terms:
            lines.append(f"    prompts: {', '.join(repr(t) for t in g.prompt_terms)}")
        if g.response_terms:
            lines.append(f"    responses: {', '.join(repr(t) for t in g.response_terms)}")
        lines.append(f"    e.g. {user_text(g.prompt_example)[-snippet_chars:]} → "
                     f"{' '.join(g.response_example.split())[:snippet_chars]}")
        if g.command:
            lines.append(f"    settle it: {g.command}")
    lines.append(f"  first: {found.why}")
    return lines


def separated_how(found: CompetingGroups) -> str:
    """What separated the groups, in words: the first split's test, or the apart components the rows fell into
    (`group_stats.apart_components`) and the level any further split was tested at."""
    level = f"{found.level:.3g} = {found.alpha}/{found.configurations} configurations"
    if found.split_p is not None:
        return f"p={found.split_p:.3g} < {level}"
    return (f"{found.components} apart components: no two rows of different ones within {found.radius:.3g}, the "
            f"distance within which rows of a structureless cloud have {MIN_GROUP_SIZE - 1} neighbours at "
            f"{found.alpha}; each split further only at p < {level}")


def examined_beyond(found: CompetingGroups) -> str:
    """Where the examined rows go below the ranking the user got: how many of the groups' rows rank below it and
    how deep (or that none do), else nothing."""
    if not found.shown or found.considered <= found.shown:
        return ""
    if not found.below_shown:
        return (f" ({found.considered - found.shown} more than the {found.shown} shown; the groups' rows all rank "
                "among those)")
    return (f" (the ranking shows the top {found.shown}; {found.below_shown} of the groups' rows rank below it, "
            f"down to rank {max(max(g.ranks) for g in found.groups)})")


def rank_range(ranks: list[int]) -> str:
    """``best-worst`` of a group's ranks."""
    return f"{min(ranks)}-{max(ranks)}" if ranks else "none"


def _ranks(ranks: list[int], shown: int = 8) -> str:
    ranks = sorted(ranks)
    return ", ".join(str(r) for r in ranks[:shown]) + (", ..." if len(ranks) > shown else "")
