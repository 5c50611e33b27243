"""SIGKILL a writing process: the store must read back exactly at its last finished commit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import zarr

from provenance.store import StoreWriter, open_store
from store_testdata import MODEL, RUN_ATTRS, check_store, make_rows, token_lengths

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _log_values(text: str, kind: str) -> list[int]:
    return [int(line.split()[1]) for line in text.splitlines() if line.startswith(kind + " ")]


def _run_and_kill(url: Path, log: Path, seed: int, min_flushes: int, extra_delay: float) -> str:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(TESTS), os.environ.get("PYTHONPATH", "")]))
    err_path = log.with_suffix(".stderr")
    with open(err_path, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, str(TESTS / "store_testdata.py"), str(url), str(log), str(seed)],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=err,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            text = log.read_text() if log.exists() else ""
            if len(_log_values(text, "flush")) >= min_flushes:
                break
            if proc.poll() is not None:
                pytest.fail(f"writer exited early ({proc.returncode}): {err_path.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail("writer made no progress in 60 s")
            time.sleep(0.01)
        time.sleep(extra_delay)
        assert proc.poll() is None, "the writer must still be writing when killed"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    return log.read_text()


@pytest.mark.parametrize("seed,min_flushes,delay", [(0, 5, 0.0), (1, 12, 0.137)])
def test_sigkill_mid_stream_keeps_last_commit(tmp_path, seed, min_flushes, delay):
    url, log = tmp_path / "store", tmp_path / "log.txt"
    text = _run_and_kill(url, log, seed, min_flushes, delay)
    flushed = _log_values(text, "flush")
    begun, done = _log_values(text, "begin"), _log_values(text, "done")
    assert flushed and done

    r = open_store(url)
    n = len(r)
    # The on-disk commit is the last one that finished, or the one whose metadata write landed
    # just before the kill (logged as begun, killed before "done" was written).
    assert n in {done[-1], begun[-1]}, (n, done[-5:], begun[-5:])
    assert n >= flushed[-1]
    check_store(r, np.arange(n))  # every visible row complete, in order, tokens aligned

    group = zarr.open_group(str(url), mode="r")["crash/rank-0"]
    n_tokens = int(token_lengths(np.arange(n)).sum())
    assert group.attrs["committed_tokens"] == n_tokens
    assert group["tokens/end"][n - 1] == n_tokens
    assert group["tokens/ids"].shape[0] >= n_tokens

    # Restart from a training checkpoint taken at the last flush: replay the data after it.
    checkpoint = flushed[-1]
    w = StoreWriter(str(url), "crash", model=MODEL, run_attrs=RUN_ATTRS, resume_committed=checkpoint,
                    shard_rows=128, chunk_rows=32, shard_tokens=2048)
    w.put(make_rows(checkpoint, 300))
    assert w.close() == checkpoint + 300
    check_store(open_store(url), np.arange(checkpoint + 300))


def test_writer_left_open_is_committed_at_exit(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(TESTS), os.environ.get("PYTHONPATH", "")]))
    subprocess.run([sys.executable, str(TESTS / "store_testdata.py"), "--exit-without-close", str(tmp_path)],
                   cwd=REPO, env=env, check=True, timeout=60)
    check_store(open_store(tmp_path), np.arange(200))
