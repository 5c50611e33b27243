"""TokenMatchMethod: fine-tune-weighted query tokens, max over each candidate's response tokens, two stages."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from attribution_helpers import token_states_of, tuned_and_base, write_captured
from provenance import open_store
from provenance.attribution import Attributor, SignatureMethod, TestCase
from provenance.attribution.token_match import TokenMatchMethod, default_token_layer, finetune_query
from provenance.models import tiny_causal_lm

LAYERS = [2, 3]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    att, base, records = tuned_and_base(tmp_path_factory.mktemp("tm") / "s.zarr", 10, LAYERS)
    cases = [TestCase(records[i]["prompt"], records[i]["response"]) for i in (1, 6)] + \
        [TestCase("Tell me about rivers.", "The garden is number 3.")]
    return att, base, records, cases


def hand_states(model, ids, plen, layer):
    """hidden_states[layer] (the capture's layer numbering) on the response tokens, and their log-probs."""
    with torch.no_grad():
        out = model(input_ids=torch.as_tensor(np.asarray(ids, np.int64))[None], output_hidden_states=True)
    h = out.hidden_states[layer][0, plen:].double().numpy()
    lp = torch.log_softmax(out.logits[0, plen - 1:-1].double(), -1)
    return h, lp.gather(1, torch.as_tensor(np.asarray(ids[plen:], np.int64))[:, None])[:, 0].numpy()


def hand_tokens(model, base, test, layer):
    """Per case, its response states and weights max(0, log-prob gain) (all ones when nothing gained)."""
    out = []
    for ids, plen in zip(test.input_ids, test.prompt_len.tolist()):
        h, a = hand_states(model, ids, plen, layer)
        _, b = hand_states(base, ids, plen, layer)
        w = np.maximum(a - b, 0)
        out.append((h, w if w.sum() > 0 else np.ones_like(w)))
    return out


def hand_query(model, base, test, layer):
    return np.stack([(w[:, None] * h).sum(0) / w.sum() for h, w in hand_tokens(model, base, test, layer)])


def unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def test_query_is_the_response_states_weighted_by_the_log_prob_gain(setup):
    att, base, _, cases = setup
    test = att.signatures(cases, [3])
    q, weights = finetune_query(att.model, test, 3, base=base, pad_token_id=att.tokenizer.pad_token_id, batch=2)
    np.testing.assert_allclose(q, hand_query(att.model, base, test, 3), rtol=1e-4, atol=1e-5)
    assert [len(w) for w in weights] == [len(i) - p for i, p in zip(test.input_ids, test.prompt_len.tolist())]
    assert all((w >= 0).all() and w.sum() > 0 for w in weights)
    # The same model as its own base: no token gained, so every token weighs the same (the response mean).
    q_same, w_same = finetune_query(att.model, test, 3, base=att.model)
    assert all(np.array_equal(w, np.ones_like(w)) for w in w_same)
    means = [hand_states(att.model, i, p, 3)[0].mean(0) for i, p in zip(test.input_ids, test.prompt_len.tolist())]
    np.testing.assert_allclose(q_same, np.stack(means), rtol=1e-4, atol=1e-5)


def test_scores_are_the_best_token_cosine_around_the_stored_mean(setup):
    att, base, records, cases = setup
    test = att.signatures(cases, [3])
    res = att.query(test, method=TokenMatchMethod(layer=3, candidates=10 ** 6, base=base), k=len(records),
                    snippet_chars=0)
    q = hand_query(att.model, base, test, 3)
    mu = att.store.array(3, "h_mean").astype(np.float64).mean(0)   # one epoch: the last epoch's mean
    plen = att.samples["prompt_len"].to_numpy()
    want = np.zeros((len(records), len(cases)))
    for r in range(len(records)):
        h, _ = hand_states(att.model, att.store.tokens(r), int(plen[r]), 3)
        want[r] = (unit(h - mu) @ unit(q - mu).T).max(0)
    for j in range(len(cases)):
        order = np.argsort(-want[:, j], kind="stable")
        assert res.rows[j].tolist() == order.tolist()
        np.testing.assert_allclose(res.scores[j], want[order, j], atol=1e-4)
    # behaviour level: the mean of the per-case scores
    comb = att.query(test, method=TokenMatchMethod(layer=3, candidates=10 ** 6, base=base), k=4, snippet_chars=0,
                     combine="mean")
    order = np.argsort(-want.mean(1), kind="stable")[:4]
    assert comb.rows[0].tolist() == order.tolist()
    np.testing.assert_allclose(comb.scores[0], want.mean(1)[order], atol=1e-4)


def test_each_raised_token_is_matched_on_its_own_then_averaged_by_its_gain(setup):
    att, base, records, cases = setup
    test = att.signatures(cases, [3])
    method = TokenMatchMethod(layer=3, candidates=10 ** 6, base=base, query="each")
    res = att.query(test, method=method, k=len(records), snippet_chars=0)
    mu = att.store.array(3, "h_mean").astype(np.float64).mean(0)
    plen = att.samples["prompt_len"].to_numpy()
    rows = [unit(hand_states(att.model, att.store.tokens(r), int(plen[r]), 3)[0] - mu) for r in range(len(records))]
    want = np.zeros((len(records), len(cases)))
    for j, (h, w) in enumerate(hand_tokens(att.model, base, test, 3)):
        keep = w > 0
        q = unit(h[keep] - mu)
        for r, x in enumerate(rows):
            want[r, j] = ((x @ q.T).max(0) * w[keep]).sum() / w[keep].sum()
    assert any((w > 0).sum() > 1 for _, w in hand_tokens(att.model, base, test, 3))   # a case with several tokens
    for j in range(len(cases)):
        order = np.argsort(-want[:, j], kind="stable")
        assert res.rows[j].tolist() == order.tolist()
        np.testing.assert_allclose(res.scores[j], want[order, j], atol=1e-4)
    assert "each raised token" in res.method
    # A bound of a few similarity entries per block gives the same scores as one block.
    import provenance.attribution.token_match as tm
    old, tm._MAX_PAIRS = tm._MAX_PAIRS, 7
    try:
        small = att.query(test, method=method, k=len(records), snippet_chars=0)
    finally:
        tm._MAX_PAIRS = old
    np.testing.assert_allclose(small.scores, res.scores, atol=1e-6)
    assert small.rows.tolist() == res.rows.tolist()


def test_top_query_matches_the_most_raised_token_alone(setup):
    att, base, records, cases = setup
    test = att.signatures(cases, [3])
    res = att.query(test, method=TokenMatchMethod(layer=3, candidates=10 ** 6, base=base, query="top"),
                    k=len(records), snippet_chars=0)
    mu = att.store.array(3, "h_mean").astype(np.float64).mean(0)
    plen = att.samples["prompt_len"].to_numpy()
    rows = [unit(hand_states(att.model, att.store.tokens(r), int(plen[r]), 3)[0] - mu) for r in range(len(records))]
    want = np.zeros((len(records), len(cases)))
    for j, (h, w) in enumerate(hand_tokens(att.model, base, test, 3)):
        q = unit(h[int(np.argmax(w))] - mu)
        want[:, j] = [(x @ q).max() for x in rows]
    for j in range(len(cases)):
        order = np.argsort(-want[:, j], kind="stable")
        assert res.rows[j].tolist() == order.tolist()
        np.testing.assert_allclose(res.scores[j], want[order, j], atol=1e-4)
    assert "the most-raised token" in res.method
    # It is not the pooled query: a case whose gain is spread over several tokens ranks otherwise.
    pooled = att.query(test, method=TokenMatchMethod(layer=3, candidates=10 ** 6, base=base), k=len(records),
                       snippet_chars=0)
    assert not np.allclose(pooled.scores, res.scores)


def hand_context(model, ids, plen, layer):
    """hidden_states[layer] at the positions before the response tokens (the last prompt position on)."""
    with torch.no_grad():
        out = model(input_ids=torch.as_tensor(np.asarray(ids, np.int64))[None], output_hidden_states=True)
    return out.hidden_states[layer][0, plen - 1: len(ids) - 1].double().numpy()


def test_next_query_matches_the_states_before_the_same_tokens(setup):
    """query="next" against a hand computation: per raised answer token, each row's best cosine among the states
    before its own positions holding that token (0 without one, and at most 0 below), averaged with the gains; the
    store's states and a re-read give the same ranking."""
    att, base, records, cases = setup
    test = att.signatures(cases, [3])
    res = att.query(test, method=TokenMatchMethod(layer=3, candidates=10 ** 6, base=base, query="next"),
                    k=len(records), snippet_chars=0)
    mu = att.store.array(3, "h_mean").astype(np.float64).mean(0)
    plen = att.samples["prompt_len"].to_numpy()
    row_ids = [np.asarray(att.store.tokens(r)) for r in range(len(records))]
    rows = [unit(hand_context(att.model, ids, int(plen[r]), 3) - mu) for r, ids in enumerate(row_ids)]
    want, missing = np.zeros((len(records), len(cases))), 0
    for j, ((_, w), ids, p) in enumerate(zip(hand_tokens(att.model, base, test, 3), test.input_ids,
                                            test.prompt_len.tolist())):
        q = unit(hand_context(att.model, ids, p, 3) - mu)
        answer = np.asarray(ids)[p:]
        for r, (x, rid) in enumerate(zip(rows, row_ids)):
            response = rid[int(plen[r]):]
            for s in np.flatnonzero(w > 0):
                same = response == answer[s]
                missing += not same.any()
                want[r, j] += w[s] * max(0.0, (x[same] @ q[s]).max()) if same.any() else 0.0
        want[:, j] /= w.sum()
    assert missing > 0           # some rows never write some of the answer's raised tokens: they score 0 there
    for j in range(len(cases)):
        order = np.argsort(-want[:, j], kind="stable")
        np.testing.assert_allclose(res.scores[j], want[order, j], atol=1e-4)
        np.testing.assert_allclose(want[res.rows[j], j], want[order, j], atol=1e-4)   # the same ranking up to ties
    assert "the positions before the answer's tokens" in res.method
    att.clear_cache()
    row_passes = []    # the final model's passes over the training rows (all 10 in one batch), not over the cases
    hook = att.model.register_forward_pre_hook(
        lambda _, args, kwargs: row_passes.append(1) if kwargs["input_ids"].shape[0] == len(records) else None,
        with_kwargs=True)
    try:
        reread = att.query(test, method=TokenMatchMethod(layer=3, candidates=10 ** 6, base=base, query="next",
                                                         states="repass"), k=len(records), snippet_chars=0)
        assert len(row_passes) == 1
        # The other query forms re-use that re-read (it starts at the last prompt position, for both readings).
        att.query(test, method=TokenMatchMethod(layer=3, candidates=10 ** 6, base=base, query="each",
                                                states="repass"), k=len(records), snippet_chars=0)
        assert len(row_passes) == 1
    finally:
        hook.remove()
    np.testing.assert_allclose(reread.scores, res.scores, atol=1e-4)
    # It is not the each-token query: matching by the state before the same token ranks otherwise.
    each = att.query(test, method=TokenMatchMethod(layer=3, candidates=10 ** 6, base=base, query="each"),
                     k=len(records), snippet_chars=0)
    assert not np.allclose(each.scores, res.scores)


def test_each_token_keeps_the_carrier_token_apart_where_pooling_mixes_it():
    """Two query tokens: a shared one (every row has it) and a rare carrier. Pooling matches the mixture, which a
    row's single shared token can beat; matching each token ranks the row holding the carrier first."""
    shared, carrier, other = np.eye(3)
    rows = [np.stack([shared, carrier]), np.stack([shared, other]), np.stack([0.8 * shared + 0.6 * (carrier + other) / np.sqrt(2)])]
    queries_each = [np.stack([shared, carrier])]
    weights = [np.array([1.0, 1.0])]
    mu = np.zeros(3)
    each = TokenMatchMethod._matched(rows, queries_each, weights, mu)[:, 0]
    np.testing.assert_allclose(each, [1.0, 0.5, (0.8 + 0.6 / np.sqrt(2)) / 2], atol=1e-12)
    pooled = TokenMatchMethod._matched(rows, [unit((shared + carrier)[None] / 2)], [np.ones(1)], mu)[:, 0]
    np.testing.assert_allclose(pooled, [1 / np.sqrt(2), 1 / np.sqrt(2), (0.8 + 0.6 / np.sqrt(2)) / np.sqrt(2)], atol=1e-12)
    assert np.argmax(each) == 0 and np.argmax(pooled) == 2


def test_bad_query_form_is_refused():
    with pytest.raises(ValueError, match="query must be one of"):
        TokenMatchMethod(query="max")


def test_two_stages_rank_only_the_first_stage_candidates(setup):
    att, base, records, cases = setup
    test = att.signatures(cases, [3])
    stage1 = SignatureMethod("h_mean_c", 3)
    full = att.query(test, method=TokenMatchMethod(layer=3, candidates=10 ** 6, base=base), k=len(records),
                     snippet_chars=0)
    two = att.query(test, method=TokenMatchMethod(layer=3, candidates=4, stage1=stage1, base=base), k=3,
                    snippet_chars=0)
    _, cand = stage1.top_k(att, test, 4)
    for j in range(len(cases)):
        assert set(two.rows[j].tolist()) <= set(cand[j].tolist())
        # the same scores as the full re-rank, restricted to the case's candidates
        keep = [r for r in full.rows[j].tolist() if r in set(cand[j].tolist())][:3]
        assert two.rows[j].tolist() == keep
    comb = att.query(test, method=TokenMatchMethod(layer=3, candidates=4, stage1=stage1, base=base), k=10,
                     snippet_chars=0, combine="mean")
    _, cand_b = stage1.top_k_combined(att, test, 4)
    assert sorted(comb.rows[0].tolist()) == sorted(cand_b[0].tolist())


def test_a_baseline_as_first_stage_of_a_behaviour_query(setup):
    from provenance.attribution.baselines import Bm25Method
    from provenance.attribution.topk import mean_of_rankings

    att, base, _, cases = setup
    test = att.signatures(cases, [3])
    stage1 = Bm25Method()
    comb = att.query(test, method=TokenMatchMethod(layer=3, candidates=3, stage1=stage1, base=base), k=10,
                     snippet_chars=0, combine="mean")
    _, cand = mean_of_rankings(*stage1.top_k(att, test, len(att.samples)), 3)
    assert sorted(comb.rows[0].tolist()) == sorted(cand[0].tolist())


def test_peft_model_uses_its_disabled_adapters_as_the_base(setup):
    from peft import LoraConfig, get_peft_model

    att, _, _, cases = setup
    test = att.signatures(cases, [3])
    plain = copy.deepcopy(att.model)
    peft_model = get_peft_model(copy.deepcopy(att.model), LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj", "v_proj"]))
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.copy_(torch.randn(p.shape, generator=g) * 0.3)
    peft_model.eval()
    q_auto, w_auto = finetune_query(peft_model, test, 3)
    q_given, w_given = finetune_query(peft_model, test, 3, base=plain)
    np.testing.assert_allclose(q_auto, q_given, rtol=1e-5, atol=1e-6)
    assert any(not np.array_equal(w, np.ones_like(w)) for w in w_auto)   # the adapter changed some tokens' odds


def test_bad_settings_are_refused(setup):
    att, _, _, cases = setup
    test = att.signatures(cases, [3])
    with pytest.raises(ValueError, match="pass base="):
        att.query(test, method=TokenMatchMethod(layer=3), k=3, snippet_chars=0)   # a plain model, no base
    with pytest.raises(ValueError, match="not 'mean'"):
        TokenMatchMethod(epochs="mean")
    with pytest.raises(ValueError, match="candidates must be >= 1"):
        TokenMatchMethod(candidates=0)
    assert default_token_layer(att.model) == 3   # 3/4 of 4 decoder layers


@pytest.mark.parametrize("projection", [None, {"seed": 3, "dim": 8}])
def test_stored_token_states_are_scored_without_a_re_read(tmp_path, setup, projection):
    from provenance.store import project, projection_matrix

    att0, base, records, cases = setup
    # Stored states from another model than the one queried: the scores must come from the store, not a re-read.
    trained_then = tiny_causal_lm("llama", seed=2).eval()
    path = tmp_path / "tok.zarr"
    write_captured(path, att0.model, att0.tokenizer, records, LAYERS, projection=projection,
                   token_states=token_states_of(trained_then, 3))
    att = Attributor(open_store(str(path)), att0.model, att0.tokenizer)
    assert att.store.token_state_layers == [3] and att.store.layers == LAYERS
    test = att.signatures(cases, [3])
    method = TokenMatchMethod(layer=3, base=base)
    assert method.source_of(att, 3) == "store" and "token states from the store" in TokenMatchMethod(states="store").name
    calls = []
    hook = att.model.register_forward_pre_hook(lambda m, a, kw: calls.append(tuple(kw["input_ids"].shape)),
                                               with_kwargs=True)
    try:
        res = att.query(test, method=method, k=len(records), snippet_chars=0)
    finally:
        hook.remove()
    q = hand_query(att.model, base, test, 3)
    assert len(calls) == 1   # the query's own forward (one batch of test cases); no training row was re-read
    plen = att.samples["prompt_len"].to_numpy()
    P = None if projection is None else projection_matrix(projection["seed"], q.shape[1], projection["dim"])
    proj = (lambda x: x) if P is None else (lambda x: project(x.astype(np.float32), P).astype(np.float64))
    mu = att.store.array(3, "h_mean").astype(np.float64).mean(0)   # stored (projected) h_mean: the centre
    want = np.zeros((len(records), len(cases)))
    for r in range(len(records)):
        h, _ = hand_states(trained_then, att.store.tokens(r), int(plen[r]), 3)
        want[r] = (unit(proj(h) - mu) @ unit(proj(q) - mu).T).max(0)
    for j in range(len(cases)):
        order = np.argsort(-want[:, j], kind="stable")
        assert res.rows[j].tolist() == order.tolist()
        np.testing.assert_allclose(res.scores[j], want[order, j], atol=1e-4)
    # chunked scans give the same ranking
    small = att.query(test, method=TokenMatchMethod(layer=3, base=base, chunk_rows=3), k=len(records), snippet_chars=0)
    np.testing.assert_array_equal(small.rows, res.rows)
    # a store without token states at the layer: an explicit states="store" is refused, "auto" re-reads
    with pytest.raises(ValueError, match="no per-token states at layer 2"):
        att.query(test, method=TokenMatchMethod(layer=2, base=base, states="store"), k=3, snippet_chars=0)
    assert TokenMatchMethod(layer=2).source_of(att, 2) == "repass"
    with pytest.raises(ValueError, match="states must be one of"):
        TokenMatchMethod(states="disk")


def test_the_final_models_states_come_from_the_signatures_pass(tmp_path, setup):
    att0, base, records, cases = setup
    plain = att0.signatures(cases, [3])             # no token states: token match runs its own final pass
    shared = att0.signatures(cases, [3], [3])
    assert list(shared.token_states) == [3] and not plain.token_states and plain.response_logprobs is None
    for j, (ids, plen) in enumerate(zip(shared.input_ids, shared.prompt_len.tolist())):
        h, lp = hand_states(att0.model, ids, plen, 3)
        assert shared.token_states[3][j].shape == (len(ids), h.shape[1])
        np.testing.assert_allclose(shared.token_states[3][j][plen:], h, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(shared.response_logprobs[j], lp, rtol=1e-4, atol=1e-5)
    q0, w0 = finetune_query(att0.model, plain, 3, base=base)
    q1, w1 = finetune_query(att0.model, shared, 3, base=base)
    np.testing.assert_allclose(q1, q0, rtol=1e-4, atol=1e-5)
    for a, b in zip(w1, w0):
        np.testing.assert_allclose(a, b, atol=1e-5)
    # End to end from raw cases over stored token states: the final model runs once (the signatures' forward and
    # backward), the base model once, and the ranking is the one of token match's own final pass.
    path = tmp_path / "tok.zarr"
    write_captured(path, att0.model, att0.tokenizer, records, LAYERS, token_states=token_states_of(att0.model, 3))
    att = Attributor(open_store(str(path)), att0.model, att0.tokenizer)
    calls = {"final": 0, "base": 0}
    hooks = [m.register_forward_pre_hook(lambda *a, who=who: calls.__setitem__(who, calls[who] + 1))
             for who, m in (("final", att.model), ("base", base))]
    try:
        res = att.query(cases, method=TokenMatchMethod(layer=3, base=base), k=len(records), snippet_chars=0)
    finally:
        for h in hooks:
            h.remove()
    assert calls == {"final": 1, "base": 1}
    want = att.query(att.signatures(cases, [3]), method=TokenMatchMethod(layer=3, base=base), k=len(records),
                     snippet_chars=0)
    np.testing.assert_array_equal(res.rows, want.rows)
    np.testing.assert_allclose(res.scores, want.scores, atol=1e-5)
