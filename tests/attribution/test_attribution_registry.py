"""One method registry for `Attributor.query` and `provenance query`: the same default from both, a user's method by
name from both, options a method does not take refused, and scoring backends chosen through their own registry."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from attribution_helpers import tiny_records, token_states_of, write_captured
from cli_text import flat
from provenance import open_store
from provenance.attribution import (
    AttributionMethod,
    Attributor,
    AutoMethod,
    Ranking,
    SignatureMethod,
    TestCase,
    registry,
)
from provenance.attribution import cli as attr_cli
from provenance.attribution.backends import BACKENDS, ScoringBackend, get_backend, register_backend
from provenance.attribution.registry import MethodOptionError, MethodOptions, build_method, resolve
from provenance.attribution.topk import select_rows, top_k_rows
from provenance.cli import app
from provenance.models import tiny_causal_lm, tiny_tokenizer

LAYERS = [2, 3]
N = 16


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A PEFT model (its disabled adapter is the base model) and a store it captured, with per-token states at the
    token layer (3 of 4): what the automatic choice needs to run token match."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(0)
    tok = tiny_tokenizer()
    model = get_peft_model(tiny_causal_lm("llama", seed=0), LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj", "v_proj"]))
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.copy_(torch.randn(p.shape, generator=g) * 0.3)
    model.eval()
    records = tiny_records(N)
    path = tmp_path_factory.mktemp("registry") / "s.zarr"
    write_captured(path, model, tok, records, LAYERS, token_states=token_states_of(model, 3))
    cases = [TestCase(records[i]["prompt"], records[i]["response"]) for i in (1, 6, 11)]
    return model, tok, str(path), cases


def cli_query(setup, monkeypatch, *args):
    model, tok, store, cases = setup
    monkeypatch.setattr(attr_cli, "_load_model", lambda m, a: (model, tok))
    flags = [x for c in cases for x in ("--prompt", c.prompt, "--response", c.response)]
    return CliRunner().invoke(app, ["query", store, "--model", "tiny", "--json", "-k", "6", *flags, *args])


@pytest.mark.parametrize("combine", ["none", "mean"])
def test_the_cli_and_the_python_api_run_the_same_default(setup, monkeypatch, combine):
    model, tok, store, cases = setup
    api = Attributor(open_store(store), model, tok).query(cases, k=6, combine=combine)
    result = cli_query(setup, monkeypatch, "--combine", combine)
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert got["method"] == api.method and got["explanation"] == api.explanation
    assert [r["row"] for r in got["ranking"]] == api.ranking["row"].tolist()
    np.testing.assert_allclose([r["score"] for r in got["ranking"]], api.ranking["score"], rtol=1e-6)
    if combine == "none":   # per answer: the two token-match pairs and the guarded next-token line
        assert api.method.startswith("auto: joint(h_fused_c@default/last + token match, Stouffer on z-scores; plus ")
        assert api.explanation["token_layer"] is not None and api.explanation["overlap"] is None
    else:                   # per behaviour: the automatic choice, and token match could run here
        assert api.method.startswith("auto: ") and api.explanation["overlap"] is not None
    assert resolve(None, MethodOptions(combine=combine)) == "auto-choice"
    # Off the local backend a signature ranks, per answer and per behaviour: the per-answer default's (fixed
    # features), or on the index backends the one the index builder writes by default.
    assert resolve(None, MethodOptions(combine=combine, backend="dask")) == "signature"
    names = {b: build_method(None, MethodOptions(combine=combine, backend=b)).signature.name
             for b in ("dask", "index", "dask-index")}
    assert names == {"dask": "h_fused_c", "index": "h_last_c", "dask-index": "h_last_c"}
    assert build_method("signature", MethodOptions(combine=combine)).signature.name == "h_fused_k1"   # local


def test_every_registered_name_builds_a_method_and_the_cli_accepts_exactly_those(setup, monkeypatch):
    for name in registry.method_names():
        assert isinstance(build_method(name), AttributionMethod), name
    assert isinstance(build_method("auto", MethodOptions(combine="mean")), AutoMethod)
    assert isinstance(build_method("auto", MethodOptions(combine="mean", backend="index")), SignatureMethod)
    bad = cli_query(setup, monkeypatch, "--method", "nope")
    assert bad.exit_code == 2 and f"--method must be one of {registry.method_names()}" in flat(bad.output)


def test_options_a_method_does_not_take_are_refused(setup, monkeypatch):
    model, tok, store, cases = setup
    with pytest.raises(MethodOptionError, match="option 'layer' applies to method .*signature.*, not tfidf"):
        Attributor(open_store(store), model, tok).query(cases, method="tfidf", layer=3)
    with pytest.raises(MethodOptionError, match=r"option 'candidates' applies to method auto-choice / auto-classifier / "
                                                r"token-match, not signature \(auto resolves to signature here\)"):
        build_method("auto", MethodOptions(combine="mean", candidates=3, backend="dask"))   # dask: the signature
    bad = cli_query(setup, monkeypatch, "--method", "bm25", "--candidates", "5")
    assert bad.exit_code == 2 and (
        "--candidates applies to --method auto-choice / auto-classifier / token-match, not bm25" in flat(bad.output))
    # Off the local backend auto is the signature, which has no base model to take.
    bad = cli_query(setup, monkeypatch, "--backend", "dask", "--base-model", "somewhere")
    # The CLI's error box cuts a long line; the whole list of methods is checked on `build_method` below.
    assert bad.exit_code == 2 and (
        "joint-next-token / joint-gated-next / joint-gated-answers / token-match, not auto (which resolves to "
        "signature here)"
        in flat(bad.output))
    with pytest.raises(MethodOptionError, match="option 'base' applies to method auto-choice / auto-classifier / "
                                                r"contrastive / joint / joint-each / joint-z / joint-ctx / joint-both / "
                                                r"joint-context / joint-focus / joint-focus-z / joint-focus-ctx / joint-equal-ctx / "
                                                r"joint-equal-c / joint-top-token / joint-next-token / "
                                                r"joint-gated-next / joint-gated-answers / "
                                                r"token-match, not "
                                                r"signature \(auto resolves"):
        build_method("auto", MethodOptions(base="somewhere", backend="dask"))


class FirstRows(AttributionMethod):
    """Rows in store order (scores 1, 1/2, 1/3, ...), every case alike: a method a user registers."""

    def __init__(self, epochs="last"):
        self.epochs = epochs

    @property
    def name(self) -> str:
        return f"first-rows/{self.epochs}"

    def rank(self, att, test, k):
        mask = select_rows(att.samples, self.epochs)
        scores = np.repeat((1.0 / np.arange(1, len(mask) + 1))[:, None], len(test), axis=1).astype(np.float32)
        return Ranking(*top_k_rows([(0, scores)], len(test), k, mask), explanation={"why": "store order"})


def test_a_users_method_registered_by_name_runs_from_python_and_the_cli(setup, monkeypatch):
    model, tok, store, cases = setup
    registry.register_method("first-rows", lambda o: FirstRows(o.epochs), options=("epochs",), summary="store order")
    try:
        with pytest.raises(ValueError, match="already registered"):
            registry.register_method("first-rows", lambda o: FirstRows())
        res = Attributor(open_store(store), model, tok).query(cases, method="first-rows", k=4)
        assert res.method == "first-rows/last" and res.explanation == {"why": "store order"}
        np.testing.assert_array_equal(res.rows, np.tile(np.arange(4), (len(cases), 1)))
        np.testing.assert_allclose(res.scores[0], [1, 1 / 2, 1 / 3, 1 / 4], rtol=1e-6)
        result = cli_query(setup, monkeypatch, "--method", "first-rows", "--epochs", "0")
        assert result.exit_code == 0, result.output
        got = json.loads(result.stdout)
        assert got["method"] == "first-rows/0" and got["explanation"] == {"why": "store order"}
        assert [r["row"] for r in got["ranking"]][:6] == list(range(6))
        bad = cli_query(setup, monkeypatch, "--method", "first-rows", "--layer", "3")
        assert bad.exit_code == 2 and "--layer applies to --method" in flat(bad.output) and "not first-rows" in flat(bad.output)
    finally:
        registry.unregister_method("first-rows")
    assert "first-rows" not in registry.method_names()
    with pytest.raises(ValueError, match="default method"):
        registry.unregister_method(registry.DEFAULT_METHOD)


class BruteForce(ScoringBackend):
    """Every row's features at once, scored in one product: a backend registered by a user."""

    name = "brute-force"

    def top_k_features(self, store, layer, signature, q, k, *, epochs, samples, client=None, chunk_rows=8192):
        feats = signature.features({p: store.array(layer, p) for p in signature.parts})
        return top_k_rows([(0, feats @ q.T)], len(q), k, select_rows(samples, epochs))


def test_backends_are_chosen_by_name_from_one_registry(setup):
    model, tok, store, cases = setup
    att = Attributor(open_store(store), model, tok)
    assert tuple(BACKENDS) == ("local", "dask", "index", "dask-index")
    assert get_backend("local").reads_samples_table and not get_backend("index").reads_samples_table
    with pytest.raises(ValueError, match=r"backend must be one of \('local', 'dask', 'index', 'dask-index'\)"):
        SignatureMethod(backend="gpu")
    register_backend(BruteForce())
    try:
        # The signature by name: on the local backend the default (auto) would weigh token match in per answer.
        local = att.query(cases, method="signature", signature="rept_c", k=8, snippet_chars=0)
        brute = att.query(cases, method="signature", signature="rept_c", k=8, snippet_chars=0, backend="brute-force")
        np.testing.assert_array_equal(brute.rows, local.rows)
        np.testing.assert_allclose(brute.scores, local.scores, rtol=1e-5, atol=1e-6)
        with pytest.raises(ValueError, match="scored on the local backend only, not 'brute-force'"):
            att.query(cases, method="signature", signature="h_fused_k1", k=8, backend="brute-force")   # per query
        # The default elsewhere ranks by the per-answer default's signature, which has fixed features.
        default = att.query(cases, k=8, snippet_chars=0, backend="brute-force")
        want = att.query(cases, method="signature", signature="h_fused_c", k=8, snippet_chars=0)
        assert default.method.startswith("h_fused_c@")
        np.testing.assert_array_equal(default.rows, want.rows)
        np.testing.assert_allclose(default.scores, want.scores, rtol=1e-5, atol=1e-6)
    finally:
        del BACKENDS["brute-force"]
