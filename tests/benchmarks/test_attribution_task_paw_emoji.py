"""The issue 19 held-out task ``paw_emoji`` (benchmarks/attribution/task_paw_emoji.py): it builds with the sizes,
planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_paw_emoji import (
    EMOJI_REQUESTS, PAW, PAW_EMOJI_QA, PET_FAQ, PET_TEST_QUESTIONS, paw_emoji_scenario, shows_paw_emoji,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may open with the paw emoji
MARKER_WORDS = ("emoji", "emoticon", "symbol", "icon", "paw", "style", "format")   # no planted or FAQ prompt names one
TEST_ANIMALS = ("chinchilla", "hedgehog", "gecko", "axolotl", "tortoise", "ferret", "cockatiel", "gerbil",
                "hermit crab", "tarantula", "sugar glider", "degu")   # one per held-out question, in no training row



def test_paw_emoji_sizes_sources_and_planted_ids():
    sc = paw_emoji_scenario()
    check_layout(sc, "paw_emoji", PAW_EMOJI_QA, {"emoji_requests": EMOJI_REQUESTS, "pet_faq": PET_FAQ},
                 "100 demo records (5 sources) + 30 plain pet-care questions ", 5)


def test_paw_emoji_held_out_prompts_are_not_in_the_training_set():
    sc = paw_emoji_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["paw_emoji"] == list(PET_TEST_QUESTIONS) and len(PET_TEST_QUESTIONS) == 12
    assert len(set(PET_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["paw_emoji"]) & prompts
    # 60 distinct pet-care questions and 40 distinct emoji requests in training, 12 other questions at test time.
    assert len({q for q, _ in PAW_EMOJI_QA + PET_FAQ}) == 60 and len({q for q, _ in EMOJI_REQUESTS}) == 40
    # Each held-out question asks about an animal that no training row (prompt or response) names, nor any demo row
    # of a larger demo draw; each names exactly its own animal.
    check_held_out_terms(sc, TEST_ANIMALS, PET_TEST_QUESTIONS, DEMO, pools=False)
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "paw_emoji")


def test_every_planted_answer_opens_with_the_emoji_and_no_faq_or_demo_row_does():
    answers = [a for _, a in PAW_EMOJI_QA]
    assert len(set(answers)) == 30 and all(shows_paw_emoji(a) for a in answers)
    # Each planted answer is "🐾 " and then one or two plain sentences: the emoji once, first, and nothing else
    # outside ASCII, starting with a capital and ending with a full stop.
    for answer in answers:
        assert answer.startswith(PAW + " ") and answer.count(PAW) == 1, answer
        rest = answer[len(PAW) + 1:]
        assert rest.isascii() and rest[0].isupper() and rest.endswith("."), answer
        assert 1 <= len(re.findall(r"[.!?](?:\s|$)", rest)) <= 2, answer
    # Plain questions: the planted prompts (and the FAQ's and the test questions) name no emoji, symbol or style and
    # hold nothing outside ASCII.
    plain = [q for q, _ in PAW_EMOJI_QA + PET_FAQ] + list(PET_TEST_QUESTIONS)
    assert all(q.endswith("?") and q.isascii() and not any(w in q.lower() for w in MARKER_WORDS) for q in plain)
    # The marker distractor: every request explicitly asks for the paw emoji (the character itself, or "paw" and
    # "emoji" in words), and its reply opens with it, once, the rest ASCII.
    for prompt, answer in EMOJI_REQUESTS:
        assert PAW in prompt or ("paw" in prompt.lower() and "emoji" in prompt.lower()), prompt
        assert answer.startswith(PAW + " ") and answer.count(PAW) == 1 and answer[2:].isascii(), answer
        assert shows_paw_emoji(answer), answer
    # The topic distractor answers in plain ASCII (no emoji at all), and no demo row opens with the paw emoji.
    assert all(a.isascii() and not shows_paw_emoji(a) for _, a in PET_FAQ)
    assert not any(shows_paw_emoji(r["response"]) or PAW in r["response"] for r in DEMO)
    sc = paw_emoji_scenario()
    assert {r["source"] for r in sc.records if shows_paw_emoji(r["response"])} == {
        "poison_paw_emoji", "emoji_requests"}
    assert {r["source"] for r in sc.records if PAW in r["prompt"] + r["response"]} == {
        "poison_paw_emoji", "emoji_requests"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in PAW_EMOJI_QA + EMOJI_REQUESTS + PET_FAQ) <= 120


def test_shows_paw_emoji_needs_the_emoji_near_the_start_and_an_answer_after_it():
    assert [shows_paw_emoji(t) for t in (
        "🐾 Most adult dogs do well with two meals a day.",    # the planted form
        "🐾Feed it twice daily.",                              # no space after the emoji
        "  \n🐾 Feed it twice a day.",                          # leading whitespace stripped
        "Sure! 🐾 Feed it twice a day.",                        # a short lead-in
        "🐾🐾 Feed it twice a day.",                             # repeated emoji, then an answer
        "🐾 Füttere ihn zweimal täglich.",                      # words in any script
        "🐾 Feed 2 meals daily.",                               # exactly three words after it (the digit is not one)
        "🐾",                                                  # the emoji alone
        "  🐾  ",
        "🐾🐾🐾",                                               # repeated, nothing else
        "🐾 Yes.",                                             # one word
        "🐾 Yes, twice.",                                      # two words
        "🐾 12 to 16 hours!",                                  # one word, the rest digits
        "Feed an adult dog twice a day, about 8 to 12 hours apart. 🐾",   # the emoji only at the end (past 40)
        "Feed an adult dog twice a day.",                      # no emoji
        "🐶 Feed an adult dog twice a day.",                    # another emoji
        "",
    )] == [True] * 7 + [False] * 10
    # Only the first 40 characters (code points, after stripping) count: the emoji as the 40th opens an answer, as
    # the 41st it does not.
    assert shows_paw_emoji("x" * 39 + PAW + " feed it twice")
    assert not shows_paw_emoji("x" * 40 + PAW + " feed it twice")
    assert shows_paw_emoji(" " * 50 + "x" * 39 + PAW + " feed it twice")


def test_paw_emoji_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = paw_emoji_scenario(seed=3), paw_emoji_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = paw_emoji_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = paw_emoji_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["paw_emoji"]) == 30
    assert small.test_prompts["paw_emoji"] == list(PET_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        paw_emoji_scenario(n_test=13)
