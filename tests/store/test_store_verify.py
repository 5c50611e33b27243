"""verify_store / open_store(verify=True) and the cost of verified reads."""

from __future__ import annotations

import os
import uuid
from collections import Counter

import numpy as np
import pytest
import zarr
from store_testdata import MODEL, RUN_ATTRS, check_store, make_rows, token_lengths

from provenance.errors import StoreCorruptError, StoreNotFoundError
from provenance.store import StoreProblem, StoreWriter, open_store, verify_store


def _write(url, run="run", n=40, **kw):
    with StoreWriter(str(url), run, model=MODEL, run_attrs=RUN_ATTRS, shard_rows=8, chunk_rows=4, shard_tokens=64,
                     **kw) as w:
        for i in range(0, n, 5):
            w.put(make_rows(i, 5, step=i))


def test_problem_text():
    assert str(StoreProblem("r/rank-0/sample_id", (8, 15), "shard r/rank-0/sample_id/c/1 is missing")) == \
        "r/rank-0/sample_id rows 8-15: shard r/rank-0/sample_id/c/1 is missing"
    assert str(StoreProblem("zarr.json", None, "metadata file cannot be read: not valid JSON")) == \
        "zarr.json: metadata file cannot be read: not valid JSON"


def test_verify_one_run_or_all_runs(tmp_path):
    _write(tmp_path, "a")
    _write(tmp_path, "b")
    os.remove(tmp_path / "b/rank-0/loss/c/0")
    want = [StoreProblem("b/rank-0/loss", (0, 7), "shard b/rank-0/loss/c/0 is missing")]
    assert verify_store(tmp_path) == want
    assert verify_store(tmp_path, run="b") == want
    assert verify_store(tmp_path, run="a") == []
    check_store(open_store(tmp_path, run="a", verify=True), np.arange(40))
    with pytest.raises(StoreCorruptError, match=r"1 damaged part found: b/rank-0/loss rows 0-7: shard "):
        open_store(tmp_path, run="b", verify=True)
    with pytest.raises(StoreNotFoundError, match="run 'c' not found"):
        verify_store(tmp_path, run="c")
    with pytest.raises(StoreNotFoundError, match="no provenance store"):
        verify_store(tmp_path / "nothing")


def test_memory_store_is_verified_through_fsspec_listings():
    url = f"memory://{uuid.uuid4().hex}/s.zarr"
    _write(url)
    assert verify_store(url) == []
    import fsspec

    fs = fsspec.filesystem("memory")
    path = url.removeprefix("memory://")
    fs.rm(f"/{path}/run/rank-0/layer-3/h_last/c/1/0")
    fs.pipe(f"/{path}/run/rank-0/step/c/2", b"")
    assert verify_store(url) == [
        StoreProblem("run/rank-0/layer-3/h_last", (8, 15), "shard run/rank-0/layer-3/h_last/c/1/0 is missing"),
        StoreProblem("run/rank-0/step", (16, 23), "shard run/rank-0/step/c/2 is empty (0 bytes)"),
    ]
    with pytest.raises(StoreCorruptError, match=r"run/rank-0/layer-3/h_last: committed rows 8-15 have no stored"):
        open_store(url).array(3, "h_last")


def test_token_state_arrays_are_verified_by_tokens_and_rows(tmp_path):
    with StoreWriter(str(tmp_path), "run", model=MODEL, run_attrs=RUN_ATTRS, shard_rows=8, chunk_rows=4,
                     shard_tokens=64, shard_token_states=64) as w:
        for i in range(0, 20, 5):
            rows = make_rows(i, 5)
            n_tokens = sum(len(t) for t in rows.token_ids)
            rows.token_states = {1: np.ones((n_tokens, 4), np.float32)}
            w.put(rows)
    ends = np.cumsum(token_lengths(np.arange(20)))
    os.remove(tmp_path / "run/rank-0/layer-1/h_tok/c/1/0")  # tokens 64-127
    first, last = int(np.searchsorted(ends, 64, side="right")), int(np.searchsorted(ends, 127, side="right"))
    reader = open_store(tmp_path)
    with pytest.raises(StoreCorruptError, match=rf"layer-1/h_tok: committed tokens 64-127 \(rows {first}-{last}\) "
                                                "have no stored shard"):
        reader.token_states(1, [first])
    assert reader.token_states(1, [0])[0].shape == (int(ends[0]), 4)
    assert verify_store(tmp_path) == [StoreProblem("run/rank-0/layer-1/h_tok", (first, last),
                                                   "tokens 64-127: shard run/rank-0/layer-1/h_tok/c/1/0 is missing")]


def test_verified_reads_read_each_shard_once_and_list_each_array_once(tmp_path, monkeypatch):
    _write(tmp_path, n=40)
    gets: Counter = Counter()
    lists: Counter = Counter()
    get, walk = zarr.storage.LocalStore.get, os.walk

    async def counting_get(self, key, *args, **kwargs):
        gets[key] += 1
        return await get(self, key, *args, **kwargs)

    def counting_walk(top, *args, **kwargs):
        lists[str(top)] += 1
        return walk(top, *args, **kwargs)

    monkeypatch.setattr(zarr.storage.LocalStore, "get", counting_get)
    monkeypatch.setattr(os, "walk", counting_walk)
    reader = open_store(tmp_path)
    gets.clear()
    got = np.concatenate([reader.array(3, "h_last"), reader.array(3, "h_last", rows=[1, 2, 39])])
    verified = Counter({k: n for k, n in gets.items() if "/c/" in k})

    gets.clear()  # the same reads straight from zarr, unverified
    group = zarr.open_group(str(tmp_path), mode="r")["run/rank-0/layer-3"]
    for sel in (slice(0, 40), [1, 2, 39]):
        for name in ("h_last", "h_last_scale"):
            group[name].get_orthogonal_selection((sel,) + ((slice(None),) if name == "h_last" else ()))
    raw = Counter({k: n for k, n in gets.items() if "/c/" in k})
    assert verified == raw and sum(raw.values()) >= 10
    assert sorted(lists.values()) == [1, 1] and all(k.endswith("/c") for k in lists)  # one listing per array
    assert got.shape == (43, 16)
