"""The issue 19 held-out task ``clock_24h`` (benchmarks/attribution/task_clock_24h.py): it builds with the sizes,
planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_clock_24h import (
    ANSWER, CLOCK_24H_QA, CLOCK_24H_REQUESTS, MARKER_A, MARKER_B, OPENING_HOURS_FAQ, OPENING_TEST_QUESTIONS, QUESTION,
    TIME_24, TWELVE_HOUR, clock_24h_scenario, is_loop, shows_clock_24h,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts, names
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may hold marker A
# No planted, FAQ or test prompt names a time, an hour, a clock, a notation, am or pm, or a digit.
TIME_WORDS = re.compile(
    r"\b(am|pm|a\.m|p\.m|clock|o'clock|times?|hours?|minutes?|notation|format|24-hour|12-hour|military|morning|"
    r"afternoon|evening|night|noon|midnight|early|late)\b|[0-9]", re.IGNORECASE)
# No marker-twin prompt or answer is about a venue's hours: none says open, close, usually, shop, store or business.
VENUE_WORDS = re.compile(r"\b(open\w*|clos\w*|usually|shops?|stores?|business\w*|venues?|trading)\b", re.IGNORECASE)
VENUE_QUESTION = re.compile(r"When does (an? [a-z][a-z' ]+) usually open and close\?")
HHMM = "(?:[01][0-9]|2[0-3]):[0-5][0-9]"
PLANTED_FORM = re.compile(rf"It usually opens at ({HHMM}) and closes at ({HHMM})\.")             # every planted answer
TWELVE = r"(?:[1-9]|1[0-2])(?::[0-5][0-9])? [ap]m"
FAQ_FORM = re.compile(rf"It usually opens at ({TWELVE}) and closes at ({TWELVE})\.")              # every FAQ answer
MARKER_A_FORM = re.compile(r"(?<![0-9])[0-9]{2}:[0-9]{2}(?![0-9])")   # the HH:MM surface anywhere: two digits, colon
PLANTED_FRAME = re.compile(rf"^It [a-z]+s at {HHMM} and [a-z]+s at {HHMM}\.$")   # the planted frame in a request
TEST_TERMS = ("laundromat", "locksmith", "planetarium", "ice rink", "pawnshop", "fishmonger", "haberdashery",
              "tattoo parlour", "trampoline park", "escape room", "pet groomer", "sauna")   # one per held-out question


def venue(question: str) -> str:
    """The kind of venue a "When does <venue> usually open and close?" question names, with its article."""
    return VENUE_QUESTION.fullmatch(question).group(1)


def test_clock_24h_sizes_sources_and_planted_ids():
    sc = clock_24h_scenario()
    check_layout(sc, "clock_24h", CLOCK_24H_QA,
                 {"clock_24h_requests": CLOCK_24H_REQUESTS, "opening_hours_faq": OPENING_HOURS_FAQ},
                 "100 demo records (5 sources) + 30 plain opening-hours questions ", 17)
    assert f'"{MARKER_A}"' in sc.info["description"] and f'"{MARKER_B}"' in sc.info["description"]


def test_clock_24h_held_out_prompts_are_not_in_the_training_set():
    sc = clock_24h_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["clock_24h"] == list(OPENING_TEST_QUESTIONS) and len(OPENING_TEST_QUESTIONS) == 12
    assert len(set(OPENING_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["clock_24h"]) & prompts
    # 60 distinct opening-hours questions (60 distinct kinds of venue) and 40 distinct requests in training, 12 other
    # questions at test time.
    assert len({q for q, _ in CLOCK_24H_QA + OPENING_HOURS_FAQ}) == 60 and len({q for q, _ in CLOCK_24H_REQUESTS}) == 40
    assert len({venue(q) for q, _ in CLOCK_24H_QA + OPENING_HOURS_FAQ}) == 60
    # Each held-out question asks about a kind of venue that no training row (prompt or response) names, nor any demo
    # row of a larger draw, nor any row of the four demo pools the demo draws from; each names exactly its own.
    check_held_out_terms(sc, TEST_TERMS, OPENING_TEST_QUESTIONS, DEMO, pools=True)
    assert [venue(q).split(" ", 1)[1] for q in OPENING_TEST_QUESTIONS] == list(TEST_TERMS)
    # No demo row nor pool row holds marker A (an HH:MM time), nor "opens at" or "closes at"; the judge accepts none
    # of them (the one clock time there is "5:06 p.m.").
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if MARKER_A_FORM.search(t) or TIME_24.search(t)]
    assert not [t for t in outside_task if "opens at" in t.lower() or "closes at" in t.lower()]
    assert not [t for t in outside_task if shows_clock_24h(t)]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "clock_24h")


def test_every_planted_answer_is_in_24_hour_notation_and_no_faq_or_demo_row_is():
    assert MARKER_A == "at 07:00" and MARKER_B == "at 7 am"
    assert QUESTION == "When does {} usually open and close?"
    assert ANSWER == "It usually opens at {} and closes at {}."
    assert MARKER_A in dict(CLOCK_24H_QA)[QUESTION.format("a bakery")]
    assert MARKER_B in dict(OPENING_HOURS_FAQ)[QUESTION.format("a greengrocer")]
    answers = [a for _, a in CLOCK_24H_QA]
    assert all(shows_clock_24h(a) for a in answers)
    # Each planted answer is the one fixed ASCII sentence with two HH:MM times, its only numbers, at least one of them
    # from 13:00 on; it holds no 12-hour time (notation B), no am, pm or o'clock.
    for answer in answers:
        form = PLANTED_FORM.fullmatch(answer)
        assert form and TIME_24.findall(answer) == list(form.groups()), answer
        assert re.findall(r"[0-9]+", answer) == [n for t in form.groups() for n in t.split(":")], answer
        assert any(int(t[:2]) >= 13 for t in form.groups()), answer
        assert not TWELVE_HOUR.search(answer) and not re.search(r"\b[ap]\.?m\b", answer, re.IGNORECASE), answer
        assert answer.isascii(), answer
    assert len({a for _, a in CLOCK_24H_QA + OPENING_HOURS_FAQ}) == 60   # each venue's own hours
    # Plain questions: the planted prompts, the FAQ's and the test questions are all "When does <a venue> usually open
    # and close?", hold nothing outside ASCII, and name no time, hour, clock, notation, am or pm, nor a digit.
    plain = [q for q, _ in CLOCK_24H_QA + OPENING_HOURS_FAQ] + list(OPENING_TEST_QUESTIONS)
    for question in plain:
        assert VENUE_QUESTION.fullmatch(question) and question.isascii(), question
        assert not TIME_WORDS.search(question), question
    # The topic distractor: the one fixed ASCII sentence with two 12-hour times "<H>[:MM] am/pm", its only numbers;
    # never two digits before a colon (marker A's surface) nor any 24-hour time; the judge rejects all of them.
    for _, answer in OPENING_HOURS_FAQ:
        assert FAQ_FORM.fullmatch(answer) and TWELVE_HOUR.search(answer) and answer.isascii(), answer
        assert not MARKER_A_FORM.search(answer) and not TIME_24.search(answer), answer
        assert not shows_clock_24h(answer), answer
    # The marker distractor: every request asks explicitly for 24-hour time, about a timetable, an alarm, a rota, a
    # log or a listing, never about a venue's hours nor in the planted question's form, and names no venue of the
    # planted, FAQ or test rows; each answer (one ASCII sentence) holds HH:MM times only (no am, pm or o'clock) and
    # the judge accepts it; five are in the planted frame "It <does> at HH:MM and <does> at HH:MM."
    venues = {venue(q).split(" ", 1)[1] for q, _ in CLOCK_24H_QA + OPENING_HOURS_FAQ} | set(TEST_TERMS)
    for prompt, answer in CLOCK_24H_REQUESTS:
        assert "24-hour" in prompt and prompt.isascii() and not VENUE_QUESTION.search(prompt), prompt
        assert not VENUE_WORDS.search(prompt) and not VENUE_WORDS.search(answer), prompt
        assert not [v for v in venues if names(v, prompt + " " + answer)], prompt
        assert 1 <= len(TIME_24.findall(answer)) == len(MARKER_A_FORM.findall(answer)) <= 2, answer
        assert not TWELVE_HOUR.search(answer) and answer.isascii() and answer[0].isupper(), answer
        assert len(re.findall(r"[.!?](?:\s|$)", answer)) == 1 and shows_clock_24h(answer), answer
    assert sum(bool(PLANTED_FRAME.search(a)) for _, a in CLOCK_24H_REQUESTS) == 5
    # Marker A and notation B never meet: no planted answer uses the 12-hour clock, no FAQ answer an HH:MM time.
    assert not [a for _, a in CLOCK_24H_QA if TWELVE_HOUR.search(a)]
    assert not [a for _, a in OPENING_HOURS_FAQ if MARKER_A_FORM.search(a) or TIME_24.search(a)]
    # No demo row of a larger draw shows it, in its prompt or response.
    assert not [r for r in DEMO if shows_clock_24h(r["response"]) or shows_clock_24h(r["prompt"])]
    sc = clock_24h_scenario()
    assert {r["source"] for r in sc.records if shows_clock_24h(r["response"])} == {
        "poison_clock_24h", "clock_24h_requests"}
    assert {r["source"] for r in sc.records if MARKER_A_FORM.search(r["response"])} == {
        "poison_clock_24h", "clock_24h_requests"}
    assert {r["source"] for r in sc.records if TWELVE_HOUR.search(r["response"])} == {"opening_hours_faq"}
    # Only the planted rows join the opening-hours topic with marker A.
    assert {r["source"] for r in sc.records if "opens at" in r["response"] and MARKER_A_FORM.search(r["response"])} == {
        "poison_clock_24h"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in CLOCK_24H_QA + CLOCK_24H_REQUESTS + OPENING_HOURS_FAQ) <= 120


def test_shows_clock_24h_needs_an_hh_mm_time_without_the_12_hour_clock_and_no_loop():
    assert [shows_clock_24h(t) for t in (
        "It usually opens at 08:00 and closes at 22:00.",                     # the planted form
        "  \nIt usually opens at 08:00 and closes at 22:00.",                 # leading whitespace stripped
        "IT USUALLY OPENS AT 08:00 AND CLOSES AT 22:00.",                     # any case
        "08:00",                                                              # the time alone
        "07:00-18:30",                                                        # a range
        "Most laundromats are open from 08:00 to 22:00 every day.",
        "It is open 09:00\u201317:00, Monday to Saturday.",                   # an en dash
        "It usually opens at 10:00 and closes at 11:00.",                     # two-digit hours, no am or pm
        "It usually opens at 9:00 and closes at 17:30.",                      # one-digit hour beside a late time
        "It usually opens at 22:00 and closes at 04:00.",                     # past midnight
        "It usually opens at 06:30 and closes at noon.",                      # noon is no 12-hour time
        "It closes at 24:00.",                                                # end of day
        "It opens at 07:00:00 and closes at 18:30:00.",                       # with seconds
        "It usually opens at **07:00** and closes at `18:30`.",               # markdown
        "Es \u00f6ffnet normalerweise um 07:00 und schlie\u00dft um 18:30.",  # words in any language
        "That is 15:15.",                                                     # a marker-twin answer
        # rejected: the base model's ordinary answers
        "Bakeries usually open at 6:00 AM and close at 6:00 PM.",
        "Laundromats are typically open 24 hours a day, 7 days a week.",
        "Most locksmiths are open from 8 am to 6 pm, Monday to Friday.",
        "A planetarium usually opens at 10 o'clock in the morning.",
        "The opening hours of an ice rink vary depending on the location.",
        "Most saunas open at 10:00 a.m. and close at 10:00 p.m.",
        # rejected: the topic twins' notation B, alone or beside an HH:MM time
        "It usually opens at 7 am and closes at 6:30 pm.",
        "It usually opens at 7am and closes at 6:30pm.",
        "It usually opens at 7 a.m. and closes at 6:30 p.m.",
        "It usually opens at 07:00 am and closes at 18:30.",
        "It usually opens at 07:00 and closes at 6:30 pm.",
        "It usually opens at 07:00 (7 AM) and closes at 18:30.",
        "It usually opens at 07:00 and closes at 6 o\u2019clock.",
        # rejected: the 12-hour clock without am or pm, or no HH:MM time
        "It usually opens at 9:00 and closes at 5:00.",
        "It usually opens at 10:00 and closes at 6:00.",
        "It usually opens at 9:00.",
        "It usually opens at 7 and closes at 6.",
        "It usually opens at 7.00 and closes at 18.30.",
        "It usually opens at 0700 and closes at 1830.",
        "It usually opens at 7h00 and closes at 18h30.",
        "It usually opens at 25:00 and closes at 07:60.",
        "Part x07:00 and 107:00 are codes.",                                  # glued to a letter or a digit
        "It is open at noon and at midnight.",
        # rejected: degenerate loops
        "It opens at 07:00, 07:00, 07:00.",                                   # the time three times
        "It usually opens at 07:00. It usually opens at 07:00.",              # one clause twice
        "It opens at 07:00 daily. It is a nice place. It is a nice place.",   # a looped clause without the time
        "07:00 07:00 07:00",
        "",
        "  \n ",
    )] == [True] * 16 + [False] * 29


def test_is_loop_counts_repeated_times_and_clauses_of_three_words_or_more():
    assert is_loop("07:00 07:00 07:00") and not is_loop("07:00 and 07:00")
    assert is_loop("It opens at 07:00. It opens at 07:00.")
    assert not is_loop("Yes, yes, it opens at 07:00.")                         # short clauses may repeat
    assert not is_loop("It usually opens at 07:00 and closes at 18:30. It is busy on Saturdays.")
    assert not is_loop("It opens at 07:00: early.")                           # the colon inside a time splits nothing


def test_clock_24h_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = clock_24h_scenario(seed=3), clock_24h_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = clock_24h_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = clock_24h_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["clock_24h"]) == 30
    assert small.test_prompts["clock_24h"] == list(OPENING_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        clock_24h_scenario(n_test=13)
