"""StoreWriter: whole-shard writes, commits, resume, failures, multi-rank, validation."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections import Counter

import numpy as np
import pytest
import zarr

from provenance.errors import (
    StoreExistsError,
    StoreMismatchError,
    StoreNotFoundError,
    StoreValueError,
    StoreWriteError,
)
from provenance.store import CaptureRows, StoreWriter, open_store
from provenance.store import writer as writer_mod
from provenance.store.encoding import decode, encode, projection_matrix
from store_testdata import LAYERS, MODEL, NAMES, RUN_ATTRS, check_store, make_rows, signature, token_lengths


def _writer(url, run="run", **kw):
    kw.setdefault("shard_rows", 256)
    kw.setdefault("chunk_rows", 64)
    kw.setdefault("shard_tokens", 4096)
    return StoreWriter(str(url), run, model=kw.pop("model", MODEL), run_attrs=kw.pop("run_attrs", RUN_ATTRS), **kw)


def _put_range(w, i0, i1, rng, **kw):
    i = i0
    while i < i1:
        n = min(int(rng.integers(1, 400)), i1 - i)
        w.put(make_rows(i, n, **kw))
        i += n


@pytest.fixture
def store_writes(monkeypatch, tmp_path):
    """Count LocalStore.set calls per key of a store at ``tmp_path`` (what actually reaches the disk; the writer
    writes a rank group through a store rooted at it)."""
    counts: Counter = Counter()
    original = zarr.storage.LocalStore.set

    async def counting_set(self, key, value):
        counts[(self.root / key).relative_to(tmp_path).as_posix()] += 1
        return await original(self, key, value)

    monkeypatch.setattr(zarr.storage.LocalStore, "set", counting_set)
    return counts


def _shard_writes(counts: Counter) -> dict[tuple[str, int], int]:
    """{(array path, shard index): number of writes} from store keys like 'a/b/c/3/0'."""
    out = {}
    for key, n in counts.items():
        if "/c/" in key:
            path, coords = key.split("/c/")
            out[(path, int(coords.split("/")[0]))] = n
    return out


def test_round_trip_5000_rows_each_shard_written_whole(tmp_path, store_writes):
    shard_rows, shard_tokens = 512, 32768
    rng = np.random.default_rng(0)
    w = _writer(tmp_path, shard_rows=shard_rows, chunk_rows=64, shard_tokens=shard_tokens)
    commits = []
    original_commit = w._write_commit
    w._write_commit = lambda *a: (commits.append(a[0]), original_commit(*a))
    cum_tokens = np.concatenate([[0], np.cumsum(token_lengths(np.arange(5000)))])
    partial_at_flush: Counter = Counter()  # (kind, shard index) partial at a mid-stream flush
    i = 0
    for flush_at in (1800, 3333, 5000):
        _put_range(w, i, flush_at, rng, step=i + 1)
        i = flush_at
        assert w.flush() == flush_at
        if flush_at < 5000:
            if flush_at % shard_rows:
                partial_at_flush[("rows", flush_at // shard_rows)] += 1
            if cum_tokens[flush_at] % shard_tokens:
                partial_at_flush[("tokens", int(cum_tokens[flush_at]) // shard_tokens)] += 1
    assert w.committed == 5000
    assert w.close() == 5000

    r = open_store(tmp_path)
    assert r.committed == {0: 5000}
    check_store(r, np.arange(5000))
    assert r.samples()["epoch"].eq(1).all()

    shards = _shard_writes(store_writes)
    n_row_shards = -(-5000 // shard_rows)
    n_tok_shards = -(-int(cum_tokens[-1]) // shard_tokens)
    row_arrays = {p for p, _ in shards if not p.endswith("tokens/ids")}
    # 6 base columns + tokens/end + 2 layers x 2 names x (payload + scale)
    assert len(row_arrays) == 6 + 1 + len(LAYERS) * len(NAMES) * 2
    for path in row_arrays | {"run/rank-0/tokens/ids"}:
        kind = "tokens" if path.endswith("tokens/ids") else "rows"
        for s in range(n_tok_shards if kind == "tokens" else n_row_shards):
            # Once when it was complete (or at the final flush), plus once per mid-stream flush
            # that caught it partial: never piecemeal.
            assert shards[(path, s)] == 1 + partial_at_flush[(kind, s)], (path, s)
    assert len(shards) == len(row_arrays) * n_row_shards + n_tok_shards
    # Each commit is a single metadata write of the rank group.
    assert store_writes["run/rank-0/zarr.json"] == 1 + len(commits)
    assert commits == sorted(commits) and commits[-1] == 5000


def test_memory_url_and_file_url(tmp_path):
    url = f"memory://provenance-test-{uuid.uuid4().hex}"
    with _writer(url) as w:
        w.put(make_rows(0, 300))
    check_store(open_store(url), np.arange(300))

    with _writer(f"file://{tmp_path}") as w:
        w.put(make_rows(0, 10))
    check_store(open_store(tmp_path), np.arange(10))


def test_string_ids_and_extra_columns(tmp_path):
    with _writer(tmp_path) as w:
        w.put(make_rows(0, 100, str_ids=True, columns=True))
        w.put(make_rows(100, 200, str_ids=True, columns=True))
    r = open_store(tmp_path)
    check_store(r, np.arange(300), str_ids=True)
    df = r.samples()
    assert list(df.columns) == ["sample_id", "source", "epoch", "step", "rank", "loss", "prompt_len",
                                "n_tokens", "pair_id", "role"]
    assert df["pair_id"].tolist() == (np.arange(300) // 2).tolist()
    assert df["role"].tolist() == ["chosen" if k % 2 else "rejected" for k in range(300)]
    g = zarr.open_group(str(tmp_path), mode="r")["run/rank-0"]
    assert g["pair_id"].dtype == np.int64
    assert g["sample_id"].dtype.kind == "T"


def test_mixed_id_types_are_rejected(tmp_path):
    w = _writer(tmp_path)
    rows = make_rows(0, 3)
    rows.sample_id[1] = "x"
    with pytest.raises(StoreValueError, match="mix"):
        w.put(rows)
    w.put(make_rows(0, 3))
    with pytest.raises(StoreValueError, match="int sample ids.*str"):
        w.put(make_rows(3, 3, str_ids=True))
    assert w.close() == 3


def test_batches_must_keep_their_schema(tmp_path):
    w = _writer(tmp_path)
    w.put(make_rows(0, 4, columns=True))
    with pytest.raises(StoreValueError, match="extra columns"):
        w.put(make_rows(4, 4))
    bad = make_rows(4, 4, columns=True)
    del bad.signatures[LAYERS[0]]
    with pytest.raises(StoreValueError, match="same layers"):
        w.put(bad)
    bad = make_rows(4, 4, columns=True)
    bad.loss = bad.loss[:2]
    with pytest.raises(StoreValueError, match="loss"):
        w.put(bad)
    bad = make_rows(4, 4, columns=True)
    bad.columns["rank"] = [0] * 4
    with pytest.raises(StoreValueError, match="reserved"):
        w.put(bad)
    assert w.close() == 4


def test_skipped_counts_with_empty_batches(tmp_path):
    empty = dict(sample_id=[], source=[], epoch=0, step=0, loss=np.zeros(0, np.float32),
                 prompt_len=np.zeros(0, np.int32), token_ids=[], signatures={})
    w = _writer(tmp_path)
    w.put(CaptureRows(**empty, skipped={"too_long": 2}))
    assert w.flush() == 0
    assert w.skipped == {"too_long": 2}
    w.put(make_rows(0, 10, skipped={"nonfinite": 1}))
    w.put(CaptureRows(**empty, skipped={"nonfinite": 3, "too_long": 1}))
    assert w.flush() == 10
    assert w.close() == 10
    r = open_store(tmp_path)
    assert r.skipped == {"too_long": 3, "nonfinite": 4}
    assert len(r) == 10


def test_torch_signatures_and_ready_event(tmp_path):
    torch = pytest.importorskip("torch")

    class Ready:
        calls = 0

        def synchronize(self):
            Ready.calls += 1

    rows = make_rows(0, 20)
    rows.signatures = {l: {n: torch.from_numpy(m).to(torch.bfloat16) for n, m in d.items()}
                       for l, d in rows.signatures.items()}
    rows.ready = Ready()
    with _writer(tmp_path, encoding="float32") as w:
        w.put(rows)
    assert Ready.calls == 1
    r = open_store(tmp_path)
    want = torch.from_numpy(signature(np.arange(20), 3, "h_last")).to(torch.bfloat16).float().numpy()
    np.testing.assert_array_equal(r.array(3, "h_last"), want)


@pytest.mark.parametrize("encoding,rtol", [("bfloat16", 1e-2), ("float32", 1e-7), ("int8", 1e-2)])
def test_other_encodings(tmp_path, encoding, rtol):
    with _writer(tmp_path, encoding=encoding) as w:
        w.put(make_rows(0, 300))
    r = open_store(tmp_path)
    assert r.run_attrs["encoding"]["name"] == encoding
    check_store(r, np.arange(300), rtol=rtol)


def test_projection(tmp_path):
    with _writer(tmp_path, projection={"seed": 5, "dim": 8}) as w:
        w.put(make_rows(0, 50))
    r = open_store(tmp_path)
    assert r.run_attrs["projection"] == {"seed": 5, "dim": 8}
    got = r.array(3, "h_last")
    want = signature(np.arange(50), 3, "h_last") @ projection_matrix(5, 16, 8)
    assert got.shape == (50, 8)
    assert (np.abs(got - want).max(axis=1) / np.abs(want).max(axis=1)).max() < 1e-3


def test_existing_run_requires_resume_or_overwrite(tmp_path):
    with _writer(tmp_path) as w:
        w.put(make_rows(0, 30))
    with pytest.raises(StoreExistsError) as info:
        _writer(tmp_path)
    msg = str(info.value)
    assert "30 committed rows" in msg and "new run name" in msg and "overwrite=True" in msg and "resume" in msg
    with _writer(tmp_path, overwrite=True) as w:
        w.put(make_rows(100, 5))
    check_store(open_store(tmp_path), np.arange(100, 105))


def test_model_fingerprint_mismatch(tmp_path):
    with _writer(tmp_path) as w:
        w.put(make_rows(0, 3))
    other = {"name": "other-model", "config_hash": "zzz"}
    with pytest.raises(StoreMismatchError) as info:
        _writer(tmp_path, run="run2", model=other)
    assert "other-model" in str(info.value) and "tiny-test" in str(info.value)


def test_newer_schema_version_is_refused(tmp_path):
    with _writer(tmp_path) as w:
        w.put(make_rows(0, 3))
    root = zarr.open_group(str(tmp_path), mode="r+")
    meta = dict(root.attrs["provenance"], schema_version=99)
    root.update_attributes({"provenance": meta})
    with pytest.raises(StoreMismatchError, match="schema version 99"):
        _writer(tmp_path, run="run2")
    with pytest.raises(StoreMismatchError, match="schema version 99"):
        open_store(tmp_path)


def test_resume_drops_rows_after_checkpoint(tmp_path):
    rng = np.random.default_rng(1)
    w = _writer(tmp_path)
    _put_range(w, 0, 1000, rng)
    assert w.flush() == 1000
    _put_range(w, 1000, 1300, rng)
    assert w.flush() == 1300
    w.close()
    check_store(open_store(tmp_path), np.arange(1300))

    with pytest.raises(StoreMismatchError, match="only 1300 rows"):
        _writer(tmp_path, resume_committed=1301)
    w = _writer(tmp_path, resume_committed=1000)
    assert w.committed == 1000
    check_store(open_store(tmp_path), np.arange(1000))  # truncated before any new row
    _put_range(w, 5000, 5200, rng)
    assert w.flush() == 1200
    w.close()
    r = open_store(tmp_path)
    check_store(r, np.concatenate([np.arange(1000), np.arange(5000, 5200)]))
    assert r.samples().index.tolist() == list(range(1200))


def test_thread_failure_is_reported_and_store_stays_at_last_commit(tmp_path, monkeypatch):
    w = _writer(tmp_path)
    w.put(make_rows(0, 300))
    assert w.flush() == 300
    boom = OSError("disk full")

    def failing_write(self, block):
        raise boom

    monkeypatch.setattr(writer_mod._Column, "_write_shard", failing_write)
    w.put(make_rows(300, 400))  # fills a shard: the thread fails writing it
    with pytest.raises(StoreWriteError, match="disk full") as info:
        w.flush()
    assert info.value.__cause__ is boom
    assert "300 rows" in str(info.value)
    with pytest.raises(StoreWriteError) as again:
        w.put(make_rows(700, 1))
    assert again.value.__cause__ is boom
    with pytest.raises(StoreWriteError):
        w.close()
    check_store(open_store(tmp_path), np.arange(300))


def test_non_finite_signature_fails_the_writer(tmp_path):
    w = _writer(tmp_path)
    rows = make_rows(0, 5)
    rows.signatures[3]["g_last"][2, 1] = np.inf
    w.put(rows)
    with pytest.raises(StoreWriteError, match=r"layer 3 'g_last'.*1 of 5 rows") as info:
        w.flush()
    assert isinstance(info.value.__cause__, StoreValueError)
    with pytest.raises(StoreWriteError):
        w.close()
    assert len(open_store(tmp_path)) == 0


def _file_identity(path):
    st = os.stat(path)
    with open(path, "rb") as f:
        return st.st_ino, st.st_mtime_ns, f.read()


def test_rank_groups_do_not_rewrite_parent_metadata(tmp_path):
    """zarr 3.1.6 creates missing parents with set_if_not_exists: existing zarr.json stay untouched."""
    root = zarr.create_group(str(tmp_path), attributes={"provenance": {"x": 1}})
    root.create_group("run", attributes={"provenance_run": {"y": 2}})
    before = {p: _file_identity(tmp_path / p) for p in ("zarr.json", "run/zarr.json")}
    store = zarr.storage.LocalStore(str(tmp_path))
    g = zarr.create_group(store, path="run/rank-1", attributes={"committed": 0})
    g.create_array("layer-3/h_last", shape=(4, 2), dtype="float16")
    g.update_attributes({"committed": 4})
    after = {p: _file_identity(tmp_path / p) for p in ("zarr.json", "run/zarr.json")}
    assert before == after


def test_two_ranks_write_one_run(tmp_path):
    errors = []
    results = {}

    def run_rank(rank, i0):
        try:
            w = _writer(tmp_path, rank=rank, world_size=2, wait_for_run_s=30)
            _put_range(w, i0, i0 + 700, np.random.default_rng(rank))
            results[rank] = w.close()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    t1 = threading.Thread(target=run_rank, args=(1, 10_000))
    t1.start()  # rank 1 first: it must wait for rank 0 to create the run
    t0 = threading.Thread(target=run_rank, args=(0, 0))
    t0.start()
    t0.join()
    t1.join()
    assert not errors, errors
    assert results == {0: 700, 1: 700}
    r = open_store(tmp_path)
    assert r.committed == {0: 700, 1: 700}
    ids = np.concatenate([np.arange(700), np.arange(10_000, 10_700)])
    check_store(r, ids)
    df = r.samples()
    assert df["rank"].tolist() == [0] * 700 + [1] * 700
    assert r.run_attrs["layers"] == RUN_ATTRS["layers"]
    assert r.run_attrs["encoding"]["name"] == "float16-rowscale"
    meta = json.loads((tmp_path / "zarr.json").read_text())["attributes"]["provenance"]
    assert meta["model"] == MODEL and meta["schema_version"] == 1


def test_rank_waits_for_run_then_times_out(tmp_path):
    with pytest.raises(StoreNotFoundError, match="not created by rank 0"):
        _writer(tmp_path, rank=1, world_size=2, wait_for_run_s=0.3)


def test_rank_with_other_encoding_is_refused(tmp_path):
    with _writer(tmp_path) as w:
        w.put(make_rows(0, 2))
    with pytest.raises(StoreMismatchError, match="encoding"):
        _writer(tmp_path, rank=1, world_size=2, encoding="int8", wait_for_run_s=0.3)


def test_put_after_close_and_double_close(tmp_path):
    w = _writer(tmp_path)
    w.put(make_rows(0, 2))
    assert w.close() == 2
    assert w.close() == 2
    assert w.flush() == 2
    with pytest.raises(StoreWriteError, match="closed"):
        w.put(make_rows(2, 2))


def test_encode_matches_decode_helpers():
    x = signature(np.arange(10), 1, "h_last")
    np.testing.assert_allclose(decode(*encode(x)), x, rtol=1e-3, atol=0)


def test_rank0_overwrite_drops_ranks_beyond_world_size(tmp_path):
    for rank in (0, 1):
        with _writer(tmp_path, rank=rank, world_size=2) as w:
            w.put(make_rows(rank * 100, 10))
    assert open_store(tmp_path).committed == {0: 10, 1: 10}
    with _writer(tmp_path, overwrite=True) as w:  # now a single-process run
        w.put(make_rows(500, 4))
    r = open_store(tmp_path)
    assert r.committed == {0: 4}
    check_store(r, np.arange(500, 504))


def test_rank1_writer_leaves_root_and_run_metadata_untouched(tmp_path):
    w0 = _writer(tmp_path, rank=0, world_size=2)
    before = {p: _file_identity(tmp_path / p) for p in ("zarr.json", "run/zarr.json")}
    with _writer(tmp_path, rank=1, world_size=2) as w1:
        w1.put(make_rows(100, 300))
    w0.put(make_rows(0, 300))
    w0.close()
    after = {p: _file_identity(tmp_path / p) for p in ("zarr.json", "run/zarr.json")}
    assert before == after
    assert open_store(tmp_path).committed == {0: 300, 1: 300}


def test_resume_with_other_width_fails_cleanly(tmp_path):
    with _writer(tmp_path) as w:
        w.put(make_rows(0, 10))
    w = _writer(tmp_path, resume_committed=10)
    w.put(make_rows(10, 5, d=8))
    with pytest.raises(StoreWriteError, match="width"):
        w.flush()
    with pytest.raises(StoreWriteError):
        w.close()
    check_store(open_store(tmp_path), np.arange(10))


def test_check_store_compatible(tmp_path):
    from provenance.store import check_store_compatible

    check_store_compatible(tmp_path / "new", model=MODEL, run="run")  # nothing there yet: fine
    with _writer(tmp_path) as w:
        w.put(make_rows(0, 3))
    check_store_compatible(tmp_path, model=MODEL, run="other")
    check_store_compatible(tmp_path, model=MODEL, run="run", resuming=True)
    check_store_compatible(tmp_path, model=MODEL, run="run", overwrite=True)
    with pytest.raises(StoreExistsError, match=r"run 'run'.*\{0: 3\}"):
        check_store_compatible(tmp_path, model=MODEL, run="run")
    with pytest.raises(StoreMismatchError, match="config_hash"):
        check_store_compatible(tmp_path, model={"name": "x", "config_hash": "y"}, run="other")
    assert not (tmp_path / "new").exists()
