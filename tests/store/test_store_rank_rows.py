"""rank_rows: one rank's first committed rows, a few columns, the same values as samples() and verified reads."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from provenance.errors import StoreCorruptError, StoreNotFoundError, StoreValueError
from provenance.store import StoreWriter, open_store, rank_rows
from store_testdata import MODEL, RUN_ATTRS, make_rows


def _write(url, run: str, rank: int, batches) -> None:
    """``batches``: (first sample index, rows, epoch) each; run "pairs" has str ids and pair_id/role columns."""
    with StoreWriter(str(url), run, rank=rank, world_size=2, model=MODEL, run_attrs=RUN_ATTRS, shard_rows=8,
                     chunk_rows=4, shard_tokens=64, wait_for_run_s=10) as w:
        for step, (i0, n, epoch) in enumerate(batches, start=1):
            w.put(make_rows(i0, n, epoch=epoch, step=step, **ROWS_KW[run]))


ROWS_KW = {"pairs": {"columns": True, "str_ids": True}, "plain": {}}
# Rank 0: 21 rows (epochs 1, 1, 2), rank 1: 13 rows (epochs 1, 2): shards of 8 rows, so 21 ends mid-shard.
BATCHES = {0: [(0, 9, 1), (9, 7, 1), (16, 5, 2)], 1: [(100, 6, 1), (106, 7, 2)]}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    url = tmp_path_factory.mktemp("rank-rows") / "s.zarr"
    for run in ("pairs", "plain"):
        for rank in (0, 1):
            _write(url, run, rank, BATCHES[rank])
    return url


@pytest.mark.parametrize("run", ["pairs", "plain"])
@pytest.mark.parametrize("rank,n_rows", [(0, 1), (0, 8), (0, 9), (0, 16), (0, 21), (1, 5), (1, 13)])
def test_rank_rows_equals_that_ranks_rows_of_samples(store, run, rank, n_rows):
    df = open_store(store, run=run).samples()
    want = df[df["rank"] == rank].iloc[:n_rows].reset_index(drop=True)
    got = rank_rows(str(store), run, rank, n_rows)
    cols = ["sample_id", "epoch", "role"] if run == "pairs" else ["sample_id", "epoch"]
    assert list(got.columns) == cols
    pd.testing.assert_frame_equal(got, want[cols])
    # Against the writer's values too (not only against another reader path).
    i0 = BATCHES[rank][0][0]
    ids = [f"id-{k}" for k in range(i0, i0 + n_rows)] if run == "pairs" else list(range(i0, i0 + n_rows))
    epochs = np.concatenate([[e] * n for _, n, e in BATCHES[rank]])[:n_rows]
    assert got["sample_id"].tolist() == ids
    assert got["epoch"].tolist() == epochs.tolist()
    if run == "pairs":
        assert got["role"].tolist() == ["chosen" if k % 2 else "rejected" for k in range(i0, i0 + n_rows)]


def test_other_columns_and_no_optional_ones(store):
    got = rank_rows(str(store), "pairs", 1, 4, columns=("sample_id", "step", "pair_id"), optional_columns=())
    assert got.to_dict("list") == {"sample_id": ["id-100", "id-101", "id-102", "id-103"], "step": [1, 1, 1, 1],
                                   "pair_id": [50, 50, 51, 51]}


def test_zero_rows_and_a_rank_without_rows(store):
    empty = rank_rows(str(store), "plain", 0, 0)
    assert len(empty) == 0 and list(empty.columns) == ["sample_id", "epoch"]
    assert len(rank_rows(str(store), "plain", 7, 0)) == 0  # never written: nothing to read, nothing asked
    with pytest.raises(StoreNotFoundError, match=r"run 'plain' has no rows of rank 7 \(no plain/rank-7 group\); "
                                                 r"asked for its first 3"):
        rank_rows(str(store), "plain", 7, 3)


def test_more_rows_than_committed_are_refused(store):
    with pytest.raises(StoreNotFoundError, match=r"run 'plain' rank 1 has 13 committed rows; asked for its first 14"):
        rank_rows(str(store), "plain", 1, 14)


@pytest.mark.parametrize("bad", [-1, 2.0, True, "3"])
def test_bad_row_count(store, bad):
    with pytest.raises(StoreValueError, match=r"n_rows must be an int >= 0, got "):
        rank_rows(str(store), "plain", 0, bad)


@pytest.mark.parametrize("name", ["rank", "n_tokens", "tokens", "layer-1", "layer-1/h_last", ""])
def test_names_that_are_not_stored_row_columns(store, name):
    with pytest.raises(StoreValueError, match="is not a stored row column"):
        rank_rows(str(store), "plain", 0, 3, columns=("sample_id", name))


def test_a_required_column_the_run_does_not_store(store):
    with pytest.raises(StoreNotFoundError, match=r"rank 0 stores no column 'role'; columns: \['epoch', 'loss', "
                                                 r"'prompt_len', 'sample_id', 'source', 'step'\]"):
        rank_rows(str(store), "plain", 0, 3, columns=("sample_id", "role"))


def test_reads_only_the_rows_and_columns_asked_for(tmp_path):
    url = tmp_path / "s.zarr"
    _write(url, "pairs", 0, BATCHES[0])
    group = url / "pairs" / "rank-0"
    os.remove(group / "loss" / "c" / "0")  # a column not asked for
    with pytest.raises(StoreCorruptError, match="pairs/rank-0/loss: committed rows 0-7 have no stored shard"):
        open_store(url).samples()  # what the whole-run read hits
    assert rank_rows(str(url), "pairs", 0, 21)["sample_id"].tolist() == [f"id-{k}" for k in range(21)]
    os.remove(group / "sample_id" / "c" / "2")  # rows 16-20: beyond the rows asked for
    assert rank_rows(str(url), "pairs", 0, 16)["sample_id"].tolist() == [f"id-{k}" for k in range(16)]
    with pytest.raises(StoreCorruptError, match="pairs/rank-0/sample_id: committed rows 16-20 have no stored shard"):
        rank_rows(str(url), "pairs", 0, 17)


def test_damage_in_the_rows_read_is_refused(tmp_path):
    url = tmp_path / "s.zarr"
    _write(url, "pairs", 0, BATCHES[0])
    group = url / "pairs" / "rank-0"
    os.remove(group / "epoch" / "c" / "1")
    with pytest.raises(StoreCorruptError, match=r"pairs/rank-0/epoch: committed rows 8-15 have no stored shard "
                                                 r"\(pairs/rank-0/epoch/c/1 is missing"):
        rank_rows(str(url), "pairs", 0, 9)
    # A role column whose metadata is gone is damage, not a run without roles (the ledger's keys would change).
    os.remove(group / "role" / "zarr.json")
    with pytest.raises(StoreCorruptError, match=r"pairs/rank-0/role: the array is missing \(no zarr.json\) but rows "
                                                 r"0-20 are committed"):
        rank_rows(str(url), "pairs", 0, 3)
