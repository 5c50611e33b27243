"""ContrastiveMethod: the response side scored as the difference from the answer before fine-tuning."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from attribution_helpers import tuned_and_base
from provenance.attribution import SignatureMethod, TestCase
from provenance.attribution.cases import greedy_responses
from provenance.attribution.contrastive import ContrastiveMethod
from provenance.attribution.registry import MethodOptions, build_method
from provenance.attribution.signatures import part_means

LAYER = 3


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    att, base, records = tuned_and_base(tmp_path_factory.mktemp("contrast") / "s.zarr", 12, [2, LAYER])
    prompts = [records[1]["prompt"], records[6]["prompt"], "Tell me about rivers."]
    cases = [TestCase(p, r) for p, r in zip(prompts, [records[1]["response"], records[6]["response"],
                                                         "The garden is number 3."])]
    before = greedy_responses(base, att.tokenizer, prompts, max_new_tokens=att.max_new_tokens)
    return att, base, cases, before


def stored(att, part):
    return np.asarray(att.store.array(LAYER, part), np.float64)


def hand_scores(att, cases, before):
    """cos(row h_mean - mean, h_mean(tuned answer) - h_mean(answer before)) for every row and case."""
    test = att.signatures(cases, [LAYER])
    ref = att.signatures([TestCase(c.prompt, b) for c, b in zip(cases, before)], [LAYER])
    q = test.arrays[LAYER]["h_mean"].astype(np.float64) - ref.arrays[LAYER]["h_mean"]
    mu = part_means(att.store, LAYER, ["h_mean"])["h_mean"]
    x = stored(att, "h_mean") - mu
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    return x @ q.T


def full_scores(ranking, n):
    out = np.full((ranking.rows.shape[0], n), np.nan)
    for i in range(ranking.rows.shape[0]):
        out[i, ranking.rows[i]] = ranking.scores[i]
    return out


def test_scores_are_the_cosine_with_the_difference_from_the_answer_before(setup):
    att, base, cases, before = setup
    assert not any(c.response == b for c, b in zip(cases, before))   # every case has a contrast
    method = ContrastiveMethod("h_mean_c", LAYER, base=base)
    result = att.query(cases, method=method, k=len(att.store), groups=False)
    got = full_scores(result, len(att.store))
    want = hand_scores(att, cases, before).T
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=2e-5)
    assert result.explanation["answers_before"] == before
    assert result.explanation["not_contrasted"] == []


def test_it_differs_from_the_plain_signature(setup):
    # The contrast changes the query: the plain centered cosine ranks otherwise (a test that the difference is used).
    att, base, cases, _ = setup
    test = att.signatures(cases, [LAYER])
    plain = SignatureMethod("h_mean_c", LAYER).rank(att, test, len(att.store))
    contrast = ContrastiveMethod("h_mean_c", LAYER, base=base).rank(att, test, len(att.store))
    assert not np.allclose(full_scores(plain, len(att.store)), full_scores(contrast, len(att.store)), atol=1e-3)


def test_fused_signature_averages_the_prompt_side_and_the_contrast(setup):
    att, base, cases, before = setup
    test = att.signatures(cases, [LAYER])
    n = len(att.store)
    fused = full_scores(ContrastiveMethod("h_fused", LAYER, base=base).rank(att, test, n), n)
    prompt_side = full_scores(SignatureMethod("h_last_pc", LAYER).rank(att, test, n), n)
    np.testing.assert_allclose(fused, 0.5 * prompt_side + 0.5 * hand_scores(att, cases, before).T,
                               rtol=1e-4, atol=2e-5)


def test_behaviour_ranking_is_the_mean_contrastive_score(setup):
    att, base, cases, before = setup
    test = att.signatures(cases, [LAYER])
    ranking = ContrastiveMethod("h_mean_c", LAYER, base=base).rank_behaviour(att, test, 5)
    want = hand_scores(att, cases, before).mean(1)
    order = np.argsort(-want)[:5]
    np.testing.assert_array_equal(ranking.rows[0], order)
    np.testing.assert_allclose(ranking.scores[0], want[order], rtol=1e-4, atol=2e-5)


def test_a_case_answered_the_same_before_is_scored_by_the_plain_signature(setup):
    att, base, cases, before = setup
    same = [TestCase(cases[0].prompt, before[0]), cases[1]]   # the first answer is what the base model says
    test = att.signatures(same, [LAYER])
    n = len(att.store)
    contrast = ContrastiveMethod("h_mean_c", LAYER, base=base).rank(att, test, n)
    plain = SignatureMethod("h_mean_c", LAYER).rank(att, test, n)
    np.testing.assert_allclose(full_scores(contrast, n)[0], full_scores(plain, n)[0], rtol=1e-5, atol=1e-6)
    assert not np.allclose(full_scores(contrast, n)[1], full_scores(plain, n)[1], atol=1e-3)
    assert contrast.explanation["not_contrasted"] == [test.names()[0]]


def test_peft_model_uses_its_disabled_adapters_as_the_base(setup):
    import copy

    from peft import LoraConfig, get_peft_model

    att, _, cases, _ = setup
    peft_model = get_peft_model(copy.deepcopy(att.model), LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj", "v_proj"]))
    torch.manual_seed(3)
    with torch.no_grad():   # adapters that change the answers (a fresh LoRA is the identity)
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 2.0)
    prompts = [c.prompt for c in cases]
    tuned = greedy_responses(peft_model, att.tokenizer, prompts, max_new_tokens=att.max_new_tokens)
    original = greedy_responses(att.model, att.tokenizer, prompts, max_new_tokens=att.max_new_tokens)
    assert tuned != original
    method = ContrastiveMethod("h_mean_c", LAYER)
    assert method.base_answers(type(att)(att.store, peft_model, att.tokenizer), att.text_only(cases)) == original


def test_bad_settings_are_refused(setup):
    att, _, _, _ = setup
    with pytest.raises(ValueError, match="centered signature with a response-side part"):
        ContrastiveMethod("h_mean")          # not centered
    with pytest.raises(ValueError, match="centered signature with a response-side part"):
        ContrastiveMethod("h_last_pc")       # prompt side only
    with pytest.raises(ValueError, match="answers before fine-tuning"):
        ContrastiveMethod("h_mean_c", LAYER).check(att)   # a plain model, no base given


def test_registered_by_name():
    method = build_method("contrastive", MethodOptions(signature="h_mean_c", layer=LAYER))
    assert isinstance(method, ContrastiveMethod) and method.inner.layer == LAYER
