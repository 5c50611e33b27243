"""Kill a TRL training process mid-epoch with SIGKILL and resume from its last checkpoint: the store resumes exactly."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from provenance import open_store

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "train_hf.py"
pytestmark = pytest.mark.slow


def _run(args):
    env = dict(os.environ, PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1", TQDM_DISABLE="1")
    return subprocess.Popen([sys.executable, str(SCRIPT), *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)


def _complete_checkpoints(out: Path) -> list[Path]:
    """Checkpoints newest first; one cut short by the kill has no (or a partial) trainer_state.json."""
    done = []
    for path in sorted(out.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]), reverse=True):
        try:
            json.loads((path / "trainer_state.json").read_text())
            done.append(path)
        except (OSError, ValueError):
            continue
    return done


@pytest.mark.parametrize("kind", ["sft", "dpo"])
def test_sigkill_mid_epoch_then_resume_keeps_each_sample_epoch_once(tmp_path, kind):
    store, out, progress = tmp_path / "s.zarr", tmp_path / "out", tmp_path / "progress.json"
    # 24 samples, batch 4: 6 steps per epoch, 18 in all; a checkpoint every 2 steps.
    common = ["--store", str(store), "--out", str(out), "--trainer", kind, "--samples", "24", "--epochs", "3"]
    proc = _run(common + ["--sleep", "0.3", "--progress", str(progress)])
    deadline = time.time() + 240
    while time.time() < deadline:  # kill in the second epoch, after step 9 (between the checkpoints at 8 and 10)
        try:
            step = json.loads(progress.read_text())["step"]
        except (OSError, ValueError):
            step = 0
        if step >= 9:
            break
        if proc.poll() is not None:
            pytest.fail(f"training exited early:\n{proc.stdout.read().decode()[-3000:]}")
        time.sleep(0.02)
    else:
        proc.kill()
        pytest.fail("training never reached step 9")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    rows_per_sample = 2 if kind == "dpo" else 1
    killed = open_store(str(store)).samples()
    assert 0 < len(killed) < 72 * rows_per_sample

    # Resume from the checkpoint before the newest: the store then holds committed rows captured at or after its step
    # (flushed by the newest checkpoint), which the resume must drop and capture again.
    ckpt = _complete_checkpoints(out)[1]
    ckpt_step = int(ckpt.name.split("-")[1])
    assert (killed.step >= ckpt_step).sum() >= 2 * 4 * rows_per_sample
    resumed = _run(common + ["--resume", str(ckpt)])
    output, _ = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, output.decode()[-3000:]

    df = open_store(str(store)).samples()
    keys = list(zip(df.sample_id, df.epoch, df.role)) if kind == "dpo" else list(zip(df.sample_id, df.epoch))
    assert len(keys) == len(set(keys)), "a (sample, epoch) row was duplicated"
    ids = [100 + i for i in range(24)] if kind == "sft" else [f"pair-{i}" for i in range(24)]
    if kind == "dpo":
        assert sorted(keys) == sorted((i, e, r) for i in ids for e in range(3) for r in ("chosen", "rejected"))
    else:
        assert sorted(keys) == sorted((i, e) for i in ids for e in range(3))
    assert list(df.step) == sorted(df.step)  # training order: steps never go backwards
    assert df.groupby("step").size().eq(4 * rows_per_sample).all()  # every step's batch exactly once
