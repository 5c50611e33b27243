"""The lexical floor: warn when a text baseline and the result's ranking disagree sharply.

An entity swap inside a sentence template ("The capital of Australia is Sydney." among many correct "The capital
of X is Y." rows) is exactly what word matching finds and what pooled representations can dilute. So each query's
ranking is compared with BM25 on the prompt and the response (`provenance.attribution.baselines.Bm25Method`,
``field="prompt+response"``; per behaviour, each row's mean BM25 score over the cases, as for every method). The
result carries a `LexicalFloorWarning` when both hold:

* **sharp disagreement**: the two top-k lists share less than half of the way from chance agreement to full
  agreement: 2 * overlap < k + c, where c = k^2 / N is the overlap two unrelated top-k lists of the same N rows
  have on average (the hypergeometric mean; k the ranking's samples for that query, N the rows the baseline
  ranks). Half is the definition of "most", not a value fitted on a task; c is why the rule holds at every k: with
  k = 100 of N = 170 rows, two unrelated lists already share 59 rows, so "fewer than half shared" could never fire
  (measured: benchmarks/attribution/results/doubt_count.md). For k much smaller than N it is "fewer than half";
* **a coherent text group**: the baseline's top-k rows are more alike in their words (TF-IDF cosine geometry) than
  random training rows, by the coherence test of `provenance.attribution.group_stats` at level ``ALPHA`` against a
  background sample of the store. Without it, the baseline's top rows share only scattered words with the answer
  and there is nothing to name.

The warning names the baseline's top group: its samples, sources and the word n-grams frequent in it and rarer in
the ranking's top rows, and (once `write_ids` writes it) the ``provenance validate`` command that retrains without
it. A disagreement is not a verdict: on a style backdoor the text baseline is the one that misses. The ranking
is left as it is; the warning says where to look.

Cost: the baseline decodes and scores every selected row of the store (O(rows) per query), which is why
`Attributor.query` runs it only when asked (``lexical_floor=True``; ``provenance query`` and ``report`` ask by
default). A ranking made by a text method itself is not checked.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from provenance.attribution.baselines import Bm25Method
from provenance.attribution.group_stats import ALPHA, DRAWS, coherence_pvalue
from provenance.attribution.groups import BACKGROUND_PER_ROW, RowGroup, background_rows, distinguishing_terms
from provenance.attribution.results import query_tops, user_text
from provenance.attribution.topk import select_rows

if TYPE_CHECKING:
    from provenance.attribution.attributor import Attributor
    from provenance.attribution.case_signatures import TestSignatures

__all__ = ["LEXICAL_METHODS", "LexicalFloorWarning", "is_lexical", "lexical_floor", "text_baseline"]

# Methods that rank by words themselves: comparing them with a text baseline says nothing.
LEXICAL_METHODS = ("tfidf", "bm25")


@dataclass
class LexicalFloorWarning:
    """A query whose ranking a text baseline sharply disagrees with.

    Attributes:
        query: The query.
        baseline: The text baseline (its method name).
        k: Samples compared (the ranking's top-k for the query).
        overlap: Samples in both top-k.
        coherence_p: p-value of the baseline's top-k being no more alike in words than random training rows.
        group: The baseline's top-k as a group (label "text"): its samples, their baseline ranks and scores,
            sources, distinguishing n-grams against the ranking's top rows, and the validate command once written.
        in_ranking: Of the group's samples, those in the ranking's top-k.
        message: The warning in words.
        seconds: Time the check took for this query.
    """

    query: str
    baseline: str
    k: int
    overlap: int
    coherence_p: float
    group: RowGroup
    in_ranking: list
    message: str
    seconds: float

    def to_dict(self) -> dict:
        """Plain data."""
        return asdict(self)


def is_lexical(method_name: str) -> bool:
    """Whether a method (by its label) ranks by words itself."""
    return str(method_name).lower().startswith(LEXICAL_METHODS)


def text_baseline() -> Bm25Method:
    """The text baseline of the check: BM25 (lower-cased) on the prompt and the response, last epoch's rows."""
    return Bm25Method(field="prompt+response", epochs="last")


def _tfidf(texts: list[str]) -> np.ndarray:
    """l2-normalised TF-IDF rows of ``texts`` (word unigrams and bigrams), dense."""
    from sklearn.feature_extraction.text import TfidfVectorizer   # slow to import: only when the check runs

    if not any(t.strip() for t in texts):
        return np.zeros((len(texts), 1))
    return np.asarray(TfidfVectorizer(ngram_range=(1, 2)).fit_transform(texts).todense())


def lexical_floor(att: Attributor, test: TestSignatures, ranking: pd.DataFrame, *, combine: str = "none",
                  alpha: float = ALPHA, draws: int = DRAWS, seed: int = 0) -> tuple[list[LexicalFloorWarning], dict]:
    """Compare every query's ranking with the text baseline (see the module doc).

    Args:
        att: The attributor the ranking came from.
        test: The query's test cases (the baseline ranks them the same way).
        ranking: The result's ranking table.
        combine: "none" (a ranking per case) or "mean" (one behaviour ranking, query "behaviour").
        alpha: Level of the coherence test.
        draws: Its Monte-Carlo draws.
        seed: Seed of the draws.

    Returns:
        ``(warnings, checked)``: a `LexicalFloorWarning` per query that breaks the floor, and per query what was
        compared (k, overlap, coherence p-value, seconds).
    """
    t0 = time.perf_counter()
    queries, tops, k = query_tops(ranking)
    if k == 0:
        return [], {}
    baseline = text_baseline()
    ranked = baseline.rank(att, test, k) if combine == "none" else baseline.rank_behaviour(att, test, k)
    n_rows = int(select_rows(att.samples, baseline.epochs).sum())
    shared = (time.perf_counter() - t0) / len(queries)   # the baseline ranks every query in one pass
    sample_ids = att.samples["sample_id"].to_numpy()
    sources = att.samples["source"].to_numpy()
    warnings, checked = [], {}
    rng = np.random.default_rng(seed)
    for qi, q in enumerate(queries):
        t1 = time.perf_counter()
        mine = tops[q]
        n = len(mine)
        rows = ranked.rows[qi, :n]
        scores = ranked.scores[qi, :n]
        text_ids = [sample_ids[r] for r in rows]
        overlap = len(set(map(str, text_ids)) & set(map(str, mine["sample_id"])))
        chance = n * n / max(n_rows, n)
        info = {"baseline": baseline.name, "k": n, "overlap": overlap, "chance_overlap": round(chance, 2),
                "coherence_p": None}
        if 2 * overlap < n + chance and n >= 2:
            bg = background_rows(att, np.r_[rows, mine["row"].to_numpy()], BACKGROUND_PER_ROW * n)
            text = [att.decode_row(int(r)) for r in rows]
            docs = [f"{p}\n{r}" for p, r in text] + ["\n".join(att.decode_row(int(r))) for r in bg]
            x = _tfidf(docs)
            p = coherence_pvalue(x[:n], x[n:], rng, draws, alpha) if len(bg) >= n else 1.0
            info["coherence_p"] = p
            if p < alpha:
                warnings.append(_warning(att, q, baseline.name, mine, rows, scores, text, text_ids, overlap, p,
                                         sources, alpha))
        info["seconds"] = shared + time.perf_counter() - t1
        if warnings and warnings[-1].query == q:
            warnings[-1].seconds = info["seconds"]
        checked[str(q)] = info
    return warnings, checked


def _warning(att: Attributor, query, baseline: str, mine: pd.DataFrame, rows: np.ndarray, scores: np.ndarray,
             text: list[tuple[str, str]], text_ids: list, overlap: int, p: float, sources: np.ndarray,
             alpha: float) -> LexicalFloorWarning:
    n = len(mine)
    ours = {str(s) for s in mine["sample_id"]}
    outside = [att.decode_row(int(r)) for r, s in zip(mine["row"], mine["sample_id"])
               if str(s) not in {str(t) for t in text_ids}]
    src = pd.Series([str(sources[r]) for r in rows]).value_counts().sort_index()
    group = RowGroup(
        label="text", size=n, rows=[int(r) for r in rows], sample_ids=list(text_ids),
        ranks=list(range(1, n + 1)), scores=[float(s) for s in scores], sources={k: int(v) for k, v in src.items()},
        best_rank=1, mean_rank=(n + 1) / 2, mean_score=float(np.mean(scores)), coherence_p=p,
        prompt_terms=distinguishing_terms([user_text(t[0]) for t in text], [user_text(t[0]) for t in outside]),
        response_terms=distinguishing_terms([t[1] for t in text], [t[1] for t in outside]),
        prompt_example=text[0][0], response_example=text[0][1])
    in_ranking = [s for s in text_ids if str(s) in ours]
    words = "; ".join(part for part in (
        f"responses: {', '.join(repr(t) for t in group.response_terms)}" if group.response_terms else "",
        f"prompts: {', '.join(repr(t) for t in group.prompt_terms)}" if group.prompt_terms else "") if part)
    message = (f"{query}: the text baseline {baseline} disagrees sharply with this ranking: only {overlap} of its "
               f"top-{n} samples are in this ranking's top-{n}, and they are a coherent group (more alike in words "
               f"than random training rows, p={p:.3g} < {alpha}); sources "
               f"{', '.join(f'{s} {c}' for s, c in group.sources.items())}"
               + (f"; {words}" if words else "") +
               ". The answer may come from these rows' words rather than from what this ranking found: read them "
               "(provenance query --method bm25) or retrain without them (provenance validate).")
    return LexicalFloorWarning(query=str(query), baseline=baseline, k=n, overlap=overlap, coherence_p=p, group=group,
                               in_ranking=in_ranking, message=message, seconds=0.0)
