"""answer_sensitivity's grid and table on hand-made records: the default (share 0.5) at every projection, the other
fixed shares and phi beside it, and the mean, worst, count at >= 0.9 and tasks moved by more than 0.10 from the
default."""
from __future__ import annotations

from benchmarks.attribution.answer_sensitivity import DEFAULT, render, settings


def test_grid_has_the_default_no_projection_once_and_every_fixed_share():
    grid = settings()  # 10 projections at share 0.5, the 4 other fixed shares, phi
    assert DEFAULT == "share 0.5, 10,1.0" and len(grid) == len(set(grid)) == 15
    assert grid[0] == "share 0.5, 0,1.0" and [s for s in grid if s.endswith(", 10,1.0")] == [
        "share 0.5, 10,1.0", "share 0, 10,1.0", "share 0.25, 10,1.0", "share 0.75, 10,1.0", "share 1, 10,1.0",
        "phi, 10,1.0"]
    assert [s for s in grid if not s.startswith("share 0.5,")] == [
        "share 0, 10,1.0", "share 0.25, 10,1.0", "share 0.75, 10,1.0", "share 1, 10,1.0", "phi, 10,1.0"]


def test_render_counts_moves_beyond_the_margin_and_tasks_at_0_9():
    records = []
    for task, base in (("paw", 0.81), ("style", 0.96)):
        for name in settings():
            p = base
            if (task, name) == ("paw", "share 1, 10,1.0"):
                p = 1.00                      # 0.19 above the default: moved
            if (task, name) == ("style", "share 1, 10,1.0"):
                p = 0.54                      # 0.42 below: moved
            if (task, name) == ("paw", "share 0.5, 20,1.5"):
                p = 0.72                      # 0.09 below: within the margin
            records.append({"task": task, "behaviour": task, "setting": name, "P@n": p, "P@10": p})
    text = render(records)
    p10 = text.split("## P@10")[1]
    cells = [line.strip("| ").split(" | ") for line in p10.splitlines() if line.startswith("| ")]
    rows = {c[0]: c[1:] for c in cells}
    names = settings()
    col = {name: i for i, name in enumerate(names)}
    assert rows["paw"][col["share 1, 10,1.0"]] == "1.00" and rows["style"][col["share 1, 10,1.0"]] == "0.54"
    assert rows["**mean**"][col[DEFAULT]] == "0.885" and rows["**worst**"][col["share 1, 10,1.0"]] == "0.54"
    assert rows["**>= 0.9**"][col[DEFAULT]] == "1/2" and rows["**>= 0.9**"][col["share 1, 10,1.0"]] == "1/2"
    moved = rows["tasks moved > 0.1 from the default"]
    assert moved[col["share 1, 10,1.0"]] == "2" and moved[col["share 0.5, 20,1.5"]] == "0" and moved[col[DEFAULT]] == "0"
