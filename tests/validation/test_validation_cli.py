"""`provenance validate` end to end on a tiny model: data from JSON lines, ranking CSV, table and JSON output."""
import json

import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from provenance.cli import app
from provenance.validation import random_ids

pytest.importorskip("trl")


def test_validate_cli_drops_and_relabels_the_ranked_pairs_and_writes_json(tmp_path):
    torch.set_num_threads(1)
    pairs = [{"prompt": f"q{i}?", "chosen": " yes", "rejected": " no", "sample_id": f"p{i}"} for i in range(8)]
    (tmp_path / "pairs.jsonl").write_text("".join(json.dumps(p) + "\n" for p in pairs))
    pd.DataFrame({"pair_id": ["p6", "p1", "p3", "p6"], "score": [0.9, 0.8, 0.1, 0.95]}).to_csv(tmp_path / "r.csv",
                                                                                              index=False)
    (tmp_path / "prompts.jsonl").write_text('{"prompt": "q9?", "set": "a"}\n{"prompt": "q10?", "set": "b"}\n')
    out = tmp_path / "res.json"
    result = CliRunner().invoke(app, [
        "validate", "--data", str(tmp_path / "pairs.jsonl"), "--model", "tiny-llama", "--ranking",
        str(tmp_path / "r.csv"), "--k", "2", "--mode", "drop", "--mode", "relabel", "--prompts",
        str(tmp_path / "prompts.jsonl"), "--judge", "contains:yes", "--max-new-tokens", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    got = json.loads(out.read_text())
    assert [(c["name"], c["ids"]) for c in got["conditions"]] == [
        ("full", []), ("drop-top", ["p6", "p1"]), ("relabel-top", ["p6", "p1"]),
        ("drop-random", random_ids(pairs, 2, 0))]
    assert [(r["condition"], r["n_train"]) for r in got["table"]] == [
        ("full", 8), ("drop-top", 6), ("relabel-top", 8), ("drop-random", 6)]
    assert set(got["responses"]["full"]) == {"a", "b"} and got["meta"]["behaviour_set"] == "a"
    assert "drop-top" in result.output and "behaviour_rate" in result.output


def test_validate_cli_refuses_unusable_input_with_a_clear_message(tmp_path):
    (tmp_path / "pairs.jsonl").write_text('{"prompt": "q", "chosen": "a", "rejected": "b", "sample_id": "x"}\n')
    pd.DataFrame({"pair_id": ["y"], "score": [1.0]}).to_csv(tmp_path / "r.csv", index=False)
    (tmp_path / "p.txt").write_text("q?\n")
    result = CliRunner().invoke(app, ["validate", "--data", str(tmp_path / "pairs.jsonl"), "--model", "tiny-llama",
                                      "--ranking", str(tmp_path / "r.csv"), "--k", "1", "--prompts",
                                      str(tmp_path / "p.txt")])
    assert result.exit_code == 2
    assert "names only 0 id(s) present in the training data" in result.output
