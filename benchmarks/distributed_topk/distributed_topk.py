"""Top-k over a synthetic store on a dask.distributed LocalCluster whose workers are given less memory than the store.

    .venv/bin/python -m benchmarks.distributed_topk.distributed_topk --rows 10000000     # the issue's scale
    .venv/bin/python -m benchmarks.distributed_topk.distributed_topk --rows 1000000 --keep

The store is written by the product's `StoreWriter` (default encoding float16-rowscale) under
``runs/distributed_topk/`` (git-ignored) at one layer with the two parts the ``rept_norm`` signature reads (h_last,
g_last), one token per row; rows are seeded Gaussians (h ~ 1e3, g ~ 1e-6, like real captures) in topics, so each
query's top k is a cluster of near scores. The query is `SignatureMethod`'s dask path (`DaskBackend`, one task per
shard, top-k lists merged in a tree) on a `LocalCluster` of worker processes, each with ``--memory-limit`` bytes:
the nanny restarts a worker above 95 % of it, so a run that finishes never held more than that in one worker. The
reference is the local streaming path in this process; rows must match exactly, scores within 1e-6.

Peak worker memory is the largest resident set size (RSS) any worker process reported while the query ran, sampled
every ``--sample-s`` seconds through ``Client.run`` (a peak shorter than the period can be missed), next to each
worker's RSS before the query (its imports and the cluster's own state).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from provenance.attribution.backends import get_backend  # noqa: E402
from provenance.attribution.signatures import VARIANTS  # noqa: E402
from provenance.store import CaptureRows, StoreWriter, open_store  # noqa: E402

LAYER = 1
PARTS = ("h_last", "g_last")
VARIANT = "rept_norm"
TOPICS = 1000
BATCH_ROWS = 16384
RUNS_DIR = ROOT / "runs" / "distributed_topk"


def _topic_centres(d: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng([seed, 0])
    return {p: rng.standard_normal((TOPICS, d)).astype(np.float32) for p in PARTS}


def synthetic_parts(start: int, n: int, d: int, seed: int = 0) -> dict[str, np.ndarray]:
    """The batch of rows ``start .. start+n`` as `write_store` writes it: topic centre + noise per part, drawn from
    a generator seeded by (seed, batch start)."""
    centres = _topic_centres(d, seed)
    rng = np.random.default_rng([seed, 1, start])
    topic = np.arange(start, start + n) % TOPICS
    out = {}
    for p in PARTS:
        x = centres[p][topic] + 0.5 * rng.standard_normal((n, d)).astype(np.float32)
        out[p] = (x * (1e3 if p.startswith("h") else 1e-6)).astype(np.float32)
    return out


def write_store(path: str | Path, n_rows: int, d: int, *, seed: int = 0, shard_rows: int = 8192,
                chunk_rows: int = 1024) -> float:
    """Write ``n_rows`` synthetic rows (one rank, one epoch) to ``path``; returns the seconds taken."""
    t0 = time.perf_counter()
    writer = StoreWriter(str(path), "run", model={"name": "synthetic", "config_hash": "distributed-topk"},
                         run_attrs={"layers": [LAYER], "hidden_size": d, "signatures": list(PARTS)},
                         shard_rows=shard_rows, chunk_rows=chunk_rows, shard_tokens=max(shard_rows * 8, 65536),
                         overwrite=True)
    one_token = np.ones(1, np.int32)
    for start in range(0, n_rows, BATCH_ROWS):
        n = min(BATCH_ROWS, n_rows - start)
        parts = synthetic_parts(start, n, d, seed)
        writer.put(CaptureRows(sample_id=list(range(start, start + n)), source=["synthetic"] * n, epoch=0,
                               step=start // BATCH_ROWS, loss=np.ones(n, np.float32),
                               prompt_len=np.zeros(n, np.int32), token_ids=[one_token] * n,
                               signatures={LAYER: parts}))
    writer.close()
    return time.perf_counter() - t0


def queries(store, n_queries: int, seed: int = 0) -> np.ndarray:
    """Unit-norm rept_norm features of ``n_queries`` stored rows plus noise: [Q, 2d]."""
    signature = VARIANTS[VARIANT]
    rows = np.random.default_rng([seed, 2]).choice(len(store), n_queries, replace=False)
    rows.sort()
    feats = signature.features({p: store.array(LAYER, p, rows=rows.tolist()) for p in PARTS})
    feats = feats + 0.05 * np.random.default_rng([seed, 3]).standard_normal(feats.shape).astype(np.float32)
    return (feats / np.linalg.norm(feats, axis=1, keepdims=True)).astype(np.float32)


def store_bytes(path: str | Path) -> int:
    """Bytes of every file under ``path``."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def _rss() -> int:
    import psutil

    return psutil.Process().memory_info().rss


class _PeakSampler:
    """Largest RSS per worker, polled with ``Client.run`` from a thread while the query runs."""

    def __init__(self, client, period_s: float) -> None:
        self.client, self.period_s = client, period_s
        self.peak: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self) -> None:
        for worker, rss in self.client.run(_rss).items():
            self.peak[worker] = max(self.peak.get(worker, 0), int(rss))

    def _loop(self) -> None:
        while not self._stop.wait(self.period_s):
            self._sample()

    def __enter__(self) -> _PeakSampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


@dataclass
class ClusterRun:
    """One top-k on a LocalCluster: the result and what it cost."""

    scores: np.ndarray
    rows: np.ndarray
    seconds: float
    rss_before: dict[str, int]  # per worker, after the cluster started and before the query
    rss_peak: dict[str, int]  # per worker, during the query
    memory_limit: int  # per worker
    restarts: int  # workers the nanny replaced during the query (0: no worker went over its limit)


def cluster_top_k(path: str | Path, q: np.ndarray, k: int, *, n_workers: int = 2, memory_limit: int | str,
                  sample_s: float = 0.1) -> ClusterRun:
    """The dask path's top-k over the store at ``path`` on a fresh LocalCluster of ``n_workers`` worker processes
    with one thread and ``memory_limit`` each."""
    from dask.utils import parse_bytes
    from distributed import Client, LocalCluster

    store = open_store(str(path))
    signature = VARIANTS[VARIANT]
    samples = store.samples()
    limit = parse_bytes(memory_limit) if isinstance(memory_limit, str) else int(memory_limit)
    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, memory_limit=limit,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        client.wait_for_workers(n_workers)
        before = {w: int(r) for w, r in client.run(_rss).items()}
        with _PeakSampler(client, sample_s) as sampler:
            t0 = time.perf_counter()
            scores, rows = get_backend("dask").top_k_features(store, LAYER, signature, q, k, epochs="all",
                                                              samples=samples, client=client)
            seconds = time.perf_counter() - t0
        restarts = len(set(sampler.peak) - set(before))
    return ClusterRun(scores, rows, seconds, before, {w: sampler.peak[w] for w in before if w in sampler.peak},
                      limit, restarts)


def local_top_k(path: str | Path, q: np.ndarray, k: int,
                chunk_rows: int = 65536) -> tuple[np.ndarray, np.ndarray, float]:
    """The local streaming path's (scores, rows) and the seconds it took, in this process."""
    store = open_store(str(path))
    t0 = time.perf_counter()
    scores, rows = get_backend("local").top_k_features(store, LAYER, VARIANTS[VARIANT], q, k, epochs="all",
                                                       samples=store.samples(), chunk_rows=chunk_rows)
    return scores, rows, time.perf_counter() - t0


def _mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--d", type=int, default=64, help="width of each part (h_last, g_last)")
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--queries", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-limit", default="1GiB",
                    help="per worker (a worker that has imported the library starts at ~320 MiB)")
    ap.add_argument("--sample-s", type=float, default=0.1)
    ap.add_argument("--keep", action="store_true", help="keep the store under runs/distributed_topk")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse a kept store of the same size (its committed rows are checked) instead of writing it")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = ap.parse_args(argv)

    path = RUNS_DIR / f"store-{args.rows}x{args.d}.zarr"
    write_s = None
    reused = args.reuse and path.exists()
    if reused and len(open_store(str(path))) != args.rows:
        # A write cut short commits fewer rows than asked: reusing it would measure another store.
        ap.error(f"--reuse: {path} has {len(open_store(str(path))):,} committed rows, not {args.rows:,}; "
                 f"delete it or run without --reuse to write it again")
    if not reused:
        shutil.rmtree(path, ignore_errors=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_s = write_store(path, args.rows, args.d)
    try:
        store = open_store(str(path))
        q = queries(store, args.queries)
        on_disk = store_bytes(path)
        decoded = len(store) * 2 * args.d * 4  # float32 rows of both parts, as the query reads them
        run = cluster_top_k(path, q, args.k, n_workers=args.workers, memory_limit=args.memory_limit,
                            sample_s=args.sample_s)
        ref_scores, ref_rows, local_s = local_top_k(path, q, args.k)
        rows_equal = bool(np.array_equal(run.rows, ref_rows))
        max_score_diff = float(np.abs(run.scores - ref_scores).max())
        figures = {
            "rows": len(store), "d_per_part": args.d, "k": args.k, "queries": args.queries, "workers": args.workers,
            "memory_limit_per_worker": run.memory_limit, "store_bytes_on_disk": on_disk,
            "store_bytes_decoded_float32": decoded, "write_s": write_s, "store_reused": reused,
            "cluster_top_k_s": run.seconds,
            "local_top_k_s": local_s, "rss_before": run.rss_before, "rss_peak": run.rss_peak,
            "worker_restarts": run.restarts, "rows_equal_local": rows_equal, "max_score_diff": max_score_diff,
            "machine": f"{platform.machine()} {os.cpu_count()} logical CPUs, {platform.python_version()}",
        }
        peak = max(run.rss_peak.values())
        print(f"{len(store):,} rows x 2 parts x d={args.d}: {_mib(on_disk)} on disk, {_mib(decoded)} decoded; "
              f"{args.workers} workers x {_mib(run.memory_limit)}")
        if write_s is not None:
            print(f"write: {write_s:.1f} s")
        print(f"cluster top-{args.k} x {args.queries} queries: {run.seconds:.1f} s; local path: {local_s:.1f} s")
        print(f"worker RSS before: {', '.join(_mib(v) for v in run.rss_before.values())}; peak: "
              f"{', '.join(_mib(v) for v in run.rss_peak.values())} (max {_mib(peak)}); restarts: {run.restarts}")
        print(f"rows equal to the local path: {rows_equal}; max |score diff|: {max_score_diff:.2e}")
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))
        return 0 if rows_equal and max_score_diff <= 1e-6 and run.restarts == 0 else 1
    finally:
        if not args.keep:
            shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
