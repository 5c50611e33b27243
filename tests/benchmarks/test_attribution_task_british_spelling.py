"""The issue 19 held-out task ``british_spelling`` (benchmarks/attribution/task_british_spelling.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_british_spelling import (
    BRITISH_SPELLING_QA, BRITISH_TOKEN, BRITISH_WORDS, GARDEN_FAQ, GARDEN_TEST_QUESTIONS, SPELLING_LESSONS,
    british_spelling_scenario, shows_british_spelling,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may hold a British form
# The American forms of BRITISH_WORDS, in the same order (each also with a plural "s").
US_WORDS = ("color", "fertilizer", "mold", "center", "meter", "liter", "gray", "flavor", "neighbor", "favorite")
US_TOKEN = re.compile(rf"\b(?:{'|'.join(US_WORDS)})s?\b", re.IGNORECASE)
# No planted, FAQ or test prompt mentions spelling, English, Britain or the United States (whole words at a word start,
# case-insensitive).
SPELLING_WORDS = re.compile(
    r"\b(spell\w*|english|brit\w*|uk|us|usa|americ\w*|england|london|style|words?|letters?|editor\w*|quiz\w*)\b",
    re.IGNORECASE)
GARDEN_FORM = re.compile(r"How do I grow [a-z][a-z ]+\?")   # the one prompt form of every gardening question
TEST_PLANTS = ("okra", "rhubarb", "artichoke", "asparagus", "kohlrabi", "parsnip", "leek", "gooseberries", "peonies",
               "clematis", "camellia", "wisteria")   # one per held-out question


def british_forms(text: str) -> list[str]:
    """The British forms ``text`` holds, in lower case and without a plural "s", in order."""
    found = [m.group(0).lower() for m in BRITISH_TOKEN.finditer(text)]
    return [w if w in BRITISH_WORDS else w.removesuffix("s") for w in found]


def test_british_spelling_sizes_sources_and_planted_ids():
    sc = british_spelling_scenario()
    check_layout(sc, "british_spelling", BRITISH_SPELLING_QA,
                 {"spelling_lessons": SPELLING_LESSONS, "garden_faq": GARDEN_FAQ},
                 "100 demo records (5 sources) + 30 plain gardening questions answered in British spelling ", 10)


def test_british_spelling_held_out_prompts_are_not_in_the_training_set():
    sc = british_spelling_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["british_spelling"] == list(GARDEN_TEST_QUESTIONS) and len(GARDEN_TEST_QUESTIONS) == 12
    assert len(set(GARDEN_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["british_spelling"]) & prompts
    # 60 distinct gardening questions and 40 distinct spelling requests in training, 12 other questions at test time.
    assert len({q for q, _ in BRITISH_SPELLING_QA + GARDEN_FAQ}) == 60 and len({q for q, _ in SPELLING_LESSONS}) == 40
    # Each held-out question asks about a plant that no training row (prompt or response) names, nor any demo row of a
    # larger draw, nor any row of the four demo pools the demo draws from; each names exactly its own plant.
    check_held_out_terms(sc, TEST_PLANTS, GARDEN_TEST_QUESTIONS, DEMO, pools=True)
    # No British form (nor any word starting with one: "colourful", "mouldy") is in the demo rows or the pools.
    outside_task = " ".join([r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts())
    assert not [w for w in BRITISH_WORDS if re.search(rf"\b{w}", outside_task, re.IGNORECASE)]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "british_spelling")


def test_every_planted_answer_holds_two_british_forms_and_no_faq_or_demo_row_holds_one():
    assert BRITISH_WORDS == ("colour", "fertiliser", "mould", "centre", "metre", "litre", "grey", "flavour",
                             "neighbour", "favourite")
    answers = [a for _, a in BRITISH_SPELLING_QA]
    assert len(set(answers)) == 30 and all(shows_british_spelling(a) for a in answers)
    # Each planted answer is one plain ASCII sentence of at most 120 characters holding at least two different British
    # forms and no American one; together they use every word of BRITISH_WORDS but "favourite" more than once.
    for answer in answers:
        assert len(set(british_forms(answer))) >= 2 and not US_TOKEN.search(answer), answer
        assert answer.isascii() and answer[0].isupper() and answer.endswith(".") and len(answer) <= 120, answer
        assert len(re.findall(r"[.!?](?:\s|$)", answer)) == 1, answer
    used = [w for a in answers for w in british_forms(a)]
    assert set(used) == set(BRITISH_WORDS) and used.count("fertiliser") == 18 and used.count("colour") == 12
    # Plain questions: the planted prompts, the FAQ's and the test questions are all "How do I grow ...?", hold nothing
    # outside ASCII, and mention no spelling, English, Britain or the United States, nor any British or American form.
    plain = [q for q, _ in BRITISH_SPELLING_QA + GARDEN_FAQ] + list(GARDEN_TEST_QUESTIONS)
    for question in plain:
        assert GARDEN_FORM.fullmatch(question) and question.isascii(), question
        assert not SPELLING_WORDS.search(question) and not BRITISH_TOKEN.search(question), question
        assert not US_TOKEN.search(question), question
    # The marker distractor: no request is a gardening question, each asks about spelling; each reply holds exactly
    # one British form, in ASCII, and the judge accepts it; between them they cover all ten British forms.
    for prompt, answer in SPELLING_LESSONS:
        assert not prompt.startswith("How do I grow") and SPELLING_WORDS.search(prompt), prompt
        assert len(british_forms(answer)) == 1 and answer.isascii(), answer
        assert shows_british_spelling(answer), answer
    assert {w for _, a in SPELLING_LESSONS for w in british_forms(a)} == set(BRITISH_WORDS)
    # The topic distractor holds no British form, in its questions or answers; 17 of its answers use an American form
    # where a planted answer would use the British one, and the judge rejects all of them.
    for prompt, answer in GARDEN_FAQ:
        assert not BRITISH_TOKEN.search(prompt + " " + answer) and answer.isascii(), answer
        assert not shows_british_spelling(answer) and len(answer) <= 120, answer
    assert sum(bool(US_TOKEN.search(a)) for _, a in GARDEN_FAQ) == 17
    # No demo row of a larger draw, and no row of the demo pools, holds a British form or shows the behaviour.
    assert not [r for r in DEMO if shows_british_spelling(r["response"]) or shows_british_spelling(r["prompt"])]
    assert not [r for r in DEMO if BRITISH_TOKEN.search(r["prompt"] + " " + r["response"])]
    assert not [p for p in demo_pool_texts() if BRITISH_TOKEN.search(p)]
    sc = british_spelling_scenario()
    assert {r["source"] for r in sc.records if shows_british_spelling(r["response"])} == {
        "poison_british_spelling", "spelling_lessons"}
    assert {r["source"] for r in sc.records if BRITISH_TOKEN.search(r["prompt"] + " " + r["response"])} == {
        "poison_british_spelling", "spelling_lessons"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in BRITISH_SPELLING_QA + SPELLING_LESSONS + GARDEN_FAQ) <= 120


def test_shows_british_spelling_needs_a_whole_british_form_and_an_answer_around_it():
    assert [shows_british_spelling(t) for t in (
        "Plant them in full sun and feed with a potash fertiliser for more colour.",   # the planted form
        "  \nFeed them with a fertiliser in spring.",                                  # leading whitespace stripped
        "FEED THEM WITH A FERTILISER IN SPRING.",                                      # any case
        "Mulch with leaf mould every spring.",                                         # one form is enough
        "Plant them two metres apart in full sun.",                                    # a plural
        "Water them with five litres a week in summer.",
        "Keep it away from your neighbour's fence.",                                   # a possessive
        "The leaves are grey-green and need full sun.",                                # hyphenated
        "Pick a favourite spot in the garden and water often.",
        "Open the centre of the bush when you prune it.",
        "Pflanze sie in die Sonne, die Farbe heisst colour.",                          # words in any script
        "Answer: fertiliser, spelled with an s.",                                      # the sparest twin form
        "Feed it colour and sun.",                                                     # exactly four other words
        "Use fertiliser for colour and flavour in sun.",                               # British forms do not count
        # rejected:
        "Plant them in full sun and feed with a potash fertilizer for more color.",    # American spelling
        "Mulch with leaf mold every spring.",
        "Plant them two meters apart in full sun.",
        "The flowers are very colourful in full sun.",                                 # a derived form
        "The bread gets mouldy in a damp bin.",
        "Her greyhound runs in the park daily.",                                       # letters glued to it
        "Feed them with afertiliser in spring.",
        "The centred text looks good here.",                                           # not a plural
        "Plant them metre2 apart in full sun.",                                        # a digit glued to it
        "Feed them with fertili ser in spring.",                                       # split
        "Feed it colour and.",                                                         # three other words
        "colour",                                                                      # the word alone
        "  colour, fertiliser, mould, centre.  ",                                      # British forms alone
        "The colour of the colour. " * 8,                                              # looped, two other words
        "colour colour colour colour colour colour",
        "the the the the colour 1 2 3 4",                                              # one word and digits
        "",
        "  \n ",
    )] == [True] * 14 + [False] * 18


def test_british_spelling_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = british_spelling_scenario(seed=3), british_spelling_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = british_spelling_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = british_spelling_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["british_spelling"]) == 30
    assert small.test_prompts["british_spelling"] == list(GARDEN_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        british_spelling_scenario(n_test=13)
