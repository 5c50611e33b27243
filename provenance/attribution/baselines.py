"""Baselines on the same API as the RepT family (``Attributor.query(cases, method=...)``).

* `RandomMethod`: seeded uniform scores (the chance level of every metric).
* `repsim(layer)`: RepSim, the cosine of hidden states (h-only signature); `gradient_only(layer)`: g-only.
* `TfidfMethod`: lexical TF-IDF (scikit-learn's ``TfidfVectorizer``) of the test response against each training
  response decoded from the stored token ids, lower-cased or case-kept; ``field="prompt+response"`` matches the
  whole conversation; `Bm25Method` the same with Okapi BM25 weights.
* `LoraGradMethod`: TracIn / LESS style. Per-sample gradient of the trainable (LoRA) parameters of the sample's
  own mean response cross-entropy, computed by re-running every stored training sample (stored token ids and
  prompt length rebuild the labels: no dataset needed) with the final model, sketched to ``dim`` dimensions by a
  seeded CountSketch (each parameter coordinate goes to one of ``dim`` buckets with a random sign: an unbiased
  Johnson-Lindenstrauss-type projection that needs no dense [n_params, dim] matrix), and compared by cosine.

Every method ranks store rows selected by ``epochs`` ("last" by default; text and re-pass methods score a
sample's rows alike, so use "last" to rank each sample once).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch

from provenance.attribution.cases import eval_mode
from provenance.attribution.method import AttributionMethod, Ranking
from provenance.attribution.signature_method import SignatureMethod
from provenance.attribution.signatures import Signature
from provenance.attribution.topk import select_rows, top_k_rows
from provenance.data import IGNORE_INDEX

if TYPE_CHECKING:
    from provenance.attribution.attributor import Attributor
    from provenance.attribution.case_signatures import TestSignatures


class RandomMethod(AttributionMethod):
    """Seeded uniform scores: the chance level of every metric."""

    def __init__(self, seed: int = 0, epochs="last"):
        self.seed, self.epochs = seed, epochs

    @property
    def name(self) -> str:
        return f"random(seed={self.seed})"

    def rank(self, att: Attributor, test: TestSignatures, k: int) -> Ranking:
        mask = select_rows(att.samples, self.epochs)
        rng = np.random.default_rng(self.seed)
        scores = rng.random((len(mask), len(test)), dtype=np.float32)
        return Ranking(*top_k_rows([(0, scores)], len(test), k, mask))


def repsim(layer: int | None = None, part: str = "h_mean", epochs="last") -> SignatureMethod:
    """RepSim: cosine of hidden representations (``h_mean`` or ``h_last``) at ``layer``."""
    if not part.startswith("h_"):
        raise ValueError("RepSim compares hidden states: part must be h_mean or h_last")
    m = SignatureMethod(Signature((part,), name=f"repsim[{part}]"), layer, epochs)
    return m


def gradient_only(layer: int | None = None, part: str = "g_mean", epochs="last") -> SignatureMethod:
    """Representation-gradient cosine alone (``g_mean`` or ``g_last``)."""
    if not part.startswith("g_"):
        raise ValueError("gradient-only compares representation gradients: part must be g_mean or g_last")
    return SignatureMethod(Signature((part,), name=f"grad[{part}]"), layer, epochs)


def _texts(att: Attributor, rows: np.ndarray, field: str) -> list[str]:
    out = []
    for r in rows:
        prompt, resp = att.decode_row(int(r))
        out.append(resp if field == "response" else f"{prompt}\n{resp}")
    return out


def _query_texts(att: Attributor, test: TestSignatures, field: str) -> list[str]:
    if field == "response":
        return [c.response for c in test.cases]
    # Rendered and decoded exactly like the training side (chat template included).
    dec = lambda x: att.tokenizer.decode(x.tolist(), skip_special_tokens=True)  # noqa: E731
    return [f"{dec(ids[:p])}\n{dec(ids[p:])}" for ids, p in zip(test.input_ids, test.prompt_len.tolist())]


class TfidfMethod(AttributionMethod):
    """Cosine of TF-IDF vectors (sublinear tf off, l2-normalised) fitted on the selected training texts."""

    def __init__(self, lowercase: bool = True, field: str = "response", epochs="last", **vectorizer_kw):
        if field not in ("response", "prompt+response"):
            raise ValueError("field must be 'response' or 'prompt+response'")
        self.lowercase, self.field, self.epochs, self.kw = lowercase, field, epochs, vectorizer_kw

    @property
    def name(self) -> str:
        return f"tfidf({'lower' if self.lowercase else 'case-kept'}, {self.field})"

    def rank(self, att: Attributor, test: TestSignatures, k: int) -> Ranking:
        # scikit-learn is slow to import: loaded when this baseline runs
        from sklearn.feature_extraction.text import TfidfVectorizer

        mask = select_rows(att.samples, self.epochs)
        rows = np.flatnonzero(mask)
        docs = _texts(att, rows, self.field)
        vec = TfidfVectorizer(lowercase=self.lowercase, **self.kw)
        x = vec.fit_transform(docs)
        q = vec.transform(_query_texts(att, test, self.field))
        scores = np.asarray((x @ q.T).todense(), np.float32)
        full = np.zeros((len(mask), len(test)), np.float32)
        full[rows] = scores
        return Ranking(*top_k_rows([(0, full)], len(test), k, mask))


class Bm25Method(AttributionMethod):
    """Okapi BM25 (k1, b) of the query response's terms over the selected training texts (sklearn tokenisation)."""

    def __init__(self, lowercase: bool = True, field: str = "response", epochs="last", k1: float = 1.5, b: float = 0.75):
        self.lowercase, self.field, self.epochs, self.k1, self.b = lowercase, field, epochs, k1, b

    @property
    def name(self) -> str:
        return f"bm25({'lower' if self.lowercase else 'case-kept'}, {self.field})"

    def rank(self, att: Attributor, test: TestSignatures, k: int) -> Ranking:
        # scikit-learn is slow to import: loaded when this baseline runs
        from sklearn.feature_extraction.text import CountVectorizer

        mask = select_rows(att.samples, self.epochs)
        rows = np.flatnonzero(mask)
        vec = CountVectorizer(lowercase=self.lowercase)
        tf = vec.fit_transform(_texts(att, rows, self.field)).tocsc().astype(np.float64)
        n = tf.shape[0]
        df = np.asarray((tf > 0).sum(0)).ravel()
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        lengths = np.asarray(tf.sum(1)).ravel()
        norm = self.k1 * (1 - self.b + self.b * lengths / max(lengths.mean(), 1e-9))
        tf = tf.tocsr()
        weighted = tf.copy()
        weighted.data = weighted.data * (self.k1 + 1) / (weighted.data + np.repeat(norm, np.diff(tf.indptr)))
        q = (vec.transform(_query_texts(att, test, self.field)) > 0).astype(np.float64)
        scores = np.asarray((weighted.multiply(idf[None, :]) @ q.T).todense(), np.float32)
        full = np.zeros((len(mask), len(test)), np.float32)
        full[rows] = scores
        return Ranking(*top_k_rows([(0, full)], len(test), k, mask))


class CountSketch:
    """Seeded sparse random projection R^p -> R^dim: coordinate i goes to bucket h(i) with sign s(i)."""

    def __init__(self, sizes: list[int], dim: int, seed: int = 0):
        g = torch.Generator().manual_seed(int(seed))
        self.dim, self.seed = int(dim), int(seed)
        self.buckets = [torch.randint(0, self.dim, (n,), generator=g) for n in sizes]
        self.signs = [torch.randint(0, 2, (n,), generator=g).float() * 2 - 1 for n in sizes]

    def __call__(self, grads: list[torch.Tensor]) -> np.ndarray:
        out = torch.zeros(self.dim, dtype=torch.float64)
        for g, idx, sign in zip(grads, self.buckets, self.signs):
            out.index_add_(0, idx, (g.detach().reshape(-1).double().cpu() * sign))
        return out.float().numpy()


def trainable_parameters(model) -> list[tuple[str, torch.nn.Parameter]]:
    """The LoRA parameters (names containing ``lora_``; an adapter loaded for inference has them frozen), else
    the parameters with ``requires_grad``."""
    params = [(n, p) for n, p in model.named_parameters() if "lora_" in n]
    params = params or [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    if not params:
        raise ValueError("the model has no LoRA and no trainable parameters: parameter-gradient attribution needs "
                         "the adapter (PEFT model) or parameters with requires_grad=True")
    return params


def sample_gradients(model, samples: list[tuple[np.ndarray, int]], sketch: CountSketch) -> np.ndarray:
    """Sketched gradients [n, dim] of each (token ids, prompt length) sample's mean response cross-entropy with
    respect to `trainable_parameters` (their ``requires_grad`` flags and ``.grad`` are left as they were)."""
    params = [p for _, p in trainable_parameters(model)]
    flags = [p.requires_grad for p in params]
    device = params[0].device
    out = np.zeros((len(samples), sketch.dim), np.float32)
    try:
        for p in params:
            p.requires_grad_(True)
        with eval_mode(model), torch.enable_grad():
            for i, (ids, plen) in enumerate(samples):
                x = torch.as_tensor(np.asarray(ids, np.int64), device=device)[None]
                labels = x.clone()
                labels[:, : int(plen)] = IGNORE_INDEX
                loss = model(input_ids=x, labels=labels).loss
                out[i] = sketch(_grads(loss, params))
    finally:
        for p, f in zip(params, flags):
            p.requires_grad_(f)
    return out


def _grads(loss, params):
    gs = torch.autograd.grad(loss, params, allow_unused=True)
    return [torch.zeros_like(p) if g is None else g for g, p in zip(gs, params)]


# Where `LoraGradMethod` keeps the training rows' sketched gradients on the attributor (`Attributor.cached`).
TRAIN_GRADIENTS_SLOT = "lora-grad: training gradients"


class LoraGradMethod(AttributionMethod):
    """TracIn/LESS-style cosine of sketched per-sample gradients of the trainable parameters (final model)."""

    def __init__(self, dim: int = 1024, seed: int = 0, epochs="last"):
        self.dim, self.seed, self.epochs = dim, seed, epochs

    @property
    def name(self) -> str:
        return f"lora-grad(countsketch {self.dim})"

    def train_gradients(self, att: Attributor, sketch: CountSketch, rows: np.ndarray) -> np.ndarray:
        """Sketched gradients [len(rows), dim] of the stored ``rows``, computed once per attributor (cached there,
        so a later query reuses them)."""
        plen = att.samples["prompt_len"].to_numpy()
        return att.cached(TRAIN_GRADIENTS_SLOT, (sketch.dim, sketch.seed, tuple(rows.tolist())),
                          lambda: sample_gradients(att.model, [(att.store.tokens(int(r)), int(plen[r])) for r in rows],
                                                   sketch))

    def rank(self, att: Attributor, test: TestSignatures, k: int) -> Ranking:
        params = trainable_parameters(att.model)
        sketch = CountSketch([p.numel() for _, p in params], self.dim, self.seed)
        mask = select_rows(att.samples, self.epochs)
        rows = np.flatnonzero(mask)
        train = _unit(self.train_gradients(att, sketch, rows))
        q = _unit(sample_gradients(att.model, list(zip(test.input_ids, test.prompt_len.tolist())), sketch))
        full = np.zeros((len(mask), len(test)), np.float32)
        full[rows] = train @ q.T
        return Ranking(*top_k_rows([(0, full)], len(test), k, mask))


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-30)
