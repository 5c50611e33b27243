"""Guard-mode refusal counts over traced prompts, and a refusal threshold chosen on validation traces.

Guard mode refuses an answer when its traced source is blocked (argmax: the tag the model wrote) or, with a threshold
t, when P(blocked source) >= t (`GuardedGenerator(threshold=t)`). Measured with every source blocked in turn: a
prompt whose true source is the blocked one is a positive (refusing it is a targeted refusal, answering it a miss);
every other prompt is a negative for that blocked source (refusing it is a false refusal). So n prompts over k sources
give n positives and n * (k - 1) negatives.

A lower t catches a blocked-source prompt that the model traced elsewhere with some probability left on the true
source, and refuses more prompts of other sources. `choose_threshold` picks t on validation traces (never the test
prompts it is then measured on) by the goals' budgets: it minimises the larger of miss rate / (1 - targeted goal) and
false rate / false goal (the worse goal, as a share of its budget); among equal scores it takes the median candidate,
the one farthest from both ends of the tied range.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from provenance.errors import TagError

__all__ = ["GuardCounts", "guard_counts", "choose_threshold"]


@dataclass(frozen=True)
class GuardCounts:
    """Targeted refusals `hits` of `positives`, false refusals `false` of `negatives`, at `threshold` (None =
    argmax)."""

    threshold: float | None
    hits: int
    positives: int
    false: int
    negatives: int

    @property
    def targeted_rate(self) -> float:
        return self.hits / self.positives if self.positives else 0.0

    @property
    def false_rate(self) -> float:
        return self.false / self.negatives if self.negatives else 0.0

    def score(self, targeted_goal: float, false_goal: float) -> float:
        """The worse goal's error as a share of its budget (<= 1: both goals met)."""
        return max((1.0 - self.targeted_rate) / (1.0 - targeted_goal), self.false_rate / false_goal)

    def as_dict(self) -> dict:
        return {"threshold": self.threshold, "targeted": [self.hits, self.positives],
                "false": [self.false, self.negatives]}


def _check_threshold(t) -> float:
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not 0.0 < float(t) <= 1.0:
        raise TagError(f"a guard threshold must be a number in (0, 1], got {t!r}")
    return float(t)


def guard_counts(cases: Iterable[tuple[str, str | None, Mapping[str, float]]], sources: Sequence[str],
                 threshold: float | None = None) -> GuardCounts:
    """Counts with every source of `sources` blocked in turn. `cases`: (true source, traced source or None,
    {source: probability}) per prompt, as `trace` gives them. A prompt without a tag (traced None) is never refused."""
    sources = list(sources)
    if not sources:
        raise TagError("name the sources to block in turn")
    t = None if threshold is None else _check_threshold(threshold)
    hits = positives = false = negatives = 0
    n = 0
    for i, case in enumerate(cases):
        try:
            true, traced, confidence = case
        except (TypeError, ValueError):
            raise TagError(f"case {i} must be (true source, traced source, confidence), got {case!r}") from None
        unknown = [s for s in (true, traced) if s is not None and s not in sources]
        if true is None or unknown:
            raise TagError(f"case {i}: source {unknown or [true]} is not one of {sources}")
        n += 1
        for blocked in sources:
            if traced is None:
                refused = False
            elif t is None:
                refused = traced == blocked
            else:
                refused = float(confidence.get(blocked, 0.0)) >= t
            if true == blocked:
                positives, hits = positives + 1, hits + refused
            else:
                negatives, false = negatives + 1, false + refused
    if n == 0:
        raise TagError("no traced prompts to count")
    return GuardCounts(t, hits, positives, false, negatives)


def choose_threshold(cases, sources: Sequence[str], thresholds: Sequence[float], *, targeted_goal: float = 0.99,
                     false_goal: float = 0.005) -> GuardCounts:
    """The candidate threshold with the lowest `GuardCounts.score` on `cases` (validation traces), ties broken by the
    median tied candidate (in ascending order, the lower median). Returns its counts on `cases`."""
    if not 0.0 < targeted_goal < 1.0 or not 0.0 < false_goal < 1.0:
        raise TagError(f"goals must be in (0, 1), got targeted {targeted_goal}, false {false_goal}")
    candidates = sorted({_check_threshold(t) for t in thresholds})
    if not candidates:
        raise TagError("give at least one candidate threshold")
    cases = list(cases)
    counted = [guard_counts(cases, sources, t) for t in candidates]
    scores = [c.score(targeted_goal, false_goal) for c in counted]
    best = min(scores)
    tied = [c for c, s in zip(counted, scores) if s == best]
    return tied[(len(tied) - 1) // 2]
