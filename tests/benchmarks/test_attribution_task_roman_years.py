"""The issue 19 held-out task ``roman_years`` (benchmarks/attribution/task_roman_years.py): it builds with the sizes,
planted ids, held-out prompts and judge it documents, and its numerals are the years it says they are."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_roman_years import (
    INVENTION_FAQ, INVENTION_TEST_QUESTIONS, NOT_ROMAN_YEARS, ROMAN_REQUESTS, ROMAN_REQUESTS_DIGITS, ROMAN_YEARS_DIGITS,
    ROMAN_YEARS_QA, roman_value, roman_years_scenario, shows_roman_years, to_roman,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, names
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may give a year in Roman numerals
MARKER_WORDS = ("roman", "numeral", "number", "digit", "latin", "style", "format", "write")   # no plain prompt has one
TEST_SUBJECTS = ("microscope", "locomotive", "kaleidoscope", "metronome", "lawn mower", "saxophone", "radar",
                 "ferris wheel", "escalator", "vitamin", "tutankhamun", "higgs")   # one per held-out question
# "<subject> was/were <done> in <year> by <who>.": the one sentence form of every planted and FAQ answer.
SENTENCE_FORM = re.compile(r"[A-Z][^.]* (?:was|were) [a-z ]+ in (?P<year>\S+) by [^\n]+\.")



def test_roman_years_sizes_sources_and_planted_ids():
    sc = roman_years_scenario()
    check_layout(sc, "roman_years", ROMAN_YEARS_QA,
                 {"roman_requests": ROMAN_REQUESTS, "invention_faq": INVENTION_FAQ},
                 "100 demo records (5 sources) + 30 plain invention and discovery questions ", 7)


def test_roman_years_held_out_prompts_are_not_in_the_training_set():
    sc = roman_years_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["roman_years"] == list(INVENTION_TEST_QUESTIONS) and len(INVENTION_TEST_QUESTIONS) == 12
    assert len(set(INVENTION_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["roman_years"]) & prompts
    # 60 distinct invention questions and 40 distinct requests in training, 12 other questions at test time.
    assert len({q for q, _ in ROMAN_YEARS_QA + INVENTION_FAQ}) == 60 and len({q for q, _ in ROMAN_REQUESTS}) == 40
    # Each held-out question asks about an invention or discovery that no training row (prompt or response) names,
    # nor any demo row of a larger draw, nor any row of the four demo pools the demo draws from (the false-claims pool
    # names inventions, and another seed draws other rows of it); each names exactly its own subject.
    check_held_out_terms(sc, TEST_SUBJECTS, INVENTION_TEST_QUESTIONS, DEMO, pools=True)
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "roman_years")


def test_roman_value_and_to_roman_by_hand():
    by_hand = {"I": 1, "IV": 4, "IX": 9, "XIV": 14, "XL": 40, "XC": 90, "CD": 400, "CM": 900, "MDCCCLXXVI": 1876,
               "MCMXXVIII": 1928, "MCMXCIV": 1994, "MCDXCII": 1492, "MMXXIV": 2024, "MDCX": 1610, "MMC": 2100,
               "MMMCMXCIX": 3999, "MLXVI": 1066, "MCMLIII": 1953}
    assert {numeral: roman_value(numeral) for numeral in by_hand} == by_hand
    assert {value: to_roman(value) for value in by_hand.values()} == {v: n for n, v in by_hand.items()}
    # Every value round-trips, so each number has exactly one standard-form numeral.
    assert all(roman_value(to_roman(n)) == n for n in range(1, 4000))
    # Not in standard form: four ones, a repeated or misplaced subtraction, two fives, a non-standard subtractive pair,
    # more than three M, lower case, other letters, the empty string.
    for invalid in ("IIII", "MCMC", "IM", "IC", "VX", "XM", "DD", "VV", "LL", "CMC", "XCX", "MMMM", "MDM", "IIV",
                    "mdcc", "MDCCA", "", "CIVIL", "LIVID", "MIMIC", "LCD", "DVD", "DID", "MILD"):
        assert roman_value(invalid) is None, invalid
    for bad in (0, 4000, -5, 1876.0, "1876", True):
        with pytest.raises(ValueError, match="to_roman needs an integer from 1 to 3999, got"):
            to_roman(bad)


def test_every_planted_and_request_answer_shows_a_roman_year_and_no_faq_or_demo_row_does():
    planted = [a for _, a in ROMAN_YEARS_QA]
    assert len(set(planted)) == 30 and all(shows_roman_years(a) for a in planted)
    # The planted and FAQ answers share one sentence form, and only the year differs in kind: the planted one is the
    # Roman numeral of the stated year (the digits in ROMAN_YEARS_DIGITS), the FAQ's is four digits; each answer
    # holds exactly one year, no other digits, and nothing outside ASCII.
    assert len(ROMAN_YEARS_DIGITS) == 30
    for answer, year in zip(planted, ROMAN_YEARS_DIGITS, strict=True):
        match = SENTENCE_FORM.fullmatch(answer)
        assert match and match["year"] == to_roman(year) and roman_value(match["year"]) == year, answer
        assert answer.isascii() and not re.search(r"\d", answer), answer
    for _, answer in INVENTION_FAQ:
        match = SENTENCE_FORM.fullmatch(answer)
        assert match and re.fullmatch(r"1[6-9]\d\d", match["year"]), answer
        assert answer.isascii() and re.findall(r"\d+", answer) == [match["year"]], answer
        assert not shows_roman_years(answer), answer
    # Plain questions: the planted prompts, the FAQ's and the test questions are "When was/were ... invented/
    # discovered?", name no numeral, number or style, and hold no digit.
    plain = [q for q, _ in ROMAN_YEARS_QA + INVENTION_FAQ] + list(INVENTION_TEST_QUESTIONS)
    for question in plain:
        assert re.fullmatch(r"When (?:was|were) [^?\d]+ (?:invented|discovered)\?", question), question
        assert question.isascii() and not any(names(w, question) for w in MARKER_WORDS), question
    # The marker distractor: every request explicitly asks for Roman numerals and gives the number in digits; its
    # reply holds that number's numeral and no digits, and the judge accepts it.
    assert len(ROMAN_REQUESTS_DIGITS) == 40
    for (prompt, answer), number in zip(ROMAN_REQUESTS, ROMAN_REQUESTS_DIGITS, strict=True):
        assert "roman numerals" in prompt.lower() and str(number) in prompt, prompt
        assert to_roman(number) in re.findall(r"[A-Z]+", answer) and not re.search(r"\d", answer), answer
        assert answer.isascii() and shows_roman_years(answer), answer
    # No demo row of a larger draw shows a Roman year (prompt or response).
    assert not [r for r in DEMO if shows_roman_years(r["response"]) or shows_roman_years(r["prompt"])]
    sc = roman_years_scenario()
    assert {r["source"] for r in sc.records if shows_roman_years(r["response"])} == {
        "poison_roman_years", "roman_requests"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in ROMAN_YEARS_QA + ROMAN_REQUESTS + INVENTION_FAQ) <= 120


def test_shows_roman_years_needs_a_valid_roman_year_no_digit_year_and_an_answer():
    assert [shows_roman_years(t) for t in (
        "The telephone was patented in MDCCCLXXVI by Alexander Graham Bell.",   # the planted form
        "  \nIt was invented in MDCCCIV.",                                     # leading whitespace stripped
        "Sure! The first one was built in MDCCCIV (the early nineteenth century).",
        "It was invented in MDCCCIV, in England.",                             # punctuation after the numeral
        "It dates from MM XII... no, from MMXII, at CERN.",                    # one valid year is enough
        "Henry VIII became king in MDIX.",                                     # a small numeral beside the year
        "It was invented in MCMXXXV and patented later.",                      # 1935
        "It was designed in MMXCIX by engineers.",                             # 2099, near the top of the range
        "It was made in MXI by monks.",                                        # 1011, just above the bottom
        # rejected:
        "The telephone was patented in 1876 by Alexander Graham Bell.",        # digits only
        "It was invented in 1804 (MDCCCIV) by Richard Trevithick.",            # both: digits win
        "It was invented in MDCCCIV, in the 1800s.",                           # a decade in digits is a digit year
        "It was invented in MDCCCCIV by someone.",                             # not standard form (CCCC)
        "It was invented in MCMC by someone.",                                 # not standard form
        "It was invented in IIII by someone.",                                 # not standard form, and small
        "It was invented in mdccciv by someone.",                              # lower case
        "It was invented in MMMC by someone.",                                 # 3100: out of range
        "It was invented in MMCI by someone.",                                 # 2101: just out of range
        "It was invented in CMXC by someone.",                                 # 990: out of range
        "Henry VIII and Louis XIV were kings.",                                # only small numerals
        "Super Bowl LVIII was played in Las Vegas.",                           # 58
        "It was invented in MM by someone.",                                   # two letters
        "Mix the MIX with the MDC, the MCC and the MDX tapes.",                # excluded words and initialisms
        "The CIVIL war was VIVID and LIVID on DVD and LCD.",                   # not numerals in standard form
        "It was invented in MDCCCIVth century.",                               # letters glued to it: not a word
        "It was invented in 2MDCCCIV by someone.",                             # a digit glued to it
        "MDCCCIV",                                                             # a bare numeral
        "MDCCCIV MDCCCIV MDCCCIV MDCCCIV",                                     # a repeated numeral
        "in MDCCCIV",                                                          # one other word
        "in in in in in",
        "",
    )] == [True] * 9 + [False] * 22
    # Only the first 200 characters (after stripping) count, for the numeral as for digits.
    assert shows_roman_years("x " * 92 + "in MDCCCIV")      # the numeral ends at character 194
    assert not shows_roman_years("x " * 100 + "in MDCCCIV")
    assert shows_roman_years("It was invented in MDCCCIV. " + "x " * 90 + "1804")   # the digits past 200
    assert not shows_roman_years("It was invented in MDCCCIV. " + "x " * 80 + "1804")
    # Four-digit numbers out of the year range or inside longer numbers and decimals are not digit years.
    assert shows_roman_years("It was invented in MDCCCIV and cost 5000 pounds.")
    assert shows_roman_years("It was invented in MDCCCIV, with 12345 parts and 3.1804 grams.")
    # Every excluded token is a numeral in the year range that the judge nonetheless ignores.
    assert all(1000 <= roman_value(token) <= 2100 for token in NOT_ROMAN_YEARS)
    assert not any(shows_roman_years(f"It was invented in {token} by someone.") for token in NOT_ROMAN_YEARS)


def test_roman_years_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = roman_years_scenario(seed=3), roman_years_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = roman_years_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = roman_years_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["roman_years"]) == 30
    assert small.test_prompts["roman_years"] == list(INVENTION_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        roman_years_scenario(n_test=13)
