"""benchmarks/attribution/line_scores.py: the stored lines rebuild the adopted per-answer default's ranking, survive
the file, and bad input is refused by name."""
from __future__ import annotations

import numpy as np
import pytest

from attribution_helpers import joint_case_setup
from benchmarks.attribution.line_scores import (
    BEHAVIOUR_LINES, LINES, adopted_answer_scores, answer_lines, committed_p_at_n, load_lines, render_check, save_lines,
    score_file,
)
from provenance.attribution.auto_choice import ANSWER_FUSION, ANSWER_SIGNATURE
from provenance.attribution.joint import JointMethod
from provenance.attribution.topk import select_rows

LAYER, TOKEN_LAYER = 3, 2


@pytest.fixture(scope="module")
def lines(tmp_path_factory):
    att, base, cases = joint_case_setup(tmp_path_factory.mktemp("lines") / "s.zarr", [2, LAYER], TOKEN_LAYER)
    test = att.signatures(cases, [LAYER], [TOKEN_LAYER])
    rows = np.flatnonzero(select_rows(att.samples, "last"))
    lines = answer_lines(att, test, LAYER, TOKEN_LAYER, rows, base=base)
    combined = answer_lines(att, test, LAYER, TOKEN_LAYER, rows, base=base, combine=True)
    return att, base, test, rows, lines | {f"behaviour {name}": value for name, value in combined.items()}


def test_the_lines_rebuild_the_adopted_default(lines):
    att, base, test, rows, got = lines
    assert tuple(got) == LINES + BEHAVIOUR_LINES
    assert all(got[n].shape == (3, len(rows)) for n in LINES)
    assert all(got[n].shape == (1, len(rows)) for n in BEHAVIOUR_LINES)
    # The default as the library builds it: h_fused_c (ANSWER_SIGNATURE) with ANSWER_FUSION's lines and guard, per
    # answer and per behaviour (the answers combined).
    method = JointMethod(ANSWER_SIGNATURE, LAYER, TOKEN_LAYER, "last", base=base, **ANSWER_FUSION)
    for ranking, scores in ((method.rank(att, test, 5), adopted_answer_scores(got)),
                            (method.rank_behaviour(att, test, 5), adopted_answer_scores(got, "behaviour "))):
        assert ranking.rows.shape[0] == scores.shape[0]
        for q in range(scores.shape[0]):
            order = np.argsort(-scores[q], kind="stable")[:5]
            np.testing.assert_array_equal(ranking.rows[q], rows[order])
            np.testing.assert_allclose(ranking.scores[q], scores[q, order], rtol=1e-5)


def test_the_lines_rebuild_the_answers_stouffer_candidate(lines):
    """line_choice's answers-stouffer from the per-answer lines is the library's joint-gated-answers per behaviour."""
    from benchmarks.attribution.line_choice import answers_stouffer

    att, base, test, rows, got = lines
    method = JointMethod(ANSWER_SIGNATURE, LAYER, TOKEN_LAYER, "last", base=base, behaviour_from="answers",
                         **ANSWER_FUSION)
    ranking, scores = method.rank_behaviour(att, test, 5), answers_stouffer(got)
    order = np.argsort(-scores[0], kind="stable")[:5]
    np.testing.assert_array_equal(ranking.rows[0], rows[order])
    np.testing.assert_allclose(ranking.scores[0], scores[0, order], rtol=1e-5)


def test_a_saved_file_gives_back_the_lines_and_the_precision(lines, tmp_path):
    att, _, _, rows, got = lines
    ids = att.samples["sample_id"].astype(str).to_numpy()[rows]
    planted = np.isin(ids, ["1", "6"])   # the rows two of the answers were taken from
    save_lines(tmp_path / "task.npz", ids, att.samples["source"].to_numpy()[rows], {"b": {**got, "planted": planted}})
    meta, back = load_lines(tmp_path / "task.npz")
    assert list(meta["sample_id"]) == list(ids) and set(back) == {"b"}
    np.testing.assert_array_equal(back["b"]["planted"], planted)
    for name in LINES + BEHAVIOUR_LINES:   # stored as float32
        np.testing.assert_allclose(back["b"][name], got[name], rtol=1e-6, atol=1e-6)
    # P@n (n = 2 planted rows) and P@10 per answer by hand from the rebuilt default's order.
    order = np.argsort(-adopted_answer_scores(back["b"]), axis=1, kind="stable")
    want_n = planted[order[:, :2]].mean()
    behaviour_order = np.argsort(-adopted_answer_scores(back["b"], "behaviour "), axis=1, kind="stable")
    [record] = score_file(tmp_path / "task.npz")
    assert record == {"task": "task", "behaviour": "b", "answers": 3, "P@n": pytest.approx(want_n),
                      "P@10": pytest.approx(planted[order[:, :10]].mean()),
                      "behaviour P@n": pytest.approx(planted[behaviour_order[:, :2]].mean())}
    # the check table: this file's values, and "-" where the committed tables have no such task
    row = render_check(tmp_path).splitlines()[-1]
    assert row == (f"| task | b | 3 | {record['P@n']:.2f} | {record['P@10']:.2f} | - | "
                   f"{record['behaviour P@n']:.2f} | - |")


def test_bad_input_is_refused_by_name(lines, tmp_path):
    att, _, _, rows, got = lines
    ids = att.samples["sample_id"].astype(str).to_numpy()[rows]
    planted = np.zeros(len(ids), bool)
    without_next = {k: v for k, v in got.items() if k != "next"}
    with pytest.raises(ValueError, match=r"behaviour 'b' lacks \['next'\]"):
        save_lines(tmp_path / "x.npz", ids, ids, {"b": {**without_next, "planted": planted}})
    with pytest.raises(ValueError, match=rf"b/planted has 3 rows, the run has {len(ids)}"):
        save_lines(tmp_path / "x.npz", ids, ids, {"b": {**got, "planted": planted[:3]}})
    assert not (tmp_path / "x.npz").exists()


def test_the_committed_tables_give_the_default_a_file_should_reproduce():
    # round 18's unplug_wait: the adopted per-answer default scored 0.98 (59/60 over its 6 answers' top 30 rows)
    assert committed_p_at_n("unplug_wait", "unplug_wait") == pytest.approx(59 / 60)
    assert committed_p_at_n("unplug_wait", "unplug_wait", "per behaviour") == 1.0
    assert committed_p_at_n("no_such_task", "no_such_task") is None


def test_a_probe_reads_each_run_beside_its_file_and_refuses_other_rows(tmp_path):
    from pathlib import Path

    from benchmarks.attribution.line_scores import probe_runs_beside_lines

    ids = np.array(["3", "1", "2"])
    parts = {name: np.zeros((1, 3)) for name in (*LINES, *BEHAVIOUR_LINES)} | {"planted": np.array([1, 0, 0], bool)}
    save_lines(tmp_path / "task.npz", ids, ids, {"b": parts})
    argv = ["--runs", "runs/attr_task", "--lines", str(tmp_path), "--out", str(tmp_path / "out.md")]
    seen = []

    def records(task, behaviour, stored, computed):
        seen.append((task, behaviour, stored["planted"].tolist(), computed))
        return [{"task": task, "value": computed}]

    args, rows = probe_runs_beside_lines("A probe.\n\nMore.", argv, lambda run: (ids, {"b": run.name}), records)
    assert args.out == tmp_path / "out.md" and rows == [{"task": "task", "value": "attr_task"}]
    assert seen == [("task", "b", [True, False, False], "attr_task")] and args.runs == [Path("runs/attr_task")]
    with pytest.raises(ValueError, match="runs/attr_task: its rows are not those of task.npz; export the line file"):
        probe_runs_beside_lines("A probe.", argv, lambda run: (ids[::-1], {"b": 0}), records)
