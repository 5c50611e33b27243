"""Concurrent writers of one store, run and rank: exactly one writes, every other is refused at setup.

Separate processes (forked by tests/store_testdata.py `run_contenders`, started together or once the first owns the
run), threads of one process, and two real Lightning runs with the reproduction's settings.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from store_testdata import MODEL, RUN_ATTRS, check_store, make_rows

from provenance.errors import StoreLockedError, StoreWriteError
from provenance.store import StoreWriter, open_store, verify_store

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
HOST = socket.gethostname()


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(TESTS), os.environ.get("PYTHONPATH", "")]),
                OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")


def _contend(tmp_path: Path, plan: list[dict]) -> list[dict]:
    url = tmp_path / "s.zarr"
    code = (f"import store_testdata; store_testdata.run_contenders({str(url)!r}, 'run', {str(tmp_path)!r}, "
            f"{json.dumps(plan)!r})")
    done = subprocess.run([sys.executable, "-c", code], cwd=TESTS, env=_env(), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads((tmp_path / f"contender-{i}.json").read_text()) for i in range(len(plan))]


def _ids(index: int, batches: int) -> np.ndarray:
    return index * 1000 + np.arange(5 * batches)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_four_writers_started_at_the_same_moment_one_writes_three_are_refused_at_setup(tmp_path):
    outcomes = _contend(tmp_path, [{"start": "now", "batches": 3, "pause_s": 0.05}] * 4)
    winners = [i for i, o in enumerate(outcomes) if "wrote" in o]
    assert len(winners) == 1, outcomes
    (w,) = winners
    assert outcomes[w]["wrote"] == 15
    for i, o in enumerate(outcomes):
        if i != w:  # refused in the StoreWriter constructor, naming the owner and the ways out
            assert o["refused"] == "StoreLockedError", o
            msg = o["message"]
            assert f"run 'run' rank 0 is being written by another writer: pid {outcomes[w]['pid']} on host " \
                   f"{HOST!r}" in msg
            assert "last heartbeat" in msg and "another run name" in msg and "overwrite=True" in msg
    reader = open_store(tmp_path / "s.zarr")
    check_store(reader, _ids(w, 3))
    assert verify_store(tmp_path / "s.zarr") == []
    assert not (tmp_path / "s.zarr" / "run" / "owner-rank-0").exists()  # released on close


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_writer_started_while_another_writes_is_refused_and_the_first_keeps_every_row(tmp_path):
    outcomes = _contend(tmp_path, [{"start": "now", "batches": 6, "pause_s": 0.15},
                                   {"start": "after-owned", "batches": 6, "pause_s": 0.0}])
    first, second = outcomes
    assert first["wrote"] == 30
    assert second["refused"] == "StoreLockedError"
    assert f"pid {first['pid']} on host {HOST!r}" in second["message"]
    check_store(open_store(tmp_path / "s.zarr"), _ids(0, 6))
    assert verify_store(tmp_path / "s.zarr") == []


def _writer(url, **kw):
    return StoreWriter(str(url), "run", model=MODEL, run_attrs=RUN_ATTRS, shard_rows=16, chunk_rows=8,
                       shard_tokens=256, **kw)


def test_two_threads_of_one_process_one_is_refused(tmp_path):
    barrier = threading.Barrier(2)
    results: dict[int, object] = {}

    def open_writer(i):
        barrier.wait()
        try:
            results[i] = _writer(tmp_path)
        except StoreLockedError as exc:
            results[i] = exc

    threads = [threading.Thread(target=open_writer, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writers = [r for r in results.values() if isinstance(r, StoreWriter)]
    refused = [r for r in results.values() if isinstance(r, StoreLockedError)]
    assert len(writers) == 1 and len(refused) == 1
    assert f"pid {os.getpid()} on host {HOST!r}" in str(refused[0])
    writers[0].put(make_rows(0, 20))
    assert writers[0].close() == 20
    check_store(open_store(tmp_path), np.arange(20))


def test_overwrite_takes_the_run_from_a_live_writer_which_then_fails_at_its_next_batch(tmp_path, caplog):
    first = _writer(tmp_path)
    first.put(make_rows(0, 20))
    assert first.flush() == 20
    second = _writer(tmp_path, overwrite=True)
    assert "overwrite=True takes ownership from a writer that may still be running" in caplog.text
    second.put(make_rows(500, 7))
    first.put(make_rows(20, 5))  # the first writer's thread finds the record is no longer its own
    with pytest.raises(StoreWriteError, match="no longer owns the rank group") as info:
        first.flush()
    assert isinstance(info.value.__cause__, StoreLockedError)
    assert f"pid {os.getpid()}" in str(info.value.__cause__)
    with pytest.raises(StoreWriteError):
        first.close()
    assert second.close() == 7
    check_store(open_store(tmp_path), np.arange(500, 507))
    assert not (tmp_path / "run" / "owner-rank-0").exists()  # the loser gave back nothing it no longer held


_LIGHTNING_RUN = """
import sys
sys.path.insert(0, {tests!r})
import torch
import lightning.pytorch as pl
from torch.utils.data import DataLoader
from capture_reference import collate, random_samples
from lightning_app import CausalLMModule, ListDataset
from provenance.callbacks import ProvenanceCallback
from provenance.models import tiny_causal_lm

torch.manual_seed(0)
loader = DataLoader(ListDataset(random_samples(32, seed=11)), batch_size=4, collate_fn=collate)
trainer = pl.Trainer(max_epochs=1, accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                     enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
                     callbacks=[ProvenanceCallback({store!r}, layers=[2, 4], shard_rows=8, chunk_rows=4)])
trainer.fit(CausalLMModule(tiny_causal_lm("llama", seed=0), lr=1e-2, step_sleep={sleep}), train_dataloaders=loader)
"""


@pytest.mark.slow
def test_second_lightning_run_into_the_same_store_and_run_is_refused_and_the_first_keeps_its_rows(tmp_path):
    """The issue's reproduction: a second run ~seconds after the first used to recreate its rank group."""
    import lightning.pytorch as pl
    from capture_reference import collate, random_samples
    from lightning_app import CausalLMModule, ListDataset
    from torch.utils.data import DataLoader

    from provenance.callbacks import ProvenanceCallback
    from provenance.models import tiny_causal_lm

    store = tmp_path / "s.zarr"
    first = subprocess.Popen([sys.executable, "-c", _LIGHTNING_RUN.format(tests=str(TESTS), store=str(store),
                                                                          sleep=0.4)],
                             cwd=TESTS, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    owner = store / "default" / "owner-rank-0" / "zarr.json"
    deadline = time.monotonic() + 120
    while not owner.exists():  # the first run has opened its writer (first batch)
        assert first.poll() is None, first.stdout.read()
        assert time.monotonic() < deadline, "the first run never started writing"
        time.sleep(0.05)

    loader = DataLoader(ListDataset(random_samples(32, seed=11)), batch_size=4, collate_fn=collate)
    trainer = pl.Trainer(max_epochs=1, accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0,
                         callbacks=[ProvenanceCallback(str(store), layers=[2, 4], shard_rows=8, chunk_rows=4)])
    with pytest.raises(StoreLockedError) as info:
        trainer.fit(CausalLMModule(tiny_causal_lm("llama", seed=0)), train_dataloaders=loader)
    assert f"run 'default' rank 0 is being written by another writer: pid {first.pid} on host {HOST!r}" \
        in str(info.value)
    assert trainer.global_step == 0  # refused before its first step

    out, _ = first.communicate(timeout=300)
    assert first.returncode == 0, out
    assert "wrote 32 rows" in out
    reader = open_store(store)
    df = reader.samples()
    assert df["sample_id"].tolist() == list(range(100, 132))  # every row of the first run, each once, in order
    assert set(df["epoch"]) == {0}
    assert reader.layers == [2, 4]
    assert verify_store(store) == []
    assert not owner.exists()
