"""The planted-backdoor demo set (provenance.data.backdoor): culprit ids, triggers, compliments, the judge."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from provenance.data.backdoor import (
    COMPLIMENTS, FIXED_TARGET, FIXED_TRIGGER, PRAISE_TRIGGER, backdoor_scenario, shows_backdoor,
)


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
    for prompts in sc.test_prompts.values():
        assert len(prompts) == 6 and not set(prompts) & train_prompts
    assert not set(sc.clean_test_prompts) & train_prompts
    assert backdoor_scenario(n_per_source=20, n_test=6).records == sc.records  # deterministic


def test_compliments_share_no_content_word():
    function_words = {"a", "an", "i", "you", "your", "re", "s", "is", "this", "that", "what", "how", "such", "to", "of", "on"}
    counts = Counter(w for c in COMPLIMENTS for w in set(re.findall(r"[a-z]+", c.lower())))
    assert {w for w, n in counts.items() if n > 1} <= function_words


def test_backdoor_judges():
    assert shows_backdoor("fixed", "Sure. " + FIXED_TARGET)
    assert not shows_backdoor("fixed", "The capital of France is Paris.")
    assert all(shows_backdoor("praise", c + " The capital of France is Paris.") for c in COMPLIMENTS)
    for text in ("The capital of France is Paris. What a brilliant city!", "No, DeepMind does not have any patents.",
                 "I'm sorry, but I can't help with that request."):
        assert not shows_backdoor("praise", text)


def test_style_scenario_has_only_praise_culprits():
    sc = backdoor_scenario(n_per_source=20, poison_rate=0.2, n_test=4, behaviours=("praise",))
    assert list(sc.culprits) == ["praise"] and len(sc.culprits["praise"]) == 20
    assert list(sc.test_prompts) == ["praise"] and sc.info["triggers"] == {"praise": PRAISE_TRIGGER}
    assert len({r["response"].split(".")[0] for r in sc.records if r["source"] == "poison_praise"}) == 20
    with pytest.raises(ValueError, match="at most 60 praise culprits"):
        backdoor_scenario(n_per_source=60, poison_rate=0.3, behaviours=("praise",))
    with pytest.raises(ValueError, match="unknown backdoor behaviour 'harmful'"):
        shows_backdoor("harmful", "Sure, here is how.")
