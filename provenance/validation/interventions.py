"""Data interventions on training records (dicts with a `sample_id`): drop ids, relabel DPO pairs, random controls.

Every function returns new records in the original order and never mutates its input, so the remaining samples keep
their relative order (the retraining sampler relies on that, see `retrain.py`).
"""
from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

from provenance.errors import ValidationInputError
from provenance.hf import repeated_ids


def record_ids(records: Sequence[dict]) -> list[str]:
    """Every record's id as text; a missing or repeated id is an error (interventions address samples by id)."""
    ids = []
    for i, r in enumerate(records):
        if "sample_id" not in r or r["sample_id"] is None:
            raise ValidationInputError(f"training record {i} has no `sample_id`; interventions address samples by id "
                                       "(provenance.hf.with_sample_ids derives stable ids)")
        ids.append(str(r["sample_id"]))
    dup = [k for k, _ in repeated_ids(ids)]
    if dup:
        raise ValidationInputError(f"training ids repeat ({dup[:5]}); every record needs its own `sample_id`")
    return ids


def _check_known(records: Sequence[dict], ids: Iterable) -> set[str]:
    wanted = {str(i) for i in ids}
    missing = wanted - set(record_ids(records))
    if missing:
        raise ValidationInputError(f"{len(missing)} id(s) to intervene on are not in the training data: "
                                   f"{sorted(missing)[:5]}")
    return wanted


def drop_samples(records: Sequence[dict], ids: Iterable) -> list[dict]:
    """The records without those ids, in their original order."""
    wanted = _check_known(records, ids)
    return [dict(r) for r in records if str(r["sample_id"]) not in wanted]


def relabel_pairs(records: Sequence[dict], ids: Iterable) -> list[dict]:
    """DPO records with `chosen` and `rejected` swapped for those ids (everything else unchanged)."""
    wanted = _check_known(records, ids)
    out = []
    for r in records:
        r = dict(r)
        if str(r["sample_id"]) in wanted:
            if "chosen" not in r or "rejected" not in r:
                raise ValidationInputError(f"record {r['sample_id']!r} has no chosen/rejected pair to relabel "
                                           "(relabelling is for DPO preference data; use mode 'drop' for SFT)")
            r["chosen"], r["rejected"] = r["rejected"], r["chosen"]
        out.append(r)
    return out


def random_ids(records: Sequence[dict], k: int, seed: int) -> list[str]:
    """k ids drawn uniformly without replacement from all records (the control: same k, no ranking)."""
    ids = record_ids(records)
    if not 0 <= k <= len(ids):
        raise ValidationInputError(f"cannot draw k={k} random ids from {len(ids)} records")
    return random.Random(f"provenance-validate-random:{seed}").sample(ids, k)


def apply_intervention(records: Sequence[dict], mode: str, ids: Iterable) -> list[dict]:
    if mode == "drop":
        return drop_samples(records, ids)
    if mode == "relabel":
        return relabel_pairs(records, ids)
    raise ValidationInputError(f"unknown intervention mode {mode!r}; choose 'drop' or 'relabel'")
