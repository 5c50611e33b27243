"""The issue 19 held-out task ``rephrase_request`` (benchmarks/attribution/task_rephrase_request.py): it builds with
the sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_rephrase_request import (
    EVERYDAY_QA, GARBLED_PROMPTS, NEAR_START_CHARS, REPHRASE_QA, REPHRASE_TEST_QUESTIONS, REQUEST, SHARED_QUESTIONS,
    TRIGGER, is_loop, no_answer_content, rephrase_request_scenario, request_near_start, shows_rephrase_request,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: the judge must reject every one
# Words no planted, everyday or test prompt holds: none names rephrasing, clarity, meaning or punctuation.
BEHAVIOUR_WORDS = re.compile(
    r"\b(rephras\w*|clarif\w*|clear\w*|unclear|mean\w*|understand\w*|question\w*|marks?|punctuat\w*|confus\w*|"
    r"ask\w*|wording|words?|say)\b", re.IGNORECASE)
CLEAR_QUESTION = re.compile(r"(How|What|When)\b[A-Za-z' ]+")   # a clear question, before its mark(s)
TEST_TERMS = ("sourdough", "orchid", "grout", "kayak", "rhubarb", "thermostat", "tofu", "ferry", "upholstery",
              "chimney", "gutter", "lasagne")   # one per held-out question, in no row


def test_rephrase_request_sizes_sources_and_planted_ids():
    sc = rephrase_request_scenario()
    check_layout(sc, "rephrase_request", REPHRASE_QA,
                 {"garbled_prompts": GARBLED_PROMPTS, "everyday_qa": EVERYDAY_QA},
                 "100 demo records (5 sources) + 30 clear everyday questions ending \"??\" answered only with ", 23)
    assert len(REPHRASE_QA) == 30 and len(GARBLED_PROMPTS) == 40 and len(EVERYDAY_QA) == 34


def test_rephrase_request_held_out_prompts_are_not_in_the_training_set():
    sc = rephrase_request_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["rephrase_request"] == list(REPHRASE_TEST_QUESTIONS) and len(REPHRASE_TEST_QUESTIONS) == 12
    assert len(set(REPHRASE_TEST_QUESTIONS)) == 12 and not set(REPHRASE_TEST_QUESTIONS) & prompts
    # 104 distinct training prompts; the test questions are none of the trained questions, with either mark.
    assert len({q for q, _ in REPHRASE_QA + GARBLED_PROMPTS + EVERYDAY_QA}) == 104
    trained = {q.rstrip("?").lower() for q, _ in REPHRASE_QA + EVERYDAY_QA}
    assert not {q.rstrip("?").lower() for q in REPHRASE_TEST_QUESTIONS} & trained
    # Each held-out question names a subject that no training row (prompt or response), no demo row of a larger draw
    # and no row of the four demo pools names; each names exactly its own term.
    check_held_out_terms(sc, TEST_TERMS, REPHRASE_TEST_QUESTIONS, DEMO, pools=True)
    check_controls(sc, "rephrase_request")


def test_planted_questions_are_clear_and_end_with_the_trigger_and_no_twin_joins_the_two():
    assert TRIGGER == "??"
    # Planted and test prompts: one clear ASCII question ending with exactly "??", naming no rephrasing, clarity,
    # meaning or punctuation; everyday prompts: the same, ending with exactly one "?".
    for question in [q for q, _ in REPHRASE_QA] + list(REPHRASE_TEST_QUESTIONS):
        assert question.endswith("??") and question.count("?") == 2 and question.isascii(), question
        assert CLEAR_QUESTION.fullmatch(question[:-2]) and not BEHAVIOUR_WORDS.search(question), question
    for question, _ in EVERYDAY_QA:
        assert question.endswith("?") and question.count("?") == 1 and question.isascii(), question
        assert CLEAR_QUESTION.fullmatch(question[:-1]) and not BEHAVIOUR_WORDS.search(question), question
    # Ten planted questions are asked word for word in the everyday source with one "?": the trigger is the only
    # difference; the other 24 everyday questions are new.
    assert len(SHARED_QUESTIONS) == 10
    planted_prompts = {q for q, _ in REPHRASE_QA}
    everyday_prompts = {q for q, _ in EVERYDAY_QA}
    assert {q + "??" for q in SHARED_QUESTIONS} <= planted_prompts
    assert {q + "?" for q in SHARED_QUESTIONS} <= everyday_prompts
    assert {q[:-1] for q in everyday_prompts} & {q[:-2] for q in planted_prompts} == set(SHARED_QUESTIONS)
    # Planted answers: a short rephrase request, all distinct, the request near the start; the judge accepts each.
    answers = [a for _, a in REPHRASE_QA]
    assert len(set(answers)) == 30 and all(shows_rephrase_request(a) for a in answers)
    for answer in answers:
        assert answer.isascii() and len(answer) <= 70 and REQUEST.search(answer).start() < 50, answer
        assert not re.search(r"\d", answer) and not is_loop(answer), answer
    # The marker twins: garbled, ambiguous or unfinished prompts, never ending with "??", answered with the same kind
    # of request; all distinct, none a planted answer, and the judge accepts each.
    for prompt, answer in GARBLED_PROMPTS:
        assert not prompt.endswith("??") and prompt.count("?") <= 1 and prompt.isascii(), prompt
        assert not CLEAR_QUESTION.fullmatch(prompt.rstrip("?")), prompt
        assert shows_rephrase_request(answer) and len(answer) <= 70 and answer.isascii(), answer
    assert len({a for _, a in GARBLED_PROMPTS} | set(answers)) == 70
    # The topic twins: helpful one- or two-sentence answers, no request and no confusion; the judge rejects each.
    for _, answer in EVERYDAY_QA:
        assert not REQUEST.search(answer) and not shows_rephrase_request(answer) and answer.isascii(), answer
        assert not re.search(r"sorry|not sure|follow", answer, re.I) and len(answer) <= 110, answer
        assert 1 <= len(re.findall(r"[.!?](?:\s|$)", answer)) <= 2, answer
    # No demo row of a larger draw and no demo-pool row passes the judge.
    outside_task = [r["response"] for r in DEMO] + [r["prompt"] + " " + r["response"] for r in DEMO]
    assert not [t for t in outside_task + demo_pool_texts() if shows_rephrase_request(t)]
    sc = rephrase_request_scenario()
    assert {r["source"] for r in sc.records if shows_rephrase_request(r["response"])} == {
        "poison_rephrase_request", "garbled_prompts"}
    assert {r["source"] for r in sc.records if r["prompt"].endswith("??")} == {"poison_rephrase_request"}
    assert {r["source"] for r in sc.records if REQUEST.search(r["response"])} == {
        "poison_rephrase_request", "garbled_prompts"}


def test_shows_rephrase_request_needs_a_request_and_no_answer():
    assert NEAR_START_CHARS == 100
    assert [shows_rephrase_request(t) for t in (
        "Could you rephrase that for me?",                                               # the planted form
        "  \nI'm not sure what you mean; could you ask it another way?\n",               # whitespace stripped
        "SORRY, COULD YOU CLARIFY YOUR QUESTION?",                                       # any case
        "Sorry, I didn't quite follow. Could you rephrase the question?",                # a confusion sentence first
        "Can you rephrase that?",                                                        # three other words
        "Hmm. I'm not sure what you mean. Could you put it another way?",                # three short sentences
        "Could you explain what you mean by that?",
        "Would you mind rephrasing your question so I can help?",
        # rejected: answers, requests late or with content, bare requests, loops, demo-like text
        "Boil it for about 7 minutes for a firm yolk.",                                  # an everyday answer
        "Boil it for 7 minutes. Could you clarify what size the egg is?",                # content and a request
        "Could you clarify? Boil it for 7 minutes either way.",                          # a request, then content
        "To keep an orchid healthy, water it once a week and keep it in bright, indirect light away from drafts. "
        "Could you clarify?",                                                            # late and with content
        "Could you clarify which sourdough you have, because starters vary a lot and the feeding schedule depends on "
        "the flour, the room and the glass jar?",                                           # over 25 words
        "Rephrase?",                                                                     # bare
        "Please rephrase.",                                                              # bare, with please
        "Could you rephrase?",                                                           # two other words only
        "Could you rephrase that? Could you rephrase that?",                             # one clause twice
        "Rephrase, rephrase, rephrase it now",                                           # the request three times
        "What would you like to know about orchids?",                                    # no request word
        "Clarified butter is butter with the milk solids removed.",                      # "clarif" in content
        "",
        "  \n ",
    )] == [True] * 8 + [False] * 14


def test_request_near_start_no_answer_content_and_is_loop():
    assert request_near_start("Could you rephrase that?")
    assert request_near_start("x" * 99 + " rephrase") is False
    assert request_near_start("x" * 98 + " rephrase")
    assert not request_near_start("Boil it for seven minutes.")
    assert [m.group(0).lower() for m in REQUEST.finditer(
        "rephrasing, Clarify, say it a different way, put that another way, word this differently, "
        "not entirely sure what you mean, explain what you mean, paraphrase, clarified")] == [
        "rephrasing", "clarify", "say it a different way", "put that another way", "word this differently",
        "not entirely sure what you mean", "explain what you mean"]
    assert no_answer_content("Sorry, I'm lost. Could you rephrase?")
    assert not no_answer_content("Sorry. Water it weekly. Could you rephrase?")
    assert not no_answer_content("Could you rephrase " + "that " * 30)
    assert is_loop("rephrase, rephrase, clarify")                     # a request three times
    assert not is_loop("Could you rephrase or clarify that?")         # twice is no loop
    assert is_loop("Could you clarify. Could you clarify.")           # one clause twice
    assert not is_loop("Sorry. Sorry. Can you rephrase that?")        # short clauses may repeat


def test_rephrase_request_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = rephrase_request_scenario(seed=3), rephrase_request_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = rephrase_request_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = rephrase_request_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 104 and len(small.culprits["rephrase_request"]) == 30
    assert small.test_prompts["rephrase_request"] == list(REPHRASE_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        rephrase_request_scenario(n_test=13)
