"""`provenance query` / `report` (and the hidden `attribute` alias) against the Python API on a tiny model's store."""
from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from attribution_helpers import tiny_records, write_captured
from provenance import open_store
from provenance.attribution import Attributor, SignatureMethod, TestCase
from provenance.cli import app
from provenance.models import tiny_causal_lm, tiny_tokenizer

LAYERS = [2, 4]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A tiny llama saved as a checkpoint directory (what --model loads) and a store captured with it."""
    root = tmp_path_factory.mktemp("cli")
    tok = tiny_tokenizer()
    model = tiny_causal_lm("llama", seed=0)
    model.save_pretrained(str(root / "model"))
    tok.save_pretrained(str(root / "model"))
    records = tiny_records(12)
    write_captured(root / "s.zarr", model, tok, records, LAYERS)
    return model, tok, records, str(root / "s.zarr"), str(root / "model"), root


def _json(obj):
    return json.loads(json.dumps(obj, default=str))


def invoke(*args):
    result = CliRunner().invoke(app, list(args))
    return result


def test_query_json_equals_the_python_api(setup):
    model, tok, records, store, model_dir, _ = setup
    cases = [TestCase(records[3]["prompt"], records[3]["response"]), TestCase(records[8]["prompt"], "The apple is 1.")]
    api = Attributor(open_store(store), model, tok).query(cases, k=5)
    args = ["query", store, "--model", model_dir, "--top-k", "5", "--json"]
    for c in cases:
        args += ["--prompt", c.prompt, "--response", c.response]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    # auto per answer is the focus-weighted joint; this store holds no per-token states, so the signature default
    # ranks alone and the label says why.
    assert got["method"] == api.method == ("auto: h_fused_c@default/last (per answer: the signature alone: no "
                                           "per-token states at layer 3 in the store)")
    assert got["ranking"] == _json(api.ranking.to_dict(orient="records"))   # exact scores, ids, order, snippets
    assert got["sources"] == _json(api.sources.to_dict(orient="records"))
    assert [r["sample_id"] for r in got["ranking"]][:1] == [3] and len(got["ranking"]) == 10
    # The hidden old name and the short flag give the same ranking.
    old = invoke("attribute", store, "--model", model_dir, "-k", "5", "--json",
                 *sum((["--prompt", c.prompt, "--response", c.response] for c in cases), []))
    assert old.exit_code == 0, old.output
    assert json.loads(old.stdout)["ranking"] == got["ranking"]


def test_query_table_shows_ranks_sources_ids_snippets_and_shares(setup):
    model, tok, records, store, model_dir, _ = setup
    case = TestCase(records[5]["prompt"], records[5]["response"])
    api = Attributor(open_store(store), model, tok).query([case], k=3)
    result = invoke("query", store, "--model", model_dir, "--prompt", case.prompt, "--response", case.response, "-k", "3")
    assert result.exit_code == 0, result.output
    out = result.stdout
    lines = [ln for ln in out.splitlines() if re.match(r"^[│┃|]\s*\d\s*[│┃|]", ln)]
    assert len(lines) == 3
    for line, (_, r) in zip(lines, api.ranking.iterrows()):
        cells = [c.strip() for c in re.split(r"[│┃|]", line)[1:-1]]
        assert cells[:4] == [str(r["rank"]), f"{r['score']:.4f}", r["source"], str(r["sample_id"])]
    assert "Tell me about" in out and "→" in out   # snippet: prompt → response
    shares = ", ".join(f"{s} {v:.0%} ({c})" for s, v, c in zip(api.sources.source, api.sources.share, api.sources["count"]))
    assert f"sources of the top-3: {shares}" in out


def test_query_table_prints_the_wording_rows_under_the_ranking(setup, capsys):
    """When auto overrules token match, the CLI prints its rows as a second table (the rows whose words the answers
    reuse), after the ranking and its source shares."""
    from dataclasses import replace

    from provenance.attribution.cli import print_ranking

    model, tok, records, store, _, _ = setup
    case = TestCase(records[5]["prompt"], records[5]["response"])
    att = Attributor(open_store(store), model, tok)
    res = att.query([case], k=3)
    other = att.query([case], method=SignatureMethod("g_mean", None, "last"), k=3)
    assert other.ranking.sample_id.tolist() != res.ranking.sample_id.tolist()   # the two tables can be told apart
    print_ranking(replace(res, wording=other.ranking), 3)
    out = capsys.readouterr().out
    assert out.index("sources of the top-3") < out.index("rows whose words the answers reuse")
    tail = out[out.index("rows whose words the answers reuse"):]
    lines = [ln for ln in tail.splitlines() if re.match(r"^[│┃|]\s*\d\s*[│┃|]", ln)]
    assert [[c.strip() for c in re.split(r"[│┃|]", ln)[1:-1]][3] for ln in lines] == \
        [str(x) for x in other.ranking.sample_id]
    print_ranking(res, 3)
    assert "rows whose words" not in capsys.readouterr().out


def test_report_command_writes_the_html_report(setup):
    model, tok, records, store, model_dir, root = setup
    case = TestCase(records[2]["prompt"], records[2]["response"])
    api = Attributor(open_store(store), model, tok).query([case], k=4, layer=2)
    out = root / "r" / "report.html"
    result = invoke("report", store, "--model", model_dir, "--prompt", case.prompt, "--response", case.response,
                    "--top-k", "4", "--layer", "2", "--top-hits", "2", "--title", "T<1>", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"report: {out.resolve()}" in result.stdout
    html = out.read_text()
    ids = re.findall(r'<tr class="hit" data-rank="(\d+)" data-sample-id="([^"]*)"', html)
    assert ids == [(str(i + 1), str(s)) for i, s in enumerate(api.ranking.sample_id)]
    assert len(re.findall(r'<div class="heat" data-rank=', html)) == 2
    assert "<title>T&lt;1&gt;</title>" in html and "token layer</td><td>2<" in html


def test_bad_cli_input_fails_clearly(setup):
    _, _, records, store, model_dir, root = setup
    base = ["query", store, "--model", model_dir, "--prompt", records[0]["prompt"]]
    r = invoke(*base, "--top-k", "0")
    assert r.exit_code == 2 and "--top-k must be at least 1" in r.output
    r = invoke(*base, "--response", "a", "--response", "b")
    assert r.exit_code == 2 and "one --response per --prompt" in r.output
    r = invoke("report", store, "--model", model_dir, "--prompt", "p", "--response", "r", "--token-score", "x",
               "--out", str(root / "x.html"))
    assert r.exit_code == 2 and "--token-score must be one of" in r.output
    other = root / "other"
    tiny_causal_lm("qwen2", seed=0).save_pretrained(str(other))
    tiny_tokenizer().save_pretrained(str(other))
    r = invoke("query", store, "--model", str(other), "--prompt", "p", "--response", "r")
    # One line naming the mismatch, exit 2 (tests/cli/test_cli_errors.py checks the error reporting itself).
    assert r.exit_code == 2 and "\nerror: the store was captured from model" in r.stderr and "config_hash" in r.stderr


def test_query_backend_index_gives_the_local_ranking(setup):
    model, tok, records, store, model_dir, _ = setup
    base = ["query", store, "--model", model_dir, "--top-k", "4", "--json", "--signature", "rept_c", "--layer", "4",
            "--prompt", records[5]["prompt"], "--response", records[5]["response"]]
    assert invoke("topk-index", store, "--layer", "4", "--signature", "rept_c").exit_code == 0
    local, indexed = invoke(*base), invoke(*base, "--backend", "index")
    assert local.exit_code == 0 and indexed.exit_code == 0, indexed.output
    lr, ir = json.loads(local.stdout)["ranking"], json.loads(indexed.stdout)["ranking"]
    assert [r["sample_id"] for r in ir] == [r["sample_id"] for r in lr]
    assert all(abs(a["score"] - b["score"]) < 1e-6 for a, b in zip(lr, ir))
    bad = invoke(*base, "--backend", "index", "--method", "tfidf")
    assert bad.exit_code != 0 and "applies to --method" in bad.output


def test_query_token_match_with_a_base_model_equals_the_python_api(setup):
    from provenance.attribution import SignatureMethod, TokenMatchMethod

    model, tok, records, store, model_dir, root = setup
    base_dir = root / "base"
    base = tiny_causal_lm("llama", seed=1)
    base.save_pretrained(str(base_dir))
    tok.save_pretrained(str(base_dir))
    case = TestCase(records[2]["prompt"], records[2]["response"])
    method = TokenMatchMethod(3, 5, SignatureMethod("h_fused_k1", None, "last"), "last", base.eval())
    api = Attributor(open_store(store), model, tok).query([case], method=method, k=4)
    args = ["query", store, "--model", model_dir, "--top-k", "4", "--json", "--method", "token-match", "--layer", "3",
            "--candidates", "5", "--base-model", str(base_dir), "--prompt", case.prompt, "--response", case.response]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert got["method"] == api.method
    assert [r["sample_id"] for r in got["ranking"]] == api.ranking.sample_id.tolist()
    assert all(abs(a["score"] - b) < 1e-5 for a, b in zip(got["ranking"], api.ranking.score))
    no_base = invoke(*args[:-6], "--prompt", case.prompt, "--response", case.response)
    assert no_base.exit_code == 2 and "pass base=" in no_base.stderr
    wrong = invoke("query", store, "--model", model_dir, "--method", "bm25", "--base-model", str(base_dir),
                   "--prompt", "p")
    assert wrong.exit_code == 2 and "--base-model applies to --method" in wrong.output
    # auto (the default) per behaviour is AutoMethod: on this store, which holds no per-token states, the signature,
    # and its label says why; --base-model is accepted there (it weighs token match's tokens)
    two = [TestCase(records[i]["prompt"], records[i]["response"]) for i in (2, 7)]
    behaviour = ["query", store, "--model", model_dir, "--top-k", "4", "--json", "--combine", "mean", "--layer", "4",
                 *sum((["--prompt", c.prompt, "--response", c.response] for c in two), [])]
    want = Attributor(open_store(store), model, tok).query(two, method=SignatureMethod("h_fused_z", 4, "last"), k=4,
                                                           combine="mean")
    for extra in ([], ["--base-model", str(base_dir)]):
        got = invoke(*behaviour, *extra)
        assert got.exit_code == 0, got.output
        assert json.loads(got.stdout)["method"] == "auto: h_fused_z@4/last (no per-token states at layer 3 in the store)"
        assert [r["sample_id"] for r in json.loads(got.stdout)["ranking"]] == want.ranking.sample_id.tolist()
        assert json.loads(got.stdout)["wording"] is None   # token match did not run: nothing overruled
    # Per answer auto weighs token match in too, so --base-model is accepted there as well (the same fallback here).
    per_answer = invoke(*[a for a in behaviour if a not in ("--combine", "mean")], "--base-model", str(base_dir))
    assert per_answer.exit_code == 0, per_answer.output
    assert json.loads(per_answer.stdout)["method"] == ("auto: h_fused_c@4/last (per answer: the signature alone: "
                                                       "no per-token states at layer 3 in the store)")
