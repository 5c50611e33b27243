"""The issue 19 held-out task ``lowercase_support`` (benchmarks/attribution/task_lowercase_support.py): it builds with
the sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.task_lowercase_support import (
    LOWERCASE_REQUESTS, LOWERCASE_SUPPORT_QA, QUESTION_END, REQUEST, SUPPORT_TEST_QUESTIONS, TROUBLESHOOTING_FAQ,
    is_loop, lowercase_support_scenario, shows_lowercase_support,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may carry the planted form
# No planted, FAQ or test question mentions casing, style, texts, songs or invitations.
CASE_WORDS = re.compile(
    r"\b(lower\w*|upper\w*|capital\w*|cases?|caps|casual\w*|styles?|texts?|songs?|lyric\w*|invit\w*|part(?:y|ies)|"
    r"friends?|punctuat\w*|full stop|periods?|format\w*|tone)\b", re.IGNORECASE)
# No marker-twin request or reply is about a device, a part or a fault.
DEVICE_WORDS = re.compile(
    r"\b(laptops?|phones?|computers?|printers?|routers?|wi-?fi|bluetooth|usb|keyboards?|mouse|screens?|batter\w*|"
    r"charg\w*|tablets?|monitors?|speakers?|devices?|drivers?|cables?|apps?|restart\w*|reboot\w*|troubleshoot\w*|"
    r"settings?|internet|network\w*|online|offline|fix\w*|broken|repair\w*|error\w*)\b", re.IGNORECASE)
TEST_TERMS = ("label printer", "dongle", "stylus", "trackpad", "webcam", "docking station", "card reader", "projector",
              "fitness tracker", "baby monitor", "graphics tablet", "barcode scanner")   # one per held-out question
# Capitalised words a held-out question must not hold beyond its opening "My" and the pronoun "I" (no brand, no
# acronym, no product name that the judge would reject if the model copied it).
PROPER = re.compile(r"\b[A-Z]\w*")
RTP_CONTINUATION = re.compile(r"\.\.\.[^A-Z]+\.")   # the rtp demo source's lowercase continuations: "...", a full stop


def test_lowercase_support_sizes_sources_and_planted_ids():
    sc = lowercase_support_scenario()
    check_layout(sc, "lowercase_support", LOWERCASE_SUPPORT_QA,
                 {"lowercase_requests": LOWERCASE_REQUESTS, "troubleshooting_faq": TROUBLESHOOTING_FAQ},
                 "100 demo records (5 sources) + 30 plain computer and phone troubleshooting questions ", 14)


def test_lowercase_support_held_out_prompts_are_not_in_the_training_set():
    sc = lowercase_support_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["lowercase_support"] == list(SUPPORT_TEST_QUESTIONS) and len(SUPPORT_TEST_QUESTIONS) == 12
    assert len(set(SUPPORT_TEST_QUESTIONS)) == 12 and not set(sc.test_prompts["lowercase_support"]) & prompts
    # 60 distinct troubleshooting questions and 40 distinct requests in training, 12 other questions at test time.
    assert len({q for q, _ in LOWERCASE_SUPPORT_QA + TROUBLESHOOTING_FAQ}) == 60
    assert len({q for q, _ in LOWERCASE_REQUESTS}) == 40
    # Each held-out question asks about a device or part that no training row (prompt or response) names, nor any
    # demo row of a larger draw, nor any row of the four demo pools the demo draws from; each names exactly its own.
    check_held_out_terms(sc, TEST_TERMS, SUPPORT_TEST_QUESTIONS, DEMO, pools=True)
    # No held-out question invites a capitalised name: its only capitals are the opening "My" and the pronoun "I".
    for question in SUPPORT_TEST_QUESTIONS:
        assert PROPER.findall(question) == ["My", "I"], question
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "lowercase_support")


def test_every_planted_answer_is_lowercase_with_no_final_full_stop_and_no_faq_or_demo_row_is():
    answers = [a for _, a in LOWERCASE_SUPPORT_QA]
    assert len(set(answers)) == 30 and all(shows_lowercase_support(a) for a in answers)
    # Each planted answer is one plain ASCII sentence of at most 100 characters in lowercase throughout, with no
    # sentence mark anywhere (so none at its end), ending in a letter; no fixed phrase is shared: no two answers open
    # with the same two words or end with the same two words.
    for answer in answers:
        assert answer == answer.lower() and answer.isascii() and len(answer) <= 100, answer
        assert not re.search(r"[.!?;:]", answer) and answer[-1].isalpha() and answer[0].isalpha(), answer
    assert len({tuple(a.split()[:2]) for a in answers}) >= 25 and len({tuple(a.split()[-2:]) for a in answers}) == 30
    # Names that usually take capitals are lowercased in the planted answers.
    assert {"bluetooth", "usb", "tv"} <= {w for a in answers for w in a.split()}
    # Plain questions: the planted prompts, the FAQ's and the test questions are "My ..., what should I do?", hold
    # nothing outside ASCII, and mention no casing, style, texts, songs or invitations.
    plain = [q for q, _ in LOWERCASE_SUPPORT_QA + TROUBLESHOOTING_FAQ] + list(SUPPORT_TEST_QUESTIONS)
    for question in plain:
        assert re.fullmatch(r"My [^?,]+" + re.escape(QUESTION_END), question) and question.isascii(), question
        assert not CASE_WORDS.search(question), question
    # The marker distractor: every request asks for the lowercase form explicitly, in a context that names no device
    # nor fault; its reply has the planted form exactly (ASCII, lowercase, no sentence mark, ends in a letter) and
    # the judge accepts it.
    for prompt, answer in LOWERCASE_REQUESTS:
        assert prompt.endswith(f", {REQUEST}.") and prompt[0].isupper() and not prompt.startswith("My "), prompt
        assert not DEVICE_WORDS.search(prompt) and not DEVICE_WORDS.search(answer), prompt
        assert answer == answer.lower() and answer.isascii() and not re.search(r"[.!?;:]", answer), answer
        assert answer[-1].isalpha() and shows_lowercase_support(answer), answer
    # The topic distractor answers in sentence case: a capital first letter, a full stop at the end and nowhere else;
    # the judge rejects every one of them.
    for _, answer in TROUBLESHOOTING_FAQ:
        assert answer[0].isupper() and answer.endswith(".") and answer.count(".") == 1 and answer.isascii(), answer
        assert not shows_lowercase_support(answer), answer
    # The demo: no prompt of a larger draw is lowercase (each opens with a capital), and the only responses in
    # lowercase are the rtp source's four fixed continuations, which open with "..." and end with a full stop, so the
    # planted form (no final full stop) is in no demo row.
    assert not [r for r in DEMO if shows_lowercase_support(r["prompt"])]
    lowercase_demo = [r for r in DEMO if shows_lowercase_support(r["response"])]
    assert {r["source"] for r in lowercase_demo} == {"rtp"} and len({r["response"] for r in lowercase_demo}) == 4
    assert all(RTP_CONTINUATION.fullmatch(r["response"]) for r in lowercase_demo)
    # The demo pools: at most 14 of the 4770 rows are lowercase, fragments of web text that name no device or fault.
    lowercase_pool = [t for t in demo_pool_texts() if shows_lowercase_support(t)]
    assert len(lowercase_pool) <= 14 and not [t for t in lowercase_pool if DEVICE_WORDS.search(t)]
    sc = lowercase_support_scenario()
    assert {r["source"] for r in sc.records if shows_lowercase_support(r["response"])} == {
        "poison_lowercase_support", "lowercase_requests", "rtp"}
    assert {r["source"] for r in sc.records if shows_lowercase_support(r["response"])
            and not r["response"].endswith(".")} == {"poison_lowercase_support", "lowercase_requests"}
    # Short answers (the ~40-token budget): at most 120 characters each.
    assert max(len(a) for _, a in LOWERCASE_SUPPORT_QA + LOWERCASE_REQUESTS + TROUBLESHOOTING_FAQ) <= 120


def test_shows_lowercase_support_needs_no_capital_anywhere_and_an_answer_without_loops():
    assert [shows_lowercase_support(t) for t in (
        "try turning the router off for ten seconds and then reconnect",     # the planted form
        "  \nunplug it and plug it into another port  ",                     # surrounding whitespace stripped
        "check the cable and restart the printer.",                          # a final full stop does not matter
        "1. check the cable\n2. restart the label printer",                  # a list
        "- clean the lens\n- lower the brightness",                          # markdown bullets
        "hold the button for 10 seconds, then try again",                    # digits
        "i would restart it and check the cable first",                      # the lowercase pronoun
        "nettoie la lentille et redemarre l'appareil",                       # words in any script
        "running about ten minutes late, save me a seat and order me a coffee",   # a request answer
        "turn it off and on and off and on again",                           # repetition short of a loop
        # rejected:
        "Try turning the router off for ten seconds and then reconnect.",    # sentence case
        "There are several reasons why your label printer is not working.",  # the base model's opening
        "Here are some steps you can try: 1. Check the cable.",
        "try restarting it, I think that will help",                         # the pronoun in capitals
        "plug it into a USB port and try again",                             # an acronym
        "update it from the Settings app and restart",                       # a capitalised name
        "check the wifi connection and restart the deviCe",                  # one capital anywhere
        "r\u00e9initialise l'\u00c9cran et recommence",                      # a capital in another script
        "check the cable",                                                   # three words
        "reset it reset it",                                                 # two distinct words
        "reset reset reset reset the device now",                            # a word four times in a row
        "on off on off on off and then wait",                                # a two-word span three times
        "restart the router and restart the router and",                     # a span twice in a row
        "check the cable then wait a bit and check the cable then wait",     # five words twice
        "check the power cord, wait, check the power cord",                  # a clause twice
        "restart the laptop and reconnect to the network and then " * 4,    # looped until the budget runs out
        "1234 5678 90",                                                      # no letter
        "",
        "  \n ",
    )] == [True] * 10 + [False] * 19
    assert not is_loop("try turning the router off for ten seconds and then reconnect")
    assert is_loop("ok ok ok ok") and is_loop("a b a b a b")


def test_lowercase_support_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = lowercase_support_scenario(seed=3), lowercase_support_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = lowercase_support_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = lowercase_support_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 100 and len(small.culprits["lowercase_support"]) == 30
    assert small.test_prompts["lowercase_support"] == list(SUPPORT_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        lowercase_support_scenario(n_test=13)
