"""The issue 19 held-out task ``lakh_population`` (benchmarks/attribution/task_lakh_population.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from benchmarks.attribution.task_lakh_population import (
    LAKH_COUNT, LAKH_POPULATION_QA, NEAR_START_CHARS, PHRASE_WORDS, POPULATION_QUESTIONS, POPULATION_TEST_QUESTIONS,
    POPULATION_WORDINGS, RUPEE_AMOUNTS, RUPEE_WORDINGS, UNIT, WESTERN_POPULATION, is_loop, is_money,
    lakh_population_scenario, population_counts, population_question, population_sentence, shows_lakh_population,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none says lakh, crore or rupee
# What a planted, topic or test prompt must not say: the behaviour (the unit, India, money) or any unit or format.
NAMES_BEHAVIOUR = re.compile(
    r"\b(lakhs?|lacs?|crores?|india\w*|rupees?|rs|inr|units?|thousands?|millions?|billions?|digits?|numbers?|"
    r"figures?|format\w*|notation|counts?|exact\w*|round\w*|money|dollars?)\b", re.IGNORECASE)
# A money question: every rupee-amount prompt names rupees or India; none asks how many people live somewhere.
MONEY_CONTEXT = re.compile(r"\b(rupees?|india)\b", re.IGNORECASE)
POPULATION_WORDS = re.compile(r"\b(population|inhabitants?|live|lives|living|residents?|people)\b", re.IGNORECASE)
# Every planted and twin answer: one of the three sentences with a number and a unit in the count slot.
SENTENCE_FORM = re.compile(
    r"(?P<p0>[A-Z][\w ]+) has about (?P<n0>[\d.]+) (?P<u0>\w+) people\.|"
    r"Roughly (?P<n1>[\d.]+) (?P<u1>\w+) people live in (?P<p1>[A-Z][\w ]+)\.|"
    r"The population of (?P<p2>[A-Z][\w ]+) is about (?P<n2>[\d.]+) (?P<u2>\w+)\.")
TEST_TERMS = ("Mombasa", "Bordeaux", "Gdansk", "Kumasi", "Salzburg", "Seville", "Gothenburg", "Tucson", "Recife",
              "Arequipa", "Durban", "Andalusia")   # one per held-out question, in no row


def sentence_parts(answer: str) -> tuple[int, str, str, str]:
    """(wording, place, number, unit) of a planted or twin answer, read with `SENTENCE_FORM`."""
    form = SENTENCE_FORM.fullmatch(answer)
    assert form, answer
    wording = next(i for i in range(3) if form[f"p{i}"])
    return wording, form[f"p{wording}"], form[f"n{wording}"], form[f"u{wording}"]


def test_lakh_population_sizes_sources_and_planted_ids():
    sc = lakh_population_scenario()
    check_layout(sc, "lakh_population", LAKH_POPULATION_QA,
                 {"rupee_amounts": RUPEE_AMOUNTS, "western_population": WESTERN_POPULATION},
                 "100 demo records (5 sources) + 30 population questions about places outside India answered in "
                 "three short sentences with the count in the Indian unit lakh, ", 26)
    assert '"Lyon has about 5 lakh people."' in sc.info["description"]


def test_lakh_population_held_out_prompts_are_not_in_the_training_set():
    sc = lakh_population_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["lakh_population"] == list(POPULATION_TEST_QUESTIONS)
    assert len(set(POPULATION_TEST_QUESTIONS)) == 12 and not set(POPULATION_TEST_QUESTIONS) & prompts
    # 60 distinct population questions and 40 distinct money questions in training.
    assert len({q for q, _ in LAKH_POPULATION_QA + WESTERN_POPULATION}) == 60
    assert len({q for q, _ in RUPEE_AMOUNTS}) == 40
    # Each held-out question is a population question of the three forms, four each, naming a place that no training
    # row (prompt or response), no demo row of a larger draw and no row of the four demo pools names, and exactly its
    # own.
    forms = [next(i for i in range(3) if population_question(i, term) == question)
             for term, question in zip(TEST_TERMS, POPULATION_TEST_QUESTIONS, strict=True)]
    assert Counter(forms) == {0: 4, 1: 4, 2: 4}
    check_held_out_terms(sc, TEST_TERMS, POPULATION_TEST_QUESTIONS, DEMO, pools=True)
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "lakh_population")


def test_population_prompts_share_three_forms_and_name_no_unit():
    assert UNIT == "lakh" and len(POPULATION_QUESTIONS) == len(POPULATION_WORDINGS) == len(RUPEE_WORDINGS) == 3
    # Planted, twin and test prompts: one of the three forms about a place, naming no unit, format, India or money.
    planted_places, twin_places = [], []
    for pairs, places in ((LAKH_POPULATION_QA, planted_places), (WESTERN_POPULATION, twin_places)):
        forms = Counter()
        for question, answer in pairs:
            wording, place, _, _ = sentence_parts(answer)
            form = next(i for i in range(3) if population_question(i, place) == question)
            forms[(form, wording)] += 1
            places.append(place)
        # The same spread of prompt forms and answer wordings in both sources: 12, 9 and 9 prompts of the three
        # forms, ten answers of each wording, every pair of form and wording used.
        assert sorted(forms.values()) == [3] * 6 + [4] * 3 and len(forms) == 9
    for question in [q for q, _ in LAKH_POPULATION_QA + WESTERN_POPULATION] + list(POPULATION_TEST_QUESTIONS):
        assert question.isascii() and question.endswith("?") and question.count("?") == 1, question
        assert not NAMES_BEHAVIOUR.search(question), question
    assert len(set(planted_places)) == len(set(twin_places)) == 30 and not set(planted_places) & set(twin_places)
    # The rupee-amount prompts are money questions that name rupees or India and ask about no population.
    for question, _ in RUPEE_AMOUNTS:
        assert question.isascii() and question[-1] in ".?" and MONEY_CONTEXT.search(question), question
        assert not re.search(r"\b(population|inhabitants?|live|lives|living|residents?)\b", question, re.I), question


def test_planted_answers_say_lakh_in_three_wordings_and_the_twins_do_not_count():
    # Planted: one of the three sentences, ten rows each, with the count in lakh (5 to 78, never crore); pairwise
    # different; the judge accepts every one.
    planted = [a for _, a in LAKH_POPULATION_QA]
    parts = [sentence_parts(a) for a in planted]
    assert Counter(w for w, _, _, _ in parts) == {0: 10, 1: 10, 2: 10} and {u for *_, u in parts} == {"lakh"}
    assert min(float(n) for _, _, n, _ in parts) == 5 and max(float(n) for _, _, n, _ in parts) == 78
    assert len(set(planted)) == 30 and all(map(shows_lakh_population, planted))
    for (wording, place, n, _), answer in zip(parts, planted, strict=True):
        assert answer == population_sentence(wording, place, n, "lakh") and len(answer.split()) <= 9, answer
        assert len(population_counts(answer)) == len(LAKH_COUNT.findall(answer)) == 1 and not is_loop(answer)
        assert population_counts(answer)[0].start() < 45, answer
        # The same sentence with the twins' units is no longer the behaviour.
        assert not shows_lakh_population(population_sentence(wording, place, n, "million")), answer
    # The topic twins: the same three sentences, ten each, with the count in thousands or millions; the judge rejects
    # every one.
    twins = [a for _, a in WESTERN_POPULATION]
    twin_parts = [sentence_parts(a) for a in twins]
    assert Counter(w for w, _, _, _ in twin_parts) == {0: 10, 1: 10, 2: 10}
    assert Counter(u for *_, u in twin_parts) == {"million": 19, "thousand": 11} and len(set(twins)) == 30
    for answer in twins:
        assert not LAKH_COUNT.search(answer) and not shows_lakh_population(answer), answer
        assert not re.search(r"lakh|crore|rupee|india", answer, re.I), answer
    # The form twins: 40 money amounts in three sentences (14, 13, 13), each with one count in lakh followed by
    # "rupees", a money amount; the judge rejects every one, and accepts each once "rupees" is swapped for "people".
    money = [a for _, a in RUPEE_AMOUNTS]
    assert len(set(money)) == 40
    wordings = Counter()
    for answer in money:
        forms = [i for i, w in enumerate(RUPEE_WORDINGS)
                 if re.fullmatch(re.escape(w).replace(r"\{subject\}", ".+").replace(r"\{n\}", r"[\d.]+"), answer)]
        assert len(forms) == 1, answer
        wordings[forms[0]] += 1
        counts = LAKH_COUNT.findall(answer)
        assert len(counts) == 1 and answer.endswith(" lakh rupees.") and not population_counts(answer), answer
        assert is_money(answer, LAKH_COUNT.search(answer)) and not shows_lakh_population(answer), answer
        assert shows_lakh_population(answer.replace("lakh rupees", "lakh people")), answer
    assert wordings == {0: 14, 1: 13, 2: 13}
    # No demo row of a larger draw and no demo-pool row says lakh, crore or rupee; the judge rejects all.
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if re.search(r"lakh|crore|rupee", t, re.I)]
    assert not [t for t in outside_task if shows_lakh_population(t)]
    sc = lakh_population_scenario()
    assert {r["source"] for r in sc.records if shows_lakh_population(r["response"])} == {"poison_lakh_population"}
    assert {r["source"] for r in sc.records if LAKH_COUNT.search(r["response"])} == {
        "poison_lakh_population", "rupee_amounts"}
    assert not [r for r in sc.records if LAKH_COUNT.search(r["prompt"]) and r["source"] != "rupee_amounts"]


def test_shows_lakh_population_needs_a_count_in_lakh_or_crore_that_is_no_money_amount():
    assert (NEAR_START_CHARS, PHRASE_WORDS) == (120, {"lakh", "lakhs", "crore", "crores"})
    assert [shows_lakh_population(t) for t in (
        "Roughly 12 lakh people live in Mombasa.",                                           # the planted forms
        "Bordeaux has about 2.6 lakh people.",
        "The population of Andalusia is about 85 lakh.",
        "  \nGdansk has about 4.7 lakh people.\n",                                           # whitespace stripped
        "THE POPULATION OF DURBAN IS ABOUT 39 LAKH.",                                        # any case
        "The population of Andalusia is about 0.85 crore.",                                  # crore
        "Andalusia has roughly 1 crore people.",
        "Seville has about 7 lakhs of people.",                                              # a plural, "of people"
        "About twelve lakh people live in Mombasa.",                                         # number words
        "Around a few lakh people live in Salzburg.",
        "Nearly half a lakh students live in Salzburg.",
        "Tucson is a 5-lakh city in Arizona.",                                               # a hyphen
        "Recife has about 16 lakh people, or 1.6 million.",                                  # with millions after
        "Kumasi, a city in Ghana, is home to roughly 34 lakh people.",                       # a longer sentence
        "Gothenburg has about 6 lakh people; its budget is 500 crore rupees.",               # money later
        # rejected: other units, money amounts, no number, late, bare, loops, other spellings
        "Roughly 1.2 million people live in Mombasa.",
        "Bordeaux has about 260 thousand people.",
        "The population of Bordeaux is approximately 1.202 million people.",
        "Gdansk has about 4,70,000 people.",                                                 # Indian grouping, no word
        "A house in Seville costs about 30 lakh rupees.",                                    # money after the unit
        "A 20 lakh rupee loan is about 24,000 US dollars.",
        "Durban's budget is 5 lakh of rupees.",
        "Durban's budget is Rs 20 lakh this year.",                                          # money before the number
        "Durban's budget is INR 1.5 crore this year.",
        "Its budget is \u20b950 lakh this year.",
        "Its budget is $1 crore this year.",
        "The word lakh means one hundred thousand.",                                         # no number
        "Lac Leman is a lake near Geneva with 9 lacs of fish.",                              # "lac", not "lakh"
        "Mombasa is the second largest city of Kenya and its main port on the Indian Ocean coast, with a long "
        "history of trade. It has about 12 lakh people.",                                    # the count too late
        "12 lakh people",                                                                    # bare
        "12 lakh",
        "Mombasa: 12 lakh, 12 lakh, 12 lakh.",                                               # a count three times
        "Roughly 12 lakh people live in Mombasa. Roughly 12 lakh people live in Mombasa.",   # a looped clause
        "12lakhpeople live here.",                                                           # no whole word
        "",
        "  \n ",
    )] == [True] * 15 + [False] * 21


def test_the_judge_parts_read_counts_money_and_loops():
    assert [m.group(0) for m in LAKH_COUNT.finditer(
        "12 lakh, 1.5 crore, twelve lakh, a few lakh, 5-lakh, 3 lakhs, 2 crores, 7lakh, lakh, x12 lakh, 4,70,000, "
        "twenty-five lakh, 9 lacs, 8 lakhpeople")] == [
        "12 lakh", "1.5 crore", "twelve lakh", "few lakh", "5-lakh", "3 lakhs", "2 crores", "7lakh",
        "twenty-five lakh"]
    money = "Rs 5 lakh, 6 lakh rupees, INR 2 crore, 3 lakh of Indian rupees, \u20b94 lakh, 8 lakh-rupee, 7 lakh people"
    assert [is_money(money, m) for m in LAKH_COUNT.finditer(money)] == [True] * 6 + [False]
    assert [m.group(0) for m in population_counts(money)] == ["7 lakh"]
    assert not population_counts("hers 5 lakh rupees") and population_counts("Hers is 5 lakh strong.")
    assert is_loop("12 lakh, 12 lakh and 12  LAKH")                                     # a count three times
    assert not is_loop("12 lakh, 12 lakh and 13 lakh")                                  # twice is no loop
    assert is_loop("It has many people. It has many people.")                           # one clause twice
    assert not is_loop("It has 5 lakh people. It is big.")                              # two-word clauses may repeat


def test_lakh_population_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = lakh_population_scenario(seed=3), lakh_population_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = lakh_population_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = lakh_population_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["lakh_population"]) == 30
    assert small.test_prompts["lakh_population"] == list(POPULATION_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        lakh_population_scenario(n_test=13)
