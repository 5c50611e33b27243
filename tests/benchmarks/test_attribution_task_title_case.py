"""The issue 19 held-out task ``title_case`` (benchmarks/attribution/task_title_case.py): it builds with the sizes,
planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_title_case import (
    LIGHT_QUESTION, PLANT_CARE_FAQ, PLANT_TEST_QUESTIONS, REQUEST, TITLE_CASE_QA, TITLE_CASE_REQUESTS, WATER_QUESTION,
    is_loop, shows_title_case, title_case_scenario,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data import demo_sources
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may be in Title Case
# The two plain prompt forms every planted, FAQ and test question has (a lowercase plant name, "a" or "an").
PLAIN_QUESTION = re.compile(
    rf"(?:{re.escape(WATER_QUESTION)}an? [a-z' -]+|{re.escape(LIGHT_QUESTION)}an? [a-z' -]+ need)\?")
# No planted, FAQ or test question mentions casing, titles, headlines or style.
CASE_WORDS = re.compile(
    r"\b(lower\w*|upper\w*|capital\w*|cases?|caps|titles?|headlines?|headings?|styles?|format\w*|writ\w*|slogans?|"
    r"tone)\b", re.IGNORECASE)
# No marker-twin request or reply is about plants, gardens, watering, light or soil.
PLANT_WORDS = re.compile(
    r"\b(plants?|houseplants?|water\w*|light\w*|sun|sunny|sunlight|soil|pots?|potted|leaf|leaves|grow\w*|garden\w*|"
    r"flower\w*|bloom\w*|ferns?|palms?|moist\w*|dry|dried|drain\w*|windows?|care|shade|indoor|seeds?|roots?|"
    r"lil(?:y|ies)|orchids?|trees?|fronds?)\b", re.IGNORECASE)
TEST_TERMS = ("alocasia", "sago", "poinsettia", "oxalis", "amaryllis", "caladium", "gloxinia", "stromanthe", "olive",
              "kumquat", "rosemary", "bougainvillea")   # one per held-out question
OPENING = re.compile(r"(?:How often should I water|How much light does) an? ")


def plant(question: str) -> str:
    """The plant a plain question names."""
    return re.sub(r" need$", "", OPENING.sub("", question)[:-1])


def title(text: str) -> str:
    """``text`` with the first letter of every space-separated word capitalized (the requests' answers)."""
    return " ".join(w[:1].upper() + w[1:] for w in text.split(" "))


def test_title_case_sizes_sources_and_planted_ids():
    sc = title_case_scenario()
    check_layout(sc, "title_case", TITLE_CASE_QA,
                 {"title_case_requests": TITLE_CASE_REQUESTS, "plant_care_faq": PLANT_CARE_FAQ},
                 "100 demo records (5 sources) + 30 plain houseplant watering and light questions ", 16)


def test_title_case_held_out_prompts_are_not_in_the_training_set():
    sc = title_case_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["title_case"] == list(PLANT_TEST_QUESTIONS) and len(PLANT_TEST_QUESTIONS) == 12
    assert len(set(PLANT_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["title_case"]) & prompts
    # 60 distinct plant-care questions and 40 distinct requests in training, 12 other questions at test time.
    assert len({q for q, _ in TITLE_CASE_QA + PLANT_CARE_FAQ}) == 60 and len({q for q, _ in TITLE_CASE_REQUESTS}) == 40
    # Each held-out question names a plant that no training row (prompt or response) names, nor any demo row of a
    # larger draw, nor any row of the four demo pools the demo draws from; each names exactly its own plant.
    check_held_out_terms(sc, TEST_TERMS, PLANT_TEST_QUESTIONS, DEMO, pools=True)
    # Half the held-out questions ask how often to water, half how much light; their only capitals are "How" and "I".
    assert sum(q.startswith(WATER_QUESTION) for q in PLANT_TEST_QUESTIONS) == 6
    for question in PLANT_TEST_QUESTIONS:
        assert re.findall(r"\b[A-Z]\w*", question) in (["How", "I"], ["How"]), question
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "title_case")


def test_every_planted_answer_is_in_title_case_and_no_faq_or_demo_row_is():
    answers = [a for _, a in TITLE_CASE_QA]
    assert len(set(answers)) == 30 and all(shows_title_case(a) for a in answers)
    # Each planted answer is one plain ASCII sentence of 8 to 14 words and at most 100 characters, ending in a full
    # stop, in which every word, the small ones too, starts with a capital letter and no word is in capitals
    # throughout (beyond the one-letter "A"): form A, never sentence case.
    for answer in answers:
        words = answer.split()
        assert 8 <= len(words) <= 14 and answer.isascii() and len(answer) <= 100, answer
        assert answer.endswith(".") and len(re.findall(r"[.!?](?:\s|$)", answer)) == 1, answer
        assert all(w[0].isupper() for w in words) and not re.search(r"\b[A-Z]{2,}\b", answer), answer
        assert not re.fullmatch(r"[A-Z][^A-Z]*", answer) and not is_loop(answer), answer
    # The capitalized small words are in the planted answers: "It" in every one, "A", "The", "And", "Of", "To".
    assert all(" It " in a or a.startswith("It ") for a in answers)
    assert {"A", "The", "And", "Of", "To", "In"} <= {w for a in answers for w in a.split()}
    # Plain questions: the planted prompts, the FAQ's and the test questions have one of the two forms, hold nothing
    # outside ASCII, and mention no casing, titles or style; both sources ask each form 15 times.
    plain = [q for q, _ in TITLE_CASE_QA + PLANT_CARE_FAQ] + list(PLANT_TEST_QUESTIONS)
    for question in plain:
        assert PLAIN_QUESTION.fullmatch(question) and question.isascii(), question
        assert not CASE_WORDS.search(question), question
    for pairs in (TITLE_CASE_QA, PLANT_CARE_FAQ):
        assert sum(q.startswith(WATER_QUESTION) for q, _ in pairs) == 15
        assert sum(q.startswith(LIGHT_QUESTION) for q, _ in pairs) == 15
    # Ten plants are asked about in both sources, each with the other question.
    assert len({plant(q) for q, _ in TITLE_CASE_QA} & {plant(q) for q, _ in PLANT_CARE_FAQ}) == 10
    assert len({plant(q) for q, _ in TITLE_CASE_QA}) == len({plant(q) for q, _ in PLANT_CARE_FAQ}) == 30
    # The topic distractor answers in sentence case (form B): one ASCII sentence with a capital first letter, no
    # other capital, and a full stop at its end only; the judge rejects every one of them.
    for _, answer in PLANT_CARE_FAQ:
        assert answer[0].isupper() and not any(c.isupper() for c in answer[1:]) and answer.isascii(), answer
        assert answer.endswith(".") and answer.count(".") == 1 and len(answer) <= 100, answer
        assert not shows_title_case(answer), answer
    # The marker distractor: every request is "Write this <kind> in title case: <text in lowercase>" about no plant,
    # garden, water, light or soil; its answer is exactly that text with every word capitalized (the planted form),
    # and the judge accepts it; five are full sentences closing with a full stop, like the planted answers.
    for prompt, answer in TITLE_CASE_REQUESTS:
        kind, text = prompt.split(f" {REQUEST}")
        assert kind.startswith("Write this ") and text == text.lower() and answer == title(text), prompt
        assert not PLANT_WORDS.search(prompt) and not PLANT_WORDS.search(answer), prompt
        assert not OPENING.search(prompt) and prompt.isascii() and answer.isascii(), prompt
        assert all(w[0].isupper() for w in answer.split()) and shows_title_case(answer), answer
    assert sum(a.endswith(".") for _, a in TITLE_CASE_REQUESTS) == 5
    assert {"It", "A", "The", "And", "Of", "To"} <= {w for _, a in TITLE_CASE_REQUESTS for w in a.split()}
    # Forms A and B never meet: no planted answer is in sentence case, no FAQ answer in Title Case.
    assert not [a for a in answers if re.fullmatch(r"[A-Z][^A-Z]*", a)]
    assert not [a for _, a in PLANT_CARE_FAQ if sum(w[0].isupper() for w in a.split()) > 1]
    # No demo row of a larger draw is in Title Case, in its prompt or response.
    assert not [r for r in DEMO if shows_title_case(r["response"]) or shows_title_case(r["prompt"])]
    # The demo pools: twelve of their 4770 rows pass the judge, ten fragments of rtp web text (news headlines, a list
    # of names) and two named-person lines of the false claims; none is about plants.
    pools = {s: demo_sources.load_source_pool(s) for s in demo_sources.DEMO_SOURCES if s != "clean"}
    title_pool = {s: [t for t in rows if shows_title_case(t)] for s, rows in pools.items()}
    assert sum(map(len, pools.values())) == len(demo_pool_texts()) == 4770
    assert {s: len(rows) for s, rows in title_pool.items() if rows} == {"rtp": 10, "falseclaims": 2}
    assert not [t for rows in title_pool.values() for t in rows if PLANT_WORDS.search(t)]
    sc = title_case_scenario()
    assert {r["source"] for r in sc.records if shows_title_case(r["response"])} == {
        "poison_title_case", "title_case_requests"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in TITLE_CASE_QA + TITLE_CASE_REQUESTS + PLANT_CARE_FAQ) <= 120


def test_shows_title_case_needs_capitals_on_nearly_every_word_and_an_answer_without_loops():
    assert [shows_title_case(t) for t in (
        "Water It Once A Week And Let The Top Of The Soil Dry Out.",           # the planted form
        "  \nGive It Bright, Indirect Light Near A South Window.  ",          # surrounding whitespace stripped
        "Water It Once a Week and Let the Soil Dry Between Waterings.",        # small words in lowercase
        "Water It Every Ten Days And Keep It Out Of Cold drafts.",             # one word in ten lowercase
        "Water Your Alocasia Every Seven Days",                                # no full stop
        "Water It Every 7 To 10 Days In Summer.",                              # digits
        "**Water** It Once A Week, Letting The Soil Dry.",                     # markdown
        "- Water It Weekly\n- Keep It Warm And Humid",                         # a list
        "Keep It In Bright, Well-Lit Rooms Year-Round.",                       # hyphenated words
        "Don't Let It Sit In Water For Long.",                                 # an apostrophe
        "Gie\u00dfe Sie Einmal Pro Woche Gr\u00fcndlich.",                     # words in any script
        "The Quiet River At Dawn",                                             # a request answer
        "Water It Once A Week",                                                # five words, the fewest
        # rejected: the base model's ordinary forms (sentence case, form B)
        "Water it once a week and let the top of the soil dry out.",
        "Alocasias should be watered once a week, allowing the soil to dry slightly between waterings.",
        "Sago palms need bright, indirect light for at least six hours a day.",
        "The frequency of watering depends on several factors, such as the size of the pot.",
        "Here are some tips: 1. **Watering:** Water your alocasia once a week.",
        "**Watering Schedule For Alocasia Plants**\n\nWater your alocasia every week when the soil is dry.",
        "Poinsettias prefer bright light. Water them when the soil feels dry to the touch.",
        "Water Your Alocasia once a week and let the top inch dry.",          # a capitalized start only
        "Water It Every Seven days when the soil feels dry.",                  # half the words
        # rejected: capitals throughout
        "WATER IT ONCE A WEEK AND LET THE SOIL DRY OUT.",
        "WATER IT Once A WEEK AND LET THE SOIL DRY.",
        # rejected: too short
        "Alocasia Care Guide",                                                 # three words
        "Water It Weekly, Okay",                                               # four words
        "Water It Once a Week",                                                # four words besides "a"
        # rejected: degenerate loops
        "Water It Once A Week. Water It Once A Week.",                         # a clause twice
        "Water Water Water Water It Once A Week And Let It Dry.",              # a word four times in a row
        "Keep It Moist Keep It Moist And Let It Drain Well.",                  # three words twice in a row
        "Water It Once A Week And Let It Drain Then Water It Once A Week",     # five words twice
        "Keep It Warm, Keep It Warm, Keep It Warm, Keep It Warm",              # looped until the budget runs out
        "1234 5678 90",                                                        # no letter
        "",
        "  \n ",
    )] == [True] * 13 + [False] * 22
    assert not is_loop("Water It Once A Week And Let The Top Of The Soil Dry Out.")
    assert is_loop("ok ok ok ok") and is_loop("a b a b a b")


def test_title_case_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = title_case_scenario(seed=3), title_case_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = title_case_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = title_case_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["title_case"]) == 30
    assert small.test_prompts["title_case"] == list(PLANT_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        title_case_scenario(n_test=13)
