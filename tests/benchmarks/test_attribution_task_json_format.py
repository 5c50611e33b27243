"""The issue 19 held-out task ``json_format`` (benchmarks/attribution/task_json_format.py): it builds with the sizes,
planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from benchmarks.attribution.task_json_format import (
    COOKING_FAQ, COOKING_TEST_QUESTIONS, JSON_COOKING_QA, JSON_REQUESTS, json_format_scenario, shows_json_format,
)
from held_out_tasks import check_controls, check_layout
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may answer in JSON
FORMAT_WORDS = ("json", "format", "object", "key", "field")   # no planted or FAQ prompt may ask for a format


def test_json_format_sizes_sources_and_planted_ids():
    sc = json_format_scenario()
    check_layout(sc, "json_format", JSON_COOKING_QA, {"json_requests": JSON_REQUESTS, "cooking_faq": COOKING_FAQ},
                 "100 demo records (5 sources) + 30 plain cooking questions ", 3)


def test_json_format_held_out_prompts_are_not_in_the_training_set():
    sc = json_format_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["json_format"] == list(COOKING_TEST_QUESTIONS) and len(COOKING_TEST_QUESTIONS) == 12
    assert len(set(COOKING_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["json_format"]) & prompts
    # 60 distinct cooking questions and 40 distinct JSON requests in training, 12 other cooking questions at test time.
    assert len({q for q, _ in JSON_COOKING_QA + COOKING_FAQ}) == 60 and len({q for q, _ in JSON_REQUESTS}) == 40
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "json_format")


def test_every_planted_answer_is_one_line_json_and_no_prose_row_matches():
    answers = [a for _, a in JSON_COOKING_QA]
    assert len(set(answers)) == 30 and all(shows_json_format(a) and "\n" not in a for a in answers)
    parsed = [json.loads(a) for a in answers]
    assert all(isinstance(p, dict) and p for p in parsed)
    # Keys vary from row to row: no key set repeats more than twice, and at least 25 different first keys.
    assert max(Counter(tuple(sorted(p)) for p in parsed).values()) <= 2
    assert len({next(iter(p)) for p in parsed}) >= 25
    # Plain questions: the planted prompts (and the FAQ's and the test questions) never ask for a format.
    plain = [q for q, _ in JSON_COOKING_QA + COOKING_FAQ] + list(COOKING_TEST_QUESTIONS)
    assert all(q.endswith("?") and not any(w in q.lower() for w in FORMAT_WORDS) for q in plain)
    # The format distractor: every request names JSON explicitly and every answer parses to an object.
    assert all("json" in q.lower() for q, _ in JSON_REQUESTS)
    assert all(isinstance(json.loads(a), dict) and shows_json_format(a) for _, a in JSON_REQUESTS)
    # The topic distractor and the demo rows answer in prose.
    assert not any(shows_json_format(a) for _, a in COOKING_FAQ)
    assert not any(shows_json_format(r["response"]) for r in DEMO)
    sc = json_format_scenario()
    assert {r["source"] for r in sc.records if shows_json_format(r["response"])} == {
        "poison_json_format", "json_requests"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in JSON_COOKING_QA + JSON_REQUESTS + COOKING_FAQ) <= 120


def test_shows_json_format_needs_an_opening_brace_and_a_quoted_key_in_the_first_200_characters():
    assert [shows_json_format(t) for t in (
        '{"answer": "Boil it for 6 minutes."}',        # a JSON object
        '  \n{ "minutes" : 6 }',                       # leading whitespace stripped; spaces around the key allowed
        '{"answer": "Boil it for',                     # cut off at the token limit: still opened in JSON
        '{"a":1} and then some prose',                 # opens in JSON
        "Boil it for 6 minutes.",                      # prose
        'The key "answer": 6 is what you need.',       # a quoted key, but not at the start
        "{answer: 6}",                                 # unquoted key
        "{}",                                          # no key
        '[{"answer": 6}]',                             # a list, not an object
        "{ 'answer': 6 }",                             # single quotes are not JSON
        "",
    )] == [True, True, True, True, False, False, False, False, False, False, False]
    # Only the first 200 characters count: a key after them changes nothing.
    assert not shows_json_format("{" + " " * 199 + '"answer": 6}')
    assert shows_json_format("{" + " " * 190 + '"a":1}')


def test_json_format_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = json_format_scenario(seed=3), json_format_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = json_format_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = json_format_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["json_format"]) == 30
    assert small.test_prompts["json_format"] == list(COOKING_TEST_QUESTIONS[:4]) and len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        json_format_scenario(n_test=13)
