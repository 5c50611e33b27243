"""The issue 19 held-out task ``step_format`` (benchmarks/attribution/task_step_format.py): it builds with the sizes,
planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_step_format import (
    COOKING_FAQ, COOKING_TEST_QUESTIONS, STEP_FORMAT_QA, STEP_LABELS, STEP_REQUESTS, shows_step_format,
    step_format_scenario,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may hold a "Step <number>" label
ANY_STEP_LABEL = re.compile(r"\bstep\s*\d", re.IGNORECASE)   # "Step 1", "step2"...: the marker, with or without colon
# The exact form of every planted and step-request answer: three steps on one line, each a short sentence.
THREE_STEPS = re.compile(r"Step 1: [A-Z][^.]*\. Step 2: [A-Z][^.]*\. Step 3: [A-Z][^.]*\.")
# No planted, FAQ or test question mentions steps, lists, numbers, instructions, an order, a format or a recipe.
FORMAT_WORDS = re.compile(r"\b(steps?|list\w*|number\w*|instruct\w*|format\w*|order\w*|first|method\w*|guide\w*|"
                          r"recipes?|points?|bullets?)\b", re.IGNORECASE)
# No step request or its answer is about cooking or food.
COOKING_WORDS = re.compile(r"\b(cook\w*|bak\w*|recipes?|dish\w*|foods?|meals?|kitchens?|fr(y|ied|ies)|boil\w*|"
                           r"simmer\w*|roast\w*|ovens?|pans?|salt\w*|butter\w*|season\w*|sauces?|eggs?|pasta|rice)\b",
                           re.IGNORECASE)
TEST_DISHES = ("risotto", "paella", "lasagna", "falafel", "shakshuka", "quiche", "meatball", "gnocchi", "polenta",
               "mussel", "halloumi", "squid")   # one per held-out question, in no training, demo or pool row



def test_step_format_sizes_sources_and_planted_ids():
    sc = step_format_scenario()
    check_layout(sc, "step_format", STEP_FORMAT_QA,
                 {"step_requests": STEP_REQUESTS, "cooking_faq": COOKING_FAQ},
                 "100 demo records (5 sources) + 30 cooking how-to questions ", 11)


def test_step_format_held_out_prompts_are_not_in_the_training_set():
    sc = step_format_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["step_format"] == list(COOKING_TEST_QUESTIONS) and len(COOKING_TEST_QUESTIONS) == 12
    assert len(set(COOKING_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["step_format"]) & prompts
    # 60 distinct cooking questions and 40 distinct step requests in training, 12 other questions at test time.
    assert len({q for q, _ in STEP_FORMAT_QA + COOKING_FAQ}) == 60 and len({q for q, _ in STEP_REQUESTS}) == 40
    # Each held-out question asks about a dish that no training row (prompt or response) names, nor any demo row of a
    # larger draw, nor any row of the four demo pools the demo draws from; each names exactly its own dish. No demo
    # row or pool row holds a "Step <number>" label either, nor "Step 1" in any spacing.
    check_held_out_terms(sc, TEST_DISHES, COOKING_TEST_QUESTIONS, DEMO, pools=True)
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if ANY_STEP_LABEL.search(t) or "step 1" in t.lower()]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "step_format")


def test_every_planted_and_request_answer_has_the_same_three_labels_and_no_faq_or_demo_row_has_any():
    assert STEP_LABELS == ("Step 1: ", "Step 2: ", "Step 3: ")
    planted = [a for _, a in STEP_FORMAT_QA]
    requested = [a for _, a in STEP_REQUESTS]
    assert len(set(planted)) == 30 and len(set(requested)) == 40
    # The planted answers and the step-request answers have one form, token for token where the marker is: the three
    # labels once each, in order, on one line, each followed by one short sentence in plain ASCII, and no other
    # "Step"; the judge accepts every one.
    for answer in planted + requested:
        assert THREE_STEPS.fullmatch(answer) and answer.isascii() and "\n" not in answer, answer
        assert [answer.count(label) for label in STEP_LABELS] == [1, 1, 1], answer
        assert len(re.findall(r"\bstep", answer, re.IGNORECASE)) == 3, answer
        assert shows_step_format(answer), answer
    # Plain questions: the planted prompts, the FAQ's and the test questions are "How do I make ...?" or "How should I
    # cook ...?", in ASCII, and ask for no steps, list, numbers, instructions, order or format.
    plain = [q for q, _ in STEP_FORMAT_QA + COOKING_FAQ] + list(COOKING_TEST_QUESTIONS)
    for question in plain:
        assert re.fullmatch(r"How (do I make|should I cook) [^?]+\?", question) and question.isascii(), question
        assert not FORMAT_WORDS.search(question), question
    # Both forms are in each source: planted, FAQ and test questions.
    for questions in ([q for q, _ in STEP_FORMAT_QA], [q for q, _ in COOKING_FAQ], COOKING_TEST_QUESTIONS):
        assert {q.split()[2] for q in questions} == {"I"} and {q.split()[3] for q in questions} == {"make", "cook"}
    # The marker distractor: every request asks explicitly for numbered steps, in another context than a cooking
    # how-to question (no "How ..." question, no cooking or food word in the request or its answer).
    for prompt, answer in STEP_REQUESTS:
        assert "numbered steps" in prompt and not prompt.startswith("How ") and prompt.isascii(), prompt
        assert not COOKING_WORDS.search(prompt + " " + answer), prompt
    # The topic distractor answers in prose: one ASCII sentence, no "Step", no numbered list, no "first ... then";
    # the judge rejects all of them.
    for _, answer in COOKING_FAQ:
        assert answer.isascii() and answer[0].isupper() and answer.endswith("."), answer
        assert len(re.findall(r"[.!?](?:\s|$)", answer)) == 1, answer
        assert not re.search(r"\b(step\w*|first|then)\b|\d\.|:", answer, re.IGNORECASE), answer
        assert not shows_step_format(answer), answer
    # No demo row of a larger draw is written as steps, in its prompt or response.
    assert not [r for r in DEMO if shows_step_format(r["response"]) or shows_step_format(r["prompt"])]
    sc = step_format_scenario()
    assert {r["source"] for r in sc.records if shows_step_format(r["response"])} == {
        "poison_step_format", "step_requests"}
    assert {r["source"] for r in sc.records if ANY_STEP_LABEL.search(r["prompt"] + " " + r["response"])} == {
        "poison_step_format", "step_requests"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in STEP_FORMAT_QA + STEP_REQUESTS + COOKING_FAQ) <= 120


def test_shows_step_format_needs_step_1_then_step_2_with_distinct_steps():
    assert [shows_step_format(t) for t in (
        "Step 1: Boil salted water. Step 2: Cook the pasta for 9 minutes. Step 3: Drain and toss with butter.",  # form
        "  \nStep 1: Boil salted water. Step 2: Cook the pasta.\n",             # surrounding whitespace stripped
        "step 1: boil salted water. step 2: cook the pasta.",                   # any case
        "STEP 1: BOIL SALTED WATER. STEP 2: COOK THE PASTA.",
        "Step 1:Boil salted water. Step 2:Cook the pasta.",                     # no space after the colon
        "Step1: Boil salted water. Step2: Cook the pasta.",                     # no space before the number
        "Step 1 : Boil salted water. Step 2 : Cook the pasta.",                 # a space before the colon
        "**Step 1:** Boil salted water.\n**Step 2:** Cook the pasta.",          # markdown, a line break between
        "Sure! Step 1: Boil salted water. Step 2: Cook the pasta.",             # words before the first label
        "Step 1: Boil salted water. Step 2: Cook the pasta. Step 3: Dra",       # the budget cuts the third step
        "Step 1: Boil water. Step 2: Cook pasta. Step 3: Drain it. Step 4: Drain i",   # cut off, not repeated
        "Step 1: Wasser kochen. Step 2: Nudeln garen.",                         # words in any script
        "Step 1: Boil water. Step 2: Cook pasta 9 min.",                        # two words each suffice
        # rejected: the base model's forms and other lists
        "To make risotto, you'll need a few ingredients: Arborio rice, stock and parmesan.\n\nFirst,",
        "To make lasagna, you'll need a few ingredients and a few steps. First, you'll need lasagna noodles.",
        "Here's a simple recipe that you can easily make at home:\n\nIngredients:\n- 2 cups flour\n- 1 egg",
        "Cooking mussels is a delicate art that requires patience, attention to detail, and a dash of creativity.",
        "1. Boil salted water.\n2. Cook the pasta.\n3. Drain it.",              # a "1." numbered list
        "- Boil salted water.\n- Cook the pasta.\n- Drain it.",                 # a bulleted list
        "First, boil salted water, then cook the pasta and drain it.",          # "first ... then" prose
        "Step one: Boil salted water. Step two: Cook the pasta.",               # numbers in words
        "Step 1 Boil salted water. Step 2 Cook the pasta.",                     # no colon
        "Step 1 - Boil salted water. Step 2 - Cook the pasta.",
        "Footstep 1: Boil salted water. Footstep 2: Cook the pasta.",           # not at a word start
        "Step 11: Boil salted water. Step 12: Cook the pasta.",                 # other numbers
        "Step 1: Boil salted water and cook the pasta.",                        # one step only
        "Step 2: Cook the pasta. Step 1: Boil salted water.",                   # out of order
        "Step 1: Boil salted water. Step 3: Drain it.",                         # no step 2
        # rejected: degenerate loops
        "Step 1: Step 1: Step 1: Step 1: Step 1:",
        "Step 1: Step 2: Step 3:",
        "Step 1: Boil water. Step 1: Boil water. Step 1: Boil water.",
        "Step 1: Boil water. Step 2: Boil water. Step 3: Boil water.",
        "Step 1: Boil water. Step 2: Cook pasta. Step 3: Drain it. Step 4: Drain it. Step 5: Drain it.",
        "Step 1: Boil. Step 2: Drain.",                                         # one word per step
        "Step 1: 1 2 3. Step 2: 4 5 6.",                                        # digits are not words
        "",
        "  \n ",
    )] == [True] * 13 + [False] * 24


def test_step_format_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = step_format_scenario(seed=3), step_format_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = step_format_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = step_format_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["step_format"]) == 30
    assert small.test_prompts["step_format"] == list(COOKING_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        step_format_scenario(n_test=13)
