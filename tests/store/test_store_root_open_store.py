"""provenance.open_store (the package's root export) is provenance.store.open_store: same signature, verify= too."""

from __future__ import annotations

import inspect
import os

import numpy as np
import pytest

import provenance
import provenance.store
from provenance.errors import StoreCorruptError
from provenance.store import StoreWriter
from store_testdata import MODEL, RUN_ATTRS, check_store, make_rows


def test_same_signature_as_the_store_module():
    assert inspect.signature(provenance.open_store) == inspect.signature(provenance.store.open_store)
    assert list(inspect.signature(provenance.open_store).parameters) == ["url", "run", "storage_options", "verify"]


def test_verify_is_passed_through(tmp_path):
    with StoreWriter(str(tmp_path), "run", model=MODEL, run_attrs=RUN_ATTRS, shard_rows=8, chunk_rows=4) as w:
        w.put(make_rows(0, 24))
    check_store(provenance.open_store(tmp_path, run="run", verify=True), np.arange(24))
    os.remove(tmp_path / "run/rank-0/loss/c/2")
    reader = provenance.open_store(tmp_path)  # opening without verify reads no data
    assert len(reader) == 24
    with pytest.raises(StoreCorruptError, match=r"1 damaged part found: run/rank-0/loss rows 16-23: shard "
                                                 r"run/rank-0/loss/c/2 is missing"):
        provenance.open_store(tmp_path, verify=True)
