"""The method protocol: stateless methods whose results carry their own explanation, requirements checked against the
store before any model pass, and a user's own method (only `rank` written) running through `Attributor.query`."""
from __future__ import annotations

import numpy as np
import pytest

from attribution_helpers import tuned_and_base
from provenance.attribution import AttributionMethod, AutoMethod, Ranking, Requirements, SignatureMethod, TestCase
from provenance.attribution.baselines import Bm25Method, LoraGradMethod, RandomMethod, TfidfMethod
from provenance.attribution.method import check_requirements
from provenance.attribution.repass import RepassMethod
from provenance.attribution.signatures import Signature
from provenance.attribution.token_match import TokenMatchMethod
from provenance.attribution.topk import select_rows, top_k_rows
from provenance.errors import MissingCaptureError

LAYERS = [2, 3]
N = 16


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    att, base, records = tuned_and_base(tmp_path_factory.mktemp("protocol") / "s.zarr", N, LAYERS, token_layer=3)
    answers = [TestCase(records[i]["prompt"], records[i]["response"]) for i in (1, 6, 11)]
    behaviour = [TestCase(records[i]["prompt"], records[i]["response"]) for i in (2, 3, 9, 14)]
    return att, base, answers, behaviour


def state(obj, depth: int = 0):
    """What an object holds, as comparable values: nested methods and signatures by their own state, arrays by
    content, models and other objects by identity."""
    if depth > 6:
        return id(obj)
    if isinstance(obj, AttributionMethod):
        return {k: state(v, depth + 1) for k, v in sorted(vars(obj).items())}
    if isinstance(obj, Signature):
        return (obj, state(obj.means, depth + 1), state(obj.basis, depth + 1))
    if isinstance(obj, dict):
        return {k: state(v, depth + 1) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(state(v, depth + 1) for v in obj)
    if isinstance(obj, np.ndarray):
        return (obj.dtype.str, obj.shape, obj.tobytes())
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    return id(obj)


def methods(base):
    return [
        SignatureMethod("h_fused", 3),
        AutoMethod(token_layer=3, base=base, agree_k=5, min_overlap=0.0, seed_k=3, band=6),
        AutoMethod(token_layer=3, base=base, agree_k=5, min_overlap=1.0),   # overrules token match: a wording list
        TokenMatchMethod(3, None, None, "last", base=base, states="store"),
        TokenMatchMethod(3, 6, SignatureMethod("h_fused", 3), "last", base=base, states="repass"),
        RepassMethod("rept_c", 3),
        TfidfMethod(),
        Bm25Method(),
        RandomMethod(1),
        LoraGradMethod(dim=64),
    ]


def _same(a, b):
    np.testing.assert_array_equal(a.rows, b.rows)
    np.testing.assert_allclose(a.scores, b.scores, rtol=1e-6, atol=1e-7)
    assert a.method == b.method and a.explanation == b.explanation
    assert (a.wording is None) == (b.wording is None)


@pytest.mark.parametrize("index", range(10))
def test_methods_are_stateless_and_each_result_keeps_its_explanation(setup, index):
    """One method object, queried per answer, per behaviour with other cases, then per answer again: nothing on
    the object changes, each result equals a fresh object's, and the first result's explanation is untouched."""
    att, base, answers, behaviour = setup
    method = methods(base)[index]
    before = state(method)
    first = att.query(answers, method=method, k=6, snippet_chars=0)
    kept = dict(first.explanation)
    second = att.query(behaviour, method=method, k=6, snippet_chars=0, combine="mean")
    again = att.query(answers, method=method, k=6, snippet_chars=0)
    assert state(method) == before and set(vars(method)) == set(before)
    _same(first, again)
    assert first.explanation == kept
    _same(second, att.query(behaviour, method=methods(base)[index], k=6, snippet_chars=0, combine="mean"))
    assert isinstance(method, AttributionMethod)


def test_the_automatic_choice_explains_each_query_in_its_result(setup):
    att, base, answers, behaviour = setup
    method = AutoMethod(token_layer=3, base=base, agree_k=5, min_overlap=0.0, seed_k=3, band=6)
    per_answer = att.query(answers, method=method, k=6, snippet_chars=0)
    per_behaviour = att.query(behaviour, method=method, k=6, snippet_chars=0, combine="mean")
    joint = ("joint(h_fused_c@default/last + token match, Stouffer on z-scores; plus h_last_c@default/last + token "
             "match; plus the weaker of h_last_c@default/last and the positions before the answer's tokens where "
             "h_last_c@default/last is below the mean row's)")
    assert set(per_answer.explanation) == {"method", "reason", "overlap", "token_layer"}
    assert per_answer.explanation["method"] == joint and per_answer.explanation["overlap"] is None
    assert per_answer.explanation["reason"] == ("per answer: the signature and token match, plus the prompt side and "
                                                "token match, two equal z-score pairs, plus the next-token match, "
                                                "guarded by the prompt side where it is below the mean row's")
    assert per_answer.method == f"auto: {joint} ({per_answer.explanation['reason']})"
    got = per_behaviour.explanation
    assert set(got) == {"method", "reason", "overlap", "coherence"} and 0.0 <= got["overlap"] <= 1.0
    assert got["reason"].startswith(f"top-5 overlap of token match and the signature {got['overlap']:.2f} >= 0.0")
    assert per_behaviour.method == f"auto: {got['method']} ({got['reason']})"
    # the same before and after any query
    assert method.name == ("auto (token match if it agrees with h_fused_z@default/last, joined by the signature and a "
                           "classifier on its top rows when they cohere, else h_fused_z@default/last; per answer "
                           f"{joint})")


def test_a_store_without_what_a_method_reads_is_refused_before_any_model_pass(setup):
    att, base, answers, _ = setup
    calls = []
    hook = att.model.register_forward_pre_hook(lambda *a: calls.append(1))
    try:
        with pytest.raises(MissingCaptureError, match=r"layer 4 has no rows.*captured layers: \[2, 3\].*layers=\[\.\.\., 4\]"):
            att.query(answers, method=SignatureMethod("h_mean", 4), k=3)
        with pytest.raises(MissingCaptureError, match=r"no per-token states at layer 2.*token_layers=\[2\]"):
            att.query(answers, method=TokenMatchMethod(layer=2, base=base, states="store"), k=3)
        with pytest.raises(ValueError, match="pass base="):   # token match without a model to weigh tokens by
            att.query(answers, method=TokenMatchMethod(layer=3), k=3)
    finally:
        hook.remove()
    assert calls == []


class StoreHolding:
    """What `check_requirements` reads of a store: 10 rows with ``h_last`` at layer 3, no token states."""

    url, run, layers, _sigs, token_state_layers = "memory://s", "run", [3], {3: ("h_last",)}, []

    def __len__(self) -> int:
        return 10


def test_requirements_name_the_missing_part_and_the_capture_option():
    store = StoreHolding()
    check_requirements(store, Requirements(layers=(3,), parts=("h_last",)), "m")   # holds it: no error
    with pytest.raises(MissingCaptureError, match=r"m needs \['h_mean'\] at layer 3, but the run stored only "
                                                  r"\['h_last'\] there: capture them \(signatures=\['h_last', 'h_mean'\]\)"):
        check_requirements(store, Requirements(layers=(3,), parts=("h_last", "h_mean")), "m")
    with pytest.raises(MissingCaptureError, match=r"no per-token states at layer 5.*token_layers=\[5\]"):
        check_requirements(store, Requirements(stored_token_layers=(5,)), "m")
    assert issubclass(MissingCaptureError, LookupError) and issubclass(MissingCaptureError, ValueError)


def test_builtin_requirements(setup):
    att, base, _, _ = setup
    assert SignatureMethod("h_fused", 2).requirements(att) == Requirements(layers=(2,), parts=("h_last", "h_mean"))
    assert SignatureMethod("rept").requirements(att) == Requirements(layers=(3,), parts=("h_last", "g_last"))
    assert TokenMatchMethod(3, stage1=SignatureMethod("h_mean", 2), base=base).requirements(att) == Requirements(
        layers=(2,), parts=("h_mean",), case_token_layers=(3,))
    assert TokenMatchMethod(3, stage1=TfidfMethod(), base=base).requirements(att) == Requirements(case_token_layers=(3,))
    assert AutoMethod(token_layer=3, base=base).requirements(att).case_token_layers == (3,)
    assert AutoMethod(token_layer=2, base=base).requirements(att).case_token_layers == ()   # no states at 2: no read
    assert TfidfMethod().requirements(att) == Requirements() == RandomMethod().requirements(att)


class ResponseLength(AttributionMethod):
    """The module doc's example: rows whose response is as long as the test answer rank first."""

    name = "response-length"

    def rank(self, att, test, k):
        mask = select_rows(att.samples, "last")
        n = (att.samples["n_tokens"] - att.samples["prompt_len"]).to_numpy()
        want = np.array([len(i) - p for i, p in zip(test.input_ids, test.prompt_len)])
        scores = -np.abs(n[:, None] - want[None, :]).astype(np.float32)
        return Ranking(*top_k_rows([(0, scores)], len(test), k, mask))


def test_a_users_method_needs_only_rank(setup):
    att, _, answers, _ = setup
    calls = []
    hook = att.model.register_forward_pre_hook(lambda *a: calls.append(1))
    try:
        # groups=False: competing-group detection runs the model for its relevance test (the query's states)
        res = att.query(answers, method=ResponseLength(), k=N, snippet_chars=0, groups=False)
        both = att.query(answers, method=ResponseLength(), k=5, snippet_chars=0, combine="mean", groups=False)
    finally:
        hook.remove()
    assert calls == []   # no requirements: a text-only pass, the model never runs
    lengths = (att.samples["n_tokens"] - att.samples["prompt_len"]).to_numpy()
    want = []
    for j, case in enumerate(answers):
        enc = att.signatures([case], layers=[])
        target = len(enc.input_ids[0]) - int(enc.prompt_len[0])
        score = -np.abs(lengths - target).astype(float)
        order = np.lexsort((np.arange(N), -score))
        np.testing.assert_array_equal(res.rows[j], order)
        np.testing.assert_array_equal(res.scores[j], score[order])
        want.append(score)
    mean = np.mean(want, axis=0)   # the default behaviour ranking: each row's mean score over the cases
    order = np.lexsort((np.arange(N), -mean))[:5]
    np.testing.assert_array_equal(both.rows[0], order)
    np.testing.assert_allclose(both.scores[0], mean[order], rtol=1e-6)
    assert res.method == "response-length" and res.explanation == {} and both.ranking["query"].unique().tolist() == ["behaviour"]


def test_an_object_that_is_not_a_method_is_refused(setup):
    att, _, answers, _ = setup

    class Informal:   # the old duck-typed interface
        def top_k(self, att, test, k):
            return np.zeros((1, 0)), np.zeros((1, 0), np.int64)

    with pytest.raises(TypeError, match="subclass provenance.attribution.AttributionMethod"):
        att.query(answers, method=Informal(), k=3)
    with pytest.raises(ValueError, match="layer configure a method chosen by name"):
        att.query(answers, method=SignatureMethod("h_mean", 3), layer=2, k=3)


def test_cached_training_side_work_is_kept_per_key_and_cleared_on_request(setup):
    """`Attributor.cached` keeps one value per slot; `clear_cache` drops one slot or all, so the next call computes
    again (the cost benchmarks clear LoRA-gradient's slot each round to time its training side every time)."""
    from provenance.attribution.baselines import TRAIN_GRADIENTS_SLOT

    att = setup[0]
    calls = []
    compute = lambda tag: lambda: calls.append(tag) or tag   # noqa: E731
    assert att.cached("a", 1, compute("a1")) == "a1" and att.cached("a", 1, compute("again")) == "a1"
    assert att.cached("b", 1, compute("b1")) == "b1" and calls == ["a1", "b1"]
    att.clear_cache("a")
    assert att.cached("a", 1, compute("a2")) == "a2" and att.cached("b", 1, compute("no")) == "b1"
    att.clear_cache()
    assert att.cached("b", 1, compute("b2")) == "b2" and calls == ["a1", "b1", "a2", "b2"]
    att.clear_cache("never used")   # an unknown slot is no error
    # LoRA-gradient's training gradients live in TRAIN_GRADIENTS_SLOT: cleared, they are recomputed (same values).
    lora = LoraGradMethod(dim=64)
    first = att.query(setup[2], method=lora, k=3, snippet_chars=0, groups=False)
    held = att._cache[TRAIN_GRADIENTS_SLOT]
    att.clear_cache(TRAIN_GRADIENTS_SLOT)
    again = att.query(setup[2], method=lora, k=3, snippet_chars=0, groups=False)
    assert att._cache[TRAIN_GRADIENTS_SLOT] is not held
    np.testing.assert_allclose(again.scores, first.scores, atol=1e-6)
    assert again.rows.tolist() == first.rows.tolist()
