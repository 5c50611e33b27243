"""Training-framework adapters, imported as `provenance.callbacks`. Each framework is imported only when used."""
from __future__ import annotations

__all__ = ["CaptureConfig", "ProvenanceCallback", "ProvenanceTrainerCallback", "SplineFeatureCallback"]


def __getattr__(name: str):
    if name == "CaptureConfig":  # what both capture callbacks take as config=
        from provenance.capture.config import CaptureConfig

        return CaptureConfig
    if name == "ProvenanceCallback":
        from provenance.callbacks.lightning import ProvenanceCallback

        return ProvenanceCallback
    if name == "ProvenanceTrainerCallback":
        from provenance.callbacks.hf import ProvenanceTrainerCallback

        return ProvenanceTrainerCallback
    if name == "SplineFeatureCallback":
        from provenance.callbacks.spline import SplineFeatureCallback

        return SplineFeatureCallback
    raise AttributeError(f"module 'provenance.callbacks' has no attribute {name!r}")
