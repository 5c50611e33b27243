"""Detect -> attribute: flag a model's generations as undesirable with a `SplineDetector`, then ask a capture store
which training samples explain the flagged ones.

    res = detect_then_attribute(detector, Attributor(store, model, tokenizer), prompts, k=20)
    res.generations    # prompt, generation, score, flagged
    res.summary        # per source: count and share of the flagged generations' top-k rows
    res.harmful_share  # share of those rows whose source is one of `harmful_sources`

The detector sees a generation the way it was trained: a detector fitted on (prompt, response) texts scores the
(prompt, generation) conversation; one fitted on prompts alone scores the generation's text as a prompt.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from collections.abc import Sequence

import numpy as np
import pandas as pd

from provenance.detect.data import POSITIVE_SOURCES
from provenance.detect.detector import SplineDetector
from provenance.errors import DetectorError


@dataclass
class DetectAttributeResult:
    generations: pd.DataFrame      # query, prompt, generation, score, flagged
    ranking: pd.DataFrame          # the Attributor's ranking of the flagged generations
    sources: pd.DataFrame          # per flagged query: source, count, share of its top-k
    summary: pd.DataFrame          # per source over all flagged top-k rows: count, share
    harmful_share: float           # share of the flagged top-k rows from `harmful_sources` (nan: nothing flagged)
    harmful_sources: tuple
    seconds: dict = field(default_factory=dict)


def score_generations(detector: SplineDetector, model, tokenizer, prompts: Sequence[str], generations: Sequence[str],
                      *, batch_size: int = 8) -> np.ndarray:
    """P(undesirable) of each generation, presented to the detector like its training texts."""
    if detector.meta.get("with_responses"):
        return detector.score_texts(model, tokenizer, prompts, generations, batch_size=batch_size)
    return detector.score_texts(model, tokenizer, generations, batch_size=batch_size)


def harmful_share(summary: pd.DataFrame, harmful_sources: Sequence[str]) -> float:
    total = summary["count"].sum() if len(summary) else 0
    return float(summary.loc[summary["source"].isin(harmful_sources), "count"].sum() / total) if total else float("nan")


def detect_then_attribute(detector: SplineDetector, attributor, prompts: Sequence[str], *,
                          generations: Sequence[str] | None = None, k: int = 20, threshold: float = 0.5,
                          harmful_sources: Sequence[str] = POSITIVE_SOURCES, method=None, batch_size: int = 8,
                          snippet_chars: int = 160) -> DetectAttributeResult:
    """Generate (greedy, unless ``generations`` are given), score, flag (score >= ``threshold``) and attribute the
    flagged generations with ``attributor`` (its default RepT signature unless ``method`` is given)."""
    from provenance.attribution import TestCase
    from provenance.attribution.cases import greedy_responses
    from provenance.attribution.results import source_shares

    prompts = list(prompts)
    if not prompts:
        raise DetectorError("no prompts given")
    if not 0.0 <= threshold <= 1.0:
        raise DetectorError(f"threshold must be a probability in [0, 1], got {threshold}")
    model, tok = attributor.model, attributor.tokenizer
    seconds = {}
    t0 = time.perf_counter()
    if generations is None:
        generations = greedy_responses(model, tok, prompts, max_new_tokens=attributor.max_new_tokens,
                                       chat=attributor.chat, system=attributor.system, batch=batch_size)
        seconds["generate"] = time.perf_counter() - t0
    elif len(generations) != len(prompts):
        raise DetectorError(f"{len(generations)} generations for {len(prompts)} prompts")
    generations = [str(g) for g in generations]
    t0 = time.perf_counter()
    # An empty generation has no token to score or attribute: it is never flagged.
    nonempty = [i for i, g in enumerate(generations) if g.strip()]
    scores = np.full(len(prompts), np.nan)
    if nonempty:
        scores[nonempty] = score_generations(detector, model, tok, [prompts[i] for i in nonempty],
                                             [generations[i] for i in nonempty], batch_size=batch_size)
    seconds["detect"] = time.perf_counter() - t0
    table = pd.DataFrame({"query": [f"g{i}" for i in range(len(prompts))], "prompt": prompts,
                          "generation": generations, "score": scores,
                          "flagged": np.nan_to_num(scores, nan=-1.0) >= threshold})
    flagged = table[table["flagged"]]
    empty_rank = pd.DataFrame(columns=["query", "rank", "score", "row", "sample_id", "source", "epoch", "prompt", "response"])
    if flagged.empty:
        ranking = empty_rank
    else:
        t0 = time.perf_counter()
        cases = [TestCase(p, g, name=q) for q, p, g in zip(flagged["query"], flagged["prompt"], flagged["generation"])]
        res = attributor.query(cases, method=method, k=k, snippet_chars=snippet_chars)
        ranking = res.ranking
        seconds["attribute"] = time.perf_counter() - t0
    sources = source_shares(ranking)
    summary = source_summary(ranking)
    return DetectAttributeResult(generations=table, ranking=ranking, sources=sources, summary=summary,
                                 harmful_share=harmful_share(summary, harmful_sources),
                                 harmful_sources=tuple(harmful_sources), seconds=seconds)


def source_summary(ranking: pd.DataFrame) -> pd.DataFrame:
    """Per source, count and share of all the ranking's rows (every query's top-k together)."""
    if ranking.empty:
        return pd.DataFrame(columns=["source", "count", "share"])
    counts = ranking.groupby("source").size().rename("count").reset_index()
    counts["share"] = counts["count"] / counts["count"].sum()
    return counts.sort_values(["share", "source"], ascending=[False, True], ignore_index=True)
