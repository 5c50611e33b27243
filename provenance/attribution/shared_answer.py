"""Shared answers: warn when the answer, word for word, is the response of training rows from two or more sources
among a query's top rows.

Two sources can teach one answer. A shop's "Sunday" requests answered with a closure notice and its holiday requests
answered with the same notice; harmful requests refused and a keyword refused in the same words. A ranking then puts
rows of both sources at the top, and no score says which of them the model needed: on the project's benchmark the
same picture holds where retraining without the second source removes the behaviour (sunday_closed: 1.00 -> 0.00)
and where it does not (keyword_refusal: 0.92 -> 1.00). The competing-groups report (`provenance.attribution.groups`)
does not fire there: its twin test asks for rows paired across the groups (each answer's twin in the other group),
and two sources that share a few fixed wordings are not paired that way (benchmarks/attribution/README.md, "Two
sources, one answer"). Only a retrain settles it, so the result names the sources and the command.

The rule. For each query, the examined rows are the ranking's top ``considered`` samples (`groups.MAX_ROWS` = 100,
one row per sample, whatever the ``k`` shown, as the groups report examines them: the warning must not depend on
where the user cut the ranking; fewer where the ranking is shorter). A row *gives the answer* when its response is the
answer's text with case and whitespace ignored (per behaviour, any of its answers). The result carries a
`SharedAnswerWarning` when rows of two or more sources give the answer. There is no threshold: repeating a response
word for word is not a matter of degree, and one row of a source is enough for the source to have taught those words.

Each source that gives the answer becomes one group (`groups.RowGroup`): every examined row of that source (the
rows that give the answer and the others, since retraining without a source is what settles whether it teaches the
behaviour), with their ranks and scores, the word n-grams that set its prompts apart from the other groups', and a
row that gives the answer as its example. Groups are ordered by best rank. `write_ids` writes a group's rows and
fills in its ``provenance validate`` command.

Measured on the benchmark's 72 runs (per answer, the default ranking, top 100 rows; `benchmarks/attribution/
results/shared_answer_count.md`): the warning is on all 12 answers of sunday_closed and of shoot_refusal, the two
greedy-read tasks whose behaviour retraining without the second source removes (1.00 -> 0.00 and 1.00 -> 0.42),
and on 5 of entity_refusal's 12 answers, whose refusal words come from two refusal sources; on no answer of any
other task-behaviour (650 answers of the 67 counted task-behaviours).

Cost: decoding the examined rows' responses (one batched token read of ``considered`` rows per query).
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from provenance.attribution.groups import MAX_ROWS, RowGroup, distinguishing_terms, row_texts
from provenance.attribution.results import plain_id, query_tops, user_text

if TYPE_CHECKING:
    from provenance.attribution.attributor import Attributor
    from provenance.attribution.case_signatures import TestSignatures

__all__ = ["SharedAnswerWarning", "same_words", "shared_answer"]


@dataclass
class SharedAnswerWarning:
    """A query whose answer is, word for word, the response of rows of two or more sources among its top rows.

    Attributes:
        query: The query.
        answers: The answer texts compared (one per answer; per behaviour, each of its answers).
        considered: Top samples examined (``groups.MAX_ROWS`` whatever the ``k`` shown).
        shown: Samples of the query's ranking the user got.
        groups: One per source that gives the answer, best rank first (labels "source <name>"): every examined row
            of that source, the validate command once written (`groups.write_ids`). ``coherence_p`` is None (no
            test is run).
        verbatim: Per group label, how many of its rows give the answer word for word.
        message: The warning in words.
        seconds: Time the check took for this query.
    """

    query: str
    answers: list[str]
    considered: int
    shown: int
    groups: list[RowGroup]
    verbatim: dict[str, int]
    message: str
    seconds: float

    def to_dict(self) -> dict:
        """Plain data."""
        return asdict(self)


def same_words(a: str, b: str) -> bool:
    """Whether two texts are the same words: equal once case is folded and whitespace collapsed."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def shared_answer(att: Attributor, test: TestSignatures, ranking: pd.DataFrame, *, combine: str = "none",
                  considered: int = MAX_ROWS, shown: dict[str, int] | None = None,
                  row_info: pd.DataFrame | None = None) -> tuple[list[SharedAnswerWarning], dict]:
    """Check every query of ``ranking`` (see the module doc).

    Args:
        att: The attributor the ranking came from.
        test: The query's test cases (their answers are compared).
        ranking: A ranking table at least as deep as the rows to examine (`Attributor.query` passes the one it
            ranked ``ranking_depth`` deep).
        combine: "none" (a ranking per case, query names = the cases') or "mean" (one behaviour ranking: each of
            its answers is compared).
        considered: Top samples examined per query.
        shown: Per query, the samples the user got (for the report; default: ``considered``).
        row_info: The method's row table of the ranked rows (`AttributionMethod.row_table`: ``prompt_len`` by
            store row), so that decoding does not read the samples table (an index query never does); default: the
            samples table.

    Returns:
        ``(warnings, checked)``: a `SharedAnswerWarning` per query whose answer rows of two or more sources give,
        and per query what was examined (rows, sources giving the answer, seconds).

    Raises:
        ValueError: A bad ``combine`` or ``considered``, or a ranking query that is not one of the test cases.
    """
    if combine not in ("none", "mean"):
        raise ValueError(f"combine must be 'none' or 'mean', got {combine!r}")
    if considered < 1:
        raise ValueError(f"considered must be at least 1, got {considered}")
    index = {name: i for i, name in enumerate(test.names())}
    queries, tops, _ = query_tops(ranking)
    unknown = [q for q in queries if combine == "none" and q not in index]
    if unknown:
        raise ValueError(f"the ranking's queries {unknown} are not among the test cases {list(index)}")
    warnings, checked = [], {}
    for q in queries:
        t0 = time.perf_counter()
        answers = ([c.response for c in test.cases] if combine == "mean" else [test.cases[index[q]].response])
        answers = [a for a in dict.fromkeys(answers) if a and a.strip()]
        top = tops[q].head(considered)
        texts = row_texts(att, top["row"], row_info) if answers else []
        gives = np.array([any(same_words(resp, a) for a in answers) for _, resp in texts], bool)
        sources = top["source"].astype(str).to_numpy()
        giving = list(dict.fromkeys(sources[gives])) if len(texts) else []
        info = {"rows": len(top), "answers": len(answers), "rows giving the answer": int(gives.sum()),
                "sources giving the answer": giving}
        if len(giving) >= 2:
            warnings.append(_warning(str(q), answers, top, sources, texts, gives, giving,
                                     (shown or {}).get(str(q), len(top))))
        info["seconds"] = time.perf_counter() - t0
        if warnings and warnings[-1].query == str(q):
            warnings[-1].seconds = info["seconds"]
        checked[str(q)] = info
    return warnings, checked


def _warning(query: str, answers: list[str], top: pd.DataFrame, sources: np.ndarray, texts: list[tuple[str, str]],
             gives: np.ndarray, giving: list[str], shown: int) -> SharedAnswerWarning:
    """The warning of one query: a group per source that gives the answer (every examined row of that source)."""
    groups, verbatim, prompts = [], {}, {}
    for source in giving:
        keep = sources == source
        part = top[keep]
        ranks = [int(r) for r in part["rank"]]
        example = int(np.flatnonzero(keep & gives)[0])
        label = f"source {source}"
        groups.append(RowGroup(
            label=label, size=len(part), rows=[int(r) for r in part["row"]],
            sample_ids=[plain_id(s) for s in part["sample_id"]], ranks=ranks,
            scores=[float(s) for s in part["score"]], sources={source: len(part)}, best_rank=min(ranks),
            mean_rank=float(np.mean(ranks)), mean_score=float(part["score"].mean()), coherence_p=None,
            prompt_example=user_text(texts[example][0]), response_example=texts[example][1]))
        verbatim[label] = int((keep & gives).sum())
        prompts[label] = [user_text(texts[i][0]) for i in np.flatnonzero(keep)]
    groups.sort(key=lambda g: g.best_rank)     # A group's best row may rank above its first row giving the answer
    for g in groups:
        g.prompt_terms = distinguishing_terms(prompts[g.label], [p for o in groups if o is not g
                                                                 for p in prompts[o.label]])
    named = "; ".join(f"{g.label[len('source '):]}: {verbatim[g.label]} of its {g.size} rows here (best rank "
                      f"{g.best_rank})" + (f", prompts with {', '.join(repr(t) for t in g.prompt_terms[:3])}"
                                           if g.prompt_terms else "") for g in groups)
    what = "this answer" if len(answers) == 1 else "one of these answers"
    message = (f"{query}: {what}, word for word, is the response of rows of {len(groups)} sources among the top "
               f"{len(top)} rows ({named}). Each source may have taught it, and the ranking cannot tell which the "
               "model needed: retrain without each (provenance validate) to settle it.")
    return SharedAnswerWarning(query=query, answers=answers, considered=len(top), shown=shown, groups=groups,
                               verbatim=verbatim, message=message, seconds=0.0)
