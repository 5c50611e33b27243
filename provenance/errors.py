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


class ValidationInputError(ProvenanceError, ValueError):
    """Causal validation cannot run as asked (ranking without usable ids, unknown mode, records without ids)."""


__all__.append("ValidationInputError")


class DetectorError(ProvenanceError, ValueError):
    """A detector cannot be fitted or applied as asked (unsupported MLP, empty token span, unfitted detector, feature
    mismatch)."""


__all__.append("DetectorError")


class BehaviourInputError(ProvenanceError, ValueError):
    """A behaviour-level tool got input it cannot use (a store without DPO pairs, too few labelled examples, a
    direction of the wrong width, an empty response)."""


__all__.append("BehaviourInputError")


class TagError(ProvenanceError, ValueError):
    """A provenance tag scheme, tagged data or a tagged model is inconsistent (provenance.tags)."""


__all__.append("TagError")


class ResumeMismatchError(CaptureInputError):
    """A resumed training run's data loader did not continue where its checkpoint left the epoch: its batches repeat
    (sample, epoch) rows already stored before the checkpoint."""


__all__.append("ResumeMismatchError")


class StoreLockedError(StoreError, BlockingIOError):
    """Another writer that may still be running owns the run's rank group (the message names its process, host
    and last heartbeat, and how to proceed)."""


class StoreCorruptError(StoreError, ValueError):
    """Committed data or metadata of the store is missing or unreadable (the message names the file or array and
    the rows)."""


__all__ += ["StoreLockedError", "StoreCorruptError"]


class UnsupportedVersionError(CaptureConfigError):
    """An installed training framework (transformers, TRL, Lightning) is outside the versions the capture callbacks
    support (the message names the installed and the supported versions)."""


__all__.append("UnsupportedVersionError")


class MissingCaptureError(StoreNotFoundError, ValueError):
    """A query needs a layer, signature part or per-token state layer the store did not capture (the message names
    it and the capture option that stores it)."""


__all__.append("MissingCaptureError")
