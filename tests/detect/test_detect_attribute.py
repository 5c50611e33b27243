"""Detect -> attribute on a tiny captured store, through the API and the `provenance detect` CLI."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from attribution_helpers import tiny_records, write_captured
from provenance.attribution import Attributor
from provenance.attribution.query import greedy_responses
from provenance.detect import SplineDetector, detect_then_attribute
from provenance.errors import DetectorError
from provenance.store import open_store

LAYERS = [2, 4]


@pytest.fixture
def setup(tmp_path, tiny_llama, tiny_tok):
    records = tiny_records(12)
    write_captured(tmp_path / "store.zarr", tiny_llama, tiny_tok, records, LAYERS)
    prompts, responses = [r["prompt"] for r in records], [r["response"] for r in records]
    labels = [int(r["source"] == "s0") for r in records]
    det = SplineDetector().fit_texts(tiny_llama, tiny_tok, prompts, labels, responses)
    att = Attributor(open_store(str(tmp_path / "store.zarr")), tiny_llama, tiny_tok, max_new_tokens=6)
    return records, det, att


def test_flagged_generations_are_attributed_and_shares_counted(setup):
    records, det, att = setup
    prompts, responses = [r["prompt"] for r in records], [r["response"] for r in records]
    # A low threshold so that the flagged set mixes the "harmful" source s0 with others.
    res = detect_then_attribute(det, att, prompts, generations=responses, k=1, threshold=0.2, harmful_sources=("s0",))
    scores = det.score_texts(att.model, att.tokenizer, prompts, responses)
    np.testing.assert_allclose(res.generations["score"], scores)
    flagged = np.flatnonzero(scores >= 0.2)
    assert res.generations["flagged"].to_numpy().nonzero()[0].tolist() == flagged.tolist()
    assert 0 < len(flagged) < len(records)
    # Each flagged generation is a stored training sample verbatim: its top-1 row is that very sample.
    top1 = res.ranking[res.ranking["rank"] == 1]
    assert top1["query"].tolist() == [f"g{i}" for i in flagged]
    assert top1["sample_id"].tolist() == flagged.tolist()
    expected = np.mean([records[i]["source"] == "s0" for i in flagged])
    assert res.harmful_share == pytest.approx(expected) and 0 < expected < 1
    assert res.summary["count"].sum() == len(flagged)
    assert dict(zip(res.summary.source, res.summary["count"])) == {
        s: int(sum(records[i]["source"] == s for i in flagged)) for s in {records[i]["source"] for i in flagged}}


def test_nothing_flagged_generation_path_and_errors(setup):
    records, det, att = setup
    prompts = [r["prompt"] for r in records[:3]]
    none = detect_then_attribute(det, att, prompts, k=2, threshold=1.0)
    # Greedy generations come from the attributor's model and settings.
    assert none.generations["generation"].tolist() == greedy_responses(att.model, att.tokenizer, prompts, max_new_tokens=6)
    assert not none.generations["flagged"].any() and none.ranking.empty and math.isnan(none.harmful_share)
    with pytest.raises(DetectorError, match="threshold"):
        detect_then_attribute(det, att, prompts, generations=["a"] * 3, threshold=1.5)
    with pytest.raises(DetectorError, match="2 generations for 3 prompts"):
        detect_then_attribute(det, att, prompts, generations=["a", "b"])


def test_cli_train_apply_attribute(tmp_path, tiny_llama, tiny_tok):
    from provenance.cli import app

    model_dir = tmp_path / "model"
    tiny_llama.save_pretrained(model_dir)
    tiny_tok.save_pretrained(model_dir)
    records = tiny_records(12)
    write_captured(tmp_path / "store.zarr", tiny_llama, tiny_tok, records, LAYERS)
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps({"prompt": r["prompt"], "response": r["response"],
                                        "label": int(r["source"] == "s1")}) + "\n" for r in records))
    run = CliRunner().invoke
    res = run(app, ["detect", "train", str(tmp_path / "det.joblib"), "--model", str(model_dir), "--data", str(data),
                    "--holdout", "0"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["with_responses"] is True
    det = SplineDetector.load(tmp_path / "det.joblib")
    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join(json.dumps({"prompt": r["prompt"], "response": r["response"]}) + "\n" for r in records[:4]))
    res = run(app, ["detect", "apply", str(tmp_path / "det.joblib"), "--model", str(model_dir), "--cases", str(cases), "--json"])
    assert res.exit_code == 0, res.output
    expect = det.score_texts(tiny_llama, tiny_tok, [r["prompt"] for r in records[:4]], [r["response"] for r in records[:4]])
    np.testing.assert_allclose([r["score"] for r in json.loads(res.stdout)], expect, rtol=1e-6)
    res = run(app, ["detect", "attribute", str(tmp_path / "det.joblib"), str(tmp_path / "store.zarr"), "--model",
                    str(model_dir), "--cases", str(cases), "--k", "1", "--harmful-source", "s1", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    # In-sample, the detector separates s1 (record 1 among the first four) from the rest; record 1 ranks itself first.
    assert [i for i, s in enumerate(expect) if s >= 0.5] == [1]
    assert out["flagged"] == 1 and out["of"] == 4 and out["harmful_share"] == 1.0
    assert out["summary"] == [{"source": "s1", "count": 1, "share": 1.0}]
