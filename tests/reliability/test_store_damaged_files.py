"""Missing, truncated or garbled chunk and metadata files: reads raise StoreCorruptError naming the file or array
and the rows (never fill values read as data), and verify_store lists exactly the damaged parts."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from provenance.errors import StoreCorruptError
from provenance.store import StoreProblem, StoreWriter, committed_rows_before_step, open_store, verify_store
from store_testdata import MODEL, RUN_ATTRS, check_store, make_rows, token_lengths

RANK = "default/rank-0"


@pytest.fixture
def store(tmp_path) -> Path:
    """The issue's layout: 32 rows in shards of 8 (so rows 8-15 are shard 1), tokens in shards of 64."""
    url = tmp_path / "s.zarr"
    with StoreWriter(str(url), "default", model=MODEL, run_attrs=RUN_ATTRS, shard_rows=8, chunk_rows=4,
                     shard_tokens=64) as w:
        for i in range(0, 32, 4):
            w.put(make_rows(i, 4, step=i // 4))
    return url


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _garble(path: Path) -> None:
    path.write_bytes(np.random.default_rng(0).integers(0, 256, path.stat().st_size, dtype=np.uint8).tobytes())


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def test_the_issue_reproduction_missing_sample_id_and_g_last_shards(store):
    os.remove(store / RANK / "sample_id/c/1")
    os.remove(store / RANK / "layer-3/g_last/c/2/0")
    reader = open_store(store)
    with pytest.raises(StoreCorruptError) as info:
        reader.samples()
    assert str(info.value).startswith(
        f"{store}/{RANK}/sample_id: committed rows 8-15 have no stored shard ({RANK}/sample_id/c/1 is missing: "
        "deleted, or lost in a copy); reading them would give fill values (zeros). Restore the store")
    with pytest.raises(StoreCorruptError, match=rf"{RANK}/layer-3/g_last: committed rows 16-23 have no stored shard"):
        reader.array(3, "g_last")
    with pytest.raises(StoreCorruptError, match=r"layer-3/g_last: committed rows 16-23"):
        list(reader.iter_chunks(3, "g_last", chunk_rows=8))
    with pytest.raises(StoreCorruptError, match=r"layer-3/g_last: committed rows 16-23"):
        reader.to_dask(3, "g_last").compute()
    with pytest.raises(StoreCorruptError, match=r"layer-3/g_last: committed rows 16-23"):
        reader.array(3, "g_last", rows=[3, 17])
    # Rows outside the damage still read exactly.
    from store_testdata import signature
    got = reader.array(3, "g_last", rows=[0, 9, 31])
    np.testing.assert_allclose(got, signature(np.array([0, 9, 31]), 3, "g_last"), rtol=1e-3)

    assert verify_store(store) == [
        StoreProblem(f"{RANK}/layer-3/g_last", (16, 23), f"shard {RANK}/layer-3/g_last/c/2/0 is missing"),
        StoreProblem(f"{RANK}/sample_id", (8, 15), f"shard {RANK}/sample_id/c/1 is missing"),
    ]
    with pytest.raises(StoreCorruptError, match=r"2 damaged parts found: default/rank-0/layer-3/g_last rows 16-23"):
        open_store(store, verify=True)


@pytest.mark.parametrize("damage", [_truncate, _garble, _empty])
@pytest.mark.parametrize("array,key,rows", [
    ("layer-1/h_last", "c/2/0", (16, 23)),   # sharded float16 payload
    ("layer-1/h_last_scale", "c/0", (0, 7)),  # sharded float32 scale
    ("source", "c/3", (24, 31)),             # unsharded zstd strings
])
def test_a_damaged_shard_is_reported_with_its_array_and_rows(store, damage, array, key, rows):
    damage(store / RANK / array / key)
    reader = open_store(store)
    with pytest.raises(StoreCorruptError) as info:
        if array == "source":
            reader.samples()
        else:
            reader.array(1, "h_last")
    if damage is _empty:  # zarr would read an empty shard object as fill values: caught before decoding
        assert f"{RANK}/{array}: committed rows {rows[0]}-{rows[1]} have no stored shard ({RANK}/{array}/{key} is " \
               "empty (0 bytes): cut short); reading them would give fill values (zeros)" in str(info.value)
    else:
        assert f"{RANK}/{array}: committed rows {rows[0]}-{rows[1]} cannot be decoded (shard {RANK}/{array}/{key})" \
            in str(info.value)
    (problem,) = verify_store(store)
    assert (problem.path, problem.rows) == (f"{RANK}/{array}", rows)
    assert problem.what.startswith(f"shard {RANK}/{array}/{key} is empty (0 bytes)" if damage is _empty
                                   else f"shard {RANK}/{array}/{key} cannot be decoded: ")


def test_missing_token_shard_names_tokens_and_rows(store):
    ends = np.cumsum(token_lengths(np.arange(32)))
    os.remove(store / RANK / "tokens/ids/c/2")  # tokens 128-191
    first, last = int(np.searchsorted(ends, 128, side="right")), int(np.searchsorted(ends, 191, side="right"))
    reader = open_store(store)
    check_store_rows = [r for r in range(32) if ends[r] <= 128 or (r and ends[r - 1] >= 192)]
    for row in check_store_rows[:3]:
        reader.tokens(row)  # rows whose tokens lie elsewhere read fine
    with pytest.raises(StoreCorruptError, match=rf"{RANK}/tokens/ids: committed tokens 128-191 \(rows {first}-"
                                                rf"{min(last, 31)}\) have no stored shard"):
        reader.tokens(first)
    assert verify_store(store) == [StoreProblem(f"{RANK}/tokens/ids", (first, min(last, 31)),
                                                f"tokens 128-191: shard {RANK}/tokens/ids/c/2 is missing")]


def test_a_shard_of_zeros_is_stored_and_not_mistaken_for_damage(tmp_path):
    """epoch 0 and step 0 fill whole shards with the fill value: they are still stored objects."""
    with StoreWriter(str(tmp_path), "run", model=MODEL, run_attrs=RUN_ATTRS, shard_rows=8, chunk_rows=4) as w:
        w.put(make_rows(0, 16, epoch=0, step=0))
    assert sorted(os.listdir(tmp_path / "run/rank-0/epoch/c")) == ["0", "1"]
    assert verify_store(tmp_path) == []
    assert open_store(tmp_path).samples()["epoch"].tolist() == [0] * 16


def test_groups_written_before_every_shard_was_stored_are_not_flagged(store):
    """Older writers left no object for a shard of fill values: without the group's mark, absence is not damage."""
    import zarr

    group = zarr.open_group(str(store / RANK), mode="r+")
    attrs = group.attrs.asdict()
    attrs.pop("every_shard_stored")
    group.attrs.clear()
    group.update_attributes(attrs)
    os.remove(store / RANK / "epoch/c/1")  # an old store's all-zero epoch shard
    assert verify_store(store) == []
    assert open_store(store).samples()["epoch"].tolist() == [1] * 8 + [0] * 8 + [1] * 16


@pytest.mark.parametrize("damage", [_truncate, _garble, _empty])
@pytest.mark.parametrize("meta", ["zarr.json", "default/zarr.json", f"{RANK}/zarr.json", f"{RANK}/layer-3/zarr.json",
                                  f"{RANK}/layer-3/g_last/zarr.json", f"{RANK}/tokens/end/zarr.json"])
def test_a_damaged_metadata_file_is_named_by_path(store, damage, meta):
    damage(store / meta)
    with pytest.raises(StoreCorruptError) as info:
        reader = open_store(store)
        reader.samples()
        reader.array(3, "g_last")
    assert str(info.value).startswith(f"{store}/{meta}: ")
    assert "The store's structure cannot be read" in str(info.value)
    problems = verify_store(store)
    assert problems[0].path == meta and problems[0].rows is None
    assert problems[0].what.startswith("metadata file cannot be read: ")
    assert len(problems) == 1


def test_a_truncated_metadata_file_quotes_the_parse_error_once(store):
    """A truncated zarr.json: the message quotes the JSON error as Python prints it ("msg: line L column C"; it
    once read "starting at at line")."""
    meta = f"{RANK}/layer-3/g_last/zarr.json"
    (store / meta).write_bytes(b'{\n  "zarr_format": 3,\n  "node_type": "gro')  # cut inside a string: 41 bytes
    what = "not valid JSON (Unterminated string starting at: line 3 column 16; 41 bytes: truncated?)"
    with pytest.raises(StoreCorruptError) as info:
        open_store(store).array(3, "g_last")
    assert str(info.value) == (f"{store}/{meta}: {what}. The store's structure cannot be read. Restore the store "
                               "from a copy or capture the run again; `provenance inspect --check` lists every "
                               "damaged part")
    assert verify_store(store) == [StoreProblem(meta, None, f"metadata file cannot be read: {what}")]


@pytest.mark.filterwarnings("ignore:Object at loss is not recognized")  # zarr's own notice of the bare folder
def test_a_missing_array_metadata_file_is_damage_when_rows_are_committed(store):
    os.remove(store / RANK / "loss/zarr.json")
    with pytest.raises(StoreCorruptError, match=rf"{RANK}/loss: the array is missing \(no zarr.json\) but rows "
                                                r"0-31 are committed"):
        open_store(store).samples()
    assert StoreProblem(f"{RANK}/loss", (0, 31), "array is missing: the committed rows have no values here") \
        in verify_store(store)


def test_resume_point_and_resume_refuse_damage(store):
    os.remove(store / RANK / "step/c/3")
    with pytest.raises(StoreCorruptError, match=rf"{RANK}/step: committed rows 24-31 have no stored shard"):
        committed_rows_before_step(str(store), "default", 0, 7)
    os.remove(store / RANK / "loss/c/2")
    # Resuming at row 20 reloads rows 16-19 of the partial shard: a missing one must not come back as zeros.
    with pytest.raises(StoreCorruptError, match=rf"{RANK}/loss: committed rows 16-19 have no stored shard"):
        StoreWriter(str(store), "default", model=MODEL, run_attrs=RUN_ATTRS, shard_rows=8, chunk_rows=4,
                    shard_tokens=64, resume_committed=20)


def test_undamaged_store_reads_exactly_and_verifies_clean(store):
    check_store(open_store(store, verify=True), np.arange(32))
    assert verify_store(store, run="default") == []
