"""Kill a Lightning training process mid-epoch and resume it; run two DDP ranks. Both spawn real processes."""
import json
import os
import signal
import time

import pytest

from lightning_script import newest_loadable_checkpoint as _newest_loadable_checkpoint
from lightning_script import run_training as _run

from provenance import open_store

pytestmark = pytest.mark.slow


def test_sigkill_mid_epoch_then_resume_keeps_each_sample_epoch_once(tmp_path):
    store, ckpts, progress = tmp_path / "s.zarr", tmp_path / "ckpt", tmp_path / "progress.json"
    common = ["--store", str(store), "--ckpt-dir", str(ckpts), "--samples", "24", "--batch", "4", "--epochs", "3"]
    proc = _run(common + ["--sleep", "0.15", "--progress", str(progress)])
    deadline = time.time() + 240
    # 6 steps per epoch: kill during the second epoch, between checkpoints (every 2 steps).
    while time.time() < deadline:
        if progress.exists():
            try:
                state = json.loads(progress.read_text())
            except ValueError:
                state = {"step": 0}
            if state["step"] >= 9:
                break
        if proc.poll() is not None:
            pytest.fail(f"training exited early:\n{proc.stdout.read().decode()[-3000:]}")
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("training never reached step 9")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_rows = len(open_store(str(store)))
    assert 0 < killed_rows < 72

    ckpt = _newest_loadable_checkpoint(ckpts)
    resumed = _run(common + ["--resume", str(ckpt)])
    out, _ = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, out.decode()[-3000:]

    df = open_store(str(store)).samples()
    pairs = list(zip(df.sample_id, df.epoch))
    assert len(pairs) == len(set(pairs)), "a (sample, epoch) row was duplicated"
    assert sorted(pairs) == sorted((100 + i, e) for i in range(24) for e in range(3))
    # Rows are in training order: steps never go backwards.
    assert list(df.step) == sorted(df.step)


def test_two_ddp_ranks_write_two_groups_read_as_one_table(tmp_path):
    store = tmp_path / "s.zarr"
    proc = _run(["--store", str(store), "--ckpt-dir", str(tmp_path / "ckpt"), "--samples", "16", "--batch", "4",
                 "--epochs", "2", "--devices", "2", "--every-n-steps", "1000"])
    out, _ = proc.communicate(timeout=400)
    assert proc.returncode == 0, out.decode()[-3000:]
    reader = open_store(str(store))
    assert reader.committed == {0: 16, 1: 16}
    df = reader.samples()
    assert sorted(zip(df.sample_id, df.epoch)) == sorted((100 + i, e) for i in range(16) for e in range(2))
    for epoch in (0, 1):
        per_rank = df[df.epoch == epoch].groupby("rank").sample_id.apply(set)
        assert len(per_rank[0]) == len(per_rank[1]) == 8 and per_rank[0].isdisjoint(per_rank[1])
    assert reader.array(1, "g_last").shape == (32, 32)
