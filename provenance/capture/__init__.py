"""Capture engine: find layers in any HF causal LM and record per-sample representations and their gradients."""
from provenance.capture.config import CaptureConfig, CaptureOptions
from provenance.capture.engine import REFERENCE_SIGNATURES, SIGNATURES, CaptureEngine
from provenance.capture.layer_choice import (
    LayerChoice, choose_layers, default_token_layer_index, resolve_token_layers, spread_layers,
)
from provenance.capture.model_layout import LAYER_CONVENTION, ModelLayout, find_layout, model_fingerprint

__all__ = [
    "CaptureConfig", "CaptureOptions", "REFERENCE_SIGNATURES", "SIGNATURES", "CaptureEngine", "LayerChoice",
    "choose_layers", "spread_layers",
    "default_token_layer_index", "resolve_token_layers", "LAYER_CONVENTION",
    "ModelLayout", "find_layout", "model_fingerprint",
]
