"""`accelerate launch` with two CPU processes (gloo): each rank writes its own group, read back as one table."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from provenance import open_store
from tests.free_port import free_port

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "train_hf.py"
pytestmark = pytest.mark.slow


def test_accelerate_two_processes_write_two_rank_groups(tmp_path):
    store = tmp_path / "s.zarr"
    env = dict(os.environ, PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1", TQDM_DISABLE="1")
    # --multi_gpu selects accelerate's torch.distributed launcher; without GPUs each process runs on CPU with gloo.
    # Its own port: accelerate's default 29500 is shared with any other launch the second test worker runs.
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
           "--num_machines", "1", "--main_process_port", str(free_port()), "--mixed_precision", "no",
           "--dynamo_backend", "no", str(SCRIPT),
           "--store", str(store), "--out", str(tmp_path / "out"), "--samples", "16", "--epochs", "2",
           "--save-steps", "1000", "--auto-layers"]
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=400)
    assert proc.returncode == 0, proc.stdout.decode()[-3000:]
    reader = open_store(str(store))
    assert reader.committed == {0: 16, 1: 16}
    assert reader.run_attrs["world_size"] == 2
    df = reader.samples()
    assert sorted(zip(df.sample_id, df.epoch)) == sorted((100 + i, e) for i in range(16) for e in range(2))
    for epoch in (0, 1):
        per_rank = df[df.epoch == epoch].groupby("rank").sample_id.apply(set)
        assert len(per_rank[0]) == len(per_rank[1]) == 8 and per_rank[0].isdisjoint(per_rank[1])
    # Rank 0's automatic layer choice is the run's, and every rank stored exactly those layers.
    assert reader.layers == reader.run_attrs["layers"]
    for layer in reader.layers:
        assert reader.array(layer, "g_last").shape == (32, 32)
