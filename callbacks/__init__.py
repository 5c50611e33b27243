"""Training-framework adapters, imported as `provenance.callbacks`. Each framework is imported only when used."""
from __future__ import annotations

__all__ = ["ProvenanceCallback", "ProvenanceTrainerCallback"]


def __getattr__(name: str):
    if name == "ProvenanceCallback":
        from provenance.callbacks.lightning import ProvenanceCallback

        return ProvenanceCallback
    if name == "ProvenanceTrainerCallback":
        from provenance.callbacks.hf import ProvenanceTrainerCallback

        return ProvenanceTrainerCallback
    raise AttributeError(f"module 'provenance.callbacks' has no attribute {name!r}")
