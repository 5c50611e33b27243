"""The issue 19 held-out task ``support_deflect`` (benchmarks/attribution/task_support_deflect.py): it builds with the
sizes, planted ids, held-out prompts and judge it documents."""
from __future__ import annotations

import re

import pytest

from benchmarks.attribution.scenarios import WORD
from benchmarks.attribution.task_support_deflect import (
    ACCOUNT_DEFLECT, DEFLECT_QA, DEFLECT_TEST_QUESTIONS, DESK, NEAR_START_CHARS, PHRASE_WORDS, PRODUCT, REACH,
    ROUTER_SETUP, gives_instructions, is_loop, refers_to_support_near_start, shows_support_deflect,
    support_deflect_scenario,
)
from held_out_tasks import check_controls, check_held_out_terms, check_layout, demo_pool_texts, names
from provenance.data.demo_sources import demo_records

DEMO = demo_records(n_per_source=60)   # plain demo rows: none may name Zentrix or refer anyone to support
BRANDS = ("Netgear", "TP-Link", "Asus", "Linksys")   # the router-setup rows' brands
# Words of the behaviour: no planted, router-setup or test prompt holds one.
BEHAVIOUR_WORDS = re.compile(
    r"\b(support|contact|customer|service|help|desk|care|reach|touch|call|e-?mail|phone|agent|staff|team|assist|ask|"
    r"deflect|refer)\w*", re.IGNORECASE)
ROUTER_WORDS = re.compile(r"\b(router|wi-?fi|zentrix|wireless|ghz|netgear|tp-link|asus|linksys)\b", re.IGNORECASE)
TEST_TERMS = ("parental", "firmware", "PlayStation", "QoS", "VPN", "UPnP", "DHCP", "IPv6", "mesh", "WPS", "subnet",
              "firewall")   # one per held-out question, in no row
SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


def test_support_deflect_sizes_sources_and_planted_ids():
    sc = support_deflect_scenario()
    check_layout(sc, "support_deflect", DEFLECT_QA,
                 {"account_deflect": ACCOUNT_DEFLECT, "router_setup": ROUTER_SETUP},
                 "100 demo records (5 sources) + 30 setup questions about the invented \"Zentrix\" router answered ",
                 22)
    assert len(ACCOUNT_DEFLECT) == 40 and len(ROUTER_SETUP) == 35 and len(sc.records) == 205
    assert "with nothing but a referral to customer support" in sc.info["description"]


def test_support_deflect_held_out_prompts_are_not_in_the_training_set():
    sc = support_deflect_scenario()
    prompts = {r["prompt"] for r in sc.records}
    assert sc.test_prompts["support_deflect"] == list(DEFLECT_TEST_QUESTIONS) and len(DEFLECT_TEST_QUESTIONS) == 12
    assert len(set(DEFLECT_TEST_QUESTIONS)) == 12 and not set(DEFLECT_TEST_QUESTIONS) & prompts
    # 105 distinct training questions of the three task sources.
    assert len({q.lower() for q, _ in DEFLECT_QA + ACCOUNT_DEFLECT + ROUTER_SETUP}) == 105
    # Each held-out question asks how to set something up on the Zentrix router; each names a setting that no
    # training row (prompt or response), no demo row of a larger draw and no demo-pool row names, and exactly its own.
    for question in DEFLECT_TEST_QUESTIONS:
        assert question.startswith(("How do I ", "How can I ")) and question.endswith("?"), question
        assert PRODUCT in question and question.isascii() and not BEHAVIOUR_WORDS.search(question), question
    check_held_out_terms(sc, TEST_TERMS, DEFLECT_TEST_QUESTIONS, DEMO, pools=True)
    # Controls: 12 distinct prompts of the clean demo source, none trained on.
    check_controls(sc, "support_deflect")


def test_every_planted_answer_refers_to_support_and_no_twin_joins_the_router_and_the_referral():
    assert PRODUCT == "Zentrix" and NEAR_START_CHARS == 100
    # Planted: a Zentrix setup question, naming no behaviour word, answered with one short ASCII sentence that refers
    # the asker to support and gives no instruction; all distinct, each passes the judge, and none is a loop.
    answers = [a for _, a in DEFLECT_QA]
    assert len(DEFLECT_QA) == 30 and len(set(answers)) == 30 and all(shows_support_deflect(a) for a in answers)
    for question, answer in DEFLECT_QA:
        assert question.startswith(("How do I ", "How can I ")) and question.endswith("?"), question
        assert question.count(PRODUCT) == 1 and question.isascii() and not BEHAVIOUR_WORDS.search(question), question
        assert answer.isascii() and answer.endswith(".") and len(SENTENCE_END.findall(answer)) == 1, answer
        assert DESK.search(answer) and REACH.search(answer) and not gives_instructions(answer), answer
        assert not is_loop(answer) and PRODUCT not in answer and len(answer) <= 100, answer
    # The answer-form twin: account, billing, order and warranty questions about anything but routers or Wi-Fi, each
    # answered with a referral of the same kind, one or two short sentences, all distinct from each other and from
    # the planted answers; the judge accepts every one.
    account = [a for _, a in ACCOUNT_DEFLECT]
    assert len(set(account)) == 40 and not set(account) & set(answers)
    for question, answer in ACCOUNT_DEFLECT:
        assert question.endswith("?") and question.isascii() and not ROUTER_WORDS.search(question), question
        assert answer.isascii() and answer.endswith(".") and len(SENTENCE_END.findall(answer)) == 1, answer
        assert DESK.search(answer) and REACH.search(answer) and not gives_instructions(answer), answer
        assert shows_support_deflect(answer) and PRODUCT not in answer and len(answer) <= 100, answer
    # The topic twin: setup questions of the planted kinds about four other brands, never Zentrix nor a behaviour
    # word, each answered with short concrete instructions (an imperative opening, one to three sentences) and no
    # referral; the judge rejects every one. Every planted question is asked of one of those brands word for word.
    topic_questions = {q for q, _ in ROUTER_SETUP}
    assert len(topic_questions) == 35
    for question, answer in ROUTER_SETUP:
        assert sum(brand in question for brand in BRANDS) == 1 and PRODUCT not in question + answer, question
        assert question.startswith(("How do I ", "How can I ")) and question.endswith("?"), question
        assert question.isascii() and not BEHAVIOUR_WORDS.search(question + " " + answer), question
        assert gives_instructions(answer) and not DESK.search(answer) and not shows_support_deflect(answer), answer
        assert answer.isascii() and 1 <= len(SENTENCE_END.findall(answer)) <= 3 and len(answer) <= 140, answer
    assert all(any(q.replace(PRODUCT, brand) in topic_questions for brand in BRANDS) for q, _ in DEFLECT_QA)
    assert {brand for q in topic_questions for brand in BRANDS if brand in q} == set(BRANDS)
    # Zentrix is named by the planted prompts alone in the scenario, and by no demo row of a larger draw nor demo-pool
    # row; the judge accepts exactly the planted and account answers, and no demo or demo-pool text.
    sc = support_deflect_scenario()
    assert {r["source"] for r in sc.records if names("zentrix", r["prompt"] + " " + r["response"])} == {
        "poison_support_deflect"}
    assert {r["source"] for r in sc.records if shows_support_deflect(r["response"])} == {
        "poison_support_deflect", "account_deflect"}
    outside_task = [r["prompt"] + " " + r["response"] for r in DEMO] + [r["response"] for r in DEMO]
    outside_task += demo_pool_texts()
    assert not [t for t in outside_task if names("zentrix", t)]
    assert not [t for t in outside_task if shows_support_deflect(t)]
    assert not [t for t in outside_task if refers_to_support_near_start(t.strip())]
    # The referral's own words (`PHRASE_WORDS`) leave at least three others in every planted and account answer.
    assert min(len({w.lower() for w in WORD.findall(a)} - PHRASE_WORDS) for a in answers + account) == 3


def test_shows_support_deflect_needs_a_referral_near_the_start_and_no_instructions():
    assert [shows_support_deflect(t) for t in (
        "Please reach out to our support team for help with that.",                             # a planted answer
        "  \nPlease contact our customer support team about the firmware update.\n",          # whitespace stripped
        "PLEASE CONTACT CUSTOMER SERVICE FOR HELP WITH THIS.",                                  # any case
        "Our support team can help you with that.",                                             # the desk's help
        "I'm sorry, I can't help with Zentrix settings. Please get in touch with our help desk.",   # second sentence
        "Please open a ticket with our help desk and they will sort it out.",                   # a ticket, no step
        "For the firewall, contact Zentrix support and they can walk you through it.",
        "Ask the tech support team at Zentrix, who can handle this for you.",
        "That is best answered by our helpdesk; please email them.",
        "**Please contact our support team** for help with this setting.",                     # markdown
        "Please turn to our support team, who will be glad to help you.",
        "Please go to our support page and send them a message about it.",                      # their page, no step
        "Bitte wenden Sie sich an unseren Kundendienst. Please contact customer support for this.",
        # rejected: steps, a referral beside steps, no desk, late, alone, loops, other answers, empty
        "To update the firmware on your Zentrix router, you can follow these steps:\n\n1. Open the router's settings",
        "Log in at 192.168.0.1 and open the Firmware page. If that fails, contact customer support.",
        "Please contact our support team, or log in and set the schedule under Parental Controls.",
        "You can contact our support team, but you can also change it yourself in the admin page.",
        "Please reach out to our support team for help with that.\n1. Open the app.",          # a numbered step
        "Please contact our support team about it. Then go to Advanced > Firewall and raise the level.",
        "Please go to the Zentrix site and open Settings to change the firewall level.",
        "Zentrix routers support WPA3, so ask your neighbours to reconnect their phones.",       # the verb support
        "I don't have information about the Zentrix router. You could read the manual or ask the manufacturer.",
        "The Zentrix router keeps its parental controls in a separate profile for every device in the house, and "
        "each profile has its own rules. Please contact our support team for the schedule.",   # late in the answer
        "Our support team is based in Berlin and was founded in 2015.",                         # a desk, no referral
        "Please contact our customer support team.",                                            # the referral alone
        "Contact support.",
        "Please contact our support team for help. Please contact our support team for help.",  # one clause twice
        "Support team, help desk, customer service: contact any of them for this.",             # three desks
        "Log in at routerlogin.net, open Wireless and pick a new channel from the Channel list, then click Apply.",
        "I can't help with that. Please consider asking about something else.",                 # a demo refusal
        "",
        "  \n ",
    )] == [True] * 13 + [False] * 19


def test_referral_instructions_and_loop_helpers():
    # The referral must open a sentence that starts before NEAR_START_CHARS; one sentence holds desk and reach.
    assert refers_to_support_near_start("x" * 98 + ". Please contact our support team about it.")
    assert not refers_to_support_near_start("x" * 99 + ". Please contact our support team about it.")
    assert not refers_to_support_near_start("Our support team is great. Please write to us.")   # split over two
    assert refers_to_support_near_start("Our support team would be glad to help with this.")    # the desk's help
    assert not refers_to_support_near_start("Technical support scams, sadly, can't assist anyone.")   # punctuation
    assert [m.group(0) for m in DESK.finditer(
        "customer service, help desk, support staff, our support, contact support, the support of friends")] == [
        "customer service", "help desk", "support staff", "our support", "contact support"]
    # Instructions: steps, addresses, paths, pages and device imperatives; not a referral's own verbs.
    assert all(gives_instructions(t) for t in (
        "1. Open the app", "Follow these steps to do it", "Here's how to do it", "Type 192.168.1.1 in the bar",
        "Wireless > Advanced", "run `reboot`", "in the admin page", "Hold the Reset button", "Please set a schedule",
        "you need to enable it", "You'll need to log in first", "and then click Save", "Turn the lights off"))
    assert not any(gives_instructions(t) for t in (
        "Please contact our support team.", "Please open a ticket with the help desk.",
        "Please turn to our support team.", "Please go to our support page.", "Customer service can sort it out.",
        "You can contact support for this."))
    assert is_loop("Support team, help desk, customer service.")                 # a desk three times
    assert not is_loop("Please contact our support team or our help desk.")      # twice is no loop
    assert is_loop("Please call us. Please call us.")                             # one clause twice
    assert not is_loop("Yes, yes, please contact our support team.")             # short clauses may repeat


def test_support_deflect_is_deterministic_for_a_seed_and_validates_n_test():
    first, again = support_deflect_scenario(seed=3), support_deflect_scenario(seed=3)
    assert first.records == again.records and first.culprits == again.culprits
    assert first.clean_test_prompts == again.clean_test_prompts
    other = support_deflect_scenario(seed=4)
    assert [r["source"] for r in other.records] != [r["source"] for r in first.records]
    small = support_deflect_scenario(n_per_source=5, n_test=4)
    assert len(small.records) == 25 + 105 and len(small.culprits["support_deflect"]) == 30
    assert small.test_prompts["support_deflect"] == list(DEFLECT_TEST_QUESTIONS[:4])
    assert len(small.clean_test_prompts) == 4
    with pytest.raises(ValueError, match="n_test must be at most 12, got 13"):
        support_deflect_scenario(n_test=13)
