"""A store on S3 (moto's S3 server over HTTP on localhost): two ranks write, commit, resume and query one table;
ownership records refuse a second writer; a backend without exclusive create is named at setup."""

from __future__ import annotations

import logging
import os

import numpy as np
import pytest
from s3_server import s3_endpoint, s3_url  # noqa: F401  (fixtures)
from store_testdata import MODEL, RUN_ATTRS, check_store, make_rows

from provenance.attribution.backends import get_backend
from provenance.attribution.signatures import VARIANTS
from provenance.errors import StoreLockedError
from provenance.store import StoreWriter, open_store, ownership

pytest.importorskip("s3fs")


def _writer(url, storage_options, **kw):
    return StoreWriter(url, "run", model=MODEL, run_attrs=RUN_ATTRS, shard_rows=16, chunk_rows=8, shard_tokens=256,
                       storage_options=storage_options, **kw)


def _write_two_ranks(url: str, storage_options: dict | None) -> None:
    """Rank 0 holds samples 0..59, rank 1 samples 100..129; rank 0 resumes from a checkpoint taken at 40 rows."""
    rank0 = _writer(url, storage_options, rank=0, world_size=2)
    rank1 = _writer(url, storage_options, rank=1, world_size=2)
    rank0.put(make_rows(0, 25))
    rank0.put(make_rows(25, 15))
    rank1.put(make_rows(100, 30))
    assert rank0.flush() == 40 and rank1.flush() == 30  # the checkpoint records 40 rows for rank 0
    rank0.put(make_rows(40, 11, step=2))  # rows after the checkpoint: committed, then dropped by the resume
    assert rank0.close() == 51 and rank1.close() == 30
    resumed = _writer(url, storage_options, rank=0, world_size=2, resume_committed=40)
    assert resumed.committed == 40
    resumed.put(make_rows(40, 20))
    assert resumed.close() == 60


EXPECTED_IDS = np.r_[np.arange(60), np.arange(100, 130)]


@pytest.fixture(scope="module")
def stores(s3_endpoint, tmp_path_factory):  # noqa: F811
    """The same two-rank history written to S3 and to a local directory."""
    url = f"s3://{s3_endpoint.new_bucket()}/store.zarr"
    _write_two_ranks(url, s3_endpoint.storage_options)
    local = str(tmp_path_factory.mktemp("s3-twin") / "store.zarr")
    _write_two_ranks(local, None)
    return url, s3_endpoint.storage_options, local


def test_two_ranks_write_commit_and_resume_read_as_one_table(stores):
    url, options, _ = stores
    reader = open_store(url, storage_options=options)  # verifies every shard and commit on the way
    assert reader.committed == {0: 60, 1: 30}
    check_store(reader, EXPECTED_IDS)
    df = reader.samples()
    # The resumed rank continued exactly at its checkpoint: rows 40..59 are the resumed writer's (step 1), the 11
    # rows put after the checkpoint (step 2) are gone.
    assert (df["step"] == 1).all()
    # Both owners released their records: the run lists only its rank groups.
    fs = pytest.importorskip("s3fs").S3FileSystem(**options)
    assert sorted(p.rsplit("/", 1)[-1] for p in fs.ls(f"{url[len('s3://'):]}/run")) == ["rank-0", "rank-1", "zarr.json"]


@pytest.mark.parametrize("backend", ["local", "dask"])
@pytest.mark.parametrize("name", ["rept_norm", "g_last"])  # h_last alone: its massive dim makes most cosines ~1
def test_top_k_over_s3_equals_local_store(stores, backend, name):
    url, options, local_url = stores
    s3, local = open_store(url, storage_options=options), open_store(local_url)
    signature = VARIANTS[name]
    layer = 3
    # Queries: the features of stored rows 5, 70 (rank 1) and 44 (the resumed writer's) and two random directions.
    blocks = {p: local.array(layer, p, rows=[5, 70, 44]) for p in signature.parts}
    rng = np.random.default_rng(0)
    q = np.concatenate([signature.features(blocks), rng.standard_normal((2, sum(b.shape[1] for b in blocks.values())))])
    q = (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32)
    reference = get_backend("local").top_k_features(local, layer, signature, q, 12, epochs="all",
                                                    samples=local.samples(), chunk_rows=7)
    got = get_backend(backend).top_k_features(s3, layer, signature, q, 12, epochs="all", samples=s3.samples(),
                                              chunk_rows=7)
    np.testing.assert_array_equal(got[1], reference[1])  # same stored bytes, same ranking
    np.testing.assert_allclose(got[0], reference[0], rtol=0, atol=1e-6)
    assert got[1][:3, 0].tolist() == [5, 70, 44]  # each copied row ranks first for its own query...
    np.testing.assert_allclose(got[0][:3, 0], 1.0, atol=1e-5)  # ...with cosine 1


def test_second_writer_to_the_same_s3_rank_is_refused(s3_endpoint, s3_url, caplog):  # noqa: F811
    options = s3_endpoint.storage_options
    with caplog.at_level(logging.WARNING, logger="provenance.store.ownership"):
        first = _writer(s3_url, options, rank=0, world_size=2)
    assert "cannot create a file exclusively" not in caplog.text  # s3fs >= 2025.7: conditional writes
    with pytest.raises(StoreLockedError, match=rf"run 'run' rank 0 is being written by another writer: pid "
                                               rf"{os.getpid()} .*owner record {s3_url}/run/owner-rank-0/zarr.json"):
        _writer(s3_url, options, rank=0, world_size=2)
    other = _writer(s3_url, options, rank=1, world_size=2)  # another rank is another group
    first.put(make_rows(0, 4))
    other.put(make_rows(100, 3))
    assert first.close() == 4 and other.close() == 3
    assert open_store(s3_url, storage_options=options).committed == {0: 4, 1: 3}


def test_the_s3_server_honours_exclusive_create(s3_endpoint, s3_url):  # noqa: F811
    """The atomicity the owner record relies on is the endpoint's: If-None-Match on a PUT of an existing key fails."""
    fs = s3_endpoint.filesystem()
    path = f"{s3_url[len('s3://'):]}/probe"
    with fs.open(path, "xb") as f:
        f.write(b"first")
    with pytest.raises(FileExistsError), fs.open(path, "xb") as f:
        f.write(b"second")
    assert fs.cat_file(path) == b"first"


def test_s3fs_without_conditional_writes_states_the_limitation_at_setup(s3_endpoint, s3_url, monkeypatch,  # noqa: F811
                                                                         caplog):
    """Bad input: a backend that cannot create the owner record exclusively (s3fs older than 2025.7) is named when
    the writer starts, and the write-then-reread fallback still refuses a second writer that starts later."""
    s3fs = pytest.importorskip("s3fs")
    monkeypatch.setattr(s3fs, "__version__", "2025.5.0")
    monkeypatch.setattr(ownership, "SETTLE_S", 0.2)
    options = s3_endpoint.storage_options
    with caplog.at_level(logging.WARNING, logger="provenance.store.ownership"):
        first = _writer(s3_url, options)
    assert (f"provenance store {s3_url}: the S3FileSystem backend cannot create a file exclusively, so ownership of "
            "run 'run' rank 0 is taken by writing an owner record and re-reading it after 0.2 s; two writers started "
            "within the store's write latency of each other could both proceed. Start one writer per run and rank."
            ) in caplog.text
    with pytest.raises(StoreLockedError, match=f"pid {os.getpid()}"):
        _writer(s3_url, options)
    first.put(make_rows(0, 5))
    assert first.close() == 5
    check_store(open_store(s3_url, storage_options=options), np.arange(5))
