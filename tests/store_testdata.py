"""Deterministic rows for the store tests, and the writer process of the crash test.

Every value of a row is a function of its sample index ``i``, so a test can
rebuild what any stored row must hold without keeping the data around.

Run as a script (crash test): ``python store_testdata.py URL LOG SEED`` writes
rows forever, flushing every few batches, and appends to LOG (unbuffered, so
a SIGKILL loses nothing already logged)::

    begin N      the writer thread is about to commit N rows
    done N       that commit's metadata write returned
    flush N      flush() returned N

``python store_testdata.py --exit-without-close URL`` puts 200 rows and exits
without closing its writer.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from provenance.store import CaptureRows

D = 16
LAYERS = (1, 3)
NAMES = ("h_last", "g_last")
MODEL = {"name": "tiny-test", "config_hash": "abc123"}
RUN_ATTRS = {"layers": list(LAYERS), "hidden_size": D, "signatures": list(NAMES)}


def signature(i: np.ndarray, layer: int, name: str, d: int = D) -> np.ndarray:
    phase = i[:, None] * 0.37 + np.arange(d)[None, :] * 1.3 + layer + len(name)
    x = np.sin(phase)
    if name.startswith("h"):  # hidden states: O(1) with a massive dim, some rows up to 1e6
        x[:, 0] *= 3e4
        x *= 10.0 ** ((i % 5) - 2)[:, None]
    else:  # gradients: tiny, some rows 1e-10
        x *= np.where(i % 7 == 0, 1e-10, 1e-6)[:, None]
    return x.astype(np.float32)


def token_lengths(i: np.ndarray) -> np.ndarray:
    return (i * 7919) % 23


def tokens(i: int) -> np.ndarray:
    return ((i * 31 + np.arange(int(token_lengths(np.array([i]))[0]))) % 50000 + 1).astype(np.int32)


def make_rows(i0: int, n: int, *, epoch: int = 1, step: int = 1, str_ids: bool = False,
              columns: bool = False, skipped: dict | None = None, d: int = D) -> CaptureRows:
    i = np.arange(i0, i0 + n)
    rows = CaptureRows(
        sample_id=[f"id-{k}" for k in i] if str_ids else [int(k) for k in i],
        source=[f"src{k % 3}" for k in i],
        epoch=epoch,
        step=step,
        loss=((i % 100) / 10 + 0.5).astype(np.float32),
        prompt_len=((i % 5) + 1).astype(np.int32),
        token_ids=[tokens(int(k)) for k in i],
        signatures={layer: {name: signature(i, layer, name, d) for name in NAMES} for layer in LAYERS},
        skipped=dict(skipped or {}),
    )
    if columns:
        rows.columns = {"pair_id": (i // 2).astype(np.int64), "role": ["chosen" if k % 2 else "rejected" for k in i]}
    return rows


def check_store(reader, ids: np.ndarray, *, str_ids: bool = False, rtol: float = 1e-3) -> None:
    """Assert that ``reader`` holds exactly the rows of sample indexes ``ids``, in order."""
    ids = np.asarray(ids)
    df = reader.samples()
    assert len(reader) == len(ids) == len(df)
    want_ids = [f"id-{k}" for k in ids] if str_ids else ids.tolist()
    assert df["sample_id"].tolist() == want_ids
    assert df["source"].tolist() == [f"src{k % 3}" for k in ids]
    np.testing.assert_array_equal(df["loss"].to_numpy(), ((ids % 100) / 10 + 0.5).astype(np.float32))
    np.testing.assert_array_equal(df["prompt_len"].to_numpy(), (ids % 5) + 1)
    np.testing.assert_array_equal(df["n_tokens"].to_numpy(), token_lengths(ids))
    for layer in LAYERS:
        for name in NAMES:
            got = reader.array(layer, name)
            want = signature(ids, layer, name)
            assert got.dtype == np.float32 and got.shape == want.shape
            assert np.isfinite(got).all()
            err = np.abs(got - want).max(axis=1) / np.abs(want).max(axis=1)
            assert err.max() < rtol, (layer, name, err.max())
    for row in range(0, len(ids), max(1, len(ids) // 97)):
        np.testing.assert_array_equal(reader.tokens(row), tokens(int(ids[row])))
    if len(ids):
        np.testing.assert_array_equal(reader.tokens(len(ids) - 1), tokens(int(ids[-1])))


def _crash_writer(url: str, log_path: str, seed: int) -> None:
    from provenance.store import StoreWriter

    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)

    def log(line: str) -> None:
        os.write(fd, (line + "\n").encode())

    original = StoreWriter._write_commit

    def logged_commit(self, n, n_tokens, skipped):
        log(f"begin {n}")
        original(self, n, n_tokens, skipped)
        log(f"done {n}")

    StoreWriter._write_commit = logged_commit
    writer = StoreWriter(url, "crash", model=MODEL, run_attrs=RUN_ATTRS,
                         shard_rows=128, chunk_rows=32, shard_tokens=2048)
    rng = np.random.default_rng(seed)
    i = 0
    batch = 0
    while i < 10_000_000:
        n = int(rng.integers(1, 60))
        writer.put(make_rows(i, n, step=batch + 1))
        i += n
        batch += 1
        if batch % 7 == 0:
            log(f"flush {writer.flush()}")


def _exit_without_close(url: str) -> None:
    from provenance.store import StoreWriter

    writer = StoreWriter(url, "noclose", model=MODEL, run_attrs=RUN_ATTRS, shard_rows=128, chunk_rows=32)
    writer.put(make_rows(0, 200))  # no flush, no close: the atexit hook must commit these


if __name__ == "__main__":
    if sys.argv[1] == "--exit-without-close":
        _exit_without_close(sys.argv[2])
    else:
        _crash_writer(sys.argv[1], sys.argv[2], int(sys.argv[3]))
