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
import time
from pathlib import Path

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


# ---- fault injection: SIGKILL points and contending writers (tests/reliability) --------------------------------
# Both run in one helper process that imports the store once and forks a child per writer: the parent never does
# store I/O (zarr's event-loop thread must not exist at fork), so each child is a fresh single-threaded writer.

KILL_RUN = "killed"
KILL_EVENTS = ("shard-before", "shard-during", "shard-after", "meta-during",
               "commit-before", "commit-during", "commit-after", "beat-during")
KILL_WRITER = dict(shard_rows=16, chunk_rows=8, shard_tokens=256, heartbeat_s=0.01)


def _kill_workload(url: str, log_path: str, event: str | None = None, at: int = 0) -> dict:
    """A seeded stream of batches with flushes, SIGKILLed at the ``at``-th ``event`` of the writer thread.

    Events: a shard write (before / during: the temporary file written, not yet renamed to its key / after),
    an array metadata write (during), a commit (before / during / after) and a heartbeat (during).  LOG gets
    ``done N`` after each commit landed, ``flush N`` after each flush returned and ``kill EVENT AT``.
    Returns the event counts when nothing was killed (the dry run).
    """
    import signal
    import threading
    import uuid
    from collections import Counter

    import zarr.storage._local as local_store

    from provenance.store import StoreWriter, ownership
    from provenance.store import writer as writer_mod

    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    counts: Counter = Counter()
    in_commit = [False]
    # zarr writes an array's metadata and its parents' concurrently from worker threads: counting and the
    # at-th check must be one step, or two writes at once could both miss (or both take) the at-th event.
    counting = threading.Lock()

    def log(line: str) -> None:
        os.write(fd, (line + "\n").encode())

    def hit(name: str, partial=None) -> None:
        with counting:
            counts[name] += 1
            fire = name == event and counts[name] == at
        if fire:
            if partial is not None:  # what a kill in the middle of the write leaves: a half-written temporary
                stray, data = partial
                stray.parent.mkdir(parents=True, exist_ok=True)
                stray.write_bytes(bytes(data)[: len(data) // 2])
            log(f"kill {name} {at}")
            os.kill(os.getpid(), signal.SIGKILL)

    put = local_store._put

    def instrumented_put(path, value, exclusive=False):
        key = path.as_posix()
        kind = ("shard-during" if "/c/" in key else "commit-during" if in_commit[0]
                else "meta-during" if f"/{KILL_RUN}/rank-0/" in key and not key.endswith("/rank-0/zarr.json")
                else None)
        if kind is not None:  # zarr's LocalStore writes <key>.<uuid>.partial, then renames it to the key
            hit(kind, (path.with_suffix(f".{uuid.uuid4().hex}.partial"), value.as_buffer_like()))
        return put(path, value, exclusive=exclusive)

    write_shard = writer_mod._Column._write_shard

    def instrumented_write_shard(self, block):
        hit("shard-before")
        write_shard(self, block)
        hit("shard-after")

    write_commit = StoreWriter._write_commit

    def instrumented_commit(self, n, n_tokens, skipped):
        hit("commit-before")
        in_commit[0] = True
        write_commit(self, n, n_tokens, skipped)
        in_commit[0] = False
        log(f"done {n}")
        hit("commit-after")

    replace = ownership._LocalFiles.replace

    def instrumented_replace(self, key, data):
        path = self.root / key  # the owner record's writer uses .<name>.<uuid>.tmp, then renames it
        hit("beat-during", (path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp"), data))
        replace(self, key, data)

    local_store._put = instrumented_put
    writer_mod._Column._write_shard = instrumented_write_shard
    StoreWriter._write_commit = instrumented_commit
    ownership._LocalFiles.replace = instrumented_replace

    writer = StoreWriter(url, KILL_RUN, model=MODEL, run_attrs=RUN_ATTRS, **KILL_WRITER)
    rng = np.random.default_rng(1234)
    i = 0
    for batch in range(12):
        n = int(rng.integers(1, 13))
        writer.put(make_rows(i, n, step=batch + 1))
        i += n
        if batch % 3 == 2:
            log(f"flush {writer.flush()}")
            time.sleep(0.03)  # the writer thread idles: heartbeats
    writer.close()
    return dict(counts)


def run_kill_points(root: str, points_json: str) -> None:
    """Dry-run the workload once to count its events, then run one forked writer per point of
    ``[[seed, event], ...]``, each killed at a seeded occurrence of its event; writes ``root/points.json``."""
    import json

    root_path = Path(root)

    def in_child(fn, *args) -> int:
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                fn(*args)
            except BaseException:  # noqa: BLE001 - reported through the exit status
                import traceback

                traceback.print_exc()
                code = 3
            os._exit(code)
        return os.waitpid(pid, 0)[1]

    dry = root_path / "dry"
    status = in_child(lambda: (root_path / "counts.json").write_text(json.dumps(
        _kill_workload(str(dry / "store"), str(dry.with_suffix(".log"))))))
    if status != 0:
        raise SystemExit(f"dry run failed with status {status}")
    counts = json.loads((root_path / "counts.json").read_text())
    out = []
    for seed, event in json.loads(points_json):
        # heartbeats depend on timing: only the first few are certain to happen in every run
        cap = min(counts[event], 3) if event == "beat-during" else counts[event]
        at = int(np.random.default_rng(seed).integers(1, cap + 1))
        where = root_path / f"point-{seed}"
        status = in_child(_kill_workload, str(where / "store"), str(where.with_suffix(".log")), event, at)
        out.append({"seed": seed, "event": event, "at": at, "of": counts[event], "store": str(where / "store"),
                    "log": str(where.with_suffix(".log")),
                    "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
                    "exit": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None})
    (root_path / "points.json").write_text(json.dumps(out))


def _kill_in_array_creation(url: str, directory: str | None) -> list[str]:
    """The kill workload's writer, SIGKILLed while it creates its arrays: at the first metadata write into
    ``directory`` (store-relative, "" for the root) that creates a parent group "if it does not exist", right
    after that write's temporary file is on disk.

    zarr creates an array by writing its zarr.json and, concurrently, such a write of every ancestor group's
    zarr.json; on a local disk each one writes ``zarr.<uuid>.partial`` next to its key and then links it to the
    key (or drops it: the group exists).  Returns the directories those ancestor writes went to, in order (the
    dry run: ``directory`` None)."""
    import signal
    import threading
    import uuid

    import zarr.storage._local as local_store

    from provenance.store import StoreWriter

    root = Path(url).resolve()
    seen: list[str] = []
    armed = [False]
    lock = threading.Lock()
    put = local_store._put

    def instrumented_put(path, value, exclusive=False):
        if exclusive and armed[0]:
            where = Path(path).resolve().parent.relative_to(root).as_posix()
            where = "" if where == "." else where
            with lock:
                first = where not in seen
                if first:
                    seen.append(where)
                if first and where == directory:  # what zarr's _put has done at this point: folder, temporary
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                    Path(path).with_suffix(f".{uuid.uuid4().hex}.partial").write_bytes(bytes(value.as_buffer_like()))
                    os.kill(os.getpid(), signal.SIGKILL)
        return put(path, value, exclusive=exclusive)

    local_store._put = instrumented_put
    writer = StoreWriter(url, KILL_RUN, model=MODEL, run_attrs=RUN_ATTRS, **KILL_WRITER)
    armed[0] = True  # after setup: the writer thread's first batch creates the arrays
    writer.put(make_rows(0, 20))
    writer.close()
    return seen


def run_creation_kill_points(root: str) -> None:
    """Dry-run ``_kill_in_array_creation`` to list the directories array creation writes parent metadata into,
    then kill one forked writer in each; writes ``root/creation-points.json``:
    ``{"dirs": [...], "points": [{"dir", "store", "signal"}, ...]}``."""
    import json

    root_path = Path(root)

    def in_child(fn) -> int:
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                fn()
            except BaseException:  # noqa: BLE001 - reported through the exit status
                import traceback

                traceback.print_exc()
                code = 3
            os._exit(code)
        return os.waitpid(pid, 0)[1]

    listing = root_path / "dirs.json"
    status = in_child(lambda: listing.write_text(json.dumps(_kill_in_array_creation(str(root_path / "dry"), None))))
    if status != 0:
        raise SystemExit(f"dry run failed with status {status}")
    dirs = json.loads(listing.read_text())
    points = []
    for i, directory in enumerate(dirs):
        store = root_path / f"point-{i}"
        status = in_child(lambda: _kill_in_array_creation(str(store), directory))  # noqa: B023 - runs at once
        points.append({"dir": directory, "store": str(store),
                       "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None})
    (root_path / "creation-points.json").write_text(json.dumps({"dirs": dirs, "points": points}))


def _contender(url: str, run: str, index: int, go: str, owned: str, out: str, batches: int, pause_s: float,
               overwrite: bool) -> None:
    """One writer of a contention test: waits for GO, takes the run (or is refused), writes ``batches`` batches of
    5 rows (ids ``index * 1000 + k``) with pauses, and records what happened in OUT as JSON."""
    import json

    from provenance.errors import StoreError
    from provenance.store import StoreWriter

    while not os.path.exists(go):
        time.sleep(0.001)
    try:
        writer = StoreWriter(url, run, model=MODEL, run_attrs=RUN_ATTRS, shard_rows=16, chunk_rows=8,
                             shard_tokens=256, overwrite=overwrite)
    except StoreError as exc:
        Path(out).write_text(json.dumps({"pid": os.getpid(), "refused": type(exc).__name__, "message": str(exc)}))
        return
    writer.put(make_rows(index * 1000, 5, step=1))
    writer.flush()
    Path(owned).write_text(str(os.getpid()))
    try:
        for b in range(1, batches):
            time.sleep(pause_s)
            writer.put(make_rows(index * 1000 + 5 * b, 5, step=b + 1))
        wrote = writer.close()
    except StoreError as exc:
        Path(out).write_text(json.dumps({"pid": os.getpid(), "failed": type(exc).__name__, "message": str(exc),
                                         "cause": repr(exc.__cause__)}))
        return
    Path(out).write_text(json.dumps({"pid": os.getpid(), "wrote": wrote}))


def run_contenders(url: str, run: str, root: str, plan_json: str) -> None:
    """Fork one contender per entry of ``[{"start": "now"|"after-owned", "batches", "pause_s", "overwrite"}]``.

    "now" contenders are released together (one GO file after all have forked); "after-owned" ones start once
    the first contender owns the run.  Waits for all; their outcomes are in ``root/contender-<i>.json``.
    """
    import json

    plan = json.loads(plan_json)
    base = Path(root)
    go_now, go_later = base / "go-now", base / "go-later"
    pids = []
    for i, spec in enumerate(plan):
        go = go_now if spec["start"] == "now" else go_later
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                _contender(url, run, i, str(go), str(base / f"owned-{i}"), str(base / f"contender-{i}.json"),
                           spec["batches"], spec["pause_s"], spec.get("overwrite", False))
            except BaseException:  # noqa: BLE001
                import traceback

                traceback.print_exc()
                code = 3
            os._exit(code)
        pids.append(pid)
    go_now.touch()
    deadline = time.monotonic() + 60
    while not any((base / f"owned-{i}").exists() for i in range(len(plan))) and time.monotonic() < deadline:
        if all((base / f"contender-{i}.json").exists() for i in range(len(plan)) if plan[i]["start"] == "now"):
            break
        time.sleep(0.002)
    go_later.touch()
    for pid in pids:
        os.waitpid(pid, 0)


if __name__ == "__main__":
    if sys.argv[1] == "--exit-without-close":
        _exit_without_close(sys.argv[2])
    else:
        _crash_writer(sys.argv[1], sys.argv[2], int(sys.argv[3]))
