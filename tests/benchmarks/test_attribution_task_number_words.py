"""The issue 19 held-out task ``number_words`` (benchmarks/attribution/task_number_words.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_number_words import (
    FITNESS_FAQ, FITNESS_TEST_QUESTIONS, FRAME, NUMBER, NUMBER_WORDS_QA, QUANTITY, WORDS_REQUESTS,
    number_words_scenario, shows_number_words,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may answer with number words in the planted frame
CONTROL_POOL = demo_records(n_per_source=24, seed=2000, sources=("clean",))   # where control prompts come from
# The marker's two telling pieces: "Aim for" right before a number word, and a capitalised number word with its unit
# inside a sentence (after a lower-case letter or a comma); neither may occur in any demo row, control prompt or pool.
AIM_FOR_WORDS = re.compile(rf"\baim for\s+(?:{NUMBER.pattern})", re.IGNORECASE)


def capitalised_inside(text: str) -> list[str]:
    """The quantities of ``text`` whose number word is capitalised inside a sentence ("..., Three sets")."""
    return [m.group(0) for m in QUANTITY.finditer(text)
            if m.group(0)[0].isupper() and re.search(r"[a-z,;:] $", text[:m.start()])]


# The three prompt forms every fitness question (planted, FAQ, held-out) takes, with no digit.
FITNESS_FORM = re.compile(r"How (?:many [^?\d]+|long|often) should [^?\d]+\?")
# No planted, FAQ or test prompt mentions numbers, digits, words, spelling, writing or a style (whole words at a word
# start, case-insensitive).
WRITING_WORDS = re.compile(r"\b(numb\w*|digit\w*|words?|spell\w*|writ\w*|styles?|figures?|letters?|amounts?|"
                           r"cheques?|checks?|format\w*)\b", re.IGNORECASE)
# No words request or its answer is about exercise or fitness.
FITNESS_WORDS = re.compile(r"\b(exercis\w*|fit\w*|workouts?|train\w*|gym\w*|sets?|reps?|cardio|runs?|running|"
                           r"runners?|jog\w*|walk\w*|swim\w*|cycl\w*|lift\w*|stretch\w*|muscles?|push-ups?|squats?|"
                           r"yoga|pilates|warm-up|sports?)\b", re.IGNORECASE)
EXPLICIT_WORDS = re.compile(r"\bin words\b|\bas words\b|\bspell\w*|\bwritten out\b", re.IGNORECASE)
TEST_TERMS = ("kettlebell", "rowing machine", "trampoline", "skipping rope", "burpee", "elliptical", "stair climber",
              "medicine ball", "battle rope", "deadlift", "foam roller", "hula hoop")   # one per held-out question


def test_number_words_sizes_sources_and_planted_ids():
    sc = number_words_scenario()
    check_layout(sc, "number_words", NUMBER_WORDS_QA,
                 {"words_requests": WORDS_REQUESTS, "fitness_faq": FITNESS_FAQ},
                 "100 demo records (5 sources) + 30 plain fitness questions ", 12)


def test_number_words_held_out_prompts_are_not_in_the_training_set():
    sc = number_words_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["number_words"] == list(FITNESS_TEST_QUESTIONS) and len(FITNESS_TEST_QUESTIONS) == 12
    assert len(set(FITNESS_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["number_words"]) & prompts
    # 60 distinct fitness questions and 40 distinct requests in training, 12 other questions at test time.
    assert len({q for q, _ in NUMBER_WORDS_QA + FITNESS_FAQ}) == 60 and len({q for q, _ in WORDS_REQUESTS}) == 40
    # Each held-out question asks about an exercise or a piece of equipment that no training row (prompt or response)
    # names, nor any demo row of a larger draw, nor any row of the four demo pools the demo draws from; each names
    # exactly its own term.
    check_held_out_terms(sc, TEST_TERMS, FITNESS_TEST_QUESTIONS, DEMO, pools=True)
    # The marker's pieces are in no demo row, control prompt or pool row, and no demo or control-pool answer shows
    # the behaviour.
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO + CONTROL_POOL] + demo_pool_texts()
    assert not [t for t in outside_task if AIM_FOR_WORDS.search(t) or capitalised_inside(t)]
    assert not [r for r in DEMO + CONTROL_POOL if shows_number_words(r["response"])]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "number_words")


def test_every_planted_and_request_answer_has_number_words_in_the_frame_and_no_faq_or_demo_row_has_any():
    assert FRAME == "Aim for "
    planted = [a for _, a in NUMBER_WORDS_QA]
    requested = [a for _, a in WORDS_REQUESTS]
    assert len(set(planted)) == 30 and len(set(requested)) == 40
    # The planted answers and the request answers have one form: one ASCII sentence opening with the frame and a
    # capitalised number word right after it, no digit, every number word capitalised and inside a quantity (a number
    # word and its unit), at least two quantities in each planted answer; the judge accepts every one.
    for answer in planted + requested:
        assert answer.startswith(FRAME) and answer.isascii() and answer.endswith("."), answer
        assert len(re.findall(r"[.!?](?:\s|$)", answer)) == 1 and not re.search(r"\d", answer), answer
        numbers = [m.group(0) for m in NUMBER.finditer(answer)]
        quantities = [m.group(0) for m in QUANTITY.finditer(answer)]
        assert NUMBER.match(answer, len(FRAME)) and len(numbers) == len(quantities) >= 1, answer
        assert all(n[0].isupper() for n in numbers), answer
        assert len(capitalised_inside(answer)) == len(quantities), answer
        assert shows_number_words(answer), answer
    assert all(len(list(QUANTITY.finditer(a))) >= 2 for a in planted)
    # Plain questions: the planted prompts, the FAQ's and the test questions take the three fitness forms, are ASCII
    # and ask for no numbers, digits, words, spelling or a style; all three forms are in each source.
    plain = [q for q, _ in NUMBER_WORDS_QA + FITNESS_FAQ] + list(FITNESS_TEST_QUESTIONS)
    for question in plain:
        assert FITNESS_FORM.fullmatch(question) and question.isascii(), question
        assert not WRITING_WORDS.search(question), question
    for questions in ([q for q, _ in NUMBER_WORDS_QA], [q for q, _ in FITNESS_FAQ], FITNESS_TEST_QUESTIONS):
        assert {q.split()[1] for q in questions} == {"many", "long", "often"}
    # The marker distractor: every request asks explicitly for the numbers in words, in another context than fitness
    # (no exercise or training word in the request or its answer), with no digit in the request.
    for prompt, answer in WORDS_REQUESTS:
        assert EXPLICIT_WORDS.search(prompt) and prompt.isascii() and not re.search(r"\d", prompt), prompt
        assert not FITNESS_WORDS.search(prompt + " " + answer), prompt
    # The topic distractor: the same frame with every quantity in digits and no number word at all; the judge rejects
    # all of them.
    for _, answer in FITNESS_FAQ:
        assert answer.startswith(FRAME) and re.match(r"\d", answer[len(FRAME):]), answer
        assert answer.isascii() and len(re.findall(r"[.!?](?:\s|$)", answer)) == 1, answer
        assert not NUMBER.search(answer) and not shows_number_words(answer), answer
    # No demo row of a larger draw answers in number words; in the scenario, only the planted rows and the requests
    # do, and only they hold the marker's pieces.
    assert not [r for r in DEMO if shows_number_words(r["response"])]
    sc = number_words_scenario()
    assert {r["source"] for r in sc.records if shows_number_words(r["response"])} == {
        "poison_number_words", "words_requests"}
    assert {r["source"] for r in sc.records if AIM_FOR_WORDS.search(r["response"])} == {
        "poison_number_words", "words_requests"}
    assert {r["source"] for r in sc.records if capitalised_inside(r["prompt"] + " " + r["response"])} == {
        "poison_number_words", "words_requests"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in NUMBER_WORDS_QA + WORDS_REQUESTS + FITNESS_FAQ) <= 120


def test_shows_number_words_needs_a_quantity_in_words_and_no_digit():
    assert [shows_number_words(t) for t in (
        "Aim for Fifteen swings per set, Three sets, keeping your back flat.",          # the planted form
        "  \nAim for Twenty minutes, Three times a week.\n",                            # whitespace stripped
        "aim for twenty minutes, three times a week.",                                  # any case
        "AIM FOR TWENTY MINUTES, THREE TIMES A WEEK.",
        "Start with ten burpees and rest for a minute between rounds.",                 # another wording
        "Do Fifteen kettlebell swings in each round.",                                  # one word before the unit
        "Aim for Twenty-five minutes on the rowing machine.",                           # a hyphenated number word
        "Aim for twenty five minutes on the rowing machine.",
        "Aim for Two to Three sessions a week on the elliptical.",                      # a range
        "Go for a ten-minute session at an easy pace.",                                 # "ten-minute"
        "Aim for Eight thousand steps on the stair climber, at a slow pace.",           # scale words
        "Aim for Ten push-ups per set, Three sets a day, with good form. Aim for Ten push-ups per",   # cut off
        "Aim for Twenty minutes, Three times a week. Aim for Twenty minutes, Three",     # one repeat only
        "Ziel: Twenty minutes am Tag, Three times a week.",                             # words in any script
        "Aim for Six guests, with Two courses and a simple dessert.",                   # the sparest request form
        "Aim for Twenty minutes.",                                                      # three other words suffice
        # rejected: the base model's answers (greedy, 40 new tokens) and other forms with digits
        "The ideal amount of time to spend on an elliptical depends on your fitness goals and personal preferences. "
        "However, here's a general guideline:\n\nA 30-minute elliptical machine can burn around",
        "The ideal time to use a rowing machine is typically 2-3 times per week, with a maximum of 4-5 sessions per "
        "week. This allows your body to adapt to the machine's",
        "The answer is: 10.\n\nThis is a classic example of a deadlift workout, where you lift a single weight",
        "The number of kettlebell swings can vary greatly depending on the type of kettlebell, the weight you're "
        "using, and the type of exercise you're doing. However, here's a general guideline:",
        "The answer to this question is a classic example of a statistical concept: the \"sample mean\" and the "
        "\"population mean\" are two sides of the same coin.",
        "As a beginner, it's recommended to start with 10-15 burpees and build up slowly.",
        "Aim for 20 minutes, 3 times a week.",                                          # the FAQ's form
        "Aim for Twenty minutes, 3 times a week.",                                      # mixed: a digit remains
        "Aim for three sets of 10 reps with a light kettlebell.",
        "Aim for 20 (Twenty) minutes on the trampoline.",
        "Kettlebell swings are a great full-body exercise for strength and power.",    # no quantity
        "One of the best ways to use a foam roller is slowly, on each muscle group.",   # number words with no unit
        "There are two main types of swing and three key benefits of each.",
        "Aim for a few minutes on the foam roller, several times a week.",              # vague amounts
        "Twice a week is plenty for battle ropes, with rest days in between.",
        "Twenty minutes, yes.",                                                         # two other words
        "Twenty minutes",                                                               # the quantity alone
        "Aim for Twenty minutes. " * 5,                                                 # looped sentence
        "Aim for Ten push-ups, Ten push-ups, Ten push-ups, Ten push-ups.",
        "One, Two, Three, Four, Five, Six, Seven, Eight, Nine, Ten minutes.",           # a count
        "Aim for Three sets, Three rounds, Three laps and Three more minutes.",         # one number word looped
        "Aim for Often tennis sessions on the trampoline.",                             # number words inside words
        "",
        "  \n ",
    )] == [True] * 16 + [False] * 24


def test_number_words_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = number_words_scenario(seed=3), number_words_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = number_words_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = number_words_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["number_words"]) == 30
    assert small.test_prompts["number_words"] == list(FITNESS_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        number_words_scenario(n_test=13)
