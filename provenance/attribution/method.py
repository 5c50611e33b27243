"""The attribution method protocol: what `Attributor.query` asks of every method.

A method ranks a store's training rows for test cases. It declares what it reads (`AttributionMethod.requirements`:
the layers whose test signatures it scores, the signature parts and per-token states it needs stored), is checked
against the store before any model pass (`AttributionMethod.check`: a store without those parts is refused with a
message naming what to capture), and returns a `Ranking`: the top rows, their scores, and an explanation of what it
chose and why.

Methods hold only their settings. Everything one query works out goes into the `Ranking` it returns, and costly
training-side work that later queries reuse (a re-pass of the stored rows, per-sample gradients) is kept by the
`Attributor` (`Attributor.cached`), which owns the store and the model it was computed from. So one method object
serves any number of queries, in any order, and two queries never see each other's choices.

Writing a method::

    from provenance.attribution import AttributionMethod, Ranking
    from provenance.attribution.topk import select_rows, top_k_rows

    class ResponseLength(AttributionMethod):
        '''Rows whose response is as long as the test answer rank first.'''

        name = "response-length"

        def rank(self, att, test, k):
            mask = select_rows(att.samples, "last")
            n = (att.samples["n_tokens"] - att.samples["prompt_len"]).to_numpy()
            want = np.array([len(i) - p for i, p in zip(test.input_ids, test.prompt_len)])
            scores = -np.abs(n[:, None] - want[None, :]).astype(np.float32)
            return Ranking(*top_k_rows([(0, scores)], len(test), k, mask))

then ``Attributor.query(cases, method=ResponseLength())``, or register it by name
(`provenance.attribution.registry.register_method`) for ``method="response-length"`` and
``provenance query --method response-length``. Only `rank` is required: a method that needs test signatures or
per-token states declares them in `requirements`; `rank_behaviour` (one ranking for the behaviour the cases show)
defaults to every row's mean score over the cases.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from provenance.attribution.signatures import check_stored
from provenance.attribution.topk import mean_of_rankings
from provenance.errors import MissingCaptureError, StoreNotFoundError

if TYPE_CHECKING:  # annotations only: the Attributor drives methods, methods never import it
    from provenance.attribution.attributor import Attributor
    from provenance.attribution.case_signatures import TestSignatures

__all__ = ["AttributionMethod", "Ranking", "Requirements", "check_requirements"]


@dataclass(frozen=True)
class Requirements:
    """What a method reads, so that the query computes it once and the store is checked before any model pass.

    Attributes:
        layers: Layers whose test signatures the method scores (the test pass computes them; the store must hold
            rows there). Empty: a text-only method, no model pass over the test cases (prompt-only cases are
            still answered by greedy generation).
        parts: Stored signature parts the method reads at every layer of ``layers``.
        case_token_layers: Layers where the test pass also reads every test token's hidden state and the response
            tokens' log-probabilities (same forward, no second pass).
        stored_token_layers: Layers where the store must hold training-time per-token states.
    """

    layers: tuple[int, ...] = ()
    parts: tuple[str, ...] = ()
    case_token_layers: tuple[int, ...] = ()
    stored_token_layers: tuple[int, ...] = ()


@dataclass
class Ranking:
    """One query's answer from a method: the ranked rows and why they were ranked so.

    Attributes:
        scores: ``[Q, k']`` scores, best first (Q = the test cases, or 1 for a behaviour ranking).
        rows: ``[Q, k']`` global store rows, aligned with ``scores``.
        explanation: What the method chose and why, as plain data (e.g. the automatic choice's method, reason,
            overlap and coherence); empty when there was nothing to choose. `AttributionResult.explanation`.
        label: The method as this query ran it, when that is more specific than `AttributionMethod.name` (e.g.
            "auto: token-match@22 (...)"); None: the method's name.
        wording: ``(scores, rows)`` of a second ranking worth showing: the rows whose words the answers reuse, when
            that is not the ranking (`AutoMethod` overruled token match); None otherwise.
        epochs_averaged: The scores are per-sample means over epochs (``epochs="mean"``); each row stands for its
            sample.
    """

    scores: np.ndarray
    rows: np.ndarray
    explanation: dict = field(default_factory=dict)
    label: str | None = None
    wording: tuple[np.ndarray, np.ndarray] | None = None
    epochs_averaged: bool = False


class AttributionMethod(ABC):
    """Base class of every attribution method (see the module doc). Subclasses implement `rank` and override
    the other members only where their defaults do not fit."""

    @property
    def name(self) -> str:
        """The method as rankings and reports label it (default: the class name)."""
        return type(self).__name__

    def requirements(self, att: Attributor) -> Requirements:
        """What this method reads for queries through ``att`` (default: nothing, a text-only method).

        Args:
            att: The attributor the query runs through (its store and model resolve default layers).

        Returns:
            The layers, stored parts and token states the method needs.
        """
        return Requirements()

    def check(self, att: Attributor) -> None:
        """Refuse a store that lacks what `requirements` names, before any model pass.

        Raises:
            MissingCaptureError: A layer, signature part or per-token state layer was not captured; the message
                names it and the capture option that stores it.
            StoreNotFoundError: The store has no committed rows.
        """
        check_requirements(att.store, self.requirements(att), self.name)

    @abstractmethod
    def rank(self, att: Attributor, test: TestSignatures, k: int) -> Ranking:
        """The top ``k`` rows for each test case.

        Args:
            att: The attributor (store, model, tokenizer, samples table, cache).
            test: The test cases' signatures, computed for `requirements`.
            k: Rows per case (fewer when fewer rows are ranked).

        Returns:
            A `Ranking` of ``[len(test), k']`` scores and rows.
        """

    def rank_behaviour(self, att: Attributor, test: TestSignatures, k: int) -> Ranking:
        """One ranking of the behaviour the test cases show: the top ``k`` rows by their mean score over the cases.

        The default ranks every row for every case and averages (a method that ranks a subset of rows must rank
        the same subset for every case); methods with a cheaper exact form override it.

        Returns:
            A `Ranking` of ``[1, k']`` scores and rows.
        """
        every = self.rank(att, test, len(att.samples))
        scores, rows = mean_of_rankings(every.scores, every.rows, k)
        return replace(every, scores=scores, rows=rows, wording=None)

    def row_table(self, att: Attributor, rows: np.ndarray) -> pd.DataFrame | None:
        """sample_id / source / epoch / prompt_len of the ranked ``rows`` (index = row) when the method reads them
        from somewhere other than the store's samples table (the query index); None: the samples table."""
        return None

    # Arrays only, for callers that need no explanation (benchmarks, other methods' stages).
    def top_k(self, att: Attributor, test: TestSignatures, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, rows)`` of `rank`."""
        ranking = self.rank(att, test, k)
        return ranking.scores, ranking.rows

    def top_k_combined(self, att: Attributor, test: TestSignatures, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, rows)`` of `rank_behaviour`."""
        ranking = self.rank_behaviour(att, test, k)
        return ranking.scores, ranking.rows


def check_requirements(store, requirements: Requirements, method: str) -> None:
    """Raise when ``store`` lacks what ``requirements`` names (see `AttributionMethod.check`)."""
    if len(store) == 0:
        raise StoreNotFoundError(f"store {store.url} (run {store.run!r}) has no committed rows: nothing to attribute to")
    for layer in requirements.layers:
        check_stored(store, layer, requirements.parts, needed_by=method)
    for layer in requirements.stored_token_layers:
        if layer not in store.token_state_layers:
            raise MissingCaptureError(
                f"no per-token states at layer {layer} in run {store.run!r} (it has them at "
                f"{store.token_state_layers or 'no layer'}), which {method} reads: capture them with "
                f"token_layers=[{layer}] (or write the final model's with `provenance index --token-layers {layer}`)"
            )
