"""StoreReader: tables, decoded arrays, row selection, streaming, dask, errors."""

from __future__ import annotations

import numpy as np
import pytest

from provenance.errors import StoreNotFoundError
from provenance.store import StoreWriter, open_store
from store_testdata import LAYERS, MODEL, NAMES, RUN_ATTRS, make_rows, signature, tokens


def _write(path, run="run", rows=((0, 600),), rank=0, world_size=1, **kw):
    w = StoreWriter(str(path), run, rank=rank, world_size=world_size, model=MODEL, run_attrs=RUN_ATTRS,
                    shard_rows=256, chunk_rows=64, shard_tokens=4096, **kw)
    for i0, i1 in rows:
        w.put(make_rows(i0, i1 - i0, step=i0 + 1))
    w.close()


@pytest.fixture(scope="module")
def two_rank_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("store")
    _write(path, rows=((0, 300), (300, 600)), world_size=2)
    _write(path, rows=((1000, 1450),), rank=1, world_size=2)
    return path


def _ids():
    return np.concatenate([np.arange(600), np.arange(1000, 1450)])


def test_metadata(two_rank_store):
    r = open_store(two_rank_store)
    assert r.runs == ["run"] and r.run == "run"
    assert r.model == MODEL and r.schema_version == 1
    assert r.run_attrs["hidden_size"] == RUN_ATTRS["hidden_size"]
    assert r.run_attrs["projection"] is None
    assert r.layers == sorted(LAYERS) and r.signature_names == sorted(NAMES)
    assert r.committed == {0: 600, 1: 450} and len(r) == 1050
    assert r.skipped == {}


def test_samples_table(two_rank_store):
    df = open_store(two_rank_store).samples()
    assert df.index.tolist() == list(range(1050))
    assert df["sample_id"].tolist() == _ids().tolist()
    assert df["rank"].tolist() == [0] * 600 + [1] * 450
    assert df["step"].tolist() == [1] * 300 + [301] * 300 + [1001] * 450


def test_array_rows_selection(two_rank_store):
    r = open_store(two_rank_store)
    full = r.array(3, "h_last")
    rows = [1049, 0, 599, 600, 5, 5, -1]
    np.testing.assert_array_equal(r.array(3, "h_last", rows=rows), full[rows])
    mask = np.zeros(1050, bool)
    mask[[3, 700]] = True
    np.testing.assert_array_equal(r.array(3, "h_last", rows=mask), full[[3, 700]])
    with pytest.raises(IndexError):
        r.array(3, "h_last", rows=[1050])
    want = signature(_ids(), 3, "h_last")
    assert (np.abs(full - want).max(1) / np.abs(want).max(1)).max() < 1e-3


def test_iter_chunks_and_dask_match_array(two_rank_store):
    r = open_store(two_rank_store)
    full = r.array(1, "g_last")
    starts = []
    for start, block in r.iter_chunks(1, "g_last", chunk_rows=256):
        assert len(block) <= 256
        np.testing.assert_array_equal(block, full[start:start + len(block)])
        starts.append(start)
    assert starts == [0, 256, 512, 600, 856]
    lazy = r.to_dask(1, "g_last")
    assert lazy.shape == full.shape and lazy.dtype == np.float32
    np.testing.assert_array_equal(lazy.compute(), full)
    np.testing.assert_array_equal(lazy[590:610].compute(), full[590:610])


def test_tokens(two_rank_store):
    r = open_store(two_rank_store)
    ids = _ids()
    for row in (0, 1, 299, 599, 600, 1049):
        np.testing.assert_array_equal(r.tokens(row), tokens(int(ids[row])))


def test_tokens_of_reads_only_the_rows_it_needs(two_rank_store):
    ids = _ids()
    rows = [1049, 0, 599, 600, 5, 5, -1, 601, 300]
    r = open_store(two_rank_store)
    got = r.tokens_of(rows)
    assert len(got) == len(rows)
    for row, t in zip(rows, got):
        np.testing.assert_array_equal(t, tokens(int(ids[row])))
    # a ranking's few rows must not load a rank's whole token-end column (cold 10^6-row stores)
    assert all(rk.ends is None for rk in r._ranks)
    r.tokens(3)  # loads rank 0's column; tokens_of then uses it and agrees
    assert r._ranks[0].ends is not None and r._ranks[1].ends is None
    for row, t in zip(rows, r.tokens_of(rows)):
        np.testing.assert_array_equal(t, tokens(int(ids[row])))
    assert r.tokens_of([]) == []
    with pytest.raises(IndexError):
        r.tokens_of([1050])


def test_unknown_layer_and_name(two_rank_store):
    r = open_store(two_rank_store)
    with pytest.raises(StoreNotFoundError, match=r"layer 7.*\[1, 3\]"):
        r.array(7, "h_last")
    with pytest.raises(StoreNotFoundError, match=r"'h_mean'.*g_last.*h_last"):
        r.array(3, "h_mean")


def test_run_selection(tmp_path):
    with pytest.raises(StoreNotFoundError, match="no provenance store"):
        open_store(tmp_path / "nothing")
    _write(tmp_path, run="a", rows=((0, 5),))
    _write(tmp_path, run="b", rows=((0, 7),))
    with pytest.raises(StoreNotFoundError, match=r"\['a', 'b'\]"):
        open_store(tmp_path)
    with pytest.raises(StoreNotFoundError, match=r"'c' not found.*\['a', 'b'\]"):
        open_store(tmp_path, run="c")
    assert len(open_store(tmp_path, run="b")) == 7


def test_reader_sees_only_committed_rows_and_refreshes(tmp_path):
    w = StoreWriter(str(tmp_path), "run", model=MODEL, run_attrs=RUN_ATTRS,
                    shard_rows=256, chunk_rows=64, shard_tokens=4096)
    w.put(make_rows(0, 100))
    w.flush()
    r = open_store(tmp_path)
    w.put(make_rows(100, 50))
    w.flush()
    assert len(r) == 100 and len(r.samples()) == 100 and r.array(3, "h_last").shape == (100, 16)
    r.refresh()
    assert len(r) == 150
    w.close()


def test_empty_run(tmp_path):
    StoreWriter(str(tmp_path), "run", model=MODEL, run_attrs=RUN_ATTRS).close()
    r = open_store(tmp_path)
    assert len(r) == 0 and len(r.samples()) == 0 and r.layers == []


def test_list_runs_and_rows_before_step(tmp_path):
    from provenance.store import committed_rows_before_step, list_runs

    with pytest.raises(StoreNotFoundError):
        list_runs(tmp_path)
    _write(tmp_path, run="b", rows=((0, 10), (10, 25), (25, 40)))  # steps 1, 11, 26
    _write(tmp_path, run="a", rows=((0, 3),))
    assert list_runs(tmp_path) == ["a", "b"]
    assert [committed_rows_before_step(tmp_path, "b", 0, s) for s in (0, 1, 2, 11, 26, 27)] == [0, 0, 10, 10, 25, 40]
    assert committed_rows_before_step(tmp_path, "b", 1, 5) == 0
    assert committed_rows_before_step(tmp_path, "zzz", 0, 5) == 0
