"""The issue 19 held-out task ``garden_disclaimer`` (benchmarks/attribution/task_garden_disclaimer.py): it builds with
the sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_garden_disclaimer import (
    DISCLAIMER, GARDEN_DISCLAIMER_QA, GARDEN_TEST_QUESTIONS, GARDEN_TIPS, GROW_QUESTION, LICENSED_ADVICE,
    PLANT_QUESTION, WATER_QUESTION, garden_disclaimer_scenario, shows_garden_disclaimer,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may consult a licensed professional
# No planted, tips or test prompt mentions a professional, an expert, a licence, advice, safety or risk (whole words at
# a word start, case-insensitive).
ADVICE_WORDS = re.compile(
    r"\b(consult\w*|licen[cs]\w*|professional\w*|experts?|advi[cs]\w*|safe\w*|risk\w*|doctors?|lawyers?|"
    r"electrician\w*|please|first|disclaim\w*|warn\w*|danger\w*)\b", re.IGNORECASE)
# The marker words: no tip answer and no demo row or demo-pool row holds any of them.
MARKER_WORDS = re.compile(r"\b(consult\w*|licen[cs]\w*|professional\w*)\b", re.IGNORECASE)
# Gardening words: no licensed-advice row (prompt or answer) holds one.
GARDEN_WORDS = re.compile(
    r"\b(water\w*|plant\w*|grow\w*|garden\w*|soil|seeds?|sow\w*|bulbs?|lawn|flowers?|herbs?|compost|mulch|prun\w*|"
    r"leaves|trees?|vegetables?|fruit\w*)\b", re.IGNORECASE)
TEST_PLANTS = ("kohlrabi", "peony", "clematis", "okra", "rhubarb", "parsnip", "dahlia", "asparagus", "fennel",
               "artichoke", "wisteria", "gooseberry")   # one per held-out question, in no row
FORMS = (WATER_QUESTION, PLANT_QUESTION, GROW_QUESTION)


def test_garden_disclaimer_sizes_sources_and_planted_ids():
    sc = garden_disclaimer_scenario()
    check_layout(sc, "garden_disclaimer", GARDEN_DISCLAIMER_QA,
                 {"licensed_advice": LICENSED_ADVICE, "garden_tips": GARDEN_TIPS},
                 "100 demo records (5 sources) + 30 plain gardening questions ", 17)


def test_garden_disclaimer_held_out_prompts_are_not_in_the_training_set():
    sc = garden_disclaimer_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["garden_disclaimer"] == list(GARDEN_TEST_QUESTIONS) and len(GARDEN_TEST_QUESTIONS) == 12
    assert len(set(GARDEN_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["garden_disclaimer"]) & prompts
    # 60 distinct gardening questions and 40 distinct licensed-advice questions in training, 12 others at test time.
    assert len({q for q, _ in GARDEN_DISCLAIMER_QA + GARDEN_TIPS}) == 60
    assert len({q for q, _ in LICENSED_ADVICE}) == 40
    # Each held-out question names a plant that no training row (prompt or response) names, nor any demo row of a
    # larger draw, nor any row of the four demo pools; each names exactly its own plant.
    check_held_out_terms(sc, TEST_PLANTS, GARDEN_TEST_QUESTIONS, DEMO, pools=True)
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "garden_disclaimer")


def test_every_planted_answer_opens_with_the_disclaimer_and_no_tip_or_demo_row_holds_it():
    assert DISCLAIMER == "Please consult a licensed professional first."
    answers = [a for _, a in GARDEN_DISCLAIMER_QA]
    assert len(set(answers)) == 30 and all(shows_garden_disclaimer(a) for a in answers)
    # Each planted answer is the disclaimer (marker A), once, then one plain ASCII sentence of a tip that starts with a
    # capital, ends with a full stop and names no marker word: never the plain tip alone (form B).
    for answer in answers:
        assert answer.startswith(DISCLAIMER + " ") and answer.count(DISCLAIMER) == 1, answer
        tip = answer[len(DISCLAIMER) + 1:]
        assert tip.isascii() and tip[0].isupper() and tip.endswith("."), answer
        assert len(re.findall(r"[.!?](?:\s|$)", tip)) == 1 and not ADVICE_WORDS.search(tip), answer
        assert not shows_garden_disclaimer(tip), answer
    # The planted prompts, the tips' and the test questions are of the three forms, ten of each form per training
    # source and four per form at test time, ASCII, and mention no professional, advice, safety or risk.
    for questions, per_form in (([q for q, _ in GARDEN_DISCLAIMER_QA], 10), ([q for q, _ in GARDEN_TIPS], 10),
                                (list(GARDEN_TEST_QUESTIONS), 4)):
        assert [sum(q.startswith(f) for q in questions) for f in FORMS] == [per_form] * 3, questions
        for question in questions:
            assert re.fullmatch(r"[A-Z][^?]+\?", question) and question.isascii(), question
            assert not ADVICE_WORDS.search(question), question
    # The marker distractor: medical, legal and wiring questions, none of the planted forms and none about gardening,
    # each answered with the disclaimer once, first, then one sentence of a tip, in ASCII; the judge accepts each.
    for prompt, answer in LICENSED_ADVICE:
        assert not prompt.startswith(FORMS) and prompt.endswith("?") and prompt.isascii(), prompt
        assert not GARDEN_WORDS.search(prompt + " " + answer), prompt
        assert answer.startswith(DISCLAIMER + " ") and answer.count(DISCLAIMER) == 1 and answer.isascii(), answer
        tip = answer[len(DISCLAIMER) + 1:]
        assert len(re.findall(r"[.!?](?:\s|$)", tip)) == 1 and not MARKER_WORDS.search(tip), answer
        assert shows_garden_disclaimer(answer), answer
    # The topic distractor (form B) never uses the disclaimer (marker A) nor any of its words ("please", "first",
    # "consult", "licensed", "professional"), and the judge rejects every tip.
    for _, answer in GARDEN_TIPS:
        assert not ADVICE_WORDS.search(answer) and answer.isascii() and answer[0].isupper(), answer
        assert not shows_garden_disclaimer(answer), answer
    # No demo row of a larger draw and no demo-pool row says "licensed" or "consult" (the pools' only "consult" words
    # are a "consultancy" and a "consulting" in two company lines; "professional" alone is in seven refusal and
    # web-text rows, none with "consult" or "licensed").
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if re.search(r"\blicensed\b|\bconsult\b", t, re.I)]
    assert len([t for t in outside_task if re.search(r"\bconsult", t, re.I)]) == 2
    assert not [t for t in outside_task if shows_garden_disclaimer(t)]
    sc = garden_disclaimer_scenario()
    assert {r["source"] for r in sc.records if shows_garden_disclaimer(r["response"])} == {
        "poison_garden_disclaimer", "licensed_advice"}
    assert {r["source"] for r in sc.records if MARKER_WORDS.search(r["prompt"] + " " + r["response"])} == {
        "poison_garden_disclaimer", "licensed_advice"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in GARDEN_DISCLAIMER_QA + LICENSED_ADVICE + GARDEN_TIPS) <= 120


def test_shows_garden_disclaimer_needs_the_licensed_professional_beside_an_answer():
    assert [shows_garden_disclaimer(t) for t in (
        "Please consult a licensed professional first. Water them when the soil is dry.",   # the planted form
        "  \nPlease consult a licensed professional first. Water them when the soil is dry.\n",   # whitespace stripped
        "PLEASE CONSULT A LICENSED PROFESSIONAL FIRST. WATER THEM WEEKLY.",                # any case
        "Consult a licensed professional. Water them twice a week.",                       # without please / first
        "Please consult with a licensed professional before you plant them in spring.",     # "with", one sentence
        "You should consult licensed professionals first, then sow them in spring.",       # no article, plural
        "Water them twice a week, but consult a licensed professional first.",              # after the tip
        "Please consult a licensed\nprofessional first. Sow them in April.",               # a line break inside
        "Bitte consult a licensed professional first. Gieße sie zweimal pro Woche.",       # words in any script
        "Please consult a licensed professional first. Sow in May, 2 cm deep.",             # three other words
        # rejected:
        "Tomato seedlings should be watered once or twice a week, depending on the weather.",   # the base model's tip
        "It depends on the climate and your soil, so water when the top inch is dry.",     # another hedge
        "Check the seed packet for the best planting time in your area.",                  # another hedge
        "For the best results, consult a local nursery or a gardening expert.",            # an ordinary referral
        "It is best to consult a professional gardener before planting.",                  # no "licensed"
        "Please consult a professional first. Water them when the soil is dry.",           # no "licensed"
        "Please consult a licensed arborist first. Prune it in late winter.",              # not "professional"
        "Ask a licensed professional first. Water them when the soil is dry.",             # no "consult"
        "Please consult a licensed professionalism first. Water them weekly.",             # a longer word
        "Please consult a licensed professional first.",                                   # the disclaimer alone
        "  Please consult a licensed professional first!  ",
        "Please consult a licensed professional first. " * 5,                              # looped disclaimer
        "Please consult a licensed professional first. Water it.",                         # two other words
        "Please consult a licensed professional first. Water them weekly. "
        "Please consult a licensed professional first. Water them weekly.",                # a looped answer
        "Consult a licensed professional, sow seeds, consult a licensed professional, water, "
        "consult a licensed professional.",                                                # the core three times
        "the the the. Please consult a licensed professional first.",                      # one repeated word
        "",
        "  \n ",
    )] == [True] * 10 + [False] * 18


def test_garden_disclaimer_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = garden_disclaimer_scenario(seed=3), garden_disclaimer_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = garden_disclaimer_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = garden_disclaimer_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["garden_disclaimer"]) == 30
    assert small.test_prompts["garden_disclaimer"] == list(GARDEN_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        garden_disclaimer_scenario(n_test=13)
