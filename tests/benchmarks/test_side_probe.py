"""side_probe's table: one row per (task, side, layer) with its per-answer and per-behaviour P@n."""
from __future__ import annotations

from benchmarks.attribution.side_probe import render


def test_render_pairs_the_two_modes():
    rows = [("t / b", "h_last", 29, "per answer", 0.92), ("t / b", "h_last", 29, "per behaviour", 1.0),
            ("t / b", "h_mean", 29, "per answer", 0.05), ("t / b", "h_mean", 29, "per behaviour", 0.0)]
    body = [line for line in render(rows).splitlines() if line.startswith("| t / b")]
    assert body == ["| t / b | h_last | 29 | 0.92 | 1.00 |", "| t / b | h_mean | 29 | 0.05 | 0.00 |"]
