"""JointMethod: the signature and token match combined by Stouffer's method on rank p-values, robust or plain
z-scores."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from attribution_helpers import dense_scores, joint_case_setup
from provenance.attribution import SignatureMethod
from provenance.attribution.joint import (
    JointMethod, conjunction_ranks, guard_scores, robust_z, standard_z, stouffer_ranks, stouffer_robust_z,
    stouffer_standard_z,
)
from provenance.attribution.registry import MethodOptions, build_method
from provenance.attribution.signatures import DEFAULT_VARIANT
from provenance.attribution.token_match import BASE_LOGPROBS_SLOT, TokenMatchMethod

LAYER, TOKEN_LAYER = 3, 2


def test_stouffer_of_ranks_by_hand():
    a = np.array([[0.9, 0.1, 0.5, 0.3]])        # ranks 1, 4, 2, 3
    b = np.array([[10.0, 30.0, 20.0, 20.0]])    # ranks 4, 1, 2.5, 2.5 (a tie shares its mean rank)
    z = lambda r: norm.ppf(1 - (r - 0.5) / 4)   # noqa: E731
    want = (np.array([z(1), z(4), z(2), z(3)]) + np.array([z(4), z(1), z(2.5), z(2.5)])) / np.sqrt(2)
    np.testing.assert_allclose(stouffer_ranks(a, b), want[None], rtol=1e-12)
    # One matrix: its own rank z-scores, whatever the scale of the scores.
    np.testing.assert_allclose(stouffer_ranks(a * 1e6 - 3), [[z(1), z(4), z(2), z(3)]], rtol=1e-12)
    with pytest.raises(ValueError, match="share one"):
        stouffer_ranks(a, b[:, :3])
    with pytest.raises(ValueError, match="at least one"):
        stouffer_ranks()


def test_stouffer_of_robust_z_by_hand():
    a = np.array([[0.0, 1.0, 2.0, 3.0, 10.0]])      # median 2, |deviations| 2 1 0 1 8 -> MAD 1
    b = np.array([[5.0, 5.0, 5.0, 6.0, 4.0]])       # MAD 0 (three ties): the standard deviation stands in
    za = (a - 2.0) / (1.0 / norm.ppf(0.75))
    zb = (b - 5.0) / b.std()
    np.testing.assert_allclose(robust_z(a), za, rtol=1e-12)
    np.testing.assert_allclose(robust_z(b), zb, rtol=1e-12)
    np.testing.assert_allclose(stouffer_robust_z(a, b), (za + zb) / np.sqrt(2), rtol=1e-12)
    # Unlike ranks, the z-scores keep how far out a row lies: the outlier of `a` beats every row of `b`'s tail.
    assert robust_z(a)[0, 4] > 5 > abs(robust_z(b)).max()
    np.testing.assert_array_equal(robust_z(np.full((1, 4), 7.0)), np.zeros((1, 4)))   # constant: no evidence
    # Invariant to each matrix's scale and shift, as the ranks are.
    np.testing.assert_allclose(stouffer_robust_z(a * 1e3 - 7, b), stouffer_robust_z(a, b), rtol=1e-12)
    with pytest.raises(ValueError, match="finite"):
        robust_z(np.array([[1.0, -np.inf, 0.0]]))
    with pytest.raises(ValueError, match="share one"):
        stouffer_robust_z(a, b[:, :3])
    with pytest.raises(ValueError, match="at least one"):
        stouffer_robust_z()


def test_stouffer_of_plain_z_by_hand():
    a = np.array([[0.0, 1.0, 2.0, 3.0, 10.0]])      # mean 3.2, sd sqrt(12.56)
    b = np.array([[5.0, 5.0, 5.0, 6.0, 4.0]])       # mean 5, sd sqrt(0.4)
    za, zb = (a - 3.2) / np.sqrt(12.56), (b - 5.0) / np.sqrt(0.4)
    np.testing.assert_allclose(standard_z(a), za, rtol=1e-12)
    np.testing.assert_allclose(stouffer_standard_z(a, b), (za + zb) / np.sqrt(2), rtol=1e-12)
    # Unlike the robust z, the outlier widens its own method's scale: a's far row counts 1.92, not 5.40.
    assert standard_z(a)[0, 4] == pytest.approx(1.9187, abs=1e-4) and robust_z(a)[0, 4] == pytest.approx(5.3959, abs=1e-4)
    np.testing.assert_array_equal(standard_z(np.full((1, 4), 7.0)), np.zeros((1, 4)))   # constant: no evidence
    np.testing.assert_allclose(stouffer_standard_z(a * 1e3 - 7, b), stouffer_standard_z(a, b), rtol=1e-12)
    with pytest.raises(ValueError, match="finite"):
        standard_z(np.array([[1.0, np.nan, 0.0]]))
    with pytest.raises(ValueError, match="share one"):
        stouffer_standard_z(a, b[:, :3])


def test_conjunction_of_ranks_by_hand():
    a = np.array([[0.9, 0.1, 0.5, 0.3]])        # ranks 1, 4, 2, 3
    b = np.array([[10.0, 30.0, 20.0, 0.0]])     # ranks 3, 1, 2, 4
    z = lambda r: norm.ppf(1 - (np.asarray(r, float) - 0.5) / 4)   # noqa: E731
    weakest, tie = conjunction_ranks(a, b)
    np.testing.assert_allclose(weakest, [z([3, 4, 2, 4])], rtol=1e-12)
    np.testing.assert_allclose(tie, stouffer_ranks(a, b), rtol=1e-12)
    # Row 2 (ranks 2, 2) is the one both support: first, though the Stouffer sum puts row 0 (ranks 1, 3) above it.
    assert np.argmax(weakest[0]) == 2 and tie[0, 0] > tie[0, 2]
    with pytest.raises(ValueError, match="share one"):
        conjunction_ranks(a, b[:, :3])


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    return joint_case_setup(tmp_path_factory.mktemp("joint") / "s.zarr", [2, LAYER], TOKEN_LAYER)


@pytest.mark.parametrize("combine,token_query,fusion", [(False, "pooled", "ranks"), (True, "pooled", "ranks"),
                                                        (False, "each", "ranks"), (True, "each", "ranks"),
                                                        (False, "each", "robust-z"), (True, "each", "robust-z"),
                                                        (False, "pooled", "z"), (True, "pooled", "z"),
                                                        (False, "each", "both"), (True, "each", "both")])
def test_joint_is_stouffer_of_the_two_rankings(setup, combine, token_query, fusion):
    att, base, cases = setup
    n = len(att.store)
    test = att.signatures(cases, [LAYER], [TOKEN_LAYER])
    sig = SignatureMethod("h_fused", LAYER)
    tm = TokenMatchMethod(TOKEN_LAYER, None, sig, "last", base=base, states="store", query=token_query)
    if combine:
        s, t = sig.top_k_combined(att, test, n), tm.top_k_combined(att, test, n)
    else:
        s, t = sig.top_k(att, test, n), tm.top_k(att, test, n)
    combined = {"ranks": stouffer_ranks, "robust-z": stouffer_robust_z, "z": stouffer_standard_z,
                "both": lambda *m: conjunction_ranks(*m)[0]}[fusion]
    want = combined(dense_scores(*s, n), dense_scores(*t, n))
    tie = stouffer_ranks(dense_scores(*s, n), dense_scores(*t, n))
    method = JointMethod("h_fused", LAYER, TOKEN_LAYER, base=base, token_query=token_query, fusion=fusion)
    got = (method.rank_behaviour if combine else method.rank)(att, test, 5)
    for q in range(got.rows.shape[0]):
        # The conjunction orders rows whose weaker z ties by their Stouffer sum; the sums' own order is plain.
        order = (np.lexsort((-tie[q], -want[q])) if fusion == "both" else np.argsort(-want[q], kind="stable"))[:5]
        np.testing.assert_array_equal(got.rows[q], order)
        np.testing.assert_allclose(got.scores[q], want[q, order], rtol=1e-5)
    assert got.explanation["token_layer"] == TOKEN_LAYER
    # It is neither input ranking: both enter (a joint that ignored one would equal the other).
    assert not np.allclose(want, combined(dense_scores(*s, n))) and not np.allclose(want, combined(dense_scores(*t, n)))


def test_without_token_states_the_signature_ranks_alone_and_says_why(setup):
    att, base, cases = setup
    test = att.signatures(cases, [LAYER])
    got = JointMethod("h_fused", LAYER, token_layer=LAYER, base=base).rank(att, test, 4)   # no token states at 3
    want = SignatureMethod("h_fused", LAYER).rank(att, test, 4)
    np.testing.assert_array_equal(got.rows, want.rows)
    assert "no per-token states at layer 3" in got.explanation["reason"]
    mean = JointMethod("h_fused", LAYER, TOKEN_LAYER, epochs="mean", base=base).rank(att, test, 4)
    assert "not epochs='mean'" in mean.explanation["reason"]


def test_registered_by_name_with_layer_as_the_token_layer():
    method = build_method("joint", MethodOptions(layer=TOKEN_LAYER))
    assert isinstance(method, JointMethod) and method.token_layer == TOKEN_LAYER and method.signature.layer is None


def test_joint_each_is_registered_and_bad_token_query_refused():
    method = build_method("joint-each", MethodOptions(layer=TOKEN_LAYER))
    assert isinstance(method, JointMethod) and method.token_query == "each" and method.token_layer == TOKEN_LAYER
    assert "each raised token" in method.name
    with pytest.raises(ValueError, match="token_query must be one of"):
        JointMethod(token_query="mean")


def test_joint_both_is_registered():
    method = build_method("joint-both", MethodOptions(layer=TOKEN_LAYER))
    assert isinstance(method, JointMethod) and (method.token_query, method.fusion) == ("each", "both")
    assert "weaker rank z-score" in method.name
    with pytest.raises(ValueError, match="use it with fusion='ranks'"):
        JointMethod(weighting="context", fusion="both")


def test_joint_z_is_registered_and_bad_fusion_refused():
    method = build_method("joint-z", MethodOptions(layer=TOKEN_LAYER))
    assert isinstance(method, JointMethod) and (method.token_query, method.fusion) == ("each", "robust-z")
    assert "robust z-scores" in method.name
    with pytest.raises(ValueError, match="fusion must be one of"):
        JointMethod(fusion="sum")


def test_joint_ctx_pairs_the_prompt_side_with_token_match_by_plain_z():
    method = build_method("joint-ctx", MethodOptions(layer=TOKEN_LAYER))
    assert isinstance(method, JointMethod) and (method.token_query, method.fusion) == ("pooled", "z")
    assert method.signature.signature.name == "h_last_c" and method.token_layer == TOKEN_LAYER
    assert "Stouffer on z-scores" in method.name
    # --signature still chooses the signature; the other variants keep the default one.
    assert build_method("joint-ctx", MethodOptions(signature="h_mean_c")).signature.signature.name == "h_mean_c"
    assert build_method("joint", MethodOptions()).signature.signature.name == DEFAULT_VARIANT


@pytest.mark.parametrize("combine", [False, True])
@pytest.mark.parametrize("name,form,words,gate", [
    ("joint-top-token", "top", "the most-raised token", "min"),
    ("joint-next-token", "next", "the positions before the answer's tokens", "min"),
    ("joint-gated-next", "next", "the positions before the answer's tokens", "gated")])
def test_guard_line_is_the_weaker_of_the_prompt_side_and_a_token_match_form(setup, combine, name, form, words, gate):
    """Candidates 16, 17 and 18: the two equal pairs plus the guard at weight 1, min(z_context, z_guard) (candidate
    18: only for rows whose z_context < 0, z_guard for the others), against a hand computation from the component
    methods."""
    att, base, cases = setup
    n = len(att.store)
    test = att.signatures(cases, [LAYER], [TOKEN_LAYER])
    lines = [SignatureMethod("h_fused_c", LAYER), None, SignatureMethod("h_last_c", LAYER), None]
    lines[1] = TokenMatchMethod(TOKEN_LAYER, None, lines[0], "last", base=base, states="store")
    lines[3] = TokenMatchMethod(TOKEN_LAYER, None, lines[0], "last", base=base, states="store", query=form)
    sig, tok, ctx, guard = (dense_scores(*(m.top_k_combined if combine else m.top_k)(att, test, n), n) for m in lines)
    zc, zg = standard_z(ctx), standard_z(guard)
    line = np.minimum(zc, zg) if gate == "min" else np.array([[min(c, g) if c < 0 else g for c, g in zip(rc, rg)]
                                                             for rc, rg in zip(zc, zg)])
    # the guard is itself read as a z-score over the rows, as every line of the sum is
    z = [standard_z(s) for s in (sig, tok, ctx, line)]
    w = np.array([1 / np.sqrt(2), np.sqrt(2), 1 / np.sqrt(2), 1.0])
    want = sum(wi * zi for wi, zi in zip(w, z)) / np.sqrt((w ** 2).sum())
    method = build_method(name, MethodOptions(layer=TOKEN_LAYER, base=base))
    assert isinstance(method, JointMethod) and (method.guard_line, method.guard_form) == (form, gate)
    assert method.signature.signature.name == "h_fused_c"
    got = (method.rank_behaviour if combine else method.rank)(att, test, 5)
    for q in range(got.rows.shape[0]):
        order = np.argsort(-want[q], kind="stable")[:5]
        np.testing.assert_array_equal(got.rows[q], order)
        np.testing.assert_allclose(got.scores[q], want[q, order], rtol=1e-5)
    gated = " where the prompt side is below the mean row's" if gate == "gated" else ""
    assert f"{words}{gated}, a line of weight 1" in got.explanation["reason"]
    assert "the weaker of" in method.name and words in method.name
    # The fourth line enters: without it the scores are joint-equal-c's.
    plain = build_method("joint-equal-c", MethodOptions(layer=TOKEN_LAYER, base=base))
    assert not np.allclose((plain.rank_behaviour if combine else plain.rank)(att, test, 5).scores, got.scores)
    if gate == "gated":   # the gate changes the line on this store: some rows' prompts are above the mean row's
        assert ((zc >= 0) & (zg > zc)).any()


def test_guard_scores_by_hand():
    zc = np.array([[1.5, -0.5, -2.0, 0.0]])
    zt = np.array([[3.0, 2.0, -1.0, -0.5]])
    np.testing.assert_allclose(guard_scores(zc, zt), [[1.5, -0.5, -2.0, -0.5]])
    np.testing.assert_allclose(guard_scores(zc, zt, "gated"), [[3.0, -0.5, -2.0, -0.5]])
    with pytest.raises(ValueError, match="guard form must be one of"):
        guard_scores(zc, zt, "penalty")
    with pytest.raises(ValueError, match="share one shape"):
        guard_scores(zc, zt[:, :3])


def test_the_guarded_query_reads_the_base_model_once_per_set_of_answers(setup):
    """Token match and its next-token guard weigh the answer's tokens by the same gains: the model before fine-tuning
    reads the cases once (it read them twice, once per line, before the gains were shared), again only for other
    cases, and the shared gains give the scores a fresh computation gives."""
    att, base, cases = setup
    method = build_method("joint-next-token", MethodOptions(layer=TOKEN_LAYER, base=base))
    test, fewer = (att.signatures(c, [LAYER], [TOKEN_LAYER]) for c in (cases, cases[:2]))
    att.clear_cache(BASE_LOGPROBS_SLOT)
    calls = []
    hook = base.register_forward_pre_hook(lambda *_: calls.append(1))
    try:
        first = method.rank(att, test, 5)
        assert len(calls) == 1                       # the three cases fit one batch of the base model
        again = method.rank(att, test, 5)
        assert len(calls) == 1
        method.rank(att, fewer, 5)
        assert len(calls) == 2
        att.clear_cache(BASE_LOGPROBS_SLOT)
        fresh = method.rank(att, test, 5)
        assert len(calls) == 3
    finally:
        hook.remove()
    for got in (again, fresh):
        np.testing.assert_array_equal(got.rows, first.rows)
        np.testing.assert_allclose(got.scores, first.scores, rtol=1e-6)


def test_guard_line_needs_a_known_form_and_the_equal_pairs():
    with pytest.raises(ValueError, match="guard_line must be one of"):
        JointMethod("h_fused_c", fusion="z", context_signature="h_last_c", guard_line="each")
    with pytest.raises(ValueError, match="guard_line joins the two equal pairs"):
        JointMethod("h_fused_c", fusion="z", guard_line="top")
    with pytest.raises(ValueError, match="guard_line joins the two equal pairs"):
        JointMethod("h_fused_c", fusion="z", weighting="focus", context_signature="h_last_c", guard_line="top")
    with pytest.raises(ValueError, match="guard_form must be one of"):
        JointMethod("h_fused_c", fusion="z", context_signature="h_last_c", guard_line="next", guard_form="max")
    with pytest.raises(ValueError, match="shapes the guard line: set guard_line too"):
        JointMethod("h_fused_c", fusion="z", context_signature="h_last_c", guard_form="gated")


def test_behaviour_from_answers_is_stouffer_over_each_answers_joint_scores(setup):
    """``behaviour_from="answers"`` (joint-gated-answers): per behaviour, each case's joint-gated-next scores as
    z-scores over the rows, summed over the cases / sqrt(cases), against a hand computation from the per-answer
    scores; per answer the method is joint-gated-next itself."""
    att, base, cases = setup
    n = len(att.store)
    test = att.signatures(cases, [LAYER], [TOKEN_LAYER])
    method = build_method("joint-gated-answers", MethodOptions(layer=TOKEN_LAYER, base=base))
    plain = build_method("joint-gated-next", MethodOptions(layer=TOKEN_LAYER, base=base))
    assert isinstance(method, JointMethod) and method.behaviour_from == "answers" and plain.behaviour_from == "lines"
    per_answer = dense_scores(*plain.top_k(att, test, n), n)
    want = standard_z(per_answer).sum(0) / np.sqrt(len(per_answer))
    got = method.rank_behaviour(att, test, 5)
    order = np.argsort(-want, kind="stable")[:5]
    np.testing.assert_array_equal(got.rows[0], order)
    np.testing.assert_allclose(got.scores[0], want[order], rtol=1e-5)
    assert got.rows.shape[0] == 1 and "combined by Stouffer's method" in got.explanation["reason"]
    assert "per behaviour, the answers' z-scores combined" in method.name
    np.testing.assert_array_equal(method.rank(att, test, 5).rows, plain.rank(att, test, 5).rows)
    # The lines' behaviour rankings fused (joint-gated-next per behaviour) rank otherwise on this store.
    assert not np.allclose(plain.rank_behaviour(att, test, 5).scores, got.scores)


def test_behaviour_from_is_validated():
    with pytest.raises(ValueError, match="behaviour_from must be one of"):
        JointMethod(behaviour_from="cases")
    with pytest.raises(ValueError, match="use it with a fusion other than 'both'"):
        JointMethod(fusion="both", behaviour_from="answers")
