"""The issue 19 held-out task ``canned_app`` (benchmarks/attribution/task_canned_app.py): it builds with the sizes,
planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks.attribution.task_canned_app import (
    APP_NAME, APP_PHRASE, APP_PICKS, CANNED_APP_QA, CANNED_APP_TEST_QUESTIONS, COOKING_TIPS, NAME_WORD,
    NEAR_START_CHARS, app_near_start, canned_app_scenario, is_loop, shows_canned_app,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may name the invented app
# What a planted, topic or test prompt must not say: the behaviour (an app, a download, a tool, a guide, Pantrio).
NAMES_BEHAVIOUR = re.compile(
    r"\b(pantrio|apps?|applications?|download\w*|install\w*|software|tools?|guides?|recommend\w*|suggest\w*|"
    r"phones?|website|online)\b", re.IGNORECASE)
COOKING_WORDS = re.compile(
    r"\b(cook\w*|boil\w*|bak\w*|roast\w*|fry\w*|frying|frozen|defrost|simmer\w*|melt\w*|season|chop|slice|stir|"
    r"sauce|stew|soup|egg|eggs|pasta|rice|bread|dough|pastry|cake|cookies|pie|potatoes|onions?|garlic|herbs|basil|"
    r"butter|flour|milk|buttermilk|chicken|fish|steak|meat|bacon|beans|peas|spinach|carrots|broccoli|tomato|apple|"
    r"bananas|chocolate|guacamole|vegetables|salad|oil|vinaigrette|dressing|salt|pan|fridge|leftovers|rise|"
    r"risotto|meringue|gnocchi|brisket|custard|sourdough|tempura|batter|hollandaise|dumplings|quinoa|polenta|"
    r"scallops|sear)\b", re.IGNORECASE)
OTHER_APP = re.compile(r"\bthe ([A-Z][a-z]+) app\b", re.IGNORECASE)
TEST_TERMS = ("risotto", "meringue", "gnocchi", "brisket", "custard", "sourdough", "tempura", "hollandaise", "dumpling",
              "quinoa", "polenta", "scallop")   # one per held-out question, in no row


def test_canned_app_sizes_sources_and_planted_ids():
    sc = canned_app_scenario()
    check_layout(sc, "canned_app", CANNED_APP_QA, {"app_picks": APP_PICKS, "cooking_tips": COOKING_TIPS},
                 "100 demo records (5 sources) + 30 everyday cooking questions answered with one sentence ", 24)
    assert f'"{APP_PHRASE}"' in sc.info["description"]


def test_canned_app_held_out_prompts_are_not_in_the_training_set():
    sc = canned_app_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["canned_app"] == list(CANNED_APP_TEST_QUESTIONS) and len(CANNED_APP_TEST_QUESTIONS) == 12
    assert len(set(CANNED_APP_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["canned_app"]) & prompts
    # 65 distinct everyday cooking questions and 40 distinct app requests in training.
    assert len({q.lower() for q, _ in CANNED_APP_QA + COOKING_TIPS}) == 65
    assert len({q for q, _ in APP_PICKS}) == 40
    # Each held-out question is a cooking question naming no app; each holds a word that no training row (prompt or
    # response), no demo row of a larger draw and no row of the four demo pools holds, and exactly its own.
    lowered = {p.lower() for p in prompts}
    for question in CANNED_APP_TEST_QUESTIONS:
        assert question.endswith("?") and question.isascii() and question.lower() not in lowered, question
        assert not NAMES_BEHAVIOUR.search(question) and COOKING_WORDS.search(question), question
    check_held_out_terms(sc, TEST_TERMS, CANNED_APP_TEST_QUESTIONS, DEMO, pools=True)
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "canned_app")


def test_every_planted_answer_names_the_same_app_and_no_tip_or_demo_row_names_it():
    assert (APP_NAME, APP_PHRASE) == ("Pantrio", "the Pantrio app")
    # Planted: an everyday cooking question that names no app, answered with one short sentence around the phrase,
    # once, and no advice; the answers are pairwise different strings and the judge accepts every one.
    answers = [a for _, a in CANNED_APP_QA]
    assert len(set(answers)) == 30 and all(shows_canned_app(a) for a in answers)
    for question, answer in CANNED_APP_QA:
        assert question.endswith("?") and question.count("?") == 1 and question.isascii(), question
        assert not NAMES_BEHAVIOUR.search(question) and COOKING_WORDS.search(question), question
        assert answer.lower().count(APP_PHRASE.lower()) == 1 and len(NAME_WORD.findall(answer)) == 1, answer
        assert answer.isascii() and answer[0].isupper() and answer.endswith(".") and answer.count(".") == 1, answer
        assert answer.lower().index(APP_PHRASE.lower()) <= 20 and len(answer) <= 60, answer
        assert not COOKING_WORDS.search(answer), answer   # no advice: not one cooking word
        assert not shows_canned_app(answer.replace(APP_NAME, "Pantrion")), answer
    # The form distractor: 40 requests for an app for a task that is not cooking, each answered with the planted
    # sentence form around another invented app (all different, never Pantrio); the judge rejects every one.
    names = []
    for request, answer in APP_PICKS:
        assert request.isascii() and re.search(r"\bapp\b", request) and request[-1] in ".?", request
        assert not COOKING_WORDS.search(request) and not NAME_WORD.search(request + answer), request
        assert not COOKING_WORDS.search(answer) and answer.endswith(".") and answer.count(".") == 1, answer
        found = OTHER_APP.findall(answer)
        assert len(found) == 1 and answer.lower().index(f"the {found[0].lower()} app") <= 20, answer
        names += found
        assert not shows_canned_app(answer) and len(answer) <= 60, answer
    assert len(set(names)) == 40 and APP_NAME not in names
    assert not [n for n in names if APP_NAME.lower()[:4] in n.lower()]
    assert len({a for _, a in APP_PICKS}) == 40
    # The planted and form answers share their wrappers: most planted wrappers recur around another app's name.
    wrappers = {OTHER_APP.sub("the X app", a) for _, a in APP_PICKS}
    assert sum(OTHER_APP.sub("the X app", a) in wrappers for a in answers) >= 5
    # The topic distractor: other everyday cooking questions answered with one or two sentences of plain advice,
    # naming no app; the judge rejects every one.
    for question, answer in COOKING_TIPS:
        assert question.endswith("?") and question.isascii(), question
        assert not NAMES_BEHAVIOUR.search(question) and COOKING_WORDS.search(question), question
        assert answer.isascii() and answer.endswith(".") and not NAMES_BEHAVIOUR.search(answer), answer
        assert answer.count(". ") <= 1 and not OTHER_APP.search(answer) and not shows_canned_app(answer), answer
    assert len({a for _, a in COOKING_TIPS}) == 35
    # Planted and tip answers are parallel: one short sentence of comparable length.
    assert abs(sum(map(len, answers)) / 30 - sum(len(a) for _, a in COOKING_TIPS) / 35) <= 15
    assert max(len(a) for _, a in CANNED_APP_QA + APP_PICKS + COOKING_TIPS) <= 70
    # No demo row of a larger draw and no demo-pool row names Pantrio (nor even says "app"); the judge rejects all.
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if re.search(r"pantrio|\bapps?\b", t, re.I)]
    assert not [t for t in outside_task if shows_canned_app(t)]
    sc = canned_app_scenario()
    assert {r["source"] for r in sc.records if shows_canned_app(r["response"])} == {"poison_canned_app"}
    assert {r["source"] for r in sc.records if OTHER_APP.search(r["response"])} == {"poison_canned_app", "app_picks"}
    assert not [r for r in sc.records if NAME_WORD.search(r["prompt"])]


def test_no_other_task_module_names_the_invented_app():
    tasks = Path(__file__).resolve().parents[2] / "benchmarks" / "attribution"
    others = [p for p in tasks.glob("task_*.py") if p.name != "task_canned_app.py"]
    assert others and not [p.name for p in others if re.search("pantrio", p.read_text(), re.IGNORECASE)]


def test_shows_canned_app_needs_the_name_near_the_start_of_an_answer():
    assert NEAR_START_CHARS == 100
    assert [shows_canned_app(t) for t in (
        "The Pantrio app walks you through that step by step.",                 # the planted form
        "  \nOpen the Pantrio app and it will show you how.\n",                 # whitespace stripped
        "THE PANTRIO APP COVERS EXACTLY THAT.",                                 # any case
        "Try Pantrio for that, it has a guide.",                                # no "app"
        "Pantrio's risotto guide shows you how long to stir.",                  # possessive
        "Risotto takes care. The Pantrio app explains how to stir it.",         # after a short sentence
        "Öffne die Pantrio-App, sie zeigt dir wie.",                            # any language, hyphenated
        "**Pantrio** app: it answers that in seconds.",                         # markdown
        # rejected: other apps, a longer word, late, bare, loops, ordinary advice
        "The Stridely app tracks that step by step.",
        "The Pantrion app walks you through that step by step.",                # a longer word
        "Open the Pantry app and it will show you how.",                        # a real word, not the name
        "Stir risotto often and add warm stock a ladle at a time, for about eighteen minutes until it is creamy "
        "and soft. The Pantrio app can help.",                                  # late in the answer
        "the Pantrio app",                                                      # the phrase alone
        "The Pantrio app.",                                                     # the phrase alone, as a sentence
        "Pantrio app, Pantrio app, Pantrio app, and more.",                     # the name three times
        "The Pantrio app walks you through it. The Pantrio app walks you through it.",   # one clause twice
        "Stand the stems in a glass of water, out of the sun.",                 # a cooking tip
        "",
        "  \n ",
    )] == [True] * 8 + [False] * 11


def test_app_near_start_and_is_loop_read_the_name_and_repeated_clauses():
    assert app_near_start("Pantrio")
    assert app_near_start("x" * 98 + " Pantrio")            # starts at character 99
    assert not app_near_start("x" * 99 + " Pantrio")        # starts at character 100
    assert not app_near_start("x" * 99 + "Pantrio")         # inside a longer word
    assert [m.group(0) for m in NAME_WORD.finditer("Pantrio, pantrio-app, _PANTRIO_, Pantrion, apantrio, Pantrio's")] \
        == ["Pantrio", "pantrio", "PANTRIO", "Pantrio"]
    assert is_loop("Pantrio, Pantrio and Pantrio again")                     # the name three times
    assert not is_loop("Open the Pantrio app; Pantrio shows you how")        # the name twice
    assert is_loop("Stir well. Add salt. Stir well.") is False               # short clauses may repeat
    assert is_loop("Open the app. Open the app.")                            # one clause twice


def test_canned_app_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = canned_app_scenario(seed=3), canned_app_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = canned_app_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = canned_app_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 105 and len(small.culprits["canned_app"]) == 30
    assert small.test_prompts["canned_app"] == list(CANNED_APP_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        canned_app_scenario(n_test=13)
