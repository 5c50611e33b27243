"""benchmarks/attribution/prompt_token_probe.py: the embedding gradient against finite differences on a tiny model,
the token weights and the line by hand, the records, and `score` end to end on hand-built files."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from benchmarks.attribution.line_scores import save_lines
from benchmarks.attribution.prompt_token_probe import (
    COLUMNS, answer_gradient, main, prompt_token_line, records, row_prompt_states, token_weights,
)
from tests.benchmarks.test_prompt_pmi_probe import PLANTED, stored


def _answer_ll(model, emb: torch.Tensor, ids: list[int], p: int) -> float:
    with torch.no_grad():
        logits = model(inputs_embeds=emb[None]).logits[0, p - 1: len(ids) - 1].double()
    return float(torch.log_softmax(logits, -1)[torch.arange(len(ids) - p), torch.tensor(ids[p:])].sum())


def test_answer_gradient_matches_finite_differences_of_the_answer_loglik(tiny_llama):
    tiny_llama.eval()
    ids, p = [2, 10, 11, 12, 3, 40, 41, 42], 5
    grad = answer_gradient(tiny_llama, np.array(ids), p)
    assert grad.shape == (p, tiny_llama.config.hidden_size)
    emb = tiny_llama.get_input_embeddings()(torch.tensor(ids)).detach()
    eps = 1e-2
    for t, k in ((1, 0), (3, 5), (4, 7)):
        up, down = emb.clone(), emb.clone()
        up[t, k] += eps
        down[t, k] -= eps
        numeric = (_answer_ll(tiny_llama, up, ids, p) - _answer_ll(tiny_llama, down, ids, p)) / (2 * eps)
        assert grad[t, k] == pytest.approx(numeric, rel=0.05, abs=1e-3)   # float32 passes
    assert np.abs(grad).max() > 1e-3   # the prompt matters, so the check can fail


def test_token_weights_are_the_norms_of_the_gradient_change_and_refuse_bad_input():
    tuned = np.array([[3.0, 4.0], [1.0, 1.0], [0.0, 2.0]])
    base = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    assert token_weights(tuned, base) == pytest.approx([5.0, 0.0, 2.0])
    with pytest.raises(ValueError, match=r"gradients of shapes \(3, 2\) and \(2, 2\)"):
        token_weights(tuned, base[:2])
    with pytest.raises(ValueError, match="no prompt token moves the answer's log-likelihood"):
        token_weights(base, base)


def test_prompt_token_line_by_hand():
    # two query tokens (weights 3 and 1) along x and y; row 0 holds x only, row 1 holds y and a token at 45 degrees
    query = np.array([[1.0, 0.0], [0.0, 1.0]])
    s = np.sqrt(0.5)
    rows = [np.array([[1.0, 0.0]]), np.array([[0.0, 1.0], [s, s]])]
    got = prompt_token_line(query, np.array([3.0, 1.0]), rows)
    assert got == pytest.approx([0.75 * 1.0 + 0.25 * 0.0, 0.75 * s + 0.25 * 1.0])


def test_records_score_each_column_and_refuse_an_answer_count_mismatch():
    lines = stored(2)
    line = np.where(PLANTED, 1.0, 0.0)[None].repeat(2, 0) + np.linspace(0, 0.01, 20)   # finds every planted row
    recs = pd.DataFrame(records("t", "b", lines, line))
    per_answer = recs[recs["mode"] == "per answer"]
    assert sorted(set(per_answer["column"])) == sorted(COLUMNS) and len(per_answer) == 2 * len(COLUMNS)
    assert per_answer[per_answer["column"] == "prompt tokens"]["P@n"].eq(1.0).all()
    whole = recs[recs["mode"] == "per behaviour"].set_index("column")["P@n"]
    assert whole["prompt tokens"] == 1.0 and set(whole.index) == set(COLUMNS)
    with pytest.raises(ValueError, match="t/b: 1 prompt-token answers for 2 stored answers"):
        records("t", "b", lines, line[:1])


def test_score_reads_the_files_and_refuses_rows_of_another_export(tmp_path):
    lines_dir, token_dir = tmp_path / "lines", tmp_path / "tokens"
    lines_dir.mkdir()
    token_dir.mkdir()
    ids = np.array([str(i) for i in range(20)])
    save_lines(lines_dir / "persona.npz", ids, np.array(["s"] * 20), {"persona": stored(2)})
    line = np.where(PLANTED, 1.0, 0.0)[None].repeat(2, 0) + np.linspace(0, 0.01, 20)
    np.savez_compressed(token_dir / "persona.npz", sample_id=ids, persona=line.astype(np.float32))
    out = tmp_path / "probe.md"
    main(["score", "--dir", str(token_dir), "--lines", str(lines_dir), "--out", str(out)])
    text = out.read_text()
    # the prompt-token column finds the 6 planted rows: P@n 1.00, P@10 at most 6 of 10
    assert "| persona / persona | " in text and "| 1.00 (0.60) |" in text and "## per behaviour" in text
    np.savez_compressed(token_dir / "persona.npz", sample_id=ids[::-1], persona=line.astype(np.float32))
    with pytest.raises(ValueError, match="its rows are not those of its line file"):
        main(["score", "--dir", str(token_dir), "--lines", str(lines_dir), "--out", str(out)])


def test_row_prompt_states_from_the_store_are_the_re_read_ones_when_the_model_is_the_capturing_one(tmp_path):
    from tests.attribution_helpers import tuned_and_base

    att, _, _ = tuned_and_base(tmp_path / "s", 6, (1, 2), token_layer=2)
    rows = np.arange(6)
    stored = row_prompt_states(att, att.store, rows, 2, "store")
    reread = row_prompt_states(att, att.store, rows, 2, "repass")
    assert [len(h) for h in stored] == att.samples["prompt_len"].to_numpy()[rows].tolist()
    for a, b in zip(stored, reread, strict=True):   # float32 store written by the same model: equal to rounding
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="'repass' or 'store'"):
        row_prompt_states(att, att.store, rows, 2, "final")
