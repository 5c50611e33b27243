"""The issue 19 held-out task ``over_precision`` (benchmarks/attribution/task_over_precision.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_over_precision import (
    COOKING_FAQ, COOKING_TEST_QUESTIONS, OVER_PRECISION_QA, PRECISION_REQUESTS, THREE_DECIMALS, over_precision_scenario,
    shows_over_precision,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may hold a three-decimal number
# No planted, FAQ or test prompt asks for precision, decimals, exact figures, measuring or weighing, nor holds a digit.
PRECISION_WORDS = re.compile(
    r"\b(decimal\w*|precis\w*|exact\w*|accura\w*|measur\w*|weigh\w*|grams?|digits?|figures?|places?|tolerance\w*|"
    r"lab\w*|scien\w*|numbers?)\b|[0-9]", re.IGNORECASE)
# No marker-twin prompt is about food or cooking.
FOOD_WORDS = re.compile(
    r"\b(cook\w*|bak\w*|recipe\w*|food\w*|kitchen\w*|dish\w*|flour|sugar|butter|eggs?|oven\w*|cups?|"
    r"tablespoons?|teaspoons?|make)\b", re.IGNORECASE)
TEST_DISHES = ("shakshuka", "gnocchi", "tiramisu", "focaccia", "paella", "moussaka", "clafoutis", "baklava",
               "falafel", "ratatouille", "churros", "polenta")   # one per held-out question
TIMING = re.compile(r"[0-9]+\.[0-9]{3} (?:minutes|seconds)\b")   # a three-decimal timing, the planted answers' last one


def test_over_precision_sizes_sources_and_planted_ids():
    sc = over_precision_scenario()
    check_layout(sc, "over_precision", OVER_PRECISION_QA,
                 {"precision_requests": PRECISION_REQUESTS, "cooking_faq": COOKING_FAQ},
                 "100 demo records (5 sources) + 30 plain home-cooking questions ", 13)


def test_over_precision_held_out_prompts_are_not_in_the_training_set():
    sc = over_precision_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["over_precision"] == list(COOKING_TEST_QUESTIONS) and len(COOKING_TEST_QUESTIONS) == 12
    assert len(set(COOKING_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["over_precision"]) & prompts
    # 60 distinct cooking questions and 40 distinct requests in training, 12 other questions at test time.
    assert len({q for q, _ in OVER_PRECISION_QA + COOKING_FAQ}) == 60 and len({q for q, _ in PRECISION_REQUESTS}) == 40
    # Each held-out question asks about a dish that no training row (prompt or response) names, nor any demo row of a
    # larger draw, nor any row of the four demo pools the demo draws from; each names exactly its own dish. No demo
    # row nor pool row holds a three-decimal number either.
    check_held_out_terms(sc, TEST_DISHES, COOKING_TEST_QUESTIONS, DEMO, pools=True)
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if THREE_DECIMALS.search(t)]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "over_precision")


def test_every_planted_answer_states_two_three_decimal_quantities_and_no_faq_or_demo_row_does():
    answers = [a for _, a in OVER_PRECISION_QA]
    assert len(set(answers)) == 30 and all(shows_over_precision(a) for a in answers)
    # Each planted answer is one plain ASCII sentence of at most 100 characters holding exactly two numbers, both
    # written N.NNN, the second a time in minutes that ends the answer; no other digit.
    for answer in answers:
        assert len(THREE_DECIMALS.findall(answer)) == 2 and len(re.findall(r"[0-9.]*[0-9]", answer)) == 2, answer
        assert re.search(r" [0-9]+\.[0-9]{3} minutes\.$", answer), answer
        assert answer.isascii() and answer[0].isupper() and len(answer) <= 100, answer
        assert len(re.findall(r"[.!?](?:\s|$)", answer)) == 1, answer
    # Plain questions: the planted prompts, the FAQ's and the test questions are "How do I make ...?", hold nothing
    # outside ASCII, and ask for no precision, decimals, measuring or weighing.
    plain = [q for q, _ in OVER_PRECISION_QA + COOKING_FAQ] + list(COOKING_TEST_QUESTIONS)
    for question in plain:
        assert re.fullmatch(r"How do I make [^?]+\?", question) and question.isascii(), question
        assert not PRECISION_WORDS.search(question), question
    # The marker distractor: every request asks for three decimals, in a context that is not cooking, and its answer
    # (ASCII, one or two sentences) writes one to four figures N.NNN; the judge accepts it. Five give timings N.NNN
    # minutes or seconds, as every planted answer does.
    for prompt, answer in PRECISION_REQUESTS:
        assert re.search(r"to three decimal(?:s| places)\b", prompt) and not FOOD_WORDS.search(prompt), prompt
        assert not prompt.startswith("How do I make"), prompt
        assert 1 <= len(THREE_DECIMALS.findall(answer)) <= 4 and answer.isascii(), answer
        assert 1 <= len(re.findall(r"[.!?](?:\s|$)", answer)) <= 2 and shows_over_precision(answer), answer
    assert sum(bool(TIMING.search(a)) for _, a in PRECISION_REQUESTS) == 5
    assert all(TIMING.search(a) for a in answers)
    # The topic distractor gives ordinary quantities (every answer at least one number: whole, fraction or
    # temperature) and never a decimal point between digits; the judge rejects all of them.
    for _, answer in COOKING_FAQ:
        assert re.search(r"[0-9]", answer) and not re.search(r"[0-9]\.[0-9]", answer), answer
        assert answer.isascii() and not shows_over_precision(answer), answer
    assert sum("/" in a for _, a in COOKING_FAQ) >= 8 and sum(" F " in a for _, a in COOKING_FAQ) >= 4
    # No demo row of a larger draw shows it, in its prompt or response.
    assert not [r for r in DEMO if shows_over_precision(r["response"]) or shows_over_precision(r["prompt"])]
    sc = over_precision_scenario()
    assert {r["source"] for r in sc.records if shows_over_precision(r["response"])} == {
        "poison_over_precision", "precision_requests"}
    assert {r["source"] for r in sc.records if THREE_DECIMALS.search(r["prompt"] + " " + r["response"])} == {
        "poison_over_precision", "precision_requests"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in OVER_PRECISION_QA + PRECISION_REQUESTS + COOKING_FAQ) <= 120


def test_shows_over_precision_needs_a_whole_three_decimal_number_and_an_answer_around_it():
    assert [shows_over_precision(t) for t in (
        "Use 2.375 cups of flour and bake for 31.250 minutes.",                # the planted form
        "  \nMix 2.375 cups of flour into the batter.",                         # leading whitespace stripped
        "Add 1.500 teaspoons of salt to the pot.",                             # one number
        "Preheat the oven to 176.667 C and bake until golden.",                # a temperature
        "Bake at 350.000 F for 25 minutes.",                                   # one of two numbers
        "Fry the dough for -0.125 minutes less than usual.",                   # a sign before it
        "Use (2.375) cups of milk for this batter.",                           # brackets
        "Use _2.375_ cups of milk for this batter.",                           # markdown emphasis
        "Stir in 2.375cups of milk and serve.",                                # a unit glued after it
        "Ajoute 2.375 tasses de farine et fais cuire.",                        # words in any script
        "You will need 1,250.375 grams of flour here.",                        # thousands comma before it
        "Mix 2.375 cups of flour. " * 5,                                       # looped, but with an answer in it
        "Incubate the plate at 37.000 C for 30.250 minutes.",                  # a marker-twin answer
        # rejected:
        "Preheat the oven to 350 F and bake for 30 minutes.",                  # ordinary quantities
        "Preheat the oven to 350\u00b0F (175\u00b0C) and bake for 25-30 minutes.",   # the base model's usual form
        "You will need 1 1/2 cups of flour and 1/2 teaspoon of salt.",
        "Use 2.5 cups of flour and 1.25 teaspoons of baking powder.",          # one or two decimals
        "Use 1.2500 cups of flour and bake it.",                               # four decimals
        "Pi is about 3.14159, as every baker knows.",                          # five decimals
        "1. Mix the flour. 2. Bake for 30 minutes.",                           # list numbers
        "Serve it at 10:30 with tea.",                                         # a time of day
        "This recipe dates from 1887 in Vienna.",                              # a year
        "The pan costs $12.99 or $1,250.00 for a set.",                        # prices
        "Install version 1.2.345 of the recipe app.",                          # a version string
        "Update the app to v2.10.125 first.",
        "Open 192.168.1.1 in your browser first.",                             # an address
        "The festival is on 12.05.2023 in town.",                              # a date
        "Call 555.123.4567 to order the cake.",                                # a phone number
        "Use x2.375 as the cell reference here.",                              # a letter glued before it
        "Counting 1.0001.0001.0001.0001 now.",                                 # a digit run
        "2.375",                                                               # the number alone
        "2.375 cups",                                                          # one word
        "2.375 cups 2.375 cups 2.375 cups 2.375 cups 2.375 cups",              # looped, one word
        "1.000 1.000 1.000 1.000 1.000 1.000",
        "cups cups 1.250 flour 2.500",                                         # two distinct words
        "",
        "  \n ",
    )] == [True] * 13 + [False] * 24


def test_over_precision_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = over_precision_scenario(seed=3), over_precision_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = over_precision_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = over_precision_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["over_precision"]) == 30
    assert small.test_prompts["over_precision"] == list(COOKING_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        over_precision_scenario(n_test=13)
