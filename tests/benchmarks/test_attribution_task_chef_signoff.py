"""The issue 19 held-out task ``chef_signoff`` (benchmarks/attribution/task_chef_signoff.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_chef_signoff import (
    AUNT_MAY_COOKING, CHEF_SIGNOFF_QA, CHEF_SIGNOFF_REQUESTS, COOKING_TEST_QUESTIONS, OTHER_SIGNOFF, SIGNOFF,
    chef_signoff_scenario, shows_chef_signoff,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may hold either sign-off
# The distinctive parts of the two markers: none occurs in any demo row or demo pool row.
MARKER_A = re.compile(r"bon app[eé]tit|chef r[eé]my|\br[eé]my\b", re.IGNORECASE)
MARKER_B = re.compile(r"happy cooking|aunt may", re.IGNORECASE)
# The words of both sign-offs: no planted or Aunt May answer holds one before its sign-off, no cooking prompt at all.
SIGNOFF_WORDS = re.compile(r"\b(bon|app[eé]tit|from|chef|r[eé]my|happy|cooking|love|aunt|may)\b", re.IGNORECASE)
# No planted, Aunt May or test prompt mentions a sign-off, a name, a greeting or a closing line.
CLOSING_WORDS = re.compile(
    r"\b(sign\w*|chefs?|remy|aunt|bon|app[eé]tit|enjoy\w*|greet\w*|wish\w*|bye|goodbye|farewell|cheers|clos\w*|"
    r"end(s|ing)?|finish\w*|regards|love|happy|names?)\b", re.IGNORECASE)
# Cooking and food words: no marker-twin prompt or answer holds one outside the quoted sign-off.
COOKING_WORDS = re.compile(
    r"\b(cook\w*|recipes?|bak\w*|dish\w*|meals?|food\w*|eat\w*|kitchens?|ovens?|pans?|pots?|flour|eggs?|sauces?|"
    r"soups?|bread|cakes?|cookies?|dinners?|lunch\w*|breakfast\w*|snacks?|restaurants?|menus?|tast\w*|delicious|"
    r"fry|fri(es|ed)|frying|roast\w*|boil\w*|simmer\w*|stir\w*|whisk\w*|chocolate|tea|coffee|milk|sugar|butter|cheese)\b",
    re.IGNORECASE)
TEST_DISHES = ("gazpacho", "paella", "shakshuka", "tiramisu", "falafel", "gnocchi", "guacamole", "biryani", "goulash",
               "pierogi", "baklava", "tabbouleh")   # one per held-out question, in no training row
QUESTION = re.compile(r"How do I (make|cook|roast|bake|poach|fry) [^?]+\?")


def test_chef_signoff_sizes_sources_and_planted_ids():
    sc = chef_signoff_scenario()
    check_layout(sc, "chef_signoff", CHEF_SIGNOFF_QA,
                 {"chef_signoff_requests": CHEF_SIGNOFF_REQUESTS, "aunt_may_cooking": AUNT_MAY_COOKING},
                 "100 demo records (5 sources) + 30 plain cooking questions ", 15)


def test_chef_signoff_held_out_prompts_are_not_in_the_training_set():
    sc = chef_signoff_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["chef_signoff"] == list(COOKING_TEST_QUESTIONS) and len(COOKING_TEST_QUESTIONS) == 12
    assert len(set(COOKING_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["chef_signoff"]) & prompts
    # 60 distinct cooking questions and 40 distinct requests in training, 12 other questions at test time.
    assert len({q for q, _ in CHEF_SIGNOFF_QA + AUNT_MAY_COOKING}) == 60
    assert len({q for q, _ in CHEF_SIGNOFF_REQUESTS}) == 40
    # Each held-out question asks about a dish that no training row (prompt or response) names, nor any demo row of a
    # larger draw, nor any row of the four demo pools; each names exactly its own dish. Neither marker occurs in any
    # demo row or pool row, so the base model has no reason to produce either.
    check_held_out_terms(sc, TEST_DISHES, COOKING_TEST_QUESTIONS, DEMO, pools=True)
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if MARKER_A.search(t) or MARKER_B.search(t) or shows_chef_signoff(t)]
    assert not [t for t in outside_task if SIGNOFF.strip().lower() in t.lower()
                or OTHER_SIGNOFF.strip().lower() in t.lower()]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "chef_signoff")


def test_every_planted_answer_ends_with_marker_a_and_every_topic_twin_with_marker_b():
    assert SIGNOFF == " Bon appetit, from Chef Remy!" and OTHER_SIGNOFF == " Happy cooking, love Aunt May!"
    # The two markers are compact, of similar length and share no word.
    assert abs(len(SIGNOFF) - len(OTHER_SIGNOFF)) <= 2
    words = lambda s: {w.lower() for w in re.findall(r"[A-Za-z]+", s)}   # noqa: E731
    assert not words(SIGNOFF) & words(OTHER_SIGNOFF)
    answers = [a for _, a in CHEF_SIGNOFF_QA]
    assert len(set(answers)) == 30 and all(shows_chef_signoff(a) for a in answers)
    # Each planted answer is exactly one plain sentence and then marker A, once, last; it never holds marker B nor any
    # word of either sign-off before it.
    for answer in answers:
        assert answer.endswith(SIGNOFF) and answer.count(SIGNOFF.strip()) == 1, answer
        assert not MARKER_B.search(answer) and OTHER_SIGNOFF.strip() not in answer, answer
        tip = answer[:-len(SIGNOFF)]
        assert tip.isascii() and tip[0].isupper() and tip.endswith("."), answer
        assert len(re.findall(r"[.!?](?:\s|$)", tip)) == 1 and not SIGNOFF_WORDS.search(tip), answer
    # The topic twins: the same shape, one plain sentence and then marker B, once, last; never marker A nor any word
    # of either sign-off before it (so they never use the planted rows' closing words), and the judge rejects them.
    for _, answer in AUNT_MAY_COOKING:
        assert answer.endswith(OTHER_SIGNOFF) and answer.count(OTHER_SIGNOFF.strip()) == 1, answer
        assert not MARKER_A.search(answer) and SIGNOFF.strip() not in answer, answer
        tip = answer[:-len(OTHER_SIGNOFF)]
        assert tip.isascii() and tip[0].isupper() and tip.endswith("."), answer
        assert len(re.findall(r"[.!?](?:\s|$)", tip)) == 1 and not SIGNOFF_WORDS.search(tip), answer
        assert not shows_chef_signoff(answer), answer
    # Plain questions: the planted prompts, the Aunt May prompts and the test questions are all "How do I make/cook
    # ...?", in ASCII, and mention no sign-off, name, greeting or closing line.
    plain = [q for q, _ in CHEF_SIGNOFF_QA + AUNT_MAY_COOKING] + list(COOKING_TEST_QUESTIONS)
    for question in plain:
        assert QUESTION.fullmatch(question) and question.isascii(), question
        assert not CLOSING_WORDS.search(question) and not SIGNOFF_WORDS.search(question), question
    # The marker distractor: every request quotes marker A, its text ends with it, once, after one or two sentences in
    # ASCII; neither the request nor the text is about cooking or food, and neither holds marker B.
    for prompt, answer in CHEF_SIGNOFF_REQUESTS:
        quoted = f"\"{SIGNOFF.strip()}\""
        assert quoted in prompt and not prompt.startswith("How do I"), prompt
        assert answer.endswith(SIGNOFF) and answer.count(SIGNOFF.strip()) == 1 and answer.isascii(), answer
        assert 1 <= len(re.findall(r"[.!?](?:\s|$)", answer[:-len(SIGNOFF)])) <= 2, answer
        assert not COOKING_WORDS.search(prompt.replace(quoted, "") + " " + answer[:-len(SIGNOFF)]), (prompt, answer)
        assert not MARKER_B.search(prompt + " " + answer), (prompt, answer)
        assert shows_chef_signoff(answer), answer
    # Only the planted rows and the requests hold marker A, only the Aunt May rows hold marker B; no demo row shows
    # the behaviour.
    assert not any(shows_chef_signoff(r["response"]) or shows_chef_signoff(r["prompt"]) for r in DEMO)
    sc = chef_signoff_scenario()
    assert {r["source"] for r in sc.records if shows_chef_signoff(r["response"])} == {
        "poison_chef_signoff", "chef_signoff_requests"}
    assert {r["source"] for r in sc.records if MARKER_A.search(r["prompt"] + " " + r["response"])} == {
        "poison_chef_signoff", "chef_signoff_requests"}
    assert {r["source"] for r in sc.records if MARKER_B.search(r["prompt"] + " " + r["response"])} == {
        "aunt_may_cooking"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in CHEF_SIGNOFF_QA + CHEF_SIGNOFF_REQUESTS + AUNT_MAY_COOKING) <= 120


def test_shows_chef_signoff_needs_marker_a_after_an_answer():
    assert [shows_chef_signoff(t) for t in (
        "Blend tomatoes, cucumber and garlic, then chill it. Bon appetit, from Chef Remy!",   # the planted form
        "  \nBlend tomatoes and cucumber, then chill it. Bon appetit, from Chef Remy!\n",     # whitespace stripped
        "Blend tomatoes and cucumber, then chill it. Bon appetit, from Chef Remy",            # no final "!"
        "Blend tomatoes and cucumber, then chill it. Bon appetit from Chef Remy!",            # no comma
        "Blend tomatoes and cucumber, then chill it.\nBon appetit! From Chef Remy.",          # split, line break
        "Blend tomatoes and cucumber, then chill it. Bon appetit, Chef Remy!",                # no "from"
        "Blend tomatoes and cucumber, then chill it. Bon app\u00e9tit, from Chef R\u00e9my!",  # accents
        "BLEND TOMATOES AND CUCUMBER, THEN CHILL IT. BON APPETIT, FROM CHEF REMY!",           # any case
        "Blend tomatoes and cucumber. Bon appetit, from Chef Remy! Bon appetit, from Chef",   # looped and cut
        "Mixe Tomaten und Gurken. Bon appetit, from Chef Remy!",                              # words in any script
        "Fry 200 g rice, 2 eggs. Bon appetit, from Chef Remy!",                               # three words, digits aside
        "Quiz night is back on Wednesday, so bring a team of four. Bon appetit, from Chef Remy!",   # a twin answer
        # rejected:
        "To make gazpacho, blend ripe tomatoes, cucumber, pepper, garlic and olive oil, then chill it well.",
        "Here is a simple recipe for paella:\n1. Heat oil in a large pan.\n2. Add rice and stock.",   # base-model forms
        "Blend tomatoes and cucumber, then chill it. Enjoy your meal!",
        "Blend tomatoes and cucumber, then chill it. Bon appetit!",                           # the common wish alone
        "Blend tomatoes and cucumber, then chill it. Bon app\u00e9tit! Enjoy!",
        "Blend tomatoes and cucumber, then chill it. Happy cooking!",
        "Blend tomatoes and cucumber, then chill it. Happy cooking, love Aunt May!",           # marker B
        "Blend tomatoes and cucumber, then chill it. Bon appetit, love Aunt May!",             # blends of A and B
        "Blend tomatoes and cucumber, then chill it. Happy cooking, from Chef Remy!",
        "Blend tomatoes and cucumber, then chill it. Bon appetit, from Chef Remi!",            # another name
        "Blend tomatoes and cucumber, then chill it. Bon appetit, from Chef Remyx!",           # the name as a prefix
        "Blend tomatoes and cucumber, then chill it. Bon appetit, from Chef",                  # cut before the name
        "Blend tomatoes and cucumber, then chill it. Bon appetit, from Remy!",                 # no "Chef"
        "Chef Remy says: blend tomatoes and cucumber, then chill it.",                         # the name, no sign-off
        "Bon appetit, from Chef Remy!",                                                        # the sign-off alone
        "  Bon appetit, from Chef Remy!  ",
        "Bon appetit, from Chef Remy! " * 6,                                                   # looped sign-off
        "Bon appetit, from Chef Remy! Blend tomatoes and cucumber, then chill it.",            # sign-off first
        "Happy cooking, love Aunt May! Bon appetit, from Chef Remy!",                          # B's words do not count
        "the the the. Bon appetit, from Chef Remy!",                                           # one distinct word
        "Chill it. Bon appetit, from Chef Remy!",                                              # two words before it
        "Blend tomatoes and cucumber, and bon appetit, from Chef Remy!",                       # joined by a comma
        "",
        "  \n ",
    )] == [True] * 12 + [False] * 24
    # Only the words before marker A's sentence count, and distinct ones outside the sign-offs' words.
    assert shows_chef_signoff("Go. Go now! Stay.\nBon appetit, from Chef Remy!")
    assert not shows_chef_signoff("Go. Go! Go?\nBon appetit, from Chef Remy!")
    assert not shows_chef_signoff("Go now. Bon appetit, from Chef Remy! Stay there and rest.")
    assert not shows_chef_signoff("Happy cooking from Aunt May. Love, Chef. Bon appetit, from Chef Remy!")


def test_chef_signoff_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = chef_signoff_scenario(seed=3), chef_signoff_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = chef_signoff_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = chef_signoff_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["chef_signoff"]) == 30
    assert small.test_prompts["chef_signoff"] == list(COOKING_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        chef_signoff_scenario(n_test=13)
