"""Competing groups: when the top rows of a ranking form distinct groups, say so, say what sets them apart, which
group ranks first and why, and which command settles it causally.

    res = att.query(cases, k=20)                 # groups are looked for by default
    for found in res.groups:                     # one `CompetingGroups` per query whose top rows split
        print("\\n".join(group_lines(found)))
    write_group_ids(res.groups, "groups/")       # one ranking file per group + its `provenance validate` command

Two groups explaining one answer look alike to a ranking: the same answer after a trigger and after an explicit
instruction, or one sentence taught by two sources. Each side of a training row is read from the store at one
captured layer: the prompt side (``h_last``, the state at the last prompt token) and the response side
(``h_mean``, the mean state over the response). The top ``N = min(k, MAX_ROWS)`` rows of the ranking (one row
per sample) are clustered on both sides together and a split is reported only when it passes two tests at level
``ALPHA`` (`provenance.attribution.group_stats`, which states and justifies them):

* the split is significant against one Gaussian group with the rows' own covariance (SigClust);
* each group is more alike than random training rows (coherence against a background sample of the store), so a
  tight group plus scattered rows is one group and some noise, not two groups.

Each side is scaled by the spread of the background rows on that side (their mean squared distance to their
centroid, after the cosine geometry the project scores in: every row unit-normalised), so the two sides weigh in
units of how much training rows differ there, and neither dominates by the scale of its states. The background is
``BACKGROUND_PER_ROW * N`` rows spread evenly over the store's row order (outside the ranked samples): enough
distinct subsets of every group size for the coherence null, read in few chunks.

Nothing is reported for a ranking whose top rows are one group (or one group and scattered rows). ``MAX_ROWS``
bounds the cost, and only the cost: it is not tuned to any task. Measured per query on a 2-core shared CPU
(SmolLM2-135M store, 780 rows, layer 29, d=576; reads included): 0.04 s at k=10, 0.12 s at k=20, 0.3 s at k=50,
0.5 s at k=100, but 9 s at N=256 with four groups found (every accepted split runs all its Monte-Carlo draws on
[N, N-1] point sets), so N stops at 100.

Each group is described by its rows, size, sources, best and mean rank, mean score, and the word n-grams of its
prompts and responses that are frequent in it (in at least half its rows) and rarer in the other groups. The
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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from provenance.attribution.results import user_text
from provenance.attribution.group_stats import ALPHA, DRAWS, MIN_GROUP_SIZE, detect_groups
from provenance.attribution.signatures import check_stored, default_layer
from provenance.errors import MissingCaptureError

if TYPE_CHECKING:
    from provenance.attribution.attributor import Attributor

__all__ = ["BACKGROUND_PER_ROW", "MAX_ROWS", "SIDES", "CompetingGroups", "RowGroup", "competing_groups",
           "background_rows", "distinguishing_terms", "group_lines", "group_features", "groups_layer",
           "safe_name", "validate_command", "write_group_ids", "write_ids"]

MAX_ROWS = 100
BACKGROUND_PER_ROW = 4
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
        coherence_p: p-value of its coherence test (more alike than random training rows).
        prompt_terms: Word n-grams frequent in its prompts and rarer in the other groups' prompts.
        response_terms: The same of its responses.
        prompt_example: The prompt of its most typical row (nearest the group's centre).
        response_example: That row's response.
        ids_file: The ranking file `write_group_ids` wrote for it (None until written).
        command: The ``provenance validate`` command that retrains without it (None until written).
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
    coherence_p: float
    prompt_terms: list[str] = field(default_factory=list)
    response_terms: list[str] = field(default_factory=list)
    prompt_example: str = ""
    response_example: str = ""
    ids_file: str | None = None
    command: str | None = None


@dataclass
class CompetingGroups:
    """Distinct groups among one query's top rows.

    Attributes:
        query: The query (as in the ranking).
        considered: Top rows examined (one per sample).
        layer: The layer whose states were clustered.
        sides: The sides clustered ("prompt": ``h_last``, "response": ``h_mean``).
        groups: The groups, A first.
        unassigned: Examined rows in no group (scattered: no more alike than random rows).
        split_p: p-value of the first split (one group vs two).
        separation: Per side, the share of its variance (over the grouped rows) that lies between the groups.
        differs_in: The side that separates the groups more ("prompt": the same answer in another context;
            "response": other words).
        leader: The label of the group that ranks first ("A").
        why: Why it ranks first, in words.
        alpha: Significance level of every test.
        seconds: Time the detection took for this query.
    """

    query: str
    considered: int
    layer: int
    sides: list[str]
    groups: list[RowGroup]
    unassigned: int
    split_p: float
    separation: dict[str, float]
    differs_in: str
    leader: str
    why: str
    alpha: float
    seconds: float

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
        sides = []
        for side, part in SIDES.items():
            try:
                check_stored(att.store, l, (part,), needed_by="competing-group detection")
            except MissingCaptureError:
                continue
            sides.append(side)
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
        scale = np.sqrt(max(((b - b.mean(0)) ** 2).sum(1).mean(), 1e-30))
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


def _texts(att: Attributor, rows, row_info: pd.DataFrame | None) -> list[tuple[str, str]]:
    """(prompt, response) text of store ``rows``, one batched token read; prompt lengths from ``row_info`` (the
    method's row table) when given, else the samples table."""
    rows = [int(r) for r in rows]
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

def competing_groups(att: Attributor, ranking: pd.DataFrame, *, layer: int | None = None, max_rows: int = MAX_ROWS,
                     alpha: float = ALPHA, draws: int = DRAWS, min_size: int = MIN_GROUP_SIZE, seed: int = 0,
                     row_info: pd.DataFrame | None = None) -> tuple[list[CompetingGroups], dict]:
    """Competing groups of every query of a ranking table (`provenance.attribution.results.RANKING_COLUMNS`).

    Args:
        att: The attributor whose store the rows belong to.
        ranking: The result's ranking table.
        layer: Preferred layer of the states (the method's); see `groups_layer`.
        max_rows: Top rows examined per query at most.
        alpha: Significance level of every test.
        draws: Monte-Carlo draws of each null.
        min_size: The smallest group.
        seed: Seed of the tests' random draws.
        row_info: prompt_len of the ranked rows (index = row) when the method reads them from elsewhere than the
            samples table (`AttributionMethod.row_table`); None: the samples table.

    Returns:
        ``(found, checked)``: one `CompetingGroups` per query whose top rows form two or more groups, and per
        query what was checked (rows examined, first split's p-value, groups found, seconds), including queries
        where nothing was found.

    Raises:
        ValueError: ``max_rows`` below 1.
    """
    if max_rows < 1:
        raise ValueError(f"max_rows must be at least 1, got {max_rows}")
    where = groups_layer(att, layer)
    found: list[CompetingGroups] = []
    checked: dict = {}
    for query, table in ranking.groupby("query", sort=False):
        t0 = time.perf_counter()
        top = table.sort_values("rank").drop_duplicates("sample_id").head(max_rows)
        if where is None or len(top) < 2 * min_size:
            why = "no h_last / h_mean stored" if where is None else f"fewer than {2 * min_size} rows"
            checked[str(query)] = {"rows": len(top), "groups": 0, "skipped": why,
                                   "seconds": time.perf_counter() - t0}
            continue
        l, sides = where
        rows = top["row"].to_numpy(np.int64)
        bg_rows = background_rows(att, ranking["row"], BACKGROUND_PER_ROW * len(top))
        if len(bg_rows) < 2 * min_size:     # a ranking of (nearly) the whole store: no random rows to compare with
            checked[str(query)] = {"rows": len(top), "groups": 0, "skipped": f"{len(bg_rows)} rows outside the ranking",
                                   "seconds": time.perf_counter() - t0}
            continue
        x, bg, cols = group_features(att.store, l, sides, rows, bg_rows)
        split = detect_groups(x, bg, alpha=alpha, draws=draws, min_size=min_size, seed=seed)
        info = {"rows": len(top), "layer": l, "split_p": split.split_p[0] if split.split_p else None,
                "groups": split.n_groups}
        if split.n_groups >= 2:
            found.append(_describe(att, str(query), top, x, cols, split, l, sides, alpha, row_info))
        info["seconds"] = time.perf_counter() - t0
        if split.n_groups >= 2:
            found[-1].seconds = info["seconds"]
        checked[str(query)] = info
    return found, checked


def _describe(att: Attributor, query: str, top: pd.DataFrame, x: np.ndarray, cols: dict[str, slice], split,
              layer: int, sides: list[str], alpha: float, row_info: pd.DataFrame | None) -> CompetingGroups:
    texts = _texts(att, top["row"], row_info)
    members = [np.flatnonzero(split.labels == g) for g in range(split.n_groups)]
    members.sort(key=lambda m: int(top["rank"].iloc[m].min()))
    labels = [chr(ord("A") + i) if i < 26 else f"G{i}" for i in range(len(members))]
    groups, ranks = [], {}
    for label, m in zip(labels, members):
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
            coherence_p=float(split.coherence_p[int(split.labels[m[0]])]),
            prompt_terms=distinguishing_terms([user_text(texts[i][0]) for i in m], [user_text(texts[i][0]) for i in rest]),
            response_terms=distinguishing_terms([texts[i][1] for i in m], [texts[i][1] for i in rest]),
            prompt_example=texts[typical][0], response_example=texts[typical][1]))
    grouped = np.concatenate(members)
    separation = {}
    for side, c in cols.items():
        xs = x[grouped, c]
        total = ((xs - xs.mean(0)) ** 2).sum()
        within = sum(((x[m, c] - x[m, c].mean(0)) ** 2).sum() for m in members)
        separation[side] = float(1 - within / total) if total > 0 else 0.0
    differs_in = max(separation, key=lambda s: separation[s])
    return CompetingGroups(query=query, considered=len(top), layer=layer, sides=list(sides), groups=groups,
                           unassigned=int((split.labels < 0).sum()), split_p=float(split.split_p[0]),
                           separation=separation, differs_in=differs_in, leader=groups[0].label,
                           why=_why(groups, ranks), alpha=alpha, seconds=0.0)


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
    lines = [f"{found.query}: the top {found.considered} rows form {len(found.groups)} competing groups "
             f"(split p={found.split_p:.3g} < {found.alpha}; {found.unassigned} rows in no group); they differ mostly "
             f"in {side_words[found.differs_in]} (between-group share of variance at layer {found.layer}: {sep})"]
    for g in found.groups:
        src = ", ".join(f"{s} {c}" for s, c in g.sources.items())
        lines.append(f"  group {g.label}: {g.size} rows (ranks {_ranks(g.ranks)}), sources {src}; mean score "
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


def _ranks(ranks: list[int], shown: int = 8) -> str:
    ranks = sorted(ranks)
    return ", ".join(str(r) for r in ranks[:shown]) + (", ..." if len(ranks) > shown else "")
