"""The query API's former single module, kept importable for scripts written against it.

Its parts now live in modules named by concern; import them from there:

* `provenance.attribution.cases`: `TestCase`, `as_cases`, `eval_mode`, `greedy_responses`, `tokenize_cases`;
* `provenance.attribution.case_signatures`: `TestSignatures`, `compute_signatures`, `run_engine`;
* `provenance.attribution.attributor`: `Attributor`, `check_model`, `COMBINE_MODES`, `BEHAVIOUR_QUERY`;
* `provenance.attribution.results`: `AttributionResult`, `source_shares`;
* `provenance.attribution.signature_method`: `SignatureMethod`;
* `provenance.attribution.signatures`: `default_layer`; `provenance.attribution.topk`: `mean_of_rankings`.
"""
from provenance.attribution.attributor import BEHAVIOUR_QUERY, COMBINE_MODES, Attributor, check_model
from provenance.attribution.case_signatures import TestSignatures, compute_signatures, run_engine
from provenance.attribution.cases import TestCase, as_cases, eval_mode, greedy_responses, tokenize_cases
from provenance.attribution.results import AttributionResult, source_shares
from provenance.attribution.signature_method import SignatureMethod
from provenance.attribution.signatures import default_layer
from provenance.attribution.topk import mean_of_rankings

__all__ = [
    "AttributionResult", "Attributor", "BEHAVIOUR_QUERY", "COMBINE_MODES", "SignatureMethod", "TestCase",
    "TestSignatures", "as_cases", "check_model", "compute_signatures", "default_layer", "eval_mode",
    "greedy_responses", "mean_of_rankings", "method_label", "run_engine", "source_shares", "tokenize_cases",
]


def method_label(method) -> str:
    """A method's label: its ``name`` (`AttributionMethod.name`)."""
    return str(getattr(method, "name", type(method).__name__))
