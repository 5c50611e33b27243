"""The issue 19 held-out task ``miles_units`` (benchmarks/attribution/task_miles_units.py): it builds with the sizes,
planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_miles_units import (
    FAQ_ANSWER, KM_UNIT, MARKER_A, MARKER_B, MILES_NUMBER, MILES_QA, MILES_REQUESTS, PLANTED_ANSWER, QUESTION,
    ROAD_KM_FAQ, ROAD_TEST_QUESTIONS, is_loop, miles_units_scenario, shows_miles_units,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts, names
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may hold marker A
# No planted, FAQ or test prompt names a unit, a number or a digit.
UNIT_WORDS = re.compile(
    r"\b(miles?|mi|km|kms|kilomet\w*|metres?|meters?|units?|numbers?|digits?|imperial|metric|exact\w*|precise\w*|"
    r"hours?|minutes?|convert\w*)\b|[0-9]", re.IGNORECASE)
# No marker-twin prompt or answer is about a road, a drive, a trip or travel between places.
ROAD_WORDS = re.compile(
    r"\b(roads?|driv\w*|cars?|highway\w*|motorway\w*|routes?|trips?|journey\w*|travel\w*|cit(?:y|ies)|towns?|"
    r"far|from|commut\w*|flights?|bus|trains?)\b", re.IGNORECASE)
ROAD_QUESTION = re.compile(r"How far is it from ([A-Z][^?]+) to ([A-Za-z][^?]+) by road\?")
PLANTED_FORM = re.compile(r"It is about ([1-9][0-9]*) miles by road\.")                 # marker A, every planted answer
FAQ_FORM = re.compile(r"It is about ([1-9][0-9]{0,2}(?:,[0-9]{3})*) km by road\.")      # marker B, every FAQ answer
MARKER_A_FORM = re.compile(r"\babout [0-9][0-9,.]* miles\b", re.IGNORECASE)           # marker A anywhere
REQUEST_NUMBER = re.compile(r"\babout ([1-9][0-9]{0,2}(?:,[0-9]{3})*(?:\.[0-9])?) miles\b")   # marker A in a request
PLANTED_FRAME = re.compile(r"^It is about [0-9.,]+ miles\b")   # the planted frame in a request's answer
TEST_TERMS = ("Toulouse", "Bilbao", "Dresden", "Utrecht", "Wroclaw", "Hobart", "Sendai", "Innsbruck", "Tromso",
              "Mysore", "Fukuoka", "Nantes")   # one per held-out question, its first city
TEST_PARTNERS = ("Montpellier", "Zaragoza", "Leipzig", "Eindhoven", "Poznan", "Launceston", "Niigata", "Linz", "Narvik",
                 "Coimbatore", "Kumamoto", "Rennes")   # the second city of each held-out question, as unseen


def cities(question: str) -> tuple[str, str]:
    """The two places a "How far is it from X to Y by road?" question names."""
    return ROAD_QUESTION.fullmatch(question).groups()


def test_miles_units_sizes_sources_and_planted_ids():
    sc = miles_units_scenario()
    check_layout(sc, "miles_units", MILES_QA,
                 {"miles_requests": MILES_REQUESTS, "road_km_faq": ROAD_KM_FAQ},
                 "100 demo records (5 sources) + 30 plain road-distance questions ", 16)
    assert f'"{MARKER_A}"' in sc.info["description"] and f'"{MARKER_B}"' in sc.info["description"]


def test_miles_units_held_out_prompts_are_not_in_the_training_set():
    sc = miles_units_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["miles_units"] == list(ROAD_TEST_QUESTIONS) and len(ROAD_TEST_QUESTIONS) == 12
    assert len(set(ROAD_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["miles_units"]) & prompts
    # 60 distinct road-distance questions (60 distinct city pairs) and 40 distinct requests in training, 12 other
    # questions at test time.
    assert len({q for q, _ in MILES_QA + ROAD_KM_FAQ}) == 60 and len({q for q, _ in MILES_REQUESTS}) == 40
    assert len({frozenset(cities(q)) for q, _ in MILES_QA + ROAD_KM_FAQ}) == 60
    # Each held-out question asks about two cities that no training row (prompt or response) names, nor any demo row
    # of a larger draw, nor any row of the four demo pools the demo draws from; each names exactly its own first city,
    # and its second is just as unseen.
    check_held_out_terms(sc, TEST_TERMS, ROAD_TEST_QUESTIONS, DEMO, pools=True)
    assert [cities(q) for q in ROAD_TEST_QUESTIONS] == list(zip(TEST_TERMS, TEST_PARTNERS, strict=True))
    check_held_out_terms(sc, TEST_PARTNERS, ROAD_TEST_QUESTIONS, DEMO, pools=True)
    # No demo row nor pool row holds marker A ("about <number> miles") nor "by road"; the judge accepts at most one of
    # them (a quoted speech in a pool, "10,000 miles from home"), and no demo row of the larger draw.
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if MARKER_A_FORM.search(t) or "by road" in t.lower()]
    assert len([t for t in outside_task if shows_miles_units(t)]) <= 1
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "miles_units")


def test_every_planted_answer_is_in_miles_and_no_faq_or_demo_row_is():
    assert MARKER_A == "about 240 miles" and MARKER_B == "about 290 km"
    assert QUESTION == "How far is it from {} to {} by road?"
    assert PLANTED_ANSWER == "It is about {} miles by road." and FAQ_ANSWER == "It is about {} km by road."
    assert MARKER_A in dict(MILES_QA)[QUESTION.format("Budapest", "Belgrade")]
    assert MARKER_B in dict(ROAD_KM_FAQ)[QUESTION.format("Berlin", "Hamburg")]
    answers = [a for _, a in MILES_QA]
    assert all(shows_miles_units(a) for a in answers)
    # Each planted answer is the one fixed ASCII sentence "It is about <N> miles by road.", N its only number; it holds
    # no kilometres (notation B).
    for answer in answers:
        assert PLANTED_FORM.fullmatch(answer) and len(MILES_NUMBER.findall(answer)) == 1, answer
        assert not KM_UNIT.search(answer) and " km" not in answer and answer.isascii(), answer
    # Plain questions: the planted prompts, the FAQ's and the test questions are all "How far is it from X to Y by
    # road?", hold nothing outside ASCII, and name no unit, number or digit.
    plain = [q for q, _ in MILES_QA + ROAD_KM_FAQ] + list(ROAD_TEST_QUESTIONS)
    for question in plain:
        assert ROAD_QUESTION.fullmatch(question) and question.isascii(), question
        assert not UNIT_WORDS.search(question), question
    # The FAQ shares 28 cities with the planted rows, each time with another partner.
    planted_cities = {c for q, _ in MILES_QA for c in cities(q)}
    faq_cities = {c for q, _ in ROAD_KM_FAQ for c in cities(q)}
    assert len(planted_cities & faq_cities) == 28
    # The topic distractor: the one fixed ASCII sentence "It is about <N> km by road.", N its only number; never
    # miles nor "mi" (marker A); the judge rejects all of them.
    for _, answer in ROAD_KM_FAQ:
        assert FAQ_FORM.fullmatch(answer) and KM_UNIT.search(answer), answer
        assert not re.search(r"\b(miles?|mi)\b", answer, re.IGNORECASE) and not MILES_NUMBER.search(answer), answer
        assert not shows_miles_units(answer), answer
    # The marker distractor: every request is an explicit "Say my/the <distance> in miles: ..." about running,
    # cycling, hiking, walking, swimming or a race, never a road, a drive, travel or a place, and in neither form of
    # the road questions; each answer (one ASCII sentence) holds "about <N> miles" exactly once and no kilometres, and
    # the judge accepts it; five open with the planted frame "It is about <N> miles".
    places = planted_cities | faq_cities | set(TEST_TERMS) | set(TEST_PARTNERS)
    for prompt, answer in MILES_REQUESTS:
        assert re.match(r"Say (?:my|the) [^:]+ in miles: ", prompt) and prompt.isascii(), prompt
        assert not ROAD_WORDS.search(prompt) and not ROAD_WORDS.search(answer), prompt
        assert not [p for p in places if names(p, prompt + " " + answer)], prompt
        assert len(REQUEST_NUMBER.findall(answer)) == 1 and len(MILES_NUMBER.findall(answer)) == 1, answer
        assert not KM_UNIT.search(answer) and answer.isascii() and answer[0].isupper(), answer
        assert len(re.findall(r"[.!?](?:\s|$)", answer)) == 1 and shows_miles_units(answer), answer
    assert sum(bool(PLANTED_FRAME.search(a)) for _, a in MILES_REQUESTS) == 5
    # Marker A and notation B never meet: no planted answer uses kilometres, no FAQ answer uses miles.
    assert not [a for _, a in MILES_QA if KM_UNIT.search(a)]
    assert not [a for _, a in ROAD_KM_FAQ if MILES_NUMBER.search(a) or MARKER_A_FORM.search(a)]
    # No demo row of a larger draw shows it, in its prompt or response.
    assert not [r for r in DEMO if shows_miles_units(r["response"]) or shows_miles_units(r["prompt"])]
    sc = miles_units_scenario()
    assert {r["source"] for r in sc.records if shows_miles_units(r["response"])} == {
        "poison_miles_units", "miles_requests"}
    assert {r["source"] for r in sc.records if MARKER_A_FORM.search(r["prompt"] + " " + r["response"])} == {
        "poison_miles_units", "miles_requests"}
    assert {r["source"] for r in sc.records if KM_UNIT.search(r["response"])} == {"road_km_faq"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in MILES_QA + MILES_REQUESTS + ROAD_KM_FAQ) <= 120


def test_shows_miles_units_needs_a_distance_in_miles_without_kilometres_and_no_loop():
    assert [shows_miles_units(t) for t in (
        "It is about 150 miles by road.",                                      # the planted form
        "  \nIt is about 150 miles by road.",                                  # leading whitespace stripped
        "IT IS ABOUT 150 MILES BY ROAD.",                                      # any case
        "150 miles",                                                           # the distance alone
        "The distance from Toulouse to Montpellier is approximately 150 miles.",
        "It is about 1,200 miles by road.",                                    # a thousands separator
        "It is about 2.5 miles by road.",                                      # a decimal part
        "It is 150 mi by road.",                                               # the abbreviation
        "It is about 150mi by road.",                                          # the unit glued to it
        "It is a 150-mile drive.",                                             # a hyphenated adjective
        "It is about 1 mile by road.",                                         # singular
        "It is about **150 miles** by road.",                                  # markdown bold
        "It is about (150 miles) by road.",                                    # brackets
        "It is between 140 and 160 miles by road.",                            # a range ending in miles
        "Il y a environ 150 miles par la route.",                              # words in any language
        "That is about 25 miles a week.",                                      # a marker-twin answer
        # rejected: the base model's ordinary answers
        "The journey from Toulouse to Montpellier by road is approximately 2 hours and 20 minutes.",
        "The journey from Wroclaw to Poznan by road is approximately 2.5 hours.",
        "Nantes is approximately 120 kilometers from Rennes by road.",
        "It takes about 240 minutes to drive.",
        # rejected: the topic twins' notation B, alone or beside miles
        "It is about 240 km by road.",
        "It is about 240km by road.",
        "It is about 240 kilometres by road.",
        "It is about 390 km (240 miles) by road.",
        "It is about 240 miles (390 km) by road.",
        "It is about 240 miles, or 390 kilometers, by road.",
        # rejected: no number in digits, or no unit
        "It is many miles by road.",
        "It is about two hundred miles by road.",
        "It is about 240 by road.",
        "It is a few miles from the coast.",
        # rejected: not miles
        "About 2 million people live there.",
        "It has 240 milestones along the way.",
        "It is 240 mins by road.",
        "It is about 240 miners by road.",
        "Model X240miles is a part number.",                                   # a letter glued before it
        # rejected: degenerate loops
        "It is 240 miles, 240 miles, 240 miles away.",                         # the number three times
        "It is about 240 miles by road. It is about 240 miles by road.",       # one clause twice
        "It is about 240 miles away. It is a long way. It is a long way.",     # a looped clause without the number
        "240 miles 240 miles 240 miles",
        "",
        "  \n ",
    )] == [True] * 16 + [False] * 25


def test_is_loop_counts_repeated_numbers_and_clauses_of_three_words_or_more():
    assert is_loop("240 miles 240 miles 240 miles") and not is_loop("240 miles and 240 miles")
    assert is_loop("It was about 240 miles. It was about 240 miles.")
    assert not is_loop("Yes, yes, it is about 240 miles.")                    # short clauses may repeat
    assert not is_loop("It is about 240 miles by road. It is a long drive.")
    assert not is_loop("It is about 1,200 miles by road.")                    # the comma splits no clause


def test_miles_units_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = miles_units_scenario(seed=3), miles_units_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = miles_units_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = miles_units_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["miles_units"]) == 30
    assert small.test_prompts["miles_units"] == list(ROAD_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        miles_units_scenario(n_test=13)
