"""The side split (provenance.attribution.side_split): an answer whose prompt side and response side point at
different training rows carries a warning naming both groups; one whose sides agree carries none. The stores are
built around the tiny model's own states for the test case (what a query computes), so which rows each side finds
is known exactly: rows A near the case's ``h_last`` only, rows B near its ``h_mean`` only."""
from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from group_stores import FixedRanking, background_texts, write_rows
from provenance import open_store
from provenance.attribution import Attributor, TestCase
from provenance.attribution.report import build_report
from provenance.attribution.side_split import side_split, sides_disagree
from provenance.cli import app
from provenance.models import tiny_causal_lm, tiny_tokenizer

LAYER = 2          # the only captured layer: the run's default layer
CASE = TestCase("Say the zebra word now.", "Bonjour mes amis.")
A_TEXTS = [(f"Say the zebra word {i}.", f"The kettle is warm {i}.") for i in range(10)]        # asked like CASE
B_TEXTS = [(f"Translate to French: hello friends {i}.", f"Bonjour mes amis {i}.") for i in range(10)]  # answered like it
N_BACKGROUND = 60


def _rows_around(centre: np.ndarray, n: int, rng, spread: float = 0.35) -> np.ndarray:
    """``n`` rows near ``centre`` (Gaussian spread relative to its norm)."""
    d = centre.size
    return centre + spread * np.linalg.norm(centre) * rng.standard_normal((n, d)) / np.sqrt(d)


def _random_rows(scale: float, n: int, rng) -> np.ndarray:
    return scale * rng.standard_normal((n, 32)) / np.sqrt(32)


def write_side_store(path, model, tok, states: dict, *, agree: bool, shared: int = 0, parts=("h_last", "h_mean"),
                     seed: int = 0):
    """A one-epoch store of rows A, B and background (see the module doc). ``agree``: rows A are near the case on
    both sides (and B on neither). ``shared`` more rows lie very near the case on both sides, so both sides rank
    them first. Returns each source's store rows."""
    rng = np.random.default_rng(seed)
    q_last, q_mean = states["h_last"][0], states["h_mean"][0]
    s_last, s_mean = float(np.linalg.norm(q_last)), float(np.linalg.norm(q_mean))
    n_bg = N_BACKGROUND
    h_last = np.concatenate([_rows_around(q_last, 10, rng), _random_rows(s_last, 10, rng),
                             _random_rows(s_last, n_bg, rng), _rows_around(q_last, shared, rng, 0.02)])
    h_mean = np.concatenate([_rows_around(q_mean, 10, rng) if agree else _random_rows(s_mean, 10, rng),
                             _random_rows(s_mean, 10, rng) if agree else _rows_around(q_mean, 10, rng),
                             _random_rows(s_mean, n_bg, rng), _rows_around(q_mean, shared, rng, 0.02)])
    texts = A_TEXTS + B_TEXTS + background_texts(n_bg, seed) + [
        (f"Say the zebra word, shared {i}.", f"Bonjour mes amis, shared {i}.") for i in range(shared)]
    names = ["a"] * 10 + ["b"] * 10 + ["background"] * n_bg + ["shared"] * shared
    n = len(texts)
    sigs = {"h_last": h_last, "h_mean": h_mean, "g_last": 1e-6 * rng.standard_normal((n, 32)),
            "g_mean": 1e-6 * rng.standard_normal((n, 32))}
    return write_rows(path, model, tok, texts, names, {LAYER: {p: sigs[p].astype(np.float32) for p in parts}})


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("sides")
    tok = tiny_tokenizer()
    model = tiny_causal_lm("llama", seed=0)
    model.save_pretrained(str(root / "model"))
    tok.save_pretrained(str(root / "model"))
    # The case's states as every query computes them (a bootstrap store only fixes the layer and parts).
    write_rows(root / "boot.zarr", model, tok, A_TEXTS[:2], ["x", "x"],
               {LAYER: {p: np.ones((2, 32), np.float32) for p in ("h_last", "h_mean", "g_last", "g_mean")}})
    states = Attributor(open_store(str(root / "boot.zarr")), model, tok).signatures([CASE], [LAYER]).arrays[LAYER]
    stores = {}
    for name, kw in {"split": {"agree": False}, "agree": {"agree": True},
                     "shared1": {"agree": False, "shared": 1}, "shared2": {"agree": False, "shared": 2},
                     "no_mean": {"agree": False, "parts": ("h_last", "g_last")}}.items():
        rows = write_side_store(root / f"{name}.zarr", model, tok, states, **kw)
        stores[name] = (Attributor(open_store(str(root / f"{name}.zarr")), model, tok), rows)
    return stores, root


def test_sides_pointing_at_different_rows_warn_and_name_both_groups(setup):
    att, rows = setup[0]["split"]
    res = att.query([CASE], method=FixedRanking(rows["a"]), k=10, groups=False, side_split=True)
    assert len(res.side_splits) == 1
    w = res.side_splits[0]
    assert (w.query, w.layer, w.k, w.overlap, w.chance_overlap) == ("q0", LAYER, 10, 0, 1.25)   # 10 * 10 / 80
    assert sorted(w.prompt_group.sample_ids) == rows["a"] and w.prompt_group.label == "prompt side"
    assert sorted(w.response_group.sample_ids) == rows["b"] and w.response_group.label == "response side"
    assert w.prompt_group.sources == {"a": 10} and w.response_group.sources == {"b": 10}
    assert sorted(w.prompt_group.ranks) == list(range(1, 11)) and w.prompt_group.coherence_p is None
    assert w.in_ranking == {"prompt side": 10, "response side": 0}
    assert "zebra" in " ".join(w.prompt_group.prompt_terms)
    assert "bonjour mes amis" in w.response_group.response_terms
    assert "share 0 of 10" in w.message and "chance (1.25)" in w.message
    assert "sit in the prompt side group (10 of its top-10, 0 in the other)" in w.message
    assert "provenance validate" in w.message
    info = res.checks["side_split"]["q0"]
    assert (info["k"], info["overlap"], info["rows"], info["layer"]) == (10, 0, 80, LAYER) and info["seconds"] > 0
    # The ranking is left as it is, and the check is off by default.
    assert res.ranking["row"].tolist() == rows["a"]
    assert "side_split" not in att.query([CASE], method=FixedRanking(rows["a"]), k=10, groups=False).checks


def test_sides_pointing_at_the_same_rows_carry_no_warning(setup):
    att, rows = setup[0]["agree"]
    res = att.query([CASE], method=FixedRanking(rows["b"]), k=10, groups=False, side_split=True)
    assert res.side_splits == [] and res.checks["side_split"]["q0"]["overlap"] == 10


def test_the_rule_at_its_boundary_by_hand():
    # k=10 of 40 rows: chance 2.5, so 2 shared warns and 3 does not; of 50 rows chance is exactly 2.
    assert sides_disagree(2, 10, 40) and not sides_disagree(3, 10, 40)
    assert sides_disagree(2, 10, 50) and not sides_disagree(3, 10, 50)
    assert sides_disagree(0, 10, 300) and not sides_disagree(1, 10, 300)     # chance 0.33: only disjoint lists
    assert not sides_disagree(0, 1, 80)           # one sample: nothing to compare
    assert not sides_disagree(10, 10, 10)         # the whole store: both lists are every row
    with pytest.raises(ValueError, match="overlap <= k"):
        sides_disagree(11, 10, 80)


def test_the_boundary_through_a_query(setup):
    """k=10: with 1 row shared by both sides' top 10 of 81 rows (chance 100/81 = 1.23) the sides split; with 2 of
    82 (chance 1.22) they do not."""
    for store, overlap, chance, warned in (("shared1", 1, 1.23, True), ("shared2", 2, 1.22, False)):
        att, rows = setup[0][store]
        res = att.query([CASE], method=FixedRanking(rows["a"]), k=10, groups=False, side_split=True)
        info = res.checks["side_split"]["q0"]
        assert (info["overlap"], info["chance_overlap"], bool(res.side_splits)) == (overlap, chance, warned)
        if warned:      # the shared row is in neither group
            w = res.side_splits[0]
            assert (w.prompt_group.size, w.response_group.size, w.in_ranking["prompt side"]) == (9, 9, 9)
            assert rows["shared"][0] not in w.prompt_group.rows + w.response_group.rows


def test_a_behaviour_is_checked_as_one_query(setup):
    att, rows = setup[0]["split"]
    cases = [CASE, TestCase(CASE.prompt, CASE.response, name="again")]
    res = att.query(cases, method=FixedRanking(rows["b"]), k=10, combine="mean", groups=False, side_split=True)
    assert [w.query for w in res.side_splits] == ["behaviour"] and list(res.checks["side_split"]) == ["behaviour"]
    w = res.side_splits[0]
    assert sorted(w.prompt_group.sample_ids) == rows["a"] and sorted(w.response_group.sample_ids) == rows["b"]
    assert w.in_ranking == {"prompt side": 0, "response side": 10}


def test_a_text_method_is_checked_with_states_from_a_forward_pass(setup):
    att, rows = setup[0]["split"]
    res = att.query([CASE], method="bm25", k=10, groups=False, side_split=True)
    assert len(res.side_splits) == 1 and sorted(res.side_splits[0].prompt_group.rows) == rows["a"]
    # The same outcome as with the states given.
    warnings, checked = side_split(att, att.signatures([CASE], [LAYER]), res.ranking)
    assert checked["q0"]["overlap"] == res.checks["side_split"]["q0"]["overlap"] == 0 and len(warnings) == 1


def test_a_store_without_the_response_side_is_skipped_with_the_reason(setup):
    att, rows = setup[0]["no_mean"]
    res = att.query([CASE], method=FixedRanking(rows["a"]), k=10, groups=False, side_split=True)
    assert res.side_splits == []
    reason = res.checks["side_split"]["q0"]["skipped"]
    assert "not ['h_mean']" in reason and f"at layer {LAYER}" in reason and "capture signatures=" in reason


def test_bad_input_fails_clearly(setup):
    att, rows = setup[0]["split"]
    res = att.query([CASE], method=FixedRanking(rows["a"]), k=10, groups=False)
    with pytest.raises(ValueError, match="combine must be"):
        side_split(att, att.text_only([CASE]), res.ranking, combine="max")
    with pytest.raises(ValueError, match=r"queries \['q0'\] are not among the test cases \['other'\]"):
        side_split(att, att.text_only([TestCase(CASE.prompt, CASE.response, name="other")]), res.ranking)


def test_cli_json_text_ids_and_html_carry_the_split(setup, tmp_path):
    stores, root = setup
    att, rows = stores["split"]
    args = ["query", str(root / "split.zarr"), "--model", str(root / "model"), "--prompt", CASE.prompt,
            "--response", CASE.response, "--method", "bm25", "-k", "10", "--no-groups", "--no-lexical-floor",
            "--groups-dir", str(tmp_path / "ids")]
    got = CliRunner().invoke(app, args + ["--json"])
    assert got.exit_code == 0, got.output
    data = json.loads(got.stdout)
    assert len(data["side_splits"]) == 1 and data["checks"]["side_split"]["q0"]["overlap"] == 0
    split = data["side_splits"][0]
    assert sorted(split["prompt_group"]["sample_ids"]) == rows["a"]
    assert split["response_group"]["ids_file"] == str(tmp_path / "ids" / "q0-response-side.csv")
    assert "--k 10 --mode drop" in split["prompt_group"]["command"]
    assert sorted(np.loadtxt(tmp_path / "ids" / "q0-prompt-side.csv", delimiter=",", skiprows=1)[:, 0]) == rows["a"]
    text = CliRunner().invoke(app, args)
    assert text.exit_code == 0, text.output
    out = " ".join(text.stdout.split())
    assert "side split q0: the two sides of this answer point at different training rows" in out
    assert "settle it (prompt side): provenance validate" in out
    off = CliRunner().invoke(app, args + ["--no-side-split", "--json"])
    assert json.loads(off.stdout)["side_splits"] == [] and "side_split" not in json.loads(off.stdout)["checks"]
    res = att.query([CASE], method=FixedRanking(rows["a"]), k=10, groups=False, side_split=True)
    html = build_report(res, cases=[CASE])
    assert html.count('class="warn side-split"') == 1 and 'data-overlap="0"' in html and "Bonjour" in html
