"""`Attributor`: which stored training rows explain a model's (undesirable) answer?

    from provenance.attribution import Attributor, TestCase

    att = Attributor(store, model, tokenizer)                    # checks the model fingerprint against the store
    res = att.query([TestCase(prompt, bad_response)], k=50)      # or TestCase(prompt) -> greedy generation
    res.ranking      # DataFrame: query, rank, score, row, sample_id, source, epoch, prompt, response
    res.sources      # DataFrame: query, source, count, share (of the top-k)
    res.explanation  # what the method chose and why

A query resolves its method (an `AttributionMethod`, a registered name, or the registry's default: the same one
``provenance query`` uses), checks that the store holds what the method reads, computes the test cases' signatures
once for it (`compute_signatures`: the training-time engine, in eval mode), lets the method rank, and describes the
ranked rows.

``combine="mean"`` attributes a behaviour rather than one answer: the cases are examples of one behaviour and the
result is one ranking by each row's mean score over them (query name "behaviour"). One answer's nearest rows are
those that share its topic and wording; rows that are near every example are the ones behind the behaviour.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from provenance.attribution.answer_check import answer_cases
from provenance.attribution.case_signatures import TestSignatures, compute_signatures
from provenance.attribution.cases import CaseInput
from provenance.attribution.groups import competing_groups, ranking_depth
from provenance.attribution.lexical_floor import is_lexical
from provenance.attribution.lexical_floor import lexical_floor as text_baseline_check
from provenance.attribution.method import AttributionMethod, Ranking
from provenance.attribution.registry import MethodOptions, build_method
from provenance.attribution.results import AttributionResult, describe_rows, query_tops, source_shares
from provenance.attribution.shared_answer import shared_answer as shared_answer_check
from provenance.attribution.side_split import side_split as side_split_check
from provenance.attribution.signatures import Epochs, SignatureSpec, check_stored, default_layer
from provenance.capture import model_fingerprint
from provenance.capture.engine import SIGNATURES
from provenance.errors import StoreMismatchError, StoreNotFoundError
from provenance.store import StoreReader, open_store

__all__ = ["BEHAVIOUR_QUERY", "COMBINE_MODES", "Attributor", "check_model"]

COMBINE_MODES = ("none", "mean")
BEHAVIOUR_QUERY = "behaviour"

T = TypeVar("T")


def check_model(store: StoreReader, model, allow_model_mismatch: bool = False) -> None:
    """Refuse a model whose geometry differs from the one the store was captured from (config hash).

    Raises:
        StoreMismatchError: The config hashes differ and ``allow_model_mismatch`` is False.
    """
    want = (store.model or {}).get("config_hash")
    got = model_fingerprint(model)["config_hash"]
    if want is not None and want != got and not allow_model_mismatch:
        raise StoreMismatchError(
            f"the store was captured from model {store.model.get('name')!r} (config_hash {want}) but this model has "
            f"config_hash {got} ({model_fingerprint(model)['fields']}); signatures would not be comparable. "
            "Pass allow_model_mismatch=True to query anyway."
        )


class Attributor:
    """Rank a store's training rows for test cases with any attribution method.

    Args:
        store: A `StoreReader`, or a store path or URL (its only run).
        model: The final model (whose answers are explained); its fingerprint must match the store's.
        tokenizer: Its tokenizer.
        allow_model_mismatch: Query even if the model's config hash differs from the store's.
        chat: Render test cases with the chat template (as training samples were).
        system: The chat template's system message, if training used one.
        max_length: Tokens of a test case (prompt + response, cut on the right like a training sample).
        max_new_tokens: Tokens of a generated answer (test cases without a response) at most.

    Raises:
        StoreMismatchError: The model does not match the store.
        StoreNotFoundError: The store has no committed rows.
    """

    def __init__(self, store: StoreReader | str, model: Any, tokenizer: Any, *, allow_model_mismatch: bool = False,
                 chat: bool = True, system: str | None = None, max_length: int = 512, max_new_tokens: int = 64):
        self.store = open_store(store) if isinstance(store, str) else store
        self.model, self.tokenizer = model, tokenizer
        check_model(self.store, model, allow_model_mismatch)
        if len(self.store) == 0:
            raise StoreNotFoundError(f"store {self.store.url} (run {self.store.run!r}) has no committed rows: nothing "
                                     "to attribute to")
        self.chat, self.system, self.max_length, self.max_new_tokens = chat, system, max_length, max_new_tokens
        self._samples: pd.DataFrame | None = None
        self._cache: dict[str, tuple[Any, Any]] = {}

    @property
    def samples(self) -> pd.DataFrame:
        """The store's samples table (one row per stored row), read once."""
        if self._samples is None:
            self._samples = self.store.samples()
        return self._samples

    def default_layer(self) -> int:
        """The default layer of signature queries on this store (`default_layer`)."""
        return default_layer(self.store)

    def cached(self, slot: str, key: Any, compute: Callable[[], T]) -> T:
        """``compute()``'s value for ``key``, kept in ``slot`` until a call with another key replaces it.

        Training-side work that later queries reuse (a re-pass of the stored rows, per-sample gradients, re-read
        token states) is derived from this attributor's store and model, so it is kept here rather than on the
        method that computed it: methods stay stateless, and a new method object with the same settings reuses it.
        One value per slot bounds the memory to the latest key.

        Args:
            slot: Who caches (a method's name for its kind of work).
            key: Everything the value depends on besides the store and the model (comparable with ``==``).
            compute: Computes the value when ``key`` is not the one held.
        """
        held = self._cache.get(slot)
        if held is None or held[0] != key:
            held = self._cache[slot] = (key, compute())
        return held[1]

    def clear_cache(self, slot: str | None = None) -> None:
        """Drop cached training-side work (`cached`): one ``slot``, or every slot (None). The next query that needs
        it recomputes it, e.g. after the model's weights changed in place, or to time that work again."""
        if slot is None:
            self._cache.clear()
        else:
            self._cache.pop(slot, None)

    def signatures(self, cases: CaseInput, layers: Sequence[int] | None = None,
                   token_layers: Sequence[int] = ()) -> TestSignatures:
        """Test signatures of ``cases``, projected like the store.

        Args:
            cases: Test cases in any form `as_cases` takes.
            layers: Layers to compute (default: every captured layer).
            token_layers: Also read every token's hidden state there and the response tokens' log-probabilities
                (same pass).

        Raises:
            MissingCaptureError: A layer was not captured.
            BehaviourNotShownError: A prompt-only case's greedy answer is empty or a refusal (the behaviour did
                not fire: give the response to explain, or another prompt).
        """
        layers = list(self.store.layers if layers is None else layers)
        for l in layers:
            check_stored(self.store, l, needed_by="the test signatures")
        cases = answer_cases(self.model, self.tokenizer, cases, max_new_tokens=self.max_new_tokens, chat=self.chat,
                             system=self.system)
        parts = [p for p in SIGNATURES if p in self.store.signature_names] or list(SIGNATURES)
        return compute_signatures(self.model, self.tokenizer, cases, layers, parts=parts,
                                  projection=self.store.run_attrs.get("projection"), max_length=self.max_length,
                                  chat=self.chat, system=self.system, max_new_tokens=self.max_new_tokens,
                                  token_layers=token_layers)

    def text_only(self, cases: CaseInput) -> TestSignatures:
        """Test cases for methods that need no model pass (greedy generation still runs for prompt-only cases)."""
        return self.signatures(cases, layers=[])

    def resolve_method(self, method: AttributionMethod | str | None = None, *, combine: str = "none",
                       **options: Any) -> AttributionMethod:
        """The method a query with these arguments runs.

        Args:
            method: An `AttributionMethod`, a registered name (`provenance.attribution.registry`), or None: the
                registry's default (what ``provenance query`` runs without ``--method``).
            combine: "none" or "mean": the default resolves per answer and per behaviour.
            **options: `MethodOptions` fields for a method built by name (signature, layer, epochs, ...).

        Raises:
            ValueError: Options given with a method object, or options the named method does not take.
        """
        if isinstance(method, AttributionMethod):
            given = MethodOptions(**options).given()
            if given:
                raise ValueError(f"{', '.join(given)} configure a method chosen by name (method=None or a registered "
                                 f"name); {method.name} was passed as an object: set them on it instead")
            return method
        if method is not None and not isinstance(method, str):
            raise TypeError(f"method must be an AttributionMethod, a registered method name or None, got "
                            f"{type(method).__name__} (subclass provenance.attribution.AttributionMethod)")
        return build_method(method, MethodOptions(combine=combine, **options))

    def query(self, cases: CaseInput | TestSignatures, *, method: AttributionMethod | str | None = None,
              signature: SignatureSpec | None = None, layer: int | None = None, epochs: Epochs = "last", k: int = 100,
              chunk_rows: int = 8192, snippet_chars: int = 160, backend: str = "local", client: Any = None,
              combine: str = "none", groups: bool = True, lexical_floor: bool = False,
              side_split: bool = False, shared_answer: bool = True) -> AttributionResult:
        """Top-k training rows per test case, or for the behaviour the cases show.

        Args:
            cases: TestCase(s), prompt strings, (prompt, response) pairs, dicts, or precomputed `TestSignatures`.
            method: An `AttributionMethod`, a registered name, or None: the registry's default
                (`provenance.attribution.registry.DEFAULT_METHOD`, the same as ``provenance query``'s).
            signature: Signature variant of a method built by name (default `DEFAULT_VARIANT`).
            layer: Its layer (default: the run's default layer).
            epochs: Its row selection: an epoch number, "last", "all" or "mean".
            k: Rows per test case.
            chunk_rows: Rows per streamed block of the local scoring backend.
            snippet_chars: Characters of prompt and response text per ranked row (0: none, no token reads).
            backend: Scoring backend of a signature method built by name (`provenance.attribution.backends`).
            client: A dask.distributed Client for the dask backends.
            combine: "none" (one ranking per case) or "mean" (one ranking of the behaviour the cases show: each
                row's mean score; query name "behaviour").
            groups: Look for competing groups among each ranking's top rows (`provenance.attribution.groups`).
                The detection examines the top 100 rows whatever ``k`` (fewer can miss two competing groups, and
                the report must not depend on ``k``), so the method ranks ``max(k, 200)`` rows deep
                (`ranking_depth`; the rows below the examined ones are the relevance test's null); the result
                holds exactly the top ``k`` (the same ranking as with ``groups=False``), and a group's rows may
                rank below it (the report says so). Reads the top rows' stored sides
                at every captured layer, the continuation's and a background sample; a text-only method's cases get
                one forward pass for the relevance test. Measured cost in the groups module doc.
            lexical_floor: Compare each ranking with a text baseline and warn on a sharp disagreement
                (`provenance.attribution.lexical_floor`; decodes and scores every row of the store, O(rows)).
            side_split: Rank each query by its prompt side (``h_last_c``) and its response side (``h_mean_c``) at the
                run's default layer and warn when their top-k share no more rows than chance
                (`provenance.attribution.side_split`; two streamed scorings of the last epoch's rows, and one
                forward pass of the cases where the method computed no states there). Checked whatever the method,
                text methods included.
            shared_answer: Warn when the answer, word for word, is the response of rows of two or more sources
                among the top 100 rows (`provenance.attribution.shared_answer`; with ``groups`` the rows examined
                are those the groups report examines, else the top ``k``; decodes those rows' responses).

        Returns:
            The `AttributionResult`: ranking, source shares, the method as it ran, its explanation, competing
            groups, warnings, side splits and shared answers.

        Raises:
            BehaviourNotShownError: A prompt-only case's greedy answer is empty or a refusal.
            ValueError: A bad ``combine``, or method options that do not fit the method.
            MissingCaptureError: The store lacks a layer, part or token state the method reads (the message says
                what to capture).
        """
        if combine not in COMBINE_MODES:
            raise ValueError(f"combine must be one of {COMBINE_MODES}, got {combine!r}")
        t0 = time.perf_counter()
        method = self.resolve_method(method, combine=combine, signature=signature, layer=layer, epochs=epochs,
                             chunk_rows=chunk_rows, backend=backend, client=client)
        method.check(self)
        needs = method.requirements(self)
        if isinstance(cases, TestSignatures):
            test = cases
        else:
            test = self.signatures(cases, needs.layers, needs.case_token_layers) if needs.layers else self.text_only(cases)
        # With groups on, the method ranks deeper and the user gets its top k; the rows below feed the detection.
        groups_at = needs.layers[0] if needs.layers else None
        depth = ranking_depth(k, len(self.store)) if groups else k
        deep = method.rank(self, test, depth) if combine == "none" else method.rank_behaviour(self, test, depth)
        ranking = _head(deep, k)
        seconds = time.perf_counter() - t0
        names = [BEHAVIOUR_QUERY] if combine == "mean" else test.names()
        row_info = method.row_table(self, ranking.rows)
        table = self.describe(test, ranking.scores, ranking.rows, snippet_chars=snippet_chars,
                              aggregated=ranking.epochs_averaged, names=names, table=row_info)
        wording = None
        if ranking.wording is not None:
            wording = self.describe(test, *ranking.wording, snippet_chars=snippet_chars, names=names)
        result = AttributionResult(ranking=table, sources=source_shares(table), method=_label(method, ranking),
                                   seconds=seconds, scores=ranking.scores, rows=ranking.rows, wording=wording,
                                   explanation=dict(ranking.explanation))
        deeper, deep_info = None, row_info
        if deep is not ranking and (groups or shared_answer):   # the examined and continuation rows (no text)
            deep_info = method.row_table(self, deep.rows)
            deeper = self.describe(test, deep.scores, deep.rows, snippet_chars=0, aggregated=deep.epochs_averaged,
                                   names=names, table=deep_info)
        if groups:
            result.groups, result.checks["groups"] = competing_groups(
                self, table, test=test, combine=combine, layer=groups_at, row_info=deep_info, deeper=deeper)
            for info in result.checks["groups"].values():
                info["depth"] = depth
        if lexical_floor and not is_lexical(result.method):
            result.warnings, result.checks["lexical_floor"] = text_baseline_check(self, test, table, combine=combine)
        if side_split:
            result.side_splits, result.checks["side_split"] = side_split_check(self, test, table, combine=combine)
        if shared_answer:
            _, shown, _ = query_tops(table)
            result.shared_answers, result.checks["shared_answer"] = shared_answer_check(
                self, test, table if deeper is None else deeper, combine=combine,
                shown={str(q): len(top) for q, top in shown.items()}, row_info=deep_info)
        return result

    # ---- output ------------------------------------------------------------------------------------------
    def decode_row(self, row: int, prompt_len: int | None = None, ids: np.ndarray | None = None) -> tuple[str, str]:
        """(prompt text, response text) of a stored row, special tokens removed."""
        ids = self.store.tokens(int(row)) if ids is None else ids
        p = int(self.samples["prompt_len"].iloc[int(row)] if prompt_len is None else prompt_len)
        dec = lambda x: self.tokenizer.decode(x.tolist(), skip_special_tokens=True)  # noqa: E731
        return dec(ids[:p]), dec(ids[p:])

    def describe(self, test: TestSignatures, scores: np.ndarray, rows: np.ndarray, *, snippet_chars: int = 160,
                 aggregated: bool = False, names: list[str] | None = None,
                 table: pd.DataFrame | None = None) -> pd.DataFrame:
        """The ranking table of ``scores`` and ``rows`` (`describe_rows`), with text snippets of the ranked rows.

        Args:
            test: The test cases (their names label the rankings unless ``names`` is given).
            scores: ``[Q, k']`` scores.
            rows: ``[Q, k']`` store rows.
            snippet_chars: Characters of text per row (0: none, no token reads).
            aggregated: The rows stand for samples averaged over epochs.
            names: Query names of the Q rankings.
            table: sample_id / source / epoch / prompt_len of the ranked rows (index = row), when read from
                elsewhere than the samples table (the query index).
        """
        df = self.samples if table is None else table
        texts: dict[int, tuple[str, str]] = {}
        if snippet_chars:  # one batched read of the ranked rows' tokens
            unique = list(dict.fromkeys(int(r) for r in np.asarray(rows).reshape(-1)))
            for r, ids in zip(unique, self.store.tokens_of(unique) if unique else []):
                texts[r] = self.decode_row(r, df.at[r, "prompt_len"], ids)
        return describe_rows(test.names() if names is None else names, scores, rows, df, texts,
                             snippet_chars=snippet_chars, epochs_averaged=aggregated)


def _head(ranking: Ranking, k: int) -> Ranking:
    """``ranking`` cut to its top ``k`` (itself when it holds no more): what a query for ``k`` rows returns."""
    if ranking.scores.shape[1] <= k and (ranking.wording is None or ranking.wording[0].shape[1] <= k):
        return ranking
    wording = None if ranking.wording is None else (ranking.wording[0][:, :k], ranking.wording[1][:, :k])
    return Ranking(ranking.scores[:, :k], ranking.rows[:, :k], explanation=ranking.explanation, label=ranking.label,
                   wording=wording, epochs_averaged=ranking.epochs_averaged)


def _label(method: AttributionMethod, ranking: Ranking) -> str:
    return ranking.label if ranking.label is not None else method.name
