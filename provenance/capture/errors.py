"""Errors raised by the capture engine (merged into provenance.errors)."""


class ProvenanceError(Exception):
    """Base class of every error `provenance` raises on purpose."""


class CaptureConfigError(ProvenanceError, ValueError):
    """The model, the layers or the capture options cannot work together."""


class CaptureInputError(ProvenanceError, ValueError):
    """A training batch lacks what capture needs (sample ids, labels) or has an inconsistent shape."""
