"""The LDS bank benchmark (``make bench-lds``).

    python -m benchmarks.lds.run --out runs/lds --phase bank [--reverse]   # retrains (resumable; run several at once)
    python -m benchmarks.lds.run --out runs/lds --phase full                          # all rows, capture on
    python -m benchmarks.lds.run --out runs/lds --phase attribute                     # every method's scores
    python -m benchmarks.lds.run --out runs/lds --phase report --results benchmarks/lds/results.md

Every phase resumes: finished retrains, the full run and each method's scores are files under ``--out``.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from benchmarks.lds.bank import init_bank, main_threads, run_bank, run_full
from benchmarks.lds.setting import Setting

PHASES = ("bank", "full", "attribute", "report")


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=Path("runs/lds"), help="bank folder (default runs/lds)")
    p.add_argument("--phase", choices=PHASES, required=True)
    p.add_argument("--subsets", type=int, default=50, help="retrained subsets (default 50)")
    p.add_argument("--fraction", type=float, default=0.5, help="share of the rows each subset keeps (default 0.5)")
    p.add_argument("--subset-seed", type=int, default=0)
    p.add_argument("--per-source", type=int, default=Setting.n_per_source, help="training rows per demo source")
    p.add_argument("--test-per-source", type=int, default=Setting.n_test_per_source)
    p.add_argument("--max-length", type=int, default=Setting.max_length)
    p.add_argument("--reverse", action="store_true", help="bank phase: walk the subsets from the last one")
    p.add_argument("--threads", type=int, default=1, help="intra-op threads of this process (default 1)")
    p.add_argument("--methods", nargs="*", default=None, help="attribute phase: only these methods")
    p.add_argument("--results", type=Path, default=Path("benchmarks/lds/results.md"), help="report phase: output")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    main_threads(args.threads)
    setting = Setting(n_per_source=args.per_source, n_test_per_source=args.test_per_source,
                      max_length=args.max_length)
    if args.phase in ("bank", "full"):
        init_bank(args.out, setting, args.subsets, args.fraction, args.subset_seed)
    if args.phase == "bank":
        n = run_bank(args.out, args.reverse, log=_log)
        _log(f"this process ran {n} retrains")
    elif args.phase == "full":
        run_full(args.out, log=_log)
    elif args.phase == "attribute":
        from benchmarks.lds.attribute import run_attribution

        run_attribution(args.out, methods=args.methods, log=_log)
    elif args.phase == "report":
        from benchmarks.lds.report import write_report

        write_report(args.out, args.results, log=_log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
