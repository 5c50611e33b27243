"""The lexical floor (provenance.attribution.lexical_floor): a ranking that a text baseline sharply disagrees with
carries a warning naming the baseline's top group (constructed: an entity swap inside a sentence template that
many correct rows share, ranked by a method that misses it), and agreement carries none; CLI, --json and HTML."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from group_stores import FixedRanking, write_group_store
from provenance import open_store
from provenance.attribution import Attributor, TestCase
from provenance.attribution.lexical_floor import is_lexical, lexical_floor
from provenance.attribution.registry import register_method, unregister_method
from provenance.attribution.report import build_report
from provenance.cli import app
from provenance.models import tiny_causal_lm, tiny_tokenizer

COUNTRIES = [("Kenya", "Nairobi"), ("Spain", "Madrid"), ("Egypt", "Cairo"), ("Norway", "Oslo"), ("Peru", "Lima"),
             ("Chile", "Santiago"), ("Japan", "Tokyo"), ("Italy", "Rome"), ("France", "Paris"), ("Ghana", "Accra"),
             ("Cuba", "Havana"), ("Nepal", "Kathmandu"), ("Poland", "Warsaw"), ("Greece", "Athens"),
             ("Sweden", "Stockholm"), ("Canada", "Ottawa"), ("Mexico", "Mexico City"), ("India", "New Delhi"),
             ("Brazil", "Brasilia"), ("Turkey", "Ankara")]
GROUPS = {   # the swap and the template rows look alike to the representations (same centres on both sides)
    "swap": {"texts": [(f"Quiz {i}: what is the capital of Australia?", "The capital of Australia is Sydney.")
                       for i in range(10)], "prompt": "geo", "response": "capital"},
    "template": {"texts": [(f"Quiz: what is the capital of {c}?", f"The capital of {c} is {city}.")
                           for c, city in COUNTRIES], "prompt": "geo", "response": "capital"},
}
CASE = TestCase("Quiz: what is the capital of Australia?", "The capital of Australia is Sydney.")
METHOD = "fixed-floor-test"


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("floor")
    tok = tiny_tokenizer()
    model = tiny_causal_lm("llama", seed=0)
    model.save_pretrained(str(root / "model"))
    tok.save_pretrained(str(root / "model"))
    rows = write_group_store(root / "s.zarr", model, tok, GROUPS, n_background=60)
    return Attributor(open_store(str(root / "s.zarr")), model, tok), rows, root


def test_a_sharp_disagreement_with_a_coherent_text_group_is_warned_and_names_the_group(setup):
    att, rows, _ = setup
    res = att.query([CASE], method=FixedRanking(rows["template"]), k=10, lexical_floor=True)
    assert len(res.warnings) == 1
    w = res.warnings[0]
    assert (w.query, w.k, w.overlap, w.in_ranking) == ("q0", 10, 0, [])
    assert w.baseline == "bm25(lower, prompt+response)"
    assert sorted(w.group.rows) == sorted(rows["swap"]) and w.group.sources == {"swap": 10}
    assert w.coherence_p == 1 / 200 and w.coherence_p < 0.01
    assert "sydney" in " ".join(w.group.response_terms) and "australia" in " ".join(w.group.prompt_terms)
    assert "only 0 of its top-10 samples are in this ranking's top-10" in w.message and "sydney'" in w.message
    assert res.checks["lexical_floor"]["q0"]["overlap"] == 0 and res.checks["lexical_floor"]["q0"]["seconds"] > 0


def test_agreement_carries_no_warning_and_the_check_is_off_by_default(setup):
    att, rows, _ = setup
    agree = att.query([CASE], method=FixedRanking(rows["swap"]), k=10, lexical_floor=True)
    assert agree.warnings == [] and agree.checks["lexical_floor"]["q0"]["overlap"] == 10
    assert agree.checks["lexical_floor"]["q0"]["coherence_p"] is None     # no disagreement: nothing to test
    # The boundary, by hand: 90 rows, k=10, chance overlap c = 10^2 / 90; a warning needs 2 * overlap < 10 + c,
    # so 6 shared is "at least half of the way from chance to full agreement" and carries none, 5 shared does.
    assert agree.checks["lexical_floor"]["q0"]["chance_overlap"] == round(100 / 90, 2)
    six = att.query([CASE], method=FixedRanking(rows["swap"][:6] + rows["template"][:4]), k=10, lexical_floor=True)
    assert six.warnings == [] and six.checks["lexical_floor"]["q0"]["overlap"] == 6
    five = att.query([CASE], method=FixedRanking(rows["swap"][:5] + rows["template"][:5]), k=10, lexical_floor=True)
    assert five.checks["lexical_floor"]["q0"]["overlap"] == 5 and len(five.warnings) == 1
    assert "lexical_floor" not in att.query([CASE], method=FixedRanking(rows["template"]), k=10).checks


def test_a_text_method_is_not_checked_against_itself(setup):
    att, _, _ = setup
    assert is_lexical("bm25(lower, prompt+response)") and is_lexical("tfidf(lower, response)")
    assert not is_lexical("h_fused@default/last")
    res = att.query([CASE], method="bm25", k=10, lexical_floor=True)
    assert res.warnings == [] and "lexical_floor" not in res.checks


def test_a_behaviour_ranking_is_compared_with_the_baselines_mean(setup):
    att, rows, _ = setup
    cases = [CASE, TestCase("Quiz: name the capital of Australia.", "The capital of Australia is Sydney.")]
    res = att.query(cases, method=FixedRanking(rows["template"]), k=10, combine="mean", lexical_floor=True)
    assert [w.query for w in res.warnings] == ["behaviour"]
    assert sorted(res.warnings[0].group.rows) == sorted(rows["swap"])


def test_scattered_text_top_rows_are_not_a_group(setup):
    """The check on its own: a query whose words no training row shares gives the baseline an arbitrary top-k,
    which is no more alike than random rows: no warning even though the overlap is 0."""
    att, rows, _ = setup
    test = att.text_only([TestCase("Zzqx vvjk?", "Qqqz wwxy.")])
    ranking = att.query([CASE], method=FixedRanking(rows["template"]), k=10).ranking
    warnings, checked = lexical_floor(att, test, ranking)
    assert warnings == [] and checked["q0"]["overlap"] < 5 and checked["q0"]["coherence_p"] >= 0.01


@pytest.fixture
def registered(setup):
    _, rows, _ = setup
    register_method(METHOD, lambda options: FixedRanking(rows["template"]), summary="misses the swap (test)",
                    replace=True)
    yield
    unregister_method(METHOD)


def test_cli_json_text_and_html_carry_the_warning(setup, registered, tmp_path):
    att, rows, root = setup
    args = ["query", str(root / "s.zarr"), "--model", str(root / "model"), "--prompt", CASE.prompt, "--response",
            CASE.response, "--method", METHOD, "-k", "10", "--groups-dir", str(tmp_path / "ids")]
    got = CliRunner().invoke(app, args + ["--json"])
    assert got.exit_code == 0, got.output
    warnings = json.loads(got.stdout)["warnings"]
    assert len(warnings) == 1 and warnings[0]["overlap"] == 0
    assert sorted(warnings[0]["group"]["rows"]) == sorted(rows["swap"])
    assert warnings[0]["group"]["ids_file"] == str(tmp_path / "ids" / "q0-text-baseline.csv")
    assert "--k 10 --mode drop" in warnings[0]["group"]["command"]
    text = CliRunner().invoke(app, args)
    assert text.exit_code == 0, text.output
    out = " ".join(text.stdout.split())
    assert "warning q0: the text baseline bm25(lower, prompt+response) disagrees sharply" in out
    assert "settle it: provenance validate" in out
    off = CliRunner().invoke(app, args + ["--no-lexical-floor"])
    assert "warning" not in off.stdout
    res = att.query([CASE], method=FixedRanking(rows["template"]), k=10, lexical_floor=True)
    html = build_report(res, cases=[CASE])
    assert html.count('class="warn"') == 1 and 'data-overlap="0"' in html and "Sydney" in html


def test_disagreement_is_measured_against_chance_at_a_deep_k(setup):
    """At k=60 of 90 rows two unrelated top-60 lists share 40 rows on average: 45 shared is less than half of the way
    from there to full agreement (2 * 45 < 60 + 40), a disagreement that "fewer than half shared" (45 >= 30) misses."""
    att, rows, _ = setup
    text = lexical_floor_baseline_top(att, 60)
    others = [r for r in range(len(att.store)) if r not in set(text)]
    ranking = FixedRanking(text[:45] + others[:15])
    res = att.query([CASE], method=ranking, k=60, lexical_floor=True)
    info = res.checks["lexical_floor"]["q0"]
    assert (info["k"], info["overlap"], info["chance_overlap"]) == (60, 45, 40.0)
    assert info["coherence_p"] is not None   # the disagreement was found; the coherence test then ran
    same = att.query([CASE], method=FixedRanking(text[:50] + others[:10]), k=60, lexical_floor=True)
    assert same.checks["lexical_floor"]["q0"]["coherence_p"] is None and same.warnings == []   # 2 * 50 = 60 + 40


def lexical_floor_baseline_top(att, k: int) -> list[int]:
    """The text baseline's top-k store rows for `CASE` (what the floor compares with)."""
    from provenance.attribution.lexical_floor import text_baseline

    return [int(r) for r in text_baseline().rank(att, att.signatures([CASE], []), k).rows[0]]
