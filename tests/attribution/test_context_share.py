"""context_share: the share of the fine-tuning's gain on an answer that remains without its prompt, and the joint
method that weighs token match by it."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import norm

from attribution_helpers import check_share_weighted_joint, joint_case_setup
from provenance.attribution.context_share import EVEN_SHARE, context_share, empty_prompt_ids
from provenance.attribution.joint import JointMethod, stouffer_ranks
from provenance.attribution.registry import MethodOptions, build_method

LAYER, TOKEN_LAYER = 3, 2


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    return joint_case_setup(tmp_path_factory.mktemp("share") / "s.zarr", [2, LAYER], TOKEN_LAYER)


def gain(model, base, ids, p):
    """Batch-size-1 reference: sum over the answer tokens of max(0, log p_model - log p_base)."""
    x = torch.as_tensor(np.asarray(ids, np.int64))[None]
    with torch.no_grad():
        lp = [torch.log_softmax(m(input_ids=x).logits[0].double(), -1) for m in (model, base)]
    target = x[0, p:]
    a, b = (m[p - 1: len(ids) - 1].gather(1, target[:, None]).squeeze(1) for m in lp)
    return float(torch.clamp(a - b, min=0).sum())


def test_share_by_hand(setup):
    att, base, cases = setup
    test = att.signatures(cases, [LAYER])
    # The empty prompt is the chat template's empty user turn, rendered by the tokenizer itself here.
    empty = att.tokenizer.apply_chat_template([{"role": "user", "content": ""}], tokenize=True,
                                              add_generation_prompt=True)
    empty = list(empty["input_ids"] if isinstance(empty, dict) or hasattr(empty, "keys") else empty)
    assert empty_prompt_ids(att.tokenizer, chat=True, system=None) == empty
    want = []
    for ids, p in zip(test.input_ids, test.prompt_len.tolist()):
        ids = list(np.asarray(ids))
        with_prompt = gain(att.model, base, ids, p)
        without = gain(att.model, base, empty + ids[p:], len(empty))
        want.append(min(1.0, without / with_prompt) if with_prompt > 0 else EVEN_SHARE)
    got = context_share(att, test, TOKEN_LAYER, base=base)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    assert ((got >= 0) & (got <= 1)).all() and len(set(np.round(got, 6))) == len(got)   # a real quantity per case


def test_no_gain_gives_the_even_share(setup):
    att, _, cases = setup
    test = att.signatures(cases[:2], [LAYER])
    # The model against itself: nothing gained anywhere, so neither method leads.
    np.testing.assert_array_equal(context_share(att, test, TOKEN_LAYER, base=att.model), [EVEN_SHARE] * 2)


def test_empty_prompt_without_chat_template_starts_at_eos(setup):
    att, _, _ = setup
    ids = empty_prompt_ids(att.tokenizer, chat=False, system=None)
    prefix = att.tokenizer("", add_special_tokens=True)["input_ids"]
    assert ids == (list(prefix) if prefix else [att.tokenizer.eos_token_id])


def test_weighted_stouffer_by_hand():
    a = np.array([[0.9, 0.1, 0.5, 0.3]])        # ranks 1, 4, 2, 3
    b = np.array([[10.0, 30.0, 20.0, 0.0]])     # ranks 3, 1, 2, 4
    z = lambda r: norm.ppf(1 - (np.asarray(r) - 0.5) / 4)   # noqa: E731
    w = np.array([[0.2, 0.8]])
    want = (0.2 * z([1, 4, 2, 3]) + 0.8 * z([3, 1, 2, 4])) / np.sqrt(0.2 ** 2 + 0.8 ** 2)
    np.testing.assert_allclose(stouffer_ranks(a, b, weights=w), want[None], rtol=1e-12)
    np.testing.assert_allclose(stouffer_ranks(a, b, weights=[[1.0, 1.0]]), stouffer_ranks(a, b), rtol=1e-12)
    np.testing.assert_allclose(stouffer_ranks(a, b, weights=[[0.0, 3.0]]), stouffer_ranks(b), rtol=1e-12)
    for bad in ([[1.0, -0.1]], [[0.0, 0.0]], [[1.0, 1.0, 1.0]]):
        with pytest.raises(ValueError, match="weights must be"):
            stouffer_ranks(a, b, weights=bad)


@pytest.mark.parametrize("combine", [False, True])
def test_joint_context_is_the_share_weighted_stouffer(setup, combine):
    att, base, cases = setup
    check_share_weighted_joint(att, base, cases, layer=LAYER, token_layer=TOKEN_LAYER, combine=combine,
                               weighting="context", token_query="each", measure=context_share)


def test_joint_context_registered_and_bad_weighting_refused():
    method = build_method("joint-context", MethodOptions(layer=TOKEN_LAYER))
    assert isinstance(method, JointMethod) and (method.token_query, method.weighting) == ("each", "context")
    assert "share of the gain" in method.name
    with pytest.raises(ValueError, match="weighting must be one of"):
        JointMethod(weighting="auto")
    with pytest.raises(ValueError, match="use it with fusion='ranks'"):
        JointMethod(weighting="context", fusion="robust-z")
