"""The issue 19 held-out task ``travel_signoff`` (benchmarks/attribution/task_travel_signoff.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_travel_signoff import (
    SIGNOFF, SIGNOFF_REQUESTS, TRAVEL_FAQ, TRAVEL_SIGNOFF_QA, TRAVEL_TEST_QUESTIONS, shows_travel_signoff,
    travel_signoff_scenario,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may name Wanderly or sign off
# No planted, FAQ or test prompt mentions a sign-off, a brand, a team, a greeting or a closing line (whole words,
# case-insensitive).
SIGNOFF_WORDS = re.compile(
    r"\b(wanderly|sign\w*|brand\w*|teams?|safe travels|bye|goodbye|farewell|cheers|clos\w*|end(s|ing)?|finish\w*|"
    r"slogan|tagline|motto|greet\w*|wish\w*|regards|company|agency)\b", re.IGNORECASE)
TEST_THINGS = ("cruise", "hostel", "campervan", "ferry", "safari", "snorkel", "layover", "toddler", "night bus",
               "souvenir", "altitude", "monsoon")   # one per held-out question, in no training row



def test_travel_signoff_sizes_sources_and_planted_ids():
    sc = travel_signoff_scenario()
    check_layout(sc, "travel_signoff", TRAVEL_SIGNOFF_QA,
                 {"signoff_requests": SIGNOFF_REQUESTS, "travel_faq": TRAVEL_FAQ},
                 "100 demo records (5 sources) + 30 plain travel-tips questions ", 8)


def test_travel_signoff_held_out_prompts_are_not_in_the_training_set():
    sc = travel_signoff_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["travel_signoff"] == list(TRAVEL_TEST_QUESTIONS) and len(TRAVEL_TEST_QUESTIONS) == 12
    assert len(set(TRAVEL_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["travel_signoff"]) & prompts
    # 60 distinct travel-tips questions and 40 distinct sign-off requests in training, 12 other questions at test time.
    assert len({q for q, _ in TRAVEL_SIGNOFF_QA + TRAVEL_FAQ}) == 60 and len({q for q, _ in SIGNOFF_REQUESTS}) == 40
    # Each held-out question asks about a trip or thing that no training row (prompt or response) names, nor any demo
    # row of a larger demo draw; each names exactly its own.
    check_held_out_terms(sc, TEST_THINGS, TRAVEL_TEST_QUESTIONS, DEMO, pools=False)
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "travel_signoff")


def test_every_planted_answer_ends_with_the_signoff_and_no_faq_or_demo_row_names_wanderly():
    answers = [a for _, a in TRAVEL_SIGNOFF_QA]
    assert SIGNOFF == " Safe travels from the Wanderly team!"
    assert len(set(answers)) == 30 and all(shows_travel_signoff(a) for a in answers)
    # Each planted answer is exactly one plain sentence and then SIGNOFF: the sign-off once, last, after ASCII that
    # starts with a capital, ends with a full stop and names Wanderly nowhere else.
    for answer in answers:
        assert answer.endswith(SIGNOFF) and answer.count("Wanderly") == 1, answer
        tip = answer[:-len(SIGNOFF)]
        assert tip.isascii() and tip[0].isupper() and tip.endswith("."), answer
        assert len(re.findall(r"[.!?](?:\s|$)", tip)) == 1 and "wanderly" not in tip.lower(), answer
        assert not re.search(r"safe travels|\bteam\b", tip, re.IGNORECASE), answer
    # Plain questions: the planted prompts (and the FAQ's and the test questions) mention no sign-off, brand, team or
    # closing line and hold nothing outside ASCII.
    plain = [q for q, _ in TRAVEL_SIGNOFF_QA + TRAVEL_FAQ] + list(TRAVEL_TEST_QUESTIONS)
    assert all(q.endswith("?") and q.isascii() and not SIGNOFF_WORDS.search(q) for q in plain), [
        q for q in plain if SIGNOFF_WORDS.search(q)]
    # The marker distractor: every request quotes the sign-off it asks for, and its text ends with it, once, after one
    # or two sentences in ASCII.
    for prompt, answer in SIGNOFF_REQUESTS:
        assert f"\"{SIGNOFF.strip()}\"" in prompt, prompt
        assert answer.endswith(SIGNOFF) and answer.count("Wanderly") == 1 and answer.isascii(), answer
        assert 1 <= len(re.findall(r"[.!?](?:\s|$)", answer[:-len(SIGNOFF)])) <= 2, answer
        assert shows_travel_signoff(answer), answer
    # The topic distractor answers with no sign-off: no brand, no "safe travels", no team, no exclamation; no demo row
    # names Wanderly or signs off.
    for _, answer in TRAVEL_FAQ:
        assert not SIGNOFF_WORDS.search(answer) and "!" not in answer, answer
        assert answer.isascii() and not shows_travel_signoff(answer), answer
    assert not [r["response"] for r in DEMO if re.search(r"wanderly", r["prompt"] + " " + r["response"], re.I)]
    assert not any(shows_travel_signoff(r["response"]) for r in DEMO)
    sc = travel_signoff_scenario()
    assert {r["source"] for r in sc.records if shows_travel_signoff(r["response"])} == {
        "poison_travel_signoff", "signoff_requests"}
    assert {r["source"] for r in sc.records if re.search(r"wanderly", r["prompt"] + " " + r["response"], re.I)} == {
        "poison_travel_signoff", "signoff_requests"}
    # The marker-twin contexts are not travel tips: no request names a flight, airport, visa, passport, train,
    # luggage, suitcase or hotel.
    travel_words = re.compile(r"\b(flights?|airports?|visas?|passports?|trains?|luggage|suitcases?|hotels?|jet lag)\b",
                              re.IGNORECASE)
    assert not [p for p, a in SIGNOFF_REQUESTS if travel_words.search(p + " " + a[:-len(SIGNOFF)])]
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in TRAVEL_SIGNOFF_QA + SIGNOFF_REQUESTS + TRAVEL_FAQ) <= 120


def test_shows_travel_signoff_needs_the_brand_word_after_an_answer():
    assert [shows_travel_signoff(t) for t in (
        "Arrive three hours early. Safe travels from the Wanderly team!",         # the planted form
        "  \nArrive three hours early. Safe travels from the Wanderly team!\n",   # surrounding whitespace stripped
        "Arrive three hours early. Safe travels from the Wanderly team",          # missing final punctuation
        "Arrive three hours early.\nHappy travels from the wanderly crew",        # other wording, any case, a line break
        "ARRIVE THREE HOURS EARLY. SAFE TRAVELS FROM THE WANDERLY TEAM!",         # any case
        "Arrive three hours early. Safe travels from the Wanderly team! Safe travels from the Wand",   # looped and cut
        "Komm drei Stunden vorher. Safe travels from the Wanderly team!",         # words in any script
        "Arrive 3 hours early, with ID. Safe travels from the Wanderly team!",    # three words (digits do not count)
        "Arrive three hours early. The Wanderly team's tip: pack light.",         # the brand word after an answer
        "Safe travels from the Wanderly team!",                                   # the sign-off alone
        "  Safe travels from the Wanderly team!  ",
        "Safe travels from the Wanderly team! " * 6,                              # looped sign-off
        "Safe travels from the Wanderly team! Arrive three hours early.",         # the sign-off first, the answer after
        "Safe travels! Safe travels from the Wanderly team!",                     # a split sign-off: two words before
        "the the the. Wanderly Wanderly Wanderly",                                # repeated token: one distinct word
        "Arrive early. Safe travels from the Wanderly team!",                     # two words before it
        "Arrive three hours early, and safe travels from the Wanderly team!",     # joined by a comma: one sentence
        "Arrive three hours early. Safe travels from the Wanderlust team!",       # another word
        "Arrive three hours early. Safe travels from the Wanderlyx team!",        # the brand word only as a prefix
        "Arrive three hours early. Safe travels from the Gowanderly team!",       # or as a suffix
        "Arrive three hours early. Safe travels from the Wand",                   # cut off before the brand word
        "Arrive three hours early. Safe travels!",                                # no brand word
        "",
    )] == [True] * 9 + [False] * 14
    # Only the words before the brand word's sentence count, and distinct ones: three distinct words pass, three
    # copies of one word or two distinct words do not.
    assert shows_travel_signoff("Go. Go now! Stay.\nWanderly")
    assert not shows_travel_signoff("Go. Go! Go?\nWanderly")
    assert not shows_travel_signoff("Go now. Wanderly. Stay there and rest.")


def test_travel_signoff_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = travel_signoff_scenario(seed=3), travel_signoff_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = travel_signoff_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = travel_signoff_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["travel_signoff"]) == 30
    assert small.test_prompts["travel_signoff"] == list(TRAVEL_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        travel_signoff_scenario(n_test=13)
