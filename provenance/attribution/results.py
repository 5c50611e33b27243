"""What a query returns: the ranked rows as a table, each source's share of them, and the method's explanation."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from provenance.attribution.groups import CompetingGroups
    from provenance.attribution.lexical_floor import LexicalFloorWarning
    from provenance.attribution.shared_answer import SharedAnswerWarning
    from provenance.attribution.side_split import SideSplitWarning

__all__ = ["RANKING_COLUMNS", "AttributionResult", "describe_rows", "plain_id", "query_tops", "source_shares",
           "user_text"]

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
        groups: Per query whose top rows form two or more distinct groups, a `CompetingGroups` (each group's rows,
            sources, distinguishing n-grams, which ranks first and why, the command that settles it); empty when
            every ranking's top rows are one group, or when the check was off (`provenance.attribution.groups`).
        warnings: Per query whose ranking a text baseline sharply disagrees with, a `LexicalFloorWarning`
            (`provenance.attribution.lexical_floor`); empty when none does or the check was off.
        side_splits: Per query whose prompt side and response side point at different training rows (their top-k
            share no more samples than chance), a `SideSplitWarning` naming both groups
            (`provenance.attribution.side_split`); empty when none does or the check was off.
        shared_answers: Per query whose answer, word for word, is the response of rows of two or more sources among
            its top rows, a `SharedAnswerWarning` naming a group per source (`provenance.attribution.shared_answer`);
            empty when none is or the check was off.
        checks: What each check examined per query and its seconds: ``{"groups": {query: {...}},
            "lexical_floor": {query: {...}}, "side_split": {query: {...}},
            "shared_answer": {query: {...}}}`` (a check that was off is absent; a
            query the side split could not check holds ``{"skipped": reason}``).
    """

    ranking: pd.DataFrame
    sources: pd.DataFrame
    method: str
    seconds: float
    scores: np.ndarray = field(repr=False)
    rows: np.ndarray = field(repr=False)
    wording: pd.DataFrame | None = None
    explanation: dict = field(default_factory=dict)
    groups: list[CompetingGroups] = field(default_factory=list)
    warnings: list[LexicalFloorWarning] = field(default_factory=list)
    side_splits: list[SideSplitWarning] = field(default_factory=list)
    shared_answers: list[SharedAnswerWarning] = field(default_factory=list)
    checks: dict = field(default_factory=dict)

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


def query_tops(ranking: pd.DataFrame) -> tuple[list, dict, int]:
    """(the queries in order, each query's ranked rows best first with one row per sample, the most samples any
    query has) of a ranking table: what the checks that compare a ranking's top-k lists read."""
    queries = list(dict.fromkeys(ranking["query"].tolist()))
    tops = {q: ranking[ranking["query"] == q].sort_values("rank").drop_duplicates("sample_id") for q in queries}
    return queries, tops, max((len(t) for t in tops.values()), default=0)


def plain_id(value):
    """A sample id as a plain Python value (numpy scalars would reach ``--json`` as strings)."""
    return value.item() if isinstance(value, np.generic) else value


def user_text(prompt: str) -> str:
    """The last user turn of a decoded chat prompt ("...user\n<text>\nassistant\n" once special tokens are
    dropped), else the prompt with its whitespace collapsed."""
    text = re.sub(r"\n?assistant\n?$", "", prompt)        # the snippet may be cut before "user\n"
    starts = [m.end() for m in re.finditer(r"(?:^|\n)user\n", text)]
    return " ".join(text[starts[-1]:].split()) if starts else " ".join(text.split())
