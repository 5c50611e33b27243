"""Run tests/scripts/train_lightning.py as a real process and pick up its checkpoints (shared by the resume tests)."""
import os
import subprocess
import sys
from pathlib import Path

import torch

SCRIPT = Path(__file__).resolve().parent / "scripts" / "train_lightning.py"


def run_training(args, **kw) -> subprocess.Popen:
    """Start the training script with `args`, its output piped (unbuffered, so a killed run's log is complete)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, str(SCRIPT), *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, **kw)


def newest_loadable_checkpoint(ckpt_dir: Path) -> Path:
    """The checkpoint of the latest step that loads (the kill may cut the newest one short)."""
    ckpts = sorted(ckpt_dir.glob("*.ckpt"), key=lambda p: int(p.stem.split("step=")[1]), reverse=True)
    for path in ckpts:
        try:
            torch.load(path, map_location="cpu", weights_only=False)  # our own test checkpoint, not untrusted input
            return path
        except Exception:  # a checkpoint cut short by the kill
            continue
    raise AssertionError(f"no loadable checkpoint in {ckpt_dir}")
