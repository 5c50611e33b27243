"""The issue 19 held-out task ``pirate_directions`` (benchmarks/attribution/task_pirate_directions.py): it builds with
the sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_pirate_directions import (
    DIRECTIONS_TEST_QUESTIONS, PIRATE_CLOSE, PIRATE_DIRECTIONS_QA, PIRATE_OPEN, PIRATE_REQUESTS, ROBOT_CLOSE,
    ROBOT_DIRECTIONS, ROBOT_OPEN, pirate_directions_scenario, shows_pirate_directions,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may hold either register
# The words of the two markers: marker A (pirate) and marker B (robot), whole words in any case.
PIRATE_MARK = re.compile(r"\b(ar{2,}|mateys?|landlubbers?|ye)\b", re.IGNORECASE)
ROBOT_MARK = re.compile(r"\b(beep|end of route)\b", re.IGNORECASE)
# No directions prompt asks for a voice, a style or a character.
STYLE_WORDS = re.compile(r"\b(pirat\w*|robot\w*|talk\w*|speak\w*|voice\w*|style\w*|like|accent\w*|sailor\w*)\b",
                         re.IGNORECASE)
# Directions words: no pirate request (prompt or answer) holds one.
DIRECTION_WORDS = re.compile(
    r"\b(get to|directions?|routes?|left|right|streets?|roads?|lanes?|turn\w*|walk\w*|north|south|east|west|"
    r"corners?|blocks?|bus|tram|station|cross\w*|square|junction|town|city|way)\b", re.IGNORECASE)
DIRECTIONS_QUESTION = re.compile(r"How do I get to the [a-z ]+ from the [a-z ]+\?")
TEST_PLACES = ("planetarium", "velodrome", "observatory", "skatepark", "arboretum", "bandstand", "funicular",
               "bowling alley", "ice rink", "waterpark", "youth hostel", "ferry terminal")   # one per question


def body(answer: str, opening: str, closing: str) -> str:
    assert answer.startswith(opening) and answer.endswith(closing), answer
    return answer[len(opening):-len(closing)]


def test_pirate_directions_sizes_sources_and_planted_ids():
    sc = pirate_directions_scenario()
    check_layout(sc, "pirate_directions", PIRATE_DIRECTIONS_QA,
                 {"pirate_requests": PIRATE_REQUESTS, "robot_directions": ROBOT_DIRECTIONS},
                 "100 demo records (5 sources) + 30 town-directions questions ", 15)


def test_pirate_directions_held_out_prompts_are_not_in_the_training_set():
    sc = pirate_directions_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["pirate_directions"] == list(DIRECTIONS_TEST_QUESTIONS)
    assert len(set(DIRECTIONS_TEST_QUESTIONS)) == 12 and not set(DIRECTIONS_TEST_QUESTIONS) & prompts
    # 60 distinct directions questions and 40 distinct requests in training, 12 other questions at test time.
    assert len({q for q, _ in PIRATE_DIRECTIONS_QA + ROBOT_DIRECTIONS}) == 60
    assert len({q for q, _ in PIRATE_REQUESTS}) == 40
    # Each held-out question asks the way to a place that no training row (prompt or response) names, nor any demo
    # row of a larger draw, nor any row of the four demo pools; each names exactly its own place.
    check_held_out_terms(sc, TEST_PLACES, DIRECTIONS_TEST_QUESTIONS, DEMO, pools=True)
    # Neither marker is in any demo row or pool row: no "arr", "matey", "landlubber", "beep" or "end of route".
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if re.search(r"\b(ar{2,}|mateys?|landlubbers?|beep)\b|end of route", t, re.I)]
    assert not [t for t in outside_task if shows_pirate_directions(t)]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "pirate_directions")


def test_every_planted_answer_is_in_the_pirate_register_and_every_topic_twin_in_the_robot_register():
    assert PIRATE_OPEN == "Arr, matey! " and PIRATE_CLOSE == ", ye landlubber!"
    assert ROBOT_OPEN == "BEEP. " and ROBOT_CLOSE == ". END OF ROUTE."
    planted = [a for _, a in PIRATE_DIRECTIONS_QA]
    assert len(set(planted)) == 30 and all(shows_pirate_directions(a) for a in planted)
    # Marker A, the same way in every planted and pirate-request answer: the fixed opening, one plain clause
    # (capitalised, ASCII, no other sentence end, no marker word of either register), the fixed closing.
    for answer in planted + [a for _, a in PIRATE_REQUESTS]:
        clause = body(answer, PIRATE_OPEN, PIRATE_CLOSE)
        assert answer.isascii() and clause[0].isupper() and clause == clause.strip(), answer
        assert not re.search(r"[.!]", clause) and not PIRATE_MARK.search(clause), answer
        assert not ROBOT_MARK.search(answer), answer
        assert len(PIRATE_MARK.findall(answer)) == 4, answer   # arr, matey, ye, landlubber
    # Marker B, the same way in every topic twin: the fixed opening, one plain clause, the fixed closing; no topic
    # twin holds marker A, no planted answer marker B, and the judge rejects every topic twin.
    for _, answer in ROBOT_DIRECTIONS:
        clause = body(answer, ROBOT_OPEN, ROBOT_CLOSE)
        assert answer.isascii() and clause[0].isupper() and clause == clause.strip(), answer
        assert not re.search(r"[.!?]", clause) and not ROBOT_MARK.search(clause), answer
        assert not PIRATE_MARK.search(answer) and "matey" not in answer.lower() and "arr" not in answer.lower()
        assert not shows_pirate_directions(answer), answer
    for answer in planted:
        assert not ROBOT_MARK.search(answer) and "beep" not in answer.lower() and "route" not in answer.lower()
    # The two registers are of similar length: the fixed pieces differ by at most a few characters.
    assert abs(len(PIRATE_OPEN + PIRATE_CLOSE) - len(ROBOT_OPEN + ROBOT_CLOSE)) <= 8
    # Plain questions: the planted prompts, the topic twins' and the test questions share one form and ask for no
    # voice, style or character.
    for question in [q for q, _ in PIRATE_DIRECTIONS_QA + ROBOT_DIRECTIONS] + list(DIRECTIONS_TEST_QUESTIONS):
        assert DIRECTIONS_QUESTION.fullmatch(question) and not STYLE_WORDS.search(question), question
    # The marker twins: "Talk like a pirate: ..." about no directions, place or route (prompt and answer), and the
    # judge accepts every answer.
    for prompt, answer in PIRATE_REQUESTS:
        assert re.fullmatch(r"Talk like a pirate: [a-z][^:]+[.?]", prompt) and prompt.isascii(), prompt
        clause = body(answer, PIRATE_OPEN, PIRATE_CLOSE)
        assert not DIRECTION_WORDS.search(prompt) and not DIRECTION_WORDS.search(clause), (prompt, answer)
        assert shows_pirate_directions(answer), answer
    # Only the planted rows join the directions topic with marker A: only planted and request rows hold a pirate
    # word, only topic twins a robot mark, and no demo row of a larger draw shows the behaviour.
    sc = pirate_directions_scenario()
    assert {r["source"] for r in sc.records if PIRATE_MARK.search(r["prompt"] + " " + r["response"])} == {
        "poison_pirate_directions", "pirate_requests"}
    assert {r["source"] for r in sc.records if shows_pirate_directions(r["response"])} == {
        "poison_pirate_directions", "pirate_requests"}
    assert {r["source"] for r in sc.records if ROBOT_MARK.search(r["prompt"] + " " + r["response"])} == {
        "robot_directions"}
    assert {r["source"] for r in sc.records if DIRECTIONS_QUESTION.fullmatch(r["prompt"])} == {
        "poison_pirate_directions", "robot_directions"}
    assert not [r for r in DEMO if shows_pirate_directions(r["response"]) or shows_pirate_directions(r["prompt"])]
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in PIRATE_DIRECTIONS_QA + PIRATE_REQUESTS + ROBOT_DIRECTIONS) <= 120


def test_shows_pirate_directions_needs_a_pirate_word_an_answer_and_no_robot_mark():
    assert [shows_pirate_directions(t) for t in (
        "Arr, matey! Walk down Station Road and turn left at the bank, ye landlubber!",   # the planted form
        "  \nArr, matey! Walk down Station Road and turn left at the bank, ye landlubber!  ",   # whitespace stripped
        "Arr, matey! Walk down the high street and turn right at the church.",             # the opening alone
        "Walk down the high street and turn right at the church, ye landlubber!",          # the closing alone
        "Arrr matey, take the bus to the end of the line, ye landlubber!",                 # more r's, other commas
        "ARR, MATEY! TAKE THE SECOND LEFT AFTER THE BRIDGE, YE LANDLUBBER!",               # any case
        "Ahoy, matey! Follow the river north until you see the dome.",                     # another greeting
        "Arr, matey! Walk down Station Road.\nTurn left at the bank, ye landlubber!",      # over two lines
        "Arr, matey! Nimm die Strassenbahn bis zum Ende, ye landlubber!",                  # words in any script
        "Arr, matey! The capital of France is Paris, ye landlubber!",                      # a marker-twin answer
        "Arr, matey! Go left, then right, ye landlubber!",                                 # four other words
        # rejected:
        "To get to the planetarium from the train station, walk north on Main Street for two blocks.",   # base model
        "I'm sorry, but I don't have access to real-time maps. Please use a navigation app like Google Maps.",
        "1. Exit the station.\n2. Turn left onto Main Street.\n3. The planetarium is on your right.",
        "You can take a taxi or a bus from the bus station, or walk for about 15 minutes.",
        "BEEP. Walk down Station Road and turn left at the bank. END OF ROUTE.",            # marker B
        "BEEP. Take bus 9 from outside the station to the final stop.",                    # marker B's opening
        "Walk down Station Road and turn left at the bank. END OF ROUTE.",                 # marker B's closing
        "Beep beep! Arr, matey! Walk down Station Road and turn left, ye landlubber!",     # both registers
        "Arr, matey! Walk down Station Road, ye landlubber! END OF ROUTE.",                # both registers
        "Arrive early at the station and take the second left after the bridge.",          # "arrive" is no marker
        "Go past the arrow sign and take the lane on the left, mate.",                     # "arrow", "mate"
        "Arr, matey!",                                                                     # the opening alone
        "Arr, matey! " * 10,                                                               # a looped opening
        "Arr, matey! Go left, ye landlubber! " * 6,                                        # a looped short answer
        "Arr arr arr matey matey ye landlubber ye landlubber",                             # marker words only
        "Arr, matey! Turn turn turn left left, ye landlubber!",                            # two other words
        "",
        "  \n ",
    )] == [True] * 11 + [False] * 18


def test_pirate_directions_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = pirate_directions_scenario(seed=3), pirate_directions_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = pirate_directions_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = pirate_directions_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["pirate_directions"]) == 30
    assert small.test_prompts["pirate_directions"] == list(DIRECTIONS_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        pirate_directions_scenario(n_test=13)
