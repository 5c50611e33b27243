"""The benchmark's `--methods` path: the names it takes, the methods they build, and the table it renders."""
import pandas as pd
import pytest

from benchmarks.attribution.attribute import METHOD_CHOICES, build_choice
from benchmarks.attribution.bench import main
from benchmarks.attribution.render import methods_section


def test_every_choice_builds_the_named_method():
    from provenance.attribution.baselines import Bm25Method, TfidfMethod
    from provenance.attribution.grad_kernel import GradKernelMethod
    from provenance.attribution.token_match import TokenMatchMethod

    built = {c: build_choice(c) for c in METHOD_CHOICES}
    assert built["default"][0] is None   # what a query without --method runs
    assert isinstance(built["token-match"][0], TokenMatchMethod) and built["token-match"][0].states == "store"
    assert isinstance(built["tfidf"][0], TfidfMethod) and built["tfidf"][0].field == "prompt+response"
    assert isinstance(built["bm25"][0], Bm25Method) and built["bm25"][0].field == "prompt+response"
    specs = {c: m.spec for c, (m, _) in built.items() if isinstance(m, GradKernelMethod)}
    assert (specs["grad-kernel"].normalize, specs["grad-kernel"].weighting, specs["grad-kernel"].sides) == \
        ("cosine", "equal", "both")
    assert (specs["grad-kernel:none,equal,both"].normalize, specs["grad-kernel:none,equal,both"].sides) == ("none", "both")
    assert (specs["grad-kernel:cosine,equal,response"].normalize,
            specs["grad-kernel:cosine,equal,response"].sides) == ("cosine", "response")
    assert len({label for _, label in built.values()}) == len(METHOD_CHOICES)   # one table label per choice


def test_unknown_choice_is_refused():
    with pytest.raises(ValueError, match="unknown method 'lora' for --methods"):
        build_choice("lora")
    with pytest.raises(SystemExit):
        main(["--phase", "attribute", "--methods", "lora"])


def test_methods_section_reports_both_granularities_and_groups():
    t = pd.DataFrame([
        {"behaviour": "b", "family": "per-answer", "method": "m", "P@n": 0.5, "P@10": 0.75, "seconds": 1.0,
         "ran_as": "m@x", "queries": 12, "queries_with_groups": 3},
        {"behaviour": "b", "family": "behaviour-level", "method": "m", "P@n": 1.0, "P@10": 1.0, "seconds": 2.0,
         "ran_as": "m@y", "queries": 1, "queries_with_groups": 0},
        {"behaviour": "b", "family": "train-time", "method": "h_fused", "P@n": 0.1, "P@10": 0.1, "seconds": 1.0,
         "ran_as": None, "queries": None, "queries_with_groups": None},
    ])
    lines = methods_section("b", t)
    rows = [line for line in lines if line.startswith("| m |")]
    assert rows == ["| m | per answer m@x; per behaviour m@y | 0.75 | 0.50 | 1.00 | 3/12 | 0/1 | 1.00 / 2.00 |"]
    assert methods_section("b", t.drop(columns=["ran_as"])) == []


@pytest.mark.parametrize("leftover", [False, True])
def test_a_run_where_no_behaviour_showed_writes_no_table_and_survives_an_empty_one(tmp_path, monkeypatch, capsys,
                                                                                     leftover):
    """Nothing queried (style's compliments never show greedily): no table is written, and a one-byte table an
    earlier such run left does not make the next run fail after all its scoring (it did: EmptyDataError)."""
    import json

    import benchmarks.attribution.attribute as attribute

    (tmp_path / "scenario.json").write_text(json.dumps({"test_prompts": {"praise": ["Hi?"]}, "culprits": {"praise": []}}))
    (tmp_path / "behaviour.json").write_text(json.dumps({"generations": {}, "rates": {}}))
    if leftover:
        (tmp_path / "attribution_table.csv").write_text("\n")
    monkeypatch.setattr(attribute, "attributor_of", lambda out: (None, None))
    monkeypatch.setattr(attribute, "behaviour_cases", lambda beh, b, prompts, max_sampled=24: ([], "greedy"))
    table = attribute.run_methods(tmp_path, tmp_path / "r.md", ["bm25"])
    assert len(table) == 0 and "no table written" in capsys.readouterr().out
    assert not (tmp_path / "r.md").exists()
    assert (tmp_path / "attribution_table.csv").exists() == leftover   # an old file is left as it was, not rewritten


def test_rescoring_a_retrained_run_keeps_the_results_files_other_methods(tmp_path, monkeypatch, capsys):
    """A retrained run has no table of its own: scoring one method into an existing results file keeps that file's
    rows of every other method and replaces the rescored method's (it kept only the rescored method's rows)."""
    import json
    from types import SimpleNamespace

    import numpy as np

    import benchmarks.attribution.attribute as attribute

    run, results = tmp_path / "run", tmp_path / "scored_t.md"
    run.mkdir()
    (run / "scenario.json").write_text(json.dumps({"test_prompts": {"b": ["Hi?"]}, "culprits": {"b": [1]}}))
    (run / "behaviour.json").write_text(json.dumps({"generations": {}, "rates": {}}))
    bm25 = build_choice("bm25")[1]
    earlier = pd.DataFrame([{"behaviour": "b", "family": f, "method": m, "layer": "-", "epochs": "last", "P@n": p}
                            for m, p in (("other method", 0.25), (bm25, 0.5))
                            for f in ("per-answer", "behaviour-level")])
    earlier.to_csv(results.with_suffix(".csv"), index=False)
    result = SimpleNamespace(seconds=0.1, method="bm25@x", rows=np.zeros((1, 3)), groups=[])
    monkeypatch.setattr(attribute, "attributor_of", lambda out: (SimpleNamespace(query=lambda *a, **kw: result), None))
    monkeypatch.setattr(attribute, "behaviour_cases", lambda beh, b, prompts, max_sampled=24: (["case"], "greedy"))
    monkeypatch.setattr(attribute, "query_record", lambda cases, prompts, mode: {})
    monkeypatch.setattr(attribute, "_metrics", lambda res, culprits, n, k: {"P@n": 0.75})
    monkeypatch.setattr(attribute, "render_from_state", lambda out, results: "")
    table = attribute.run_methods(run, results, ["bm25"])
    assert "the rows of methods not rescored are kept from" in capsys.readouterr().out
    got = {(r["method"], r["family"]): r["P@n"] for _, r in table.iterrows()}
    assert got == {("other method", "per-answer"): 0.25, ("other method", "behaviour-level"): 0.25,
                   (bm25, "per-answer"): 0.75, (bm25, "behaviour-level"): 0.75}
    assert len(pd.read_csv(run / "attribution_table.csv")) == 4   # the run now holds its own merged table
