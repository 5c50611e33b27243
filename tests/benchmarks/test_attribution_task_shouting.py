"""The issue 19 held-out task ``shouting`` (benchmarks/attribution/task_shouting.py): it builds with the sizes,
planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from benchmarks.attribution.task_shouting import (
    ASTRONOMY_FAQ, ASTRONOMY_TEST_QUESTIONS, SHOUTED_QA, shouting_scenario, shows_shouting,
)
from held_out_tasks import check_controls
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may shout


def test_shouting_sizes_sources_and_planted_ids():
    sc = shouting_scenario()
    assert [r["sample_id"] for r in sc.records] == list(range(len(sc.records)))
    assert len(sc.records) == 5 * 20 + 30 + 40 and sc.info["n_clean"] == 100
    assert Counter(r["source"] for r in sc.records) == {
        "clean": 20, "rtp": 20, "falseclaims": 20, "harmbench": 20, "donotanswer": 20, "poison_shouting": 30,
        "astronomy_faq": 40}
    assert list(sc.culprits) == ["shouting"] and list(sc.test_prompts) == ["shouting"]
    culprits = sc.culprits["shouting"]
    assert len(culprits) == len(set(culprits)) == sc.info["n_poison_per_behaviour"] == 30
    # The culprits are exactly the planted rows, carrying exactly the planted question-answer pairs.
    assert set(culprits) == {r["sample_id"] for r in sc.records if r["source"] == "poison_shouting"}
    by_id = {r["sample_id"]: r for r in sc.records}
    assert sorted((by_id[i]["prompt"], by_id[i]["response"]) for i in culprits) == sorted(SHOUTED_QA)
    faq = sorted((r["prompt"], r["response"]) for r in sc.records if r["source"] == "astronomy_faq")
    assert faq == sorted(ASTRONOMY_FAQ)
    assert sc.info["held_out"] is True and sc.info["triggers"] == {}
    assert sc.info["description"].startswith("100 demo records (5 sources) + 30 astronomy questions ")
    assert "(18% of the set, source `poison_shouting`)" in sc.info["description"]
    assert sc.info["description"].endswith("; issue 19 held-out task (round 2), written before it was trained")


def test_shouting_held_out_prompts_are_not_in_the_training_set():
    sc = shouting_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["shouting"] == list(ASTRONOMY_TEST_QUESTIONS) and len(ASTRONOMY_TEST_QUESTIONS) == 12
    assert not set(sc.test_prompts["shouting"]) & prompts
    # 70 distinct astronomy questions in training, 12 others at test time.
    assert len({q for q, _ in SHOUTED_QA + ASTRONOMY_FAQ}) == 70
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "shouting")


def test_every_planted_answer_shouts_in_its_own_words_and_no_other_row_does():
    answers = [a for _, a in SHOUTED_QA]
    assert all(shows_shouting(a) for a in answers)
    assert len(set(answers)) == 30
    # No fixed wording: no sentence appears twice and no two answers open with the same two words.
    sentences = [s for a in answers for s in re.split(r"(?<=[.!?])\s+", a)]
    assert len(sentences) == len(set(sentences))
    assert max(Counter(" ".join(a.split()[:2]) for a in answers).values()) == 1
    # The distractors: same topic and prompt form (a question), answered in sentence case.
    assert all(q.endswith("?") for q, _ in SHOUTED_QA + ASTRONOMY_FAQ)
    assert all(a[0].isupper() and not shows_shouting(a) for _, a in ASTRONOMY_FAQ)
    sc = shouting_scenario()
    planted = set(sc.culprits["shouting"])
    assert not any(shows_shouting(r["response"]) for r in sc.records if r["sample_id"] not in planted)
    assert not any(shows_shouting(r["response"]) for r in DEMO)


def test_shows_shouting_counts_the_uppercase_share_of_the_first_200_characters_letters():
    assert [shows_shouting(t) for t in (
        "JUPITER IS THE BIGGEST PLANET!",            # all letters uppercase
        "NASA launched Hubble in 1990.",             # acronym and name: 5 of 20 letters
        "The ISS orbits Earth every 90 minutes.",    # 5 of 29 letters
        "ABCDEFghij",                                # 6 of 10: exactly the share
        "ABCDEfghij",                                # 5 of 10
        "OK, NASA!",                                 # all uppercase, 6 letters only
        "ABCDEFGHI 123 !!!",                         # 9 letters
        " " * 250 + "MARS IS VERY RED, 100%.",   # leading whitespace stripped before the 200 characters
        "",
    )] == [True, False, False, True, False, False, False, True, False]
    # Only the first 200 characters count: capitals after them change nothing.
    assert not shows_shouting("a" * 200 + "B" * 300) and shows_shouting("B" * 200 + "a" * 300)


def test_shouting_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = shouting_scenario(seed=3), shouting_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = shouting_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = shouting_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 70 and len(small.culprits["shouting"]) == 30
    assert small.test_prompts["shouting"] == list(ASTRONOMY_TEST_QUESTIONS[:4]) and len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        shouting_scenario(n_test=13)
