"""AutoMethod: per behaviour, token match when its top list agrees with the signature's, else the signature; per
answer, the signature and the prompt side, each paired with token match, plus the guarded next-token match."""
from __future__ import annotations

import numpy as np
import pytest

from attribution_helpers import tuned_and_base, write_captured
from provenance import open_store
from provenance.attribution import Attributor, SignatureMethod, TestCase
from provenance.attribution.auto_choice import ANSWER_SIGNATURE, BEHAVIOUR_VARIANT, AutoMethod, top_overlap
from provenance.attribution.signatures import DEFAULT_VARIANT
from provenance.attribution.token_match import TokenMatchMethod

LAYERS = [2, 3]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    att, base, records = tuned_and_base(tmp_path_factory.mktemp("auto") / "s.zarr", 16, LAYERS, token_layer=3)
    cases = [TestCase(records[i]["prompt"], records[i]["response"]) for i in (1, 6, 11)]
    return att, base, records, att.signatures(cases, [3])


def test_top_overlap_counts_shared_rows_among_the_first_k():
    a = np.array([5, 1, 2, 9, -1])
    b = np.array([2, 7, 5, 1, 0])
    assert top_overlap(a, b, 2) == 0.0          # {5, 1} vs {2, 7}
    assert top_overlap(a, b, 3) == 2 / 3        # {5, 1, 2} vs {2, 7, 5}
    assert top_overlap(a, b, 4) == 3 / 4        # {5, 1, 2, 9} vs {2, 7, 5, 1}
    assert top_overlap(a, b, 10) == 3 / 4       # padding (-1) ignored: 4 ranked rows, 3 of them in b


def _rankings(att, base, test, k):
    sig = SignatureMethod(BEHAVIOUR_VARIANT, None, "last").top_k_combined(att, test, k)
    tm = TokenMatchMethod(3, None, None, "last", base=base, states="store").top_k_combined(att, test, k)
    return sig, tm


def test_behaviour_query_keeps_token_match_only_when_it_agrees(setup):
    att, base, records, test = setup
    n = len(records)
    (s_sig, r_sig), (s_tm, r_tm) = _rankings(att, base, test, n)
    overlap = top_overlap(r_tm[0], r_sig[0], 5)
    assert 0.0 < overlap < 1.0 and not np.array_equal(r_sig, r_tm)   # the two methods differ on this store
    for threshold, follows in ((0.0, "tm"), (overlap, "tm"), (min(1.0, overlap + 1e-6), "sig")):
        method = AutoMethod(token_layer=3, base=base, agree_k=5, min_overlap=threshold)
        res = att.query(test, method=method, k=n, snippet_chars=0, combine="mean")
        want_s, want_r = (s_tm, r_tm) if follows == "tm" else (s_sig, r_sig)
        np.testing.assert_array_equal(res.rows, want_r)
        np.testing.assert_allclose(res.scores, want_s, rtol=1e-6)
        assert res.explanation["overlap"] == pytest.approx(overlap)
        assert res.explanation["method"].startswith("token-match@3" if follows == "tm" else "h_fused_z@")
        assert res.method == f"auto: {res.explanation['method']} ({res.explanation['reason']})"
        if follows == "tm":   # token match ranked: no second list
            assert res.wording is None
        else:                 # overruled: its ranking comes back as the rows whose words the answers reuse
            np.testing.assert_array_equal(res.wording["row"].to_numpy(), r_tm[0])
            np.testing.assert_allclose(res.wording["score"].to_numpy(), s_tm[0], rtol=1e-6)
            assert set(res.wording["query"]) == {"behaviour"}
            assert list(res.wording.columns) == list(res.ranking.columns)
    # k below agree_k: the decision still looks at the top agree_k, the answer is cut to k
    cut = att.query(test, method=AutoMethod(token_layer=3, base=base, agree_k=5, min_overlap=0.0), k=3,
                    snippet_chars=0, combine="mean")
    np.testing.assert_array_equal(cut.rows, r_tm[:, :3])


def test_candidates_limit_token_match_to_the_signatures_top_rows(setup):
    att, base, records, test = setup
    want = TokenMatchMethod(3, 6, SignatureMethod(BEHAVIOUR_VARIANT, None, "last"), "last", base=base,
                            states="store").top_k_combined(att, test, 6)
    _, r_sig = SignatureMethod(BEHAVIOUR_VARIANT, None, "last").top_k_combined(att, test, 6)
    method = AutoMethod(token_layer=3, base=base, min_overlap=0.0, candidates=6)
    res = att.query(test, method=method, k=len(records), snippet_chars=0, combine="mean")
    assert res.rows.shape == (1, 6) and set(res.rows[0].tolist()) == set(r_sig[0].tolist())
    np.testing.assert_array_equal(res.rows, want[1])


def test_per_answer_queries_rank_by_the_two_equal_pairs(setup):
    from provenance.attribution.joint import JointMethod

    att, base, records, test = setup
    method = AutoMethod(token_layer=3, base=base, agree_k=5, min_overlap=1.0)
    behaviour = att.query(test, method=method, k=len(records), snippet_chars=0, combine="mean")
    assert behaviour.wording is not None          # overruled per behaviour ...
    res = att.query(test, method=method, k=len(records), snippet_chars=0)
    assert res.wording is None   # ... then per answer: no stale second list
    # Per answer: both centered sides (h_fused_c) and token match, plus the prompt side and token match, two equal
    # z-score pairs (candidate 15), plus the next-token match guarded by the prompt side (candidate 17), where that
    # is below the mean row's (candidate 18).
    assert ANSWER_SIGNATURE == "h_fused_c"
    joint = JointMethod(ANSWER_SIGNATURE, None, 3, base=base, fusion="z", context_signature="h_last_c",
                        guard_line="next", guard_form="gated")
    want = att.query(test, method=joint, k=len(records), snippet_chars=0)
    np.testing.assert_array_equal(res.rows, want.rows)
    np.testing.assert_allclose(res.scores, want.scores, rtol=1e-6)
    assert res.explanation["reason"] == ("per answer: the signature and token match, plus the prompt side and token "
                                         "match, two equal z-score pairs, plus the next-token match, guarded by the "
                                         "prompt side where it is below the mean row's")
    assert "token_share" not in res.explanation and res.explanation["token_layer"] == 3
    # It is neither line alone on this store.
    sig = att.query(test, method=SignatureMethod(ANSWER_SIGNATURE, None, "last"), k=len(records), snippet_chars=0)
    assert not np.array_equal(res.rows, sig.rows)
    # ... nor the focus pair alone (candidate 11, the default before round 8): the side pair enters.
    focus = att.query(test, method=JointMethod(DEFAULT_VARIANT, None, 3, base=base, fusion="z", weighting="focus"),
                      k=len(records), snippet_chars=0)
    assert not np.allclose(res.scores, focus.scores)
    # ... nor candidate 14 (the default after round 12), whose signature projects per query.
    projected = att.query(test, method=JointMethod(DEFAULT_VARIANT, None, 3, base=base, fusion="z",
                                                   context_signature="h_last_c"), k=len(records), snippet_chars=0)
    assert not np.allclose(res.scores, projected.scores)
    # ... nor candidate 15 (the default after round 13), without the next-token line.
    three = att.query(test, method=JointMethod(ANSWER_SIGNATURE, None, 3, base=base, fusion="z",
                                               context_signature="h_last_c"), k=len(records), snippet_chars=0)
    assert not np.allclose(res.scores, three.scores)


def test_per_answer_without_token_states_its_signature_ranks(setup, tmp_path):
    att, base, records, test = setup
    plain_store = tmp_path / "plain.zarr"   # no per-token states
    write_captured(plain_store, att.model, att.tokenizer, records, LAYERS)
    no_states = Attributor(open_store(str(plain_store)), att.model, att.tokenizer)
    res = no_states.query(test, method=AutoMethod(base=base), k=5, snippet_chars=0)
    want = no_states.query(test, method=SignatureMethod(ANSWER_SIGNATURE, None, "last"), k=5, snippet_chars=0)
    np.testing.assert_array_equal(res.rows, want.rows)
    assert "the signature alone: no per-token states at layer 3" in res.explanation["reason"]


def test_falls_back_to_the_signature_when_token_match_cannot_run(setup, tmp_path):
    att, base, records, test = setup
    _, r_sig = SignatureMethod(BEHAVIOUR_VARIANT, None, "last").top_k_combined(att, test, 5)
    plain_store = tmp_path / "plain.zarr"   # no per-token states
    write_captured(plain_store, att.model, att.tokenizer, records, LAYERS)
    no_states = Attributor(open_store(str(plain_store)), att.model, att.tokenizer)
    cases = [
        (no_states, AutoMethod(base=base, min_overlap=0.0), "no per-token states at layer 3"),
        (att, AutoMethod(token_layer=3, min_overlap=0.0), "no base model"),           # a plain model, no base=
        (att, AutoMethod(token_layer=3, base=base, epochs="mean", min_overlap=0.0), "not epochs='mean'"),
    ]
    for attributor, method, reason in cases:
        res = attributor.query(test, method=method, k=5, snippet_chars=0, combine="mean")
        assert reason in res.explanation["reason"] and res.explanation["overlap"] is None
        assert res.wording is None
        if method.epochs == "last":
            np.testing.assert_array_equal(res.rows, r_sig)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="agree_k must be >= 1"):
        AutoMethod(agree_k=0)
    with pytest.raises(ValueError, match="min_overlap in"):
        AutoMethod(min_overlap=1.5)
    with pytest.raises(ValueError, match="band > seed_k"):
        AutoMethod(seed_k=10, band=10)
    with pytest.raises(ValueError, match="refine_fusion must be one of"):
        AutoMethod(refine_fusion="mean")


def test_token_match_is_refined_by_its_top_rows_only_when_they_cohere(setup):
    from provenance.attribution.seed_refine import SeedClassifier, seed_coherence
    from provenance.attribution.topk import select_rows

    att, base, records, test = setup
    n = len(records)
    _, (s_tm, r_tm) = _rankings(att, base, test, n)
    coherence = seed_coherence(att.store, np.sort(r_tm[0][:3]), 3)
    # the refinement: a classifier on token match's top 3 rows against the rows it ranks below 6
    mask = select_rows(att.samples, "last")
    negative = np.setdiff1d(np.flatnonzero(mask), r_tm[0][:6])
    want = SeedClassifier([(3, "h_last"), (3, "h_mean")], C=10.0).fit(att.store, r_tm[0][:3], negative).top_k(
        att.store, mask, n)
    assert not np.array_equal(want[1], r_tm)
    for threshold, refined in ((coherence, True), (min(1.0, coherence + 1e-6), False)):
        method = AutoMethod(token_layer=3, base=base, agree_k=5, min_overlap=0.0, seed_k=3, band=6,
                            min_coherence=threshold, refine_fusion="replace")
        res = att.query(test, method=method, k=n, snippet_chars=0, combine="mean")
        assert res.explanation["coherence"] == pytest.approx(coherence)
        assert ("refined by a classifier on its top 3 rows (h_last@3, h_mean@3)" in res.explanation["method"]) == refined
        assert f"coherence {coherence:.2f} {'>=' if refined else '<'}" in res.explanation["reason"]
        np.testing.assert_array_equal(res.rows, want[1] if refined else r_tm)
        np.testing.assert_allclose(res.scores, want[0] if refined else s_tm, rtol=1e-6)
        assert res.wording is None
    # without refinement, or with fewer rows than the band: token match as before, and the choice says why
    plain = AutoMethod(token_layer=3, base=base, agree_k=5, min_overlap=0.0, refine=False)
    res = att.query(test, method=plain, k=n, snippet_chars=0, combine="mean")
    np.testing.assert_array_equal(res.rows, r_tm)
    assert "coherence" not in res.explanation
    default = AutoMethod(token_layer=3, base=base, agree_k=5, min_overlap=0.0)
    res = att.query(test, method=default, k=n, snippet_chars=0, combine="mean")
    np.testing.assert_array_equal(res.rows, r_tm)
    assert f"not refined: too few rows to refine: {n} ranked, 0 below rank 100" in res.explanation["reason"]
    assert res.explanation["coherence"] is None


def test_refine_fusion_z_ranks_by_the_signature_token_match_and_the_classifier_z_scores_added(setup):
    from provenance.attribution.seed_refine import SeedClassifier
    from provenance.attribution.topk import select_rows

    att, base, records, test = setup
    n = len(records)
    (s_sig, r_sig), (s_tm, r_tm) = _rankings(att, base, test, n)
    mask = select_rows(att.samples, "last")
    rows = np.flatnonzero(mask)
    negative = np.setdiff1d(rows, r_tm[0][:6])
    clf_s, clf_r = SeedClassifier([(3, "h_last"), (3, "h_mean")], C=10.0).fit(
        att.store, r_tm[0][:3], negative).top_k(att.store, mask, n)
    # By hand: each line's scores of every selected row as plain z-scores, summed over the three lines, / sqrt(3).
    lines = [(r_sig, s_sig), (r_tm, s_tm), (clf_r, clf_s)]
    joint = 0.0
    for ranked, scores in lines:
        by_row = dict(zip(ranked[0], scores[0].astype(np.float64)))
        v = np.array([by_row[r] for r in rows])
        joint = joint + (v - v.mean()) / v.std()
    joint = joint / np.sqrt(3)
    order = np.argsort(-joint, kind="stable")
    method = AutoMethod(token_layer=3, base=base, agree_k=5, min_overlap=0.0, seed_k=3, band=6, min_coherence=-1.0,
                        refine_fusion="z")
    res = att.query(test, method=method, k=n, snippet_chars=0, combine="mean")
    np.testing.assert_array_equal(res.rows[0], rows[order])
    np.testing.assert_allclose(res.scores[0], joint[order], rtol=1e-5, atol=1e-6)
    # it is no line alone, and the explanation names all three
    assert all(not np.array_equal(res.rows, ranked) for ranked, _ in lines)
    assert res.explanation["method"].startswith(f"{BEHAVIOUR_VARIANT}@default/last, token-match@3 ")
    assert res.explanation["method"].endswith(
        "and a classifier on its top 3 rows (h_last@3, h_mean@3), Stouffer on z-scores")
    assert "joined by the signature and a classifier on its top rows" in method.name
    # where the top rows do not cohere, token match ranks alone, as with the classifier alone
    plain = AutoMethod(token_layer=3, base=base, agree_k=5, min_overlap=0.0, seed_k=3, band=6, min_coherence=1.0,
                       refine_fusion="z")
    res = att.query(test, method=plain, k=n, snippet_chars=0, combine="mean")
    np.testing.assert_array_equal(res.rows, r_tm)
