"""The command line the per-run probes share (`projection_sensitivity`, `fusion_probe`): measure each run, write the
Markdown table and every record as JSON beside it."""
from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import torch


def probe_main(description: str, measure: Callable[[Path], list[dict]], render: Callable[[list[dict]], str],
               argv: list[str] | None = None) -> None:
    """``--runs`` measured in order (one intra-op thread: the runs' models are small), the table at ``--out`` and the
    records at ``--out`` with a ``.json`` suffix."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--runs", nargs="+", required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    records = [r for run in args.runs for r in measure(Path(run))]
    text = render(records).rstrip("\n") + "\n"
    args.out.write_text(text)
    args.out.with_suffix(".json").write_text(json.dumps(records, indent=1))
    print(text, end="")
