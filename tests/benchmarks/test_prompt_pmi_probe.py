"""benchmarks/attribution/prompt_pmi_probe.py: the PMI against a hand pass of a tiny model, the gate's limits, the
records and the summary by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from benchmarks.attribution.line_fusion_probe import z_lines
from benchmarks.attribution.line_scores import LINES, adopted_answer_scores
from benchmarks.attribution.prompt_pmi_probe import (
    ANSWER_COLUMNS, BEHAVIOUR_COLUMNS, COMMITTED, answer_pmi, gate_weight, pmi_gated, records, render, summary,
)
from provenance.attribution.joint import standard_z


def hand_logprobs(model, ids: list[int], prompt_len: int) -> np.ndarray:
    """log p of each response token given everything before it, from one plain forward pass."""
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits[0].double()
    lp = torch.log_softmax(logits, dim=-1)
    return np.array([float(lp[t - 1, ids[t]]) for t in range(prompt_len, len(ids))])


def test_answer_pmi_is_the_mean_log_ratio_with_and_without_the_prompt(tiny_llama):
    tiny_llama.eval()
    answer = [40, 41, 42, 43]
    full = [([2, 10, 11, 12, 3, *answer], 5), ([2, 20, 3, *answer[:2]], 3)]
    empty = [([2, 3, *answer], 2), ([2, 3, *answer[:2]], 2)]
    got = answer_pmi(tiny_llama, [(np.array(i), p) for i, p in full], [(np.array(i), p) for i, p in empty], 1)
    want = [np.mean(hand_logprobs(tiny_llama, *f) - hand_logprobs(tiny_llama, *e)) for f, e in zip(full, empty)]
    assert got == pytest.approx(want, abs=1e-4) and abs(got[0]) > 1e-3   # float32 passes; the prompt matters


def test_answer_pmi_refuses_answers_whose_tokens_differ(tiny_llama):
    with pytest.raises(ValueError, match="answer 0: its tokens differ with and without the prompt"):
        answer_pmi(tiny_llama, [(np.array([2, 10, 3, 40, 41]), 3)], [(np.array([2, 3, 40, 42]), 2)], 1)


def test_gate_weight_is_one_without_information_and_falls_by_the_nat():
    assert gate_weight(np.array([-1.0, 0.0, 1.0, 2.0])) == pytest.approx([1.0, 1.0, np.exp(-1), np.exp(-2)])
    assert gate_weight(np.array([1.0]), scale=2.0) == pytest.approx([np.exp(-0.5)])


PLANTED = np.arange(20) < 6


def stored(answers: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    lines = {name: rng.normal(size=(answers, 20)) for name in LINES}
    return lines | {f"behaviour {k}": v.mean(0, keepdims=True) for k, v in lines.items()} | {"planted": PLANTED}


def test_pmi_gated_is_the_and_line_at_zero_pmi_and_the_default_at_large_pmi():
    lines = stored(3)
    default = standard_z(adopted_answer_scores(lines))
    both = standard_z(np.minimum(z_lines(lines)["context"], default))
    gated = pmi_gated(lines, np.array([0.0, 50.0, 1.0]))
    assert gated[0] == pytest.approx(both[0]) and gated[1] == pytest.approx(default[1], abs=1e-12)
    w = np.exp(-1.0)
    assert gated[2] == pytest.approx((1 - w) * default[2] + w * both[2])
    assert not np.allclose(both, default)   # the two lines differ, so the checks above can fail


def test_records_cover_every_column_and_refuse_a_pmi_per_answer_mismatch():
    recs = pd.DataFrame(records("t", "b", stored(2), np.array([0.2, 3.0])))
    per_answer = recs[recs["mode"] == "per answer"]
    assert sorted(set(per_answer["column"])) == sorted(ANSWER_COLUMNS) and len(per_answer) == 2 * len(ANSWER_COLUMNS)
    assert set(recs[recs["mode"] == "per behaviour"]["column"]) == set(BEHAVIOUR_COLUMNS)
    assert per_answer[per_answer["answer"] == 1]["pmi"].eq(3.0).all()
    with pytest.raises(ValueError, match="t/b: 1 PMIs for 2 stored answers"):
        records("t", "b", stored(2), np.array([0.2]))


def test_summary_reads_the_rule_against_the_committed_default_by_hand():
    rows = []
    # two counted tasks (names from default_choice.TASKS), per behaviour; committed 0.9 and 1.0
    for task, committed, candidate in (("confusable", 0.9, 0.7), ("persona", 1.0, 1.0)):
        rows += [{"task": task, "behaviour": task, "mode": "per behaviour", "answer": -1, "pmi": 0.0, "column": c,
                  "P@n": v, "P@10": v} for c, v in ((COMMITTED, committed), ("answers-stouffer", 1.0),
                                                    *((col, candidate) for col in BEHAVIOUR_COLUMNS[1:]))]
    table = pd.DataFrame(rows)
    got = summary(table, BEHAVIOUR_COLUMNS, "per behaviour")
    cand = got.loc[BEHAVIOUR_COLUMNS[1]]
    assert cand["tasks"] == 2 and cand["mean P@n"] == pytest.approx(0.85) and cand["worst P@n"] == pytest.approx(0.7)
    assert cand["largest deficit"] == pytest.approx(0.2) and cand["tasks > 0.1 below"] == 1
    assert got.loc["answers-stouffer", "largest deficit"] == pytest.approx(0.0)
    assert got.loc[COMMITTED, "P@n >= 0.95"] == 1


def test_render_sorts_by_pmi_and_ends_with_both_summaries():
    recs = pd.DataFrame([*records("confusable", "confusable", stored(2, 1), np.array([2.0, 2.5])),
                         *records("persona", "persona", stored(2, 2), np.array([0.1, 0.3]))])
    extra = [{"task": t, "behaviour": t, "mode": m, "answer": -1, "pmi": 0.0, "column": COMMITTED, "P@n": 1.0,
              "P@10": 1.0} for t in ("confusable", "persona") for m in ("per answer", "per behaviour")]
    text = render(pd.concat([recs, pd.DataFrame(extra)], ignore_index=True))
    rows = [line.split(" |")[0] for line in text.splitlines() if line.startswith("| ") and " / " in line]
    assert rows == ["| task / behaviour", "| persona / persona", "| confusable / confusable"]
    assert "## per answer, counted tasks" in text and "## per behaviour, counted tasks" in text
