"""What a query returns: the ranked rows as a table, each source's share of them, and the method's explanation."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["RANKING_COLUMNS", "AttributionResult", "describe_rows", "source_shares"]

RANKING_COLUMNS = ["query", "rank", "score", "row", "sample_id", "source", "epoch", "prompt", "response"]


@dataclass
class AttributionResult:
    """The answer of `Attributor.query`.

    Attributes:
        ranking: One table row per (query, rank): query, rank, score, row, sample_id, source, epoch, prompt and
            response snippets.
        sources: Per query, each source's count and share of the top-k.
        method: The method as this query ran it (e.g. what the automatic choice picked).
        seconds: Wall time of the query (test signatures and ranking).
        scores: ``[Q, k']`` scores, best first.
        rows: ``[Q, k']`` global store rows.
        wording: Rows whose words the answers reuse, when that is not the ranking (`AutoMethod` overruled token
            match); same columns as ``ranking``. None otherwise.
        explanation: What the method chose and why (`Ranking.explanation`); empty when it had nothing to choose.
    """

    ranking: pd.DataFrame
    sources: pd.DataFrame
    method: str
    seconds: float
    scores: np.ndarray = field(repr=False)
    rows: np.ndarray = field(repr=False)
    wording: pd.DataFrame | None = None
    explanation: dict = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """Share of the top-k per source over all queries."""
        return (self.sources.groupby("source")["count"].sum() / self.sources["count"].sum()).rename("share").reset_index()


def source_shares(ranking: pd.DataFrame) -> pd.DataFrame:
    """Per query, each source's count and share of the top-k (shares of a query sum to 1)."""
    if ranking.empty:
        return pd.DataFrame(columns=["query", "source", "count", "share"])
    counts = ranking.groupby(["query", "source"], sort=True).size().rename("count").reset_index()
    counts["share"] = counts["count"] / counts.groupby("query")["count"].transform("sum")
    return counts.sort_values(["query", "share", "source"], ascending=[True, False, True], ignore_index=True)


def describe_rows(names: list[str], scores: np.ndarray, rows: np.ndarray, table: pd.DataFrame, texts: dict,
                  *, snippet_chars: int = 160, epochs_averaged: bool = False) -> pd.DataFrame:
    """The ranking table (`RANKING_COLUMNS`) of ``[Q, k']`` ``scores`` and ``rows``.

    Args:
        names: The query name of each of the Q rankings.
        scores: Scores, best first.
        rows: Global store rows.
        table: sample_id / source / epoch / prompt_len of (at least) the ranked rows, index = row.
        texts: ``{row: (prompt text, response text)}`` of the ranked rows (empty: no snippets).
        snippet_chars: Characters kept of each text: the end of the prompt, the start of the response; 0: none.
        epochs_averaged: The rows stand for samples averaged over epochs: the epoch column says "mean".
    """
    recs = []
    for q in range(scores.shape[0]):
        for rank in range(scores.shape[1]):
            r = int(rows[q, rank])
            prompt, resp = texts.get(r, ("", ""))
            recs.append({
                "query": names[q], "rank": rank + 1, "score": float(scores[q, rank]), "row": r,
                "sample_id": table.at[r, "sample_id"], "source": table.at[r, "source"],
                "epoch": "mean" if epochs_averaged else int(table.at[r, "epoch"]),
                "prompt": prompt[-snippet_chars:] if snippet_chars else "",
                "response": resp[:snippet_chars] if snippet_chars else "",
            })
    return pd.DataFrame.from_records(recs, columns=RANKING_COLUMNS)
