"""Forensic attribution: which training samples (and tokens) made the model do this?

    from provenance.attribution import Attributor, TestCase

    att = Attributor(store, model, tokenizer)
    res = att.query([TestCase(prompt, bad_response)], k=50)   # the default method, as `provenance query`
    res.ranking, res.sources, res.explanation

The public API is exported here: `Attributor` and `TestCase` to query, `AttributionResult` it returns, the method
protocol (`AttributionMethod`, `Ranking`, `Requirements`) and `register_method` to add a method by name, and the
built-in methods most often configured by hand (`SignatureMethod`, `AutoMethod`, `TokenMatchMethod`). Modules:

* `attributor`        — `Attributor`: resolves the method, computes the test signatures it needs, describes rows.
* `cases`             — `TestCase`, tokenisation like training samples, greedy answers.
* `case_signatures`   — `compute_signatures`: the test cases through the training-time capture engine.
* `method`            — the `AttributionMethod` protocol; `registry` — methods by name and the default.
* `results`           — `AttributionResult`, per-source shares.
* `signatures`        — RepT-family signatures (concat of h/g parts, raw or per-part normalised, centered).
* `signature_method`  — `SignatureMethod`; `backends` — where its scores are computed (local, dask, query index).
* `auto_choice`, `token_match`, `seed_refine` — the automatic choice per behaviour and its parts.
* `repass`            — RepT as published (training side re-passed through the final model), `provenance index`.
* `baselines`         — random, RepSim, gradient-only, TF-IDF / BM25, LoRA-parameter gradients (TracIn/LESS style).
* `topk`, `topk_index`, `dask_topk` — bounded-memory top-k, the int8 query index, dask scoring.
* `tokens`, `report`  — token-level scores of top hits; the self-contained HTML report.
* `metrics`           — P@k, top-k auPRC (the planted-behaviour benchmark that uses them: benchmarks/attribution/).
"""
from provenance.attribution.attributor import Attributor
from provenance.attribution.auto_choice import AutoMethod
from provenance.attribution.case_signatures import TestSignatures
from provenance.attribution.case_signatures import compute_signatures as compute_signatures
from provenance.attribution.cases import TestCase
from provenance.attribution.method import AttributionMethod, Ranking, Requirements
from provenance.attribution.registry import DEFAULT_METHOD, MethodOptions, register_method
from provenance.attribution.results import AttributionResult
from provenance.attribution.results import source_shares as source_shares
from provenance.attribution.signature_method import SignatureMethod
from provenance.attribution.signatures import DEFAULT_VARIANT as DEFAULT_VARIANT
from provenance.attribution.signatures import VARIANTS as VARIANTS
from provenance.attribution.signatures import Signature as Signature
from provenance.attribution.signatures import get_signature as get_signature
from provenance.attribution.token_match import TokenMatchMethod

__all__ = [
    "AttributionMethod", "AttributionResult", "Attributor", "AutoMethod", "DEFAULT_METHOD", "MethodOptions",
    "Ranking", "Requirements", "SignatureMethod", "TestCase", "TestSignatures", "TokenMatchMethod",
    "register_method",
]
# Also importable from here (the ``as`` imports above), documented in their own modules: DEFAULT_VARIANT, VARIANTS,
# Signature, get_signature (signatures), compute_signatures (case_signatures), source_shares (results).
