"""ProvenanceCallback under FSDP, two CPU processes on gloo (tests/scripts/train_lightning_fsdp.py), against a
batch-size-1 autograd reference on the unsharded model with the same weights.

FSDP2: Lightning's ModelParallelStrategy, `fully_shard` per decoder layer in `configure_model`. FSDP1: Lightning's
FSDPStrategy wrapping each decoder layer; it does not run on a CPU as shipped (Lightning refuses `accelerator="cpu"`
for it and torch's FullyShardedDataParallel refuses a CPU module without a device), so the script lifts both checks
in a test-only subclass and nothing else: the wrapping, the sharding and the training are Lightning's and torch's.
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from capture_reference import assert_matches, random_samples, reference_signatures
from provenance import open_store
from provenance.models import tiny_causal_lm

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "train_lightning_fsdp.py"
SIGNATURES = ("h_last", "g_last", "h_mean", "g_mean")


def _run(args) -> subprocess.Popen:
    """The training script in its own process group, so that a kill reaches both ranks."""
    env = dict(os.environ, PYTHONUNBUFFERED="1", OMP_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, str(SCRIPT), *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)


def _finish(proc, timeout=300) -> str:
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    return out.decode(errors="replace")


def _assert_rows_match_reference(reader, samples, layers):
    """Every stored row equals the batch-size-1 reference of its sample on the unsharded model (lr=0: same weights
    at every step)."""
    model = tiny_causal_lm("llama", seed=0)
    by_id = {s["sample_id"]: s for s in samples}
    df = reader.samples()
    arrays = {(l, n): reader.array(l, n) for l in layers for n in SIGNATURES}  # rows aligned with samples()
    refs = {}
    for row, (sample_id, rank, loss) in enumerate(zip(df.sample_id, df["rank"], df.loss)):
        if sample_id not in refs:
            refs[sample_id] = reference_signatures(model, by_id[sample_id], layers)
        ref, ref_loss = refs[sample_id]
        captured = {l: {n: arrays[(l, n)][row] for n in SIGNATURES} for l in layers}
        # h: fp32 batched vs batch-size-1 forwards differ only in summation order (and padding).
        assert_matches(captured, ref, h_atol=1e-5, g_cos=0.999, g_ratio=0.01,
                       label=f"rank {rank} row {row} sample {sample_id}")
        assert loss == pytest.approx(ref_loss, rel=1e-4)
    return df


@pytest.mark.parametrize("strategy, model_class, layer_class", [
    ("fsdp2", "FSDPLlamaForCausalLM", "FSDPLlamaDecoderLayer"),   # fully_shard swaps the classes in place
    ("fsdp1", "LlamaForCausalLM", "FullyShardedDataParallel"),    # FSDP1 wraps each decoder layer
])
def test_fsdp_capture_with_activation_checkpointing_matches_unsharded_reference(tmp_path, strategy, model_class,
                                                                                layer_class):
    store = tmp_path / "s.zarr"
    proc = _run(["--store", str(store), "--ckpt-dir", str(tmp_path / "ckpt"), "--samples", "16", "--batch", "4",
                 "--epochs", "2", "--layers", "auto", "--checkpointing", "--report", str(tmp_path / "report"),
                 "--strategy", strategy])
    out = _finish(proc)
    assert proc.returncode == 0, out[-3000:]

    reports = [json.loads((tmp_path / f"report.rank{r}.json").read_text()) for r in (0, 1)]
    for report in reports:
        assert (report["model_class"], report["layer_class"], report["world_size"]) == (model_class, layer_class, 2)
        # Activation checkpointing ran: each layer's forward ran again in every backward.
        assert report["attention_calls"] == 2 * report["batches"] == 2 * 2 * 2

    reader = open_store(str(store))
    assert reader.run_attrs["sharding"] == strategy
    assert reader.run_attrs["world_size"] == 2
    layers = reader.run_attrs["layers"]
    # 'auto' on 4 blocks: the spread 1, 2, 3 (rank 0's choice, the same for both ranks: one run attribute), from
    # probe forwards every rank ran (FSDP1: inside the root unit's forward, which gathers the embeddings and head).
    assert layers == [1, 2, 3] and reader.run_attrs["layer_choice"]["n_probe_prompts"] == 4
    assert reader.committed == {0: 16, 1: 16}
    samples = random_samples(16, seed=11)
    df = _assert_rows_match_reference(reader, samples, layers)
    pairs = list(zip(df.sample_id, df.epoch))
    assert sorted(pairs) == sorted((100 + i, e) for i in range(16) for e in range(2))
    for epoch in (0, 1):
        per_rank = df[df.epoch == epoch].groupby("rank").sample_id.apply(set)
        # Lightning's distributed sampler gives each rank its own half of the data.
        assert len(per_rank[0]) == len(per_rank[1]) == 8 and per_rank[0].isdisjoint(per_rank[1])


def _newest_complete_checkpoint(ckpt_dir: Path) -> Path:
    """The newest distributed checkpoint (a folder) whose metadata, written last by rank 0, loads."""
    ckpts = sorted(ckpt_dir.glob("*.ckpt"), key=lambda p: int(p.stem.split("step=")[1]), reverse=True)
    for path in ckpts:
        try:
            torch.load(path / "meta.pt", map_location="cpu", weights_only=False)  # our own test checkpoint
        except Exception:  # cut short by the kill
            continue
        if (path / ".metadata").exists():
            return path
    raise AssertionError(f"no complete checkpoint in {ckpt_dir}: {sorted(p.name for p in ckpt_dir.iterdir())}")


def test_fsdp2_sigkill_of_both_ranks_then_resume_keeps_each_sample_epoch_once(tmp_path):
    store, ckpts, progress = tmp_path / "s.zarr", tmp_path / "ckpt", tmp_path / "progress.json"
    # 16 samples, 2 per rank per step: 4 steps an epoch, 12 in all; sharded checkpoints every 2 steps, so the one at
    # step 6 is in the middle of epoch 1.
    common = ["--store", str(store), "--ckpt-dir", str(ckpts), "--samples", "16", "--batch", "2", "--epochs", "3",
              "--layers", "1,3", "--every-n-steps", "2", "--sampler", "ordered"]
    proc = _run(common + ["--sleep", "0.2", "--progress", str(progress)])
    deadline = time.time() + 240
    while time.time() < deadline:  # kill in epoch 1, after the checkpoint at step 6
        if progress.exists():
            try:
                step = json.loads(progress.read_text())["step"]
            except ValueError:
                step = 0
            if step >= 7:
                break
        if proc.poll() is not None:
            pytest.fail(f"training exited early:\n{proc.stdout.read().decode()[-3000:]}")
        time.sleep(0.05)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("training never reached step 7")
    os.killpg(proc.pid, signal.SIGKILL)  # both ranks at once, as a lost node would
    proc.wait()
    killed = open_store(str(store)).committed
    assert 0 < sum(killed.values()) < 48

    checkpoint = _newest_complete_checkpoint(ckpts)
    assert checkpoint.name == "epoch=1-step=6.ckpt"  # mid-epoch: the loader must continue, not restart
    resumed = _run(common + ["--resume", str(checkpoint)])
    out = _finish(resumed)
    assert resumed.returncode == 0, out[-3000:]

    reader = open_store(str(store))
    assert reader.committed == {0: 24, 1: 24}
    df = _assert_rows_match_reference(reader, random_samples(16, seed=11), [1, 3])
    pairs = list(zip(df.sample_id, df.epoch))
    assert len(pairs) == len(set(pairs)), "a (sample, epoch) row was duplicated"
    assert sorted(pairs) == sorted((100 + i, e) for i in range(16) for e in range(3))
    for rank in (0, 1):
        rows = df[df["rank"] == rank]
        assert set(rows.sample_id) == {100 + i for i in range(rank, 16, 2)}  # its own DistributedSampler half
        assert list(rows.step) == sorted(rows.step)  # in training order: what the kill cut was captured again


def test_tensor_parallel_mesh_is_refused_before_training(tmp_path):
    store = tmp_path / "s.zarr"
    proc = _run(["--store", str(store), "--ckpt-dir", str(tmp_path / "ckpt"), "--tensor-parallel", "2",
                 "--layers", "1,3"])
    out = _finish(proc)
    assert proc.returncode != 0
    assert ("CaptureConfigError: ModelParallelStrategy's device mesh has dimension 'tensor_parallel' of size 2 "
            "(tensor parallelism): per-sample capture is impossible with tensor parallelism") in out, out[-3000:]
    assert "ModelParallelStrategy(data_parallel_size=<world size>, tensor_parallel_size=1)" in out
    assert not store.exists()  # refused before anything was written
