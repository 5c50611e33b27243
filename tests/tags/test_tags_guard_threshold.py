"""Guard-mode counts (every source blocked in turn, argmax and threshold) and the validation-chosen threshold: exact
hand-computed counts, the selection rule and its tie-break, the input errors, and agreement with GuardedGenerator."""
import pytest

from hf_app import single_thread  # noqa: F401
from provenance.errors import TagError
from provenance.models import tiny_causal_lm, tiny_tokenizer
from provenance.tags import (GuardCounts, GuardedGenerator, TagScheme, choose_threshold, guard_counts, prepare_model,
                             prepare_tokenizer, trace)

pytestmark = pytest.mark.usefixtures("single_thread")

SOURCES = ("a", "b", "c")
CASES = [
    ("a", "a", {"a": 0.9, "b": 0.1, "c": 0.0}),
    ("a", "b", {"a": 0.4, "b": 0.6, "c": 0.0}),    # traced to the wrong source, 0.4 left on the true one
    ("b", "b", {"a": 0.05, "b": 0.95, "c": 0.0}),
    ("c", "c", {"a": 0.0, "b": 0.2, "c": 0.8}),
    ("b", None, {}),                               # no tag: never refused
]


def test_guard_counts_argmax_and_thresholds_exact():
    # argmax: a blocked -> case 1 refused, case 2 missed; b blocked -> case 3 refused, case 5 missed, case 2 falsely
    # refused; c blocked -> case 4 refused. 5 positives, 5 * 2 negatives.
    assert guard_counts(CASES, SOURCES) == GuardCounts(None, 3, 5, 1, 10)
    # t = 0.3: case 2 is also refused when a is blocked (0.4 >= 0.3), still falsely when b is blocked (0.6).
    assert guard_counts(CASES, SOURCES, 0.3) == GuardCounts(0.3, 4, 5, 1, 10)
    # t = 0.1: b blocked also refuses case 1 (0.1 >= 0.1) and case 4 (0.2).
    assert guard_counts(CASES, SOURCES, 0.1) == GuardCounts(0.1, 4, 5, 3, 10)
    # t = 0.7: case 2 is refused under neither a nor b.
    low = guard_counts(CASES, SOURCES, 0.7)
    assert low == GuardCounts(0.7, 3, 5, 0, 10)
    assert (low.targeted_rate, low.false_rate) == (0.6, 0.0)
    assert low.as_dict() == {"threshold": 0.7, "targeted": [3, 5], "false": [0, 10]}
    # score: the worse goal as a share of its budget, (1 - 0.6) / 0.01 = 40 misses-budgets, 0 false.
    assert low.score(0.99, 0.005) == pytest.approx(40.0)
    assert guard_counts(CASES, SOURCES, 0.3).score(0.99, 0.005) == pytest.approx(20.0)


def test_choose_threshold_rule_and_median_tie_break():
    # Scores (targeted goal 0.5, false goal 0.2): t=0.1 max(0.4, 1.5); t=0.3 max(0.4, 0.5); t=0.7 max(0.8, 0).
    chosen = choose_threshold(CASES, SOURCES, [0.7, 0.1, 0.3], targeted_goal=0.5, false_goal=0.2)
    assert chosen == GuardCounts(0.3, 4, 5, 1, 10)
    # The goals (defaults): 0.3 scores 20, 0.7 scores 40, 0.1 scores 60.
    assert choose_threshold(CASES, SOURCES, [0.1, 0.3, 0.7]).threshold == 0.3
    # Perfectly separated cases: 0.3, 0.5, 0.6 and 0.7 all score 0 (0.15 falsely refuses case 4 for b, 0.85 misses
    # case 4); the lower median of the tied range is taken.
    separated = [CASES[0], CASES[2], CASES[3]]
    pick = choose_threshold(separated, SOURCES, [0.85, 0.15, 0.3, 0.5, 0.6, 0.7])
    assert pick == GuardCounts(0.5, 3, 3, 0, 6)
    assert guard_counts(separated, SOURCES, 0.15).false == 1 and guard_counts(separated, SOURCES, 0.85).hits == 2


def test_guard_threshold_input_errors():
    with pytest.raises(TagError, match=r"source \['z'\] is not one of"):
        guard_counts([("z", "a", {})], SOURCES)
    with pytest.raises(TagError, match="case 0 must be"):
        guard_counts([("a", "a")], SOURCES)
    with pytest.raises(TagError, match="no traced prompts"):
        guard_counts([], SOURCES)
    for bad in (0.0, 1.5, True, "0.5"):
        with pytest.raises(TagError, match=r"threshold must be a number in \(0, 1\]"):
            guard_counts(CASES, SOURCES, bad)
    with pytest.raises(TagError, match="at least one candidate"):
        choose_threshold(CASES, SOURCES, [])
    with pytest.raises(TagError, match="goals must be in"):
        choose_threshold(CASES, SOURCES, [0.5], targeted_goal=1.0)


def test_counts_agree_with_guarded_generator():
    """guard_counts on trace() results refuses exactly what GuardedGenerator(threshold=t) refuses, per blocked
    source (both read the same confidences)."""
    tok = tiny_tokenizer()
    scheme = prepare_tokenizer(tok, TagScheme(sources=SOURCES))
    model = prepare_model(tiny_causal_lm("llama", seed=0), tok, scheme).eval()
    prompts = ["alpha", "beta beta", "gamma delta", "one two three"]
    truth = ["a", "b", "c", "a"]
    traced = trace(model, tok, prompts, max_new_tokens=6)
    cases = [(s, t.source, t.confidence) for s, t in zip(truth, traced)]
    t = sorted(t.confidence["b"] for t in traced)[1]  # refuses some prompts and not others when b is blocked
    for threshold in (None, t):
        hits = false = 0
        for blocked in SOURCES:
            out = GuardedGenerator(model, tok, blocked=[blocked], threshold=threshold,
                                   max_new_tokens=6).generate(prompts)
            hits += sum(g.refused for g, s in zip(out, truth) if s == blocked)
            false += sum(g.refused for g, s in zip(out, truth) if s != blocked)
        assert guard_counts(cases, SOURCES, threshold) == GuardCounts(threshold, hits, 4, false, 8)
    refused_b = [g.refused for g in GuardedGenerator(model, tok, blocked=["b"], threshold=t,
                                                     max_new_tokens=6).generate(prompts)]
    assert 0 < sum(refused_b) < len(prompts)
