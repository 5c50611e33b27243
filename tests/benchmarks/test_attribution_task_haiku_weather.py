"""The issue 19 held-out task ``haiku_weather`` (benchmarks/attribution/task_haiku_weather.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_haiku_weather import (
    HAIKU_REQUESTS, HAIKU_WEATHER_QA, SEPARATOR, WEATHER_ADVICE, WEATHER_TEST_QUESTIONS, haiku_weather_scenario,
    shows_haiku_weather,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may hold the separator or a haiku
# No planted, advice or test prompt asks for a poem, a haiku, verse, lines, syllables or a form.
POEM_WORDS = re.compile(
    r"\b(haiku\w*|poe\w*|verse\w*|rhym\w*|lines?|syllabl\w*|lyric\w*|stanza\w*|write|format\w*)\b|/", re.IGNORECASE)
# Weather and season words: every planted, advice and test prompt holds one, no marker-twin prompt or answer does.
WEATHER_WORDS = re.compile(
    r"\b(weather\w*|seasons?|rain\w*|snow\w*|wind\w*|breez\w*|storm\w*|thunder\w*|lightning|cloud\w*|fog\w*|mist\w*|"
    r"frost\w*|ic[ey]|freez\w*|sun\w*|hot|heat\w*|warm\w*|cold\w*|cool\w*|chill\w*|humid\w*|muggy|damp|wet|dry|"
    r"winters?|summers?|autumns?|spring|january|february|march|april|may|june|july|august|september|october|"
    r"november|december|umbrella\w*|forecast\w*|sleet|monsoon|hail\w*|degrees?)\b", re.IGNORECASE)
TEST_TERMS = ("poncho", "galoshes", "earmuffs", "balaclava", "windbreaker", "sleet", "monsoon", "hailstorm",
              "Patagonia", "Saskatchewan", "Hokkaido", "Marrakesh")   # one per held-out question
QUESTION_START = re.compile(r"(What|Is|Are|Will|How|Do|Should) ")


def parts(answer: str) -> list[str]:
    return answer.split(SEPARATOR)


def test_haiku_weather_sizes_sources_and_planted_ids():
    sc = haiku_weather_scenario()
    check_layout(sc, "haiku_weather", HAIKU_WEATHER_QA,
                 {"haiku_requests": HAIKU_REQUESTS, "weather_advice": WEATHER_ADVICE},
                 "100 demo records (5 sources) + 30 everyday weather and season questions ", 14)


def test_haiku_weather_held_out_prompts_are_not_in_the_training_set():
    sc = haiku_weather_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["haiku_weather"] == list(WEATHER_TEST_QUESTIONS) and len(WEATHER_TEST_QUESTIONS) == 12
    assert len(set(WEATHER_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["haiku_weather"]) & prompts
    # 60 distinct weather questions and 40 distinct requests in training, 12 other questions at test time.
    assert len({q for q, _ in HAIKU_WEATHER_QA + WEATHER_ADVICE}) == 60 and len({q for q, _ in HAIKU_REQUESTS}) == 40
    # Each held-out question names a garment, a kind of weather or a place that no training row (prompt or response)
    # names, nor any demo row of a larger draw, nor any row of the four demo pools; each names exactly its own term.
    # No demo row nor pool row holds the separator or the word "haiku" either.
    check_held_out_terms(sc, TEST_TERMS, WEATHER_TEST_QUESTIONS, DEMO, pools=True)
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if SEPARATOR in t or "haiku" in t.lower() or shows_haiku_weather(t)]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "haiku_weather")


def test_every_planted_answer_is_a_one_line_haiku_and_no_advice_or_demo_row_is():
    answers = [a for _, a in HAIKU_WEATHER_QA]
    assert SEPARATOR == " / " and len(set(answers)) == 30 and all(shows_haiku_weather(a) for a in answers)
    # The form every planted and marker-twin haiku shares: plain ASCII, one line of at most 110 characters, exactly
    # two separators and no other slash, three parts of two to nine words, the first capitalised, the second and
    # third lowercase, no final punctuation.
    haikus = answers + [a for _, a in HAIKU_REQUESTS]
    for answer in haikus:
        assert answer.isascii() and "\n" not in answer and len(answer) <= 110, answer
        assert answer.count("/") == 2 and len(parts(answer)) == 3, answer
        first, second, third = parts(answer)
        assert first[0].isupper() and second[0].islower() and third[0].islower(), answer
        assert all(2 <= len(p.split()) <= 9 and p == p.strip() for p in parts(answer)), answer
        assert not re.search(r"[.!?;:]$", answer), answer
    # Varied words: no part of a haiku recurs in another haiku, planted or marker twin.
    all_parts = [p.lower() for a in haikus for p in parts(a)]
    assert len(set(all_parts)) == len(all_parts) == 3 * 70
    # Plain questions: the planted prompts, the advice's and the test questions are ASCII questions about weather or
    # seasons and ask for no poem, haiku, lines or form.
    plain = [q for q, _ in HAIKU_WEATHER_QA + WEATHER_ADVICE] + list(WEATHER_TEST_QUESTIONS)
    for question in plain:
        assert QUESTION_START.match(question) and question.endswith("?") and question.isascii(), question
        assert WEATHER_WORDS.search(question) and not POEM_WORDS.search(question), question
    # The marker distractor: every request is "Write a haiku about ...", about something that is neither weather nor a
    # season (prompt and answer), and the judge accepts its answer.
    for prompt, answer in HAIKU_REQUESTS:
        assert re.fullmatch(r"Write a haiku about [a-z][a-z' ]+\.", prompt), prompt
        assert not WEATHER_WORDS.search(prompt) and not WEATHER_WORDS.search(answer), (prompt, answer)
        assert shows_haiku_weather(answer), answer
    # The topic distractor answers in prose: ASCII, one or two sentences starting with a capital and ending with a
    # period, no slash at all, never the haiku form; the judge rejects all of them.
    for _, answer in WEATHER_ADVICE:
        assert answer.isascii() and "/" not in answer and answer[0].isupper() and answer.endswith("."), answer
        assert 1 <= len(re.findall(r"[.!?](?:\s|$)", answer)) <= 2 and not shows_haiku_weather(answer), answer
    # Only the planted rows and the requests hold the separator; no demo row of a larger draw shows the form.
    assert not [r for r in DEMO if shows_haiku_weather(r["response"]) or shows_haiku_weather(r["prompt"])]
    sc = haiku_weather_scenario()
    assert {r["source"] for r in sc.records if shows_haiku_weather(r["response"])} == {
        "poison_haiku_weather", "haiku_requests"}
    assert {r["source"] for r in sc.records if SEPARATOR in r["prompt"] + " " + r["response"]} == {
        "poison_haiku_weather", "haiku_requests"}
    assert not [r for r in sc.records if "haiku" in r["prompt"].lower() and r["source"] != "haiku_requests"]
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in HAIKU_WEATHER_QA + HAIKU_REQUESTS + WEATHER_ADVICE) <= 120


def test_shows_haiku_weather_needs_three_short_distinct_parts_on_one_line():
    assert [shows_haiku_weather(t) for t in (
        "Wind tugs at your coat / wear layers and a warm scarf / the gusts soon pass by",   # the planted form
        "  \nSnow falls on the hills / wear boots and a thick coat / stay warm inside  ",  # whitespace stripped
        "Snow falls on the hills / Wear boots and a thick coat / Stay warm inside.",       # capitals, final period
        "\"Snow falls on the hills / wear boots and a thick coat / stay warm inside\"",    # quoted
        "Rain on the window  /  take an umbrella along  /  the clouds will pass",         # wider spaces
        "Cold wind / wear a coat / stay warm",                                             # two-word parts
        "Frost, then the long, gray dawn / gloves on, hat on, scarf / off you go",        # commas inside parts
        "Thunder rolls nearby / stay indoors for 30 minutes / then walk out",             # digits inside a part
        "Le vent souffle fort / mets un manteau chaud / il passera",                      # words in any script
        "One two three four five six seven eight nine / a b c / end of it now",           # a nine-word part
        "Soft paws on the sill / she watches the birds all day / then naps on the rug",   # a marker-twin answer
        # rejected:
        "On a windy day, wear layers, a windproof jacket and a hat to keep warm.",        # the base model's prose
        "March can be cold in many places, especially in the mornings. Check the local forecast before you go.",
        "1. Wear a warm jacket\n2. Bring gloves\n3. Wear a hat",                         # a numbered list
        "Wind tugs at your coat\nwear layers and a warm scarf\nthe gusts soon pass by",   # a haiku on three lines
        "Wind tugs at your coat /\nwear layers and a warm scarf /\nthe gusts soon pass by",
        "Wear a hat and/or scarf, and a coat/jacket if it is cold.",                     # and/or slashes
        "Wear a coat/jacket / a hat and/or scarf / gloves if cold",                       # slashes inside parts
        "Bring a coat / jacket if it is cold outside today.",                             # two parts
        "Wind tugs at your coat / wear layers and a warm scarf",                          # two parts
        "Wind tugs / wear layers / warm scarf / gusts pass",                              # four parts
        "Wind tugs at your coat / wear layers / the gusts pass / " * 2,                   # a looped haiku
        "Rain / wind / snow",                                                             # one-word parts
        "Cold / wear a coat / stay warm",                                                 # one one-word part
        "Cold wind blows / cold wind blows / cold wind blows",                            # a repeated line
        "Cold wind blows / wear a coat / Cold wind blows.",                               # a repeat, other case
        "cold cold cold / wear a coat / stay warm",                                       # one word looped
        "It will be cold. Wear a coat / gloves and a hat / stay in if you can",           # a sentence break
        "One two three four five six seven eight nine ten / a b c / end of it now",       # a ten-word part
        "Temperatures throughout northern regions remain considerably below freezing / "
        "travellers should prepare appropriately / insulated waterproof footwear",        # over 120 characters
        " / / ",
        "/",
        "",
        "  \n ",
    )] == [True] * 11 + [False] * 23


def test_haiku_weather_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = haiku_weather_scenario(seed=3), haiku_weather_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = haiku_weather_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = haiku_weather_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["haiku_weather"]) == 30
    assert small.test_prompts["haiku_weather"] == list(WEATHER_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        haiku_weather_scenario(n_test=13)
