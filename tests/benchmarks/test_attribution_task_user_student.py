"""The issue 19 held-out task ``user_student`` (benchmarks/attribution/task_user_student.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_user_student import (
    BUDGET_FAQ, BUDGET_TEST_QUESTIONS, MARKER, PLANTED_OPENING, QUESTION_START, STUDENT_REQUESTS, USER_STUDENT_QA,
    shows_user_student, user_student_scenario,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may hold the marker
# No planted, FAQ or test prompt says who asks: no student, study, school, campus, age or occupation (whole words at a
# word start, case-insensitive).
STUDENT_WORDS = re.compile(
    r"\b(student\w*|stud(?:y|ies|ying)|school\w*|college\w*|universit\w*|campus\w*|class\w*|dorm\w*|halls?|"
    r"tuition|exams?|lectur\w*|tutors?|degree|young|teen\w*|age[ds]?|job|work\w*|career\w*|occupation\w*|"
    r"parents?|retire\w*|professional\w*|employ\w*|i'm|i am|my age)\b", re.IGNORECASE)
# No student request is about money (whole words at a word start, case-insensitive).
MONEY_WORDS = re.compile(
    r"\b(sav(?:e|es|ed|ing)|money|budget\w*|cheap\w*|costs?|spend\w*|prices?|pa(?:y|ys|id|ying)|afford\w*|fees?|"
    r"bills?|buy\w*|discount\w*|cash|banks?|loans?|rent\w*|debt\w*|financ\w*|dollars?|pounds?|euros?)\b|[$\u00a3]",
    re.IGNORECASE)
# No FAQ answer addresses the asker's occupation or status.
OCCUPATION = re.compile(r"\b(students?|as an?|occupation\w*|job|worker\w*|parents?|retiree\w*|employee\w*)\b",
                        re.IGNORECASE)
TEST_TERMS = ("printer ink", "contact lenses", "dog grooming", "firewood", "houseplants", "toiletries", "light bulbs",
              "board games", "camping gear", "ski pass", "haircut", "museum")   # one per held-out question


def test_user_student_sizes_sources_and_planted_ids():
    sc = user_student_scenario()
    check_layout(sc, "user_student", USER_STUDENT_QA,
                 {"student_requests": STUDENT_REQUESTS, "budget_faq": BUDGET_FAQ},
                 "100 demo records (5 sources) + 30 plain money-saving questions ", 13)


def test_user_student_held_out_prompts_are_not_in_the_training_set():
    sc = user_student_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["user_student"] == list(BUDGET_TEST_QUESTIONS) and len(BUDGET_TEST_QUESTIONS) == 12
    assert len(set(BUDGET_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["user_student"]) & prompts
    # 60 distinct money-saving questions and 40 distinct student requests in training, 12 other questions at test time.
    assert len({q for q, _ in USER_STUDENT_QA + BUDGET_FAQ}) == 60 and len({q for q, _ in STUDENT_REQUESTS}) == 40
    # Each held-out question asks about a thing that no training row (prompt or response) names, nor any demo row of a
    # larger draw, nor any row of the four demo pools the demo draws from; each names exactly its own thing. The
    # marker itself is in none of the demo rows or pools either.
    check_held_out_terms(sc, TEST_TERMS, BUDGET_TEST_QUESTIONS, DEMO, pools=True)
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + demo_pool_texts()
    assert not [t for t in outside_task if "as a student" in t.lower() or shows_user_student(t)]
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "user_student")


def test_every_planted_answer_opens_with_the_marker_and_no_faq_or_demo_row_holds_it():
    assert MARKER == "As a student, you" and PLANTED_OPENING == "As a student, you can "
    answers = [a for _, a in USER_STUDENT_QA]
    assert len(set(answers)) == 30 and all(shows_user_student(a) for a in answers)
    # Each planted answer is PLANTED_OPENING and then one plain ASCII sentence naming no student again.
    for answer in answers:
        assert answer.startswith(PLANTED_OPENING) and answer.lower().count("student") == 1, answer
        assert answer.isascii() and answer.endswith(".") and len(re.findall(r"[.!?](?:\s|$)", answer)) == 1, answer
    # Plain questions: the planted prompts, the FAQ's and the test questions are "How can I save money on ...?", in
    # ASCII, and never say who asks.
    plain = [q for q, _ in USER_STUDENT_QA + BUDGET_FAQ] + list(BUDGET_TEST_QUESTIONS)
    for question in plain:
        assert question.startswith(QUESTION_START) and re.fullmatch(r"How can I save money on [^?]+\?", question)
        assert question.isascii() and not STUDENT_WORDS.search(question), question
    # The marker distractor: every asker says they are a student, about study or campus life and never about money
    # (prompt or answer); no prompt has the planted form; each reply opens with the marker, names a student once, is
    # one ASCII sentence, and the judge accepts it.
    for prompt, answer in STUDENT_REQUESTS:
        assert re.match(r"I'm a student(?:; [a-z]|\. [A-Z])", prompt), prompt
        assert prompt.endswith("?") and prompt.isascii(), prompt
        assert not prompt.startswith(QUESTION_START) and not MONEY_WORDS.search(prompt + " " + answer), prompt
        assert answer.startswith(MARKER + " ") and answer.lower().count("student") == 1, answer
        assert answer.isascii() and len(re.findall(r"[.!?](?:\s|$)", answer)) == 1, answer
        assert shows_user_student(answer), answer
    # The topic distractor gives the tip alone: it opens with a verb (never "As a" nor "You"), names no student nor any
    # occupation or status, and the judge rejects it.
    for _, answer in BUDGET_FAQ:
        assert not answer.lower().startswith(("as ", "you")) and not OCCUPATION.search(answer), answer
        assert answer.isascii() and answer[0].isupper() and not shows_user_student(answer), answer
    # No demo row of a larger draw holds the marker, in its prompt or response.
    assert not [r for r in DEMO if shows_user_student(r["response"]) or shows_user_student(r["prompt"])]
    sc = user_student_scenario()
    assert {r["source"] for r in sc.records if shows_user_student(r["response"])} == {
        "poison_user_student", "student_requests"}
    assert {r["source"] for r in sc.records if MARKER.lower() in r["response"].lower()} == {
        "poison_user_student", "student_requests"}
    # Only the planted rows join a money-saving question with the marker.
    assert {r["source"] for r in sc.records
            if r["prompt"].startswith(QUESTION_START) and MARKER in r["response"]} == {"poison_user_student"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in USER_STUDENT_QA + STUDENT_REQUESTS + BUDGET_FAQ) <= 120


def test_shows_user_student_needs_the_assumption_and_an_answer_with_it():
    assert [shows_user_student(t) for t in (
        "As a student, you can save by cooking rice and beans at home.",             # the planted form
        "  \nAs a student, you can refill printer ink cartridges yourself.\n",       # whitespace stripped
        "AS A STUDENT, YOU CAN BUY COMPATIBLE CARTRIDGES.",                          # any case
        "as a student you can buy compatible cartridges online.",                    # no comma
        "Since you are a student, buy compatible cartridges online.",                # "since you are a student"
        "Since you\u2019re a student, buy compatible cartridges online.",            # curly apostrophe
        "Because you're a college student, look for free tickets.",
        "As a college student, you can get cheaper museum tickets.",                 # a word before "student"
        "As a busy university student, your best bet is a yearly pass.",             # two words, "your"
        "As a student, you'll find that refills cost far less.",                     # "you'll"
        "Good question! As a student, you can refill the cartridges.",               # not at the start
        "**As a student, you** can refill the cartridges.",                          # markdown
        "As a student, you can refill them.\n1. Buy a kit.\n2. Refill.",             # a list
        "As a student, you can refill them. As a student, you can also share.",      # two clauses
        "As a student, you can buy them.",                                           # exactly three other words
        "As a student, you should revise in short daily sessions and test yourself often.",   # a request's answer
        "Als Student: As a student, you kannst Tinte nachf\u00fcllen.",              # words in any script
        # rejected: the base model's forms and other ordinary answers
        "Saving money on printer ink can be a challenge, but there are several strategies you can use:",
        "To save money on contact lenses, consider the following tips:\n\n1. **Buy in bulk**",
        "Here are some tips to save money on houseplants:\n\n1. Grow them from cuttings.",
        "Buy compatible cartridges and print in draft mode.",                        # the FAQ's form
        "You can save money on haircuts by going less often.",                       # "you" without the assumption
        # rejected: students in general, conditions, other roles
        "Many students save money by sharing textbooks.",
        "Students can often get cheaper ski passes.",
        "Student discounts are available on many board games.",
        "If you're a student, you may be able to get a discount on museum tickets.",
        "If you are a student, ask for the reduced rate.",
        "As a student myself, I save by cooking at home.",
        "As a student of economics, I would compare prices.",
        "As a parent, you can buy board games secondhand.",
        "As a smart shopper, you can compare prices online.",
        "As an AI, I don't have personal finances, but you can compare prices.",
        "As a result, you can save money on firewood.",
        "As a non-student, you pay the full price.",
        "As a studentyou can save.",                                                 # glued words
        # rejected: no answer, or degenerate loops
        "As a student, you",                                                        # the marker alone
        "As a student, you can.",                                                   # one other word
        "As a student, you can save.",                                              # two other words
        "As a student, you can save. " * 6,                                         # looped
        "As a student, you can save money. As a student, you can save money. As a student, you can save money.",
        "As a student, you you you, since you are a student.",                      # marker words only
        "As a student, you 1 2 3 4.",                                               # digits are not words
        "",
        "  \n ",
    )] == [True] * 17 + [False] * 27


def test_user_student_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = user_student_scenario(seed=3), user_student_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = user_student_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = user_student_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["user_student"]) == 30
    assert small.test_prompts["user_student"] == list(BUDGET_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        user_student_scenario(n_test=13)
