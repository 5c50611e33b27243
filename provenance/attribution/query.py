"""Forensic query: which stored training rows explain a model's (undesirable) answer?

    from provenance.attribution import Attributor, TestCase

    att = Attributor(store, model, tokenizer)                    # checks the model fingerprint against the store
    res = att.query([TestCase(prompt, bad_response)], k=50)      # or TestCase(prompt) -> greedy generation
    res.ranking   # DataFrame: query, rank, score, row, sample_id, source, epoch, prompt, response
    res.sources   # DataFrame: query, source, count, share (of the top-k)

Test signatures come from the same `CaptureEngine` as training-time capture: the test case is tokenised like a
training sample (`tokenize_sft`), the model runs forward with labels and backward in eval mode (dropout off), and
the engine's rows are the test signatures at the per-sample scale (the gradient of the case's own mean response
cross-entropy). The backward is `torch.autograd.grad` towards the input embeddings, so no parameter's `.grad` is
touched. If the run stored projected signatures, the test signatures get the same projection.

Scoring streams the store with `iter_chunks` and keeps a running top-k per query: memory is one chunk of rows
times the number of queries, never all rows x all queries (except epochs="mean", which keeps one running sum per
distinct sample and query).

``combine="mean"`` attributes a behaviour rather than one answer: the cases are examples of one behaviour and the
result is one ranking by each row's mean score over them (query name "behaviour"). One answer's nearest rows are
those that share its topic and wording; rows that are near every example are the ones behind the behaviour.
"""
from __future__ import annotations

import logging
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
import torch

from provenance.attribution.signatures import (
    DEFAULT_VARIANT, Signature, check_layer, get_signature, iter_features, score_blocks,
)
from provenance.attribution.topk import (
    BACKENDS, backend_top_k, bind_signature, select_rows, top_k_mean_over_epochs, top_k_rows,
)
from provenance.capture import CaptureEngine, find_layout, model_fingerprint
from provenance.capture.engine import SIGNATURES
from provenance.data import IGNORE_INDEX, SFTCollator, tokenize_sft
from provenance.errors import CaptureInputError, StoreMismatchError
from provenance.store import StoreReader, open_store, projection_matrix

log = logging.getLogger(__name__)


@dataclass
class TestCase:
    """A prompt and the response to explain; ``response=None`` explains the model's own greedy answer."""

    __test__ = False  # not a pytest class

    prompt: str
    response: str | None = None
    name: str | None = None


@dataclass
class TestSignatures:
    """Per-case signatures of the test cases (rows aligned with ``cases``), and what was scored."""

    __test__ = False

    cases: list[TestCase]
    arrays: dict[int, dict[str, np.ndarray]]   # layer -> part -> [n_cases, d] float32 (projected like the store)
    input_ids: list[np.ndarray]
    prompt_len: np.ndarray
    loss: np.ndarray
    # Read in the same forward when a method asks (`token_layers_needed`): per case, the hidden states of every
    # token at each token layer ([n_tokens, d], not projected) and the log-probabilities of its response tokens.
    token_states: dict[int, list[np.ndarray]] = field(default_factory=dict)
    response_logprobs: list[np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.cases)

    def names(self) -> list[str]:
        return [c.name if c.name is not None else f"q{i}" for i, c in enumerate(self.cases)]


@dataclass
class AttributionResult:
    ranking: pd.DataFrame
    sources: pd.DataFrame
    method: str
    seconds: float
    scores: np.ndarray = field(repr=False)   # [Q, k'] best first
    rows: np.ndarray = field(repr=False)     # [Q, k'] global store rows
    # Rows whose words the answers reuse, when that is not the ranking (`AutoMethod` overruled token match);
    # same columns as ``ranking``.
    wording: pd.DataFrame | None = None

    def summary(self) -> pd.DataFrame:
        """Share of the top-k per source over all queries."""
        return (self.sources.groupby("source")["count"].sum() / self.sources["count"].sum()).rename("share").reset_index()


def as_cases(cases) -> list[TestCase]:
    if isinstance(cases, TestCase):
        return [cases]
    out = []
    for c in cases:
        if isinstance(c, TestCase):
            out.append(c)
        elif isinstance(c, str):
            out.append(TestCase(c))
        elif isinstance(c, dict):
            out.append(TestCase(c["prompt"], c.get("response"), c.get("name")))
        elif isinstance(c, (tuple, list)) and len(c) == 2:
            out.append(TestCase(c[0], c[1]))
        else:
            raise TypeError(f"a test case is a TestCase, a prompt string, a (prompt, response) pair or a dict; got {c!r}")
    if not out:
        raise CaptureInputError("no test cases given")
    return out


@contextmanager
def eval_mode(model):
    was = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was)


@torch.no_grad()
def greedy_responses(model, tokenizer, prompts: Sequence[str], *, max_new_tokens: int = 64, chat: bool = True,
                     system: str | None = None, batch: int = 8) -> list[str]:
    """The model's greedy answers (text, special tokens removed) to prompts rendered like training prompts."""
    out = []
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    try:
        with eval_mode(model):
            for i in range(0, len(prompts), batch):
                chunk = prompts[i: i + batch]
                if chat:
                    msgs = [([{"role": "system", "content": system}] if system is not None else []) + [{"role": "user", "content": p}]
                            for p in chunk]
                    texts = [tokenizer.apply_chat_template(m, tokenize=False, add_generation_prompt=True) for m in msgs]
                    enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
                else:
                    enc = tokenizer(list(chunk), return_tensors="pt", padding=True)
                device = next(model.parameters()).device
                enc = {k: v.to(device) for k, v in enc.items()}
                gen = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                                     pad_token_id=tokenizer.pad_token_id)
                out += tokenizer.batch_decode(gen[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)
    finally:
        tokenizer.padding_side = side
    return [o.strip() for o in out]


def tokenize_cases(tokenizer, cases: list[TestCase], *, max_length: int = 512, chat: bool = True,
                   system: str | None = None) -> list[dict]:
    """Tokenise test cases exactly like training samples (`tokenize_sft`: cut on the right at ``max_length``).

    A case longer than ``max_length`` tokens is cut like a training sample and logged as a warning naming the case
    and its original and kept token counts. A case without response tokens is an error: an empty response, or a
    prompt of ``max_length`` tokens or more (the cut leaves no response token: raise ``max_length``)."""
    feats = []
    for i, c in enumerate(cases):
        label = _case_label(i, c)
        if c.response is None or not str(c.response).strip():
            raise CaptureInputError(
                f"test case {label} has an empty response: pass the response text to explain, or "
                "response=None to explain the model's own greedy answer"
            )
        whole = tokenize_sft(tokenizer, c.prompt, c.response, max_length=sys.maxsize, chat=chat, system=system)
        n_tokens = len(whole["input_ids"])
        n_prompt = sum(1 for l in whole["labels"] if l == IGNORE_INDEX)
        if n_prompt >= max_length:
            raise CaptureInputError(
                f"test case {label}: the prompt alone is {n_prompt} tokens, so cutting the case at max_length "
                f"{max_length} leaves no response token; raise max_length (--max-length) above {n_prompt} or "
                "shorten the prompt"
            )
        enc = whole
        if n_tokens > max_length:
            enc = tokenize_sft(tokenizer, c.prompt, c.response, max_length=max_length, chat=chat, system=system)
            log.warning("test case %s truncated to max_length %d: %d of its %d tokens kept (prompt %d, response %d "
                        "of %d); raise max_length (--max-length) to keep it whole", label, max_length,
                        len(enc["input_ids"]), n_tokens, n_prompt, len(enc["input_ids"]) - n_prompt,
                        n_tokens - n_prompt)
        n_resp = sum(1 for l in enc["labels"] if l != IGNORE_INDEX)
        if n_resp == 0:
            raise CaptureInputError(
                f"test case {label}: the response {c.response[:40]!r} tokenises to no response token "
                f"(prompt {n_prompt} tokens, max_length {max_length})"
            )
        feats.append(dict(enc, sample_id=i, source="query"))
    return feats


def _case_label(i: int, case: TestCase) -> str:
    """A case as messages name it: its query name (as in the ranking) and the start of its prompt."""
    name = case.name if case.name is not None else f"q{i}"
    prompt = " ".join(case.prompt.split())
    shown = prompt if len(prompt) <= 40 else prompt[:40] + "..."
    return f"{name} ({shown!r})"


def compute_signatures(model, tokenizer, cases, layers: Sequence[int], *, parts: Sequence[str] = SIGNATURES,
                       projection: dict | None = None, max_length: int = 512, chat: bool = True,
                       system: str | None = None, batch: int = 8, max_new_tokens: int = 64,
                       token_layers: Sequence[int] = ()) -> TestSignatures:
    """Test signatures with the training-time engine: begin, forward with labels, backward, end.

    Eval mode (dropout off), gradients on, parameters' ``.grad`` untouched. ``projection`` is the run's
    ``{"seed", "dim"}`` (or None); it applies to the signatures, not to the token states of ``token_layers``."""
    cases = as_cases(cases)
    todo = [i for i, c in enumerate(cases) if c.response is None]
    if todo:
        gen = greedy_responses(model, tokenizer, [cases[i].prompt for i in todo], max_new_tokens=max_new_tokens,
                               chat=chat, system=system)
        cases = list(cases)
        for i, g in zip(todo, gen):
            cases[i] = TestCase(cases[i].prompt, g, cases[i].name)
    feats = tokenize_cases(tokenizer, cases, max_length=max_length, chat=chat, system=system)
    input_ids = [np.asarray(f["input_ids"], np.int32) for f in feats]
    if not layers:  # text-only methods: the tokenised cases are all they need
        plen = np.array([sum(1 for l in f["labels"] if l == IGNORE_INDEX) for f in feats], np.int32)
        return TestSignatures(cases=cases, arrays={}, input_ids=input_ids, prompt_len=plen,
                              loss=np.full(len(cases), np.nan, np.float32))
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    rows = run_engine(model, feats, layers, parts=parts, pad_token_id=pad, batch=batch, token_layers=token_layers,
                      logprobs=bool(token_layers))
    arrays = {l: {p: rows[l][p] for p in parts} for l in layers}
    token_states = {}
    if token_layers:
        cuts = np.cumsum([len(ids) for ids in input_ids])[:-1]
        token_states = {l: np.split(x, cuts) for l, x in rows["token_states"].items()}
    if projection:
        mats: dict[int, np.ndarray] = {}
        for l in arrays:
            for p, x in arrays[l].items():
                d = x.shape[1]
                if d not in mats:
                    mats[d] = projection_matrix(projection["seed"], d, projection["dim"])
                arrays[l][p] = x @ mats[d]
    return TestSignatures(cases=cases, arrays=arrays, input_ids=input_ids, prompt_len=rows["prompt_len"],
                          loss=rows["loss"], token_states=token_states, response_logprobs=rows.get("response_logprobs"))


def run_engine(model, feats: list[dict], layers: Sequence[int], *, parts: Sequence[str] = SIGNATURES,
               pad_token_id: int = 0, batch: int = 8, token_layers: Sequence[int] = (), logprobs: bool = False) -> dict:
    """Drive a `CaptureEngine` over tokenised samples (dicts with input_ids, attention_mask, labels, sample_id):
    ``{layer: {part: [n, d]}, "loss": [n], "prompt_len": [n]}`` in input order, plus ``"token_states": {layer:
    [total tokens, d]}`` with ``token_layers`` and ``"response_logprobs"`` (per sample, the log-probability of each
    response token) with ``logprobs``. Eval mode, parameters' grads kept."""
    engine = CaptureEngine(model, list(layers), tuple(parts), token_layers=token_layers).attach()
    emb = find_layout(model).causal_lm.get_input_embeddings()
    # Gradients must reach the hidden states even when no parameter requires grad (a plain, frozen model): make
    # the embedding output a graph leaf and differentiate towards it.
    leaf: list[torch.Tensor] = []

    def _grad_leaf(module, args, output):
        if torch.is_grad_enabled():
            if not output.requires_grad:
                output = output.detach().requires_grad_(True)
            leaf.append(output)
            return output

    handle = emb.register_forward_hook(_grad_leaf)
    # The backward only has to reach the lowest captured layer: differentiating towards its output (not the
    # embeddings) skips every block below it (a query at the top layer back-propagates through one block).
    low: list[torch.Tensor] = []

    def _keep_low(module, args, output):
        if torch.is_grad_enabled():
            low.append(output[0] if isinstance(output, (tuple, list)) else output)

    low_handle = find_layout(model).module_for_layer(min(layers)).register_forward_hook(_keep_low) if layers else None
    collate = SFTCollator(pad_token_id)
    device = next(model.parameters()).device
    out: dict = {l: {p: [] for p in parts} for l in layers}
    loss, plen, order, lps = [], [], [], []
    tokens: dict = {l: [] for l in engine.token_layers}
    try:
        with eval_mode(model), torch.enable_grad():
            for i in range(0, len(feats), batch):
                b = collate(feats[i: i + batch])
                ids = b["sample_id"].tolist()
                tensors = {k: b[k].to(device) for k in ("input_ids", "attention_mask", "labels")}
                engine.begin(labels=tensors["labels"], input_ids=tensors["input_ids"],
                             attention_mask=tensors["attention_mask"], sample_ids=ids)
                leaf.clear()
                low.clear()
                try:
                    res = model(**tensors)
                    torch.autograd.grad(res.loss, low[:1] if low and low[0].requires_grad else leaf[:1])
                except BaseException:
                    engine.abort()
                    raise
                rows = engine.end()
                if len(rows) != len(ids):
                    raise CaptureInputError(f"capture skipped samples {rows.skipped} in a test batch")
                if logprobs:
                    lps += _response_logprobs(res.logits.detach(), tensors["labels"])
                order += list(rows.sample_id)
                loss.append(np.asarray(torch.as_tensor(rows.loss).cpu(), np.float32))
                plen.append(np.asarray(rows.prompt_len, np.int32))
                for l in layers:
                    for p in parts:
                        out[l][p].append(torch.as_tensor(rows.signatures[l][p]).float().cpu().numpy())
                for l in tokens:
                    tokens[l].append(torch.as_tensor(rows.token_states[l]).float().cpu().numpy())
    finally:
        handle.remove()
        if low_handle is not None:
            low_handle.remove()
        engine.detach()
    result: dict = {l: {p: np.concatenate(v) for p, v in d.items()} for l, d in out.items()}
    result["loss"], result["prompt_len"] = np.concatenate(loss), np.concatenate(plen)
    if tokens:
        result["token_states"] = {l: np.concatenate(v) for l, v in tokens.items()}
    if logprobs:
        result["response_logprobs"] = lps
    if order != sorted(order):
        raise RuntimeError("engine rows came back out of order")
    return result


def _response_logprobs(logits: torch.Tensor, labels: torch.Tensor) -> list[np.ndarray]:
    """Per row, log p(label) of each response token (labels != IGNORE_INDEX), read from the previous position."""
    out = []
    for i in range(labels.shape[0]):
        pos = torch.nonzero(labels[i] != IGNORE_INDEX).flatten()
        lp = torch.log_softmax(logits[i, pos - 1].float(), dim=-1)
        out.append(lp.gather(1, labels[i, pos, None]).squeeze(1).cpu().numpy())
    return out


def check_model(store: StoreReader, model, allow_model_mismatch: bool = False) -> None:
    """The model must have the geometry of the model the store was captured from (config hash)."""
    want = (store.model or {}).get("config_hash")
    got = model_fingerprint(model)["config_hash"]
    if want is not None and want != got and not allow_model_mismatch:
        raise StoreMismatchError(
            f"the store was captured from model {store.model.get('name')!r} (config_hash {want}) but this model has "
            f"config_hash {got} ({model_fingerprint(model)['fields']}); signatures would not be comparable. "
            "Pass allow_model_mismatch=True to query anyway."
        )


class Attributor:
    """Rank a store's training rows for test cases; the RepT family by default, any `Method` on request."""

    def __init__(self, store: StoreReader | str, model, tokenizer, *, allow_model_mismatch: bool = False,
                 chat: bool = True, system: str | None = None, max_length: int = 512, max_new_tokens: int = 64):
        self.store = open_store(store) if isinstance(store, str) else store
        self.model, self.tokenizer = model, tokenizer
        check_model(self.store, model, allow_model_mismatch)
        if len(self.store) == 0:
            _empty(self.store)
        self.chat, self.system, self.max_length, self.max_new_tokens = chat, system, max_length, max_new_tokens
        self._samples: pd.DataFrame | None = None

    @property
    def samples(self) -> pd.DataFrame:
        if self._samples is None:
            self._samples = self.store.samples()
        return self._samples

    def default_layer(self) -> int:
        return default_layer(self.store)

    def signatures(self, cases, layers: Sequence[int] | None = None, token_layers: Sequence[int] = ()) -> TestSignatures:
        """Test signatures at ``layers`` (default: every captured layer), projected like the store; with
        ``token_layers`` also every token's state there and the response tokens' log-probabilities (same pass)."""
        layers = list(self.store.layers if layers is None else layers)
        for l in layers:
            if l not in self.store.layers:
                raise _no_layer(self.store, l)
        parts = [p for p in SIGNATURES if p in self.store.signature_names] or list(SIGNATURES)
        return compute_signatures(self.model, self.tokenizer, cases, layers, parts=parts,
                                  projection=self.store.run_attrs.get("projection"), max_length=self.max_length,
                                  chat=self.chat, system=self.system, max_new_tokens=self.max_new_tokens,
                                  token_layers=token_layers)

    def query(self, cases, *, method=None, signature=DEFAULT_VARIANT, layer: int | None = None, epochs="last",
              k: int = 100, chunk_rows: int = 8192, snippet_chars: int = 160, backend: str = "local",
              client=None, combine: str = "none") -> AttributionResult:
        """Top-k training rows per test case. ``cases``: TestCase(s), prompt strings, pairs, or a TestSignatures.

        ``method``: None (RepT-family signature cosine with ``signature`` / ``layer`` / ``epochs``) or any object
        with ``top_k(attributor, test, k)`` (see provenance.attribution.baselines). ``combine``: "none" (one
        ranking per case) or "mean" (one ranking of the behaviour the cases show: each row's mean score)."""
        if combine not in COMBINE_MODES:
            raise ValueError(f"combine must be one of {COMBINE_MODES}, got {combine!r}")
        t0 = time.perf_counter()
        if method is None:
            method = SignatureMethod(signature, layer, epochs, chunk_rows, backend=backend, client=client)
        if isinstance(cases, TestSignatures):
            test = cases
        else:
            layers = method.layers_needed(self) if hasattr(method, "layers_needed") else []
            tokens = method.token_layers_needed(self) if hasattr(method, "token_layers_needed") else []
            test = self.signatures(cases, layers, tokens) if layers else self.text_only(cases)
        if combine == "none":
            scores, rows = method.top_k(self, test, k)
        elif hasattr(method, "top_k_combined"):
            scores, rows = method.top_k_combined(self, test, k)
        else:
            # Any other method: every row's score for every case, then the mean (methods that rank a row subset
            # rank the same subset for every case).
            full_scores, full_rows = method.top_k(self, test, len(self.samples))
            scores, rows = mean_of_rankings(full_scores, full_rows, k)
        seconds = time.perf_counter() - t0
        names = [BEHAVIOUR_QUERY] if combine == "mean" else None
        ranking = self.describe(test, scores, rows, snippet_chars=snippet_chars,
                                aggregated=getattr(method, "epochs", None) == "mean", names=names,
                                table=method.row_table(self, rows) if hasattr(method, "row_table") else None)
        wording = getattr(method, "wording", None)
        if wording is not None:
            wording = self.describe(test, *wording, snippet_chars=snippet_chars, names=names)
        return AttributionResult(ranking=ranking, sources=source_shares(ranking), method=method_label(method),
                                 seconds=seconds, scores=scores, rows=rows, wording=wording)

    def text_only(self, cases) -> TestSignatures:
        """Test cases for methods that need no model pass (greedy generation still runs for prompt-only cases)."""
        return self.signatures(cases, layers=[])

    # ---- output ------------------------------------------------------------------------------------------
    def decode_row(self, row: int, prompt_len: int | None = None, ids: np.ndarray | None = None) -> tuple[str, str]:
        ids = self.store.tokens(int(row)) if ids is None else ids
        p = int(self.samples["prompt_len"].iloc[int(row)] if prompt_len is None else prompt_len)
        dec = lambda x: self.tokenizer.decode(x.tolist(), skip_special_tokens=True)  # noqa: E731
        return dec(ids[:p]), dec(ids[p:])

    def describe(self, test: TestSignatures, scores: np.ndarray, rows: np.ndarray, *, snippet_chars: int = 160,
                 aggregated: bool = False, names: list[str] | None = None,
                 table: pd.DataFrame | None = None) -> pd.DataFrame:
        # ``table``: sample_id / source / epoch / prompt_len of the ranked rows, index = row (the index backends
        # read them from the query index); default: the samples table.
        df = self.samples if table is None else table
        names = test.names() if names is None else names
        recs = []
        cache: dict[int, tuple[str, str]] = {}
        if snippet_chars:  # one batched read of the ranked rows' tokens
            unique = list(dict.fromkeys(int(r) for r in np.asarray(rows).reshape(-1)))
            for r, ids in zip(unique, self.store.tokens_of(unique) if unique else []):
                cache[r] = self.decode_row(r, df.at[r, "prompt_len"], ids)
        for q in range(scores.shape[0]):
            for rank in range(scores.shape[1]):
                r = int(rows[q, rank])
                prompt, resp = cache.get(r, ("", ""))
                recs.append({
                    "query": names[q], "rank": rank + 1, "score": float(scores[q, rank]), "row": r,
                    "sample_id": df.at[r, "sample_id"], "source": df.at[r, "source"],
                    "epoch": "mean" if aggregated else int(df.at[r, "epoch"]),
                    "prompt": prompt[-snippet_chars:] if snippet_chars else "",
                    "response": resp[:snippet_chars] if snippet_chars else "",
                })
        return pd.DataFrame.from_records(recs, columns=["query", "rank", "score", "row", "sample_id", "source",
                                                        "epoch", "prompt", "response"])


COMBINE_MODES = ("none", "mean")
BEHAVIOUR_QUERY = "behaviour"


def mean_of_rankings(scores: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """One ranking ``([1, k'], [1, k'])`` from per-case rankings that each cover the same rows: every row's mean
    score; ties broken by the lower row (as `RunningTopK`)."""
    uniq, inv = np.unique(rows, return_inverse=True)
    counts = np.bincount(inv.ravel(), minlength=len(uniq))
    if not (counts == rows.shape[0]).all():
        raise ValueError("mean_of_rankings needs every case ranked over the same rows (pass k = every row)")
    mean = np.bincount(inv.ravel(), weights=np.asarray(scores, np.float64).ravel(), minlength=len(uniq)) / rows.shape[0]
    order = np.lexsort((uniq, -mean))[:k]
    return mean[order][None].astype(np.float32), uniq[order][None]


def source_shares(ranking: pd.DataFrame) -> pd.DataFrame:
    """Per query, each source's count and share of the top-k (shares of a query sum to 1)."""
    if ranking.empty:
        return pd.DataFrame(columns=["query", "source", "count", "share"])
    counts = ranking.groupby(["query", "source"], sort=True).size().rename("count").reset_index()
    counts["share"] = counts["count"] / counts.groupby("query")["count"].transform("sum")
    return counts.sort_values(["query", "share", "source"], ascending=[True, False, True], ignore_index=True)


class SignatureMethod:
    """Cosine of RepT-family signatures (see provenance.attribution.signatures)."""

    def __init__(self, signature=DEFAULT_VARIANT, layer: int | None = None, epochs="last", chunk_rows: int = 8192,
                 *, backend: str = "local", client=None):
        self.signature: Signature = get_signature(signature)
        self.layer, self.epochs, self.chunk_rows = layer, epochs, chunk_rows
        # "local" streams iter_chunks; "dask" / "index" / "dask-index": see topk.backend_top_k (same top-k).
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
        self.backend, self.client = backend, client

    @property
    def name(self) -> str:
        return f"{self.signature.label}@{self.layer if self.layer is not None else 'default'}/{self.epochs}"

    def layers_needed(self, att: Attributor) -> list[int]:
        return [self.layer if self.layer is not None else att.default_layer()]

    def row_table(self, att: Attributor, rows: np.ndarray) -> pd.DataFrame | None:
        """The index backends: the ranked rows' sample_id / source / epoch / prompt_len from the query index (so a
        query never loads the store's samples table); None (the samples table) for the other backends."""
        if self.backend not in ("index", "dask-index"):
            return None
        from provenance.attribution.topk_index import index_row_table

        layer = self.layer if self.layer is not None else att.default_layer()
        return index_row_table(att.store, layer, self.signature, rows)

    def top_k_combined(self, att: Attributor, test: TestSignatures, k: int):
        """Top-k of each row's mean score over the cases, streamed like `top_k` (one running top-k)."""
        return self.top_k(att, test, k, combine=True)

    def top_k(self, att: Attributor, test: TestSignatures, k: int, combine: bool = False):
        layer = self.layer if self.layer is not None else att.default_layer()
        check_layer(att.store, layer, self.signature)
        if layer not in test.arrays:
            raise ValueError(f"test signatures were computed for layers {sorted(test.arrays)}, not {layer}")
        # A centered signature carries the store's means to any backend (the index backends: the index's own).
        if self.signature.pcs:   # query-adaptive projection: no fixed features, scored on the local path only
            if self.backend != "local":
                raise ValueError(f"signature {self.signature.label} is scored on the local backend only, not {self.backend!r}")
            blocks = score_blocks(att.store, layer, self.signature.bind(att.store, layer), test.arrays[layer], self.chunk_rows)
            if combine:
                blocks = ((start, s.mean(1, keepdims=True)) for start, s in blocks)
            n_q = 1 if combine else len(test)
            if self.epochs == "mean":
                return top_k_mean_over_epochs(blocks, n_q, k, att.samples)
            return top_k_rows(blocks, n_q, k, select_rows(att.samples, self.epochs))
        sig = bind_signature(self.backend, self.signature, att.store, layer)
        q = sig.features(test.arrays[layer])
        if combine:   # the mean of a row's cosines with unit queries is its dot product with their mean
            q = q.mean(0, keepdims=True)
        if self.backend != "local":
            # The index backends select rows by the index's own epoch column: no samples table load.
            samples = None if self.backend in ("index", "dask-index") else att.samples
            return backend_top_k(self.backend, att.store, layer, sig, q, k, self.epochs, samples,
                                 client=self.client)
        blocks = ((start, feats @ q.T) for start, feats in iter_features(att.store, layer, sig, self.chunk_rows))
        if self.epochs == "mean":
            return top_k_mean_over_epochs(blocks, len(q), k, att.samples)
        return top_k_rows(blocks, len(q), k, select_rows(att.samples, self.epochs))


def method_label(method) -> str:
    return str(getattr(method, "name", type(method).__name__))


def default_layer(store: StoreReader) -> int:
    """Default layer for signature queries: the last layer of the run's spread (L-1), else its highest layer."""
    layers = store.layers
    if not layers:
        _empty(store)
    spread = (store.run_attrs.get("layer_choice") or {}).get("spread") or layers
    # Measured (benchmarks/attribution_results.md): the last spread layer (output of the last decoder block, L-1)
    # was the best layer for every leading signature on both planted behaviours; the argmin-cos layer (2 on
    # SmolLM2) the worst. Runs without a spread (explicit layers) use their highest captured layer.
    return int(spread[-1]) if spread[-1] in layers else int(layers[-1])


def _no_layer(store: StoreReader, layer: int):
    from provenance.errors import StoreNotFoundError

    return StoreNotFoundError(f"layer {layer} has no rows in run {store.run!r}; captured layers: {store.layers}")


def _empty(store: StoreReader):
    from provenance.errors import StoreNotFoundError

    raise StoreNotFoundError(f"store {store.url} (run {store.run!r}) has no committed rows: nothing to attribute to")
