"""Sample ids for Hugging Face `datasets` used with `transformers.Trainer` / TRL, and the collator that carries them.

Capture needs one id per training row. With a `sample_id` column (and optionally `source`) in the dataset, those are
used; otherwise `with_sample_ids(dataset)` derives them, one line before building the trainer::

    train = provenance.hf.with_sample_ids(train, source="my-data")   # adds "sample_id" (and "source")

Derived ids are ``"<row index>:<first 12 hex digits of sha256(row content)>"``: distinct even for duplicate rows
(the index differs), stable across runs over the same dataset, and the hash part shows when a dataset was reordered or
edited since the ids were made. `ProvenanceDataCollator` carries ids and sources past TRL's collators, which drop
every key they do not know; `ProvenanceTrainerCallback` installs it (and keeps the columns through
`remove_unused_columns`), so users rarely touch it. Nothing here imports TRL.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from provenance.errors import CaptureConfigError

__all__ = ["META_KEYS", "ProvenanceDataCollator", "check_unique_ids", "derive_sample_id", "describe_repeats",
           "repeated_ids", "with_sample_ids"]

ID_COLUMN = "sample_id"
SOURCE_COLUMN = "source"
# Keys the collator adds to batches; they never reach the model (a pre-hook strips them from every call).
META_KEYS = ("sample_id", "source", "pair_id", "role")


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if hasattr(value, "tolist"):  # numpy / torch
        return value.tolist()
    return value


def derive_sample_id(index: int, row: Mapping) -> str:
    """``"<index>:<12 hex digits of sha256 of the row's canonical JSON>"``."""
    blob = json.dumps(_canonical(dict(row)), sort_keys=True, ensure_ascii=False, default=str)
    return f"{int(index)}:{hashlib.sha256(blob.encode()).hexdigest()[:12]}"


def repeated_ids(ids: Sequence) -> list[tuple[Any, int]]:
    """(id, count) of every id that occurs more than once, in first-seen order."""
    return [(k, c) for k, c in Counter(ids).items() if c > 1]


def describe_repeats(repeats: Sequence[tuple[Any, int]], limit: int = 5) -> str:
    """``"101 x2, 'b' x3, ..."``: the first `limit` (id, count) pairs of `repeated_ids`, for error messages."""
    shown = ", ".join(f"{k!r} x{c}" for k, c in repeats[:limit])
    return shown + (", ..." if len(repeats) > limit else "")


def check_unique_ids(ids: Sequence, what: str = "dataset") -> None:
    """Raise `CaptureConfigError` naming the first duplicates: every training row needs its own id."""
    dup = repeated_ids(ids)
    if dup:
        raise CaptureConfigError(
            f"{what}: `{ID_COLUMN}` must be unique, but {len(dup)} id(s) repeat ({describe_repeats(dup)}). "
            "Fix the ids, or drop the column and let provenance.hf.with_sample_ids derive index+hash ids"
        )


def with_sample_ids(dataset, *, source: str | None = None, check_unique: bool = True):
    """The dataset with a `sample_id` column (derived when missing, checked for uniqueness when present).

    `source`: a constant `source` column to add when the dataset has none (a dataset's `source` column always wins).
    Works on `datasets.Dataset`; an `IterableDataset` must already carry `sample_id` (its length is unknown, so ids
    cannot be checked or derived up front).
    """
    columns = list(getattr(dataset, "column_names", None) or [])
    is_map_style = hasattr(dataset, "__len__") and hasattr(dataset, "map")
    if ID_COLUMN in columns:
        if check_unique and is_map_style:
            check_unique_ids(list(dataset[ID_COLUMN]))
    else:
        if not is_map_style:
            raise CaptureConfigError(
                f"{type(dataset).__name__} has no `{ID_COLUMN}` column and ids cannot be derived from a streaming "
                "dataset; add a unique `sample_id` field to every example"
            )
        dataset = dataset.map(lambda row, idx: {ID_COLUMN: derive_sample_id(idx, row)}, with_indices=True,
                              desc="provenance: deriving sample ids")
    if source is not None and SOURCE_COLUMN not in columns:
        dataset = dataset.map(lambda row: {SOURCE_COLUMN: str(source)}, desc="provenance: adding source")
    return dataset


def _plain_id(value: Any) -> Any:
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:  # numpy / torch scalars
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise CaptureConfigError(f"sample ids must be ints or strings, got {value!r} ({type(value).__name__})")
    return value


class ProvenanceDataCollator:
    """Wrap a data collator: take `sample_id` / `source` out of the examples, collate, and put them on the batch.

    `pairs=True` (preference data, TRL's `DataCollatorForPreference`): the collated batch holds the chosen rows, then
    the rejected rows; ids and sources are repeated for both halves and `pair_id` (= the example's id) and `role`
    (`"chosen"` / `"rejected"`) are added. While not `armed` (outside training: DPO's reference precompute, a plain
    `evaluate()`) the examples are still cleaned but nothing is added. Picklable, for dataloader workers.
    """

    def __init__(self, collator, *, pairs: bool = False, armed: bool = False):
        self.collator = collator
        self.pairs = pairs
        self.armed = armed

    def __repr__(self) -> str:
        return f"ProvenanceDataCollator({self.collator!r}, pairs={self.pairs}, armed={self.armed})"

    def __call__(self, examples):
        examples = list(examples)
        ids = sources = None
        if examples and isinstance(examples[0], Mapping):
            if ID_COLUMN in examples[0]:
                ids = [_plain_id(e[ID_COLUMN]) for e in examples]
            if SOURCE_COLUMN in examples[0]:
                sources = [str(e[SOURCE_COLUMN]) for e in examples]
            examples = [{k: v for k, v in e.items() if k not in META_KEYS} for e in examples]
        batch = self.collator(examples)
        if not self.armed or ids is None:
            return batch
        if self.pairs:
            n = len(ids)
            rows = _batch_rows(batch)
            if rows != 2 * n:
                raise CaptureConfigError(
                    f"preference collator returned {rows} rows for {n} pairs; capture expects the chosen rows then the "
                    "rejected rows (TRL's DataCollatorForPreference layout)"
                )
            batch["sample_id"] = ids + ids
            batch["pair_id"] = ids + ids
            batch["role"] = ["chosen"] * n + ["rejected"] * n
            if sources is not None:
                batch["source"] = sources + sources
        else:
            batch["sample_id"] = ids
            if sources is not None:
                batch["source"] = sources
        return batch


def _batch_rows(batch: Mapping) -> int:
    ids = batch.get("input_ids")
    return int(ids.shape[0]) if hasattr(ids, "shape") else len(ids)
