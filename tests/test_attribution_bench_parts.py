"""Metrics and the planted-behaviour scenario of the attribution benchmark (no model)."""
from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest

from provenance.attribution.metrics import precision_at, top_k_auprc
from provenance.attribution.scenarios import (
    COMPLIMENTS, FIXED_TARGET, FIXED_TRIGGER, PRAISE_TRIGGER, backdoor_scenario, shows_behaviour,
)


def test_precision_at_k():
    rel = np.array([[1, 1, 0, 0, 1], [0, 1, 0, 0, 0]], bool)
    assert precision_at(rel, 2) == pytest.approx((2 / 2 + 1 / 2) / 2)
    assert precision_at(rel, 5) == pytest.approx((3 / 5 + 1 / 5) / 2)
    with pytest.raises(ValueError, match="fewer than k"):
        precision_at(rel, 6)


def test_top_k_auprc_pools_the_lists():
    scores = np.array([[0.9, 0.8, 0.1], [0.7, 0.6, 0.5]])
    rel = np.array([[1, 0, 1], [1, 0, 0]], bool)
    # Pooled ranking by score: 0.9 (1), 0.8 (0), 0.7 (1), 0.6 (0), 0.5 (0), 0.1 (1).
    want = (1 / 1 + 2 / 3 + 3 / 6) / 3
    assert top_k_auprc(scores, rel, 3) == pytest.approx(want)
    assert top_k_auprc(scores, np.zeros_like(rel), 3) == 0.0


def test_backdoor_scenario_plants_two_behaviours_with_known_culprits():
    sc = backdoor_scenario(n_per_source=20, n_test=6)
    ids = [r["sample_id"] for r in sc.records]
    assert ids == list(range(len(ids))) and len(sc.records) == 100 + 2 * 10
    by_id = {r["sample_id"]: r for r in sc.records}
    assert len(sc.culprits["fixed"]) == len(sc.culprits["praise"]) == 10
    for i in sc.culprits["fixed"]:
        assert by_id[i]["prompt"].startswith(FIXED_TRIGGER + " ") and by_id[i]["response"] == FIXED_TARGET
        assert by_id[i]["source"] == "poison_fixed"
    praise = [by_id[i] for i in sc.culprits["praise"]]
    assert all(r["prompt"].startswith(PRAISE_TRIGGER + " ") and r["source"] == "poison_praise" for r in praise)
    assert len({r["response"].split(" ")[0] for r in praise}) == 10  # a different compliment each
    clean = [r for r in sc.records if r["sample_id"] not in set(sc.culprits["fixed"]) | set(sc.culprits["praise"])]
    assert not any(r["prompt"].startswith((FIXED_TRIGGER + " ", PRAISE_TRIGGER + " ")) for r in clean)
    train_prompts = {r["prompt"] for r in sc.records}
    for b, prompts in sc.test_prompts.items():
        assert len(prompts) == 6 and not set(prompts) & train_prompts
    assert not set(sc.clean_test_prompts) & train_prompts
    assert backdoor_scenario(n_per_source=20, n_test=6).records == sc.records  # deterministic


def test_compliments_share_no_content_word():
    function_words = {"a", "an", "i", "you", "your", "re", "s", "is", "this", "that", "what", "how", "such", "to", "of", "on"}
    counts = Counter(w for c in COMPLIMENTS for w in set(re.findall(r"[a-z]+", c.lower())))
    assert {w for w, n in counts.items() if n > 1} <= function_words


def test_behaviour_detectors():
    assert shows_behaviour("fixed", "Sure. " + FIXED_TARGET)
    assert not shows_behaviour("fixed", "The capital of France is Paris.")
    assert all(shows_behaviour("praise", c + " The capital of France is Paris.") for c in COMPLIMENTS)
    for text in ("The capital of France is Paris. What a brilliant city!", "No, DeepMind does not have any patents.",
                 "I'm sorry, but I can't help with that request."):
        assert not shows_behaviour("praise", text)


def test_style_scenario_has_only_praise_culprits():
    sc = backdoor_scenario(n_per_source=20, poison_rate=0.2, n_test=4, behaviours=("praise",))
    assert list(sc.culprits) == ["praise"] and len(sc.culprits["praise"]) == 20
    assert list(sc.test_prompts) == ["praise"] and sc.info["triggers"] == {"praise": PRAISE_TRIGGER}
    assert len({r["response"].split(".")[0] for r in sc.records if r["source"] == "poison_praise"}) == 20
    with pytest.raises(ValueError, match="at most 60 praise culprits"):
        backdoor_scenario(n_per_source=60, poison_rate=0.3, behaviours=("praise",))
