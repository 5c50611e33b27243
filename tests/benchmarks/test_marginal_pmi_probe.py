"""benchmarks/attribution/marginal_pmi_probe.py: the reference draw, the marginal PMI by hand (and against a hand pass
of a tiny model), the halves, and the records."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks.attribution.marginal_pmi_probe import (
    ANSWER_COLUMNS, BEHAVIOUR_COLUMNS, DRAWS, ESTIMATES, answer_loglik, estimates, marginal_pmi, records,
    reference_rows,
)
from benchmarks.attribution.prompt_pmi_probe import pmi_gated
from tests.benchmarks.test_prompt_pmi_probe import hand_logprobs, stored


def test_reference_rows_are_a_seeded_draw_without_replacement():
    rows = np.arange(100, 140)
    first, again = reference_rows(rows, 16, seed=0), reference_rows(rows, 16, seed=0)
    assert np.array_equal(first, again) and len(set(first.tolist())) == 16 and set(first) <= set(rows)
    assert not np.array_equal(first, reference_rows(rows, 16, seed=1))
    assert len(reference_rows(np.arange(DRAWS))) == DRAWS
    with pytest.raises(ValueError, match="3 rows to draw 16 reference prompts from"):
        reference_rows(np.arange(3), 16)


def test_marginal_pmi_by_hand():
    own = np.array([-2.0, -10.0])
    others = np.log(np.array([[0.5, 0.1], [0.2, 0.2]]))   # p(answer | x_k)
    got = marginal_pmi(own, others, np.array([2, 5]))
    want = [(-2.0 - np.log(0.3)) / 2, (-10.0 - np.log(0.2)) / 5]   # log of the mean likelihood, per token
    assert got == pytest.approx(want)


def test_a_behaviour_that_some_prompts_lead_to_has_pmi_log_one_over_their_share():
    # the answer is as likely after a quarter of the prompts as after its own, and impossible after the rest
    own = np.array([-3.0])
    others = np.array([[-3.0, -200.0, -200.0, -200.0]])
    assert marginal_pmi(own, others, np.array([1])) == pytest.approx([np.log(4)])


def test_estimates_are_the_whole_draw_and_its_two_halves():
    rng = np.random.default_rng(0)
    own, others, tokens = rng.normal(size=3), rng.normal(size=(3, 4)), np.array([1, 2, 3])
    got = estimates(own, others, tokens)
    assert got.shape == (3, 3)
    assert got[:, 0] == pytest.approx(marginal_pmi(own, others, tokens))
    assert got[:, 1] == pytest.approx(marginal_pmi(own, others[:, :2], tokens))
    assert got[:, 2] == pytest.approx(marginal_pmi(own, others[:, 2:], tokens))


def test_answer_loglik_is_the_summed_response_logprobs_of_a_hand_pass(tiny_llama):
    tiny_llama.eval()
    seqs = [([2, 10, 11, 3, 40, 41, 42], 4), ([2, 20, 3, 40], 3)]
    got = answer_loglik(tiny_llama, [(np.array(i), p) for i, p in seqs], 1)
    assert got == pytest.approx([hand_logprobs(tiny_llama, *s).sum() for s in seqs], abs=1e-4)


def test_records_gate_each_estimate_and_refuse_a_count_mismatch():
    lines, pmis = stored(2), np.array([[0.1, 0.2, 0.0], [3.0, 2.0, 4.0]])
    recs = pd.DataFrame(records("t", "b", lines, pmis))
    per_answer = recs[recs["mode"] == "per answer"]
    assert sorted(set(per_answer["column"])) == sorted(ANSWER_COLUMNS) and len(per_answer) == 2 * len(ANSWER_COLUMNS)
    assert set(recs[recs["mode"] == "per behaviour"]["column"]) == set(BEHAVIOUR_COLUMNS)
    second = per_answer[per_answer["answer"] == 1].iloc[0]
    assert [second[f"pmi {e}"] for e in ESTIMATES] == [3.0, 2.0, 4.0]
    # the K column's per-answer P@n is the gate at that estimate, read by hand
    from benchmarks.attribution.probe_main import precision
    gated = pmi_gated(lines, pmis[:, 0])
    want = precision(gated[1:2], lines["planted"], 6)[0]
    got = per_answer[(per_answer["answer"] == 1) & (per_answer["column"] == f"marginal-gated {ESTIMATES[0]}")]
    assert got["P@n"].item() == pytest.approx(want)
    with pytest.raises(ValueError, match="t/b: 1 PMIs for 2 stored answers"):
        records("t", "b", lines, pmis[:1])
