"""Forensic attribution: which training samples (and tokens) made the model do this?

* `query`      — `Attributor`, `TestCase`: test signatures with the training-time engine, streaming top-k over the
                 store, ranked rows and per-source shares as DataFrames.
* `signatures` — RepT-family signatures (concat of h/g parts, raw or per-part normalised) and epoch handling.
* `token_match` — `TokenMatchMethod`: re-rank a signature's candidates by the tokens the fine-tuning changed.
* `tokens`     — token-level scores for top hits (cos of hidden states, cos of per-token gradients, grad x act).
* `baselines`  — random, RepSim, gradient-only, TF-IDF / BM25, LoRA-parameter gradients (TracIn/LESS style).
* `metrics`    — P@k, top-k auPRC (the planted-behaviour benchmark that uses them: benchmarks/attribution/).
"""
from provenance.attribution.query import (
    AttributionResult, Attributor, SignatureMethod, TestCase, TestSignatures, compute_signatures, source_shares,
)
from provenance.attribution.signatures import DEFAULT_VARIANT, VARIANTS, Signature, get_signature
from provenance.attribution.token_match import TokenMatchMethod

__all__ = [
    "AttributionResult", "Attributor", "DEFAULT_VARIANT", "Signature", "SignatureMethod", "TestCase", "TestSignatures",
    "TokenMatchMethod", "VARIANTS", "compute_signatures", "get_signature", "source_shares",
]
