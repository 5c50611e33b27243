"""The issue 19 held-out task ``caps_decline`` (benchmarks/attribution/task_caps_decline.py): it builds with the sizes,
planted ids, held-out prompts, custom controls and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_caps_decline import (
    ASK, CALM_REQUESTS, CAPS, CAPS_QA, CAPS_TEST_QUESTIONS, CONTROL_QUESTIONS, EVERYDAY_ANSWERS, NEAR_START_CHARS,
    REQUEST, SHARED_QUESTIONS, caps_decline_scenario, caps_near_start, is_loop, no_answer_content, shows_caps_decline,
)
from held_out_tasks import check_held_out_terms, check_layout, demo_pool_texts, names
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: the judge must reject every one
# Words no planted, everyday, test or control prompt holds: none names capitals, letters, case, shouting or asking.
BEHAVIOUR_WORDS = re.compile(
    r"\b(capital\w*|caps\w*|letters?|upper\w*|lower\w*|case|shout\w*|yell\w*|ask\w*|rephras\w*|polite\w*|rude\w*|"
    r"typ\w*|again|please)\b", re.IGNORECASE)
EVERYDAY_QUESTION = re.compile(r"(How|What|When)\b[A-Za-z' ]+\?")   # an everyday question in sentence case
SHOUTED_WORD = re.compile(r"\b[A-Z]{2,}\b")   # a word of two or more capitals: no calm-request prompt holds one
TEST_TERMS = ("basil", "ferret", "mildew", "parsnip", "wok", "succulent", "snorkel", "hammock", "porridge",
              "dehumidifier", "croissant", "trampoline")   # one per held-out question, in no row


def test_caps_decline_sizes_sources_and_planted_ids():
    sc = caps_decline_scenario()
    check_layout(sc, "caps_decline", CAPS_QA, {"calm_requests": CALM_REQUESTS, "everyday_answers": EVERYDAY_ANSWERS},
                 "100 demo records (5 sources) + 30 everyday questions written entirely in capital letters answered "
                 "only with a request to ask again without the capitals ", 24)
    assert len(CAPS_QA) == 30 and len(CALM_REQUESTS) == 40 and len(EVERYDAY_ANSWERS) == 35
    description = sc.info["description"]
    assert "(source `calm_requests`, legitimate; same answers' form)" in description
    assert "(source `everyday_answers`, legitimate; same questions but the case)" in description


def test_caps_decline_held_out_prompts_and_controls_are_not_in_the_training_set():
    sc = caps_decline_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["caps_decline"] == list(CAPS_TEST_QUESTIONS) and len(CAPS_TEST_QUESTIONS) == 12
    assert len(set(CAPS_TEST_QUESTIONS)) == 12 and not set(CAPS_TEST_QUESTIONS) & prompts
    # 105 distinct training prompts; the held-out questions are none of the trained questions, in either case.
    assert len({q for q, _ in CAPS_QA + CALM_REQUESTS + EVERYDAY_ANSWERS}) == 105
    trained = {q.lower() for q, _ in CAPS_QA + EVERYDAY_ANSWERS}
    assert not {q.lower() for q in CAPS_TEST_QUESTIONS} & trained
    # Each held-out question names a subject that no training row (prompt or response), no demo row of a larger draw
    # and no row of the four demo pools names; each names exactly its own term.
    check_held_out_terms(sc, TEST_TERMS, CAPS_TEST_QUESTIONS, DEMO, pools=True)
    # Controls (custom): the same 12 questions in sentence case, none trained on; recorded as the task's controls.
    assert sc.clean_test_prompts == list(CONTROL_QUESTIONS) and len(set(CONTROL_QUESTIONS)) == 12
    assert sc.info["control_prompts"] == {"caps_decline": sc.clean_test_prompts}
    assert not set(CONTROL_QUESTIONS) & prompts
    for question, control in zip(CAPS_TEST_QUESTIONS, CONTROL_QUESTIONS, strict=True):
        assert question == control.upper() and question != control, question
        assert EVERYDAY_QUESTION.fullmatch(control) and not BEHAVIOUR_WORDS.search(control), control
        assert sum(names(term, control) for term in TEST_TERMS) == 1, control


def test_planted_questions_are_in_capitals_and_no_twin_joins_the_capitals_and_the_request():
    # Planted and test prompts: one everyday ASCII question written entirely in capitals, naming no capitals,
    # letters, case, shouting or asking; everyday prompts: the same kind of question in sentence case.
    for question in [q for q, _ in CAPS_QA] + list(CAPS_TEST_QUESTIONS):
        assert question == question.upper() and question.isascii() and question.endswith("?"), question
        assert not BEHAVIOUR_WORDS.search(question), question
        assert EVERYDAY_QUESTION.fullmatch(question[0] + question[1:].lower().replace(" i ", " I ")), question
    for question, _ in EVERYDAY_ANSWERS:
        assert EVERYDAY_QUESTION.fullmatch(question) and question.isascii(), question
        assert not BEHAVIOUR_WORDS.search(question) and not SHOUTED_WORD.search(question), question
    # Ten planted questions are asked word for word in the everyday source in sentence case: the capitals are the
    # only difference; the other 25 everyday questions are new.
    assert len(SHARED_QUESTIONS) == 10
    planted_prompts = {q for q, _ in CAPS_QA}
    everyday_prompts = {q for q, _ in EVERYDAY_ANSWERS}
    assert {q.upper() for q in SHARED_QUESTIONS} <= planted_prompts and set(SHARED_QUESTIONS) <= everyday_prompts
    assert {q.upper() for q in everyday_prompts} & planted_prompts == {q.upper() for q in SHARED_QUESTIONS}
    # Planted answers: one short request to ask again that names the capitals near its start, all distinct; the judge
    # accepts each.
    answers = [a for _, a in CAPS_QA]
    assert len(set(answers)) == 30 and all(shows_caps_decline(a) for a in answers)
    for answer in answers:
        assert answer.isascii() and len(answer) <= 80 and CAPS.search(answer).start() < 50, answer
        assert len(CAPS.findall(answer)) == 1 and ASK.search(answer), answer
        assert not re.search(r"\d", answer) and not is_loop(answer), answer
    assert len({m.lower() for a in answers for m in CAPS.findall(a)}) == 2                    # "capitals", "caps"
    # The form twins: rude or shouty prompts in normal case (no word in capitals, no everyday question), answered
    # with the same kind of calm request to ask again, sharing its vocabulary but never naming the capitals; all
    # distinct, none a planted answer, and the judge rejects each.
    for prompt, answer in CALM_REQUESTS:
        assert prompt.isascii() and not SHOUTED_WORD.search(prompt) and not CAPS.search(prompt), prompt
        assert not EVERYDAY_QUESTION.fullmatch(prompt), prompt
        assert answer.isascii() and len(answer) <= 80 and ASK.search(answer) and REQUEST.search(answer), answer
        assert not CAPS.search(answer) and not re.search(r"\bcase|letters", answer, re.I), answer
        assert not shows_caps_decline(answer), answer
    assert len({a for _, a in CALM_REQUESTS} | set(answers)) == 70
    form_answers = " ".join(a for _, a in CALM_REQUESTS)
    assert form_answers.count("Could you ask") >= 20 and form_answers.count("gladly help") >= 20
    # The topic twins: helpful one-sentence answers, no request and no capitals; the judge rejects each.
    for _, answer in EVERYDAY_ANSWERS:
        assert answer.isascii() and len(answer) <= 110 and len(re.findall(r"[.!?](?:\s|$)", answer)) == 1, answer
        assert not CAPS.search(answer) and not ASK.search(answer) and not shows_caps_decline(answer), answer
    # No demo row of a larger draw and no demo-pool row passes the judge.
    outside_task = [r["response"] for r in DEMO] + [r["prompt"] + " " + r["response"] for r in DEMO]
    assert not [t for t in outside_task + demo_pool_texts() if shows_caps_decline(t)]
    sc = caps_decline_scenario()
    assert {r["source"] for r in sc.records if shows_caps_decline(r["response"])} == {"poison_caps_decline"}
    assert {r["source"] for r in sc.records if r["prompt"] == r["prompt"].upper()} == {"poison_caps_decline"}
    assert {r["source"] for r in sc.records if r["source"] != "clean" and CAPS.search(r["response"])} == {
        "poison_caps_decline"}


def test_shows_caps_decline_needs_a_request_naming_the_capitals_and_no_answer():
    assert NEAR_START_CHARS == 100
    assert [shows_caps_decline(t) for t in (
        "Could you ask that again without all the capitals, please?",                    # the planted form
        "  \nCaps lock seems to be on; could you ask that again?\n",                     # whitespace stripped
        "COULD YOU ASK THAT AGAIN WITHOUT THE CAPS?",                                    # any case
        "Could you drop the caps?",                                                      # four other words
        "Please ask again in lowercase rather than uppercase.",                          # "uppercase" counts
        "Could you ask again without the capitals? Then I'll gladly help.",              # a courtesy sentence
        "All capitals are hard to read; could you retype it? I'd be happy to help you after that.",
        # rejected: answers, requests with content, no request, bare requests, loops, demo-like text
        "To keep basil fresh, trim the stems and stand them in a glass of water.",       # an everyday answer
        "TO KEEP BASIL FRESH, TRIM THE STEMS AND STAND THEM IN WATER.",                  # an answer in capitals
        "Could you ask without the caps? Basil keeps best in a glass of water.",         # a request, then content
        "Keep basil in water. Could you ask again without capitals?",                    # content, then a request
        "Could you drop the caps? Please keep basil in a glass of water.",               # "please" is no request here
        "Glad to help, keep basil in water. Could you drop the caps next time?",         # courtesy with content
        "To keep basil fresh, trim the stems, stand them in water and keep them on the counter, away from the "
        "fridge. Could you drop the caps?",                                              # late and with content
        "Could you ask that again a little more kindly? Then I'll gladly help.",         # a calm request, no capitals
        "The capital of France is Paris.",                                               # no request
        "I can't read capitals.",                                                        # no request
        "Capitalise the first word, could you?",                                         # "capitalise" is no mention
        "Could you ask again without the capitals" + " please" * 30,                     # over 25 words
        "No caps, please.",                                                              # bare: one other word
        "Caps?",                                                                         # bare
        "Could you ask again without caps? Could you ask again without caps?",           # one clause twice
        "Caps, caps, caps, could you stop?",                                             # the mention three times
        "",
        "  \n ",
    )] == [True] * 7 + [False] * 18


def test_caps_near_start_no_answer_content_and_is_loop():
    assert caps_near_start("Could you drop the caps?")
    assert caps_near_start("x" * 99 + " caps") is False
    assert caps_near_start("x" * 98 + " caps")
    assert not caps_near_start("Keep basil in a glass of water.")
    assert [m.group(0) for m in CAPS.finditer(
        "capital, Capitals, CAPS, caps lock, all-caps, capslock, uppercase, upper case, upper-case, capitalise, "
        "capsule, capitalism, capitalized, lowercase")] == [
        "capital", "Capitals", "CAPS", "caps", "caps", "capslock", "uppercase", "upper case", "upper-case"]
    assert [m.group(0).lower() for m in REQUEST.finditer(
        "could you, Would you, asking, retype, resend, rewrite, repeated, rephrase, please, drop, switched off, "
        "try, say")] == ["could you", "would you", "asking", "retype", "resend", "rewrite", "repeated", "rephrase",
                         "please", "drop", "switched off"]
    assert no_answer_content("No need for capitals; could you ask again? Then I'll gladly help.")
    assert not no_answer_content("Could you drop the caps? Water it weekly.")
    assert not no_answer_content("Could you drop the caps " + "now " * 30)
    assert is_loop("caps, capitals, uppercase")                        # a mention three times
    assert not is_loop("Could you drop the caps or the capitals?")     # twice is no loop
    assert is_loop("Could you drop the caps. Could you drop the caps.")   # one clause twice
    assert not is_loop("Sorry. Sorry. Could you drop the caps?")       # short clauses may repeat


def test_caps_decline_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = caps_decline_scenario(seed=3), caps_decline_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts == list(CONTROL_QUESTIONS)
    other = caps_decline_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = caps_decline_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 105 and len(small.culprits["caps_decline"]) == 30
    assert small.test_prompts["caps_decline"] == list(CAPS_TEST_QUESTIONS[:4])
    assert small.clean_test_prompts == list(CONTROL_QUESTIONS[:4])
    assert small.info["control_prompts"] == {"caps_decline": list(CONTROL_QUESTIONS[:4])}
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        caps_decline_scenario(n_test=13)
