"""focus_probe's table: one row per task-behaviour from the saved per-run numbers, means over the answers, sorted by
the gain's focus (highest first)."""
from __future__ import annotations

import json

from benchmarks.attribution.focus_probe import render


def test_render_means_and_order(tmp_path):
    (tmp_path / "attr_style.json").write_text(json.dumps({"praise": {
        "phi": [0.1, 0.3], "neff": [10.0, 12.0], "ntok": [20, 30],
        "h_fused": [0.8, 0.6], "token-match": [0.5, 0.3], "token-match-each": [0.4, 0.2]}}))
    (tmp_path / "attr_factual.json").write_text(json.dumps({"factual": {
        "phi": [0.6], "neff": [4.0], "ntok": [12], "h_fused": [0.5], "token-match": [0.9], "token-match-each": [0.7]}}))
    rows = [line for line in render(tmp_path).splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert rows == ["| factual | 1 | 0.60 | 4.0 | 12.0 | 0.50 | 0.90 | 0.70 |",
                    "| style / praise | 2 | 0.20 | 11.0 | 25.0 | 0.70 | 0.40 | 0.30 |"]
