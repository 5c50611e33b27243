"""projection_sensitivity's grid and table on hand-made records: mean, worst and the tasks a setting moves by more
than 0.10 from the default."""
from __future__ import annotations

from benchmarks.attribution.projection_sensitivity import DEFAULT, render, settings


def test_grid_has_the_default_in_the_middle_and_no_projection_once():
    grid = settings()
    assert grid[0] == (0, 1.5) and DEFAULT in grid and len(grid) == len(set(grid)) == 10
    assert sorted({p for p, _ in grid}) == [0, 5, 10, 20] and sorted({z for p, z in grid if p}) == [1.0, 1.5, 2.0]


def test_render_counts_moves_beyond_the_margin():
    names = ["h_fused_z"] + [f"{p},{z}" for p, z in settings()]
    records = []
    for task, base in (("style", 0.75), ("factual", 0.50)):
        for name in names:
            p = base
            if (task, name) == ("style", "h_fused_z"):
                p = 0.57                      # 0.18 below the default: moved
            if (task, name) == ("factual", "0,1.5"):
                p = 0.59                      # 0.09 above: within the margin
            for mode in ("per answer", "per behaviour"):
                records.append({"task": task, "behaviour": task, "mode": mode, "setting": name, "P@n": p})
    text = render(records)
    answer = text.split("## per answer")[1].split("## per behaviour")[0]
    rows = {line.split(" | ")[0]: line.split(" | ")[1:] for line in answer.splitlines() if line.startswith("| ")}
    assert rows["| style"][0] == "0.57" and rows["| factual"][1] == "0.59"
    assert rows["| **mean**"][0] == "0.535" and rows["| **worst**"][0] == "0.50"
    assert rows["| tasks moved > 0.1 from the default"][:2] == ["1", "0"]
