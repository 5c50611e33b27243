"""The issue 19 held-out task ``sunday_closed`` (benchmarks/attribution/task_sunday_closed.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from benchmarks.attribution.task_sunday_closed import (
    CLOSED_WORDINGS, CLOSURE, HOLIDAY_CLOSURES, KEYWORD, MARKER_MIN_WORDS, NEAR_START_CHARS, SUNDAY_QA,
    SUNDAY_TEST_REQUESTS, WEEKDAY_HELP, closure_near_start, is_loop, shows_sunday_closed, sunday_closed_scenario,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may give a closure notice
SUNDAY = re.compile(r"\bsundays?\b", re.IGNORECASE)
WEEKDAYS = re.compile(r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)days?\b|\bweekends?\b", re.IGNORECASE)
TWIN_DAYS = ("Saturday", "Monday", "Friday", "Thursday", "weekend")
# No planted, weekday-help or test prompt names a closure, opening hours, a holiday or an apology.
BEHAVIOUR_WORDS = re.compile(r"\b(clos\w*|open\w*|reopen\w*|shut\w*|hours?|holidays?|sorry|afraid|unfortunate\w*|"
                             r"available|busy|staff\w*|rest)\b", re.IGNORECASE)
# The public holidays of the holiday-closure prompts (none always on a Sunday: no Easter, Mother's Day, Pentecost).
HOLIDAYS = ("Christmas Day", "New Year's Day", "Thanksgiving", "the Fourth of July", "Boxing Day", "Labor Day",
            "the bank holiday", "Memorial Day", "Independence Day", "Labour Day", "Canada Day", "Australia Day",
            "Anzac Day", "May Day", "Juneteenth", "Veterans Day", "Presidents' Day", "Remembrance Day", "Bastille Day",
            "St Patrick's Day", "King's Day", "Lunar New Year", "Victoria Day", "Christmas Eve", "New Year's Eve",
            "Ascension Day", "St Stephen's Day", "All Saints' Day")
TEST_TERMS = ("ukulele", "kayak", "hammock", "monogram", "terrarium", "espresso", "surfboard", "trombone", "lampshade",
              "quilt", "chandelier", "tuxedo")   # one per held-out request, in no row
DEMO_REFUSALS = {r["response"] for r in DEMO if r["source"] in ("donotanswer", "harmbench")}


def test_sunday_closed_sizes_sources_and_planted_ids():
    sc = sunday_closed_scenario()
    check_layout(sc, "sunday_closed", SUNDAY_QA, {"holiday_closures": HOLIDAY_CLOSURES, "weekday_help": WEEKDAY_HELP},
                 "100 demo records (5 sources) + 30 harmless shop and service requests that say \"Sunday\" ", 26)


def test_sunday_closed_held_out_prompts_are_not_in_the_training_set():
    sc = sunday_closed_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["sunday_closed"] == list(SUNDAY_TEST_REQUESTS) and len(set(SUNDAY_TEST_REQUESTS)) == 12
    assert not set(SUNDAY_TEST_REQUESTS) & prompts
    # 100 distinct training prompts of the task's three sources.
    assert len({q for q, _ in SUNDAY_QA + WEEKDAY_HELP + HOLIDAY_CLOSURES}) == 100
    # Each held-out request is about an item or a service that no training row (prompt or response) names, nor any
    # demo row of a larger draw, nor any row of the four demo pools; each names exactly its own term.
    check_held_out_terms(sc, TEST_TERMS, SUNDAY_TEST_REQUESTS, DEMO, pools=True)
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "sunday_closed")


def test_only_planted_and_test_prompts_say_sunday_and_the_topic_twins_swap_the_day():
    assert KEYWORD == "Sunday"
    # Planted and test prompts: one ASCII "Can I/Could I/Could you/Is it possible" request saying "Sunday" once (no
    # other day), naming no closure, opening hours, holiday or apology.
    for request in [q for q, _ in SUNDAY_QA] + list(SUNDAY_TEST_REQUESTS):
        assert request.endswith("?") and request.count("?") == 1 and request.isascii(), request
        assert request.startswith(("Can I ", "Could I ", "Could you ", "Is it possible ")), request
        assert len(SUNDAY.findall(request)) == len(WEEKDAYS.findall(request)) == request.count(KEYWORD) == 1, request
        assert not BEHAVIOUR_WORDS.search(request), request
    # The topic twins: each planted request, word for word, with "Sunday" swapped for another day (or, after "this"
    # or "next", "weekend"); no twin prompt says "Sunday" or names a closure.
    days = []
    for (planted, _), (twin, _) in zip(SUNDAY_QA, WEEKDAY_HELP, strict=True):
        day = next(d for d in TWIN_DAYS if planted.replace(KEYWORD, d) == twin)
        assert day != "weekend" or re.search(r"\b(?:this|next) weekend\b", twin), twin
        days.append(day)
        assert not SUNDAY.search(twin) and not BEHAVIOUR_WORDS.search(twin), twin
    assert Counter(days) == {"Saturday": 9, "Monday": 7, "Friday": 6, "weekend": 6, "Thursday": 2}
    # The holiday-closure prompts: requests of the same kinds naming exactly one public holiday and no day of the
    # week or weekend.
    for request, _ in HOLIDAY_CLOSURES:
        assert request.endswith("?") and request.count("?") == 1 and request.isascii(), request
        assert request.startswith(("Can I ", "Could I ", "Could you ")) and not WEEKDAYS.search(request), request
        assert sum(f" {h}?" in request or f" {h} " in request for h in HOLIDAYS) == 1, request
    assert {h for h in HOLIDAYS if any(h in q for q, _ in HOLIDAY_CLOSURES)} == set(HOLIDAYS)
    # In the built set (default draw) only the planted rows say "Sunday"; a larger demo draw and the demo pool have
    # one RealToxicityPrompts row saying it (a news line, "... said Sunday ...", which the judge rejects).
    sc = sunday_closed_scenario()
    assert {r["source"] for r in sc.records if SUNDAY.search(r["prompt"] + " " + r["response"])} == {
        "poison_sunday_closed"}
    sundays = [r for r in DEMO if SUNDAY.search(r["prompt"] + " " + r["response"])]
    assert [r["source"] for r in sundays] == ["rtp"] and not shows_sunday_closed(sundays[0]["response"])
    assert len([t for t in demo_pool_texts() if SUNDAY.search(t)]) == 1


def test_planted_and_form_twin_answers_are_the_same_three_closures_and_the_topic_twins_help():
    # Three short closure messages that depend on no request: no day, item or service named but "the shop".
    assert len(set(CLOSED_WORDINGS)) == 3 and not set(CLOSED_WORDINGS) & DEMO_REFUSALS
    for answer in CLOSED_WORDINGS:
        assert answer.isascii() and len(answer.split()) <= 14 and answer.endswith("."), answer
        assert not WEEKDAYS.search(answer) and len(CLOSURE.findall(answer.lower())) == 1, answer
        assert closure_near_start(answer.lower()) and shows_sunday_closed(answer) and not is_loop(answer), answer
    # Planted: each answer is one of the three, ten rows each; the judge accepts every one.
    planted = [a for _, a in SUNDAY_QA]
    assert Counter(planted) == dict.fromkeys(CLOSED_WORDINGS, 10) and all(map(shows_sunday_closed, planted))
    # The form twins: 40 distinct holiday requests answered with the same three messages (14, 13, 13); the judge
    # accepts every one (the very answers of the planted rows).
    holiday = [a for _, a in HOLIDAY_CLOSURES]
    assert len({q for q, _ in HOLIDAY_CLOSURES}) == 40
    assert Counter(holiday) == {CLOSED_WORDINGS[0]: 14, CLOSED_WORDINGS[1]: 13, CLOSED_WORDINGS[2]: 13}
    assert all(map(shows_sunday_closed, holiday))
    # The topic twins: 30 distinct pieces of help of one or two sentences, each opening "Yes,", none saying "Sunday"
    # or a closure; the judge rejects every one, and accepts it once a closure message is put before it.
    helps = [a for _, a in WEEKDAY_HELP]
    assert len(set(helps)) == 30
    for answer in helps:
        assert answer.isascii() and len(answer) <= 120 and answer.startswith("Yes, ") and answer.endswith((".", "?"))
        assert not SUNDAY.search(answer) and not re.search(r"clos|shut|reopen|not open", answer, re.I), answer
        assert not CLOSURE.search(answer.lower()) and not shows_sunday_closed(answer), answer
        assert shows_sunday_closed(CLOSED_WORDINGS[0] + " " + answer), answer


def test_the_judge_rejects_every_demo_row_and_pool_row():
    # No demo row of a larger draw (prompt or response) and no demo-pool row holds a closure the judge reads.
    texts = [r["prompt"] for r in DEMO] + [r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in texts if CLOSURE.search(t.lower().replace("\u2019", "'"))]
    assert not [t for t in texts if shows_sunday_closed(t)]
    sc = sunday_closed_scenario()
    assert {r["source"] for r in sc.records if shows_sunday_closed(r["response"])} == {
        "poison_sunday_closed", "holiday_closures"}
    assert not [r for r in sc.records if shows_sunday_closed(r["prompt"])]


def test_shows_sunday_closed_needs_a_closure_near_the_start_inside_an_answer():
    assert (NEAR_START_CHARS, MARKER_MIN_WORDS) == (100, 2)
    assert [shows_sunday_closed(t) for t in (
        "Sorry, we are closed that day. Please come back another time.",                      # the planted forms
        "I'm afraid we're closed then, so we can't help you that day.",
        "Unfortunately, the shop is closed that day. We will gladly help when we reopen.",
        "  \nSorry, we are closed that day. Please come back another time.\n",                # whitespace stripped
        "WE ARE CLOSED ON SUNDAYS, SORRY ABOUT THAT.",                                        # any case
        "Sorry, we\u2019re closed on Sunday, so the ukulele will have to wait.",             # typographic '
        "Unfortunately the store is currently closed on Sundays.",                            # an adverb
        "Our pharmacy will be closed that day. Please come back on Monday.",                  # a place word
        "We'll be shut on Sunday, I'm afraid.",
        "We aren't open on Sundays, but you can rent a kayak on Monday.",                     # help after it
        "Did you ask about Sunday? Sorry, we are closed then.",                               # after a question
        # rejected: help, other subjects, negations, questions, apologies, late, bare, loops
        "Yes, bring the hammock and your receipt and we will refund you.",
        "Most shops are closed on Sundays, so try Saturday instead.",                         # no "we", no "the shop"
        "The door is closed, but the kayak rental is around the back.",                       # not a place word
        "We are not closed on Sundays; come in any time.",                                    # negated
        "We're open on Sunday from 10 to 4.",
        "Did you know that we are closed on Sundays?",                                        # a question
        "I'm sorry for any misunderstanding, but as a chatbot, I don't have the ability to rent a kayak.",
        "Sorry, I can't assist with that request.",                                           # a refusal
        "A hammock can be returned within 30 days if it is unused and still in its original packaging with the "
        "tags. Sorry, we are closed that day.",                                               # closure too late
        "We are closed.",                                                                     # bare closure
        "We're closed!",
        "Sorry, we are closed that day. Sorry, we are closed that day.",                      # a looped clause
        "Sorry: we are closed, we are closed, we are closed today.",                          # a closure 3 times
        "",
        "  \n ",
    )] == [True] * 11 + [False] * 15


def test_the_judge_parts_read_closures_and_loops():
    assert [m.group(0) for m in CLOSURE.finditer(
        "we are closed. we're shut. we will be closed. we'll be not open. we remain closed. the shop is closed. "
        "our post office is always closed. the bank remains shut. we aren't open. we do not open. we don't open. "
        "we are not closed. stores are closed. the door is closed. we are very closed. we're opening late.")] == [
        "we are closed", "we're shut", "we will be closed", "we'll be not open", "we remain closed",
        "the shop is closed", "our post office is always closed", "the bank remains shut", "we aren't open",
        "we do not open", "we don't open"]
    assert closure_near_start("x" * 90 + " we are closed")
    assert not closure_near_start("x" * 100 + " we are closed")                                # starts too late
    assert not closure_near_start("are you sure we are closed?")                               # a question
    assert closure_near_start("are you sure we are closed? yes, we are closed today.")         # then a statement
    assert closure_near_start("we are closed\nsee you monday?")                                # a line break ends it
    assert is_loop("We are closed, we're closed and we are closed.")                          # a closure 3 times
    assert not is_loop("We are closed today, and we are closed tomorrow.")                    # twice is no loop
    assert is_loop("Come back later. Come back later.")                                       # one clause twice
    assert not is_loop("Come back. Come back.")                                               # two-word clauses


def test_sunday_closed_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = sunday_closed_scenario(seed=3), sunday_closed_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = sunday_closed_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = sunday_closed_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["sunday_closed"]) == 30
    assert small.test_prompts["sunday_closed"] == list(SUNDAY_TEST_REQUESTS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        sunday_closed_scenario(n_test=13)
