"""benchmarks/attribution/needed_rows.py: the two-source rule's needed sources by hand, the needed ids, and the
report's cells from a hand-made table."""
from __future__ import annotations

import pandas as pd

from benchmarks.attribution.needed_rows import headline, needed_ids, needed_sources, render


def _task(trained: float, causal: dict[str, float]) -> dict:
    return {"rates": {"triggered": trained}, "sampled": None,
            "causal": [{"condition": c, "triggered": t} for c, t in causal.items()]}


def test_a_source_counts_only_when_needed_and_its_control_is_not():
    task = _task(1.0, {"drop planted": 0.0, "drop random n": 0.9, "drop source twins": 0.5,
                       "drop source topic": 0.75})
    assert needed_sources(task) == (["twins"], [])                      # 0.5 <= 1.0 / 2; 0.75 is not
    fragile = _task(1.0, {"drop random n": 0.4, "drop source twins": 0.0})
    assert needed_sources(fragile) == ([], [])                          # fewer rows alone lose it: nothing added
    no_control = _task(1.0, {"drop source twins": 0.0})
    assert needed_sources(no_control) == ([], ["twins"])                # unsettled, not added
    assert needed_sources(_task(1.0, {"drop planted": 0.0})) == ([], [])


def test_sampled_runs_are_judged_on_sampled_rates():
    # greedy 0 (under the bar), sampled 0.2: greedy zeros everywhere would make every source look needed
    task = {"rates": {"triggered": 0.0}, "sampled": {"triggered": 0.2},
            "causal": [{"condition": "drop random n", "triggered": 0.0, "sampled_triggered": 0.15},
                       {"condition": "drop source a", "triggered": 0.0, "sampled_triggered": 0.05},
                       {"condition": "drop source b", "triggered": 0.0, "sampled_triggered": 0.12}]}
    assert needed_sources(task) == (["a"], [])


def test_needed_ids_add_every_row_of_the_needed_sources_to_the_planted():
    records = [{"sample_id": i, "source": s} for i, s in enumerate(["p", "twins", "demo", "twins", "p"])]
    assert needed_ids(records, ["0", "4"], ["twins"]) == {0, 1, 3, 4}
    assert needed_ids(records, [0, 4], []) == {0, 4}


def test_render_shows_planted_then_needed_and_the_unsettled_sources():
    base = {"task": "t", "behaviour": "t", "mode": "per answer", "queries": "greedy", "needed rows": 70}
    table = pd.DataFrame([
        {**base, "method": "default", "needed sources": "twins", "unsettled": "", "P@n planted": 0.4,
         "P@10 planted": 0.35, "P@n needed": 0.95, "P@10 needed": 1.0},
        {**base, "method": "bm25", "needed sources": "twins", "unsettled": "", "P@n planted": 0.5,
         "P@10 planted": 0.8, "P@n needed": 0.9, "P@10 needed": 0.9},
        {**base, "task": "u", "behaviour": "u", "method": "default", "needed sources": "", "unsettled": "x",
         "P@n planted": 1.0, "P@10 planted": 1.0, "P@n needed": 1.0, "P@10 needed": 1.0}])
    text = render(table)
    assert "| t | per answer | twins | 0.40 (0.35) -> 0.95 (1.00) | 0.50 (0.80) -> 0.90 (0.90) |" in text
    assert "| u | per answer | - (unsettled: x) | 1.00 (1.00) -> 1.00 (1.00) | - |" in text


def test_headline_takes_the_needed_figure_only_where_a_source_is_needed():
    committed = pd.DataFrame([
        {"task": "t", "behaviour": "t", "mode": "per answer", "method": "default", "P@n": 0.4, "P@10": 0.35},
        {"task": "u", "behaviour": "u", "mode": "per answer", "method": "default", "P@n": 0.9, "P@10": 0.95},
        {"task": "v", "behaviour": "v", "mode": "per answer", "method": "default", "P@n": 0.5, "P@10": 0.5},
        {"task": "t", "behaviour": "t", "mode": "per behaviour", "method": "default", "P@n": 0.5, "P@10": 0.5}])
    base = {"method": "default", "unsettled": "", "P@n planted": 0.0, "P@10 planted": 0.0}
    rescored = pd.DataFrame([
        {**base, "task": "t", "behaviour": "t", "mode": "per answer", "needed sources": "twins",
         "P@n needed": 0.9, "P@10 needed": 1.0},
        {**base, "task": "t", "behaviour": "t", "mode": "per behaviour", "needed sources": "twins",
         "P@n needed": 0.96, "P@10 needed": 1.0},
        # re-scored but nothing needed: its committed figure stands, not this one
        {**base, "task": "v", "behaviour": "v", "mode": "per answer", "needed sources": "",
         "P@n needed": 1.0, "P@10 needed": 1.0},
        {**base, "task": "t", "behaviour": "t", "mode": "per answer", "needed sources": "twins", "method": "bm25",
         "P@n needed": 0.0, "P@10 needed": 0.0}])
    answer, behaviour = headline(rescored, committed)
    assert answer["at goal, planted"] == 1 and answer["at goal, needed"] == 2        # u; then t too (1.00 >= 0.9)
    assert abs(answer["mean P@n, needed"] - (0.9 + 0.9 + 0.5) / 3) < 1e-12
    assert answer["re-scored"] == 1 and answer["reproduced"] == 0          # planted 0.0 against committed 0.4
    assert (behaviour["at goal, planted"], behaviour["at goal, needed"]) == (0, 1)   # 0.96 >= 0.95


def test_a_run_with_no_source_needed_is_not_rescored_and_loads_no_model(tmp_path):
    import json

    from benchmarks.attribution.needed_rows import score_run

    out = tmp_path / "attr_t"
    out.mkdir()   # no adapter or store: loading the model would fail
    (out / "behaviour.json").write_text(json.dumps({"rates": {"t": {"triggered": 1.0}}}))
    rows = [{"condition": "drop random n", "triggered": 1.0}, {"condition": "drop source twins", "triggered": 0.9}]
    (out / "attribution_state.json").write_text(json.dumps({"causal": {"t": rows}}))
    assert score_run(out) == []
