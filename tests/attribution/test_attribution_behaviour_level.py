"""Behaviour-level attribution (combine="mean") and the h_fused signature, against hand computations."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from attribution_helpers import PARTS, tiny_records, write_captured, write_synthetic
from provenance.attribution import Attributor, TestCase, TestSignatures
from provenance.attribution.baselines import RandomMethod
from provenance.attribution.signatures import VARIANTS, Signature, part_stats, principal_directions
from provenance.attribution.topk import mean_of_rankings
from provenance.attribution.topk_index import build_topk_index
from provenance.models import tiny_causal_lm, tiny_tokenizer
from provenance.store import open_store

N, EPOCHS, D, LAYER = 60, 2, 12, 3


@pytest.fixture(scope="module")
def model():
    return tiny_causal_lm("llama", seed=0)


@pytest.fixture(scope="module")
def store(tmp_path_factory, model):
    path = tmp_path_factory.mktemp("behaviour_level") / "s.zarr"
    write_synthetic(path, model, n=N, epochs=EPOCHS, d=D, encoding="float32")
    reader = open_store(str(path))
    build_topk_index(reader, LAYER, "rept_c", chunk_rows=16)
    return reader


@pytest.fixture(scope="module")
def att(store, model):
    return Attributor(store, model, tiny_tokenizer())


def queries(store, rows=(3, 17, 41, 58)) -> TestSignatures:
    """Test signatures near stored rows of the last epoch (noise added so that no score is exactly 1)."""
    rng = np.random.default_rng(5)
    last = np.flatnonzero(store.samples()["epoch"].to_numpy() == EPOCHS - 1)
    sel = [int(last[r]) for r in rows]
    arrays = {LAYER: {}}
    for part in PARTS:
        x = store.array(LAYER, part, rows=sel)
        arrays[LAYER][part] = (x + 0.3 * np.abs(x).mean() * rng.standard_normal(x.shape)).astype(np.float32)
    n = len(sel)
    return TestSignatures(cases=[TestCase(f"p{i}", f"r{i}", name=f"case{i}") for i in range(n)], arrays=arrays,
                          input_ids=[np.zeros(1, np.int32)] * n, prompt_len=np.zeros(n, np.int32),
                          loss=np.zeros(n, np.float32))


def unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def test_mean_of_rankings_by_hand():
    scores = np.array([[0.9, 0.5, 0.1], [0.2, 0.8, 0.4]])
    rows = np.array([[7, 2, 5], [5, 7, 2]])
    got_s, got_r = mean_of_rankings(scores, rows, 2)
    # row 7: (0.9 + 0.8) / 2 = 0.85; row 2: (0.5 + 0.4) / 2 = 0.45; row 5: (0.1 + 0.2) / 2 = 0.15
    np.testing.assert_array_equal(got_r, [[7, 2]])
    np.testing.assert_allclose(got_s, [[0.85, 0.45]], atol=1e-7)
    with pytest.raises(ValueError, match="same rows"):
        mean_of_rankings(scores, np.array([[7, 2, 5], [5, 7, 9]]), 2)


def test_h_fused_is_the_mean_of_the_projected_h_last_and_the_centered_h_mean_cosines(att, store):
    test = queries(store)
    res = att.query(test, signature="h_fused", layer=LAYER, k=N, snippet_chars=0)
    last = np.flatnonzero(store.samples()["epoch"].to_numpy() == EPOCHS - 1)
    x = {p: store.array(LAYER, p, rows=last.tolist()).astype(np.float64) for p in ("h_last", "h_mean")}
    q = {p: test.arrays[LAYER][p].astype(np.float64) for p in ("h_last", "h_mean")}
    # h_last: centered, then per query the top-10 principal directions on which the query is typical (|z| < 1.5)
    # are projected out of both sides
    mean, basis, sd = principal_directions(x["h_last"].sum(0), x["h_last"].T @ x["h_last"], len(last), 10)
    xc, qc = x["h_last"] - mean, q["h_last"] - mean
    expect = np.zeros((len(test), len(last)))
    for i in range(len(test)):
        drop = basis[:, np.abs(qc[i] @ basis / sd) < 1.5]
        proj = np.eye(D) - drop @ drop.T
        expect[i] += unit(xc @ proj) @ unit(qc[i] @ proj) / 2
    m = x["h_mean"].mean(0)
    expect += unit(q["h_mean"] - m) @ unit(x["h_mean"] - m).T / 2
    for i in range(len(test)):
        got = res.ranking[res.ranking["query"] == f"case{i}"]
        order = np.lexsort((last, -expect[i]))
        np.testing.assert_array_equal(got["row"].to_numpy(), last[order])
        np.testing.assert_allclose(got["score"].to_numpy(), expect[i][order], atol=2e-6)


def test_h_fused_projects_only_h_last(store):
    sig = VARIANTS["h_fused"].bind(store, LAYER)
    assert set(sig.basis) == {"h_last"} and set(sig.means) == {"h_last", "h_mean"}
    np.testing.assert_allclose(sig.means["h_last"], part_stats(store, LAYER, ["h_last"], 10)["h_last"][0])
    with pytest.raises(ValueError, match="pcs_parts"):
        Signature(("h_last", "h_mean"), center=True, pcs=10, pcs_parts=("g_last",))
    with pytest.raises(ValueError, match="pcs_parts"):
        Signature(("h_last", "h_mean"), center=True, pcs_parts=("h_last",))


@pytest.mark.parametrize("name,epochs", [("h_fused", "last"), ("rept_c", "last"), ("rept_c", "mean"),
                                         ("h_last_pc", "all")])
def test_combined_ranking_is_the_mean_of_the_per_case_scores(att, store, name, epochs):
    test = queries(store)
    every = att.query(test, signature=name, layer=LAYER, epochs=epochs, k=N * EPOCHS, snippet_chars=0)
    by_row = every.ranking.groupby("row")["score"].agg(["mean", "count"])
    assert (by_row["count"] == len(test)).all()
    expect = by_row.reset_index().sort_values(["mean", "row"], ascending=[False, True]).head(20)
    got = att.query(test, signature=name, layer=LAYER, epochs=epochs, k=20, snippet_chars=0, combine="mean")
    assert got.ranking["query"].unique().tolist() == ["behaviour"]
    np.testing.assert_array_equal(got.ranking["row"].to_numpy(), expect["row"].to_numpy())
    np.testing.assert_allclose(got.ranking["score"].to_numpy(), expect["mean"].to_numpy(), atol=1e-6)
    assert got.sources["share"].sum() == pytest.approx(1.0)


def test_combined_index_backend_equals_local(att, store):
    test = queries(store)
    local = att.query(test, signature="rept_c", layer=LAYER, k=15, snippet_chars=0, combine="mean")
    for backend in ("index", "dask"):
        got = att.query(test, signature="rept_c", layer=LAYER, k=15, snippet_chars=0, combine="mean", backend=backend)
        np.testing.assert_array_equal(got.rows, local.rows)
        np.testing.assert_allclose(got.scores, local.scores, atol=1e-6)


def test_combined_baseline_is_the_mean_of_its_per_case_scores(att, store):
    cases = [TestCase("p", "a"), TestCase("q", "b"), TestCase("r", "c")]
    method = RandomMethod(3)   # methods without a streamed combined path: every row's scores, then the mean
    every = att.query(cases, method=method, k=len(store), snippet_chars=0)
    mean = every.ranking.groupby("row")["score"].mean().reset_index().sort_values(["score", "row"],
                                                                                   ascending=[False, True])
    got = att.query(cases, method=method, k=10, snippet_chars=0, combine="mean")
    np.testing.assert_array_equal(got.rows[0], mean["row"].to_numpy()[:10])
    np.testing.assert_allclose(got.scores[0], mean["score"].to_numpy()[:10], atol=1e-6)


def test_bad_combine_is_refused(att, store):
    with pytest.raises(ValueError, match="combine must be one of"):
        att.query(queries(store), layer=LAYER, combine="max")


def test_cli_query_combine_mean(tmp_path, model, monkeypatch):
    from provenance.attribution import cli as attr_cli
    from provenance.cli import app

    tok = tiny_tokenizer()
    path = tmp_path / "captured.zarr"
    write_captured(path, model, tok, tiny_records(12), [2, 4])
    monkeypatch.setattr(attr_cli, "_load_model", lambda m, a: (model, tok))
    base = ["query", str(path), "--model", "tiny", "--prompt", "Tell me about apple 0.", "--response",
            "The river is number 0.", "--prompt", "Tell me about rocket 9.", "--response", "The castle is number 63.",
            "--layer", "4", "--signature", "rept_c"]
    res = CliRunner().invoke(app, base + ["-k", "5", "--combine", "mean", "--json"])
    assert res.exit_code == 0, res.output
    ranking = pd.DataFrame(json.loads(res.output)["ranking"])
    assert ranking["query"].unique().tolist() == ["behaviour"] and len(ranking) == 5
    per_case = pd.DataFrame(json.loads(CliRunner().invoke(app, base + ["-k", "12", "--json"]).output)["ranking"])
    expect = per_case.groupby("row")["score"].mean().sort_values(ascending=False)
    np.testing.assert_allclose(ranking["score"].to_numpy(), expect.to_numpy()[:5], atol=1e-6)
    assert ranking["row"].tolist() == expect.index[:5].tolist()
    bad = CliRunner().invoke(app, base + ["--combine", "max"])
    assert bad.exit_code != 0 and "--combine must be one of" in bad.output
