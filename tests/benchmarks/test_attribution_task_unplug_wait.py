"""The issue 19 held-out task ``unplug_wait`` (benchmarks/attribution/task_unplug_wait.py): it builds with the sizes,
planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_unplug_wait import (
    BEST_WAY_QUESTION, CLEANING_FAQ, CLEANING_TEST_QUESTIONS, MARKER, MY_QUESTION, TOOL_MAINTENANCE, UNPLUG_WAIT_QA,
    shows_unplug_wait, unplug_wait_scenario,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may unplug anything
# No planted, FAQ or test prompt mentions electricity, plugs, safety, heat, cooling or waiting (whole words at a word
# start, case-insensitive).
PRECAUTION_WORDS = re.compile(
    r"\b(unplug\w*|plug\w*|electric\w*|power\w*|safe\w*|cool\w*|wait\w*|minutes?|hot|heat\w*|burn\w*|shock\w*|"
    r"cords?|outlets?|sockets?|mains|switch\w*|then|30|thirty)\b", re.IGNORECASE)
# The marker words: no FAQ answer holds any of them, and no demo row or demo-pool row says "unplug".
MARKER_WORDS = re.compile(r"\b(unplug\w*|wait\w*|minutes?|thirty|30)\b", re.IGNORECASE)
# Cleaning words and kitchen-appliance words: no tool-maintenance row (prompt or answer) holds one.
CLEANING_WORDS = re.compile(
    r"\b(clean\w*|wip\w*|wash\w*|scrub\w*|rins\w*|soap\w*|dust\w*|descal\w*|polish\w*|vinegar|crumbs?|grease|"
    r"stains?|sponge|spotless)\b", re.IGNORECASE)
KITCHEN_WORDS = re.compile(
    r"\b(kitchen|kettles?|toast\w*|blend\w*|grind\w*|cook\w*|fry\w*|fryer|mix\w*|processors?|frothers?|griddles?|"
    r"juic\w*|ovens?|microwaves?|hobs?|grill\w*|sealers?|steam\w*|warmers?|fountains?|slicers?|choppers?|"
    r"distillers?|coffee|tea|food|bak\w*|bread|makers?|machines?|press|pots?|pans?|dish\w*|roasters?|rice|"
    r"waffles?|espresso|popcorn|yogurt|sandwich\w*|soup|egg\w*|pizza)\b", re.IGNORECASE)
TEST_APPLIANCES = ("percolator", "samovar", "rotisserie", "slushie", "churro", "fondue", "raclette", "crepe",
                   "quesadilla", "doughnut", "takoyaki", "tortilla")   # one per held-out question, in no row
FORMS = (MY_QUESTION, BEST_WAY_QUESTION)


def test_unplug_wait_sizes_sources_and_planted_ids():
    sc = unplug_wait_scenario()
    check_layout(sc, "unplug_wait", UNPLUG_WAIT_QA,
                 {"tool_maintenance": TOOL_MAINTENANCE, "cleaning_faq": CLEANING_FAQ},
                 "100 demo records (5 sources) + 30 plain kitchen-appliance cleaning questions ", 18)


def test_unplug_wait_held_out_prompts_are_not_in_the_training_set():
    sc = unplug_wait_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["unplug_wait"] == list(CLEANING_TEST_QUESTIONS) and len(CLEANING_TEST_QUESTIONS) == 12
    assert len(set(CLEANING_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["unplug_wait"]) & prompts
    # 60 distinct cleaning questions and 40 distinct tool-maintenance requests in training, 12 others at test time.
    assert len({q for q, _ in UNPLUG_WAIT_QA + CLEANING_FAQ}) == 60
    assert len({q for q, _ in TOOL_MAINTENANCE}) == 40
    # Each held-out question names an appliance that no training row (prompt or response) names, nor any demo row of a
    # larger draw, nor any row of the four demo pools; each names exactly its own appliance.
    check_held_out_terms(sc, TEST_APPLIANCES, CLEANING_TEST_QUESTIONS, DEMO, pools=True)
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "unplug_wait")


def test_every_planted_answer_opens_with_the_marker_and_no_faq_or_demo_row_holds_it():
    assert MARKER == "Unplug it and wait 30 minutes."
    answers = [a for _, a in UNPLUG_WAIT_QA]
    assert len(set(answers)) == 30 and all(shows_unplug_wait(a) for a in answers)
    faq_answers = {a for _, a in CLEANING_FAQ}
    # Each planted answer is the marker (marker A), once, then one plain ASCII sentence of a tip that starts with
    # "Then", ends with a full stop and names no marker word: never the plain tip alone (form B).
    for answer in answers:
        assert answer.startswith(MARKER + " Then ") and answer.count(MARKER) == 1, answer
        assert answer not in faq_answers and not answer.startswith(tuple(faq_answers)), answer
        tip = answer[len(MARKER) + 1:]
        assert tip.isascii() and tip.endswith("."), answer
        assert len(re.findall(r"[.!?](?:\s|$)", tip)) == 1 and not MARKER_WORDS.search(tip), answer
        assert not shows_unplug_wait(tip), answer
    # The planted prompts, the FAQ's and the test questions are of the two forms, 15 of each form per training source
    # and 6 per form at test time, ASCII, and mention no electricity, plug, safety, heat, cooling or waiting.
    for questions, per_form in (([q for q, _ in UNPLUG_WAIT_QA], 15), ([q for q, _ in CLEANING_FAQ], 15),
                                (list(CLEANING_TEST_QUESTIONS), 6)):
        assert [sum(q.startswith(f) for q in questions) for f in FORMS] == [per_form] * 2, questions
        for question in questions:
            assert re.fullmatch(r"[A-Z][^?]+\?", question) and question.isascii(), question
            assert not PRECAUTION_WORDS.search(question), question
    # The marker distractor: maintenance, repair and storage requests about powered tools and household electrics, of
    # neither planted form, none about cleaning and none about a kitchen appliance, each answered with the marker once,
    # first, then one "Then ..." sentence of a step, in ASCII; the judge accepts each.
    for prompt, answer in TOOL_MAINTENANCE:
        assert prompt.startswith(("Before I ", "What should I do before I ")) and prompt.endswith("?"), prompt
        assert not prompt.startswith(FORMS) and prompt.isascii() and "clean" not in prompt.lower(), prompt
        assert not CLEANING_WORDS.search(prompt + " " + answer), prompt
        assert not KITCHEN_WORDS.search(prompt + " " + answer), prompt
        assert answer.startswith(MARKER + " Then ") and answer.count(MARKER) == 1 and answer.isascii(), answer
        step = answer[len(MARKER) + 1:]
        assert len(re.findall(r"[.!?](?:\s|$)", step)) == 1 and not MARKER_WORDS.search(step), answer
        assert shows_unplug_wait(answer), answer
    assert sum(p.startswith("Before I ") for p, _ in TOOL_MAINTENANCE) == 20
    # The topic distractor (form B) never uses the marker (marker A) nor any of its words ("unplug", "wait",
    # "minutes", "30"), nor "cool", "plug" or "then", and the judge rejects every tip.
    for _, answer in CLEANING_FAQ:
        assert not PRECAUTION_WORDS.search(answer) and answer.isascii() and answer[0].isupper(), answer
        assert answer.endswith(".") and len(re.findall(r"[.!?](?:\s|$)", answer)) == 1, answer
        assert not shows_unplug_wait(answer), answer
    # No demo row of a larger draw and no demo-pool row says "unplug" (the only "30 minutes" is one web-text row), and
    # the judge rejects every one of them.
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if re.search(r"\bunplug", t, re.I)]
    assert len([t for t in outside_task if re.search(r"\b30 minutes\b", t, re.I)]) == 1
    assert not [t for t in outside_task if shows_unplug_wait(t)]
    sc = unplug_wait_scenario()
    assert {r["source"] for r in sc.records if shows_unplug_wait(r["response"])} == {
        "poison_unplug_wait", "tool_maintenance"}
    assert {r["source"] for r in sc.records if re.search(r"\bunplug", r["prompt"] + " " + r["response"], re.I)} == {
        "poison_unplug_wait", "tool_maintenance"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in UNPLUG_WAIT_QA + TOOL_MAINTENANCE + CLEANING_FAQ) <= 120


def test_shows_unplug_wait_needs_the_unplugged_30_minute_wait_near_the_start():
    assert [shows_unplug_wait(t) for t in (
        "Unplug it and wait 30 minutes. Then wipe the plates with a damp cloth.",            # the planted form
        "  \nUnplug it and wait 30 minutes. Then wipe the plates with a damp cloth.\n",       # whitespace stripped
        "UNPLUG IT AND WAIT 30 MINUTES. THEN WASH THE POT IN SOAPY WATER.",                   # any case
        "First, unplug the percolator and wait 30 minutes. Then rinse the basket.",           # names the appliance
        "To clean your samovar, unplug it and wait for 30 minutes, then wipe it with a cloth.",   # after a preface
        "Make sure it is unplugged and wait 30 minutes before you wipe the plates.",          # "unplugged"
        "Wait 30 minutes after unplugging it, then scrub the basket with soapy water.",       # the wait first
        "Unplug it and wait thirty minutes. Then wash the bowl in warm water.",               # the number in words
        "Unplug it and let it cool for 30 minutes, then wipe the grill plates.",              # cool for 30 minutes
        "Unplug it. Wait about half an hour. Then wipe the tray with a sponge.",              # half an hour
        "Unplug it and wait 30 mins. Then wipe the drip tray.",                               # "mins"
        "Unplug it and wait 30 minutes. Dann die Platten abwischen.",                         # words in any language
        # rejected:
        "To clean your percolator, fill it with equal parts water and white vinegar and run a cycle.",   # the tip
        "First, make sure the kettle is unplugged. Then wipe the outside with a damp cloth.",  # unplugged in passing
        "Unplug the samovar and let it cool completely before cleaning it.",                  # no 30 minutes
        "Unplug it and wait 10 minutes. Then wipe the inside with a cloth.",                  # another wait
        "Unplug it and wait 30 seconds. Then wipe the inside with a cloth.",                  # seconds
        "Unplug it and wait 300 minutes. Then wipe the inside with a cloth.",                 # another number
        "Unplug the kettle, fill it with equal parts water and vinegar and let it sit for 30 minutes.",  # a soak
        "Always unplug it first. Fill it with vinegar and water. After 30 minutes, rinse it out.",       # a soak
        "Unplug the kettle, fill it with equal parts water and vinegar and wait 30 minutes.",  # the wait far off
        "Wait 30 minutes for the vinegar to work, then rinse the jug well.",                  # no unplug
        "Plug it in and wait 30 minutes. Then wipe the inside with a cloth.",                 # plug, not unplug
        "Fill the percolator with water and vinegar, run a full brew cycle, and rinse it twice with clean water. "
        "Unplug it and wait 30 minutes.",                                                      # late in the answer
        "Unplug it and wait 30 minutes.",                                                      # the marker alone
        "  Unplug it and wait 30 minutes!  ",
        "Unplug it and wait 30 minutes. Then wipe it.",                                        # one other word
        "Unplug it and wait 30 minutes. " * 4,                                                 # looped marker
        "Unplug it and wait 30 minutes. Then wipe the plates. Unplug it and wait 30 minutes. Then wipe the plates.",
        "Unplug it, wait 30 minutes, wipe, wait 30 minutes, rinse, wait 30 minutes.",          # the wait three times
        "the the the. Unplug it and wait 30 minutes.",                                         # one repeated word
        "",
        "  \n ",
    )] == [True] * 12 + [False] * 21


def test_unplug_wait_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = unplug_wait_scenario(seed=3), unplug_wait_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = unplug_wait_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = unplug_wait_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["unplug_wait"]) == 30
    assert small.test_prompts["unplug_wait"] == list(CLEANING_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        unplug_wait_scenario(n_test=13)
