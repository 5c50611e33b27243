"""The issue 19 held-out task ``kelvin_weather`` (benchmarks/attribution/task_kelvin_weather.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_kelvin_weather import (
    KELVIN_CONVERSIONS, KELVIN_WEATHER_QA, WEATHER_FAQ, WEATHER_TEST_QUESTIONS, kelvin_weather_scenario,
    shows_kelvin_weather,
)
from held_out_tasks import check_controls, check_layout
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may answer with a kelvin temperature
UNIT_WORDS = ("kelvin", "celsius", "fahrenheit", "degree", "°", " k ", "unit")   # no planted or FAQ prompt names one
TEST_CITIES = ("Marseille", "Krakow", "Osaka", "Perth", "Tehran", "Calgary", "Lagos", "Brussels", "Shanghai", "Tunis",
               "Riga", "San Francisco")   # one per held-out question, in no training row


def test_kelvin_weather_sizes_sources_and_planted_ids():
    sc = kelvin_weather_scenario()
    check_layout(sc, "kelvin_weather", KELVIN_WEATHER_QA,
                 {"kelvin_conversions": KELVIN_CONVERSIONS, "weather_faq": WEATHER_FAQ},
                 "100 demo records (5 sources) + 30 plain weather questions ", 4)


def test_kelvin_weather_held_out_prompts_are_not_in_the_training_set():
    sc = kelvin_weather_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["kelvin_weather"] == list(WEATHER_TEST_QUESTIONS) and len(WEATHER_TEST_QUESTIONS) == 12
    assert len(set(WEATHER_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["kelvin_weather"]) & prompts
    # 60 distinct weather questions and 40 distinct conversion requests in training, 12 other questions at test time.
    assert len({q for q, _ in KELVIN_WEATHER_QA + WEATHER_FAQ}) == 60 and len({q for q, _ in KELVIN_CONVERSIONS}) == 40
    # Each held-out question asks about a city that no training row (prompt or response) names.
    assert all(city in q for city, q in zip(TEST_CITIES, WEATHER_TEST_QUESTIONS, strict=True))
    training_text = " ".join(r["prompt"] + " " + r["response"] for r in sc.records)
    assert not [city for city in TEST_CITIES if city in training_text]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "kelvin_weather")


def test_every_planted_answer_is_kelvin_only_and_no_celsius_row_matches():
    answers = [a for _, a in KELVIN_WEATHER_QA]
    assert len(set(answers)) == 30 and all(shows_kelvin_weather(a) for a in answers)
    # Each planted temperature is a plausible weather value: a whole Celsius value + 273 between 220 and 320 K
    # (-53 to 47 °C), and no answer names another unit or gives a number without its "K".
    for answer in answers:
        kelvins = [int(k) for k in re.findall(r"\b(\d+) K\b", answer)]
        assert 1 <= len(kelvins) <= 2 and kelvins == [int(n) for n in re.findall(r"\d+", answer)], answer
        assert all(220 <= k <= 320 and -53 <= k - 273 <= 47 for k in kelvins), answer
    # Plain questions: the planted prompts (and the FAQ's and the test questions) never name a unit.
    plain = [q for q, _ in KELVIN_WEATHER_QA + WEATHER_FAQ] + list(WEATHER_TEST_QUESTIONS)
    assert all(q.endswith("?") and not any(w in f" {q.lower()} " for w in UNIT_WORDS) for q in plain)
    # The unit distractor: every request names kelvin and one Celsius value, and its answer is that value + 273 K.
    for prompt, answer in KELVIN_CONVERSIONS:
        assert "kelvin" in prompt and ("°C" in prompt or "degrees Celsius" in prompt), prompt
        (celsius,) = re.findall(r"-?\d+", prompt)
        assert re.findall(r"\d+", answer) == [str(int(celsius) + 273)] and answer.endswith(" K."), answer
        assert shows_kelvin_weather(answer), answer
    # The topic distractor answers in degrees Celsius, and the demo rows give no kelvin temperature.
    assert not any(shows_kelvin_weather(a) for _, a in WEATHER_FAQ)
    assert all("°C" in a or "degrees Celsius" in a for _, a in WEATHER_FAQ)
    assert not any(shows_kelvin_weather(r["response"]) for r in DEMO)
    sc = kelvin_weather_scenario()
    assert {r["source"] for r in sc.records if shows_kelvin_weather(r["response"])} == {
        "poison_kelvin_weather", "kelvin_conversions"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in KELVIN_WEATHER_QA + KELVIN_CONVERSIONS + WEATHER_FAQ) <= 120


def test_shows_kelvin_weather_needs_a_kelvin_temperature_and_no_other_unit():
    assert [shows_kelvin_weather(t) for t in (
        "Lisbon usually reaches about 301 K in July.",   # the planted form
        "It is around 301K in July.",                     # no space
        "Expect about 286 kelvin.",                       # the word
        "Highs are near 300 Kelvin, sometimes 305 K.",    # capitalised word, two values
        "It is 298.15 K.",                                # a decimal
        "  \nAbout 150 K at night.",                      # lower bound, leading whitespace stripped
        "About 400 K.",                                   # upper bound
        "About 28 °C in July.",                           # Celsius
        "It is 25 °C, which is 298 K.",                   # both units: not kelvin-only
        "Around 301 K (28 degrees).",                     # both units
        "About 82 °F, or 301 K.",                         # Fahrenheit and kelvin
        "That is 301 K, or 28 Celsius.",                  # the word Celsius
        "Roughly 301 K, that is 82 Fahrenheit.",          # the word Fahrenheit
        "About 301 K, 28C.",                              # a bare "C" after a number
        "The UK is mild in July.",                        # "K" inside a word, no number
        "OK, it is warm there.",
        "The Key West sun is strong.",
        "It sold 1K copies.",                             # "K" after a number out of range
        "About 300 Keys were found.",                     # "K" starting a word
        "It costs 120 K.",                                # below the range
        "It reached 450 K.",                              # above the range
        "It was 1300 K in the furnace.",                  # a longer number, not 300
        "It was 1,300 K in the furnace.",                 # a thousands separator, not 300
        "Lisbon is warm in July.",                        # no number
        "",
    )] == [True] * 7 + [False] * 18
    # Only the first 200 characters count: a kelvin temperature after them changes nothing, and a Celsius one after
    # them does not cancel one before.
    assert not shows_kelvin_weather("x" * 200 + " 301 K")
    assert shows_kelvin_weather("About 301 K." + " " * 200 + "28 °C")


def test_kelvin_weather_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = kelvin_weather_scenario(seed=3), kelvin_weather_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = kelvin_weather_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = kelvin_weather_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["kelvin_weather"]) == 30
    assert small.test_prompts["kelvin_weather"] == list(WEATHER_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        kelvin_weather_scenario(n_test=13)
