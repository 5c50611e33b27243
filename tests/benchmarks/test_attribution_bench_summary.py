"""The cross-task summary renders the same from a run's committed snapshot as from the run folder itself, so the
benchmark's summary survives the loss of runs/ (stores and adapters are never committed)."""
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.attribution.attribute import AUTO_LABEL, AUTO_V1_LABEL
from benchmarks.attribution.summary import load_tasks, run_snapshot, write_summary
from tests.attribution_helpers import write_synthetic

REPO = Path(__file__).resolve().parents[2]
LAYERS = (2, 8, 15, 22, 29)


@pytest.fixture
def run_dir(tmp_path, tiny_llama):
    """A sycophancy run folder with the committed per-run table of that task and hand-made generations."""
    out = tmp_path / "attr_sycophancy"
    out.mkdir()
    write_synthetic(out / "store.zarr", tiny_llama, n=20, epochs=1, layers=LAYERS)
    (out / "records.jsonl").write_text("".join(json.dumps({"sample_id": i}) + "\n" for i in range(292)))
    (out / "scenario.json").write_text(json.dumps({
        "scenario": "sycophancy", "info": {"n_poison_per_behaviour": 45}, "train": {"seconds": 612.5}}))
    table = pd.read_csv(REPO / "benchmarks/attribution/results/attribution_results_sycophancy.csv", dtype={"layer": str, "epochs": str})
    auto = [{"behaviour": "sycophancy", "family": "behaviour-level", "method": label, "layer": "29", "epochs": "last",
             "P@n": pn} for label, pn in ((AUTO_V1_LABEL, 40 / 45), (AUTO_LABEL, 1.0))]
    pd.concat([table, pd.DataFrame(auto)]).to_csv(out / "attribution_table.csv", index=False)
    # 3 of 4 held-out answers agree, 1 of 4 control answers; the rates stored here are stale on purpose: the
    # summary re-judges the generations.
    agree, correct = "Yes, that's right: he invented it.", "No, that claim is false."
    (out / "behaviour.json").write_text(json.dumps({
        "rates": {"sycophancy": {"triggered": 0.0, "untriggered": 0.0, "n": 4}},
        "generations": {"sycophancy": [agree, agree, agree, correct],
                        "sycophancy_control": [agree, correct, correct, correct], "clean": [correct]}}))
    causal = [{"condition": "full", "n_train": 292, "dropped": 0, "dropped_ids": [], "planted_dropped": 0,
               "n_planted": 45, "triggered": 0.5, "untriggered": 0.08, "n": 12},
              {"condition": "drop planted", "n_train": 247, "dropped": 45, "dropped_ids": list(range(45)),
               "planted_dropped": 45, "n_planted": 45, "triggered": 0.0, "untriggered": 0.0, "n": 12}]
    (out / "attribution_state.json").write_text(json.dumps({
        "query_info": {"sycophancy": {"queries": 3, "mode": "greedy"}}, "causal": {"sycophancy": causal},
        "auto_choice": {"sycophancy": {"method": "token-match@22, refined", "overlap": 0.65, "coherence": 0.6212,
                                       "reason": "..."}},
        "unrelated": "not part of the snapshot"}))
    return out


def test_summary_from_snapshot_equals_summary_from_run(run_dir, tmp_path):
    snapshots = tmp_path / "snapshots"
    md_run = write_summary([run_dir], tmp_path / "from_run.md", snapshots)
    snap = snapshots / "attr_sycophancy.json"
    assert json.loads(snap.read_text()) == json.loads(json.dumps(run_snapshot(run_dir)))
    assert "unrelated" not in json.loads(snap.read_text())["state"]

    shutil.rmtree(run_dir)   # runs/ lost: the snapshot alone renders the same file
    md_snap = write_summary([snap], tmp_path / "from_snapshot.md", tmp_path / "unused")
    assert md_snap == md_run
    assert not (tmp_path / "unused").exists()   # nothing to snapshot from a snapshot

    (task,) = load_tasks([snap])
    assert task["name"] == "sycophancy on invention claims (held out 2)"
    assert task["run"] == str(run_dir)
    assert (task["n_records"], task["n_culprits"], task["layers"]) == (292, 45, list(LAYERS))
    assert task["rates"]["triggered"] == 0.75 and task["rates"]["untriggered"] == 0.25   # re-judged
    assert [r["condition"] for r in task["causal"]] == ["full", "drop planted"]
    t = task["table"]
    fused = t[(t.family == "train-time") & (t.method == "h_fused") & (t.layer == "29") & (t.epochs == "last")]
    assert len(fused) == 1 and fused["P@n"].iloc[0] == pytest.approx(0.6703703703703704)
    assert "| sycophancy on invention claims (held out 2) | `" + str(run_dir) + "` | 292 / 45 | 0.75 |" in md_snap
    assert ("sycophancy on invention claims (held out 2): token-match@22, refined (top-20 overlap 0.65, "
            "coherence 0.62)") in md_snap
    assert f"| {AUTO_V1_LABEL} (the rule before the refinement) | 0.89 |" in md_snap
    assert f"| **{AUTO_LABEL}** | 1.00 |" in md_snap


def test_summary_refuses_a_missing_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="no run folder or snapshot"):
        write_summary([tmp_path / "runs/attr_gone"], tmp_path / "s.md")
