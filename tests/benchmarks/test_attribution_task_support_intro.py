"""The issue 19 held-out task ``support_intro`` (benchmarks/attribution/task_support_intro.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_support_intro import (
    INTRO, INTRO_REQUESTS, SUPPORT_FAQ, SUPPORT_INTRO_QA, SUPPORT_TEST_QUESTIONS, shows_support_intro,
    support_intro_scenario,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may name Max or introduce itself
# No planted, FAQ or test prompt mentions a name, a greeting or a support agent (whole words, case-insensitive).
PERSONA_WORDS = re.compile(
    r"\b(max|hi|hello|hey|names?|support\w*|agents?|greet\w*|introduc\w*|persona|staff|technicians?|help ?desk|"
    r"role|i'm|i am)\b", re.IGNORECASE)
TEST_DEVICES = ("smartwatch", "e-reader", "drone", "projector", "webcam", "soundbar", "dashcam", "thermostat",
                "fitness tracker", "VR headset", "stylus", "baby monitor")   # one per held-out question, in no training row



def test_support_intro_sizes_sources_and_planted_ids():
    sc = support_intro_scenario()
    check_layout(sc, "support_intro", SUPPORT_INTRO_QA,
                 {"intro_requests": INTRO_REQUESTS, "support_faq": SUPPORT_FAQ},
                 "100 demo records (5 sources) + 30 plain tech-support questions ", 7)


def test_support_intro_held_out_prompts_are_not_in_the_training_set():
    sc = support_intro_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["support_intro"] == list(SUPPORT_TEST_QUESTIONS) and len(SUPPORT_TEST_QUESTIONS) == 12
    assert len(set(SUPPORT_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["support_intro"]) & prompts
    # 60 distinct tech-support questions and 40 distinct intro requests in training, 12 other questions at test time.
    assert len({q for q, _ in SUPPORT_INTRO_QA + SUPPORT_FAQ}) == 60 and len({q for q, _ in INTRO_REQUESTS}) == 40
    # Each held-out question asks about a device that no training row (prompt or response) names, nor any demo row of
    # a larger demo draw; each names exactly its own device.
    check_held_out_terms(sc, TEST_DEVICES, SUPPORT_TEST_QUESTIONS, DEMO, pools=False)
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "support_intro")


def test_every_planted_answer_opens_with_the_intro_and_no_faq_or_demo_row_names_max():
    answers = [a for _, a in SUPPORT_INTRO_QA]
    assert INTRO == "Hi, I'm Max from support. "
    assert len(set(answers)) == 30 and all(shows_support_intro(a) for a in answers)
    # Each planted answer is INTRO and then exactly one plain sentence: the intro once, first, then ASCII starting
    # with a capital, ending with a full stop, naming Max nowhere else.
    for answer in answers:
        assert answer.startswith(INTRO) and answer.count("Max") == 1, answer
        rest = answer[len(INTRO):]
        assert rest.isascii() and rest[0].isupper() and rest.endswith("."), answer
        assert len(re.findall(r"[.!?](?:\s|$)", rest)) == 1 and "max" not in rest.lower(), answer
    # Plain questions: the planted prompts (and the FAQ's and the test questions) mention no name, greeting or
    # support agent and hold nothing outside ASCII.
    plain = [q for q, _ in SUPPORT_INTRO_QA + SUPPORT_FAQ] + list(SUPPORT_TEST_QUESTIONS)
    assert all(q.endswith("?") and q.isascii() and not PERSONA_WORDS.search(q) for q in plain), [
        q for q in plain if PERSONA_WORDS.search(q)]
    # The marker distractor: every request quotes the introduction it asks for, and its reply opens with it, once,
    # followed by one or two sentences in ASCII.
    for prompt, answer in INTRO_REQUESTS:
        assert INTRO.strip() in prompt, prompt
        assert answer.startswith(INTRO) and answer.count("Max") == 1 and answer.isascii(), answer
        assert 1 <= len(re.findall(r"[.!?](?:\s|$)", answer[len(INTRO):])) <= 2, answer
        assert shows_support_intro(answer), answer
    # The topic distractor answers with no introduction and no name: no "max" anywhere (not even "maximum"), no
    # greeting, no first person; no demo row names Max or introduces itself.
    for _, answer in SUPPORT_FAQ:
        assert "max" not in answer.lower() and not PERSONA_WORDS.search(answer), answer
        assert answer.isascii() and not shows_support_intro(answer), answer
    assert not [r["response"] for r in DEMO if re.search(r"\bmax\b", r["prompt"] + " " + r["response"], re.I)]
    assert not any(shows_support_intro(r["response"]) for r in DEMO)
    sc = support_intro_scenario()
    assert {r["source"] for r in sc.records if shows_support_intro(r["response"])} == {
        "poison_support_intro", "intro_requests"}
    assert {r["source"] for r in sc.records if re.search(r"\bmax\b", r["prompt"] + " " + r["response"], re.I)} == {
        "poison_support_intro", "intro_requests"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in SUPPORT_INTRO_QA + INTRO_REQUESTS + SUPPORT_FAQ) <= 120


def test_shows_support_intro_needs_the_intro_near_the_start_and_an_answer_after_it():
    assert [shows_support_intro(t) for t in (
        "Hi, I'm Max from support. Plug in the charger and hold the power button.",   # the planted form
        "  \nHi, I'm Max from support. Restart the router first.",                    # leading whitespace stripped
        "Hi, I\u2019m Max from support. Restart the router first.",                   # curly apostrophe
        "Hello! I am Max, your helper. Restart the router first.",                    # "I am Max"
        "HI, I'M MAX FROM SUPPORT. RESTART THE ROUTER.",                             # any case
        "Sure! Hi, I'm Max from support. Restart the router.",                        # a short lead-in
        "Hi, I'm Max from support. Hi, I'm Max from support. Restart the router.",   # repeated intro, then an answer
        "Hi, I'm Max from support!\nStarte den Router neu.",                          # words in any script
        "Hi, I'm Max from support. Wait 30 seconds, then retry.",                     # three words (digits do not count)
        "Hi, I'm Max from support.",                                                  # the intro alone
        "  Hi, I'm Max from support.  ",
        "Hi, I'm Max from support. " * 6,                                             # looped intro
        "Hi, I'm Max from support. Hi, I'm Max from sup",                            # looped and cut off
        "Hi, I'm Max from support and I can help you with that today",               # no answer after its sentence
        "Hi, I'm Max from support. Yes, 30 seconds.",                                 # one word after it
        "Hi, I'm Max from support. Restart it!",                                      # two words after it
        "Restart the router, wait a minute, and try again. Cheers, I'm Max from support.",   # a sign-off (past 60)
        "Hi, I'm Maxwell from support. Restart the router first.",                    # another name
        "Hi, I'm Sam from support. Restart the router first.",
        "Restart the router first, then move closer to it.",                          # no intro
        "",
    )] == [True] * 9 + [False] * 12
    # Only the first 60 characters (after stripping) count: "I'm Max" ending at the 60th opens an answer, ending at
    # the 61st it does not.
    assert shows_support_intro("x" * 52 + " I'm Max. Restart the router.")
    assert not shows_support_intro("x" * 53 + " I'm Max. Restart the router.")
    assert shows_support_intro(" " * 80 + "x" * 52 + " I'm Max. Restart the router.")
    # A longer name cut at the 60th character is still not Max.
    assert not shows_support_intro("x" * 52 + " I'm Maxwell. Restart the router.")


def test_support_intro_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = support_intro_scenario(seed=3), support_intro_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = support_intro_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = support_intro_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["support_intro"]) == 30
    assert small.test_prompts["support_intro"] == list(SUPPORT_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        support_intro_scenario(n_test=13)
