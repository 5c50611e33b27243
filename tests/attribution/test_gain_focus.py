"""gain_focus: the share of an answer's fine-tuning gain on its most-raised token, and the joint methods that weigh
token match by it (``--method joint-focus``, ``joint-focus-z``, ``joint-focus-ctx``)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from attribution_helpers import check_share_weighted_joint, dense_scores, joint_case_setup
from provenance.attribution import SignatureMethod
from provenance.attribution.gain_focus import gain_focus, top_token_share
from provenance.attribution.joint import JointMethod, focus_and_side_weights, standard_z
from provenance.attribution.registry import MethodOptions, build_method
from provenance.attribution.signatures import DEFAULT_VARIANT, VARIANTS
from provenance.attribution.token_match import TokenMatchMethod

LAYER, TOKEN_LAYER = 3, 2


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    return joint_case_setup(tmp_path_factory.mktemp("focus") / "s.zarr", [2, LAYER], TOKEN_LAYER)


def token_gains(model, base, ids, p) -> np.ndarray:
    """Batch-size-1 reference: max(0, log p_model(y_s) - log p_base(y_s)) per answer token."""
    x = torch.as_tensor(np.asarray(ids, np.int64))[None]
    with torch.no_grad():
        lp = [torch.log_softmax(m(input_ids=x).logits[0].double(), -1) for m in (model, base)]
    target = x[0, p:]
    a, b = (m[p - 1: len(ids) - 1].gather(1, target[:, None]).squeeze(1) for m in lp)
    return torch.clamp(a - b, min=0).numpy()


def test_top_token_share_by_hand():
    np.testing.assert_allclose(top_token_share([np.array([0.0, 3.0, 1.0]), np.array([2.0, 2.0]), np.array([5.0])]),
                               [0.75, 0.5, 1.0])
    for bad in (np.array([]), np.array([0.0, 0.0]), np.array([1.0, -0.5])):
        with pytest.raises(ValueError, match="case 0: token weights must be"):
            top_token_share([bad])


def test_focus_by_hand(setup):
    att, base, cases = setup
    test = att.signatures(cases, [LAYER])
    want = []
    for ids, p in zip(test.input_ids, test.prompt_len.tolist()):
        g = token_gains(att.model, base, list(np.asarray(ids)), p)
        want.append(g.max() / g.sum() if g.sum() > 0 else 1.0 / len(g))
    got = gain_focus(att, test, TOKEN_LAYER, base=base)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    assert ((got > 0) & (got <= 1)).all() and len(set(np.round(got, 6))) == len(got)   # a real quantity per case


def test_no_gain_gives_one_over_the_answer_length(setup):
    att, _, cases = setup
    test = att.signatures(cases[:2], [LAYER])
    lengths = [len(ids) - p for ids, p in zip(test.input_ids, test.prompt_len.tolist())]
    # The model against itself: no token gained, every token counts the same.
    np.testing.assert_allclose(gain_focus(att, test, TOKEN_LAYER, base=att.model), 1.0 / np.array(lengths))


@pytest.mark.parametrize("combine", [False, True])
def test_joint_focus_is_the_focus_weighted_stouffer(setup, combine):
    att, base, cases = setup
    got = check_share_weighted_joint(att, base, cases, layer=LAYER, token_layer=TOKEN_LAYER, combine=combine,
                                     weighting="focus", token_query="pooled", measure=gain_focus)
    assert "most-raised token" in got.explanation["reason"]


def test_joint_focus_registered_and_needs_rank_fusion():
    method = build_method("joint-focus", MethodOptions(layer=TOKEN_LAYER))
    assert isinstance(method, JointMethod) and (method.token_query, method.weighting) == ("pooled", "focus")
    assert "focus on one token" in method.name
    with pytest.raises(ValueError, match="weighting='focus' weighs rank or plain z-scores: use it with "
                                         "fusion='ranks' or fusion='z'"):
        JointMethod(weighting="focus", fusion="both")


@pytest.mark.parametrize("combine", [False, True])
def test_joint_focus_z_is_the_focus_weighted_stouffer_of_plain_z(setup, combine):
    att, base, cases = setup
    got = check_share_weighted_joint(att, base, cases, layer=LAYER, token_layer=TOKEN_LAYER, combine=combine,
                                     weighting="focus", token_query="pooled", measure=gain_focus, fusion="z")
    assert "most-raised token" in got.explanation["reason"]


def test_joint_focus_z_registered_with_the_signature_default():
    method = build_method("joint-focus-z", MethodOptions(layer=TOKEN_LAYER))
    assert isinstance(method, JointMethod) and (method.fusion, method.weighting) == ("z", "focus")
    assert method.signature.signature.name == DEFAULT_VARIANT and "Stouffer on z-scores" in method.name


def test_focus_and_side_weights_by_hand():
    # phi 0.25: focus pair (0.75 z_s + 0.25 z_t) / sqrt(0.625); side pair (z_c + z_t) / sqrt(2).
    w = focus_and_side_weights(np.array([0.25, 1.0]))
    r = 1 / np.sqrt(2)
    np.testing.assert_allclose(w, [[0.75 / np.sqrt(0.625), 0.25 / np.sqrt(0.625) + r, r], [0.0, 1.0 + r, r]],
                               rtol=1e-12)


def _three_lines_z(setup, combine):
    """The test cases and the plain z-scores of the three lines by hand: the signature, token match, the prompt side."""
    att, base, cases = setup
    n = len(att.store)
    test = att.signatures(cases, [LAYER], [TOKEN_LAYER])
    sig, ctx = SignatureMethod("h_fused", LAYER), SignatureMethod("h_last_c", LAYER)
    tm = TokenMatchMethod(TOKEN_LAYER, None, sig, "last", base=base, states="store")
    top = (lambda m: m.top_k_combined(att, test, n)) if combine else (lambda m: m.top_k(att, test, n))
    return test, *(standard_z(dense_scores(*top(m), n)) for m in (sig, tm, ctx))


@pytest.mark.parametrize("combine", [False, True])
def test_joint_focus_ctx_adds_the_focus_pair_and_the_side_pair(setup, combine):
    att, base, cases = setup
    test, zs, zt, zc = _three_lines_z(setup, combine)
    phi = gain_focus(att, test, TOKEN_LAYER, base=base)
    phi = (phi.mean(keepdims=True) if combine else phi)[:, None]
    # By hand: joint-focus-z's score plus joint-ctx's score.
    focus = ((1 - phi) * zs + phi * zt) / np.sqrt((1 - phi) ** 2 + phi ** 2)
    want = focus + (zc + zt) / np.sqrt(2)
    method = JointMethod("h_fused", LAYER, TOKEN_LAYER, base=base, fusion="z", weighting="focus",
                         context_signature="h_last_c")
    assert set(method.requirements(att).parts) == {"h_last", "h_mean"}
    got = (method.rank_behaviour if combine else method.rank)(att, test, 5)
    for q in range(got.rows.shape[0]):
        np.testing.assert_array_equal(got.rows[q], np.argsort(-want[q], kind="stable")[:5])
    # Its scores are the sum over the Stouffer norm of the three weights (a per-query factor: the order is the sum's).
    w = focus_and_side_weights(phi[:, 0])
    scaled = want / np.sqrt((w ** 2).sum(1, keepdims=True))
    np.testing.assert_allclose(got.scores, np.take_along_axis(scaled, got.rows, 1), rtol=1e-5)
    assert got.explanation["reason"].endswith("; plus h_last_c@3/last and token match, equally")
    # Both pairs enter: the sum is neither pair alone.
    assert not np.allclose(want, focus) and not np.allclose(want, (zc + zt) / np.sqrt(2))


def test_joint_focus_ctx_registered_and_needs_focus_weighted_z():
    method = build_method("joint-focus-ctx", MethodOptions(layer=TOKEN_LAYER))
    assert isinstance(method, JointMethod) and (method.fusion, method.weighting) == ("z", "focus")
    assert method.signature.signature.name == DEFAULT_VARIANT and method.context.signature.name == "h_last_c"
    with pytest.raises(ValueError, match="context_signature adds the prompt side to the z-scores: use it with "
                                         "fusion='z' and weighting='focus' or 'equal', got fusion='ranks'"):
        JointMethod(weighting="focus", context_signature="h_last_c")
    with pytest.raises(ValueError, match="weighting='focus' or 'equal', got fusion='z', weighting='context'"):
        JointMethod(fusion="z", weighting="context", context_signature="h_last_c")


@pytest.mark.parametrize("combine", [False, True])
def test_joint_equal_ctx_adds_two_even_pairs_without_the_gain_focus(setup, combine, monkeypatch):
    att, base, cases = setup
    test, zs, zt, zc = _three_lines_z(setup, combine)
    # By hand: the signature pair and the side pair, each (z + z) / sqrt(2); token match enters both.
    want = (zs + zt) / np.sqrt(2) + (zc + zt) / np.sqrt(2)
    # The even split needs no gain focus: fail if the method asks for it.
    monkeypatch.setattr("provenance.attribution.joint.gain_focus",
                        lambda *a, **k: pytest.fail("joint-equal-ctx must not measure the gain focus"))
    method = JointMethod("h_fused", LAYER, TOKEN_LAYER, base=base, fusion="z", context_signature="h_last_c")
    got = (method.rank_behaviour if combine else method.rank)(att, test, 5)
    for q in range(got.rows.shape[0]):
        np.testing.assert_array_equal(got.rows[q], np.argsort(-want[q], kind="stable")[:5])
    # Stouffer's norm of the weights (1, 2, 1) / sqrt(2) is sqrt(3): the scores are the hand sum over it.
    np.testing.assert_allclose(got.scores, np.take_along_axis(want / np.sqrt(3), got.rows, 1), rtol=1e-5)
    assert got.explanation["reason"].endswith("; plus h_last_c@3/last and token match, the two pairs equally")
    assert "token_share" not in got.explanation
    # The registered name is this method at the signature default.
    named = build_method("joint-equal-ctx", MethodOptions(layer=TOKEN_LAYER))
    assert (named.fusion, named.weighting, named.token_layer) == ("z", "equal", TOKEN_LAYER)
    assert (named.signature.signature.name, named.context.signature.name) == (DEFAULT_VARIANT, "h_last_c")


def test_joint_equal_c_is_joint_equal_ctx_on_the_default_signature_without_its_projection(setup):
    """Candidate 15: the registered name is joint-equal-ctx with ``h_fused_c`` in the signature's place, and
    ``h_fused_c`` scores rows exactly as the signature default with its projection switched off (pcs 0, the
    sensitivity table's column it was chosen from)."""
    att, _, cases = setup
    named = build_method("joint-equal-c", MethodOptions(layer=TOKEN_LAYER))
    assert isinstance(named, JointMethod) and (named.fusion, named.weighting) == ("z", "equal")
    assert (named.signature.signature.name, named.context.signature.name) == ("h_fused_c", "h_last_c")
    test = att.signatures(cases, [LAYER], [])
    n = len(att.store)
    unprojected = replace(VARIANTS[DEFAULT_VARIANT], pcs=0, pcs_parts=None)
    got, ref = (dense_scores(*SignatureMethod(sig, LAYER).top_k(att, test, n), n) for sig in ("h_fused_c", unprojected))
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-7)
    projected = dense_scores(*SignatureMethod(DEFAULT_VARIANT, LAYER).top_k(att, test, n), n)
    assert not np.allclose(got, projected, atol=1e-4)       # the projection does change the scores
