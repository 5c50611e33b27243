"""The next-token probe's line, fusions and doubt count against hand computations
(benchmarks/attribution/next_token_probe.py)."""
from contextlib import nullcontext
from types import SimpleNamespace

import numpy as np

import provenance.attribution.token_match as token_match
from benchmarks.attribution.next_token_probe import (BM25, DEFAULT, FUSIONS, LINE, NextTokenIndex, doubt_records,
                                                     fused, next_token_scores, render)


def z(s):
    return (s - s.mean(1, keepdims=True)) / s.std(1, keepdims=True)


class FakeStore:
    """Two rows: prompt of 1 token, then the response. States are 2-d, one per position."""

    def __init__(self):
        self.states = [np.array([[1.0, 1.0], [3.0, 1.0], [1.0, 3.0]]),   # row 0: prompt 7, response 5, 6
                       np.array([[1.0, 3.0], [3.0, 1.0]])]               # row 1: prompt 7, response 6
        self.tokens = [np.array([7, 5, 6]), np.array([7, 6])]

    def token_states(self, layer, rows):
        return [self.states[r] for r in rows]

    def tokens_of(self, rows):
        return [self.tokens[r] for r in rows]


def index():
    return NextTokenIndex(FakeStore(), np.array([1, 1]), np.array([0, 1]), 22, center=np.array([1.0, 1.0]))


def test_index_keys_each_token_by_the_state_before_it():
    idx = index()
    # Row 0: token 5 follows position 0 (centred (0, 0): stays zero), token 6 follows position 1 (centred (2, 0)).
    # Row 1: token 6 follows position 0 (centred (0, 2)).
    owners, states = idx.by_token[6]
    np.testing.assert_array_equal(owners, [0, 1])
    np.testing.assert_allclose(states, [[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(idx.best_match(6, np.array([0.6, 0.8])), [0.6, 0.8])
    np.testing.assert_allclose(idx.best_match(5, np.array([0.6, 0.8])), [0.0, 0.0])   # a zero state matches 0
    np.testing.assert_allclose(idx.best_match(9, np.array([0.6, 0.8])), [0.0, 0.0])   # no row holds token 9


def test_line_by_hand(monkeypatch):
    # One answer: prompt [7] then response [6, 5]. Read from one position earlier, the final model's states are
    # those before 6 and before 5 (plus the last, unused); its log-probs are of 7 (unused), 6, 5.
    final_states = [np.array([[1.0, 3.0], [4.0, 1.0], [0.0, 0.0]])]
    final_logps = [np.array([0.0, -1.0, -2.0])]
    base_logps = [np.array([-3.0, -2.5])]          # gains: 6 -> 2 nats, 5 -> 0.5 nats

    def fake_states(model, seqs, layer, **kw):
        plen = seqs[0][1]
        return (final_states, final_logps) if plen == 0 else (None, base_logps)

    monkeypatch.setattr(token_match, "response_states", fake_states)
    monkeypatch.setattr(token_match, "base_model_context", lambda model, base: nullcontext(model))
    test = SimpleNamespace(input_ids=[np.array([7, 6, 5])], prompt_len=np.array([1]))
    scores = next_token_scores(None, test, 22, index())
    # Before 6: (1, 3) - centre = (0, 2), unit (0, 1): row 0's 6 follows (1, 0) -> 0, row 1's follows (0, 1) -> 1.
    # Before 5: (4, 1) - centre = (3, 0), unit (1, 0): row 0's 5 follows a zero state -> 0, row 1 has no 5 -> 0.
    np.testing.assert_allclose(scores, [[(2 * 0.0 + 0.5 * 0.0) / 2.5, (2 * 1.0 + 0.5 * 0.0) / 2.5]])


def test_fusions_by_hand():
    rng = np.random.default_rng(2)
    sig, tok, ctx, line = (rng.normal(size=(2, 8)) for _ in range(4))
    out = fused((sig, tok, ctx), line)
    w = np.array([1 / np.sqrt(2), np.sqrt(2), 1 / np.sqrt(2)])
    norm = np.sqrt((w ** 2).sum())
    np.testing.assert_allclose(out[DEFAULT], (w[0] * z(sig) + w[1] * z(tok) + w[2] * z(ctx)) / norm, atol=1e-12)
    np.testing.assert_array_equal(out[LINE], line)
    replace = (z(sig) + z(line)) / np.sqrt(2) + (z(ctx) + z(line)) / np.sqrt(2)
    np.testing.assert_allclose(out["replace"], replace / norm, atol=1e-12)
    fourth = (w[0] * z(sig) + w[1] * z(tok) + w[2] * z(ctx) + z(line)) / np.sqrt(norm ** 2 + 1)
    np.testing.assert_allclose(out["line"], fourth, atol=1e-12)
    guard = z(np.minimum(z(ctx), z(line)))
    both = (w[0] * z(sig) + w[1] * z(tok) + w[2] * z(ctx) + guard) / np.sqrt(norm ** 2 + 1)
    np.testing.assert_allclose(out["both"], both, atol=1e-12)
    np.testing.assert_allclose(out["pair"], (z(ctx) + z(line)) / np.sqrt(2), atol=1e-12)


def test_doubt_records_and_table():
    n_rows = 100
    planted = np.zeros(n_rows, bool)
    planted[:10] = True
    up = -np.arange(n_rows, dtype=float)                # ranks rows 0, 1, 2, ... first
    down = np.arange(n_rows, dtype=float)               # ranks rows 99, 98, ... first
    scores = {DEFAULT: np.stack([up, down]), LINE: np.stack([up, up]), BM25: np.stack([down, down])}
    recs = doubt_records("t", "t", scores, planted)
    # Answer 0: default right, the line agrees, BM25 disagrees. Answer 1: default wrong, the line disagrees, BM25
    # agrees.
    assert [(r["wrong"], r["line disagrees"], r["bm25 disagrees"]) for r in recs] == [(False, False, True),
                                                                                      (True, True, False)]
    prec = [{"task": "t", "behaviour": "t", "column": c, "P@n": 0.5, "P@10": 0.5, "queries": 2}
            for c in (DEFAULT, LINE, BM25) + FUSIONS]
    assert "| t | 2 | 1 | 1 | 0 | 1 | 0 | 1 |" in render(prec + recs)
