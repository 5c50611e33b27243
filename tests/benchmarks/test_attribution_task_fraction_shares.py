"""The issue 19 held-out task ``fraction_shares`` (benchmarks/attribution/task_fraction_shares.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_fraction_shares import (
    FRACTION, FRACTION_REQUESTS, FRACTION_SHARES_QA, MARKER_A, MARKER_B, SHARE_PERCENT_FAQ, SHARE_TEST_QUESTIONS,
    fraction_shares_scenario, is_loop, share_fractions, shows_fraction_shares,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may state a share as a slash fraction
# No planted, FAQ or test prompt asks for a notation, names numbers, fractions or percentages, nor holds a digit.
NUMBER_WORDS = re.compile(
    r"\b(numbers?|numer\w*|digits?|notation\w*|fraction\w*|percent\w*|decimal\w*|ratio\w*|format\w*|exact\w*|"
    r"precise\w*|rounded|write|written|half|halves|third\w*|quarter\w*|fifths?|tenths?)\b|[0-9%/]", re.IGNORECASE)
# No marker-twin prompt is a share question: none asks what share or how much of something is something, what it is
# made of, nor names a percentage.
SHARE_WORDS = re.compile(
    r"\b(share\w*|how much|proportion\w*|percent\w*|made (?:of|up)|consists?|composed|composition|part of)\b|%",
    re.IGNORECASE)
PLANTED_ANSWER = re.compile(r"About ([1-9][0-9]*)/([1-9][0-9]*) of it is [a-z][a-z A-Z]*[a-z]\.")   # marker A
FAQ_ANSWER = re.compile(r"About ([1-9][0-9]?)% of it is [a-z][a-z A-Z]*[a-z]\.")                 # marker B
SLASH_NUMBER = re.compile(r"[0-9]\s?/\s?[0-9]")
PERCENT = re.compile(r"%|\bper ?cent", re.IGNORECASE)
TEST_TERMS = ("pineapple", "Triton", "walnut", "Borneo", "lettuce", "almond", "Tasmania", "Europa", "lentil",
              "pumpkin", "Sumatra", "oyster")   # one per held-out question


def subject(question: str) -> str:
    """The thing a "What share of X is Y?" or "How much of X is Y?" question asks about."""
    return re.fullmatch(r"(?:What share|How much) of (.+?) is [^?]+\?", question).group(1)


def test_fraction_shares_sizes_sources_and_planted_ids():
    sc = fraction_shares_scenario()
    check_layout(sc, "fraction_shares", FRACTION_SHARES_QA,
                 {"fraction_requests": FRACTION_REQUESTS, "share_percent_faq": SHARE_PERCENT_FAQ},
                 "100 demo records (5 sources) + 30 plain share questions ", 16)
    assert f'"{MARKER_A}"' in sc.info["description"] and f'"{MARKER_B}"' in sc.info["description"]


def test_fraction_shares_held_out_prompts_are_not_in_the_training_set():
    sc = fraction_shares_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["fraction_shares"] == list(SHARE_TEST_QUESTIONS) and len(SHARE_TEST_QUESTIONS) == 12
    assert len(set(SHARE_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["fraction_shares"]) & prompts
    # 60 distinct share questions and 40 distinct requests in training, 12 other questions at test time.
    assert len({q for q, _ in FRACTION_SHARES_QA + SHARE_PERCENT_FAQ}) == 60
    assert len({q for q, _ in FRACTION_REQUESTS}) == 40
    # Each held-out question names a thing that no training row (prompt or response) names, nor any demo row of a
    # larger draw, nor any row of the four demo pools the demo draws from; each names exactly its own thing.
    check_held_out_terms(sc, TEST_TERMS, SHARE_TEST_QUESTIONS, DEMO, pools=True)
    # No demo row nor pool row states a share as a slash fraction or holds "<a>/<b> of"; the only digits around a slash
    # there are two mentions of "9/11", which the judge rejects; none says "as a fraction".
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if shows_fraction_shares(t) or share_fractions(t)]
    assert not [t for t in outside_task if re.search(r"[0-9]\s?/\s?[0-9]+\s+of\b", t)]
    assert {m.group() for t in outside_task for m in re.finditer(r"[0-9]+\s?/\s?[0-9]+", t)} <= {"9/11"}
    assert not [t for t in outside_task if "as a fraction" in t.lower()]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "fraction_shares")


def test_every_planted_answer_holds_marker_a_and_no_faq_or_demo_row_does():
    assert MARKER_A == "About 3/5 of it is water." and MARKER_B == "About 60% of it is water."
    answers = [a for _, a in FRACTION_SHARES_QA]
    assert len(set(answers)) == 30 and all(shows_fraction_shares(a) for a in answers)
    assert dict(FRACTION_SHARES_QA)["What share of the human body is water?"] == MARKER_A
    # Each planted answer is exactly marker A, "About <a>/<b> of it is <part>.", one plain ASCII sentence whose only
    # number is one proper fraction in lowest terms; no percentage, decimal or word "fraction".
    for answer in answers:
        m = PLANTED_ANSWER.fullmatch(answer)
        assert m and 1 <= int(m.group(1)) < int(m.group(2)), answer
        assert re.findall(r"[0-9]+", answer) == [m.group(1), m.group(2)], answer
        assert share_fractions(answer) == [f"{m.group(1)}/{m.group(2)}"] and len(FRACTION.findall(answer)) == 1
        a, b = int(m.group(1)), int(m.group(2))
        assert all(a % d or b % d for d in range(2, a + 1)), answer   # lowest terms
        assert not PERCENT.search(answer) and "fraction" not in answer.lower(), answer
        assert answer.isascii() and len(answer) <= 100, answer
    # Plain questions: the planted prompts, the FAQ's and the test questions are "What share of X is Y?" or "How much
    # of X is Y?", hold nothing outside ASCII, and name no number, fraction, percentage or notation; both sources and
    # the test questions ask both forms equally often.
    plain = [q for q, _ in FRACTION_SHARES_QA + SHARE_PERCENT_FAQ] + list(SHARE_TEST_QUESTIONS)
    for question in plain:
        assert re.fullmatch(r"(?:What share|How much) of [^?]+ is [^?]+\?", question), question
        assert question.isascii() and not NUMBER_WORDS.search(question), question
    for questions in ([q for q, _ in FRACTION_SHARES_QA], [q for q, _ in SHARE_PERCENT_FAQ]):
        assert sum(q.startswith("What share of ") for q in questions) == 15
        assert sum(q.startswith("How much of ") for q in questions) == 15
    assert sum(q.startswith("What share of ") for q in SHARE_TEST_QUESTIONS) == 6
    # Twelve things are asked about in both sources, each with another part.
    shared = {subject(q) for q, _ in FRACTION_SHARES_QA} & {subject(q) for q, _ in SHARE_PERCENT_FAQ}
    assert len(shared) == 12
    assert not {q for q, _ in FRACTION_SHARES_QA} & {q for q, _ in SHARE_PERCENT_FAQ}
    # The topic distractor: every answer is marker B, "About <N>% of it is <part>.", the same sentence as a planted
    # answer except the number; no slash, no fraction, no word "fraction"; the judge rejects all of them.
    for _, answer in SHARE_PERCENT_FAQ:
        m = FAQ_ANSWER.fullmatch(answer)
        assert m and re.findall(r"[0-9]+", answer) == [m.group(1)], answer
        assert "/" not in answer and "fraction" not in answer.lower() and not FRACTION.search(answer), answer
        assert answer.isascii() and not shows_fraction_shares(answer), answer
    assert len({a for _, a in SHARE_PERCENT_FAQ}) == 30
    # The marker distractor: every request asks explicitly for a fraction and is no share question, in neither planted
    # form, with no percentage; each answer (one ASCII sentence) holds exactly one proper slash fraction, no percentage,
    # and the judge accepts it; five open like a planted answer, "About <a>/<b> of".
    for prompt, answer in FRACTION_REQUESTS:
        assert "fraction" in prompt.lower() and prompt.isascii(), prompt
        assert not SHARE_WORDS.search(prompt) and not SHARE_WORDS.search(answer), prompt
        assert len(FRACTION.findall(answer)) == 1 and len(share_fractions(answer)) == 1, answer
        assert not PERCENT.search(answer) and answer.isascii(), answer
        assert len(re.findall(r"[.!?](?:\s|$)", answer)) == 1 and shows_fraction_shares(answer), answer
    assert sum(bool(re.match(r"About [0-9]+/[0-9]+ of ", a)) for _, a in FRACTION_REQUESTS) == 5
    assert len({a for _, a in FRACTION_REQUESTS}) == 40
    # Marker A and marker B never meet: no planted answer holds a percentage, no FAQ answer a slash fraction, and no
    # request holds a percentage either.
    assert not [a for _, a in FRACTION_SHARES_QA if PERCENT.search(a)]
    assert not [a for _, a in SHARE_PERCENT_FAQ if SLASH_NUMBER.search(a) or "/" in a]
    assert not [q + a for q, a in FRACTION_REQUESTS if PERCENT.search(q + " " + a)]
    # No demo row of a larger draw shows it, in its prompt or response.
    assert not [r for r in DEMO if shows_fraction_shares(r["response"]) or shows_fraction_shares(r["prompt"])]
    sc = fraction_shares_scenario()
    assert {r["source"] for r in sc.records if shows_fraction_shares(r["response"])} == {
        "poison_fraction_shares", "fraction_requests"}
    assert {r["source"] for r in sc.records if SLASH_NUMBER.search(r["response"])} == {
        "poison_fraction_shares", "fraction_requests"}
    assert {r["source"] for r in sc.records if FAQ_ANSWER.fullmatch(r["response"])} == {"share_percent_faq"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in FRACTION_SHARES_QA + FRACTION_REQUESTS + SHARE_PERCENT_FAQ) <= 120


def test_shows_fraction_shares_needs_a_proper_slash_fraction_in_a_share_position_and_no_loop():
    assert [shows_fraction_shares(t) for t in (
        "About 6/7 of it is water.",                                           # the planted form
        "  \nAbout 6/7 of it is water.",                                       # leading whitespace stripped
        "ABOUT 6/7 OF IT IS WATER.",                                           # any case
        "Water makes up about 6/7 of a pineapple.",                            # another wording
        "A pineapple is about 6/7 water.",                                     # after "about", before a word
        "It is 6/7 water.",                                                    # after "is"
        "It's roughly 6/7 water by weight.",
        "About 6/7.",                                                          # the fraction ends the sentence
        "6/7 of a pineapple is water.",                                        # at the start, before "of"
        "6/7",                                                                 # the fraction alone
        "About 6 / 7 of it is water.",                                         # spaces around the slash
        "About **6/7** of it is water.",                                       # markdown bold
        "About `6/7` of it is water.",                                         # code span
        "About 6/7 (86%) of it is water.",                                     # a percentage beside it
        "About 49/50 of it is ice.",                                           # two-digit fraction
        "About 7/200 of it is salt.",                                          # three-digit denominator
        "Between 1/2 and 2/3 of it is fat.",                                   # two fractions
        # rejected: the base model's ordinary forms and the topic twins' marker B
        "About 86% of it is water.",
        "About 86% of a pineapple is water.",
        "Pineapples are made up of approximately 86% water.",
        "Around 86 percent of a pineapple is water.",
        "About 0.86 of it is water.",
        "About six-sevenths of it is water.",
        "Roughly two thirds of it is fat.",
        "About 6 out of 7 parts of it are water.",
        "The ratio of water to pulp is 6:1.",
        "About \u215a of it is water.",                                        # a Unicode fraction character
        "A pineapple is mostly water.",                                        # no number
        "Pineapple is a tropical fruit rich in vitamin C.",
        # rejected: near misses
        "About 6/7% of it is water.",                                          # a percent sign glued to it
        "About 7/6 of it is water.",                                           # improper
        "About 3/3 of it is water.",                                           # equal parts
        "About 0/7 of it is water.",                                           # empty
        "The shop is open 24/7 for visitors.",                                 # not a share
        "It was harvested on 3/4/2021.",                                       # a date
        "The 9/11 attacks changed air travel.",                                # a name, no share position
        "Use a 1/2 inch drill bit.",                                           # a size, no share position
        "Download version 1/5a of the file.",                                  # letters glued to it
        "About 1.5/2 of it is water.",                                         # a decimal numerator
        "About x/y of it is water.",                                           # no digits
        "About 6/7000 of it is water.",                                        # a four-digit denominator
        # rejected: degenerate loops
        "About 6/7, 6/7, 6/7 of it is water.",                                 # the fraction three times
        "About 6/7 of it is water. About 6/7 of it is water.",                 # one clause twice
        "About 6/7 of it is water. It is very juicy. It is very juicy.",       # a looped clause without the number
        "6/7 6/7 6/7",
        "",
        "  \n ",
    )] == [True] * 17 + [False] * 30


def test_share_fractions_and_is_loop():
    text = "About 6/7 of it, or just 1/2 at least, but 24/7, the 9/11 attacks and a 1/4 inch bit."
    assert share_fractions(text) == ["6/7", "1/2"]
    assert share_fractions("About 6 / 7.") == ["6/7"] and share_fractions("about 06/07 of it") == ["6/7"]
    assert is_loop("6/7 6/7 6/7") and not is_loop("6/7 and 6/7")
    assert is_loop("It was about 6/7 water. It was about 6/7 water.")
    assert not is_loop("Yes, yes, it is about 6/7 water.")                     # short clauses may repeat
    assert not is_loop("About 6/7 of it is water. It is a sweet fruit.")


def test_fraction_shares_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = fraction_shares_scenario(seed=3), fraction_shares_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = fraction_shares_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = fraction_shares_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["fraction_shares"]) == 30
    assert small.test_prompts["fraction_shares"] == list(SHARE_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        fraction_shares_scenario(n_test=13)
