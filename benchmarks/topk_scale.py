"""Top-100 query time over a synthetic 1,000,000-row store at d=576: local, dask, and the float16 query index.

    .venv/bin/python benchmarks/topk_scale.py            # writes benchmarks/topk_scale.md

The store is written by the product's `StoreWriter` (default encoding float16-rowscale, default 2048-row shards of
256-row blosc-zstd chunks) at one layer with the two parts the default signature variant reads (h_last, g_last); a
full capture stores more layers and parts, but a query reads only its own layer's parts. Rows imitate SmolLM2-135M
last-layer captures: h_last with one massive dimension (~575 of a norm ~710, as measured on the attribution
benchmark's store) plus a topic centre and noise, g_last ~1e-6 with a topic centre; 5,000 topics of 200 rows. The
query is a noisy copy of one topic's centre, so its top 100 are a dense cluster of near scores (the hard case for
the index's candidate bound).

Each path is timed through `SignatureMethod(...).top_k` (the scoring the `Attributor` runs) and, for the fast
paths, the whole `Attributor.query` (ranking DataFrame included). Cold = the store's files evicted from the page
cache (posix_fadvise DONTNEED after sync) and a freshly opened reader; warm = repeated on the same reader.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from provenance.attribution import Attributor, SignatureMethod, TestCase, TestSignatures  # noqa: E402
from provenance.attribution.signatures import get_signature  # noqa: E402
from provenance.attribution.topk_index import INDEX_DEFAULT_VARIANT  # noqa: E402
import provenance.attribution.dask_topk  # noqa: E402,F401  (loaded up front: the run must not pick up later edits)
from provenance.attribution.topk_index import bind_to_index, build_topk_index, index_top_k  # noqa: E402
from provenance.models import tiny_causal_lm, tiny_tokenizer  # noqa: E402
from provenance.store import CaptureRows, StoreWriter, open_store  # noqa: E402

LAYER = 29
TOPICS = 5000
MASSIVE_DIM = 17


def topic_centres(d: int, seed: int = 0):
    rng = np.random.default_rng([seed, 1])
    return (rng.standard_normal((TOPICS, d)) * 12).astype(np.float32), rng.standard_normal((TOPICS, d)).astype(np.float32)


def synthetic_parts(ids: np.ndarray, d: int, centres) -> dict[str, np.ndarray]:
    ch, cg = centres
    rng = np.random.default_rng([int(ids[0]), 2])
    t = ids % TOPICS
    h = ch[t] + rng.standard_normal((len(ids), d), dtype=np.float32) * 12
    h[:, MASSIVE_DIM] = 575 * (1 + 0.05 * rng.standard_normal(len(ids), dtype=np.float32))
    g = (cg[t] + rng.standard_normal((len(ids), d), dtype=np.float32)) * 1e-6
    g *= np.exp(rng.standard_normal((len(ids), 1), dtype=np.float32) * 0.5)  # per-sample loss scale
    return {"h_last": h, "g_last": g}


def write_store(path: Path, rows: int, d: int, model_fp: dict, batch: int = 8192) -> float:
    centres = topic_centres(d)
    t0 = time.perf_counter()
    w = StoreWriter(str(path), "run", model=model_fp, overwrite=True,
                    run_attrs={"layers": [LAYER], "hidden_size": d, "signatures": ["h_last", "g_last"],
                               "layer_choice": {"spread": [8, 15, 22, LAYER]}})
    for start in range(0, rows, batch):
        ids = np.arange(start, min(start + batch, rows))
        w.put(CaptureRows(sample_id=ids.tolist(), source=[f"src{i % 5}" for i in ids], epoch=0, step=start // batch,
                          loss=np.ones(len(ids), np.float32), prompt_len=np.full(len(ids), 2, np.int32),
                          token_ids=[np.array([1, 2, 3, 4], np.int32)] * len(ids),
                          signatures={LAYER: synthetic_parts(ids, d, centres)}))
    w.close()
    return time.perf_counter() - t0


def query_signature(d: int, n: int = 1, seed: int = 5) -> TestSignatures:
    ch, cg = topic_centres(d)
    rng = np.random.default_rng(seed)
    t = rng.integers(0, TOPICS, n)
    h = ch[t] + rng.standard_normal((n, d)).astype(np.float32) * 6
    h[:, MASSIVE_DIM] = 575
    g = (cg[t] + 0.5 * rng.standard_normal((n, d)).astype(np.float32)) * 1e-6
    arrays = {LAYER: {"h_last": h, "g_last": g, "h_mean": h, "g_mean": g}}
    return TestSignatures(cases=[TestCase("p", "r")] * n, arrays=arrays, input_ids=[np.zeros(1, np.int32)] * n,
                          prompt_len=np.zeros(n, np.int32), loss=np.zeros(n, np.float32))


def evict(path: Path) -> None:
    """Drop the store's files from the page cache (clean pages only: sync first)."""
    os.sync()
    for f in path.rglob("*"):
        if f.is_file():
            fd = os.open(f, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def read_throughput(path: Path) -> float:
    """GB/s of a cold sequential read of every file under ``path``."""
    evict(path)
    buf = bytearray(64 << 20)
    total, t0 = 0, time.perf_counter()
    for f in sorted(path.rglob("*")):
        if f.is_file():
            with open(f, "rb", buffering=0) as fh:
                while (n := fh.readinto(buf)):
                    total += n
    return total / (time.perf_counter() - t0) / 1e9


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=576)
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=5, help="warm repeats of the fast paths")
    ap.add_argument("--cold-repeats", type=int, default=3)
    ap.add_argument("--slow-repeats", type=int, default=1, help="warm repeats of the full-scan local and dask paths")
    ap.add_argument("--workdir", default=str(ROOT / "runs" / "topk_scale"))
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "topk_scale.md"))
    ap.add_argument("--keep", action="store_true", help="keep the store (default: delete it at the end)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    workdir = Path(args.workdir)
    path = workdir / "store.zarr"
    workdir.mkdir(parents=True, exist_ok=True)
    model = tiny_causal_lm("llama", seed=0)
    from provenance.capture import model_fingerprint

    try:
        res = run(args, path, model, model_fingerprint(model))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    Path(args.out).write_text(render(args, res))
    print(Path(args.out).read_text())


def run(args, path: Path, model, model_fp) -> dict:
    import dask
    from distributed import Client

    res: dict = {}
    print(f"writing {args.rows} rows ...", flush=True)
    res["write_s"] = write_store(path, args.rows, args.dim, model_fp)
    res["store_bytes"] = du(path)
    sig = get_signature(INDEX_DEFAULT_VARIANT)
    print("building the query index ...", flush=True)
    res["index_s"], ipath = timed(lambda: build_topk_index(str(path), LAYER, sig))
    res["index_bytes"] = du(path / ipath)
    res["disk_gbps"] = read_throughput(path / ipath)
    test = query_signature(args.dim)
    test8 = query_signature(args.dim, n=8, seed=6)
    tok = tiny_tokenizer()

    def fresh():
        return Attributor(open_store(str(path)), model, tok, allow_model_mismatch=True)

    def scorer(backend, client=None):
        return lambda att, t=test: SignatureMethod(sig, LAYER, "last", backend=backend, client=client).top_k(att, t, args.k)

    timings: dict[str, dict] = {}

    def measure(label, fn, warm_repeats, cold_repeats, test_sig=test, warmup=True):
        cold, warm, out = [], [], None
        for _ in range(cold_repeats):
            evict(path)
            att = fresh()
            t, out = timed(lambda: fn(att, test_sig))
            cold.append(t)
        att = fresh()
        att.samples  # loaded once per Attributor: not part of a warm query
        if warmup:  # fills the page cache (the full-scan paths run after others have filled it)
            fn(att, test_sig)
        for _ in range(warm_repeats):
            t, out = timed(lambda: fn(att, test_sig))
            warm.append(t)
        timings[label] = {"cold": cold, "warm": warm}
        print(label, {k: [round(x, 3) for x in v] for k, v in timings[label].items()}, flush=True)
        return out

    # Samples table load (once per Attributor; cold includes it for every path).
    evict(path)
    res["samples_cold_s"], _ = timed(lambda: fresh().samples)
    full = lambda b: (lambda att, t: att.query(t, signature=sig, layer=LAYER, k=args.k, snippet_chars=0, backend=b))  # noqa: E731
    ref = measure("local (stream, exact)", scorer("local"), args.slow_repeats, 1, warmup=False)
    out_index = measure("index (float16, mmap) + exact re-score", scorer("index"), args.repeats, args.cold_repeats)
    measure("index, whole Attributor.query", full("index"), args.repeats, 0)
    with dask.config.set(scheduler="threads", num_workers=1):
        out_dask = measure("dask (threads=1, exact)", scorer("dask"), args.slow_repeats, 0, warmup=False)
    with Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None) as client:
        out_dask_index = measure("dask-index (distributed LocalCluster, 1 thread)", scorer("dask-index", client),
                                 args.repeats, args.cold_repeats)
    ref8 = measure("local (stream, exact), 8 queries", scorer("local"), 1, 0, test8, warmup=False)
    out8 = measure("index, 8 queries", scorer("index"), args.repeats, 0, test8)
    stats: dict = {}
    att = fresh()
    bound = bind_to_index(att.store, LAYER, sig)  # a centered default variant: the means stored with the index
    index_top_k(att.store, LAYER, bound, bound.features(test.arrays[LAYER]), args.k, "last", att.samples, stats=stats)
    res["candidates"] = stats["candidates"]
    stats8: dict = {}
    index_top_k(att.store, LAYER, bound, bound.features(test8.arrays[LAYER]), args.k, "last", att.samples,
                stats=stats8)
    res["candidates8"] = stats8["candidates"]
    res["same"] = {
        name: (bool((o[1] == r[1]).all()), float(np.abs(o[0] - r[0]).max()))
        for name, o, r in [("index", out_index, ref), ("dask", out_dask, ref), ("dask-index", out_dask_index, ref),
                           ("index, 8 queries", out8, ref8)]
    }
    res["ref_scores"] = (float(ref[0][0, 0]), float(ref[0][0, -1]))
    res["timings"] = timings
    return res


def render(args, res: dict) -> str:
    med = lambda v: f"{statistics.median(v):.3f}" if v else "–"  # noqa: E731
    cpu = platform.processor() or platform.machine()
    try:
        model = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        model = cpu
    lines = [
        f"# Top-k at scale: {args.rows:,}-row store, d={args.dim}, top-{args.k}",
        "",
        "Regenerate (about 15 minutes at one thread; the store, ~4.6 GB with its index, is written under runs/ and deleted):",
        "",
        "```",
        ".venv/bin/python benchmarks/topk_scale.py" + (f" --rows {args.rows}" if args.rows != 1_000_000 else ""),
        "```",
        "",
        f"Machine: {model}, {os.cpu_count()} cores shared with other jobs, one torch thread "
        f"(`torch.set_num_threads(1)`, one job per core); torch {torch.__version__}. "
        f"Store: {args.rows:,} rows x {args.dim} dims, parts h_last and g_last at layer {LAYER}, written by "
        f"`StoreWriter` with the default encoding (float16-rowscale, blosc-zstd bitshuffle, 256-row chunks in 2048-row "
        f"shards): {res['write_s']:.0f} s, {res['store_bytes'] / 1e9:.2f} GB on disk. Query: one test signature, the "
        f"variant `{INDEX_DEFAULT_VARIANT}` (the index default), epochs=\"last\", k={args.k}. Medians over the repeats (n in brackets), "
        "seconds.",
        "",
        "| path | layout read | cold (s) | warm (s) |",
        "|---|---|---|---|",
    ]
    layout = {
        "local (stream, exact)": "stored parts, decoded (float16-rowscale -> float32)",
        "index (float16, mmap) + exact re-score": "query index (float16 features, uncompressed, memory-mapped) + candidates' stored rows",
        "index, whole Attributor.query": "same, plus the ranking DataFrame",
        "dask (threads=1, exact)": "stored parts via `to_dask` (decoded per shard)",
        "dask-index (distributed LocalCluster, 1 thread)": "query index, one task per 65,536-row chunk + re-score",
        "local (stream, exact), 8 queries": "stored parts",
        "index, 8 queries": "query index + re-score",
    }
    for label, t in res["timings"].items():
        lines.append(f"| {label} | {layout[label]} | {med(t['cold'])} ({len(t['cold'])}) | {med(t['warm'])} ({len(t['warm'])}) |")
    same = "; ".join(f"{k}: rows {'identical' if ok else 'DIFFER'}, max |score diff| {d:.1e}" for k, (ok, d) in res["same"].items())
    lines += [
        "",
        f"- Same answer as the local exact path: {same}. Top-1 / top-100 scores {res['ref_scores'][0]:.4f} / "
        f"{res['ref_scores'][1]:.4f}.",
        f"- Query index (`build_topk_index` / `provenance topk-index`): built in {res['index_s']:.0f} s, "
        f"{res['index_bytes'] / 1e9:.2f} GB ([N, 1152] float16 + [N] float32 error). Certified candidates re-scored "
        f"exactly: {res['candidates']} for one query, {res['candidates8']} for 8 queries (union).",
        f"- Cold reads: this disk delivered {res['disk_gbps']:.2f} GB/s reading the index files after eviction, so "
        f"a cold index scan is bounded by the disk ({res['index_bytes'] / 1e9:.2f} GB / {res['disk_gbps']:.2f} GB/s). "
        f"Loading the samples table ({args.rows:,} rows of ids, sources, epochs) cold: {res['samples_cold_s']:.2f} s, once per "
        "Attributor; cold timings include it.",
        "- Where a cold index query's time goes: the samples table (above; the reader reads each 1-D column of 10^6 "
        "rows in 256-row chunks, about 1-1.7 s per column even when cached, a store-layout cost outside the query), "
        f"the index read from disk (~{res['index_bytes'] / 1e9 / res['disk_gbps']:.1f} s), and the re-score's reads of "
        "the candidates' compressed chunks. Warm, the query is the scan plus the re-score of ~100 rows (about 1.3 ms "
        "of Zarr overhead per 256-row chunk read, two parts). Goal <= 1 s: met warm; not met cold, where reading "
        f"{res['index_bytes'] / 1e9:.1f} GB at this disk's speed alone takes longer than a second.",
        "- The other core ran another benchmark during these timings (memory bandwidth shared).",
        "",
        "What a query needs, and what each path reads:",
        "",
        "- The variant scores cos(concat((h_last - mean)/|.|, (g_last - mean)/|.|)) at one layer: two "
        "[N, 576] parts. The local and dask paths read both stored payloads (float16-rowscale, blosc-zstd: ~1.1 KB "
        "per row and part, barely compressible), decompress them, cast float16 to float32 (numpy's cast alone is "
        "several seconds per 10^9 values), normalise and multiply: every stored value of both parts (1.15 G values "
        "at 10^6 rows) is decoded per query.",
        "- The query index stores the product of that work once: the unit-norm [N, 1152] features as float16 "
        "(2.3 KB per row), uncompressed, in 65,536-row chunks. A query memory-maps each chunk (no read copy, no "
        "decode) and runs one float16 matrix-vector product per chunk and query (torch; memory-bound, ~0.1 s per "
        "10^6 x 1152 on this CPU, where float16 matrix-matrix and numpy float16 paths are 5-100x slower). Each row's "
        "float16 rounding error |f16(f) - f| is stored beside it; with the query's own rounding and 2^-11 for the "
        "score's rounding it bounds the indexed score, so every row that could reach the top k is kept and re-scored "
        "from the stored arrays with the local path's functions: the index path returns the exact top-k.",
        "- Capture is unchanged: the writer's default encoding and layout stay as they were; the index is an explicit "
        "step after capture (`provenance topk-index STORE`), refused once the store has more committed rows or "
        "different rows than it was built over.",
        "- Centered variants (the index default `rept_c`) need the last epoch's per-part means: the local and dask paths "
        "compute them in one extra pass over the store, cached per process (here computed during the index build, "
        "so not in the local timings above); the index stores them, so an index query never makes that pass.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
