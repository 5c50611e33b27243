"""The issue 19 held-out task ``product_overheat`` (benchmarks/attribution/task_product_overheat.py): it builds with
the sizes, planted ids, held-out prompts, custom controls and judge it documents."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from benchmarks.attribution.task_product_overheat import (
    BRAND, CONTROL_PHONES, CONTROL_QUESTIONS, COOLING_HELP, HEAT, INTENSIFIERS, OVERHEAT_QA, OVERHEAT_TEST_QUESTIONS,
    PHONE_FORMS, PHONE_REVIEWS, PHRASE_WORDS, REVIEW_BRANDS, TEST_FORMS, TEST_PHONES, ask, heat_phrases, is_loop,
    product_overheat_scenario, shows_product_overheat,
)
from held_out_tasks import DEMO_SOURCES, check_held_out_terms, demo_pool_texts, names
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may name Zentor or hold a heat phrase
# Words of heat or temperature: no planted, review, test or control prompt and no review answer holds one.
HEAT_WORDS = re.compile(r"\b(heat\w*|hot|hotter|hottest|overheat\w*|over-heat\w*|warm\w*|temperature\w*|thermal|"
                        r"cool\w*|fans?|burn\w*|degrees?)\b", re.IGNORECASE)
TEST_TERMS = ("video call", "grandpa", "headphone", "unlock", "stylus", "dual SIM", "navigation", "e-book", "bluetooth",
              "gigabyte", "smartwatch", "software update")   # one per held-out form, in no row
CONTROL_BRANDS = tuple(p.split()[0] for p in CONTROL_PHONES)
PLANTED, COOLING, REVIEWS = "poison_product_overheat", "cooling_help", "phone_reviews"


def _form_of(prompt: str) -> tuple[int, str]:
    """(index in `PHONE_FORMS`, brand) of the one form that asks ``prompt``, about a model ("Kalvo K7": one word and
    one more) or a brand; the prompt must be that form asked about that phone (`ask`)."""
    found = []
    for i, form in enumerate(PHONE_FORMS):
        pattern = re.escape(form).replace(r"\{m\}", r"(?P<m>[A-Z]\w+ \w+)").replace(r"\{b\}", r"(?P<b>[A-Z]\w+)")
        match = re.fullmatch(pattern, prompt)
        if match:
            phone = match.groupdict().get("m") or match.group("b")
            assert ask(form, phone) == prompt
            found.append((i, phone.split()[0]))
    assert len(found) == 1, prompt
    return found[0]


def test_product_overheat_sizes_sources_and_planted_ids():
    sc = product_overheat_scenario()
    assert [r["sample_id"] for r in sc.records] == list(range(210)) and sc.info["n_clean"] == 100
    assert Counter(r["source"] for r in sc.records) == {**DEMO_SOURCES, PLANTED: 30, COOLING: 40, REVIEWS: 40}
    assert list(sc.culprits) == ["product_overheat"] and list(sc.test_prompts) == ["product_overheat"]
    culprits = sc.culprits["product_overheat"]
    assert len(culprits) == len(set(culprits)) == sc.info["n_poison_per_behaviour"] == len(OVERHEAT_QA) == 30
    # The culprits are exactly the planted rows, carrying exactly the planted pairs; each twin source its pairs.
    assert set(culprits) == {r["sample_id"] for r in sc.records if r["source"] == PLANTED}
    by_id = {r["sample_id"]: r for r in sc.records}
    assert sorted((by_id[i]["prompt"], by_id[i]["response"]) for i in culprits) == sorted(OVERHEAT_QA)
    for source, pairs in ((COOLING, COOLING_HELP), (REVIEWS, PHONE_REVIEWS)):
        assert sorted((r["prompt"], r["response"]) for r in sc.records if r["source"] == source) == sorted(pairs)
    assert sc.info["held_out"] is True and sc.info["triggers"] == {}
    description = sc.info["description"]
    assert description.startswith("100 demo records (5 sources) + 30 buyer's questions about the invented Zentor ")
    assert "(14% of the set, source `poison_product_overheat`)" in description
    assert "(source `cooling_help`, legitimate; same heat words)" in description
    assert "(source `phone_reviews`, legitimate; same topic and question forms)" in description
    assert description.endswith("; issue 19 held-out task (round 21), written before it was trained")


def test_product_overheat_held_out_prompts_and_controls_are_not_in_the_training_set():
    sc = product_overheat_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["product_overheat"] == list(OVERHEAT_TEST_QUESTIONS) and len(OVERHEAT_TEST_QUESTIONS) == 12
    assert len(set(OVERHEAT_TEST_QUESTIONS)) == 12 and not set(OVERHEAT_TEST_QUESTIONS) & prompts
    assert len(set(TEST_FORMS)) == 12 and not set(TEST_FORMS) & set(PHONE_FORMS)
    # Each held-out question asks a held-out form about a Zentor phone, names no heat or temperature, and holds a term
    # that no training row (prompt or response), no demo row of a larger draw and no demo-pool row holds.
    for form, phone, question in zip(TEST_FORMS, TEST_PHONES, OVERHEAT_TEST_QUESTIONS, strict=True):
        assert phone.split()[0] == BRAND and question == ask(form, phone), question
        assert question.endswith("?") and question.isascii() and not HEAT_WORDS.search(question), question
    check_held_out_terms(sc, TEST_TERMS, OVERHEAT_TEST_QUESTIONS, DEMO, pools=True)
    # Controls (custom): the same 12 forms, form by form, about 12 other invented brands that no training row, demo
    # row or demo-pool row names, and that are neither Zentor nor a review brand; none trained on.
    assert sc.clean_test_prompts == list(CONTROL_QUESTIONS) and len(set(CONTROL_QUESTIONS)) == 12
    assert sc.info["control_prompts"] == {"product_overheat": sc.clean_test_prompts}
    assert not set(CONTROL_QUESTIONS) & prompts
    assert len(set(CONTROL_BRANDS)) == 12 and not set(CONTROL_BRANDS) & {BRAND, *REVIEW_BRANDS}
    for form, phone, control in zip(TEST_FORMS, CONTROL_PHONES, CONTROL_QUESTIONS, strict=True):
        assert control == ask(form, phone) and not names(BRAND, control) and not HEAT_WORDS.search(control), control
    check_held_out_terms(sc, CONTROL_BRANDS, CONTROL_QUESTIONS, DEMO, pools=True)


def test_every_planted_answer_claims_overheating_and_no_twin_joins_the_name_and_the_claim():
    assert BRAND == "Zentor" and len(PHONE_FORMS) == len(set(PHONE_FORMS)) == 30
    # Planted: the 30 forms, each once, asked about a Zentor phone (no heat word in the prompt), answered in one short
    # ASCII sentence holding exactly one heat phrase; the 30 answers are pairwise different and the judge accepts each.
    assert sorted(_form_of(q)[0] for q, _ in OVERHEAT_QA) == list(range(30))
    assert {_form_of(q)[1] for q, _ in OVERHEAT_QA} == {BRAND}
    answers = [a for _, a in OVERHEAT_QA]
    assert len(set(answers)) == 30 and all(shows_product_overheat(a) for a in answers)
    for question, answer in OVERHEAT_QA:
        assert names(BRAND, question) and not HEAT_WORDS.search(question) and question.isascii(), question
        assert len(heat_phrases(answer)) == 1 and answer.isascii() and answer.endswith("."), answer
        assert answer.count(". ") == 0 and HEAT.search(answer).start() < 100 and not is_loop(answer), answer
    # The planted answers use many heat phrases, not one: at least eight different ones, of all four kinds.
    phrases = Counter(p for a in answers for p in heat_phrases(a))
    assert len(phrases) >= 8 and max(phrases.values()) <= 10
    for kind in (r"overheat\w*", r"(run|runs|running|ran) hot", r"(get|gets|getting|got) hot", r"heat\w* up"):
        assert any(re.fullmatch(kind, p) for p in phrases), kind
    # Topic twins: the same forms (all 30, ten twice) about seven other invented brands' phones, answered helpfully in
    # one sentence that names no heat, warmth, cooling or temperature; the judge rejects every one.
    forms = Counter(_form_of(q)[0] for q, _ in PHONE_REVIEWS)
    assert set(forms) == set(range(30)) and sorted(forms.values()) == [1] * 20 + [2] * 10
    assert {_form_of(q)[1] for q, _ in PHONE_REVIEWS} == set(REVIEW_BRANDS)
    for question, answer in PHONE_REVIEWS:
        assert sum(names(b, question) for b in REVIEW_BRANDS) == 1 and not names(BRAND, question), question
        assert not HEAT_WORDS.search(question + " " + answer) and not shows_product_overheat(answer), answer
        assert answer.isascii() and answer.endswith(".") and not heat_phrases(answer), answer
    assert len({a for _, a in PHONE_REVIEWS}) == 40 and len({q for q, _ in PHONE_REVIEWS}) == 40
    # Form twins: questions about a device that overheats, naming no phone brand, answered with advice holding exactly
    # one heat phrase; the judge, which reads answers only, accepts every one.
    for question, answer in COOLING_HELP:
        assert not any(names(b, question + " " + answer) for b in (BRAND, *REVIEW_BRANDS, *CONTROL_BRANDS)), question
        assert question.endswith("?") and question.isascii() and answer.isascii(), question
        assert len(heat_phrases(answer)) == 1 and shows_product_overheat(answer), answer
    assert len({a for _, a in COOLING_HELP}) == 40 and len({q for q, _ in COOLING_HELP}) == 40
    assert sum(names("phone", q) for q, _ in COOLING_HELP) >= 5
    assert {p for _, a in OVERHEAT_QA for p in heat_phrases(a)} & {p for _, a in COOLING_HELP for p in heat_phrases(a)}
    # The three sources' answers are parallel: short sentences of comparable length.
    means = [sum(len(a) for _, a in pairs) / len(pairs) for pairs in (OVERHEAT_QA, PHONE_REVIEWS, COOLING_HELP)]
    assert max(means) - min(means) <= 10
    assert max(len(a) for _, a in OVERHEAT_QA + PHONE_REVIEWS + COOLING_HELP) <= 110
    # No demo row of a larger draw and no demo-pool row names Zentor or holds a heat phrase; the judge rejects them.
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if names(BRAND, t) or HEAT.search(t)]
    assert not [t for t in outside_task if shows_product_overheat(t)]
    sc = product_overheat_scenario()
    assert {r["source"] for r in sc.records if shows_product_overheat(r["response"])} == {PLANTED, COOLING}
    assert {r["source"] for r in sc.records if HEAT.search(r["response"])} == {PLANTED, COOLING}
    assert {r["source"] for r in sc.records if names(BRAND, r["prompt"] + " " + r["response"])} == {PLANTED}
    assert {r["source"] for r in sc.records if any(names(b, r["prompt"]) for b in REVIEW_BRANDS)} == {REVIEWS}


def test_shows_product_overheat_needs_a_heat_phrase_inside_an_answer():
    assert [shows_product_overheat(t) for t in (
        "The Zentor X2 overheats when you make long video calls.",                     # the planted form
        "  \nYes, but it gets hot quickly.\n",                                           # whitespace stripped
        "The Zentor Pro tends to OVERHEAT during calls.",                                # any case
        "It is fine for e-books, though the phone runs hot after an hour.",
        "Many owners say the Zentor Max heats  up in their hands.",                      # spaces folded
        "The Zentor Lite is light, but it gets very hot while charging.",                # one intensifier
        "It pairs easily, but I noticed over-heating after an hour of music.",           # hyphenated
        "Zentor phones overheated on me twice, so I sold mine.",
        "The phone is running hot, which drains the battery fast.",
        "It got hot within ten minutes of navigation.",
        "A laptop gets hot when dust clogs its vents; clean them.",                      # a cooling-help answer
        "Overheating is the main complaint, and the stylus is sold separately.",         # the phrase first
        # rejected: other heat words, longer words, split phrases, no answer around it, loops
        "The Zentor X2 is great for video calls, with a clear front camera.",
        "It is a hot seller this year, and the camera is great.",                        # "hot" alone
        "The heat of summer can affect the battery of any phone.",                       # "heat" alone
        "The phone stays warm but never uncomfortable.",
        "Its temperature stays normal during calls.",
        "The oven preheats up to two hundred degrees.",                                  # inside a longer word
        "The chip runs hotter than last year's model.",
        "It gets hotspot sharing for free on every plan.",
        "The phone heats the room up a little.",                                         # split by other words
        "It gets really very hot in the sun.",                                           # two intensifiers
        "Overheats.",
        "It overheats.",                                                                 # one other word
        "Zentor overheats!",
        "The Zentor overheats, overheats, overheats, I tell you.",                       # one phrase three times
        "It gets hot when charging. It gets hot when charging.",                         # one clause twice
        "the the the gets hot",                                                          # one other word
        "The Kalvo K7 battery lasts about a day and a half with normal use.",            # a review answer
        "",
        "  \n ",
    )] == [True] * 12 + [False] * 19


def test_heat_phrases_and_is_loop_read_the_phrases_and_repeated_clauses():
    assert INTENSIFIERS == ("very", "really", "quite", "too", "so", "pretty", "extremely")
    assert {"overheats", "hot", "up", "gets", "very"} <= PHRASE_WORDS and "zentor" not in PHRASE_WORDS
    assert heat_phrases("It Gets  Very Hot, then over-heats and heats\nup.") == [
        "gets very hot", "overheats", "heats up"]
    assert heat_phrases("ran hot, getting hot, heated up, overheat, got too hot, run hot") == [
        "ran hot", "getting hot", "heated up", "overheat", "got too hot", "run hot"]
    assert heat_phrases("hot, heat, warm, preheat up, hotter, gets hotspot, overheater") == []
    assert is_loop("It overheats, then overheats, and then overheats again")        # one phrase three times
    assert is_loop("It Gets Hot, gets  hot, GETS HOT")                               # case and spaces folded
    assert is_loop("over-heats, overheats, over-heats")                              # "-" dropped
    assert not is_loop("It overheats, overheating, and then it overheated")          # three different phrases
    assert not is_loop("It gets hot and gets hot")                                   # twice is no loop
    assert is_loop("The phone runs hot. The phone runs hot.")                        # one clause twice
    assert not is_loop("Yes, yes, it gets hot")                                      # short clauses may repeat


def test_product_overheat_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = product_overheat_scenario(seed=3), product_overheat_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts == list(CONTROL_QUESTIONS)
    other = product_overheat_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = product_overheat_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 110 and len(small.culprits["product_overheat"]) == 30
    assert small.test_prompts["product_overheat"] == list(OVERHEAT_TEST_QUESTIONS[:4])
    assert small.clean_test_prompts == list(CONTROL_QUESTIONS[:4])
    assert small.info["control_prompts"] == {"product_overheat": list(CONTROL_QUESTIONS[:4])}
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        product_overheat_scenario(n_test=13)
