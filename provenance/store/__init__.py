"""Zarr v3 storage of captured per-sample signatures (schema version 1)."""

from provenance.store.encoding import (
    DEFAULT_ENCODING,
    ENCODINGS,
    decode,
    encode,
    measure_encodings,
    project,
    projection_matrix,
)
from provenance.store.reader import StoreReader, committed_rows_before_step, list_runs, open_store, rank_rows
from provenance.store.rows import CaptureRows
from provenance.store.schema import SCHEMA_VERSION
from provenance.store.verify import StoreProblem, verify_store
from provenance.store.writer import StoreWriter, check_store_compatible

__all__ = [
    "CaptureRows",
    "DEFAULT_ENCODING",
    "ENCODINGS",
    "SCHEMA_VERSION",
    "StoreProblem",
    "StoreReader",
    "StoreWriter",
    "check_store_compatible",
    "committed_rows_before_step",
    "decode",
    "encode",
    "list_runs",
    "measure_encodings",
    "open_store",
    "project",
    "projection_matrix",
    "rank_rows",
    "verify_store",
]
