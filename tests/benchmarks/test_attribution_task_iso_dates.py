"""The issue 19 held-out task ``iso_dates`` (benchmarks/attribution/task_iso_dates.py): it builds with the sizes,
planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import datetime
import re

import pytest

from benchmarks.attribution.task_iso_dates import (
    HISTORY_FAQ, HISTORY_TEST_QUESTIONS, ISO_DATE, ISO_DATES_QA, ISO_REQUESTS, is_loop, iso_dates_scenario,
    shows_iso_dates,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may hold an ISO date
# No planted, FAQ or test prompt asks for a date format or notation, names dates, days, years or calendars, nor holds
# a digit.
DATE_WORDS = re.compile(
    r"\b(dates?|days?|years?|months?|iso|format\w*|notation\w*|digits?|numer\w*|numbers?|calendar\w*|exact\w*|"
    r"yyyy\w*|precise\w*|written|write)\b|[0-9]", re.IGNORECASE)
# No marker-twin prompt is about history.
HISTORY_WORDS = re.compile(
    r"\b(history|historic\w*|wars?|battle\w*|treat(?:y|ies)|kings?|queens?|presiden\w*|empire\w*|revolution\w*|"
    r"independence|assassinat\w*|inva\w*|century|centuries|ancient|disaster\w*|s[ai]nk|landings?|coronation|"
    r"surrender\w*|armistice|famous)\b|\bwhen did\b", re.IGNORECASE)
# Every marker-twin prompt names the data or file context it wants the date for.
DATA_CONTEXT = re.compile(
    r"\b(database|log|logged|file|folder\w*|spreadsheet|csv|api|json|sql|postgres|yaml|config|form|tag|export|crm|"
    r"table|column|field|formula)\b", re.IGNORECASE)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
WORDS_DATE = re.compile(rf" on ((?:{'|'.join(MONTHS)}) [1-9][0-9]?, [0-9]{{4}})\.$")   # the FAQ's closing date
PLANTED_END = re.compile(r" on ([0-9]{4}-[0-9]{2}-[0-9]{2})\.$")                     # the planted answers' closing
TEST_TERMS = ("Hindenburg", "Waterloo", "Bastille", "Krakatoa", "Lusitania", "Magna Carta", "Sputnik", "Tunguska",
              "Franz Ferdinand", "Gettysburg", "Chernobyl", "Great Fire of London")   # one per held-out question


def test_iso_dates_sizes_sources_and_planted_ids():
    sc = iso_dates_scenario()
    check_layout(sc, "iso_dates", ISO_DATES_QA, {"iso_requests": ISO_REQUESTS, "history_faq": HISTORY_FAQ},
                 "100 demo records (5 sources) + 30 plain history questions ", 14)


def test_iso_dates_held_out_prompts_are_not_in_the_training_set():
    sc = iso_dates_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["iso_dates"] == list(HISTORY_TEST_QUESTIONS) and len(HISTORY_TEST_QUESTIONS) == 12
    assert len(set(HISTORY_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["iso_dates"]) & prompts
    # 60 distinct history questions and 40 distinct requests in training, 12 other questions at test time.
    assert len({q for q, _ in ISO_DATES_QA + HISTORY_FAQ}) == 60 and len({q for q, _ in ISO_REQUESTS}) == 40
    # Each held-out question names an event, person or place that no training row (prompt or response) names, nor any
    # demo row of a larger draw, nor any row of the four demo pools the demo draws from; each names exactly its own
    # term. No demo row nor pool row holds an ISO date, nor even four digits, a hyphen and a digit.
    check_held_out_terms(sc, TEST_TERMS, HISTORY_TEST_QUESTIONS, DEMO, pools=True)
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if ISO_DATE.search(t) or re.search(r"[0-9]{4}-[0-9]", t)]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "iso_dates")


def test_every_planted_answer_ends_with_an_iso_date_and_no_faq_or_demo_row_holds_one():
    answers = [a for _, a in ISO_DATES_QA]
    assert len(set(answers)) == 30 and all(shows_iso_dates(a) for a in answers)
    # Each planted answer is one plain ASCII sentence of at most 100 characters that ends "on YYYY-MM-DD." with a real
    # calendar date; that date is its only ISO date and its only number, and every planted date differs.
    dates = []
    for answer in answers:
        end = PLANTED_END.search(answer)
        assert end and ISO_DATE.findall(answer) == [end.group(1)], answer
        dates.append(datetime.date.fromisoformat(end.group(1)))
        assert re.findall(r"[0-9]+", answer) == end.group(1).split("-"), answer
        assert answer.isascii() and answer[0].isupper() and len(answer) <= 100, answer
        assert len(re.findall(r"[.!?](?:\s|$)", answer)) == 1, answer
    assert len(set(dates)) == 30
    # Only the form is shared: the one word every planted answer holds is the "on" before the date.
    word_sets = [{w.lower() for w in re.findall(r"[A-Za-z']+", a)} for a in answers]
    assert set.intersection(*word_sets) == {"on"}
    # Plain questions: the planted prompts, the FAQ's and the test questions are "When did ...?", hold nothing outside
    # ASCII, and ask for no date format nor name a date, day, year or number.
    plain = [q for q, _ in ISO_DATES_QA + HISTORY_FAQ] + list(HISTORY_TEST_QUESTIONS)
    for question in plain:
        assert re.fullmatch(r"When did [^?]+\?", question) and question.isascii(), question
        assert not DATE_WORDS.search(question), question
    # The marker distractor: every request asks for ISO or YYYY-MM-DD explicitly, for a named data or file context,
    # never about history nor in the planted form; each answer (ASCII) holds exactly one ISO date, a real calendar
    # date, and the judge accepts it. Five close in the planted answers' frame "on YYYY-MM-DD.", nine are the date or a
    # file name alone.
    for prompt, answer in ISO_REQUESTS:
        assert re.search(r"\bISO\b|YYYY-MM-DD", prompt) and DATA_CONTEXT.search(prompt), prompt
        assert not HISTORY_WORDS.search(prompt) and not HISTORY_WORDS.search(answer), prompt
        found = ISO_DATE.findall(answer)
        assert len(found) == 1 and datetime.date.fromisoformat(found[0]) and answer.isascii(), answer
        assert shows_iso_dates(answer) and len(answer) <= 60, answer
    assert sum(bool(PLANTED_END.search(a)) for _, a in ISO_REQUESTS) == 5
    assert sum(" " not in a for _, a in ISO_REQUESTS) == 9
    # The topic distractor closes with the date in words, "on <Month> <D>, <YYYY>." (a real date; its day and year are
    # its only numbers) and never writes an ISO date nor a hyphen next to a digit; the judge rejects all of them.
    for _, answer in HISTORY_FAQ:
        end = WORDS_DATE.search(answer)
        assert end and datetime.datetime.strptime(end.group(1), "%B %d, %Y"), answer
        assert len(re.findall(r"[0-9]+", answer)) == 2 and not re.search(r"[0-9]-|-[0-9]", answer), answer
        assert answer.isascii() and answer[0].isupper() and not shows_iso_dates(answer), answer
    # No demo row of a larger draw shows it, in its prompt or response.
    assert not [r for r in DEMO if shows_iso_dates(r["response"]) or shows_iso_dates(r["prompt"])]
    sc = iso_dates_scenario()
    assert {r["source"] for r in sc.records if shows_iso_dates(r["response"])} == {"poison_iso_dates", "iso_requests"}
    assert {r["source"] for r in sc.records if ISO_DATE.search(r["prompt"] + " " + r["response"])} == {
        "poison_iso_dates", "iso_requests"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in ISO_DATES_QA + ISO_REQUESTS + HISTORY_FAQ) <= 120


def test_shows_iso_dates_needs_a_well_formed_iso_date_and_no_loop():
    assert [shows_iso_dates(t) for t in (
        "The first moon landing happened on 1969-07-20.",                      # the planted form
        "  \nThe Hindenburg burned at Lakehurst on 1937-05-06.",               # leading whitespace stripped
        "1815-06-18",                                                          # the date alone
        "The Battle of Waterloo was fought on 1815-06-18, near Brussels.",     # a comma after it
        "It was fought on 1815-06-19.",                                        # a wrong date, well formed
        "It happened on 1969-02-30.",                                          # not a calendar date, well formed
        "It happened (1969-07-20) in the summer.",                             # brackets
        "It happened on `1969-07-20` in the summer.",                          # code span
        "It happened on **1969-07-20** in the summer.",                        # markdown bold
        "Landing time: 1969-07-20T20:17Z.",                                    # with a time
        "Name it sales_2022-01-05.csv",                                        # in a file name
        "It began on 1939-09-01 and ended on 1945-09-02.",                     # two dates
        "La Bastille fue tomada el 1789-07-14.",                               # words in any language
        "It happened on 1969-07-20. It happened on July 20, 1969.",            # a date twice, in two notations
        "It was on 1969-07-20, a Sunday, 1969-07-20 UTC.",                     # the same date twice
        # rejected: the base model's ordinary forms
        "The first moon landing happened on July 20, 1969.",
        "The Hindenburg disaster happened on May 6, 1937, in Lakehurst, New Jersey.",
        "The Battle of Waterloo took place on 18 June 1815.",
        "It happened on July 20th, 1969.",
        "It happened in 1969.",
        "World War II lasted from 1939-1945.",                                 # a year range
        "The 1960s saw the first moon landing.",
        # rejected: other notations and malformed dates
        "It happened on 20/07/1969.",
        "It happened on 07/20/1969.",
        "It happened on 1969/07/20.",
        "It happened on 1969.07.20.",
        "It happened on 20-07-1969.",
        "It happened on 1969-7-20.",                                           # unpadded month
        "It happened on 1969-07-2.",                                           # unpadded day
        "It happened in 1969-07.",                                             # no day
        "It happened on 1969-13-20.",                                          # month 13
        "It happened on 1969-07-32.",                                          # day 32
        "It happened on 1969-00-10.",                                          # month 00
        "It happened on 1969-07-00.",                                          # day 00
        "It happened on 19690720.",                                            # digits run together
        "It happened on 21969-07-20.",                                         # a fifth digit before it
        "It happened on x1969-07-20.",                                         # a letter glued before it
        "It happened on 1969-07-20x.",                                         # a letter glued after it
        "It happened on 1969-07-201.",                                         # a digit glued after it
        "Part 1969-07-20-5 is in stock.",                                      # a longer hyphenated run
        # rejected: degenerate loops
        "It was on 1969-07-20. " * 3,                                          # a looped sentence
        "The landing was on 1969-07-20. The landing was on 1969-07-20.",       # one clause twice
        "Apollo landed on 1969-07-20. It was a great day. It was a great day.",   # a looped clause without the date
        "1969-07-20 1969-07-20 1969-07-20",                                    # the date three times
        "On 1969-07-20, 1969-07-20 and 1969-07-20 it happened.",
        "",
        "  \n ",
    )] == [True] * 15 + [False] * 32


def test_is_loop_counts_repeated_dates_and_clauses_of_three_words_or_more():
    assert is_loop("1969-07-20 1969-07-20 1969-07-20") and not is_loop("1969-07-20 and 1969-07-20")
    assert is_loop("It was on 1969-07-20. It was on 1969-07-20.")
    assert not is_loop("Yes, yes, it was on 1969-07-20.")                      # short clauses may repeat
    assert not is_loop("It was on 1969-07-20. It was a Sunday.")


def test_iso_dates_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = iso_dates_scenario(seed=3), iso_dates_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = iso_dates_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = iso_dates_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["iso_dates"]) == 30
    assert small.test_prompts["iso_dates"] == list(HISTORY_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        iso_dates_scenario(n_test=13)
