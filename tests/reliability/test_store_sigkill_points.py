"""SIGKILL the store writer at 24 seeded points of its thread, then reopen and resume.

Each point kills a forked writer (tests/store_testdata.py: `run_kill_points`) at the n-th occurrence of one event:
before, during (temporary file written, not renamed) or after a shard write; during an array metadata write; before,
during or after a commit; during a heartbeat.  The store must read back exactly the rows of the last commit that
landed (the writer logged it), every one of them equal to what was written and the store free of damage; a resumed
writer must take over from the dead process and continue exactly.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from provenance.errors import StoreExistsError
from provenance.store import StoreWriter, open_store, verify_store
from store_testdata import (
    KILL_EVENTS,
    KILL_RUN,
    KILL_WRITER,
    LAYERS,
    MODEL,
    NAMES,
    RUN_ATTRS,
    make_rows,
    signature,
    token_lengths,
    tokens,
)

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
SEEDS = list(range(24))  # three points per event

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or not hasattr(signal, "SIGKILL"),
                                reason="needs fork and SIGKILL")


@pytest.fixture(scope="module")
def kill_points(tmp_path_factory):
    """Run every point in one helper process (imports once, forks one writer per point)."""
    root = tmp_path_factory.mktemp("kill-points")
    points = [[seed, KILL_EVENTS[seed % len(KILL_EVENTS)]] for seed in SEEDS]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(TESTS), os.environ.get("PYTHONPATH", "")]),
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    code = f"import store_testdata; store_testdata.run_kill_points({str(root)!r}, {json.dumps(points)!r})"
    done = subprocess.run([sys.executable, "-c", code], cwd=TESTS, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return {p["seed"]: p for p in json.loads((root / "points.json").read_text())}


def _assert_rows(reader, ids: np.ndarray, steps: np.ndarray) -> None:
    """The reader holds exactly rows ``ids`` (store_testdata's values of those sample indexes) at ``steps``.

    Lighter than check_store (token ids of three rows instead of every row; the token ends of all rows are
    checked through n_tokens, and verify_store decodes every stored token): 24 points must stay quick."""
    df = reader.samples()
    assert df["sample_id"].tolist() == ids.tolist()
    if not len(ids):
        return  # killed while creating the first arrays: nothing committed, some layers may not exist yet
    assert df["step"].tolist() == steps.tolist()
    np.testing.assert_array_equal(df["loss"].to_numpy(), ((ids % 100) / 10 + 0.5).astype(np.float32))
    np.testing.assert_array_equal(df["n_tokens"].to_numpy(), token_lengths(ids))
    for layer in LAYERS:
        for name in NAMES:
            got, want = reader.array(layer, name), signature(ids, layer, name)
            assert got.shape == want.shape
            if len(ids):
                assert (np.abs(got - want).max(axis=1) / np.abs(want).max(axis=1)).max() < 1e-3
    for row in sorted({0, len(ids) // 2, len(ids) - 1} - {-1}):
        np.testing.assert_array_equal(reader.tokens(row), tokens(int(ids[row])))


def _written_steps(n: int) -> np.ndarray:
    """Steps of the first n rows of the killed workload (batch sizes from its seeded generator)."""
    rng = np.random.default_rng(1234)
    sizes = [int(rng.integers(1, 13)) for _ in range(12)]
    return np.repeat(np.arange(1, 13), sizes)[:n]


def _logged(text: str, kind: str) -> list[int]:
    return [int(line.split()[1]) for line in text.splitlines() if line.startswith(kind + " ")]


@pytest.mark.parametrize("seed", SEEDS)
def test_sigkill_point_reads_back_the_last_commit_and_resumes_exactly(kill_points, seed, caplog):
    point = kill_points[seed]
    text = Path(point["log"]).read_text()
    # The fault fired where it was injected, and the process died of it.
    assert point["signal"] == signal.SIGKILL, point
    assert text.splitlines()[-1] == f"kill {point['event']} {point['at']}"
    done, flushed = _logged(text, "done"), _logged(text, "flush")
    committed = done[-1] if done else 0
    url = Path(point["store"])

    # Rows visible == rows committed, each one exactly what was written; no damage anywhere.
    reader = open_store(url)
    assert reader.committed == {0: committed}
    _assert_rows(reader, np.arange(committed), _written_steps(committed))
    assert verify_store(url) == []
    owner = json.loads((url / KILL_RUN / "owner-rank-0" / "zarr.json").read_text())["attributes"]["provenance_owner"]
    assert owner["pid"] != os.getpid()  # the dead writer's record stayed behind

    # Resume from the last checkpoint (the last flush), or restart a run that never committed a row.
    checkpoint = flushed[-1] if flushed else (0 if committed else None)
    with caplog.at_level(logging.WARNING, logger="provenance.store.ownership"):
        if checkpoint == 0 and committed:  # committed rows but no checkpoint: a plain restart is refused
            with pytest.raises(StoreExistsError, match=f"{committed} committed rows"):
                StoreWriter(str(url), KILL_RUN, model=MODEL, run_attrs=RUN_ATTRS, **KILL_WRITER)
        writer = StoreWriter(str(url), KILL_RUN, model=MODEL, run_attrs=RUN_ATTRS, resume_committed=checkpoint,
                             **KILL_WRITER)
    # Taken over because the owner is provably dead: its pid runs no more or, pid numbers being reused (a busy
    # machine wraps them within minutes, and a thread takes one too), runs a process started later.
    pid = owner["pid"]
    assert re.search(rf"took over from pid {pid} on host .*: (process {pid} is no longer running on this host|"
                     rf"pid {pid} now belongs to another process)$", caplog.text, re.MULTILINE), caplog.text
    start = checkpoint or 0
    assert writer.committed == start
    writer.put(make_rows(start, 25, step=100))
    writer.put(make_rows(start + 25, 15, step=101))
    assert writer.close() == start + 40

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no leftover of the crash shows up in a listing
        reader = open_store(url)
        _assert_rows(reader, np.arange(start + 40), np.concatenate([_written_steps(start), [100] * 25, [101] * 15]))
    assert not (url / KILL_RUN / "owner-rank-0").exists()


def test_every_event_was_injected(kill_points):
    fired = sorted({p["event"] for p in kill_points.values()})
    assert fired == sorted(KILL_EVENTS)
    assert len(kill_points) == 24 and all(p["signal"] == signal.SIGKILL for p in kill_points.values())
