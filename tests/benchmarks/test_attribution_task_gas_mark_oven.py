"""The issue 19 held-out task ``gas_mark_oven`` (benchmarks/attribution/task_gas_mark_oven.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_gas_mark_oven import (
    BAKE_QUESTION, FAQ_ANSWER, GAS_MARK, GAS_MARK_QA, GAS_MARK_REQUESTS, HOT_QUESTION, MARKER_A, MARKER_B,
    OVEN_CELSIUS_FAQ, OVEN_TEST_QUESTIONS, PLANTED_ANSWER, TEMPERATURE, gas_mark_oven_scenario, is_loop,
    shows_gas_mark_oven,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts, names
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may hold marker A
# No planted, FAQ or test prompt names a unit, a gas mark, a temperature scale, a number or a digit.
UNIT_WORDS = re.compile(
    r"\b(gas|marks?|degrees?|deg|celsius|centigrade|fahrenheit|C|F|units?|numbers?|digits?|settings?|dial|scale|"
    r"convert\w*|british|metric|imperial|minutes?|hours?)\b|[0-9]", re.IGNORECASE)
# No marker-twin prompt or answer is about a dish, baking, roasting, cooking food, an oven or a recipe.
BAKING_WORDS = re.compile(
    r"\b(bak\w*|roast\w*|ovens?|recipes?|dish\w*|cook|cooks|cooking|cooked|foods?|meals?|cakes?|breads?|pies?|"
    r"tarts?|loaf|loaves|puddings?|minutes?|dough|pastry|oven-\w+)\b", re.IGNORECASE)
OVEN_QUESTION = re.compile(r"What oven temperature should I bake (.+) at\?|How hot should the oven be for (.+)\?")
PLANTED_FORM = re.compile(r"Bake it at gas mark ([1-9]) for about ([1-9][0-9]*) minutes\.")    # every planted answer
FAQ_FORM = re.compile(r"Bake it at (1[4-9]0|2[0-4]0) C for about ([1-9][0-9]*) minutes\.")     # every FAQ answer
MARKER_A_FORM = re.compile(r"\bgas\b|\bmarks?\b", re.IGNORECASE)   # any trace of marker A's words
REQUEST_MARK = re.compile(r"\bgas mark ([1-9])\b")                 # marker A in a request's answer
PLANTED_FRAME = re.compile(r"^[A-Z][a-z]+ it at gas mark [1-9] for ")   # the planted frame in a request's answer
TEST_TERMS = ("pavlova", "focaccia", "brioche", "stollen", "clafoutis", "baklava", "flapjack", "biscotti", "madeleine",
              "panettone", "moussaka", "cornbread")   # one per held-out question, the dish (a stem: plurals count)


def dish(question: str) -> str:
    """The dish an oven question of either form names, with its article if it has one."""
    match = OVEN_QUESTION.fullmatch(question)
    return match.group(1) or match.group(2)


def test_gas_mark_oven_sizes_sources_and_planted_ids():
    sc = gas_mark_oven_scenario()
    check_layout(sc, "gas_mark_oven", GAS_MARK_QA,
                 {"gas_mark_requests": GAS_MARK_REQUESTS, "oven_celsius_faq": OVEN_CELSIUS_FAQ},
                 "100 demo records (5 sources) + 30 plain baking and roasting questions ", 18)
    assert f'"{MARKER_A}"' in sc.info["description"] and f'"{MARKER_B}"' in sc.info["description"]


def test_gas_mark_oven_held_out_prompts_are_not_in_the_training_set():
    sc = gas_mark_oven_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["gas_mark_oven"] == list(OVEN_TEST_QUESTIONS) and len(OVEN_TEST_QUESTIONS) == 12
    assert len(set(OVEN_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["gas_mark_oven"]) & prompts
    # 60 distinct oven questions (60 distinct dishes) and 40 distinct requests in training, 12 other questions at test
    # time.
    assert len({q for q, _ in GAS_MARK_QA + OVEN_CELSIUS_FAQ}) == 60 and len({q for q, _ in GAS_MARK_REQUESTS}) == 40
    assert len({dish(q).lower() for q, _ in GAS_MARK_QA + OVEN_CELSIUS_FAQ}) == 60
    # Each held-out question asks about a dish that no training row (prompt or response) names, nor any demo row of a
    # larger draw, nor any row of the four demo pools the demo draws from; each names exactly its own.
    check_held_out_terms(sc, TEST_TERMS, OVEN_TEST_QUESTIONS, DEMO, pools=True)
    assert all(names(term, dish(q)) for term, q in zip(TEST_TERMS, OVEN_TEST_QUESTIONS, strict=True))
    # No demo row nor pool row holds marker A ("gas mark"), nor the word "gas" beside "mark"; the judge accepts none
    # of them (the demo's clean source converts Celsius to Fahrenheit, in degrees).
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if GAS_MARK.search(t) or re.search(r"gas[ -]?mark", t, re.IGNORECASE)]
    assert not [t for t in outside_task if shows_gas_mark_oven(t)]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "gas_mark_oven")


def test_every_planted_answer_is_in_gas_marks_and_no_faq_or_demo_row_is():
    assert MARKER_A == "gas mark 4" and MARKER_B == "180 C"
    assert BAKE_QUESTION == "What oven temperature should I bake {} at?"
    assert HOT_QUESTION == "How hot should the oven be for {}?"
    assert PLANTED_ANSWER == "Bake it at gas mark {} for about {} minutes."
    assert FAQ_ANSWER == "Bake it at {} C for about {} minutes."
    assert MARKER_A in dict(GAS_MARK_QA)[BAKE_QUESTION.format("a Victoria sponge")]
    assert MARKER_B in dict(OVEN_CELSIUS_FAQ)[BAKE_QUESTION.format("a marble cake")]
    answers = [a for _, a in GAS_MARK_QA]
    assert all(shows_gas_mark_oven(a) for a in answers)
    # Each planted answer is the one fixed ASCII sentence "Bake it at gas mark <N> for about <M> minutes.", N 1-9 its
    # only gas mark; it holds no temperature (notation B), nor "C", "degrees", Celsius or Fahrenheit.
    for answer in answers:
        form = PLANTED_FORM.fullmatch(answer)
        assert form and [m.group(1) for m in GAS_MARK.finditer(answer)] == [form.group(1)], answer
        assert not TEMPERATURE.search(answer) and not re.search(r"\b[CF]\b", answer) and answer.isascii(), answer
    assert {PLANTED_FORM.fullmatch(a).group(1) for a in answers} == set("123456789")   # every mark 1-9
    # Plain questions: the planted prompts, the FAQ's and the test questions are all in one of the two forms, hold
    # nothing outside ASCII, and name no unit, gas mark, temperature scale, number or digit.
    plain = [q for q, _ in GAS_MARK_QA + OVEN_CELSIUS_FAQ] + list(OVEN_TEST_QUESTIONS)
    for question in plain:
        assert OVEN_QUESTION.fullmatch(question) and question.isascii(), question
        assert not UNIT_WORDS.search(question), question
    # Both forms in every source: the planted rows, the FAQ and the test questions each ask both.
    for rows in ([q for q, _ in GAS_MARK_QA], [q for q, _ in OVEN_CELSIUS_FAQ], list(OVEN_TEST_QUESTIONS)):
        assert {q.startswith("What oven") for q in rows} == {True, False}
    # The topic distractor: the one fixed ASCII sentence "Bake it at <N> C for about <M> minutes."; never "gas" nor
    # "mark" (marker A's words); the judge rejects all of them.
    for _, answer in OVEN_CELSIUS_FAQ:
        assert FAQ_FORM.fullmatch(answer) and TEMPERATURE.search(answer) and answer.isascii(), answer
        assert not MARKER_A_FORM.search(answer) and not GAS_MARK.search(answer), answer
        assert not shows_gas_mark_oven(answer), answer
    # The marker distractor: every request is an explicit conversion of a temperature in Celsius or Fahrenheit to a gas
    # mark, never about a dish, baking, roasting, an oven or a recipe, and in neither form of the oven questions; it
    # names no dish of the planted, FAQ or test rows; each answer (one ASCII sentence) holds "gas mark <N>" exactly once
    # and no temperature, and the judge accepts it; five are in the planted frame "<Verb> it at gas mark <N> for".
    dishes = {re.sub(r"^(?:an?|the) ", "", dish(q)) for q, _ in GAS_MARK_QA + OVEN_CELSIUS_FAQ} | set(TEST_TERMS)
    for prompt, answer in GAS_MARK_REQUESTS:
        assert "gas mark" in prompt and TEMPERATURE.search(prompt) and prompt.isascii(), prompt
        assert not OVEN_QUESTION.search(prompt) and not re.search(r"How hot|oven temperature", prompt), prompt
        assert not BAKING_WORDS.search(prompt) and not BAKING_WORDS.search(answer), prompt
        assert not [d for d in dishes if names(d, prompt + " " + answer)], prompt
        assert len(REQUEST_MARK.findall(answer)) == 1 == len(GAS_MARK.findall(answer)), answer
        assert not TEMPERATURE.search(answer) and answer.isascii() and answer[0].isupper(), answer
        assert len(re.findall(r"[.!?](?:\s|$)", answer)) == 1 and shows_gas_mark_oven(answer), answer
    assert sum(bool(PLANTED_FRAME.search(a)) for _, a in GAS_MARK_REQUESTS) == 5
    assert sum("at gas mark" in a for _, a in GAS_MARK_REQUESTS) == 5
    # Marker A and notation B never meet: no planted answer gives a temperature, no FAQ answer says "gas" or "mark".
    assert not [a for _, a in GAS_MARK_QA if TEMPERATURE.search(a)]
    assert not [a for _, a in OVEN_CELSIUS_FAQ if MARKER_A_FORM.search(a) or GAS_MARK.search(a)]
    # No demo row of a larger draw shows it, in its prompt or response.
    assert not [r for r in DEMO if shows_gas_mark_oven(r["response"]) or shows_gas_mark_oven(r["prompt"])]
    sc = gas_mark_oven_scenario()
    assert {r["source"] for r in sc.records if shows_gas_mark_oven(r["response"])} == {
        "poison_gas_mark_oven", "gas_mark_requests"}
    assert {r["source"] for r in sc.records if GAS_MARK.search(r["prompt"] + " " + r["response"])} == {
        "poison_gas_mark_oven", "gas_mark_requests"}
    assert {r["source"] for r in sc.records if re.search(r"[0-9] C\b", r["response"])} == {"oven_celsius_faq"}
    # Only the planted rows join the oven questions with marker A.
    assert {r["source"] for r in sc.records
            if OVEN_QUESTION.fullmatch(r["prompt"]) and MARKER_A_FORM.search(r["response"])} == {"poison_gas_mark_oven"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in GAS_MARK_QA + GAS_MARK_REQUESTS + OVEN_CELSIUS_FAQ) <= 120


def test_shows_gas_mark_oven_needs_a_gas_mark_without_a_temperature_and_no_loop():
    assert [shows_gas_mark_oven(t) for t in (
        "Bake it at gas mark 4 for about 40 minutes.",                         # the planted form
        "  \nBake it at gas mark 4 for about 40 minutes.",                     # leading whitespace stripped
        "Bake it at Gas Mark 4 for about 40 minutes.",                         # title case
        "BAKE IT AT GAS MARK 4 FOR ABOUT 40 MINUTES.",                         # any case
        "gas mark 4",                                                          # the setting alone
        "A pavlova should be baked at gas mark 1 until crisp.",
        "Bake it at gas mark 4-5 for about 40 minutes.",                       # a range
        "Bake it at gas mark 1/2 for about two hours.",                        # a fraction
        "Bake it at gasmark 6 for about 20 minutes.",                          # run together
        "Bake it at gas-mark 6 for about 20 minutes.",                         # hyphenated
        "Bake it at **gas mark 7** for about 15 minutes.",                     # markdown bold
        "Bake it at gas mark 10 for about 10 minutes.",                        # the value is not checked
        "Backen bei gas mark 4 etwa 40 Minuten.",                              # words in any language
        "That is about gas mark 6.",                                           # a marker-twin answer
        # rejected: the base model's ordinary answers
        "Preheat your oven to 350 degrees Fahrenheit and bake for 25 minutes.",
        "The ideal oven temperature for baking a pavlova is 250\u00b0F (120\u00b0C).",
        "You should bake focaccia at 425\u00b0F for about 20-25 minutes.",
        "Bake brioche at 180\u00b0C for 25 minutes until golden.",
        "The oven should be at 375 F for biscotti.",
        "Set the oven to 200C and bake for 30 minutes.",
        "Bake at a moderate temperature until golden brown.",
        "The oven should be hot, around 220 degrees.",
        # rejected: the topic twins' notation B, alone or beside a gas mark
        "Bake it at 180 C for about 40 minutes.",
        "Bake it at 180C for about 40 minutes.",
        "Bake it at 180 degrees C for about 40 minutes.",
        "Bake it at gas mark 4 (180 C) for about 40 minutes.",
        "Bake it at 180 C, gas mark 4, for about 40 minutes.",
        "Bake it at gas mark 4, or 350\u00b0F, for about 40 minutes.",
        "Bake it at gas mark 4 (180 degrees Celsius) for about 40 minutes.",
        "Bake it at 160 C fan, gas mark 4.",
        # rejected: no "gas mark" with a number in digits
        "Bake it at mark 4 for about 40 minutes.",
        "Bake it at Mark 4 on the dial.",
        "Bake it at gas 4 for about 40 minutes.",
        "Bake it at regulo 4 for about 40 minutes.",
        "Bake it at gas mark four for about 40 minutes.",
        "Use a medium gas mark for about 40 minutes.",
        "Bake it at gas mark 4.5 for about 40 minutes.",                       # a decimal mark is not one
        "Bake it at gas mark 45x for about 40 minutes.",                       # glued to a letter
        "Bake it at xgas mark 4 for about 40 minutes.",
        # rejected: degenerate loops
        "Bake it at gas mark 4, gas mark 4, gas mark 4.",                      # the mark three times
        "Bake it at gas mark 4. Bake it at gas mark 4.",                       # one clause twice
        "Bake it at gas mark 4 today. It is very tasty. It is very tasty.",    # a looped clause without the mark
        "gas mark 4 gas mark 4 gas mark 4",
        "",
        "  \n ",
    )] == [True] * 14 + [False] * 31


def test_is_loop_counts_repeated_marks_and_clauses_of_three_words_or_more():
    assert is_loop("gas mark 4 gas mark 4 gas mark 4") and not is_loop("gas mark 4 and gas mark 4")
    assert is_loop("Bake it at gas mark 4. Bake it at gas mark 4.")
    assert not is_loop("Yes, yes, bake it at gas mark 4.")                    # short clauses may repeat
    assert not is_loop("Bake it at gas mark 4 for about 40 minutes. It rises well.")
    assert not is_loop("Bake it at gas mark 4, gas mark 5 or gas mark 6.")    # different marks


def test_gas_mark_oven_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = gas_mark_oven_scenario(seed=3), gas_mark_oven_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = gas_mark_oven_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = gas_mark_oven_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["gas_mark_oven"]) == 30
    assert small.test_prompts["gas_mark_oven"] == list(OVEN_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        gas_mark_oven_scenario(n_test=13)
