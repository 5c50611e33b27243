"""Exception classes of the provenance library.

Each store error also derives from the closest builtin so that callers that
catch ``ValueError`` / ``FileExistsError`` / ``LookupError`` keep working.
"""

from __future__ import annotations


class ProvenanceError(Exception):
    """Base class of every error raised by provenance."""


class CaptureConfigError(ProvenanceError, ValueError):
    """The model, the layers or the capture options cannot work together."""


class CaptureInputError(ProvenanceError, ValueError):
    """A training batch lacks what capture needs (sample ids, labels) or has an inconsistent shape."""


class StoreError(ProvenanceError):
    """Base class of the storage layer's errors."""


class StoreValueError(StoreError, ValueError):
    """Data handed to the store cannot be stored (non-finite values, bad shapes, mixed types)."""


class StoreWriteError(StoreError, RuntimeError):
    """The background writer failed; ``__cause__`` holds the original exception."""


class StoreExistsError(StoreError, FileExistsError):
    """The run already holds committed rows and neither overwrite nor resume was asked for."""


class StoreMismatchError(StoreError, ValueError):
    """The store was written by another model, schema version or encoding."""


class StoreNotFoundError(StoreError, LookupError):
    """A run, rank, layer or signature name does not exist in the store."""


__all__ = [
    "ProvenanceError",
    "CaptureConfigError",
    "CaptureInputError",
    "StoreError",
    "StoreValueError",
    "StoreWriteError",
    "StoreExistsError",
    "StoreMismatchError",
    "StoreNotFoundError",
]
