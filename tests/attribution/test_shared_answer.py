"""The shared-answer warning (provenance.attribution.shared_answer): an answer that rows of two sources give word for
word among the top rows carries a warning naming a group per source; one that a single source gives carries none.
The rankings are fixed (`FixedRanking`), so which rows are examined, and at which ranks, is known exactly."""
from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from group_stores import FixedRanking, background_texts, interleave, write_rows
from provenance import open_store
from provenance.attribution import Attributor, TestCase
from provenance.attribution.case_signatures import TestSignatures
from provenance.attribution.report import build_report
from provenance.attribution.shared_answer import same_words, shared_answer
from provenance.cli import app
from provenance.models import tiny_causal_lm, tiny_tokenizer

LAYER = 2
ANSWER = "Sorry, we are closed that day."
CASE = TestCase("Can I buy bread on Sunday?", ANSWER)
SUNDAY = [(f"Can I pick up order {i} on Sunday?", ANSWER) for i in range(6)] + [
    ("Can I return a lamp on Sunday?", "Yes, returns are open every day.")]          # same source, other words
HOLIDAY = [(f"Can I pick up order {i} on Christmas Day?", "  sorry, WE are closed that day. ") for i in range(4)]
# Not the same words ("!" for "."):
OTHER = [(f"Can I pick up order {i} on Monday?", "Sorry, we are closed that day!") for i in range(3)]
N_BACKGROUND = 110


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("shared")
    tok = tiny_tokenizer()
    model = tiny_causal_lm("llama", seed=0)
    model.save_pretrained(str(root / "model"))
    tok.save_pretrained(str(root / "model"))
    texts = SUNDAY + HOLIDAY + OTHER + background_texts(N_BACKGROUND, 0)
    names = ["sunday"] * len(SUNDAY) + ["holiday"] * len(HOLIDAY) + ["other"] * len(OTHER) + ["bg"] * N_BACKGROUND
    rng = np.random.default_rng(0)
    sigs = {p: rng.standard_normal((len(texts), 32)).astype(np.float32)
            for p in ("h_last", "h_mean", "g_last", "g_mean")}
    rows = write_rows(root / "s.zarr", model, tok, texts, names, {LAYER: sigs})
    return Attributor(open_store(str(root / "s.zarr")), model, tok), rows, root


def test_same_words_ignores_case_and_whitespace_only():
    assert same_words(ANSWER, "  sorry, WE are\nclosed that day. ")
    assert not same_words(ANSWER, "Sorry, we are closed that day!")
    assert not same_words(ANSWER, "Sorry, we are closed today.")


def test_two_sources_giving_the_answer_warn_with_a_group_per_source(setup):
    att, rows, _ = setup
    order = interleave(rows["sunday"], rows["holiday"], rows["other"]) + rows["bg"]
    res = att.query([CASE], method=FixedRanking(order), k=10, groups=False)
    assert len(res.shared_answers) == 1
    w = res.shared_answers[0]
    assert (w.query, w.answers, w.considered, w.shown) == ("q0", [ANSWER], 10, 10)
    # The top 10: sunday 0, holiday 0, other 0, sunday 1, holiday 1, other 1, sunday 2, holiday 2, other 2, sunday 3.
    a, b = w.groups
    assert (a.label, b.label) == ("source sunday", "source holiday")            # by best rank
    assert a.rows == rows["sunday"][:4] and a.ranks == [1, 4, 7, 10] and a.sources == {"sunday": 4}
    assert b.rows == rows["holiday"][:3] and b.ranks == [2, 5, 8] and b.best_rank == 2
    assert w.verbatim == {"source sunday": 4, "source holiday": 3}
    assert a.response_example.strip() == ANSWER and "sunday" in " ".join(a.prompt_terms)
    assert "christmas day" in " ".join(b.prompt_terms) and a.coherence_p is None
    assert ("word for word, is the response of rows of 2 sources among the top 10 rows (sunday: 4 of its 4 rows "
            "here (best rank 1)") in w.message and "provenance validate" in w.message
    info = res.checks["shared_answer"]["q0"]
    assert info["rows giving the answer"] == 7 and info["sources giving the answer"] == ["sunday", "holiday"]
    assert res.ranking["row"].tolist() == order[:10]                          # the ranking is left as it is


def test_every_examined_row_of_a_source_joins_its_group(setup):
    att, rows, _ = setup
    # The sunday row with other words (the 7th) ranks 2nd: it is in the group, not among the verbatim rows.
    order = [rows["sunday"][0], rows["sunday"][6], rows["holiday"][0]] + rows["bg"]
    (w,) = att.query([CASE], method=FixedRanking(order), k=5, groups=False).shared_answers
    assert w.groups[0].rows == [rows["sunday"][0], rows["sunday"][6]] and w.verbatim["source sunday"] == 1
    # Groups go by best rank: the sunday row with other words ranks 1st, before holiday's row giving the answer.
    order = [rows["sunday"][6], rows["holiday"][0], rows["sunday"][0]] + rows["bg"]
    (w,) = att.query([CASE], method=FixedRanking(order), k=5, groups=False).shared_answers
    assert [g.label for g in w.groups] == ["source sunday", "source holiday"] and w.groups[0].ranks == [1, 3]


def test_an_empty_answer_is_examined_without_reading_rows(setup):
    att, rows, _ = setup
    res = att.query([CASE], method=FixedRanking(rows["sunday"]), k=5, groups=False, shared_answer=False)
    # Queries refuse an empty response upstream; the function itself must still not read rows for one.
    blank = TestSignatures(cases=[TestCase(CASE.prompt, " ", name="q0")], arrays={}, input_ids=[],
                           prompt_len=np.zeros(0, int), loss=np.zeros(0))
    warnings, checked = shared_answer(att, blank, res.ranking)
    assert warnings == [] and checked["q0"]["answers"] == 0 and checked["q0"]["rows giving the answer"] == 0


def test_one_source_giving_the_answer_carries_no_warning(setup):
    att, rows, _ = setup
    order = interleave(rows["sunday"], rows["other"]) + rows["bg"]       # "other" ends with "!": not the same words
    res = att.query([CASE], method=FixedRanking(order), k=20, groups=False)
    assert res.shared_answers == [] and res.checks["shared_answer"]["q0"]["sources giving the answer"] == ["sunday"]
    off = att.query([CASE], method=FixedRanking(order), k=20, groups=False, shared_answer=False)
    assert "shared_answer" not in off.checks


def test_only_the_examined_rows_count(setup):
    att, rows, _ = setup
    # The holiday rows rank 101st and below: examined at considered=104, not at the default 100.
    order = rows["sunday"][:6] + rows["bg"][:94] + rows["holiday"] + rows["bg"][94:]
    res = att.query([CASE], method=FixedRanking(order), k=len(order), groups=False, shared_answer=False)
    test = att.text_only([CASE])
    assert shared_answer(att, test, res.ranking)[0] == []
    (w,), _ = shared_answer(att, test, res.ranking, considered=104)
    assert w.groups[1].ranks == [101, 102, 103, 104]
    # With the groups report on, a k=10 query examines its top 100 as that report does.
    order = rows["sunday"][:1] + rows["bg"][:90] + rows["holiday"] + rows["bg"][90:]
    deep = att.query([CASE], method=FixedRanking(order), k=10, groups=True)
    assert [g.label for g in deep.shared_answers[0].groups] == ["source sunday", "source holiday"]
    assert deep.shared_answers[0].shown == 10 and deep.shared_answers[0].considered == 100


def test_a_behaviour_is_checked_against_each_of_its_answers(setup):
    att, rows, _ = setup
    other_answer = TestCase("Is the shop open on Monday?", "Sorry, we are closed that day!", name="monday")
    order = interleave(rows["holiday"], rows["other"]) + rows["bg"]
    res = att.query([CASE, other_answer], method=FixedRanking(order), k=10, combine="mean", groups=False)
    (w,) = res.shared_answers
    assert w.query == "behaviour" and len(w.answers) == 2
    assert [g.label for g in w.groups] == ["source holiday", "source other"]


def test_bad_input_fails_clearly(setup):
    att, rows, _ = setup
    res = att.query([CASE], method=FixedRanking(rows["sunday"]), k=5, groups=False)
    with pytest.raises(ValueError, match="combine must be"):
        shared_answer(att, att.text_only([CASE]), res.ranking, combine="max")
    with pytest.raises(ValueError, match="considered must be at least 1"):
        shared_answer(att, att.text_only([CASE]), res.ranking, considered=0)
    with pytest.raises(ValueError, match=r"queries \['q0'\] are not among the test cases \['x'\]"):
        shared_answer(att, att.text_only([TestCase(CASE.prompt, ANSWER, name="x")]), res.ranking)


def test_cli_json_text_ids_and_html_carry_the_warning(setup, tmp_path):
    att, rows, root = setup
    # bm25 ranks the rows that share the case's words first: the sunday and holiday rows give the answer.
    args = ["query", str(root / "s.zarr"), "--model", str(root / "model"), "--prompt", CASE.prompt, "--response",
            ANSWER, "--method", "bm25", "-k", "10", "--no-groups", "--no-lexical-floor", "--no-side-split",
            "--groups-dir", str(tmp_path / "ids")]
    got = CliRunner().invoke(app, args + ["--json"])
    assert got.exit_code == 0, got.output
    data = json.loads(got.stdout)
    (w,) = data["shared_answers"]
    labels = sorted(g["label"] for g in w["groups"])
    assert labels == ["source holiday", "source sunday"]
    files = {g["label"]: g["ids_file"] for g in w["groups"]}
    assert files["source holiday"] == str(tmp_path / "ids" / "q0-source-holiday.csv")
    held = np.loadtxt(files["source holiday"], delimiter=",", skiprows=1, ndmin=2)[:, 0]
    assert set(held.astype(int)) <= set(rows["holiday"]) and len(held) >= 1
    assert all("--mode drop" in g["command"] for g in w["groups"])
    text = CliRunner().invoke(app, args)
    assert text.exit_code == 0, text.output
    out = " ".join(text.stdout.split())
    assert "shared answer q0: this answer, word for word, is the response of rows of 2 sources" in out
    assert "settle it (source holiday): provenance validate" in out
    off = json.loads(CliRunner().invoke(app, args + ["--no-shared-answer", "--json"]).stdout)
    assert off["shared_answers"] == [] and "shared_answer" not in off["checks"]
    res = att.query([CASE], method=FixedRanking(interleave(rows["sunday"], rows["holiday"])), k=10, groups=False)
    html = build_report(res, cases=[CASE])
    assert html.count('class="warn shared-answer"') == 1 and 'data-sources="2"' in html
