"""The issue's reproduction: SIGKILL a Lightning run with a plain DataLoader mid-epoch, resume from the newest
checkpoint. The resume is refused with the counts and the fix; the store keeps exactly the checkpoint's rows."""
import json
import os
import signal
import time

import pytest

from provenance import open_store
from lightning_script import newest_loadable_checkpoint as _newest_loadable_checkpoint
from lightning_script import run_training as _run

pytestmark = pytest.mark.slow


def test_sigkill_mid_epoch_then_resume_with_a_plain_loader_is_refused(tmp_path):
    store, ckpts, progress = tmp_path / "s.zarr", tmp_path / "ckpt", tmp_path / "progress.json"
    # 16 samples, batch 4: 4 steps per epoch, a checkpoint after every step; kill inside epoch 0.
    common = ["--store", str(store), "--ckpt-dir", str(ckpts), "--samples", "16", "--batch", "4", "--epochs", "2",
              "--every-n-steps", "1", "--loader", "plain"]
    proc = _run(common + ["--sleep", "0.4", "--progress", str(progress)])
    deadline = time.time() + 240
    while time.time() < deadline:
        try:
            step = json.loads(progress.read_text())["step"]
        except (OSError, ValueError):
            step = 0
        if step >= 2:
            break
        if proc.poll() is not None:
            pytest.fail(f"training exited early:\n{proc.stdout.read().decode()[-3000:]}")
        time.sleep(0.02)
    else:
        proc.kill()
        pytest.fail("training never reached step 2")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    ckpt = _newest_loadable_checkpoint(ckpts)
    k = int(ckpt.stem.split("step=")[1])
    assert 1 <= k <= 3, f"killed at {ckpt.name}, not mid-epoch"
    resumed = _run(common + ["--resume", str(ckpt)])
    out, _ = resumed.communicate(timeout=300)
    out = out.decode()
    assert resumed.returncode != 0, out[-3000:]
    assert (f"provenance.errors.ResumeMismatchError: resumed run 'default' rank 0 at step {k} (epoch 0): batch 1 "
            f"after the resume (step {k}) brings again 4 of the {4 * k} samples of epoch 0 stored before the "
            f"checkpoint (sample_id 100, 101, 102, 103).") in out, out[-3000:]
    df = open_store(str(store)).samples()
    assert list(zip(df.sample_id, df.epoch)) == [(100 + i, 0) for i in range(4 * k)]
