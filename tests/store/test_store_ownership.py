"""Owner records of rank groups: what they hold, when another writer is refused, when a gone owner is taken over."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
import uuid
import warnings

import numpy as np
import pytest
import zarr
from store_testdata import MODEL, RUN_ATTRS, check_store, make_rows

from provenance.errors import StoreError, StoreExistsError, StoreLockedError
from provenance.store import StoreWriter, check_store_compatible, open_store, ownership

HOST = socket.gethostname()


def _writer(url, run="run", **kw):
    return StoreWriter(str(url), run, model=MODEL, run_attrs=RUN_ATTRS, shard_rows=16, chunk_rows=8,
                       shard_tokens=256, **kw)


def _record_path(url, run="run", rank=0):
    return url / run / f"owner-rank-{rank}" / "zarr.json"


def _plant(url, **fields) -> dict:
    """Write an owner record as another writer would have left it."""
    now = time.time()
    record = dict(token=uuid.uuid4().hex, pid=4242, host="elsewhere", boot_id=None, pid_namespace=None,
                  proc_start=None, started_unix=now - 60, heartbeat_unix=now, heartbeat_s=10.0)
    record.update(fields)
    path = _record_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"zarr_format": 3, "node_type": "group", "attributes": {"provenance_owner": record}}))
    return record


def test_owner_record_names_the_process_is_refreshed_and_released(tmp_path):
    w = _writer(tmp_path, heartbeat_s=0.05)
    first = json.loads(_record_path(tmp_path).read_text())["attributes"]["provenance_owner"]
    assert (first["pid"], first["host"], first["heartbeat_s"]) == (os.getpid(), HOST, 0.05)
    assert len(first["token"]) == 32 and first["started_unix"] <= first["heartbeat_unix"] <= time.time()
    time.sleep(0.4)  # the idle writer thread beats every 0.05 s
    later = json.loads(_record_path(tmp_path).read_text())["attributes"]["provenance_owner"]
    assert later["token"] == first["token"] and later["heartbeat_unix"] > first["heartbeat_unix"] + 0.2
    w.put(make_rows(0, 5))
    assert w.close() == 5
    assert not _record_path(tmp_path).parent.exists()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the run's listing holds no leftover of the record
        check_store(open_store(tmp_path), np.arange(5))


def test_a_live_owner_on_another_host_refuses_with_a_message_naming_it(tmp_path):
    _plant(tmp_path, started_unix=1_700_000_000.0)
    with pytest.raises(StoreLockedError) as info:
        _writer(tmp_path)
    msg = str(info.value)
    assert msg.startswith(f"{tmp_path}: run 'run' rank 0 is being written by another writer: pid 4242 on host "
                          "'elsewhere', writing since 2023-11-14 22:13:20 UTC, last heartbeat 0 s ago (owner record "
                          f"{_record_path(tmp_path)}; heartbeat every 10 s, counted as gone after 120 s without one). ")
    assert msg.endswith("Wait for it to finish, write to another run name, or pass overwrite=True if that writer is "
                        "gone.")
    assert isinstance(info.value, StoreError) and isinstance(info.value, BlockingIOError)
    assert not (tmp_path / "zarr.json").exists()  # refused before touching the store
    with pytest.raises(StoreLockedError, match="pid 4242 on host 'elsewhere'"):
        check_store_compatible(tmp_path, model=MODEL, run="run", rank=0)
    check_store_compatible(tmp_path, model=MODEL, run="run", rank=0, overwrite=True)
    check_store_compatible(tmp_path, model=MODEL, run="run")  # without a rank: no ownership check


@pytest.mark.parametrize("case", ["stale-heartbeat", "dead-pid", "zombie", "pid-reused", "same-process"])
def test_a_provably_gone_owner_is_taken_over(tmp_path, caplog, case):
    zombie = None
    if case == "stale-heartbeat":  # another host: only the heartbeat can tell
        _plant(tmp_path, heartbeat_unix=time.time() - 200)
        why = "no heartbeat for 200 s (gone after 120 s without one)"
    elif case == "dead-pid":
        done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        pid = int(done.stdout)
        _plant(tmp_path, pid=pid, host=HOST)
        why = f"process {pid} is no longer running on this host"
    elif case == "zombie":  # killed, not yet reaped by its parent
        zombie = subprocess.Popen(["sleep", "30"])
        zombie.kill()
        time.sleep(0.2)
        _plant(tmp_path, pid=zombie.pid, host=HOST)
        why = f"process {zombie.pid} has exited (zombie)"
    elif case == "pid-reused":  # the pid runs another program than the one that wrote the record
        _plant(tmp_path, pid=os.getppid(), host=HOST, proc_start=1)
        why = f"pid {os.getppid()} now belongs to another process"
    else:  # a record of this process whose writer is no longer open
        _plant(tmp_path, pid=os.getpid(), host=HOST)
        why = "its writer in this process is no longer open"
    try:
        with caplog.at_level(logging.WARNING, logger="provenance.store.ownership"):
            w = _writer(tmp_path)
    finally:
        if zombie is not None:
            zombie.wait()
    assert "took over from pid " in caplog.text and why in caplog.text
    w.put(make_rows(0, 3))
    assert w.close() == 3


def test_a_live_owner_on_this_host_is_refused(tmp_path):
    _plant(tmp_path, pid=os.getppid(), host=HOST)  # the parent process: alive
    with pytest.raises(StoreLockedError, match=f"pid {os.getppid()} on host {HOST!r}"):
        _writer(tmp_path)


def test_an_unreadable_owner_record_refuses_until_overwrite(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(ownership, "_PARSE_RETRY_S", 0.05)  # how long a half-written record is given to complete
    path = _record_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text('{"zarr_format": 3, "node_')
    with pytest.raises(StoreLockedError, match=r"has an owner record that cannot be read \(.*owner-rank-0/zarr.json\)"
                                               r".*delete that file or pass overwrite=True"):
        _writer(tmp_path)
    w = _writer(tmp_path, overwrite=True)
    assert "an unreadable owner record" in caplog.text
    w.put(make_rows(0, 2))
    assert w.close() == 2


def test_arrays_without_committed_rows_and_without_a_crashed_owner_are_not_recreated(tmp_path):
    """Another writer may be creating them right now (e.g. one that predates owner records)."""
    with _writer(tmp_path) as w:
        w.put(make_rows(0, 4))
    group = zarr.open_group(str(tmp_path / "run" / "rank-0"), mode="r+")
    group.update_attributes({"committed": 0, "committed_tokens": 0})
    with pytest.raises(StoreExistsError, match=r"run/rank-0 holds arrays but no committed rows, and no crashed "
                                               r"writer left them"):
        _writer(tmp_path)
    assert sorted(group.array_keys()) == ["epoch", "loss", "prompt_len", "sample_id", "source", "step"]
    with _writer(tmp_path, resume_committed=0) as w:  # a checkpoint at row 0 restarts the group explicitly
        w.put(make_rows(10, 3))
    check_store(open_store(tmp_path), np.arange(10, 13))


def test_memory_store_one_writer_per_run_and_rank(tmp_path):
    url = f"memory://{uuid.uuid4().hex}/s.zarr"
    first = _writer(url)
    with pytest.raises(StoreLockedError, match=r"memory://.*/s.zarr/run/owner-rank-0/zarr.json"):
        _writer(url)
    other_rank = _writer(url, rank=1, world_size=2)  # another rank of the run is another group
    other_rank.put(make_rows(100, 4))
    first.put(make_rows(0, 4))
    assert first.close() == 4 and other_rank.close() == 4
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert open_store(url).committed == {0: 4, 1: 4}
    second = _writer(url, run="run", resume_committed=4)  # released: the run can be resumed
    assert second.close() == 4


def test_backend_without_exclusive_create_warns_and_still_refuses_a_second_writer(tmp_path, monkeypatch, caplog):
    import fsspec
    from fsspec.implementations.memory import MemoryFileSystem

    class PlainMemory(MemoryFileSystem):  # an fsspec backend this library knows no exclusive create for
        protocol = ("plainmem",)

    fsspec.register_implementation("plainmem", PlainMemory, clobber=True)
    monkeypatch.setattr(ownership, "SETTLE_S", 0.05)
    url = f"plainmem://{uuid.uuid4().hex}/s.zarr"
    with caplog.at_level(logging.WARNING, logger="provenance.store.ownership"):
        first = _writer(url)
    assert "the PlainMemory backend cannot create a file exclusively, so ownership of run 'run' rank 0 is taken by " \
           "writing an owner record and re-reading it after 0.1 s" in caplog.text
    with pytest.raises(StoreLockedError, match=f"pid {os.getpid()} on host {HOST!r}"):
        _writer(url)
    first.put(make_rows(0, 3))
    assert first.close() == 3


def test_file_url_with_storage_options_uses_local_owner_records(tmp_path):
    url = f"file://{tmp_path}"
    first = _writer(url, storage_options={"auto_mkdir": True})
    assert _record_path(tmp_path).exists()
    with pytest.raises(StoreLockedError):
        _writer(tmp_path)  # the plain path sees the same record
    assert first.close() == 0
    assert not _record_path(tmp_path).exists()
